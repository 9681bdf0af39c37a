/**
 * The gateway's HTTP front (createGateway, src/server.ts) over real HTTP on 127.0.0.1 (contract.md, Transport; NODE_ENV in
 * Configuration; "never a stack trace in production" in Errors). Zoho is nock.
 */
import { brotliCompressSync, deflateSync, gzipSync } from 'node:zlib';
import nock from 'nock';
import type { NodeEnv } from '../../src/config';
import type { Gateway } from '../../src/server';
import {
  ACCOUNT_ID,
  AUTHORIZATION,
  CALLER_HEADERS,
  captureLogger,
  NOW,
  seed,
  startTestServer,
  testConfig,
  withoutUpstreamCalls,
  zoho,
  ZOHO_API_URL,
  ZOHO_ORIGIN,
} from '../helpers';
import { httpRequest, jsonOf, postGraphQL, rawConnection, rawRequest, type HttpReply } from '../http-client';

const PM_ID = '1987000000724211';
const PM_PATH = `/api/v1/paymentmethods/${PM_ID}`;
const PM_QUERY = `query PaymentMethod { paymentMethod(id: "${PM_ID}") { id type currency customer { name } } }`;
const PM_DATA = { paymentMethod: { id: PM_ID, type: 'CARD', currency: 'USD', customer: { name: 'Charles' } } };

interface GraphQLBody {
  data?: Record<string, unknown> | null;
  errors?: Array<{ message: string; path?: Array<string | number>; extensions?: Record<string, unknown> }>;
}

const started: Gateway[] = [];

async function gateway(
  nodeEnv: NodeEnv,
  /** null: no upstream configured (ZOHO_API_URL unset). */
  upstream: string | null = ZOHO_API_URL,
  env: Record<string, string> = {},
): Promise<{ gw: Gateway; logs: ReturnType<typeof captureLogger>; origin: string }> {
  const logs = captureLogger();
  // No retries: each nock interceptor answers exactly one call (test/hardening covers retries).
  const gw = await startTestServer(
    testConfig({ ZOHO_API_URL: upstream ?? '', ZOHO_TIMEOUT_MS: '5000', NODE_ENV: nodeEnv, ZOHO_RETRIES: '0', ...env }),
    { logger: logs.logger, now: () => NOW },
  );
  started.push(gw);
  return { gw, logs, origin: new URL(gw.url).origin };
}

/** Zoho answers the seeds' payment method once, to exactly this caller's GET. */
function zohoServesPaymentMethod(patch: Record<string, unknown> = {}): nock.Scope {
  const body = seed<{ payment_method: Record<string, unknown> }>('retrieve-payment-method.response');
  Object.assign(body.payment_method, patch);
  return zoho().get(PM_PATH).query({ account_id: ACCOUNT_ID }).reply(200, body);
}

function graphQLGetUrl(url: string, query: string): string {
  const u = new URL(url);
  u.searchParams.set('query', query);
  return u.toString();
}

const expectJson = (reply: HttpReply) => expect(reply.headers['content-type']).toMatch(/^application\/json/);

beforeAll(() => {
  nock.enableNetConnect('127.0.0.1');
});

afterAll(async () => {
  await Promise.all(started.map((gw) => gw.stop()));
  nock.disableNetConnect();
});

describe('health and readiness', () => {
  test('GET /healthz is 200 JSON {status: "ok"}', async () => {
    const { origin } = await gateway('test');
    const reply = await httpRequest(`${origin}/healthz`);
    expect(reply.status).toBe(200);
    expectJson(reply);
    expect(jsonOf(reply)).toEqual({ status: 'ok' });
  });

  test('GET /readyz is 200 JSON when ZOHO_API_URL is set, naming only the upstream origin', async () => {
    const { origin } = await gateway('test');
    const reply = await httpRequest(`${origin}/readyz`);
    expect(reply.status).toBe(200);
    expectJson(reply);
    expect(jsonOf(reply)).toEqual({ status: 'ready', upstream: ZOHO_ORIGIN, circuit: 'closed', openCallerCircuits: 0 });
  });

  test('GET /readyz is 503 JSON when no upstream is configured (and /healthz stays 200)', async () => {
    const { origin } = await gateway('test', null);
    const ready = await httpRequest(`${origin}/readyz`);
    expect(ready.status).toBe(503);
    expectJson(ready);
    expect(jsonOf(ready)).toMatchObject({ status: 'not ready' });
    const health = await httpRequest(`${origin}/healthz`);
    expect(health.status).toBe(200);
    expect(jsonOf(health)).toEqual({ status: 'ok' });
  });
});

