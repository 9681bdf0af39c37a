/**
 * Hardening: what one operation may make Zoho do at run time (contract.md, "Additions of 2026-12",
 * Limits), where the document and variables do not show it (the estimate refuses what they do:
 * test/unit/upstream-call-estimate.test.ts).
 *
 * - **The call budget.** A router's `_entities` of 200 sessions, each asking for its payment
 *   method's details, shows 200 calls and needs 400: exactly ZOHO_MAX_CALLS_PER_OPERATION (200)
 *   distinct calls reach Zoho, the fields past the budget fail with OPERATION_LIMIT_EXCEEDED, and
 *   the rest are answered.
 * - **A rejected token ends the operation's calls.** A made-up token reading 100 ids: every item
 *   is UNAUTHENTICATED, and Zoho sees at most ZOHO_MAX_CONCURRENCY_PER_CALLER (16) calls, the ones
 *   in flight when the first 401 came back; those queued behind it are never sent.
 * - **A client that disconnects cancels the calls not yet sent.** Real HTTP (the gateway on a
 *   loopback port, a slow stand-in for Zoho that counts every call): a client that goes while its
 *   100-id read is in flight leaves Zoho with at most the 16 calls it had in flight, not 100, and
 *   the gateway keeps serving the next callers.
 *
 * Zoho is nock for the first two (each call's method, path, query and headers matched), the
 * stand-in for the third.
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';
import nock from 'nock';
import type { Gateway } from '../../src/server';
import { ACCOUNT_ID, CALLER_HEADERS, NOW, captureLogger, createTestGateway, seed, startTestServer, testConfig, zoho, type TestGateway } from '../helpers';
import { jsonOf, postGraphQL } from '../http-client';

jest.setTimeout(30_000);

type Json = Record<string, unknown>;

/** ZOHO_MAX_CALLS_PER_OPERATION's and ZOHO_MAX_CONCURRENCY_PER_CALLER's defaults (config.ts). */
const MAX_CALLS = 200;
const MAX_CONCURRENCY = 16;

const ids = (n: number, from: bigint): string[] => Array.from({ length: n }, (_, i) => String(from + BigInt(i)));
/** The id in an upstream URI such as `/api/v1/paymentmethods/123?account_id=...`. */
const idIn = (uri: string): string => /\/(\d+)(?:\?|$)/.exec(uri)?.[1] ?? 'missing';

function methodReply(id: string): Json {
  const body = seed<{ payment_method: Json }>('retrieve-payment-method.response');
  body.payment_method['payment_method_id'] = id;
  return body;
}

/** The session `id`, which collected payment method `methodId` (the session carries part of it). */
function sessionReply(id: string, methodId: string): Json {
  const body = seed<{ payment_method_session: Json & { payment_method: Json } }>('retrieve-session.response');
  body.payment_method_session['payment_method_session_id'] = id;
  body.payment_method_session.payment_method['payment_method_id'] = methodId;
  return body;
}

const READ_METHODS = 'query Read($ids: [ID!]!) { paymentMethods(ids: $ids) { id } }';

