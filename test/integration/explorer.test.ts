/**
 * The explorer over HTTP (src/http/explorer.ts; contract.md, Transport and "For frontend teams"):
 * gateways built by createGateway, listening on 127.0.0.1; no upstream call is made.
 *
 * It proves that GraphiQL is served outside production, only to a browser's GET or HEAD (Apollo's
 * rule for its landing page: `Accept` prefers text/html), while JSON GET and POST still reach
 * Apollo; that the page carries an ETag (304 on If-None-Match), `Cache-Control: no-cache`, gzip
 * when accepted, `X-Content-Type-Options: nosniff` and a Content-Security-Policy that names no
 * other host and lists the hash of every inline script; that it opens with the given headers (or
 * placeholders) and the example operations, the payment method first; that no string it is given
 * can close its <script>; and that production serves no explorer and never loads its 9 MB module.
 */
import { createHash } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import http from 'node:http';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { gunzipSync } from 'node:zlib';
import nock from 'nock';
import type { NodeEnv } from '../../src/config';
import type { Gateway, GatewayDependencies } from '../../src/server';
import { captureLogger, startTestServer, testConfig } from '../helpers';
import { LOOPBACK } from '../support/processes';

/** What Chromium sends when a person opens the URL. */
const BROWSER = { accept: 'text/html,application/xhtml+xml,application/xml;q=0.9,image/avif,image/webp,*/*;q=0.8', 'accept-encoding': 'identity' };
const SANDBOX_HEADERS = { Authorization: 'Zoho-oauthtoken sandbox_full', 'X-Zoho-Account-Id': '1000000001' };
const EXAMPLES = path.resolve(__dirname, '..', '..', 'examples', 'operations');

/** How many times render-graphiql's module was loaded (its factory runs once per module registry). */
let mockRenderGraphiQLLoads = 0;
jest.mock('@graphql-yoga/render-graphiql', () => {
  mockRenderGraphiQLLoads += 1;
  return jest.requireActual('@graphql-yoga/render-graphiql');
});

interface Reply {
  status: number;
  headers: http.IncomingHttpHeaders;
  body: Buffer;
}

function request(url: string, headers: Record<string, string>, method = 'GET', body?: string): Promise<Reply> {
  return new Promise((resolve, reject) => {
    const req = http.request(url, { method, headers }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (chunk: Buffer) => chunks.push(chunk));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks) }));
      res.on('error', reject);
    });
    req.on('error', reject);
    req.end(body);
  });
}

const started: Gateway[] = [];

async function gateway(nodeEnv: NodeEnv, deps: Partial<GatewayDependencies> = {}): Promise<Gateway> {
  const gw = await startTestServer(testConfig({ NODE_ENV: nodeEnv }), { logger: captureLogger('warn').logger, ...deps });
  started.push(gw);
  return gw;
}

/** The options the page hands GraphiQL (the JSON render-graphiql embeds in its script). */
function graphiqlOptions(html: string): { headers: string; defaultTabs: Array<{ query: string; variables: string; headers: string }> } {
  const json = /renderYogaGraphiQL\(\s*window\.document\.querySelector\('#root'\),\s*(\{.*\}),\s*\)/.exec(html)?.[1];
  if (!json) throw new Error('no GraphiQL options in the page');
  return JSON.parse(json) as ReturnType<typeof graphiqlOptions>;
}

beforeAll(() => nock.enableNetConnect(LOOPBACK));

afterAll(async () => {
  await Promise.all(started.map((gw) => gw.stop()));
});

// First in the file: no gateway outside production may have loaded render-graphiql before it.
test('production serves no explorer and never loads its module; outside production it is loaded once', async () => {
  const production = await gateway('production');
  for (const headers of [BROWSER, { accept: 'text/html' }, { ...BROWSER, 'apollo-require-preflight': 'true' }]) {
    for (const method of ['GET', 'HEAD']) {
      const reply = await request(production.url, headers, method);
      expect(reply.headers['content-type'] ?? '').not.toMatch(/html/);
      expect(reply.headers['content-security-policy']).toBeUndefined();
      expect(reply.body.toString()).not.toMatch(/<!DOCTYPE|<html|<script|graphiql|sandbox/i);
      expect([400, 405, 406]).toContain(reply.status);
    }
  }
  expect(mockRenderGraphiQLLoads).toBe(0);

  // The same count sees the module load outside production, once the page is first asked for
  // (not at start: a gateway nobody opens in a browser, every test's, pays nothing for it).
  const development = await gateway('development');
  expect(mockRenderGraphiQLLoads).toBe(0);
  expect((await request(development.url, BROWSER)).status).toBe(200);
  expect(mockRenderGraphiQLLoads).toBe(1);
});

