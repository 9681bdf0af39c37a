/**
 * Hardening: what `nodeEnv: 'production'` turns off and what stays on in every mode, over real
 * HTTP (a gateway built with `createGateway` on 127.0.0.1, port 0; Zoho mocked by nock).
 *
 * - Introspection, the explorer (GraphiQL), field suggestions and stack traces are off in production,
 *   and on in development (the same requests, so each test can fail both ways).
 * - CSRF prevention and the refusal of batched requests are on; a refused request makes no
 *   upstream call (a trap interceptor for every method and path on Zoho's origin stays unused).
 * - Unexpected errors are masked ("Internal server error", INTERNAL_SERVER_ERROR).
 * - Federated traces (ftv1) and usage reports (decoded with @apollo/usage-reporting-protobuf)
 *   carry no variable values, headers, token or card number, and masked error messages.
 * - Request ids: a sane `x-request-id` is echoed (header, every error, the log line, the upstream
 *   call), an insane one replaced by a UUID, also on errors raised before Apollo runs.
 * - Metrics: exact counts at GET /metrics, operation names bounded (200 + "other"), no card number.
 */
import crypto from 'node:crypto';
import { readFileSync } from 'node:fs';
import http from 'node:http';
import path from 'node:path';
import { gunzipSync } from 'node:zlib';
import { Report, Trace } from '@apollo/usage-reporting-protobuf';
import type { Fetcher, FetcherResponse } from '@apollo/utils.fetcher';
import { getIntrospectionQuery } from 'graphql';
import nock from 'nock';
import type { NodeEnv as AnyNodeEnv } from '../../src/config';
import type { Gateway, GatewayDependencies } from '../../src/server';
import {
  ACCOUNT_ID,
  AUTHORIZATION,
  CALLER_HEADERS,
  NOW,
  TOKEN,
  captureLogger,
  seed,
  startTestServer,
  testConfig,
  zoho,
  withoutUpstreamCalls,
} from '../helpers';
import { httpRequest, jsonOf, postGraphQL, type HttpReply } from '../http-client';

type NodeEnv = Extract<AnyNodeEnv, 'development' | 'production'>;
type Json = Record<string, unknown>;

interface GraphQLBody {
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  data?: Record<string, any> | null;
  errors?: Array<{ message: string; path?: Array<string | number>; extensions?: Record<string, unknown> }>;
  extensions?: Record<string, unknown>;
}

const PM_ID = '1987000000724211';
const PM_PATH = `/api/v1/paymentmethods/${PM_ID}`;
const PM_QUERY = `query PaymentMethod { paymentMethod(id: "${PM_ID}") { id type currency } }`;
/** Luhn-valid card numbers: all digits, so also well-formed Zoho ids. */
const CARD = '4111111111111111';
const OTHER_CARD = '4242424242424242';
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;
/** A stack frame ("    at fn (/path/file.ts:12:34)") or Apollo's stacktrace extension. */
const STACK = /stacktrace| {4}at \S|\bat (?:async )?(?:[\w.$<>[\]]+ )?\(?(?:\/|node:|file:)[^\s)"]*:\d+:\d+/;

// --- gateways -------------------------------------------------------------------------------

const started: Gateway[] = [];

async function gateway(
  nodeEnv: NodeEnv,
  env: Record<string, string> = {},
  logLevel = 'info',
  deps: Partial<GatewayDependencies> = {},
): Promise<{ gw: Gateway; logs: ReturnType<typeof captureLogger> }> {
  const logs = captureLogger(logLevel);
  // No retries: each nock interceptor answers exactly one call.
  const gw = await startTestServer(testConfig({ ZOHO_TIMEOUT_MS: '5000', NODE_ENV: nodeEnv, ZOHO_RETRIES: '0', ...env }), {
    logger: logs.logger,
    now: () => NOW,
    ...deps,
  });
  started.push(gw);
  return { gw, logs };
}

/** One gateway per mode, shared by the tests that count nothing. */
const shared = new Map<NodeEnv, Gateway>();
const gatewayFor = (nodeEnv: NodeEnv): Gateway => {
  const gw = shared.get(nodeEnv);
  if (!gw) throw new Error(`no ${nodeEnv} gateway`);
  return gw;
};

beforeAll(async () => {
  nock.enableNetConnect('127.0.0.1');
  shared.set('production', (await gateway('production')).gw);
  shared.set('development', (await gateway('development')).gw);
});

afterAll(async () => {
  await Promise.all(started.filter((gw) => gw.httpServer.listening).map((gw) => gw.stop()));
  nock.disableNetConnect();
});

// --- helpers --------------------------------------------------------------------------------

function methodReply(id: string, patch: Json = {}): Json {
  const body = seed<{ payment_method: Json }>('retrieve-payment-method.response');
  Object.assign(body.payment_method, { payment_method_id: id }, patch);
  return body;
}

/** Zoho answers the seeds' payment method once. */
const zohoServesPaymentMethod = (patch: Json = {}) =>
  zoho().get(PM_PATH).query({ account_id: ACCOUNT_ID }).reply(200, methodReply(PM_ID, patch));


const graphQLGetUrl = (url: string, query: string) => {
  const u = new URL(url);
  u.searchParams.set('query', query);
  return u.toString();
};

/** An error reply: status, JSON, no data, every error with `code` and the response's request id. */
function expectErrorReply(reply: HttpReply, status: number, code: string, message: RegExp): GraphQLBody {
  expect(reply.status).toBe(status);
  expect(reply.headers['content-type']).toMatch(/^application\/json/);
  const body = jsonOf<GraphQLBody>(reply);
  expect(body.data).toBeUndefined();
  expect(body.errors?.length ?? 0).toBeGreaterThan(0);
  const requestId = reply.headers['x-request-id'];
  expect(requestId).toEqual(expect.any(String));
  for (const error of body.errors ?? []) {
    expect(error.extensions).toMatchObject({ code, requestId });
  }
  expect(body.errors?.map((e) => e.message)).toContainEqual(expect.stringMatching(message));
  return body;
}

/** The samples of a Prometheus text exposition: name, labels, value. */
function samples(text: string): Array<{ name: string; labels: Record<string, string>; value: number }> {
  return text
    .split('\n')
    .filter((line) => line !== '' && !line.startsWith('#'))
    .map((line) => {
      const match = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{(.*)\})? (\S+)$/.exec(line);
      if (!match) throw new Error(`not a sample: ${line}`);
      const labels: Record<string, string> = {};
      for (const pair of (match[2] ?? '').matchAll(/([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\]|\\.)*)"/g)) {
        labels[pair[1] ?? ''] = pair[2] ?? '';
      }
      return { name: match[1] ?? '', labels, value: Number(match[3]) };
    });
}