describe('the GraphQL transport', () => {
  test('POST /graphql runs an operation and forwards the caller\'s credentials', async () => {
    const { gw } = await gateway('test');
    zohoServesPaymentMethod();
    const reply = await postGraphQL(gw.url, { query: PM_QUERY }, CALLER_HEADERS);
    expect(reply.status).toBe(200);
    expectJson(reply);
    expect(jsonOf(reply)).toEqual({ data: PM_DATA });
  });

  test('GET /graphql?query=... runs a query when the request is CSRF-safe (apollo-require-preflight)', async () => {
    const { gw } = await gateway('test');
    zohoServesPaymentMethod();
    const reply = await httpRequest(graphQLGetUrl(gw.url, PM_QUERY), {
      headers: { ...CALLER_HEADERS, 'apollo-require-preflight': 'true', accept: 'application/json' },
    });
    expect(reply.status).toBe(200);
    expect(jsonOf(reply)).toEqual({ data: PM_DATA });
  });

  test('GET /graphql?query=... runs a query when it carries a JSON content-type', async () => {
    const { gw } = await gateway('test');
    zohoServesPaymentMethod();
    const reply = await httpRequest(graphQLGetUrl(gw.url, PM_QUERY), {
      headers: { ...CALLER_HEADERS, 'content-type': 'application/json' },
    });
    expect(reply.status).toBe(200);
    expect(jsonOf(reply)).toEqual({ data: PM_DATA });
  });

  test('a simple GET (no preflight header, no content-type) is blocked by CSRF prevention: 400, no upstream call', async () => {
    const { gw } = await gateway('test');
    // No interceptor: with net connect disabled, an upstream call would fail the operation, not 400 it.
    const reply = await httpRequest(graphQLGetUrl(gw.url, PM_QUERY), { headers: { ...CALLER_HEADERS } });
    expect(reply.status).toBe(400);
    expect(reply.text).toMatch(/Cross-Site Request Forgery/i);
    expect(reply.text).not.toContain('Charles');
  });

  test('a mutation over GET is refused (GET is for queries)', async () => {
    const { gw } = await gateway('test');
    const mutation = 'mutation { deletePaymentMethod(input: { id: "1987000000724211" }) { deletedPaymentMethodId } }';
    const reply = await httpRequest(graphQLGetUrl(gw.url, mutation), {
      headers: { ...CALLER_HEADERS, 'apollo-require-preflight': 'true' },
    });
    expect(reply.status).toBe(405);
    expect(jsonOf<GraphQLBody>(reply).data).toBeUndefined();
  });

  test('without credentials an operation fails with UNAUTHENTICATED before any upstream call', async () => {
    const { gw } = await gateway('test');
    const reply = await postGraphQL(gw.url, { query: PM_QUERY }, { 'x-zoho-account-id': ACCOUNT_ID });
    const body = jsonOf<GraphQLBody>(reply);
    expect(body.data).toEqual({ paymentMethod: null });
    expect(body.errors?.map((e) => e.extensions?.['code'])).toEqual(['UNAUTHENTICATED']);
    expect(reply.text).not.toContain(AUTHORIZATION);
  });
});