describe('outside production', () => {
  let gw: Gateway;
  let page: Reply;
  beforeAll(async () => {
    gw = await gateway('development', { explorer: { headers: SANDBOX_HEADERS } });
    page = await request(gw.url, BROWSER);
  });

  test("a browser's GET /graphql gets GraphiQL with the headers and the example operations, the payment method first", () => {
    expect(page.status).toBe(200);
    expect(page.headers['content-type']).toBe('text/html; charset=utf-8');
    expect(page.headers['content-length']).toBe(String(page.body.length));
    const html = page.body.toString();
    expect(html).toContain('<title>Zoho Payments GraphQL gateway</title>');
    expect(html).toContain('YogaGraphiQL.renderYogaGraphiQL(');
    const options = graphiqlOptions(html);
    expect(JSON.parse(options.headers)).toEqual(SANDBOX_HEADERS);
    const names = options.defaultTabs.map((tab) => /^(?:query|mutation) (\w+)/m.exec(tab.query)?.[1]);
    expect(names).toEqual(['PaymentMethod', 'PaymentMethods', 'PaymentMethodSession', 'CreatePaymentMethodSession', 'UpdatePaymentMethod', 'DeletePaymentMethod']);
    for (const [index, tab] of options.defaultTabs.entries()) {
      const name = names[index] as string;
      expect(tab.query).toBe(readFileSync(path.join(EXAMPLES, `${name}.graphql`), 'utf8'));
      expect(JSON.parse(tab.variables)).toEqual(JSON.parse(readFileSync(path.join(EXAMPLES, `${name}.variables.json`), 'utf8')));
      expect(JSON.parse(tab.headers)).toEqual(SANDBOX_HEADERS);
    }
    // Apollo Sandbox is a link (its endpoint is filled in by the page, which knows its own URL).
    expect(html).toContain('href="https://studio.apollographql.com/sandbox/explorer"');
    expect(html).toContain('Open in Apollo Sandbox');
  });

  test('the page says what it may load: a CSP naming no other host and the hash of each inline script; nosniff; no-cache', () => {
    const csp = page.headers['content-security-policy'] as string;
    const directives = Object.fromEntries(csp.split(';').map((part) => {
      const [name, ...values] = part.trim().split(/\s+/);
      return [name, values];
    }));
    expect(directives).toEqual({
      'default-src': ["'none'"],
      'script-src': expect.any(Array),
      'worker-src': ['blob:'],
      'style-src': ["'unsafe-inline'"],
      'img-src': ["'self'", 'data:'],
      'font-src': ["'self'", 'data:'],
      'connect-src': ["'self'"],
      'base-uri': ["'none'"],
      'form-action': ["'none'"],
      'frame-ancestors': ["'none'"],
    });
    expect(csp).not.toMatch(/https?:|\*|unsafe-eval/);
    const scripts = [...page.body.toString().matchAll(/<script>([\s\S]*?)<\/script>/g)].map((match) => match[1] as string);
    expect(scripts).toHaveLength(2);
    const hashes = scripts.map((script) => `'sha256-${createHash('sha256').update(script).digest('base64')}'`);
    expect(directives['script-src']).toEqual(hashes);
    expect(page.headers['x-content-type-options']).toBe('nosniff');
    expect(page.headers['cache-control']).toBe('no-cache');
    expect(page.headers['vary']).toBe('Accept, Accept-Encoding');
    expect(page.headers['x-request-id']).toEqual(expect.any(String));
  });

  test('ETag: a matching If-None-Match is a 304 with no body; another one gets the page', async () => {
    const etag = page.headers.etag as string;
    expect(etag).toMatch(/^"[\w-]+"$/);
    for (const ifNoneMatch of [etag, `W/${etag}`, `"other", ${etag}`, '*']) {
      const again = await request(gw.url, { ...BROWSER, 'if-none-match': ifNoneMatch });
      expect([ifNoneMatch, again.status, again.body.length]).toEqual([ifNoneMatch, 304, 0]);
      expect(again.headers.etag).toBe(etag);
      expect(again.headers['content-security-policy']).toBe(page.headers['content-security-policy']);
    }
    const stale = await request(gw.url, { ...BROWSER, 'if-none-match': '"an-older-page"' });
    expect(stale.status).toBe(200);
    expect(stale.body.equals(page.body)).toBe(true);
  });

  test('gzip when the browser accepts it: the same page, its own ETag, revalidated too', async () => {
    const gzipped = await request(gw.url, { ...BROWSER, 'accept-encoding': 'gzip, deflate, br, zstd' });
    expect(gzipped.status).toBe(200);
    expect(gzipped.headers['content-encoding']).toBe('gzip');
    expect(gzipped.headers['content-length']).toBe(String(gzipped.body.length));
    expect(gunzipSync(gzipped.body).equals(page.body)).toBe(true);
    expect(gzipped.body.length).toBeLessThan(page.body.length / 3);
    expect(gzipped.headers.etag).not.toBe(page.headers.etag);
    const again = await request(gw.url, { ...BROWSER, 'accept-encoding': 'gzip', 'if-none-match': gzipped.headers.etag as string });
    expect(again.status).toBe(304);
    // Each encoding is its own representation: the other's ETag does not revalidate it.
    const crossed = await request(gw.url, { ...BROWSER, 'accept-encoding': 'gzip', 'if-none-match': page.headers.etag as string });
    expect([crossed.status, crossed.headers['content-encoding']]).toEqual([200, 'gzip']);
    const uncrossed = await request(gw.url, { ...BROWSER, 'if-none-match': gzipped.headers.etag as string });
    expect([uncrossed.status, uncrossed.body.equals(page.body)]).toEqual([200, true]);
    const refused = await request(gw.url, { ...BROWSER, 'accept-encoding': 'gzip;q=0' });
    expect(refused.headers['content-encoding']).toBeUndefined();
    expect(refused.body.equals(page.body)).toBe(true);
  });

  test('HEAD: the same headers, no body', async () => {
    const head = await request(gw.url, BROWSER, 'HEAD');
    expect(head.status).toBe(200);
    expect(head.body.length).toBe(0);
    expect(head.headers['content-length']).toBe(String(page.body.length));
    expect(head.headers.etag).toBe(page.headers.etag);
    expect(head.headers['content-type']).toBe('text/html; charset=utf-8');
  });

  test("a browser's GET with a query in the URL gets the page too (GraphiQL keeps the edited query there)", async () => {
    const reply = await request(`${gw.url}?query=${encodeURIComponent('{ __typename }')}`, BROWSER);
    expect(reply.status).toBe(200);
    expect(reply.body.equals(page.body)).toBe(true);
  });

  test('anything but a browser asking for a page reaches Apollo: JSON GET and POST work as before', async () => {
    const query = encodeURIComponent('{ __typename }');
    for (const accept of ['application/json', '*/*', 'application/graphql-response+json, application/json;q=0.9, text/html;q=0.8']) {
      const reply = await request(`${gw.url}?query=${query}`, { accept, 'apollo-require-preflight': 'true' });
      expect([accept, reply.status, JSON.parse(reply.body.toString())]).toEqual([accept, 200, { data: { __typename: 'Query' } }]);
    }
    // A POST is never the page, even with a browser's Accept.
    const post = await request(gw.url, { ...BROWSER, 'content-type': 'application/json' }, 'POST', JSON.stringify({ query: '{ __typename }' }));
    expect(post.status).toBe(200);
    expect(post.headers['content-type']).toMatch(/^application\/json/);
    expect(JSON.parse(post.body.toString())).toEqual({ data: { __typename: 'Query' } });
    // A GET without a query, from a client that is not a browser: Apollo's own 400, in JSON.
    const empty = await request(gw.url, { accept: 'application/json' });
    expect(empty.status).toBe(400);
    expect(empty.headers['content-type']).toMatch(/^application\/json/);
  });
});