/** The one sample with this name and (at least) these labels; undefined when there is none. */
function sample(text: string, name: string, labels: Record<string, string>): number | undefined {
  const found = samples(text).filter(
    (s) => s.name === name && Object.entries(labels).every(([k, v]) => s.labels[k] === v),
  );
  if (found.length > 1) throw new Error(`${found.length} samples of ${name} ${JSON.stringify(labels)}`);
  return found[0]?.value;
}

async function metricsOf(gw: Gateway): Promise<HttpReply> {
  return httpRequest(`${gw.adminUrl}/metrics`);
}

/** Runs `tasks` with at most `width` at a time. */
async function inBatches<T>(tasks: Array<() => Promise<T>>, width: number): Promise<T[]> {
  const results: T[] = [];
  for (let i = 0; i < tasks.length; i += width) {
    results.push(...(await Promise.all(tasks.slice(i, i + width).map((task) => task()))));
  }
  return results;
}

/** Every error in a trace's tree of nodes. */
function traceErrors(node: Trace.INode | null | undefined): Trace.IError[] {
  if (!node) return [];
  return [...(node.error ?? []), ...(node.child ?? []).flatMap((child) => traceErrors(child))];
}

// --- what production turns off, and development keeps ------------------------------------------

describe('introspection', () => {
  const queries = [
    ['__schema', '{ __schema { queryType { name } types { name } } }'],
    ['__type', '{ __type(name: "PaymentMethod") { name fields { name } } }'],
    ['getIntrospectionQuery', getIntrospectionQuery({ descriptions: true })],
  ];

  test.each(queries)('%s is refused in production', async (_name, query) => {
    await withoutUpstreamCalls(async () => {
      const reply = await postGraphQL(gatewayFor('production').url, { query });
      expectErrorReply(reply, 400, 'GRAPHQL_VALIDATION_FAILED', /introspection is not allowed/i);
      expect(reply.text).not.toMatch(/PaymentMethodSession|CardDetails|__Schema/);
    });
  });

  test.each(queries)('%s answers in development', async (_name, query) => {
    const reply = await postGraphQL(gatewayFor('development').url, { query });
    expect(reply.status).toBe(200);
    const body = jsonOf<GraphQLBody>(reply);
    expect(body.errors).toBeUndefined();
    expect(JSON.stringify(body.data)).toContain('PaymentMethod');
  });
});

describe('the explorer (GraphiQL, served by the gateway; no Apollo landing page)', () => {
  const browser = { accept: 'text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8' };

  test('is not served in production: no HTML, whatever the browser asks', async () => {
    for (const headers of [browser, { accept: 'text/html' }, { ...browser, 'apollo-require-preflight': 'true' }]) {
      const reply = await httpRequest(gatewayFor('production').url, { headers });
      expect(reply.headers['content-type'] ?? '').not.toMatch(/html/);
      expect(reply.text).not.toMatch(/<!DOCTYPE|<html|<script|embeddable-sandbox|apollo.*sandbox|graphiql/i);
      expect(reply.headers['content-security-policy']).toBeUndefined();
      expect(reply.status).toBeGreaterThanOrEqual(400);
      expect(reply.status).toBeLessThan(500);
    }
  });

  test('is served in development, and Apollo Sandbox only as a link', async () => {
    const reply = await httpRequest(gatewayFor('development').url, { headers: browser });
    expect(reply.status).toBe(200);
    expect(reply.headers['content-type']).toMatch(/^text\/html/);
    expect(reply.text).toMatch(/<!DOCTYPE html>/i);
    expect(reply.text).toContain('YogaGraphiQL.renderYogaGraphiQL(');
    expect(reply.text).not.toContain('embeddable-sandbox');
    expect(reply.text).toContain('href="https://studio.apollographql.com/sandbox/explorer"');
    expect(reply.headers['content-security-policy']).toMatch(/connect-src 'self'/);
  });
});

