/**
 * Idempotent mutations (contract.md, "Additions of 2026-12"; README.md, "Idempotent mutations"),
 * through the real server with only Zoho mocked: every upstream call is declared with its method,
 * path, exact query, headers and (for POST/PUT) exact body, so a second write that should not
 * happen has no interceptor and fails the operation, and an interceptor left unused fails the test.
 */
import http from 'node:http';
import nock from 'nock';
import { buildContext } from '../../src/context';
import { zohoCredentials } from '../../src/credentials';
import { canonicalJson, idempotencyLeaseMs, inputFingerprint, scopedKey } from '../../src/idempotency/idempotency';
import { MemoryIdempotencyStore } from '../../src/idempotency/memory-store';
import { IDEMPOTENCY_TTL_MS, type ClaimResult, type IdempotencyOutcome, type IdempotencyStore } from '../../src/idempotency/store';
import {
  ACCOUNT_ID,
  AUTHORIZATION,
  CALLER_HEADERS,
  NOW,
  TEST_FETCHER,
  TOKEN,
  ZOHO_API_URL,
  captureLogger,
  createTestGateway,
  seed,
  startTestServer,
  testConfig,
  withoutUpstreamCalls,
  zoho,
  type OperationResult,
  type TestGateway,
} from '../helpers';
import { ACH_ID, achPaymentMethod } from '../fixtures/payment-methods';

type Json = Record<string, unknown>;

const CARD_ID = '1987000000724211';
const CUSTOMER_ID = '1987000000724207';
const SESSION_ID = '1987000000724209';
const OTHER_SESSION_ID = '1987000000724300';
const DESCRIPTION = 'Payment method session for customer 1987000000724207';
const KEY = 'checkout-7f3c2a9e-retry-safe';

/** A second token of the same account, and a caller of another account. */
const OTHER_TOKEN = '1000.5e6f7a8b9c0d.1a2b3c4d5e6f';
const OTHER_AUTHORIZATION = `Zoho-oauthtoken ${OTHER_TOKEN}`;
const OTHER_TOKEN_HEADERS = { authorization: OTHER_AUTHORIZATION, 'x-zoho-account-id': ACCOUNT_ID };
const OTHER_ACCOUNT_ID = '99887766';
const OTHER_ACCOUNT_HEADERS = { authorization: AUTHORIZATION, 'x-zoho-account-id': OTHER_ACCOUNT_ID };

const CREATE = `mutation Create($input: CreatePaymentMethodSessionInput!) {
  createPaymentMethodSession(input: $input) {
    paymentMethodSession { id status description customer { id } }
    userErrors { field code message }
  }
}`;
const UPDATE = `mutation Update($input: UpdatePaymentMethodInput!) {
  updatePaymentMethod(input: $input) {
    paymentMethod { id details { ... on CardDetails { expiryMonth expiryYear } ... on AchDebitDetails { accountHolderType } } }
    userErrors { field code message }
  }
}`;
const DELETE = `mutation Delete($input: DeletePaymentMethodInput!) {
  deletePaymentMethod(input: $input) { deletedPaymentMethodId userErrors { field code message } }
}`;

const sessionReply = (id = SESSION_ID, description: string | undefined = DESCRIPTION): Json => ({
  code: 0,
  message: 'success',
  payment_method_session: {
    payment_method_session_id: id,
    customer_id: CUSTOMER_ID,
    ...(description !== undefined && { description }),
    created_time: 1708950672,
  },
});
const retrievedSession = (): Json => seed('retrieve-session.response');
const card = (month: string, year: string): Json => {
  const base = seed<{ payment_method: Json }>('retrieve-payment-method.response').payment_method;
  return { ...base, card: { ...(base['card'] as Json), expiry_month: month, expiry_year: year } };
};
const methodReply = (paymentMethod: Json) => ({ code: 0, message: 'success', payment_method: paymentMethod });
const NOT_FOUND = { code: 'resource_does_not_exist', message: 'The requested resource does not exist.' };

const sessionsPath = '/api/v1/paymentmethodsessions';
const methodPath = (id: string) => `/api/v1/paymentmethods/${id}`;
const postSession = (body: nock.DataMatcherMap, account = ACCOUNT_ID, authorization = AUTHORIZATION) =>
  zoho(authorization).matchHeader('content-type', /^application\/json/).post(sessionsPath, body).query({ account_id: account });
const getSession = (id: string, authorization = AUTHORIZATION, account = ACCOUNT_ID) =>
  zoho(authorization).get(`${sessionsPath}/${id}`).query({ account_id: account });
const getMethod = (id: string, authorization = AUTHORIZATION) => zoho(authorization).get(methodPath(id)).query({ account_id: ACCOUNT_ID });
const putMethod = (id: string, body: nock.DataMatcherMap) =>
  zoho().matchHeader('content-type', /^application\/json/).put(methodPath(id), body).query({ account_id: ACCOUNT_ID });
const deleteMethod = (id: string) => zoho().delete(methodPath(id)).query({ account_id: ACCOUNT_ID });

const createInput = (extra: Json = {}) => ({ customerId: CUSTOMER_ID, description: DESCRIPTION, idempotencyKey: KEY, ...extra });
const newSession = (id = SESSION_ID) => ({ id, status: 'CREATED', description: DESCRIPTION, customer: { id: CUSTOMER_ID } });
const userError = (field: string[] | null, code: string) => ({ field, code, message: expect.any(String) });
const codesOf = (r: OperationResult) => (r.errors ?? []).map((e) => e.extensions?.['code']);

let gw: TestGateway;
let running: TestGateway | undefined;
afterEach(async () => {
  await running?.stop();
  running = undefined;
});

/** A new gateway for the test (stopping the one a beforeEach made, when a test needs other options). */
async function gateway(options: Parameters<typeof createTestGateway>[0] = {}): Promise<TestGateway> {
  await running?.stop();
  gw = await createTestGateway(options);
  running = gw;
  return gw;
}

/** Runs an operation and reads its result as a client would, through JSON. */
const run = async (query: string, variables?: Json, headers?: Record<string, string>): Promise<OperationResult> =>
  JSON.parse(JSON.stringify(await gw.execute(query, variables, headers))) as OperationResult;
const calls = () => gw.lastUpstreamCalls().map((call) => `${call.method} ${call.path}`);

/** The operations' log lines, parsed. */
const operationLines = () =>
  gw.logs
    .lines()
    .map((line) => JSON.parse(line) as Json)
    .filter((line) => line['msg'] === 'graphql operation');

