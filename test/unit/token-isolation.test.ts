/**
 * Token isolation under concurrency (contract.md, Transport): the caller's token is forwarded "on
 * every upstream call of that request and of no other request", with that caller's account id.
 *
 * The real HTTP gateway (createGateway) runs on loopback; several callers, each with its own token
 * AND its own account id, fire hundreds of concurrent operations of every kind. Zoho (nock) answers
 * each call after a random delay, so replies come back in an order unrelated to the requests, with
 * data derived from the credentials the call carried. Every upstream call is recorded and checked,
 * and every GraphQL response must hold only its own caller's data.
 */
import { randomBytes } from 'node:crypto';
import http from 'node:http';
import nock from 'nock';
import type { Gateway } from '../../src/server';
import { captureLogger, NOW, ZOHO_ORIGIN, startTestServer, testConfig } from '../helpers';
import { jsonOf, postGraphQL, type HttpReply } from '../http-client';

interface Caller {
  key: string;
  owner: string;
  email: string;
  accountId: string;
  token: string;
  authorization: string;
}

function makeCaller(key: string, owner: string, accountId: string): Caller {
  // Zoho's token shape: 1000.<hex>.<hex>; fresh on every run.
  const token = `1000.${randomBytes(16).toString('hex')}.${randomBytes(16).toString('hex')}`;
  return { key, owner, email: `${key}@example.com`, accountId, token, authorization: `Zoho-oauthtoken ${token}` };
}

const CALLERS: readonly Caller[] = [
  makeCaller('alice', 'Alice Liddell', '4100000011'),
  makeCaller('bob', 'Bob Dylan', '4200000022'),
  makeCaller('carol', 'Carol Danvers', '4300000033'),
  makeCaller('dave', 'Dave Bowman', '4400000044'),
];

/** Ids every caller reads: a cache keyed by path (not by token) would hand one caller's reply to another. */
const SHARED_IDS = ['1987000000724211', '1987000000724212', '1987000000724213'];
const CREATED_TIME = 1708950672;
const CREATED_ISO = new Date(CREATED_TIME * 1000).toISOString();
const OPS_PER_KIND_PER_CALLER = 21; // 6 kinds x 21 x 4 callers = 504 operations, plus the bad-credential ones
const MAX_UPSTREAM_DELAY_MS = 40;
/**
 * Zoho holds its first replies until this many calls are waiting, then answers them in random
 * order: many GraphQL requests are then provably in flight at the same time. At most 16 calls of
 * one caller are in flight (ZOHO_MAX_CONCURRENCY_PER_CALLER), so 4 callers can hold at most 64.
 */
const HELD_CALLS = 60;

const pad = (n: number, width: number) => String(n).padStart(width, '0');
/** A payment method id that belongs to this caller's account (15 digits). */
const ownPmId = (c: Caller, i: number) => `${c.accountId}${pad(i, 5)}`;
/** A session id of this caller's account (15 digits); its payment method is the id followed by 9. */
const ownSessionId = (c: Caller, i: number) => `${c.accountId}5${pad(i, 4)}`;
/** Ids ending in 00404 do not exist in Zoho. */
const missingPmId = (c: Caller) => `${c.accountId}00404`;
const customerIdOf = (accountId: string) => `${accountId}77`;

// ---------------------------------------------------------------------------------------------
// Zoho, emulated: answers are derived from the credentials the call carried.

interface UpstreamCall {
  seq: number;
  method: string;
  path: string;
  queryKeys: string[];
  accountId: string | null;
  authorization: unknown;
  accept: unknown;
  body: unknown;
}

const upstreamCalls: UpstreamCall[] = [];
const upstreamCompletionOrder: number[] = [];

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

let releaseHeldCalls: () => void = () => undefined;
const heldCalls = new Promise<void>((resolve) => {
  releaseHeldCalls = resolve;
});