describe('in-process gateway, Zoho mocked by nock', () => {
  let gw: TestGateway;
  beforeAll(async () => {
    // 200 calls through 16 slots on a loaded machine: no call may wait out its time limit for a turn.
    gw = await createTestGateway({ zohoTimeoutMs: 10_000 });
  });
  afterAll(() => gw.stop());

  test(`_entities of ${MAX_CALLS} sessions asking for their payment methods (400 calls needed): exactly ${MAX_CALLS} reach Zoho, the rest fail with OPERATION_LIMIT_EXCEEDED`, async () => {
    const sessions = ids(MAX_CALLS, 1987000000900000n);
    // Each session collected a payment method of its own: no call is shared.
    const methodOf = new Map(sessions.map((id, i) => [id, String(1987000000500000n + BigInt(i))]));
    const calls: string[] = [];
    zoho()
      .persist()
      .get((uri) => uri.startsWith('/api/v1/paymentmethodsessions/'))
      .query({ account_id: ACCOUNT_ID })
      .reply(200, (uri) => {
        calls.push(`GET ${uri}`);
        return sessionReply(idIn(uri), methodOf.get(idIn(uri)) ?? 'missing');
      });
    zoho()
      .persist()
      .get((uri) => uri.startsWith('/api/v1/paymentmethods/'))
      .query({ account_id: ACCOUNT_ID })
      .reply(200, (uri) => {
        calls.push(`GET ${uri}`);
        return methodReply(idIn(uri));
      });

    const query = `query ($representations: [_Any!]!) {
      _entities(representations: $representations) {
        ... on PaymentMethodSession { id paymentMethod { details { __typename } } }
      }
    }`;
    const result = await gw.execute(query, { representations: sessions.map((id) => ({ __typename: 'PaymentMethodSession', id })) });
    nock.cleanAll();

    // Exactly the budget, each call once.
    expect(calls).toHaveLength(MAX_CALLS);
    expect(new Set(calls).size).toBe(MAX_CALLS);
    // The sessions were asked for first, so they were answered; their payment methods were past the budget.
    expect(calls.every((call) => call.startsWith('GET /api/v1/paymentmethodsessions/'))).toBe(true);

    const entities = result.data?.['_entities'] as Array<Json | null>;
    expect(entities.map((e) => e?.['id'])).toEqual(sessions);
    expect(entities.every((e) => e?.['paymentMethod'] === null)).toBe(true);
    const errors = result.errors ?? [];
    expect(errors).toHaveLength(MAX_CALLS);
    expect(new Set(errors.map((e) => e.extensions?.['code']))).toEqual(new Set(['OPERATION_LIMIT_EXCEEDED']));
    expect(errors.map((e) => e.path).sort()).toEqual(sessions.map((_, i) => ['_entities', i, 'paymentMethod', 'details']).sort());
    expect(errors[0]?.message).toMatch(new RegExp(`${MAX_CALLS}`));
    // The operation's own record agrees: 200 calls sent.
    expect(gw.lastUpstreamCalls()).toHaveLength(MAX_CALLS);
  });

  test(`a made-up token reading 100 ids: every item UNAUTHENTICATED, at most ${MAX_CONCURRENCY} calls reach Zoho`, async () => {
    const authorization = 'Zoho-oauthtoken 1000.madeup0000.0000';
    const methods = ids(100, 1987000000600000n);
    const calls: string[] = [];
    zoho(authorization)
      .persist()
      .get((uri) => uri.startsWith('/api/v1/paymentmethods/'))
      .query({ account_id: ACCOUNT_ID })
      // A little latency, as Zoho's: the queued calls are still waiting when the 401s come back.
      .delay(20)
      .reply(401, (uri) => {
        calls.push(uri);
        return { code: 'invalid_oauth_token', message: 'Invalid OAuth token.' };
      });

    const result = await gw.execute(READ_METHODS, { ids: methods }, { authorization, 'x-zoho-account-id': ACCOUNT_ID });
    nock.cleanAll();

    expect(calls.length).toBeGreaterThanOrEqual(1);
    expect(calls.length).toBeLessThanOrEqual(MAX_CONCURRENCY);
    expect(result.data?.['paymentMethods']).toEqual(methods.map(() => null));
    const errors = result.errors ?? [];
    expect(errors.map((e) => e.path)).toEqual(expect.arrayContaining(methods.map((_, i) => ['paymentMethods', i])));
    expect(errors).toHaveLength(methods.length);
    expect(new Set(errors.map((e) => e.extensions?.['code']))).toEqual(new Set(['UNAUTHENTICATED']));
  });

  test('the token latch is per operation: the next operation with a good token is served', async () => {
    const [id] = ids(1, 1987000000700000n) as [string];
    zoho().get(`/api/v1/paymentmethods/${id}`).query({ account_id: ACCOUNT_ID }).reply(200, methodReply(id));
    const result = await gw.execute(READ_METHODS, { ids: [id] }, CALLER_HEADERS);
    expect(result).toEqual({ data: { paymentMethods: [{ id }] } });
  });
});

// --- a client that disconnects, over real HTTP -----------------------------------------------------

/** ZOHO's latency in the stand-in: long enough that the first calls are in flight when the client goes. */
const LATENCY_MS = 400;

interface StandIn {
  apiUrl: string;
  /** Every call it received (method and path), in order of arrival. */
  calls: string[];
  /** The Authorization header of each call. */
  authorizations: string[];
  close: () => Promise<void>;
}