/** A settable clock for the store's TTL. */
function manualClock(start = 0) {
  let now = start;
  return { now: () => now, advance: (ms: number) => (now += ms) };
}

describe('createPaymentMethodSession with an idempotencyKey', () => {
  beforeEach(() => gateway());

  it('makes one POST: a retry is answered with the same session, read back from Zoho (GET), not created again', async () => {
    postSession({ customer_id: CUSTOMER_ID, description: DESCRIPTION }).reply(201, sessionReply());
    const first = await run(CREATE, { input: createInput() });
    expect(first).toEqual({ data: { createPaymentMethodSession: { paymentMethodSession: newSession(), userErrors: [] } } });
    expect(calls()).toEqual([`POST ${sessionsPath}`]);

    // The session as Zoho shows it now (the customer has completed it meanwhile): a re-read, not the stored reply.
    getSession(SESSION_ID).reply(200, retrievedSession());
    const retry = await run(CREATE, { input: createInput() });
    expect(retry).toEqual({
      data: {
        createPaymentMethodSession: {
          paymentMethodSession: { id: SESSION_ID, status: 'SUCCEEDED', description: null, customer: { id: CUSTOMER_ID } },
          userErrors: [],
        },
      },
    });
    expect(calls()).toEqual([`GET ${sessionsPath}/${SESSION_ID}`]);
  });

  it('a store that fails once while recording the created session is asked again: the record is kept, and a retry reads the session instead of creating a second', async () => {
    const store = new MemoryIdempotencyStore();
    let completeCalls = 0;
    const blipsOnce: IdempotencyStore = {
      claim: (...args) => store.claim(...args),
      release: (...args) => store.release(...args),
      settled: (...args) => store.settled(...args),
      complete: async (...args) => {
        completeCalls += 1;
        if (completeCalls === 1) throw new Error('Redis did not answer within REDIS_TIMEOUT_MS');
        return store.complete(...args);
      },
    };
    await gateway({ idempotencyStore: blipsOnce });
    postSession({ customer_id: CUSTOMER_ID, description: DESCRIPTION }).reply(201, sessionReply());
    const first = await run(CREATE, { input: createInput() });
    expect(first.data?.createPaymentMethodSession).toEqual({ paymentMethodSession: newSession(), userErrors: [] });
    expect(completeCalls).toBe(2);
    getSession(SESSION_ID).reply(200, retrievedSession());
    const retry = await run(CREATE, { input: createInput() });
    expect(retry.data?.createPaymentMethodSession.paymentMethodSession).toMatchObject({ id: SESSION_ID });
    expect(calls()).toEqual([`GET ${sessionsPath}/${SESSION_ID}`]);
  });

  it('replays within one operation too: a second alias with the same key and input reads the session instead of creating one', async () => {
    postSession({ customer_id: CUSTOMER_ID }).reply(201, sessionReply(SESSION_ID, undefined));
    getSession(SESSION_ID).reply(200, retrievedSession());
    const input = `{ customerId: "${CUSTOMER_ID}", idempotencyKey: "${KEY}" }`;
    const r = await run(`mutation {
      a: createPaymentMethodSession(input: ${input}) { paymentMethodSession { id status } userErrors { code } }
      b: createPaymentMethodSession(input: ${input}) { paymentMethodSession { id status } userErrors { code } }
    }`);
    expect(r).toEqual({
      data: {
        a: { paymentMethodSession: { id: SESSION_ID, status: 'CREATED' }, userErrors: [] },
        b: { paymentMethodSession: { id: SESSION_ID, status: 'SUCCEEDED' }, userErrors: [] },
      },
    });
    expect(calls()).toEqual([`POST ${sessionsPath}`, `GET ${sessionsPath}/${SESSION_ID}`]);
  });

  it('without a key (or with a null one) every call writes: two identical creates are two POSTs', async () => {
    postSession({ customer_id: CUSTOMER_ID, description: DESCRIPTION }).reply(201, sessionReply(SESSION_ID));
    postSession({ customer_id: CUSTOMER_ID, description: DESCRIPTION }).reply(201, sessionReply(OTHER_SESSION_ID));
    const a = await run(CREATE, { input: createInput({ idempotencyKey: undefined }) });
    const b = await run(CREATE, { input: createInput({ idempotencyKey: null }) });
    expect(a.data?.createPaymentMethodSession.paymentMethodSession.id).toBe(SESSION_ID);
    expect(b.data?.createPaymentMethodSession.paymentMethodSession.id).toBe(OTHER_SESSION_ID);
  });

  describe("a replay reads with the replaying caller's own token", () => {
    it('another token of the account that Zoho accepts gets the session as Zoho shows it to that token', async () => {
      postSession({ customer_id: CUSTOMER_ID, description: DESCRIPTION }).reply(201, sessionReply());
      await run(CREATE, { input: createInput() });
      getSession(SESSION_ID, OTHER_AUTHORIZATION).reply(200, retrievedSession());
      const r = await run(CREATE, { input: createInput() }, OTHER_TOKEN_HEADERS);
      expect(r.data?.createPaymentMethodSession).toEqual({
        paymentMethodSession: expect.objectContaining({ id: SESSION_ID, status: 'SUCCEEDED' }),
        userErrors: [],
      });
      expect(calls()).toEqual([`GET ${sessionsPath}/${SESSION_ID}`]);
    });

    it.each([
      [401, { code: 'INVALID_OAUTHTOKEN', message: 'Invalid OAuth token.' }, 'UNAUTHENTICATED'],
      [403, { code: 'INSUFFICIENT_SCOPE', message: 'The token lacks the scope.' }, 'FORBIDDEN'],
    ])("a token that Zoho answers %i gets Zoho's answer (%p), never the session the first token created", async (status, body, code) => {
      postSession({ customer_id: CUSTOMER_ID, description: DESCRIPTION }).reply(201, sessionReply());
      await run(CREATE, { input: createInput() });
      getSession(SESSION_ID, OTHER_AUTHORIZATION).reply(status, body);
      const r = await run(CREATE, { input: createInput() }, OTHER_TOKEN_HEADERS);
      expect(r.data).toBeNull();
      expect(codesOf(r)).toEqual([code]);
      expect(r.errors?.[0]?.extensions?.['upstreamStatus']).toBe(status);
      expect(JSON.stringify(r)).not.toContain(SESSION_ID);
      expect(calls()).toEqual([`GET ${sessionsPath}/${SESSION_ID}`]);
    });

    it("a token to which Zoho shows no such session (404) gets NOT_FOUND on the key, not the first token's session", async () => {
      postSession({ customer_id: CUSTOMER_ID, description: DESCRIPTION }).reply(201, sessionReply());
      await run(CREATE, { input: createInput() });
      getSession(SESSION_ID, OTHER_AUTHORIZATION).reply(404, { code: 'invalid_payment_session', message: 'No such session.' });
      const r = await run(CREATE, { input: createInput() }, OTHER_TOKEN_HEADERS);
      expect(r.data?.createPaymentMethodSession).toEqual({
        paymentMethodSession: null,
        userErrors: [userError(['input', 'idempotencyKey'], 'NOT_FOUND')],
      });
    });
  });

  it("replays the first call's userErrors (same codes and fields) without calling Zoho again", async () => {
    postSession({ customer_id: CUSTOMER_ID, description: DESCRIPTION }).reply(404, NOT_FOUND);
    const first = await run(CREATE, { input: createInput() });
    expect(first.data?.createPaymentMethodSession).toEqual({
      paymentMethodSession: null,
      userErrors: [userError(['input', 'customerId'], 'NOT_FOUND')],
    });
    const retry = await withoutUpstreamCalls(() => run(CREATE, { input: createInput() }));
    expect(retry.data?.createPaymentMethodSession).toEqual({
      paymentMethodSession: null,
      userErrors: [{ field: ['input', 'customerId'], code: 'NOT_FOUND', message: expect.stringMatching(/first call with this idempotencyKey/) }],
    });
  });

  it.each([
    ['a 500', (i: nock.Interceptor) => i.reply(500, { code: 'error', message: 'Internal error' }), 'UPSTREAM_ERROR'],
    ['a 503', (i: nock.Interceptor) => i.reply(503, { code: 'error', message: 'Unavailable' }), 'UPSTREAM_ERROR'],
    ['a 429', (i: nock.Interceptor) => i.reply(429, { code: 'rate_limit_exceeded', message: 'Slow down.' }, { 'retry-after': '30' }), 'RATE_LIMITED'],
  ])('stores no upstream failure (%s): the key is free again, and the retry writes', async (_, fail, code) => {
    fail(postSession({ customer_id: CUSTOMER_ID, description: DESCRIPTION }));
    const first = await run(CREATE, { input: createInput() });
    expect(codesOf(first)).toEqual([code]);
    postSession({ customer_id: CUSTOMER_ID, description: DESCRIPTION }).reply(201, sessionReply());
    const retry = await run(CREATE, { input: createInput() });
    expect(retry.data?.createPaymentMethodSession).toEqual({ paymentMethodSession: newSession(), userErrors: [] });
    expect(calls()).toEqual([`POST ${sessionsPath}`]);
  });

  it('stores no time-out (UPSTREAM_TIMEOUT): the key is free again, and the retry writes', async () => {
    await gateway({ zohoTimeoutMs: 150 });
    postSession({ customer_id: CUSTOMER_ID, description: DESCRIPTION }).delay(400).reply(201, sessionReply(OTHER_SESSION_ID));
    expect(codesOf(await run(CREATE, { input: createInput() }))).toEqual(['UPSTREAM_TIMEOUT']);
    postSession({ customer_id: CUSTOMER_ID, description: DESCRIPTION }).reply(201, sessionReply());
    expect((await run(CREATE, { input: createInput() })).data?.createPaymentMethodSession).toEqual({ paymentMethodSession: newSession(), userErrors: [] });
  });

  it('stores no rejected token (401): the same key with a token Zoho accepts then writes', async () => {
    postSession({ customer_id: CUSTOMER_ID, description: DESCRIPTION }, ACCOUNT_ID, OTHER_AUTHORIZATION).reply(401, {
      code: 'INVALID_OAUTHTOKEN',
      message: 'Invalid OAuth token.',
    });
    expect(codesOf(await run(CREATE, { input: createInput() }, OTHER_TOKEN_HEADERS))).toEqual(['UNAUTHENTICATED']);
    postSession({ customer_id: CUSTOMER_ID, description: DESCRIPTION }).reply(201, sessionReply());
    const r = await run(CREATE, { input: createInput() });
    expect(r.data?.createPaymentMethodSession.paymentMethodSession).toEqual(newSession());
  });

  it.each([
    ['another description', createInput({ description: 'Another session' })],
    ['no description', createInput({ description: undefined })],
    ['another customer', createInput({ customerId: '1987000000724300' })],
  ])('answers the same key with a different input (%s) with IDEMPOTENCY_CONFLICT, without calling Zoho', async (_, input) => {
    postSession({ customer_id: CUSTOMER_ID, description: DESCRIPTION }).reply(201, sessionReply());
    await run(CREATE, { input: createInput() });
    const r = await withoutUpstreamCalls(() => run(CREATE, { input }));
    expect(r.data?.createPaymentMethodSession).toEqual({
      paymentMethodSession: null,
      userErrors: [userError(['input', 'idempotencyKey'], 'IDEMPOTENCY_CONFLICT')],
    });
  });

  it('a key is one request: used again by another mutation, it is IDEMPOTENCY_CONFLICT', async () => {
    postSession({ customer_id: CUSTOMER_ID, description: DESCRIPTION }).reply(201, sessionReply());
    await run(CREATE, { input: createInput() });
    const r = await withoutUpstreamCalls(() => run(DELETE, { input: { id: CARD_ID, idempotencyKey: KEY } }));
    expect(r.data?.deletePaymentMethod).toEqual({
      deletedPaymentMethodId: null,
      userErrors: [userError(['input', 'idempotencyKey'], 'IDEMPOTENCY_CONFLICT')],
    });
  });

  it('"the same input" is the validated input: a null description and none are the same', async () => {
    postSession({ customer_id: CUSTOMER_ID }).reply(201, sessionReply(SESSION_ID, undefined));
    await run(CREATE, { input: { customerId: CUSTOMER_ID, idempotencyKey: KEY } });
    getSession(SESSION_ID).reply(200, retrievedSession());
    const r = await run(CREATE, { input: { customerId: CUSTOMER_ID, description: null, idempotencyKey: KEY } });
    expect(r.data?.createPaymentMethodSession.paymentMethodSession.id).toBe(SESSION_ID);
    expect(calls()).toEqual([`GET ${sessionsPath}/${SESSION_ID}`]);
  });

  describe('the key', () => {
    it.each([
      ['empty', ''],
      ['256 characters', 'k'.repeat(256)],
      ['non-ASCII', 'clé-42'],
      ['a tab', 'key\twith-tab'],
      ['a newline', 'key\n'],
      ['a NUL', 'key\u0000'],
      ['DEL (0x7f)', 'key\u007f'],
    ])('refuses a key that is %s as INVALID on ["input","idempotencyKey"], before any call', async (_, idempotencyKey) => {
      const r = await withoutUpstreamCalls(() => run(CREATE, { input: createInput({ idempotencyKey }) }));
      expect(r.data?.createPaymentMethodSession).toEqual({
        paymentMethodSession: null,
        userErrors: [userError(['input', 'idempotencyKey'], 'INVALID')],
      });
    });

    it('reports a bad key beside the input\'s other mistakes', async () => {
      const r = await withoutUpstreamCalls(() => run(CREATE, { input: { customerId: 'cust_1', idempotencyKey: '' } }));
      expect(r.data?.createPaymentMethodSession.userErrors).toEqual([
        userError(['input', 'customerId'], 'INVALID'),
        userError(['input', 'idempotencyKey'], 'INVALID'),
      ]);
    });

    it.each([
      ['255 characters', 'k'.repeat(255)],
      ['one space', ' '],
      ['every printable ASCII punctuation', '!"#$%&\'()*+,-./:;<=>?@[\\]^_`{|}~'],
    ])('accepts a key of %s, compared exactly (no trimming, case-sensitive)', async (_, idempotencyKey) => {
      postSession({ customer_id: CUSTOMER_ID, description: DESCRIPTION }).reply(201, sessionReply());
      const r = await run(CREATE, { input: createInput({ idempotencyKey }) });
      expect(r.data?.createPaymentMethodSession.userErrors).toEqual([]);
      // A key that differs only in case, or by a trailing space, is another key: a second write.
      const variant = idempotencyKey.length < 255 ? `${idempotencyKey} ` : `${idempotencyKey.slice(0, -1)}K`;
      postSession({ customer_id: CUSTOMER_ID, description: DESCRIPTION }).reply(201, sessionReply(OTHER_SESSION_ID));
      const other = await run(CREATE, { input: createInput({ idempotencyKey: variant }) });
      expect(other.data?.createPaymentMethodSession.paymentMethodSession.id).toBe(OTHER_SESSION_ID);
    });
  });

  it("is scoped to the caller's account: the same key on two accounts makes two writes, each in its own account", async () => {
    postSession({ customer_id: CUSTOMER_ID, description: DESCRIPTION }).reply(201, sessionReply(SESSION_ID));
    postSession({ customer_id: CUSTOMER_ID, description: DESCRIPTION }, OTHER_ACCOUNT_ID).reply(201, sessionReply(OTHER_SESSION_ID));
    const a = await run(CREATE, { input: createInput() });
    const b = await run(CREATE, { input: createInput() }, OTHER_ACCOUNT_HEADERS);
    expect(a.data?.createPaymentMethodSession.paymentMethodSession.id).toBe(SESSION_ID);
    expect(b.data?.createPaymentMethodSession.paymentMethodSession.id).toBe(OTHER_SESSION_ID);
    // Each account's retry replays its own session.
    getSession(OTHER_SESSION_ID, AUTHORIZATION, OTHER_ACCOUNT_ID).reply(200, sessionReply(OTHER_SESSION_ID));
    const retry = await run(CREATE, { input: createInput() }, OTHER_ACCOUNT_HEADERS);
    expect(retry.data?.createPaymentMethodSession.paymentMethodSession.id).toBe(OTHER_SESSION_ID);
  });
});