test('without the sandbox the headers editor holds placeholders; no string given to the page can close its <script>', async () => {
  const plain = await request((await gateway('test')).url, BROWSER);
  const options = graphiqlOptions(plain.body.toString());
  expect(JSON.parse(options.headers)).toEqual({
    Authorization: 'Zoho-oauthtoken <your Zoho OAuth token>',
    'X-Zoho-Account-Id': '<your Zoho Payments account id>',
  });
  // Inside the script every `<` is escaped (\u003c), which JSON.parse reads back.
  expect(plain.body.toString()).not.toContain('<your');

  const hostile = '</script><script>window.pwned = 1</script><!--';
  const page = (await request((await gateway('test', { explorer: { headers: { 'X-Note': hostile } } })).url, BROWSER)).body.toString();
  expect(JSON.parse(graphiqlOptions(page).headers)).toEqual({ 'X-Note': hostile });
  expect(page).not.toContain(hostile);
  expect(page.match(/<\/script>/g)).toHaveLength(2);
});

test('a broken example file does not take the gateway down: the page is a 500 that names the file and says what to do, and GraphQL goes on', async () => {
  const dir = mkdtempSync(path.join(tmpdir(), 'explorer-examples-'));
  try {
    writeFileSync(path.join(dir, 'PaymentMethod.graphql'), readFileSync(path.join(EXAMPLES, 'PaymentMethod.graphql'), 'utf8'));
    writeFileSync(path.join(dir, 'PaymentMethod.variables.json'), '{"id": "1",}');
    const gw = await gateway('test', { explorer: { examplesDir: dir } });
    const broken = await request(gw.url, BROWSER);
    expect(broken.status).toBe(500);
    expect(broken.body.toString()).toContain(`${path.join(dir, 'PaymentMethod.variables.json')} is not valid JSON`);
    expect(broken.body.toString()).toContain('fix it or delete it');
    const post = await request(gw.url, { 'content-type': 'application/json' }, 'POST', JSON.stringify({ query: '{ __typename }' }));
    expect(JSON.parse(post.body.toString())).toEqual({ data: { __typename: 'Query' } });
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