describe('field suggestions ("Did you mean")', () => {
  /** [what, query, variables, a name only a suggestion would show]. */
  const cases: Array<[string, string, Json | undefined, string | undefined]> = [
    ['field', `{ paymentMethd(id: "${PM_ID}") { id } }`, undefined, '"paymentMethods"'],
    ['field of an object', `{ paymentMethod(id: "${PM_ID}") { customr { id } } }`, undefined, '"customer"'],
    ['argument', `{ paymentMethod(idd: "${PM_ID}") { id } }`, undefined, undefined],
    ['variable type', 'query ($id: IDD!) { paymentMethod(id: $id) { id } }', { id: PM_ID }, '"Int"'],
    ['fragment type', `{ paymentMethod(id: "${PM_ID}") { ...F } } fragment F on PaymentMethd { id }`, undefined, '"PaymentMethodType"'],
    ['inline fragment type', `{ paymentMethod(id: "${PM_ID}") { details { ... on CardDetail { last4 } } } }`, undefined, '"CardDetails"'],
    [
      'enum value in the document',
      `mutation { updatePaymentMethod(input: { id: "${PM_ID}", achDebit: { accountHolderType: COMPANYY } }) { userErrors { code } } }`,
      undefined,
      '"COMPANY"',
    ],
    [
      'input field in the document',
      'mutation { createPaymentMethodSession(input: { customerIdd: "1987000000724207" }) { userErrors { code } } }',
      undefined,
      undefined,
    ],
    [
      'enum value in the variables',
      'mutation ($input: UpdatePaymentMethodInput!) { updatePaymentMethod(input: $input) { userErrors { code } } }',
      { input: { id: PM_ID, achDebit: { accountHolderType: 'COMPANYY' } } },
      '"COMPANY"',
    ],
    [
      'input field in the variables',
      'mutation ($input: CreatePaymentMethodSessionInput!) { createPaymentMethodSession(input: $input) { userErrors { code } } }',
      { input: { customerIdd: '1987000000724207' } },
      undefined,
    ],
  ];

  test.each(cases)('a misspelt %s: suggested in development, never in production', async (_what, query, variables, suggested) => {
    await withoutUpstreamCalls(async () => {
      const development = await postGraphQL(gatewayFor('development').url, { query, variables }, CALLER_HEADERS);
      expect(development.status).toBe(400);
      expect(development.text).toMatch(/Did you mean/);

      const production = await postGraphQL(gatewayFor('production').url, { query, variables }, CALLER_HEADERS);
      expect(production.status).toBe(400);
      const body = jsonOf<GraphQLBody>(production);
      expect(body.errors?.length ?? 0).toBeGreaterThan(0);
      expect(body.errors?.map((e) => e.message).filter((m) => /Did you mean/i.test(m))).toEqual([]);
      if (suggested) expect(production.text).not.toContain(suggested);
    });
  });
});

describe('CSRF prevention', () => {
  const simple: Array<[string, { method: 'GET' | 'POST'; headers: Record<string, string>; body?: string }]> = [
    ['a GET with the query in the URL and no preflight header', { method: 'GET', headers: {} }],
    ['a GET with accept: application/json only', { method: 'GET', headers: { accept: 'application/json' } }],
    ['a text/plain POST', { method: 'POST', headers: { 'content-type': 'text/plain' }, body: JSON.stringify({ query: PM_QUERY }) }],
    [
      'a form POST (application/x-www-form-urlencoded)',
      { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: `query=${encodeURIComponent(PM_QUERY)}` },
    ],
    [
      'a multipart/form-data POST',
      {
        method: 'POST',
        headers: { 'content-type': 'multipart/form-data; boundary=xyz' },
        body: `--xyz\r\nContent-Disposition: form-data; name="query"\r\n\r\n${PM_QUERY}\r\n--xyz--\r\n`,
      },
    ],
    ['a POST with no content-type', { method: 'POST', headers: {}, body: JSON.stringify({ query: PM_QUERY }) }],
  ];

  describe.each<NodeEnv>(['production', 'development'])('%s', (nodeEnv) => {
    test.each(simple)('%s is refused with 400 and no upstream call', async (_what, request) => {
      const gw = gatewayFor(nodeEnv);
      await withoutUpstreamCalls(async () => {
        const url = request.method === 'GET' ? graphQLGetUrl(gw.url, PM_QUERY) : gw.url;
        const reply = await httpRequest(url, { ...request, headers: { ...CALLER_HEADERS, ...request.headers } });
        expectErrorReply(reply, 400, 'BAD_REQUEST', /Cross-Site Request Forgery/);
        expect(reply.text).not.toContain('CARD');
      });
    });

    test('the same query, sent as JSON or with apollo-require-preflight, runs (one upstream call each)', async () => {
      const gw = gatewayFor(nodeEnv);
      zohoServesPaymentMethod();
      zohoServesPaymentMethod();
      const expected = { data: { paymentMethod: { id: PM_ID, type: 'CARD', currency: 'USD' } } };
      expect(jsonOf(await postGraphQL(gw.url, { query: PM_QUERY }, CALLER_HEADERS))).toEqual(expected);
      const get = await httpRequest(graphQLGetUrl(gw.url, PM_QUERY), {
        headers: { ...CALLER_HEADERS, 'apollo-require-preflight': 'true' },
      });
      expect(jsonOf(get)).toEqual(expected);
    });
  });
});