describe('updatePaymentMethod with an idempotencyKey', () => {
  beforeEach(() => gateway());
  const input = (extra: Json = {}) => ({ id: CARD_ID, card: { expiryMonth: 3, expiryYear: 2027 }, idempotencyKey: KEY, ...extra });

  it('makes one PUT: a retry reads the method with its own token (GET) and sends no PUT', async () => {
    getMethod(CARD_ID).reply(200, seed('retrieve-payment-method.response'));
    putMethod(CARD_ID, { type: 'card', card: { expiry_month: '03', expiry_year: '27' } }).reply(200, methodReply(card('03', '27')));
    const first = await run(UPDATE, { input: input() });
    expect(first.data?.updatePaymentMethod).toEqual({
      paymentMethod: { id: CARD_ID, details: { expiryMonth: 3, expiryYear: 2027 } },
      userErrors: [],
    });
    expect(calls()).toEqual([`GET ${methodPath(CARD_ID)}`, `PUT ${methodPath(CARD_ID)}`]);

    // Changed since by someone else: the replay shows Zoho's current state, not a stored reply.
    getMethod(CARD_ID).reply(200, methodReply(card('05', '29')));
    const retry = await run(UPDATE, { input: input() });
    expect(retry.data?.updatePaymentMethod).toEqual({
      paymentMethod: { id: CARD_ID, details: { expiryMonth: 5, expiryYear: 2029 } },
      userErrors: [],
    });
    expect(calls()).toEqual([`GET ${methodPath(CARD_ID)}`]);
  });

  it("a replaying token that lacks READ gets Zoho's 403 (FORBIDDEN), not the method", async () => {
    getMethod(CARD_ID).reply(200, seed('retrieve-payment-method.response'));
    putMethod(CARD_ID, { type: 'card', card: { expiry_month: '03', expiry_year: '27' } }).reply(200, methodReply(card('03', '27')));
    await run(UPDATE, { input: input() });
    getMethod(CARD_ID, OTHER_AUTHORIZATION).reply(403, { code: 'INSUFFICIENT_SCOPE', message: 'The token lacks the scope.' });
    const r = await run(UPDATE, { input: input() }, OTHER_TOKEN_HEADERS);
    expect(r.data).toBeNull();
    expect(codesOf(r)).toEqual(['FORBIDDEN']);
    expect(JSON.stringify(r)).not.toContain('3212');
  });

  it('replays TYPE_MISMATCH found after the first read, without a second read', async () => {
    getMethod(ACH_ID).reply(200, methodReply(achPaymentMethod()));
    const first = await run(UPDATE, { input: input({ id: ACH_ID }) });
    expect(first.data?.updatePaymentMethod.userErrors).toEqual([userError(['input', 'card'], 'TYPE_MISMATCH')]);
    const retry = await withoutUpstreamCalls(() => run(UPDATE, { input: input({ id: ACH_ID }) }));
    expect(retry.data?.updatePaymentMethod).toEqual({ paymentMethod: null, userErrors: [userError(['input', 'card'], 'TYPE_MISMATCH')] });
  });

  it('stores no failure of the first read (a 502 before any PUT): the retry reads and writes', async () => {
    getMethod(CARD_ID).reply(502, '<html>Bad gateway</html>');
    expect(codesOf(await run(UPDATE, { input: input() }))).toEqual(['UPSTREAM_ERROR']);
    getMethod(CARD_ID).reply(200, seed('retrieve-payment-method.response'));
    putMethod(CARD_ID, { type: 'card', card: { expiry_month: '03', expiry_year: '27' } }).reply(200, methodReply(card('03', '27')));
    expect((await run(UPDATE, { input: input() })).data?.updatePaymentMethod.userErrors).toEqual([]);
    expect(calls()).toEqual([`GET ${methodPath(CARD_ID)}`, `PUT ${methodPath(CARD_ID)}`]);
  });

  it('"the same input" is the validated input: a lower-case country and null fields match the first call', async () => {
    const address = { city: 'Detroit', country: 'US' };
    getMethod(CARD_ID).reply(200, seed('retrieve-payment-method.response'));
    putMethod(CARD_ID, { type: 'card', card: { expiry_month: '03', expiry_year: '27' }, billing_address: address }).reply(
      200,
      methodReply({ ...card('03', '27'), billing_address: address }),
    );
    await run(UPDATE, { input: input({ billingAddress: { city: 'Detroit', country: 'US' } }) });
    getMethod(CARD_ID).reply(200, methodReply({ ...card('03', '27'), billing_address: address }));
    const r = await run(UPDATE, { input: input({ billingAddress: { city: 'Detroit', country: 'us', name: null } }) });
    expect(r.data?.updatePaymentMethod.userErrors).toEqual([]);
    expect(calls()).toEqual([`GET ${methodPath(CARD_ID)}`]);
  });

  it('answers another expiry under the same key with IDEMPOTENCY_CONFLICT, without calling Zoho', async () => {
    getMethod(CARD_ID).reply(200, seed('retrieve-payment-method.response'));
    putMethod(CARD_ID, { type: 'card', card: { expiry_month: '03', expiry_year: '27' } }).reply(200, methodReply(card('03', '27')));
    await run(UPDATE, { input: input() });
    const r = await withoutUpstreamCalls(() => run(UPDATE, { input: input({ card: { expiryMonth: 4, expiryYear: 2027 } }) }));
    expect(r.data?.updatePaymentMethod.userErrors).toEqual([userError(['input', 'idempotencyKey'], 'IDEMPOTENCY_CONFLICT')]);
  });

  it('refuses a bad key as INVALID beside a bad expiry, before any call', async () => {
    const r = await withoutUpstreamCalls(() => run(UPDATE, { input: input({ card: { expiryMonth: 13, expiryYear: 2027 }, idempotencyKey: 'k'.repeat(300) }) }));
    expect(r.data?.updatePaymentMethod.userErrors).toEqual([
      userError(['input', 'card', 'expiryMonth'], 'INVALID'),
      userError(['input', 'idempotencyKey'], 'INVALID'),
    ]);
  });
});