/** JSON with sorted keys, so bodies compare independently of key order. */
function canonical(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonical).join(',')}]`;
  if (value !== null && typeof value === 'object') {
    const entries = Object.entries(value as Record<string, unknown>).sort(([a], [b]) => a.localeCompare(b));
    return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${canonical(v)}`).join(',')}}`;
  }
  return JSON.stringify(value);
}

const callKey = (method: string, path: string, body?: unknown) =>
  body === undefined || body === '' ? `${method} ${path}` : `${method} ${path} ${canonical(body)}`;

function zohoPaymentMethod(id: string, owner: Caller, accountId: string, expiry = { month: '01', year: '29' }) {
  return {
    payment_method_id: id,
    customer_id: customerIdOf(accountId),
    customer_name: owner.owner,
    customer_email: owner.email,
    type: 'card',
    card: {
      card_holder_name: owner.owner,
      last_four_digits: accountId.slice(-4),
      expiry_month: expiry.month,
      expiry_year: expiry.year,
      card_checks: { address_line_check: 'pass', postal_code_check: 'pass', cvc_check: 'pass' },
    },
    status: 'active',
    currency: 'USD',
    created_time: CREATED_TIME,
    last_modified_time: CREATED_TIME,
  };
}

type Handler = (call: UpstreamCall, owner: Caller, accountId: string, id: string) => nock.ReplyFnResult;

/** A reply function that records the call, waits a random time, and answers from the call's own credentials. */
function zohoReply(method: string, handler: Handler) {
  return async function reply(this: nock.ReplyFnContext, uri: string, body: nock.Body): Promise<nock.ReplyFnResult> {
    const url = new URL(uri, ZOHO_ORIGIN);
    const call: UpstreamCall = {
      seq: upstreamCalls.length,
      method,
      path: url.pathname,
      queryKeys: [...url.searchParams.keys()],
      accountId: url.searchParams.get('account_id'),
      authorization: this.req.headers['authorization'],
      accept: this.req.headers['accept'],
      body,
    };
    upstreamCalls.push(call);
    if (call.seq < HELD_CALLS) {
      if (call.seq === HELD_CALLS - 1) releaseHeldCalls();
      await heldCalls;
    }
    await sleep(Math.random() * MAX_UPSTREAM_DELAY_MS);
    upstreamCompletionOrder.push(call.seq);
    const owner = CALLERS.find((c) => c.authorization === call.authorization);
    if (!owner) return [401, { code: 'INVALID_OAUTHTOKEN', message: 'Invalid OAuth token.' }];
    if (call.accountId === null || !/^\d+$/.test(call.accountId)) {
      return [400, { code: 'invalid_account', message: 'account_id is missing' }];
    }
    const id = url.pathname.split('/').pop() ?? '';
    return handler(call, owner, call.accountId, id);
  };
}

function installZoho(): void {
  const scope = nock(ZOHO_ORIGIN).persist();
  scope
    .get(/^\/api\/v1\/paymentmethods\/\d+$/)
    .query(true)
    .reply(
      zohoReply('GET', (_call, owner, accountId, id) =>
        id.endsWith('00404')
          ? [404, { code: 'resource_does_not_exist', message: 'The payment method does not exist.' }]
          : [200, { code: 0, message: 'success', payment_method: zohoPaymentMethod(id, owner, accountId) }],
      ),
    );
  scope
    .put(/^\/api\/v1\/paymentmethods\/\d+$/)
    .query(true)
    .reply(
      zohoReply('PUT', (call, owner, accountId, id) => {
        const card = (call.body as { card?: { expiry_month: string; expiry_year: string } }).card;
        if (!card) return [400, { code: 'error', message: 'card is required' }];
        const pm = zohoPaymentMethod(id, owner, accountId, { month: card.expiry_month, year: card.expiry_year });
        return [200, { code: 0, message: 'success', payment_method: pm }];
      }),
    );
  scope
    .delete(/^\/api\/v1\/paymentmethods\/\d+$/)
    .query(true)
    .reply(zohoReply('DELETE', () => [200, { code: 0, message: 'Payment method deleted' }]));
  scope
    .get(/^\/api\/v1\/paymentmethodsessions\/\d+$/)
    .query(true)
    .reply(
      zohoReply('GET', (_call, owner, accountId, id) => [
        200,
        {
          code: 0,
          message: 'success',
          payment_method_session: {
            payment_method_session_id: id,
            customer_id: customerIdOf(accountId),
            description: `session of ${owner.owner}`,
            status: 'succeeded',
            created_time: CREATED_TIME,
            payment_method: { payment_method_id: `${id}9`, type: 'card', status: 'active', created_time: CREATED_TIME },
          },
        },
      ]),
    );
  scope
    .post('/api/v1/paymentmethodsessions')
    .query(true)
    .reply(
      zohoReply('POST', (call, owner) => {
        const body = call.body as { customer_id: string; description?: string };
        return [
          201,
          {
            code: 0,
            message: 'success',
            payment_method_session: {
              payment_method_session_id: `${body.customer_id}6`,
              customer_id: body.customer_id,
              description: `${body.description ?? ''} for ${owner.owner}`,
              created_time: CREATED_TIME,
            },
          },
        ];
      }),
    );
}

// ---------------------------------------------------------------------------------------------
// The operations: what each sends, what it must get back, and which upstream calls it needs.

const PM_FIELDS = `id type status currency createdAt customer { id name email }
  details { __typename ... on CardDetails { cardholderName last4 expiryMonth expiryYear } }`;

function expectedPm(c: Caller, id: string, expiry = { month: 1, year: 2029 }) {
  return {
    id,
    type: 'CARD',
    status: 'ACTIVE',
    currency: 'USD',
    createdAt: CREATED_ISO,
    customer: { id: customerIdOf(c.accountId), name: c.owner, email: c.email },
    details: {
      __typename: 'CardDetails',
      cardholderName: c.owner,
      last4: c.accountId.slice(-4),
      expiryMonth: expiry.month,
      expiryYear: expiry.year,
    },
  };
}

interface Operation {
  name: string;
  /** The caller whose data this operation must see; undefined for bad credentials. */
  caller: Caller | undefined;
  headers: Record<string, string>;
  query: string;
  variables: Record<string, unknown>;
  /** The whole JSON body the gateway must answer with. */
  expected: unknown;
  /** Upstream calls this operation needs, as callKey strings. */
  upstream: string[];
}

const PM_PATH = '/api/v1/paymentmethods/';
const SESSION_PATH = '/api/v1/paymentmethodsessions';

function operationsOf(c: Caller): Operation[] {
  const headers = { authorization: c.authorization, 'x-zoho-account-id': c.accountId };
  const ops: Operation[] = [];
  for (let n = 0; n < OPS_PER_KIND_PER_CALLER; n += 1) {
    const i = n * 10; // room for the neighbouring ids below
    const pmId = n % 2 === 0 ? SHARED_IDS[n % SHARED_IDS.length]! : ownPmId(c, i);
    ops.push({
      name: `${c.key} paymentMethod #${n}`,
      caller: c,
      headers,
      query: `query One($id: ID!) { paymentMethod(id: $id) { ${PM_FIELDS} } }`,
      variables: { id: pmId },
      expected: { data: { paymentMethod: expectedPm(c, pmId) } },
      upstream: [callKey('GET', PM_PATH + pmId)],
    });

    // A repeated id is fetched once; a missing id is null at its index.
    const a = ownPmId(c, i + 1);
    const shared = SHARED_IDS[(n + 1) % SHARED_IDS.length]!;
    const missing = missingPmId(c);
    ops.push({
      name: `${c.key} paymentMethods #${n}`,
      caller: c,
      headers,
      query: `query Many($ids: [ID!]!) { paymentMethods(ids: $ids) { ${PM_FIELDS} } }`,
      variables: { ids: [a, shared, missing, a] },
      expected: { data: { paymentMethods: [expectedPm(c, a), expectedPm(c, shared), null, expectedPm(c, a)] } },
      upstream: [a, shared, missing].map((id) => callKey('GET', PM_PATH + id)),
    });

    // The session's partial payment method is completed through the DataLoader: one more GET, once.
    const sessionId = ownSessionId(c, i + 2);
    ops.push({
      name: `${c.key} paymentMethodSession #${n}`,
      caller: c,
      headers,
      query: `query Session($id: ID!) { paymentMethodSession(id: $id) {
        id status description createdAt customer { id }
        paymentMethod { ${PM_FIELDS} billingAddress { country } updatedAt } } }`,
      variables: { id: sessionId },
      expected: {
        data: {
          paymentMethodSession: {
            id: sessionId,
            status: 'SUCCEEDED',
            description: `session of ${c.owner}`,
            createdAt: CREATED_ISO,
            customer: { id: customerIdOf(c.accountId) },
            paymentMethod: { ...expectedPm(c, `${sessionId}9`), billingAddress: null, updatedAt: CREATED_ISO },
          },
        },
      },
      upstream: [callKey('GET', `${SESSION_PATH}/${sessionId}`), callKey('GET', `${PM_PATH}${sessionId}9`)],
    });

    // An update reads the method's type (loader), then PUTs; the body carries this operation's expiry.
    const updateId = ownPmId(c, i + 3);
    const month = (n % 12) + 1;
    const year = 2030 + (n % 5);
    ops.push({
      name: `${c.key} updatePaymentMethod #${n}`,
      caller: c,
      headers,
      query: `mutation Update($input: UpdatePaymentMethodInput!) { updatePaymentMethod(input: $input) {
        paymentMethod { ${PM_FIELDS} } userErrors { field code message } } }`,
      variables: { input: { id: updateId, card: { expiryMonth: month, expiryYear: year } } },
      expected: {
        data: { updatePaymentMethod: { paymentMethod: expectedPm(c, updateId, { month, year }), userErrors: [] } },
      },
      upstream: [
        callKey('GET', PM_PATH + updateId),
        callKey('PUT', PM_PATH + updateId, {
          type: 'card',
          card: { expiry_month: pad(month, 2), expiry_year: String(year % 100) },
        }),
      ],
    });

    const deleteId = ownPmId(c, i + 4);
    ops.push({
      name: `${c.key} deletePaymentMethod #${n}`,
      caller: c,
      headers,
      query: `mutation Delete($input: DeletePaymentMethodInput!) { deletePaymentMethod(input: $input) {
        deletedPaymentMethodId userErrors { field code message } } }`,
      variables: { input: { id: deleteId } },
      expected: { data: { deletePaymentMethod: { deletedPaymentMethodId: deleteId, userErrors: [] } } },
      upstream: [callKey('DELETE', PM_PATH + deleteId)],
    });

    const customerId = `${c.accountId}${pad(i + 5, 4)}`;
    const description = `card on file for ${c.key} #${n}`;
    ops.push({
      name: `${c.key} createPaymentMethodSession #${n}`,
      caller: c,
      headers,
      query: `mutation Create($input: CreatePaymentMethodSessionInput!) { createPaymentMethodSession(input: $input) {
        paymentMethodSession { id status description createdAt customer { id } } userErrors { field code message } } }`,
      variables: { input: { customerId, description } },
      expected: {
        data: {
          createPaymentMethodSession: {
            paymentMethodSession: {
              id: `${customerId}6`,
              status: 'CREATED',
              description: `${description} for ${c.owner}`,
              createdAt: CREATED_ISO,
              customer: { id: customerId },
            },
            userErrors: [],
          },
        },
      },
      upstream: [callKey('POST', SESSION_PATH, { customer_id: customerId, description })],
    });
  }
  return ops;
}