test('production: a batched request (a JSON array) is refused with 400 and no upstream call', async () => {
  await withoutUpstreamCalls(async () => {
    const reply = await httpRequest(gatewayFor('production').url, {
      method: 'POST',
      headers: { ...CALLER_HEADERS, 'content-type': 'application/json' },
      body: JSON.stringify([{ query: PM_QUERY }, { query: PM_QUERY }]),
    });
    expectErrorReply(reply, 400, 'BAD_REQUEST', /batching/i);
  });
});

describe('stack traces', () => {
  test('an upstream 500: a stack trace in development, none in production', async () => {
    for (const nodeEnv of ['development', 'production'] as const) {
      zoho().get(PM_PATH).query({ account_id: ACCOUNT_ID }).reply(500, { code: 'error', message: 'Internal error' });
      const reply = await postGraphQL(gatewayFor(nodeEnv).url, { query: PM_QUERY }, CALLER_HEADERS);
      const body = jsonOf<GraphQLBody>(reply);
      expect(body.data).toEqual({ paymentMethod: null });
      expect(body.errors?.[0]?.extensions).toMatchObject({ code: 'UPSTREAM_ERROR', upstreamStatus: 500 });
      if (nodeEnv === 'development') expect(body.errors?.[0]?.extensions?.['stacktrace']).toEqual(expect.any(Array));
      else expect(reply.text).not.toMatch(STACK);
    }
  });

  test('production: an internal error (the CountryCode scalar refusing "QQ") is masked, with no stack and no raw value', async () => {
    zohoServesPaymentMethod({ billing_address: { city: 'Detroit', country: 'QQ' } });
    const query = `{ paymentMethod(id: "${PM_ID}") { id billingAddress { city country } } }`;
    const reply = await postGraphQL(gatewayFor('production').url, { query }, CALLER_HEADERS);
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
    expect(reply.text).not.toMatch(STACK);
  });

  test('production: no refusal carries a stack trace either (parse, validation, variables, body, CSRF, batch)', async () => {
    const gw = gatewayFor('production');
    const json = { ...CALLER_HEADERS, 'content-type': 'application/json' };
    await withoutUpstreamCalls(async () => {
      const replies = [
        await postGraphQL(gw.url, { query: '{ paymentMethod(id: ' }, CALLER_HEADERS),
        await postGraphQL(gw.url, { query: '{ paymentMethod(id: 1) { nope } }' }, CALLER_HEADERS),
        await postGraphQL(gw.url, { query: 'query ($id: ID!) { paymentMethod(id: $id) { id } }', variables: { id: { x: 1 } } }, CALLER_HEADERS),
        await httpRequest(gw.url, { method: 'POST', headers: json, body: '{"query": ' }),
        await httpRequest(gw.url, { method: 'POST', headers: json, body: JSON.stringify({ query: `{ __typename }\n#${'x'.repeat(200_000)}` }) }),
        await httpRequest(gw.url, { method: 'POST', headers: { ...CALLER_HEADERS, 'content-type': 'text/plain' }, body: '{}' }),
        await httpRequest(gw.url, { method: 'POST', headers: json, body: '[{"query": "{ __typename }"}]' }),
      ];
      for (const reply of replies) {
        expect(reply.status).toBeGreaterThanOrEqual(400);
        expect(reply.status).toBeLessThan(500);
        expect(reply.headers['content-type']).toMatch(/^application\/json/);
        expect(reply.text).not.toMatch(STACK);
        expect(reply.text).not.toMatch(/<html|<pre>/i);
      }
    });
  });
});

describe('caching headers', () => {
  test('every /graphql reply says no-store and carries no ETag: data, GraphQL errors and refused bodies alike', async () => {
    for (const nodeEnv of ['development', 'production'] as const) {
      const gw = gatewayFor(nodeEnv);
      zohoServesPaymentMethod();
      const json = { ...CALLER_HEADERS, 'content-type': 'application/json' };
      const replies = [
        await postGraphQL(gw.url, { query: PM_QUERY }, CALLER_HEADERS),
        await postGraphQL(gw.url, { query: '{ paymentMethod(id: 1) { nope } }' }, CALLER_HEADERS),
        await httpRequest(gw.url, { method: 'POST', headers: json, body: '{"query": ' }),
        await httpRequest(gw.url, { method: 'POST', headers: json, body: JSON.stringify({ query: `{ __typename }\n#${'x'.repeat(200_000)}` }) }),
      ];
      expect(jsonOf<GraphQLBody>(replies[0] as HttpReply).data).toEqual({ paymentMethod: { id: PM_ID, type: 'CARD', currency: 'USD' } });
      expect(replies.map((reply) => reply.status)).toEqual([200, 400, 400, 413]);
      for (const reply of replies) {
        expect(reply.headers['cache-control']).toBe('no-store');
        expect(reply.headers['etag']).toBeUndefined();
      }
    }
  });
});