describe('deletePaymentMethod with an idempotencyKey', () => {
  beforeEach(() => gateway());
  const input = { id: CARD_ID, idempotencyKey: KEY };

  it("makes one DELETE: a retry lets Zoho check its token with a read (404: gone, as expected) and answers the deleted id", async () => {
    deleteMethod(CARD_ID).reply(200, seed('delete-payment-method.response'));
    expect((await run(DELETE, { input })).data?.deletePaymentMethod).toEqual({ deletedPaymentMethodId: CARD_ID, userErrors: [] });
    getMethod(CARD_ID).reply(404, NOT_FOUND);
    const retry = await run(DELETE, { input });
    expect(retry.data?.deletePaymentMethod).toEqual({ deletedPaymentMethodId: CARD_ID, userErrors: [] });
    expect(calls()).toEqual([`GET ${methodPath(CARD_ID)}`]);
  });

  it.each([
    [401, 'UNAUTHENTICATED'],
    [403, 'FORBIDDEN'],
  ])("a replaying token that Zoho answers %i gets %s, not the first call's success", async (status, code) => {
    deleteMethod(CARD_ID).reply(200, seed('delete-payment-method.response'));
    await run(DELETE, { input });
    getMethod(CARD_ID, OTHER_AUTHORIZATION).reply(status, { code: 'error', message: 'Refused.' });
    const r = await run(DELETE, { input }, OTHER_TOKEN_HEADERS);
    expect(r.data).toBeNull();
    expect(codesOf(r)).toEqual([code]);
  });

  it("replays NOT_FOUND from Zoho's DELETE without calling Zoho again", async () => {
    deleteMethod(CARD_ID).reply(404, NOT_FOUND);
    expect((await run(DELETE, { input })).data?.deletePaymentMethod.userErrors).toEqual([userError(['input', 'id'], 'NOT_FOUND')]);
    const retry = await withoutUpstreamCalls(() => run(DELETE, { input }));
    expect(retry.data?.deletePaymentMethod).toEqual({ deletedPaymentMethodId: null, userErrors: [userError(['input', 'id'], 'NOT_FOUND')] });
  });
});