/** Requests with broken credentials, interleaved with the others: they must make no upstream call. */
function badCredentialOperations(): Operation[] {
  const [alice, bob] = CALLERS as [Caller, Caller];
  const query = 'query One($id: ID!) { paymentMethod(id: $id) { id customer { name } } }';
  const ops: Operation[] = [];
  for (let n = 0; n < 7; n += 1) {
    const variables = { id: ownPmId(alice, 9000 + n) };
    ops.push(
      {
        name: `alice's token with a malformed account id #${n}`,
        caller: undefined,
        headers: { authorization: alice.authorization, 'x-zoho-account-id': `${alice.accountId}x` },
        query,
        variables,
        expected: 'BAD_USER_INPUT',
        upstream: [],
      },
      {
        name: `a Bearer token with bob's account id #${n}`,
        caller: undefined,
        headers: { authorization: `Bearer ${bob.token}`, 'x-zoho-account-id': bob.accountId },
        query,
        variables,
        expected: 'UNAUTHENTICATED',
        upstream: [],
      },
      {
        name: `no credentials at all #${n}`,
        caller: undefined,
        headers: {},
        query,
        variables,
        expected: 'UNAUTHENTICATED',
        upstream: [],
      },
    );
  }
  return ops;
}

function shuffle<T>(items: T[]): T[] {
  const out = [...items];
  for (let i = out.length - 1; i > 0; i -= 1) {
    const j = Math.floor(Math.random() * (i + 1));
    [out[i], out[j]] = [out[j]!, out[i]!];
  }
  return out;
}