// --- traces and usage reports ---------------------------------------------------------------

describe('federated traces (ftv1)', () => {
  test.each<NodeEnv>(['production', 'development'])(
    '%s: the inline trace carries no variable value, token or card number, and masks error messages',
    async (nodeEnv) => {
      // Zoho refuses the id and names it (twice) in its message.
      zoho()
        .get(`/api/v1/paymentmethods/${CARD}`)
        .query({ account_id: ACCOUNT_ID })
        .reply(400, { code: 'invalid_payment_method', message: `Payment method ${CARD} (card ${CARD}) is not valid` });
      const reply = await postGraphQL(
        gatewayFor(nodeEnv).url,
        { query: 'query Traced($id: ID!) { paymentMethod(id: $id) { id type } }', variables: { id: CARD } },
        { ...CALLER_HEADERS, 'apollo-federation-include-trace': 'ftv1', 'x-custom-secret': OTHER_CARD },
      );
      const body = jsonOf<GraphQLBody>(reply);
      expect(body.errors?.length).toBe(1);
      expect(reply.text).not.toContain(CARD);
      expect(reply.text).not.toContain(TOKEN);

      const ftv1 = body.extensions?.['ftv1'];
      expect(ftv1).toEqual(expect.any(String));
      const raw = Buffer.from(String(ftv1), 'base64');
      const trace = Trace.decode(raw);
      const decoded = JSON.stringify(trace.toJSON());
      // It is a real trace of this operation: timings and the field that failed.
      expect(Number(trace.durationNs)).toBeGreaterThan(0);
      const errors = traceErrors(trace.root);
      expect(errors.length).toBeGreaterThanOrEqual(1);
      for (const error of errors) {
        expect(error.message).toBe('<masked>');
        expect(error.json ?? '').not.toMatch(/Zoho|invalid_payment_method|\d{12,}/);
      }
      // No variables, no headers.
      expect(Object.values(trace.details?.variablesJson ?? {}).filter((v) => v !== '')).toEqual([]);
      expect(Object.keys(trace.http?.requestHeaders ?? {})).toEqual([]);
      for (const text of [decoded, raw.toString('latin1'), raw.toString('utf8')]) {
        for (const secret of [CARD, OTHER_CARD, TOKEN, AUTHORIZATION, 'Zoho-oauthtoken', 'invalid_payment_method', 'x-custom-secret']) {
          expect(text).not.toContain(secret);
        }
      }
    },
  );
});

describe('production: _service and ftv1 for callers that are not the router (kept on: see README, Exposure)', () => {
  test('`_service { sdl }` answers any caller, credentials or not, with exactly the published subgraph.graphql, and calls no one', async () => {
    const published = readFileSync(path.join(__dirname, '..', '..', 'subgraph.graphql'), 'utf8');
    await withoutUpstreamCalls(async () => {
      for (const headers of [{}, CALLER_HEADERS]) {
        const reply = await postGraphQL(gatewayFor('production').url, { query: '{ _service { sdl } }' }, headers);
        expect(reply.status).toBe(200);
        const body = jsonOf<GraphQLBody>(reply);
        expect(body.errors).toBeUndefined();
        expect(String(body.data?.['_service']?.sdl).trim()).toBe(published.trim());
      }
    });
  });

  test('an inline trace only when the request asks for one (apollo-federation-include-trace: ftv1)', async () => {
    const query = '{ __typename }';
    const plain = jsonOf<GraphQLBody>(await postGraphQL(gatewayFor('production').url, { query }));
    expect(plain).toEqual({ data: { __typename: 'Query' } });
    const traced = jsonOf<GraphQLBody>(await postGraphQL(gatewayFor('production').url, { query }, { 'apollo-federation-include-trace': 'ftv1' }));
    expect(traced.data).toEqual({ __typename: 'Query' });
    expect(Number(Trace.decode(Buffer.from(String(traced.extensions?.['ftv1']), 'base64')).durationNs)).toBeGreaterThan(0);
  });
});