describe('development mode', () => {
  test("GET /graphql from a browser serves the explorer: GraphiQL from the gateway's own origin, nothing from Apollo's CDN", async () => {
    const { gw } = await gateway('development');
    const reply = await httpRequest(gw.url, { headers: { accept: 'text/html' } });
    expect(reply.status).toBe(200);
    expect(reply.headers['content-type']).toMatch(/^text\/html/);
    expect(reply.text).toMatch(/<!DOCTYPE html>/i);
    expect(reply.text).toContain('YogaGraphiQL.renderYogaGraphiQL(');
    // Apollo Sandbox is only a link: its embed script is not in the page, and the CSP names no other host.
    expect(reply.text).not.toContain('embeddable-sandbox');
    expect(reply.text).not.toMatch(/<script[^>]+src=|<link[^>]+href="https?:/);
    expect(reply.headers['content-security-policy']).toMatch(/^default-src 'none';/);
    expect(reply.headers['content-security-policy']).not.toMatch(/https?:/);
  });

  test('introspection is on, errors carry a stack trace and validation errors suggest field names', async () => {
    const { gw } = await gateway('development');
    const introspection = jsonOf<GraphQLBody>(
      await postGraphQL(gw.url, { query: '{ __schema { queryType { name } } }' }),
    );
    expect(introspection).toEqual({ data: { __schema: { queryType: { name: 'Query' } } } });

    zoho().get(PM_PATH).query({ account_id: ACCOUNT_ID }).reply(500, { code: 'error', message: 'Internal error' });
    const failed = jsonOf<GraphQLBody>(await postGraphQL(gw.url, { query: PM_QUERY }, CALLER_HEADERS));
    expect(failed.errors?.[0]?.extensions).toMatchObject({ code: 'UPSTREAM_ERROR', upstreamStatus: 500 });
    expect(failed.errors?.[0]?.extensions?.['stacktrace']).toEqual(expect.any(Array));

    const typo = await postGraphQL(gw.url, { query: `{ paymentMethd(id: "${PM_ID}") { id } }` });
    expect(typo.status).toBe(400);
    expect(jsonOf<GraphQLBody>(typo).errors?.[0]?.message).toContain('Did you mean "paymentMethod"');
  });
});

describe('production mode', () => {
  test('introspection is rejected', async () => {
    const { gw } = await gateway('production');
    for (const query of ['{ __schema { queryType { name } } }', '{ __type(name: "PaymentMethod") { name } }']) {
      const reply = await postGraphQL(gw.url, { query });
      expect(reply.status).toBe(400);
      const body = jsonOf<GraphQLBody>(reply);
      expect(body.data).toBeUndefined();
      expect(body.errors?.[0]?.message).toMatch(/introspection is not allowed/i);
      expect(body.errors?.[0]?.extensions?.['code']).toBe('GRAPHQL_VALIDATION_FAILED');
      expect(reply.text).not.toContain('Query');
    }
  });

  test('the explorer (and no landing page) is not served', async () => {
    const { gw } = await gateway('production');
    const browsers: Array<Record<string, string>> = [{ accept: 'text/html' }, { accept: 'text/html', 'apollo-require-preflight': 'true' }];
    for (const headers of browsers) {
      const reply = await httpRequest(gw.url, { headers });
      expect(reply.headers['content-type'] ?? '').not.toMatch(/text\/html/);
      expect(reply.text).not.toMatch(/<!DOCTYPE|<html|embeddable-sandbox|sandbox|graphiql/i);
      // Apollo answers 406 (cannot answer HTML) or 400 (no query): an error either way, never the page.
      expect([400, 406]).toContain(reply.status);
    }
  });

  test('errors carry no stack trace', async () => {
    const { gw } = await gateway('production');
    zoho().get(PM_PATH).query({ account_id: ACCOUNT_ID }).reply(500, { code: 'error', message: 'Internal error' });
    const reply = await postGraphQL(gw.url, { query: PM_QUERY }, CALLER_HEADERS);
    const body = jsonOf<GraphQLBody>(reply);
    expect(body.errors).toHaveLength(1);
    expect(body.errors?.[0]?.extensions).toEqual({
      code: 'UPSTREAM_ERROR',
      upstreamStatus: 500,
      upstreamCode: 'error',
      requestId: reply.headers['x-request-id'],
    });
    expect(reply.text).not.toMatch(/stacktrace|\n\s+at |\.ts:\d+/);

    const invalid = await postGraphQL(gw.url, { query: '{ paymentMethod(id: 1) { nope } }' });
    expect(invalid.status).toBe(400);
    expect(invalid.text).not.toMatch(/stacktrace|\n\s+at |\.ts:\d+/);
  });

  test('validation errors suggest no field names ("Did you mean")', async () => {
    const { gw } = await gateway('production');
    const reply = await postGraphQL(gw.url, { query: `{ paymentMethd(id: "${PM_ID}") { id } }` });
    expect(reply.status).toBe(400);
    const body = jsonOf<GraphQLBody>(reply);
    expect(body.errors?.[0]?.message).toContain('Cannot query field "paymentMethd" on type "Query".');
    expect(reply.text).not.toMatch(/Did you mean/i);
    expect(reply.text).not.toContain('"paymentMethod"');
  });

  test('an unexpected internal error is masked: "Internal server error", INTERNAL_SERVER_ERROR, no raw value, no stack', async () => {
    const { gw, logs } = await gateway('production');
    // Not an ISO 3166-1 country: the CountryCode scalar refuses it when serializing.
    zohoServesPaymentMethod({ billing_address: { city: 'Detroit', country: 'QQ' } });
    const query = `{ paymentMethod(id: "${PM_ID}") { id billingAddress { city country } } }`;
    const reply = await postGraphQL(gw.url, { query }, CALLER_HEADERS);
    expect(reply.status).toBe(200);
    const body = jsonOf<GraphQLBody>(reply);
    expect(body.data).toEqual({ paymentMethod: { id: PM_ID, billingAddress: null } });
    expect(body.errors).toEqual([
      {
        message: 'Internal server error',
        path: ['paymentMethod', 'billingAddress', 'country'],
        locations: expect.any(Array),
        extensions: { code: 'INTERNAL_SERVER_ERROR', requestId: reply.headers['x-request-id'] },
      },
    ]);
    expect(reply.text).not.toContain('QQ');
    expect(reply.text).not.toMatch(/stacktrace|country code|\n\s+at /i);
    // ...while the operator still learns what happened.
    expect(logs.text()).toContain('unexpected error while executing an operation');
  });
});

describe('the HTTP front (node:http, src/http/app.ts)', () => {
  const COMPRESSIBLE_QUERY = JSON.stringify({ query: PM_QUERY });
  const json = { ...CALLER_HEADERS, 'content-type': 'application/json' };

  test('every /graphql reply is no-store, whatever its status; the health replies are not /graphql replies', async () => {
    const { gw, origin } = await gateway('production');
    zohoServesPaymentMethod();
    const replies = [
      await postGraphQL(gw.url, { query: PM_QUERY }, CALLER_HEADERS),
      await httpRequest(graphQLGetUrl(gw.url, PM_QUERY), { headers: CALLER_HEADERS }),
      await httpRequest(gw.url, { method: 'POST', headers: json, body: '{nope' }),
      await httpRequest(gw.url, { method: 'POST', headers: json, body: JSON.stringify({ query: `{ __typename }#${'x'.repeat(200_000)}` }) }),
      await httpRequest(gw.url, { method: 'PUT', headers: json, body: '{}' }),
      await httpRequest(gw.url, { method: 'OPTIONS', headers: { origin: 'https://app.example', 'access-control-request-method': 'POST' } }),
    ];
    expect(replies.map((reply) => reply.status)).toEqual([200, 400, 400, 413, 405, 204]);
    for (const reply of replies) expect(reply.headers['cache-control']).toBe('no-store');
    expect((await httpRequest(`${origin}/healthz`)).headers['cache-control']).toBeUndefined();
  });

  test("an operation's log line is written after its reply, with the request's id (the caller does not wait for it)", async () => {
    const { gw, logs } = await gateway('production');
    zohoServesPaymentMethod();
    // What the log held when the reply's last write was made, for each /graphql reply.
    const linesAtReply: number[] = [];
    gw.httpServer.prependListener('request', (_req, res) => {
      const end = res.end.bind(res) as (...args: unknown[]) => typeof res;
      res.end = ((...args: unknown[]) => {
        linesAtReply.push(logs.lines().filter((line) => line.includes('"msg":"graphql operation"')).length);
        return end(...args);
      }) as typeof res.end;
    });
    const reply = await postGraphQL(gw.url, { query: PM_QUERY }, { ...CALLER_HEADERS, 'x-request-id': 'after-the-reply' });
    expect(reply.status).toBe(200);
    expect(linesAtReply).toEqual([0]);
    const operationLines = logs.lines().filter((line) => line.includes('"msg":"graphql operation"'));
    expect(operationLines).toHaveLength(1);
    expect(JSON.parse(operationLines[0]!)).toMatchObject({ requestId: 'after-the-reply', operationName: 'PaymentMethod', upstreamCallCount: 1 });
  });

  test('no X-Powered-By; no ETag but on the explorer page (static, revalidated); Content-Length on every reply', async () => {
    const { gw, origin } = await gateway('development');
    const explorer = await httpRequest(gw.url, { headers: { accept: 'text/html' } });
    for (const reply of [
      await postGraphQL(gw.url, { query: '{ __typename }' }),
      explorer,
      await httpRequest(`${origin}/healthz`),
      await httpRequest(`${origin}/nowhere`),
    ]) {
      expect(reply.headers['x-powered-by']).toBeUndefined();
      expect(reply.headers['etag'] === undefined).toBe(reply !== explorer);
      expect(Number(reply.headers['content-length'])).toBe(Buffer.byteLength(reply.text));
    }
    expect(explorer.headers['cache-control']).toBe('no-cache');
  });

  test('HEAD /healthz and /readyz: their status and headers, no body; other methods are 405 with Allow', async () => {
    const { origin } = await gateway('test');
    for (const path of ['/healthz', '/readyz']) {
      const head = await httpRequest(`${origin}${path}`, { method: 'HEAD' });
      const get = await httpRequest(`${origin}${path}`);
      expect({ status: head.status, text: head.text, type: head.headers['content-type'] }).toEqual({
        status: 200,
        text: '',
        type: 'application/json; charset=utf-8',
      });
      expect(head.headers['content-length']).toBe(get.headers['content-length']);
      const post = await httpRequest(`${origin}${path}`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{}' });
      expect({ status: post.status, allow: post.headers['allow'] }).toEqual({ status: 405, allow: 'GET, HEAD' });
      expectJson(post);
    }
  });

  test('any other path is a JSON 404 with a request id (the paths are exact: no /graphql/anything, no /GRAPHQL)', async () => {
    const { origin } = await gateway('test');
    for (const path of ['/', '/nowhere', '/graphql/x', '/GRAPHQL', '/healthzz', '/metrics/x']) {
      const reply = await httpRequest(`${origin}${path}`, { headers: { 'x-request-id': 'probe-404' } });
      expect({ path, status: reply.status }).toEqual({ path, status: 404 });
      expectJson(reply);
      expect(jsonOf(reply)).toEqual({ error: expect.stringContaining('/graphql') });
      expect(reply.headers['x-request-id']).toBe('probe-404');
    }
    // A trailing slash is the same path, as before.
    zohoServesPaymentMethod();
    expect(jsonOf(await postGraphQL(`${origin}/graphql/`, { query: PM_QUERY }, CALLER_HEADERS))).toEqual({ data: PM_DATA });
    expect((await httpRequest(`${origin}/healthz/`)).status).toBe(200);
  });

  test.each([
    ['gzip', gzipSync],
    ['deflate', deflateSync],
    ['br', brotliCompressSync],
  ] as const)('a %s-encoded body is read', async (encoding, compress) => {
    const { gw } = await gateway('test');
    zohoServesPaymentMethod();
    const reply = await httpRequest(gw.url, { method: 'POST', headers: { ...json, 'content-encoding': encoding }, body: compress(COMPRESSIBLE_QUERY) });
    expect(jsonOf(reply)).toEqual({ data: PM_DATA });
  });

  test.each([
    ['a body whose decoded size is over the limit (a small gzip of 2 MB)', { 'content-encoding': 'gzip' }, gzipSync(`{"query":"{ __typename }#${'x'.repeat(2_000_000)}"}`), 413, /larger than the gateway's limit of 100 kB/],
    ['a body that is not what its Content-Encoding says', { 'content-encoding': 'gzip' }, Buffer.from(COMPRESSIBLE_QUERY), 400, /could not be read/],
    ['an encoding the gateway does not read', { 'content-encoding': 'compress' }, Buffer.from(COMPRESSIBLE_QUERY), 415, /could not be read/],
    ['a charset other than UTF-8', { 'content-type': 'application/json; charset=utf-16' }, Buffer.from(COMPRESSIBLE_QUERY, 'utf16le'), 415, /could not be read/],
    ['JSON that is not an object or an array', {}, Buffer.from('"{ __typename }"'), 400, /not valid JSON/],
  ])('%s is refused before Apollo runs: JSON BAD_REQUEST with the request id, no upstream call', async (_what, headers, body, status, message) => {
    const { gw } = await gateway('production');
    await withoutUpstreamCalls(async () => {
      const reply = await httpRequest(gw.url, { method: 'POST', headers: { ...json, 'x-request-id': 'refused-1', ...headers }, body });
      expect(reply.status).toBe(status);
      expectJson(reply);
      expect(jsonOf(reply)).toEqual({ errors: [{ message: expect.stringMatching(message), extensions: { code: 'BAD_REQUEST', requestId: 'refused-1' } }] });
    });
  });

  test('a chunked body, a UTF-8 BOM and leading whitespace are read as express.json() read them', async () => {
    const { origin } = await gateway('test');
    const connection = await rawConnection(origin);
    try {
      zohoServesPaymentMethod();
      const chunked = `${COMPRESSIBLE_QUERY.length.toString(16)}\r\n${COMPRESSIBLE_QUERY}\r\n0\r\n\r\n`;
      connection.send(rawRequest('POST', '/graphql', { ...json, 'transfer-encoding': 'chunked' }, chunked));
      expect(JSON.parse((await connection.reply()).body)).toEqual({ data: PM_DATA });
      zohoServesPaymentMethod();
      connection.send(rawRequest('POST', '/graphql', json, `\ufeff \n\t${COMPRESSIBLE_QUERY}`));
      expect(JSON.parse((await connection.reply()).body)).toEqual({ data: PM_DATA });
    } finally {
      connection.close();
    }
  });

  test('a Content-Length over the limit is refused before the body is sent, and the connection then carries the next request', async () => {
    const { origin } = await gateway('test');
    const connection = await rawConnection(origin);
    try {
      const body = JSON.stringify({ query: `{ __typename }#${'x'.repeat(200_000)}` });
      // Only the head: the 413 comes without waiting for the body.
      connection.send(rawRequest('POST', '/graphql', { ...json, 'content-length': String(Buffer.byteLength(body)) }));
      const refused = await connection.reply();
      expect(refused.status).toBe(413);
      expect(refused.headers['connection']).not.toBe('close');
      // The client sends its body anyway (as most do); the gateway discards it and serves the next request.
      connection.send(body);
      zohoServesPaymentMethod();
      connection.send(rawRequest('POST', '/graphql', json, COMPRESSIBLE_QUERY));
      expect(JSON.parse((await connection.reply()).body)).toEqual({ data: PM_DATA });
      // Likewise after a body refused while it was read (chunked: no length to refuse it by).
      const chunk = 'x'.repeat(60_000);
      connection.send(rawRequest('POST', '/graphql', { ...json, 'transfer-encoding': 'chunked' }, `${(chunk.length).toString(16)}\r\n${chunk}\r\n`.repeat(3) + '0\r\n\r\n'));
      expect((await connection.reply()).status).toBe(413);
      zohoServesPaymentMethod();
      connection.send(rawRequest('POST', '/graphql', json, COMPRESSIBLE_QUERY));
      expect(JSON.parse((await connection.reply()).body)).toEqual({ data: PM_DATA });
    } finally {
      connection.close();
    }
  });

  test('CORS (any origin outside production): a preflight is answered, and replies expose X-Request-Id', async () => {
    const { gw } = await gateway('development');
    const preflight = await httpRequest(gw.url, {
      method: 'OPTIONS',
      headers: { origin: 'https://studio.apollographql.com', 'access-control-request-method': 'POST', 'access-control-request-headers': 'content-type, authorization, x-zoho-account-id' },
    });
    expect(preflight.status).toBe(204);
    expect(preflight.headers).toMatchObject({
      'access-control-allow-origin': '*',
      'access-control-allow-methods': 'GET, POST, OPTIONS',
      'access-control-allow-headers': 'content-type, authorization, x-zoho-account-id',
      'access-control-max-age': '600',
    });
    const reply = await postGraphQL(gw.url, { query: '{ __typename }' }, { origin: 'https://studio.apollographql.com' });
    expect(reply.headers).toMatchObject({ 'access-control-allow-origin': '*', 'access-control-expose-headers': 'x-request-id' });
    expect(reply.headers['vary']).toBeUndefined();
  });
});

describe('CORS_ORIGINS (contract.md, "Running it")', () => {
  const APP = 'https://app.example.com';
  const preflightFrom = (url: string, origin: string) =>
    httpRequest(url, {
      method: 'OPTIONS',
      headers: { origin, 'access-control-request-method': 'POST', 'access-control-request-headers': 'content-type, authorization' },
    });
  const corsHeaders = (reply: HttpReply) =>
    Object.fromEntries(Object.entries(reply.headers).filter(([name]) => name.startsWith('access-control-') || name === 'vary'));

  test('production with no CORS_ORIGINS: no Access-Control-Allow-Origin for anyone; preflights answered without it', async () => {
    const { gw } = await gateway('production');
    const preflight = await preflightFrom(gw.url, APP);
    expect(preflight.status).toBe(204);
    expect(corsHeaders(preflight)).toEqual({});
    const reply = await postGraphQL(gw.url, { query: '{ __typename }' }, { origin: APP });
    expect(reply.status).toBe(200);
    expect(corsHeaders(reply)).toEqual({});
  });

  test('a list: a listed origin is echoed (with Vary: Origin) on replies, errors and preflights; another origin gets Vary only', async () => {
    const { gw } = await gateway('production', ZOHO_API_URL, { CORS_ORIGINS: `${APP}, http://localhost:3000` });
    for (const origin of [APP, 'http://localhost:3000']) {
      const preflight = await preflightFrom(gw.url, origin);
      expect(preflight.status).toBe(204);
      expect(corsHeaders(preflight)).toEqual({
        'access-control-allow-origin': origin,
        'access-control-allow-methods': 'GET, POST, OPTIONS',
        'access-control-allow-headers': 'content-type, authorization',
        'access-control-expose-headers': 'x-request-id',
        'access-control-max-age': '600',
        vary: 'Origin, Access-Control-Request-Headers',
      });
      const replies = [
        await postGraphQL(gw.url, { query: '{ __typename }' }, { origin }),
        // Refused before Apollo runs, and by Apollo.
        await httpRequest(gw.url, { method: 'POST', headers: { origin, 'content-type': 'application/json' }, body: '{nope' }),
        await httpRequest(graphQLGetUrl(gw.url, '{ __typename }'), { headers: { origin } }),
      ];
      expect(replies.map((reply) => reply.status)).toEqual([200, 400, 400]);
      for (const reply of replies) {
        expect(corsHeaders(reply)).toEqual({ 'access-control-allow-origin': origin, 'access-control-expose-headers': 'x-request-id', vary: 'Origin' });
      }
    }
    for (const origin of ['https://evil.example', 'https://app.example.com.evil.example', 'null']) {
      expect(corsHeaders(await preflightFrom(gw.url, origin))).toEqual({ vary: 'Origin' });
      expect(corsHeaders(await postGraphQL(gw.url, { query: '{ __typename }' }, { origin }))).toEqual({ vary: 'Origin' });
    }
    // No Origin (a server, curl): the same reply, still varying by Origin for caches.
    expect(corsHeaders(await postGraphQL(gw.url, { query: '{ __typename }' }))).toEqual({ vary: 'Origin' });
  });

  test('* in production, when set: any origin', async () => {
    const { gw } = await gateway('production', ZOHO_API_URL, { CORS_ORIGINS: '*' });
    expect((await postGraphQL(gw.url, { query: '{ __typename }' }, { origin: APP })).headers['access-control-allow-origin']).toBe('*');
  });
});

describe('the admin listener (ADMIN_PORT)', () => {
  test('/metrics is served there, in Prometheus text, and not on the gateway\'s port', async () => {
    const { gw, origin } = await gateway('production');
    expect(new URL(gw.adminUrl).port).not.toBe(new URL(origin).port);
    expect(new URL(gw.adminUrl).hostname).toBe('127.0.0.1');
    await postGraphQL(gw.url, { query: '{ __typename }' });
    const metrics = await httpRequest(`${gw.adminUrl}/metrics`);
    expect(metrics.status).toBe(200);
    expect(metrics.headers['content-type']).toBe('text/plain; version=0.0.4; charset=utf-8');
    expect(metrics.text).toContain('# TYPE graphql_operations_total counter');
    expect(metrics.text).toMatch(/^graphql_operations_total\{.*\} 1$/m);

    const onPublicPort = await httpRequest(`${origin}/metrics`);
    expect(onPublicPort.status).toBe(404);
    expect(onPublicPort.text).not.toContain('graphql_operations_total');
    // It says where /metrics went (operators scraping PORT after the move to ADMIN_PORT).
    expect(JSON.parse(onPublicPort.text)).toEqual({ error: expect.stringContaining('ADMIN_PORT') });
  });

  test('/healthz and /readyz answer there as on the gateway\'s port; /graphql and other paths do not', async () => {
    const { gw, origin } = await gateway('test');
    for (const path of ['/healthz', '/readyz']) {
      const admin = await httpRequest(`${gw.adminUrl}${path}`);
      const main = await httpRequest(`${origin}${path}`);
      expect({ status: admin.status, body: jsonOf(admin) }).toEqual({ status: main.status, body: jsonOf(main) });
      expect(admin.status).toBe(200);
      expectJson(admin);
    }
    const graphql = await postGraphQL(`${gw.adminUrl}/graphql`, { query: '{ __typename }' });
    expect(graphql.status).toBe(404);
    expect((await httpRequest(`${gw.adminUrl}/`)).status).toBe(404);
    const post = await httpRequest(`${gw.adminUrl}/metrics`, { method: 'POST', body: '' });
    expect({ status: post.status, allow: post.headers['allow'] }).toEqual({ status: 405, allow: 'GET, HEAD' });
  });

  test('an ADMIN_PORT in use: listen() rejects with a ListenError naming ADMIN_PORT', async () => {
    const { gw } = await gateway('test');
    const adminPort = new URL(gw.adminUrl).port;
    const taken = startTestServer(testConfig({ ADMIN_PORT: adminPort }), { logger: captureLogger().logger });
    await expect(taken).rejects.toMatchObject({ name: 'ListenError', setting: 'ADMIN_PORT', port: Number(adminPort), cause: { code: 'EADDRINUSE' } });
  });
});