/** A slow stand-in for Zoho's payment method reads, counting every call as it arrives. */
async function startStandIn(): Promise<StandIn> {
  const calls: string[] = [];
  const authorizations: string[] = [];
  const server = http.createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://stand-in');
    calls.push(`${req.method} ${url.pathname}`);
    authorizations.push(req.headers.authorization ?? '');
    const match = /^\/api\/v1\/paymentmethods\/(\d+)$/.exec(url.pathname);
    const reply = (status: number, body: Json) => {
      const text = JSON.stringify(body);
      res.writeHead(status, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(text) });
      res.end(text);
    };
    setTimeout(() => {
      if (req.method === 'GET' && match && url.searchParams.get('account_id') === ACCOUNT_ID) reply(200, methodReply(match[1] as string));
      else reply(404, { code: 'resource_does_not_exist', message: 'not here' });
    }, LATENCY_MS);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    apiUrl: `http://127.0.0.1:${port}/api/v1`,
    calls,
    authorizations,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

/** POSTs an operation and drops the connection as soon as `until()` holds (never reading a reply). */
async function postAndDisconnect(url: string, body: Json, headers: Record<string, string>, until: () => boolean): Promise<void> {
  const text = JSON.stringify(body);
  const req = http.request(url, {
    method: 'POST',
    agent: false,
    headers: { ...headers, 'content-type': 'application/json', 'content-length': String(Buffer.byteLength(text)) },
  });
  const closed = new Promise<void>((resolve) => req.on('close', () => resolve()));
  req.on('error', () => undefined); // the socket is ours to destroy
  let answered = false;
  req.on('response', () => {
    answered = true;
  });
  req.end(text);
  const deadline = Date.now() + 5000;
  while (!until()) {
    if (Date.now() > deadline) throw new Error('the upstream calls never started');
    await sleep(5);
  }
  // Answered already, the test would prove nothing.
  expect(answered).toBe(false);
  req.destroy();
  await closed;
}

describe('a client that disconnects (real HTTP, a slow Zoho stand-in)', () => {
  let standIn: StandIn;
  let gateway: Gateway;
  beforeAll(async () => {
    nock.enableNetConnect('127.0.0.1');
    standIn = await startStandIn();
    gateway = await startTestServer(testConfig({ ZOHO_API_URL: standIn.apiUrl, ZOHO_TIMEOUT_MS: '5000', ZOHO_RETRIES: '0' }), {
      logger: captureLogger('warn').logger,
      now: () => NOW,
    });
  });
  afterAll(async () => {
    await gateway.stop();
    await standIn.close();
    nock.disableNetConnect();
  });

  test(`its 100-id read sends Zoho at most the ${MAX_CONCURRENCY} calls in flight when it went, and the gateway keeps serving`, async () => {
    const methods = ids(100, 1987000000800000n);
    await postAndDisconnect(gateway.url, { query: READ_METHODS, variables: { ids: methods } }, CALLER_HEADERS, () => standIn.calls.length >= 1);
    // Long enough for every queued call to have gone out several times over, had it been sent.
    await sleep(3 * LATENCY_MS);
    const sentAfterDisconnect = standIn.calls.length;
    expect(sentAfterDisconnect).toBeGreaterThanOrEqual(1);
    expect(sentAfterDisconnect).toBeLessThanOrEqual(MAX_CONCURRENCY);
    expect(standIn.calls.every((call) => /^GET \/api\/v1\/paymentmethods\/\d+$/.test(call))).toBe(true);
    expect(new Set(standIn.authorizations)).toEqual(new Set([CALLER_HEADERS.authorization]));

    // The gateway serves the next operations, the same caller's included (its slots are free again).
    const [other] = ids(1, 1987000000810000n) as [string];
    const replies = await Promise.all([
      postGraphQL(gateway.url, { query: READ_METHODS, variables: { ids: [other] } }, CALLER_HEADERS),
      postGraphQL(
        gateway.url,
        { query: READ_METHODS, variables: { ids: [other] } },
        { authorization: 'Zoho-oauthtoken 1000.another.caller', 'x-zoho-account-id': ACCOUNT_ID },
      ),
    ]);
    for (const reply of replies) {
      expect(reply.status).toBe(200);
      expect(jsonOf(reply)).toEqual({ data: { paymentMethods: [{ id: other }] } });
    }
    expect(standIn.calls.length).toBe(sentAfterDisconnect + 2);
  });

  test('a client that stays gets every one of its 100 ids (the disconnect rule cancels nothing else)', async () => {
    const methods = ids(100, 1987000000820000n);
    const before = standIn.calls.length;
    const reply = await postGraphQL(gateway.url, { query: READ_METHODS, variables: { ids: methods } }, CALLER_HEADERS);
    expect(reply.status).toBe(200);
    expect(jsonOf(reply)).toEqual({ data: { paymentMethods: methods.map((id) => ({ id })) } });
    expect(standIn.calls.length - before).toBe(100);
  });
});