// ---------------------------------------------------------------------------------------------

describe('token isolation under concurrency (real HTTP gateway on loopback)', () => {
  let gateway: Gateway;
  let logs: ReturnType<typeof captureLogger>;
  let agent: http.Agent;
  const served = { requests: 0, inFlight: 0, peakInFlight: 0 };

  beforeAll(async () => {
    nock.enableNetConnect('127.0.0.1');
    logs = captureLogger();
    gateway = await startTestServer(testConfig({ ZOHO_TIMEOUT_MS: '5000' }), { logger: logs.logger, now: () => NOW });
    gateway.httpServer.prependListener('request', (req: http.IncomingMessage, res: http.ServerResponse) => {
      if (!req.url?.startsWith('/graphql')) return;
      served.requests += 1;
      served.inFlight += 1;
      served.peakInFlight = Math.max(served.peakInFlight, served.inFlight);
      res.on('close', () => {
        served.inFlight -= 1;
      });
    });
    agent = new http.Agent({ keepAlive: true, maxSockets: 256 });
  });

  afterAll(async () => {
    agent.destroy();
    await gateway.stop();
    nock.disableNetConnect();
  });

  test('the gateway listens on 127.0.0.1 and loopback calls reach it (not nock)', async () => {
    expect(gateway.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/graphql$/);
    const before = served.requests;
    const reply = await postGraphQL(gateway.url, { query: '{ __typename }' }, {}, agent);
    expect(reply.status).toBe(200);
    expect(jsonOf(reply)).toEqual({ data: { __typename: 'Query' } });
    expect(served.requests).toBe(before + 1);
    expect(upstreamCalls).toEqual([]);
  });

  test('500+ concurrent operations of 4 callers: each upstream call and each response belongs to one caller', async () => {
    installZoho();
    const goodOps = CALLERS.flatMap(operationsOf);
    const ops = shuffle([...goodOps, ...badCredentialOperations()]);
    expect(goodOps.length).toBeGreaterThanOrEqual(500);
    const requestsBefore = served.requests;

    // Should the calls never pile up, let the test go on (and fail on the concurrency check below).
    const safety = setTimeout(releaseHeldCalls, 5000);
    const replies: HttpReply[] = await Promise.all(
      ops.map((op) => postGraphQL(gateway.url, { query: op.query, variables: op.variables }, op.headers, agent)),
    );
    clearTimeout(safety);

    // Every operation went over loopback to the real server, many of them at the same time.
    expect(served.requests - requestsBefore).toBe(ops.length);
    expect(served.peakInFlight).toBeGreaterThanOrEqual(HELD_CALLS / 3);

    // 1. Every upstream call carried exactly one caller's token, with that same caller's account
    //    id, as the only query parameter, and asked for JSON; ids of a caller's account only
    //    travel with that caller's credentials.
    const violations: string[] = [];
    for (const call of upstreamCalls) {
      const owner = CALLERS.find((c) => c.authorization === call.authorization);
      const where = `${call.method} ${call.path}?${call.queryKeys.join('&')}`;
      if (!owner) violations.push(`${where}: authorization is not one caller's token`);
      else if (call.accountId !== owner.accountId) {
        const other = CALLERS.find((c) => c.accountId === call.accountId);
        violations.push(`${where}: ${owner.key}'s token with account ${call.accountId} (${other?.key ?? 'nobody'}'s)`);
      }
      if (canonical(call.queryKeys) !== canonical(['account_id'])) violations.push(`${where}: query is not exactly account_id`);
      if (call.accept !== 'application/json') violations.push(`${where}: accept is ${String(call.accept)}`);
      const idOwner = CALLERS.find((c) => call.path.split('/').pop()?.startsWith(c.accountId));
      if (idOwner && owner && idOwner !== owner) violations.push(`${where}: ${idOwner.key}'s id sent with ${owner.key}'s token`);
    }
    expect(violations).toEqual([]);

    // 2. Each caller made exactly the upstream calls its own operations needed (no more: nothing
    //    from another request; no fewer: nothing served from another request's cache or loader).
    for (const caller of CALLERS) {
      const expected = goodOps.filter((op) => op.caller === caller).flatMap((op) => op.upstream).sort();
      const actual = upstreamCalls
        .filter((call) => call.authorization === caller.authorization)
        .map((call) => callKey(call.method, call.path, call.body))
        .sort();
      expect({ caller: caller.key, calls: actual }).toEqual({ caller: caller.key, calls: expected });
    }
    expect(upstreamCalls).toHaveLength(goodOps.reduce((sum, op) => sum + op.upstream.length, 0));

    // The random delays really did reorder Zoho's replies relative to the calls.
    expect(upstreamCompletionOrder).toHaveLength(upstreamCalls.length);
    expect(upstreamCompletionOrder).not.toEqual([...upstreamCompletionOrder].sort((x, y) => x - y));

    // 3. Every GraphQL response holds exactly its own caller's data, and nothing of another caller.
    const wrong: string[] = [];
    ops.forEach((op, index) => {
      const reply = replies[index]!;
      const body = jsonOf<{ data?: unknown; errors?: Array<{ extensions?: { code?: unknown } }> }>(reply);
      if (op.caller) {
        if (reply.status !== 200 || canonical(body) !== canonical(op.expected)) {
          wrong.push(`${op.name}: HTTP ${reply.status} ${reply.text.slice(0, 400)}`);
        }
      } else {
        const codes = (body.errors ?? []).map((e) => e.extensions?.code);
        if (canonical(body.data) !== canonical({ paymentMethod: null }) || canonical(codes) !== canonical([op.expected])) {
          wrong.push(`${op.name}: HTTP ${reply.status} ${reply.text.slice(0, 400)}`);
        }
      }
      for (const other of CALLERS.filter((c) => c !== op.caller)) {
        for (const secret of [other.owner, other.email, other.accountId, other.token]) {
          if (reply.text.includes(secret)) {
            wrong.push(`${op.name}: response holds ${other.key}'s ${secret}`);
          }
        }
      }
    });
    expect(wrong).toEqual([]);

    // No token reached the logs.
    const logText = logs.text();
    expect(CALLERS.filter((c) => logText.includes(c.token)).map((c) => c.key)).toEqual([]);
  });
});
