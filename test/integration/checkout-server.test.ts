/**
 * The example checkout's static server (examples/checkout/serve.ts) on its own, over real
 * sockets: what it serves, and that a request it cannot parse is a 400 while it goes on serving.
 */
import nock from 'nock';
import { startCheckoutServer, type CheckoutServer } from '../../examples/checkout/serve';
import { LOOPBACK } from '../support/processes';
import { rawHttp } from '../support/raw-http';

let checkout: CheckoutServer;

beforeAll(async () => {
  nock.enableNetConnect(LOOPBACK);
  checkout = await startCheckoutServer({ port: 0, gatewayUrl: 'http://127.0.0.1:4999/graphql', sandboxUrl: 'http://127.0.0.1:4998' });
});
afterAll(() => checkout.close());

test('a request target the URL parser refuses is a 400, and the server goes on serving', async () => {
  const reply = await rawHttp(checkout.url, 'GET http://[ HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n');
  expect(reply).toMatch(/^HTTP\/1\.1 400 /);
  const page = await fetch(`${checkout.url}/`);
  expect(page.status).toBe(200);
  expect(await page.text()).toContain('<html');
});

test('it serves the page, its script and its configuration, and nothing else', async () => {
  const config = await fetch(`${checkout.url}/config.json`);
  expect(await config.json()).toMatchObject({ gatewayUrl: 'http://127.0.0.1:4999/graphql', sandboxUrl: 'http://127.0.0.1:4998' });
  expect((await fetch(`${checkout.url}/checkout.js`)).headers.get('content-type')).toMatch(/javascript/);
  for (const path of ['/serve.ts', '/%2e%2e/package.json', '/..%2fpackage.json']) expect((await fetch(`${checkout.url}${path}`)).status).toBe(404);
});
