/**
 * A request line no HTTP client sends: the sandbox answers it as the client's mistake (400, in
 * Zoho's error shape), not as a bug of its own (500 and a process warning).
 */
import { startSandbox, type RunningSandbox } from '../../sandbox/server';
import { rawHttp } from '../support/raw-http';

let sandbox: RunningSandbox;
beforeAll(async () => {
  sandbox = await startSandbox({}, 0);
});
afterAll(() => sandbox.close());

test('a request target the URL parser refuses is a 400 with a JSON error, and no warning', async () => {
  const warning = jest.spyOn(process, 'emitWarning');
  const reply = await rawHttp(sandbox.origin, 'GET http://[ HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n');
  expect(reply).toMatch(/^HTTP\/1\.1 400 /);
  expect(JSON.parse(reply.slice(reply.indexOf('\r\n\r\n') + 4))).toEqual({ code: 'error', message: 'The request target is not a valid URL.' });
  expect(warning).not.toHaveBeenCalled();
  warning.mockRestore();
});