describe('records: 24 hours, bounded, ids and hashes only', () => {
  it('keeps a record 24 hours (injected clock): a retry just before replays, one just after writes again', async () => {
    const clock = manualClock(1_800_000_000_000);
    await gateway({ idempotencyStore: new MemoryIdempotencyStore({ now: clock.now }) });
    postSession({ customer_id: CUSTOMER_ID, description: DESCRIPTION }).reply(201, sessionReply(SESSION_ID));
    await run(CREATE, { input: createInput() });

    clock.advance(IDEMPOTENCY_TTL_MS - 1);
    getSession(SESSION_ID).reply(200, retrievedSession());
    expect((await run(CREATE, { input: createInput() })).data?.createPaymentMethodSession.paymentMethodSession.id).toBe(SESSION_ID);
    expect(calls()).toEqual([`GET ${sessionsPath}/${SESSION_ID}`]);

    clock.advance(1);
    postSession({ customer_id: CUSTOMER_ID, description: DESCRIPTION }).reply(201, sessionReply(OTHER_SESSION_ID));
    expect((await run(CREATE, { input: createInput() })).data?.createPaymentMethodSession.paymentMethodSession.id).toBe(OTHER_SESSION_ID);
    expect(calls()).toEqual([`POST ${sessionsPath}`]);
  });

  it('when full, refuses a new key with SERVICE_UNAVAILABLE and no Zoho call, still answers the keys it holds, and frees room as records expire', async () => {
    const clock = manualClock();
    await gateway({ idempotencyStore: new MemoryIdempotencyStore({ maxKeys: 2, now: clock.now }) });
    postSession({ customer_id: CUSTOMER_ID, description: DESCRIPTION }).reply(201, sessionReply(SESSION_ID));
    postSession({ customer_id: CUSTOMER_ID, description: DESCRIPTION }).reply(201, sessionReply(OTHER_SESSION_ID));
    await run(CREATE, { input: createInput({ idempotencyKey: 'k1' }) });
    clock.advance(1000);
    await run(CREATE, { input: createInput({ idempotencyKey: 'k2' }) });

    const refused = await withoutUpstreamCalls(() => run(CREATE, { input: createInput({ idempotencyKey: 'k3' }) }));
    expect(refused.data).toBeNull();
    expect(codesOf(refused)).toEqual(['SERVICE_UNAVAILABLE']);
    expect(refused.errors?.[0]?.message).toMatch(/idempotency store is full/);
    expect(gw.logs.text()).toContain('idempotency store full');

    // A key it holds is still answered, and a mutation without a key still runs.
    getSession(SESSION_ID).reply(200, retrievedSession());
    expect((await run(CREATE, { input: createInput({ idempotencyKey: 'k1' }) })).data?.createPaymentMethodSession.paymentMethodSession.id).toBe(SESSION_ID);
    postSession({ customer_id: CUSTOMER_ID, description: DESCRIPTION }).reply(201, sessionReply(SESSION_ID));
    expect((await run(CREATE, { input: createInput({ idempotencyKey: undefined }) })).data?.createPaymentMethodSession.userErrors).toEqual([]);

    // k1 expires first: room for k3 again.
    clock.advance(IDEMPOTENCY_TTL_MS - 1000);
    postSession({ customer_id: CUSTOMER_ID, description: DESCRIPTION }).reply(201, sessionReply(SESSION_ID));
    expect((await run(CREATE, { input: createInput({ idempotencyKey: 'k3' }) })).data?.createPaymentMethodSession.userErrors).toEqual([]);
  });

  it('stores only a hash of account and key, a hash of the input, the outcome kind and the resource id: no payload, token or card data', async () => {
    const written: unknown[] = [];
    const memory = new MemoryIdempotencyStore();
    const recording: IdempotencyStore = {
      claim: (key, inputHash, leaseMs) => (written.push({ key, inputHash }), memory.claim(key, inputHash, leaseMs)),
      complete: (key, claimId, outcome) => (written.push({ key, outcome }), memory.complete(key, claimId, outcome)),
      release: (key, claimId) => memory.release(key, claimId),
      settled: (key, timeoutMs) => memory.settled(key, timeoutMs),
    };
    await gateway({ idempotencyStore: recording });
    postSession({ customer_id: CUSTOMER_ID, description: DESCRIPTION }).reply(201, sessionReply());
    await run(CREATE, { input: createInput() });
    getMethod(CARD_ID).reply(200, seed('retrieve-payment-method.response'));
    putMethod(CARD_ID, { type: 'card', card: { expiry_month: '03', expiry_year: '27' } }).reply(200, methodReply(card('03', '27')));
    await run(UPDATE, { input: { id: CARD_ID, card: { expiryMonth: 3, expiryYear: 2027 }, idempotencyKey: 'update-key' } });

    const outcomes = written.flatMap((w) => ('outcome' in (w as Json) ? [(w as { outcome: IdempotencyOutcome }).outcome] : []));
    expect(outcomes).toEqual([
      { kind: 'created', resourceId: SESSION_ID },
      { kind: 'updated', resourceId: CARD_ID },
    ]);
    const text = JSON.stringify(written);
    for (const secret of [TOKEN, AUTHORIZATION, ACCOUNT_ID, KEY, 'update-key', DESCRIPTION, CUSTOMER_ID, 'Charles', 'charles@example.com', '3212', '"27"']) {
      expect(text).not.toContain(secret);
    }
    expect(written[0]).toEqual({ key: scopedKey(ACCOUNT_ID, KEY), inputHash: inputFingerprint('createPaymentMethodSession', { customerId: CUSTOMER_ID, description: DESCRIPTION }) });
  });

  it('"the same input" is SHA-256 of canonical JSON of the mutation and its validated input: key order, null and absent do not matter', () => {
    expect(canonicalJson({ b: 1, a: { d: null, c: [2, { f: undefined, e: 'x' }] } })).toBe('{"a":{"c":[2,{"e":"x"}]},"b":1}');
    const base = inputFingerprint('updatePaymentMethod', { id: CARD_ID, card: { expiryMonth: 3, expiryYear: 2027 } });
    expect(inputFingerprint('updatePaymentMethod', { card: { expiryYear: 2027, expiryMonth: 3 }, id: CARD_ID, billingAddress: undefined })).toBe(base);
    expect(inputFingerprint('updatePaymentMethod', { id: CARD_ID, card: { expiryMonth: 3, expiryYear: 2028 } })).not.toBe(base);
    expect(inputFingerprint('deletePaymentMethod', { id: CARD_ID })).not.toBe(inputFingerprint('updatePaymentMethod', { id: CARD_ID }));
    expect(scopedKey(ACCOUNT_ID, KEY)).not.toBe(scopedKey(OTHER_ACCOUNT_ID, KEY));
  });

  it('fails closed without a store: a mutation with a key is SERVICE_UNAVAILABLE and Zoho is not called', async () => {
    await gateway();
    const contextValue = buildContext(CALLER_HEADERS, { zohoApiUrl: ZOHO_API_URL, zohoTimeoutMs: 2000, logger: gw.logs.logger, now: () => NOW, fetcher: TEST_FETCHER });
    const response = await withoutUpstreamCalls(() => gw.apollo.executeOperation({ query: CREATE, variables: { input: createInput() } }, { contextValue }));
    const result = response.body.kind === 'single' ? response.body.singleResult : undefined;
    expect(result?.errors?.map((e) => e.extensions?.['code'])).toEqual(['SERVICE_UNAVAILABLE']);
  });
});