describe('usage reporting', () => {
  test('reports carry no variable values, headers, token or card number, and masked errors', async () => {
    const captured: Buffer[] = [];
    const fetcher: Fetcher = async (_url, init) => {
      const body = init?.body;
      captured.push(typeof body === 'string' ? Buffer.from(body) : Buffer.from(body ?? ''));
      return new Response(null, { status: 204 }) as unknown as FetcherResponse;
    };
    const { gw } = await gateway('production', { APOLLO_KEY: 'service:test:xyz', APOLLO_GRAPH_REF: 'test@current' }, 'info', {
      usageReporting: { fetcher, endpointUrl: 'https://usage-reporting.example/api/ingress/traces' },
    });
    const headers = { ...CALLER_HEADERS, 'x-custom-secret': 'header-secret-d41d8cd98f', 'apollo-federation-include-trace': 'ftv1' };

    // 1. A card number as a variable; Zoho's error message names it.
    zoho()
      .get(`/api/v1/paymentmethods/${CARD}`)
      .query({ account_id: ACCOUNT_ID })
      .reply(400, { code: 'invalid_payment_method', message: `Payment method ${CARD} is not valid` });
    await postGraphQL(gw.url, { query: 'query Lookup($id: ID!) { paymentMethod(id: $id) { id } }', variables: { id: CARD } }, headers);
    // 2. A card number as a literal in the document.
    zoho().get(`/api/v1/paymentmethods/${OTHER_CARD}`).query({ account_id: ACCOUNT_ID }).reply(200, methodReply(OTHER_CARD));
    await postGraphQL(gw.url, { query: `query Literal { paymentMethod(id: "${OTHER_CARD}") { id type } }` }, headers);
    // 3. A mutation whose input holds personal data (the past expiry makes it a user error).
    await postGraphQL(
      gw.url,
      {
        query: 'mutation Update($input: UpdatePaymentMethodInput!) { updatePaymentMethod(input: $input) { userErrors { code } } }',
        variables: {
          input: {
            id: PM_ID,
            card: { expiryMonth: 1, expiryYear: 2020 },
            billingAddress: { name: 'Secret Holder Zqx', addressLine1: `${CARD} Main St`, country: 'US' },
          },
        },
      },
      headers,
    );
    // 4. Refused before execution: a bad variable holding a card number.
    await postGraphQL(gw.url, { query: 'query Bad($id: ID!) { paymentMethod(id: $id) { id } }', variables: { id: { card: CARD } } }, headers);
    await gw.stop();

    // With an endpointUrl the plugin sends each operation's report on its own, after a
    // setImmediate, and stop() does not wait for a send already under way: give the last one a
    // moment to reach the fetcher.
    const decode = () => captured.map((body) => gunzipSync(body));
    const reported = () => JSON.stringify(decode().map((raw) => Report.decode(raw).toJSON()));
    for (let waited = 0; waited < 3000 && !['Lookup', 'Literal', 'Update'].every((n) => reported().includes(`# ${n}`)); waited += 50) {
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
    expect(captured.length).toBeGreaterThan(0);
    const reports = decode();
    const decoded = reports.map((raw) => Report.decode(raw));
    const json = JSON.stringify(decoded.map((report) => report.toJSON()));
    // The reports are of these operations (else "no secret in them" proves nothing)...
    for (const name of ['Lookup', 'Literal', 'Update']) expect(json).toContain(`# ${name}`);
    expect(json).toContain('test@current');
    // ...and hold none of what the caller sent.
    for (const text of [json, ...reports.map((raw) => raw.toString('latin1')), ...reports.map((raw) => raw.toString('utf8'))]) {
      for (const secret of [CARD, OTHER_CARD, TOKEN, AUTHORIZATION, 'Zoho-oauthtoken', 'header-secret-d41d8cd98f', 'x-custom-secret', 'Secret Holder Zqx', 'Main St', 'invalid_payment_method', 'is not valid']) {
        expect(text).not.toContain(secret);
      }
    }
    // Traces, when sent, name the variables but not their values, hold no header, and mask errors.
    const traces = decoded
      .flatMap((report) => Object.values(report.tracesPerQuery).flatMap((q) => q.trace ?? []))
      .map((trace) => (trace instanceof Uint8Array ? Trace.decode(trace) : trace));
    expect(traces.length).toBeGreaterThanOrEqual(3);
    for (const trace of traces) {
      expect(Object.values(trace.details?.variablesJson ?? {}).filter((v) => v !== '')).toEqual([]);
      expect(Object.keys(trace.http?.requestHeaders ?? {})).toEqual([]);
    }
    const errors = traces.flatMap((trace) => traceErrors(trace.root));
    expect(errors.length).toBeGreaterThanOrEqual(1);
    for (const error of errors) expect(error.message).toBe('<masked>');
  });
});

// --- request ids ----------------------------------------------------------------------------

describe('request ids', () => {
  const SANE = 'req-2026.11:abc-XYZ';

  test('a sane x-request-id is echoed: response header, every error, the log line, and the call to Zoho', async () => {
    const { gw, logs } = await gateway('production');
    zoho()
      .get(PM_PATH)
      .query({ account_id: ACCOUNT_ID })
      .matchHeader('x-request-id', SANE)
      .reply(500, { code: 'error', message: 'Internal error' });
    const reply = await postGraphQL(
      gw.url,
      { query: `query TwoErrors { a: paymentMethod(id: "${PM_ID}") { id } b: paymentMethod(id: "not-an-id") { id } }` },
      { ...CALLER_HEADERS, 'x-request-id': SANE },
    );
    expect(reply.headers['x-request-id']).toBe(SANE);
    const body = jsonOf<GraphQLBody>(reply);
    expect(body.errors?.map((e) => e.extensions?.['code']).sort()).toEqual(['BAD_USER_INPUT', 'UPSTREAM_ERROR']);
    for (const error of body.errors ?? []) expect(error.extensions?.['requestId']).toBe(SANE);

    const lines = logs.lines().map((line) => JSON.parse(line) as Json);
    const operation = lines.filter((line) => line['msg'] === 'graphql operation');
    expect(operation).toHaveLength(1);
    expect(operation[0]).toMatchObject({ requestId: SANE, operationName: 'TwoErrors' });
  });

  test("a generated request id is the same on the log line as in the response (not masked as a card number)", async () => {
    // A v4 UUID like those the gateway makes: its digits across the dashes
    // ("05b5-4996-9220-4263695777") hold a Luhn-valid run, as about 0.7% of random UUIDs do.
    const uuid = 'bf5ccb51-05b5-4996-9220-4263695777ba';
    const { gw, logs } = await gateway('production');
    const spy = jest.spyOn(crypto, 'randomUUID').mockReturnValue(uuid);
    try {
      zoho().get(PM_PATH).query({ account_id: ACCOUNT_ID }).reply(500, { code: 'error', message: 'Internal error' });
      const reply = await postGraphQL(gw.url, { query: PM_QUERY }, CALLER_HEADERS);
      expect(reply.headers['x-request-id']).toBe(uuid);
      expect(jsonOf<GraphQLBody>(reply).errors?.[0]?.extensions?.['requestId']).toBe(uuid);
    } finally {
      spy.mockRestore();
    }
    const operation = logs
      .lines()
      .map((line) => JSON.parse(line) as Json)
      .filter((line) => line['msg'] === 'graphql operation');
    expect(operation.map((line) => line['requestId'])).toEqual([uuid]);
  });

  test('the longest sane id (128 characters) is kept', async () => {
    const longest = 'a'.repeat(128);
    zohoServesPaymentMethod();
    const reply = await postGraphQL(gatewayFor('production').url, { query: PM_QUERY }, { ...CALLER_HEADERS, 'x-request-id': longest });
    expect(reply.headers['x-request-id']).toBe(longest);
  });

  test.each([
    ['too long (129 characters)', 'a'.repeat(129)],
    ['with spaces', 'my request id'],
    ['non-ASCII', 'r\u00e9q-\u00fc\u00df'],
    ['markup', '<script>alert(1)</script>'],
    ['a quote and a semicolon', 'abc";drop'],
    ['empty', ''],
  ])('an insane id (%s) is replaced by a UUID, everywhere', async (_what, insane) => {
    const { gw, logs } = await gateway('production');
    let upstreamId: string | undefined;
    zoho()
      .get(PM_PATH)
      .query({ account_id: ACCOUNT_ID })
      .matchHeader('x-request-id', (value: string) => {
        upstreamId = value;
        return true;
      })
      .reply(500, { code: 'error', message: 'Internal error' });
    const reply = await postGraphQL(gw.url, { query: PM_QUERY }, { ...CALLER_HEADERS, 'x-request-id': insane });
    const id = reply.headers['x-request-id'];
    expect(id).toMatch(UUID);
    expect(id).not.toBe(insane);
    expect(upstreamId).toBe(id);
    const body = jsonOf<GraphQLBody>(reply);
    expect(body.errors?.[0]?.extensions?.['requestId']).toBe(id);
    const operation = logs
      .lines()
      .map((line) => JSON.parse(line) as Json)
      .filter((line) => line['msg'] === 'graphql operation');
    expect(operation.map((line) => line['requestId'])).toEqual([id]);
    if (insane !== '') expect(logs.text()).not.toContain(insane);
  });

  test('errors raised before Apollo runs (body parser, CSRF, batching) carry the request id too', async () => {
    const gw = gatewayFor('production');
    const headers = { ...CALLER_HEADERS, 'x-request-id': SANE };
    const json = { ...headers, 'content-type': 'application/json' };
    await withoutUpstreamCalls(async () => {
      const replies: Array<[HttpReply, number]> = [
        [await httpRequest(gw.url, { method: 'POST', headers: json, body: '{not json' }), 400],
        [await httpRequest(gw.url, { method: 'POST', headers: json, body: JSON.stringify({ query: `{ __typename }\n#${'x'.repeat(200_000)}` }) }), 413],
        [await httpRequest(gw.url, { method: 'POST', headers: { ...json, 'content-type': 'application/json; charset=klingon' }, body: '{}' }), 415],
        [await httpRequest(gw.url, { method: 'POST', headers: { ...headers, 'content-type': 'text/plain' }, body: '{}' }), 400],
        [await httpRequest(graphQLGetUrl(gw.url, PM_QUERY), { headers }), 400],
        [await httpRequest(gw.url, { method: 'POST', headers: json, body: '[]' }), 400],
      ];
      for (const [reply, status] of replies) {
        expect(reply.status).toBe(status);
        expect(reply.headers['x-request-id']).toBe(SANE);
        const body = jsonOf<GraphQLBody>(reply);
        expect(body.errors?.length ?? 0).toBeGreaterThan(0);
        for (const error of body.errors ?? []) expect(error.extensions?.['requestId']).toBe(SANE);
      }
    });
  });

  test('every response carries one, also /healthz, /readyz, a 404, and the admin listener\'s', async () => {
    const gw = gatewayFor('production');
    const origin = new URL(gw.url).origin;
    const urls = [...['/healthz', '/readyz', '/nowhere'].map((path) => `${origin}${path}`), ...['/metrics', '/healthz', '/readyz', '/nowhere'].map((path) => `${gw.adminUrl}${path}`)];
    for (const url of urls) {
      expect((await httpRequest(url)).headers['x-request-id']).toMatch(UUID);
      expect((await httpRequest(url, { headers: { 'x-request-id': SANE } })).headers['x-request-id']).toBe(SANE);
    }
  });
});

// --- metrics --------------------------------------------------------------------------------

describe('metrics', () => {
  test('GET /metrics counts operations, outcomes, durations, upstream calls and the circuit exactly', async () => {
    const { gw } = await gateway('production');
    const query = (name: string, id = PM_ID) => `query ${name} { paymentMethod(id: "${id}") { id } }`;
    for (let i = 0; i < 3; i += 1) {
      zohoServesPaymentMethod();
      expect(jsonOf<GraphQLBody>(await postGraphQL(gw.url, { query: query('MetricsOk') }, CALLER_HEADERS)).errors).toBeUndefined();
    }
    await postGraphQL(gw.url, { query: query('MetricsBadInput', 'nope') }, CALLER_HEADERS);
    zoho().get(PM_PATH).query({ account_id: ACCOUNT_ID }).reply(500, { code: 'error', message: 'Internal error' });
    await postGraphQL(gw.url, { query: query('MetricsUpstream') }, CALLER_HEADERS);
    await postGraphQL(gw.url, { query: query('MetricsNoToken') }, { 'x-zoho-account-id': ACCOUNT_ID });
    await postGraphQL(gw.url, { query: '{ __typename }' }, CALLER_HEADERS);

    const reply = await metricsOf(gw);
    expect(reply.status).toBe(200);
    expect(reply.headers['content-type']).toBe('text/plain; version=0.0.4; charset=utf-8');
    const text = reply.text;
    const ops = 'graphql_operations_total';
    // By type and root field (bounded by the schema), never by operation name (the caller's choice).
    const pm = { type: 'query', root_field: 'paymentMethod' };
    expect(sample(text, ops, { ...pm, outcome: 'ok' })).toBe(3);
    expect(sample(text, ops, { ...pm, outcome: 'BAD_USER_INPUT' })).toBe(1);
    expect(sample(text, ops, { ...pm, outcome: 'UPSTREAM_ERROR' })).toBe(1);
    expect(sample(text, ops, { ...pm, outcome: 'UNAUTHENTICATED' })).toBe(1);
    expect(sample(text, ops, { type: 'query', root_field: '__typename', outcome: 'ok' })).toBe(1);
    expect(text).not.toMatch(/Metrics(Ok|BadInput|Upstream|NoToken)/);

    expect(text).toContain('# TYPE graphql_operation_duration_seconds histogram');
    expect(sample(text, 'graphql_operation_duration_seconds_count', pm)).toBe(6);
    expect(sample(text, 'graphql_operation_duration_seconds_bucket', { ...pm, le: '+Inf' })).toBe(6);
    expect(sample(text, 'graphql_operation_duration_seconds_sum', pm)).toBeGreaterThan(0);

    const upstream = 'zoho_upstream_requests_total';
    expect(sample(text, upstream, { endpoint: 'retrievePaymentMethod', status: '200' })).toBe(3);
    expect(sample(text, upstream, { endpoint: 'retrievePaymentMethod', status: '500' })).toBe(1);
    expect(samples(text).filter((s) => s.name === upstream).reduce((sum, s) => sum + s.value, 0)).toBe(4);

    expect(sample(text, 'zoho_circuit_state', { state: 'closed' })).toBe(1);
    expect(sample(text, 'zoho_circuit_state', { state: 'open' })).toBe(0);
    expect(sample(text, 'zoho_circuit_state', { state: 'half-open' })).toBe(0);
  });

  test('250 distinct operation names are one series: a name is the caller\'s choice, never a label', async () => {
    const { gw } = await gateway('production', {}, 'warn');
    const names = Array.from({ length: 250 }, (_, i) => `Distinct${i}`);
    const agent = new http.Agent({ keepAlive: true, maxSockets: 50 });
    const replies = await inBatches(
      names.map((name) => () => postGraphQL(gw.url, { query: `query ${name} { __typename }` }, CALLER_HEADERS, agent)),
      50,
    );
    agent.destroy();
    expect(replies.map((reply) => reply.status)).toEqual(names.map(() => 200));
    const text = (await metricsOf(gw)).text;
    const operations = samples(text).filter((s) => s.name === 'graphql_operations_total');
    expect(operations.map((s) => s.labels)).toEqual([{ type: 'query', root_field: '__typename', outcome: 'ok' }]);
    expect(operations[0]?.value).toBe(250);
    expect(text).not.toContain('Distinct');
    const histogramLabels = samples(text)
      .filter((s) => s.name === 'graphql_operation_duration_seconds_count')
      .map((s) => s.labels);
    expect(histogramLabels).toEqual([{ type: 'query', root_field: '__typename' }]);
  });

  test('an operation name holding a card number never appears in /metrics', async () => {
    const { gw } = await gateway('production');
    for (const name of [`Card${CARD}`, `pay_${OTHER_CARD}_now`, `x${CARD}`]) {
      const reply = await postGraphQL(gw.url, { query: `query ${name} { __typename }` }, CALLER_HEADERS);
      expect(reply.status).toBe(200);
    }
    const text = (await metricsOf(gw)).text;
    expect(text).not.toContain(CARD);
    expect(text).not.toContain(OTHER_CARD);
    expect(sample(text, 'graphql_operations_total', { type: 'query', root_field: '__typename', outcome: 'ok' })).toBe(3);
  });
});