describe('concurrent calls with one key', () => {
  it('make one Zoho write: the second waits for the first, then replays with its own token', async () => {
    await gateway();
    postSession({ customer_id: CUSTOMER_ID, description: DESCRIPTION }).delay(300).reply(201, sessionReply());
    getSession(SESSION_ID, OTHER_AUTHORIZATION).reply(200, retrievedSession());
    const [first, second] = await Promise.all([
      run(CREATE, { input: createInput() }),
      new Promise((resolve) => setTimeout(resolve, 50)).then(() => run(CREATE, { input: createInput() }, OTHER_TOKEN_HEADERS)),
    ]);
    expect(first.data?.createPaymentMethodSession).toEqual({ paymentMethodSession: newSession(), userErrors: [] });
    expect(second.data?.createPaymentMethodSession).toEqual({
      paymentMethodSession: expect.objectContaining({ id: SESSION_ID, status: 'SUCCEEDED' }),
      userErrors: [],
    });
  });

  it('the second takes the key over when the first fails: one failed POST, then one that succeeds', async () => {
    await gateway();
    postSession({ customer_id: CUSTOMER_ID, description: DESCRIPTION }).delay(200).reply(503, { code: 'error', message: 'Unavailable' });
    postSession({ customer_id: CUSTOMER_ID, description: DESCRIPTION }).reply(201, sessionReply());
    const [first, second] = await Promise.all([
      run(CREATE, { input: createInput() }),
      new Promise((resolve) => setTimeout(resolve, 50)).then(() => run(CREATE, { input: createInput() })),
    ]);
    expect(codesOf(first)).toEqual(['UPSTREAM_ERROR']);
    expect(second.data?.createPaymentMethodSession).toEqual({ paymentMethodSession: newSession(), userErrors: [] });
  });

  it('a call with another input while the first is in flight is IDEMPOTENCY_CONFLICT at once', async () => {
    const store = new MemoryIdempotencyStore();
    await gateway({ idempotencyStore: store });
    // Held by a call with another input (e.g. on another replica), which has not finished.
    await store.claim(scopedKey(ACCOUNT_ID, KEY), inputFingerprint('createPaymentMethodSession', { customerId: '1' }), 60_000);
    const started = Date.now();
    const r = await withoutUpstreamCalls(() => run(CREATE, { input: createInput() }));
    expect(Date.now() - started).toBeLessThan(1000);
    expect(r.data?.createPaymentMethodSession.userErrors).toEqual([userError(['input', 'idempotencyKey'], 'IDEMPOTENCY_CONFLICT')]);
  });

  it('a first call that never finishes holds the key at most its lease (4 × ZOHO_TIMEOUT_MS + 1 s): then the waiter takes it over and writes once', async () => {
    const store = new MemoryIdempotencyStore();
    const zohoTimeoutMs = 100;
    await gateway({ idempotencyStore: store, zohoTimeoutMs });
    const leaseMs = idempotencyLeaseMs(zohoTimeoutMs);
    expect(leaseMs).toBe(1400);
    // Claimed by a holder that died before completing it (a crashed replica, with a shared store).
    const claim = await store.claim(scopedKey(ACCOUNT_ID, KEY), inputFingerprint('createPaymentMethodSession', { customerId: CUSTOMER_ID, description: DESCRIPTION }), leaseMs);
    expect(claim.state).toBe('claimed');
    const started = Date.now();
    postSession({ customer_id: CUSTOMER_ID, description: DESCRIPTION }).reply(201, sessionReply());
    const r = await run(CREATE, { input: createInput() });
    const waited = Date.now() - started;
    expect(r.data?.createPaymentMethodSession).toEqual({ paymentMethodSession: newSession(), userErrors: [] });
    expect(waited).toBeGreaterThanOrEqual(leaseMs - 100);
    expect(waited).toBeLessThan(leaseMs + 1000);
  });

  it("a waiter whose client disconnects stops waiting at once: no Zoho call, its operation ends CLIENT_DISCONNECTED, the store stops polling for it", async () => {
    const store = new MemoryIdempotencyStore();
    // Held by a call on another replica that will not finish for a minute.
    await store.claim(scopedKey(ACCOUNT_ID, KEY), inputFingerprint('createPaymentMethodSession', { customerId: CUSTOMER_ID, description: DESCRIPTION }), 60_000);
    let waiting = 0;
    let stoppedWaitingAt: number | undefined;
    const watched: IdempotencyStore = {
      claim: (...args) => store.claim(...args),
      complete: (...args) => store.complete(...args),
      release: (...args) => store.release(...args),
      settled: async (...args) => {
        waiting += 1;
        await store.settled(...args);
        stoppedWaitingAt = Date.now();
      },
    };
    const logs = captureLogger('info');
    nock.enableNetConnect('127.0.0.1');
    const server = await startTestServer(testConfig({ ZOHO_API_URL, ZOHO_TIMEOUT_MS: '5000' }), { logger: logs.logger, now: () => NOW, idempotencyStore: watched });
    try {
      const body = JSON.stringify({ query: CREATE, variables: { input: createInput() } });
      const req = http.request(server.url, {
        method: 'POST',
        agent: false,
        headers: { ...CALLER_HEADERS, 'content-type': 'application/json', 'content-length': String(Buffer.byteLength(body)) },
      });
      req.on('error', () => undefined); // the socket is the test's to destroy
      const closed = new Promise<void>((resolve) => req.on('close', () => resolve()));
      await withoutUpstreamCalls(async () => {
        req.end(body);
        const deadline = Date.now() + 5_000;
        while (waiting === 0 && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 5));
        expect(waiting).toBe(1);
        const leftAt = Date.now();
        req.destroy();
        await closed;
        const deadlineForLine = Date.now() + 2_000;
        const operationLine = () => logs.lines().find((line) => line.includes('"msg":"graphql operation"'));
        while (!operationLine() && Date.now() < deadlineForLine) await new Promise((resolve) => setTimeout(resolve, 10));
        expect(stoppedWaitingAt! - leftAt).toBeLessThan(1_000);
        expect(JSON.parse(operationLine()!)).toMatchObject({ errorCodes: ['CLIENT_DISCONNECTED'], upstreamCallCount: 0 });
      });
      // The other replica's claim is untouched.
      expect((await store.claim(scopedKey(ACCOUNT_ID, KEY), 'x', 1_000)).state).toBe('in-flight');
    } finally {
      await server.stop();
      nock.disableNetConnect();
    }
  });

  it('a waiter gives up after the lease when the key is still held (a store that never settles): UPSTREAM_TIMEOUT, no write', async () => {
    const neverSettles: IdempotencyStore = {
      claim: async (_key, inputHash): Promise<ClaimResult> => ({ state: 'in-flight', inputHash }),
      complete: async () => undefined,
      release: async () => undefined,
      settled: (_key, timeoutMs) => new Promise((resolve) => setTimeout(resolve, Math.min(timeoutMs, 50))),
    };
    await gateway({ idempotencyStore: neverSettles, zohoTimeoutMs: 100 });
    const started = Date.now();
    const r = await withoutUpstreamCalls(() => run(CREATE, { input: createInput() }));
    expect(Date.now() - started).toBeGreaterThanOrEqual(idempotencyLeaseMs(100));
    expect(codesOf(r)).toEqual(['UPSTREAM_TIMEOUT']);
    expect(r.errors?.[0]?.message).toMatch(/Retry with the same key/);
  });
});

describe('the audit: every mutation\'s log line says who, what, the key and the outcome', () => {
  beforeEach(() => gateway());
  const callerKey = zohoCredentials(AUTHORIZATION, ACCOUNT_ID).callerKey;

  it('created, replayed, conflict, user errors, failed: one line each, with the caller hash and account, never the token', async () => {
    postSession({ customer_id: CUSTOMER_ID, description: DESCRIPTION }).reply(201, sessionReply());
    await run(CREATE, { input: createInput() });
    getSession(SESSION_ID).reply(200, retrievedSession());
    await run(CREATE, { input: createInput() });
    await run(CREATE, { input: createInput({ description: 'Another' }) });
    deleteMethod(CARD_ID).reply(404, NOT_FOUND);
    await run(DELETE, { input: { id: CARD_ID } });
    getMethod(CARD_ID).reply(500, { code: 'error', message: 'Internal error' });
    await run(UPDATE, { input: { id: CARD_ID, card: { expiryMonth: 3, expiryYear: 2027 }, idempotencyKey: 'u-1' } });

    const lines = operationLines();
    expect(lines.map((line) => [line['operationName'], line['callerKey'], line['accountId'], line['mutations']])).toEqual([
      ['Create', callerKey, ACCOUNT_ID, [{ mutation: 'createPaymentMethodSession', idempotencyKey: KEY, ids: { customerId: CUSTOMER_ID, paymentMethodSessionId: SESSION_ID }, outcome: 'created' }]],
      ['Create', callerKey, ACCOUNT_ID, [{ mutation: 'createPaymentMethodSession', idempotencyKey: KEY, ids: { customerId: CUSTOMER_ID, paymentMethodSessionId: SESSION_ID }, outcome: 'replayed' }]],
      ['Create', callerKey, ACCOUNT_ID, [{ mutation: 'createPaymentMethodSession', idempotencyKey: KEY, ids: { customerId: CUSTOMER_ID }, outcome: 'conflict', userErrorCodes: ['IDEMPOTENCY_CONFLICT'] }]],
      ['Delete', callerKey, ACCOUNT_ID, [{ mutation: 'deletePaymentMethod', ids: { paymentMethodId: CARD_ID }, outcome: 'user_errors', userErrorCodes: ['NOT_FOUND'] }]],
      ['Update', callerKey, ACCOUNT_ID, [{ mutation: 'updatePaymentMethod', idempotencyKey: 'u-1', ids: { paymentMethodId: CARD_ID }, outcome: 'failed' }]],
    ]);
    expect(lines[4]?.['errorCodes']).toEqual(['UPSTREAM_ERROR']);
    expect(callerKey).toMatch(/^[A-Za-z0-9_-]{22}$/);
    expect(gw.logs.text()).not.toContain(TOKEN);
  });

  it('a replayed update and a mutation without credentials are audited too (the latter with no caller)', async () => {
    getMethod(CARD_ID).reply(200, seed('retrieve-payment-method.response'));
    putMethod(CARD_ID, { type: 'card', card: { expiry_month: '03', expiry_year: '27' } }).reply(200, methodReply(card('03', '27')));
    const input = { id: CARD_ID, card: { expiryMonth: 3, expiryYear: 2027 }, idempotencyKey: 'u-2' };
    await run(UPDATE, { input });
    getMethod(CARD_ID, OTHER_AUTHORIZATION).reply(200, methodReply(card('03', '27')));
    await run(UPDATE, { input }, OTHER_TOKEN_HEADERS);
    await run(DELETE, { input: { id: CARD_ID, idempotencyKey: 'd-1' } }, { 'x-zoho-account-id': ACCOUNT_ID });

    const [updated, replayed, anonymous] = operationLines();
    expect(updated?.['mutations']).toEqual([{ mutation: 'updatePaymentMethod', idempotencyKey: 'u-2', ids: { paymentMethodId: CARD_ID }, outcome: 'updated' }]);
    expect(replayed?.['callerKey']).toBe(zohoCredentials(OTHER_AUTHORIZATION, ACCOUNT_ID).callerKey);
    expect(replayed?.['mutations']).toEqual([{ mutation: 'updatePaymentMethod', idempotencyKey: 'u-2', ids: { paymentMethodId: CARD_ID }, outcome: 'replayed' }]);
    expect(anonymous).toEqual(
      expect.objectContaining({
        callerKey: null,
        accountId: null,
        errorCodes: ['UNAUTHENTICATED'],
        mutations: [{ mutation: 'deletePaymentMethod', idempotencyKey: 'd-1', ids: { paymentMethodId: CARD_ID }, outcome: 'failed' }],
      }),
    );
    expect(gw.logs.text()).not.toContain(OTHER_TOKEN);
  });

  it('a query has no audit fields', async () => {
    getMethod(CARD_ID).reply(200, seed('retrieve-payment-method.response'));
    await run(`query Read { paymentMethod(id: "${CARD_ID}") { id } }`);
    const [line] = operationLines();
    expect(line).not.toHaveProperty('mutations');
    expect(line).not.toHaveProperty('callerKey');
  });
});
