/**
 * The subgraph as a federation router calls it: `_entities(representations: ...)` for each entity
 * type (`@key(fields: "id")`), and `_service { sdl }`. Everything runs through the production
 * server, schema, context, datasource and loaders (createTestGateway); only Zoho is mocked, and
 * every interceptor names its method, path, exact query (`account_id`) and the caller's
 * Authorization header (zoho()). An interceptor is registered once per expected call: a second
 * call to it finds none and fails, and an interceptor left unused fails the test (test/setup.ts).
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import nock from 'nock';
import { resetUnknownEnumWarnings } from '../../src/mapping/enums';
import { ACH_CUSTOMER_ID, ACH_ID, achPaymentMethod } from '../fixtures/payment-methods';
import {
  ACCOUNT_ID,
  AUTHORIZATION,
  CALLER_HEADERS,
  TOKEN,
  ZOHO_ORIGIN,
  createTestGateway,
  seed,
  zoho,
  type OperationResult,
  type TestGateway,
} from '../helpers';

type Json = Record<string, unknown>;

const CARD_ID = '1987000000724211';
const CUSTOMER_ID = '1987000000724207';
const SESSION_ID = '1987000000724209';
/** The payment method the seeds' retrieved session collected (a partial method in the session). */
const SESSION_METHOD_ID = '1987000000724215';
const OTHER_SESSION_ID = '1987000000724210';
const UNKNOWN_ID = '1987000000799999';

/** The seeds' card payment method (retrieve example), with overrides. */
const card = (overrides: Json = {}): Json => ({
  ...seed<{ payment_method: Json }>('retrieve-payment-method.response').payment_method,
  ...overrides,
});
/** The seeds' retrieved session (succeeded, holding a partial card method), with overrides. */
const session = (overrides: Json = {}): Json => ({
  ...seed<{ payment_method_session: Json }>('retrieve-session.response').payment_method_session,
  ...overrides,
});

const methodReply = (paymentMethod: Json) => ({ code: 0, message: 'success', payment_method: paymentMethod });
const sessionReply = (s: Json) => ({ code: 0, message: 'success', payment_method_session: s });
/** Zoho's 404 body, as the sandbox (sandbox/errors.ts) and the contract give it. */
const notFound = (what: string) => ({ code: 'resource_does_not_exist', message: `The ${what} does not exist.` });

/** One expected upstream GET, for the default caller unless told otherwise. */
const getMethod = (id: string, authorization = AUTHORIZATION, accountId = ACCOUNT_ID) =>
  zoho(authorization).get(`/api/v1/paymentmethods/${id}`).query({ account_id: accountId });
const getSession = (id: string, authorization = AUTHORIZATION, accountId = ACCOUNT_ID) =>
  zoho(authorization).get(`/api/v1/paymentmethodsessions/${id}`).query({ account_id: accountId });

const methodPath = (id: string) => `GET /api/v1/paymentmethods/${id}`;
const sessionPath = (id: string) => `GET /api/v1/paymentmethodsessions/${id}`;

/** Representations, as a router sends them. */
const pm = (id: unknown): Json => ({ __typename: 'PaymentMethod', id });
const pms = (id: unknown): Json => ({ __typename: 'PaymentMethodSession', id });
const customer = (id: unknown): Json => ({ __typename: 'Customer', id });

const PM_FIELDS = `id type status details { ... on CardDetails { last4 } ... on AchDebitDetails { last4 bankName } } customer { id name }`;
const PM_FULL = `... on PaymentMethod { ${PM_FIELDS} }`;
const SESSION_SHORT = `... on PaymentMethodSession { id status paymentMethod { id type } }`;
/*
 * Next to a PaymentMethod selection, a session's `status` (PaymentMethodSessionStatus!) conflicts
 * with the method's (PaymentMethodStatus!) in one selection set: graphql-js rejects the query, and a
 * router's query planner aliases one of them. These queries alias the session's.
 */
const SESSION_SHORT_ALIASED = `... on PaymentMethodSession { id sessionStatus: status paymentMethod { id type } }`;
const SESSION_FULL_ALIASED = `... on PaymentMethodSession { id sessionStatus: status paymentMethod { ${PM_FIELDS} } }`;
const CUSTOMER_FIELDS = `... on Customer { id name email }`;

/** The `_entities` query a router sends, with the given selections on `_Entity`. */
const entities = (...selections: string[]) =>
  `query ($r: [_Any!]!) { _entities(representations: $r) { __typename ${selections.join(' ')} } }`;

/** The seeds' card as `PM_FIELDS` shows it. */
const CARD_ENTITY = {
  __typename: 'PaymentMethod',
  id: CARD_ID,
  type: 'CARD',
  status: 'ACTIVE',
  details: { last4: '3212' },
  customer: { id: CUSTOMER_ID, name: 'Charles' },
};
/** The ACH fixture as `PM_FIELDS` shows it. */
const ACH_ENTITY = {
  __typename: 'PaymentMethod',
  id: ACH_ID,
  type: 'ACH_DEBIT',
  status: 'ACTIVE',
  details: { last4: '6789', bankName: 'First Detroit Bank' },
  customer: { id: ACH_CUSTOMER_ID, name: 'Acme Corp' },
};
/** The seeds' card, under the id of the session's payment method, as `PM_FIELDS` shows it. */
const SESSION_METHOD_ENTITY = { ...CARD_ENTITY, id: SESSION_METHOD_ID };
/** The same, as a session's `paymentMethod { PM_FIELDS }` shows it (no `__typename` selected there). */
const { __typename: _pmTypename, ...SESSION_METHOD_FIELDS } = SESSION_METHOD_ENTITY;

let gw: TestGateway;

/** Runs `_entities` as a caller (default: the test caller) and reads the result through JSON. */
const run = async (query: string, representations: Array<Json | number>, headers: Record<string, string> = CALLER_HEADERS) =>
  JSON.parse(JSON.stringify(await gw.execute(query, { r: representations }, headers))) as OperationResult;

/** The upstream calls of the last operation, as "METHOD path", sorted (they run concurrently). */
const calls = () =>
  gw
    .lastUpstreamCalls()
    .map((call) => `${call.method} ${call.path}`)
    .sort();

beforeEach(async () => {
  resetUnknownEnumWarnings();
  gw = await createTestGateway();
});
afterEach(() => gw.stop());

describe('_entities resolves each entity type', () => {
  it('resolves a card PaymentMethod from one GET of its id', async () => {
    getMethod(CARD_ID).reply(200, seed('retrieve-payment-method.response'));
    const r = await run(entities(PM_FULL), [pm(CARD_ID)]);
    expect(r).toEqual({ data: { _entities: [CARD_ENTITY] } });
    expect(calls()).toEqual([methodPath(CARD_ID)]);
  });

  it('resolves an ACH debit PaymentMethod to AchDebitDetails', async () => {
    getMethod(ACH_ID).reply(200, methodReply(achPaymentMethod()));
    const r = await run(entities(PM_FULL, `... on PaymentMethod { details { __typename } }`), [pm(ACH_ID)]);
    expect(r).toEqual({
      data: { _entities: [{ ...ACH_ENTITY, details: { ...ACH_ENTITY.details, __typename: 'AchDebitDetails' } }] },
    });
    expect(calls()).toEqual([methodPath(ACH_ID)]);
  });

  it("resolves a PaymentMethodSession, answering its partial payment method's id and type without fetching the method", async () => {
    getSession(SESSION_ID).reply(200, seed('retrieve-session.response'));
    const r = await run(entities(SESSION_SHORT), [pms(SESSION_ID)]);
    expect(r).toEqual({
      data: {
        _entities: [
          {
            __typename: 'PaymentMethodSession',
            id: SESSION_ID,
            status: 'SUCCEEDED',
            paymentMethod: { id: SESSION_METHOD_ID, type: 'CARD' },
          },
        ],
      },
    });
    expect(calls()).toEqual([sessionPath(SESSION_ID)]);
  });

  it('resolves a PaymentMethodSession without a payment method yet to a null paymentMethod', async () => {
    getSession(OTHER_SESSION_ID).reply(
      200,
      sessionReply({ ...seed('session-attribute'), payment_method_session_id: OTHER_SESSION_ID, status: 'created' }),
    );
    const r = await run(entities(SESSION_SHORT), [pms(OTHER_SESSION_ID)]);
    expect(r).toEqual({
      data: { _entities: [{ __typename: 'PaymentMethodSession', id: OTHER_SESSION_ID, status: 'CREATED', paymentMethod: null }] },
    });
  });

  it('resolves a Customer to its id with no upstream call; name and email are null (Zoho has no customer endpoint)', async () => {
    // A trap for any GET to Zoho, whatever its path, query or headers: it must stay unused.
    // (Without it, net connect being disabled, an upstream call would also fail with an error.)
    const trap = nock(ZOHO_ORIGIN).get(/.*/).query(true).reply(500, { code: 'error', message: 'unexpected call' });
    const r = await run(entities(CUSTOMER_FIELDS), [customer(CUSTOMER_ID), customer(ACH_CUSTOMER_ID)]);
    expect(trap.isDone()).toBe(false);
    nock.cleanAll();
    expect(r).toEqual({
      data: {
        _entities: [
          { __typename: 'Customer', id: CUSTOMER_ID, name: null, email: null },
          { __typename: 'Customer', id: ACH_CUSTOMER_ID, name: null, email: null },
        ],
      },
    });
    expect(calls()).toEqual([]);
  });

  it('keeps a 19-digit id above 2^53 exact, for every entity type', async () => {
    const big = '9223372036854775807';
    getMethod(big).reply(200, methodReply(card({ payment_method_id: big, customer_id: '9007199254740993' })));
    getSession(big).reply(200, sessionReply(session({ payment_method_session_id: big, customer_id: '9007199254740993' })));
    const r = await run(
      entities(`... on PaymentMethod { id customer { id } }`, `... on PaymentMethodSession { id }`, `... on Customer { id }`),
      [pm(big), pms(big), customer(big)],
    );
    expect(r).toEqual({
      data: {
        _entities: [
          { __typename: 'PaymentMethod', id: big, customer: { id: '9007199254740993' } },
          { __typename: 'PaymentMethodSession', id: big },
          { __typename: 'Customer', id: big },
        ],
      },
    });
    expect(calls()).toEqual([sessionPath(big), methodPath(big)].sort());
  });

  it('resolves all three entity types in one query, in representation order', async () => {
    getMethod(CARD_ID).reply(200, seed('retrieve-payment-method.response'));
    getSession(SESSION_ID).reply(200, seed('retrieve-session.response'));
    const r = await run(entities(PM_FULL, SESSION_SHORT_ALIASED, `... on Customer { id }`), [
      customer(CUSTOMER_ID),
      pms(SESSION_ID),
      pm(CARD_ID),
    ]);
    expect(r).toEqual({
      data: {
        _entities: [
          { __typename: 'Customer', id: CUSTOMER_ID },
          { __typename: 'PaymentMethodSession', id: SESSION_ID, sessionStatus: 'SUCCEEDED', paymentMethod: { id: SESSION_METHOD_ID, type: 'CARD' } },
          CARD_ENTITY,
        ],
      },
    });
    expect(calls()).toEqual([sessionPath(SESSION_ID), methodPath(CARD_ID)].sort());
  });
});

describe('unknown ids (Zoho 404 resource_does_not_exist)', () => {
  it('gives null at the unknown PaymentMethod position, without an error, and resolves the others', async () => {
    getMethod(CARD_ID).reply(200, seed('retrieve-payment-method.response'));
    getMethod(UNKNOWN_ID).reply(404, notFound('payment method'));
    getMethod(ACH_ID).reply(200, methodReply(achPaymentMethod()));
    const r = await run(entities(PM_FULL), [pm(CARD_ID), pm(UNKNOWN_ID), pm(ACH_ID)]);
    expect(r).toEqual({ data: { _entities: [CARD_ENTITY, null, ACH_ENTITY] } });
    expect(calls()).toEqual([methodPath(CARD_ID), methodPath(UNKNOWN_ID), methodPath(ACH_ID)].sort());
  });

  it('gives null at the unknown PaymentMethodSession position, without an error, and resolves the others', async () => {
    getSession(UNKNOWN_ID).reply(404, notFound('payment method session'));
    getSession(SESSION_ID).reply(200, seed('retrieve-session.response'));
    const r = await run(entities(SESSION_SHORT), [pms(UNKNOWN_ID), pms(SESSION_ID)]);
    expect(r).toEqual({
      data: {
        _entities: [
          null,
          { __typename: 'PaymentMethodSession', id: SESSION_ID, status: 'SUCCEEDED', paymentMethod: { id: SESSION_METHOD_ID, type: 'CARD' } },
        ],
      },
    });
  });

  it('gives null for every unknown id when none exists', async () => {
    getMethod(UNKNOWN_ID).reply(404, notFound('payment method'));
    getSession(UNKNOWN_ID).reply(404, notFound('payment method session'));
    const r = await run(entities(PM_FULL, SESSION_SHORT_ALIASED), [pm(UNKNOWN_ID), pms(UNKNOWN_ID)]);
    expect(r).toEqual({ data: { _entities: [null, null] } });
  });
});

describe('malformed ids resolve to null with no upstream call', () => {
  const MALFORMED: Array<[string, unknown]> = [
    ['letters', 'abc'],
    ['an empty string', ''],
    ['digits then a letter', '12a'],
    ['20 digits', '12345678901234567890'],
    ['a negative number', '-1'],
    ['a decimal', '1.5'],
    ['surrounding spaces', ` ${CARD_ID} `],
    ['a path', '../paymentmethodsessions/1'],
    ['an encoded path', '1%2F..%2F2'],
    ['a JSON number instead of a string', 1987000000724211],
    ['null', null],
    ['an object', { id: CARD_ID }],
  ];

  it.each(MALFORMED)('PaymentMethod with an id of %s', async (_, id) => {
    const r = await run(entities(PM_FULL), [pm(id)]);
    expect(r).toEqual({ data: { _entities: [null] } });
    expect(calls()).toEqual([]);
  });

  it.each(MALFORMED)('PaymentMethodSession with an id of %s', async (_, id) => {
    const r = await run(entities(SESSION_SHORT), [pms(id)]);
    expect(r).toEqual({ data: { _entities: [null] } });
    expect(calls()).toEqual([]);
  });

  it('a representation without an id', async () => {
    const r = await run(entities(PM_FULL, SESSION_SHORT_ALIASED), [{ __typename: 'PaymentMethod' }, { __typename: 'PaymentMethodSession' }]);
    expect(r).toEqual({ data: { _entities: [null, null] } });
    expect(calls()).toEqual([]);
  });

  it('malformed ids among valid ones: only the valid ids reach Zoho, and they still resolve', async () => {
    getMethod(CARD_ID).reply(200, seed('retrieve-payment-method.response'));
    getSession(SESSION_ID).reply(200, seed('retrieve-session.response'));
    const r = await run(entities(PM_FULL, SESSION_SHORT_ALIASED), [pm('abc'), pm(CARD_ID), pms(''), pms(SESSION_ID), pm('12345678901234567890')]);
    expect(r.errors).toBeUndefined();
    expect(r.data?._entities).toEqual([
      null,
      CARD_ENTITY,
      null,
      { __typename: 'PaymentMethodSession', id: SESSION_ID, sessionStatus: 'SUCCEEDED', paymentMethod: { id: SESSION_METHOD_ID, type: 'CARD' } },
      null,
    ]);
    expect(calls()).toEqual([sessionPath(SESSION_ID), methodPath(CARD_ID)].sort());
  });

  it('a Customer with a malformed id is null, like the other entities, with no upstream call', async () => {
    const r = await run(entities(CUSTOMER_FIELDS), [customer('abc'), customer(''), customer('12345678901234567890'), customer(CUSTOMER_ID)]);
    expect(r).toEqual({
      data: {
        _entities: [null, null, null, { __typename: 'Customer', id: CUSTOMER_ID, name: null, email: null }],
      },
    });
    expect(calls()).toEqual([]);
  });
});

describe('batching: one upstream GET per distinct id per request', () => {
  const THIRD_ID = SESSION_METHOD_ID;

  it('8 PaymentMethod representations naming 3 ids, mixed and repeated: 3 GETs, results in representation order', async () => {
    // Each interceptor is registered once: a second GET of the same id would find none and fail.
    getMethod(CARD_ID).reply(200, seed('retrieve-payment-method.response'));
    getMethod(ACH_ID).reply(200, methodReply(achPaymentMethod()));
    getMethod(THIRD_ID).reply(200, methodReply(card({ payment_method_id: THIRD_ID })));
    const order = [ACH_ID, CARD_ID, THIRD_ID, ACH_ID, ACH_ID, THIRD_ID, CARD_ID, ACH_ID];
    const byId: Record<string, unknown> = { [CARD_ID]: CARD_ENTITY, [ACH_ID]: ACH_ENTITY, [THIRD_ID]: SESSION_METHOD_ENTITY };

    const r = await run(entities(PM_FULL), order.map(pm));

    expect(r.errors).toBeUndefined();
    expect(r.data?._entities).toEqual(order.map((id) => byId[id]));
    expect(calls()).toEqual([methodPath(CARD_ID), methodPath(ACH_ID), methodPath(THIRD_ID)].sort());
  });

  it('repeated PaymentMethodSession representations: one GET per distinct session', async () => {
    getSession(SESSION_ID).reply(200, seed('retrieve-session.response'));
    getSession(OTHER_SESSION_ID).reply(
      200,
      sessionReply({ ...seed('session-attribute'), payment_method_session_id: OTHER_SESSION_ID, status: 'created' }),
    );
    const r = await run(entities(`... on PaymentMethodSession { id status }`), [
      pms(SESSION_ID),
      pms(OTHER_SESSION_ID),
      pms(SESSION_ID),
      pms(SESSION_ID),
      pms(OTHER_SESSION_ID),
    ]);
    const done = { __typename: 'PaymentMethodSession', id: SESSION_ID, status: 'SUCCEEDED' };
    const open = { __typename: 'PaymentMethodSession', id: OTHER_SESSION_ID, status: 'CREATED' };
    expect(r).toEqual({ data: { _entities: [done, open, done, done, open] } });
    expect(calls()).toEqual([sessionPath(SESSION_ID), sessionPath(OTHER_SESSION_ID)].sort());
  });

  it('repeated unknown ids are asked once and are null at every position', async () => {
    getMethod(UNKNOWN_ID).reply(404, notFound('payment method'));
    getMethod(CARD_ID).reply(200, seed('retrieve-payment-method.response'));
    const r = await run(entities(PM_FULL), [pm(UNKNOWN_ID), pm(CARD_ID), pm(UNKNOWN_ID), pm(UNKNOWN_ID)]);
    expect(r).toEqual({ data: { _entities: [null, CARD_ENTITY, null, null] } });
    expect(calls()).toEqual([methodPath(CARD_ID), methodPath(UNKNOWN_ID)].sort());
  });

  it.each([
    ['session first', [pms(SESSION_ID), pm(SESSION_METHOD_ID)], [0, 1]],
    ['payment method first', [pm(SESSION_METHOD_ID), pms(SESSION_ID)], [1, 0]],
  ])(
    "a session holding payment method X and a PaymentMethod representation of X (%s), both selecting full details: X is fetched once",
    async (_, representations, [sessionAt, methodAt]) => {
      getSession(SESSION_ID).reply(200, seed('retrieve-session.response'));
      getMethod(SESSION_METHOD_ID).reply(200, methodReply(card({ payment_method_id: SESSION_METHOD_ID })));

      const r = await run(entities(SESSION_FULL_ALIASED, PM_FULL), representations as Json[]);

      expect(r.errors).toBeUndefined();
      const result = r.data?._entities as unknown[];
      expect(result).toHaveLength(2);
      expect(result[sessionAt as number]).toEqual({
        __typename: 'PaymentMethodSession',
        id: SESSION_ID,
        sessionStatus: 'SUCCEEDED',
        paymentMethod: SESSION_METHOD_FIELDS,
      });
      expect(result[methodAt as number]).toEqual(SESSION_METHOD_ENTITY);
      expect(calls()).toEqual([sessionPath(SESSION_ID), methodPath(SESSION_METHOD_ID)].sort());
    },
  );

  it('nothing is cached across requests: the same representations fetch again in the next request', async () => {
    getMethod(CARD_ID).times(2).reply(200, seed('retrieve-payment-method.response'));
    for (let i = 0; i < 2; i += 1) {
      const r = await run(entities(PM_FULL), [pm(CARD_ID), pm(CARD_ID)]);
      expect(r).toEqual({ data: { _entities: [CARD_ENTITY, CARD_ENTITY] } });
      expect(calls()).toEqual([methodPath(CARD_ID)]);
    }
  });
});

describe("every upstream call carries the calling request's own token and account", () => {
  const OTHER_TOKEN = '1000.7a3e55c0b9d4.2b61aa04d9e3';
  const OTHER_AUTHORIZATION = `Zoho-oauthtoken ${OTHER_TOKEN}`;
  const OTHER_ACCOUNT_ID = '60012345';
  const OTHER_HEADERS = { authorization: OTHER_AUTHORIZATION, 'x-zoho-account-id': OTHER_ACCOUNT_ID };

  it('two callers asking for the same ids concurrently each reach Zoho with their own credentials and see their own data', async () => {
    // The same paths for both callers: only the Authorization header and account_id tell the
    // interceptors apart, so a call made with the other caller's credentials would take the other
    // caller's reply (and leave an interceptor unused), or find none.
    getMethod(CARD_ID).reply(200, seed('retrieve-payment-method.response'));
    getSession(SESSION_ID).reply(200, seed('retrieve-session.response'));
    getMethod(SESSION_METHOD_ID).reply(200, methodReply(card({ payment_method_id: SESSION_METHOD_ID })));

    const dana = { customer_id: '1987000000800001', customer_name: 'Dana' };
    const danaCard = (id: string) =>
      methodReply(card({ payment_method_id: id, ...dana, card: { ...(card()['card'] as Json), last_four_digits: '4444' } }));
    getMethod(CARD_ID, OTHER_AUTHORIZATION, OTHER_ACCOUNT_ID).reply(200, danaCard(CARD_ID));
    getSession(SESSION_ID, OTHER_AUTHORIZATION, OTHER_ACCOUNT_ID).reply(200, sessionReply(session({ customer_id: dana.customer_id, status: 'failed' })));
    getMethod(SESSION_METHOD_ID, OTHER_AUTHORIZATION, OTHER_ACCOUNT_ID).reply(200, danaCard(SESSION_METHOD_ID));

    const query = entities(PM_FULL, SESSION_FULL_ALIASED);
    const representations = [pm(CARD_ID), pms(SESSION_ID)];
    const [mine, theirs] = await Promise.all([
      run(query, representations, CALLER_HEADERS),
      run(query, representations, OTHER_HEADERS),
    ]);

    expect(mine).toEqual({
      data: {
        _entities: [
          CARD_ENTITY,
          { __typename: 'PaymentMethodSession', id: SESSION_ID, sessionStatus: 'SUCCEEDED', paymentMethod: SESSION_METHOD_FIELDS },
        ],
      },
    });
    const danaEntity = (id: string) => ({
      id,
      type: 'CARD',
      status: 'ACTIVE',
      details: { last4: '4444' },
      customer: { id: dana.customer_id, name: 'Dana' },
    });
    expect(theirs).toEqual({
      data: {
        _entities: [
          { __typename: 'PaymentMethod', ...danaEntity(CARD_ID) },
          { __typename: 'PaymentMethodSession', id: SESSION_ID, sessionStatus: 'FAILED', paymentMethod: danaEntity(SESSION_METHOD_ID) },
        ],
      },
    });
  });

  it('many concurrent requests of two callers, interleaved: each call matches its own caller', async () => {
    const rounds = 10;
    getMethod(CARD_ID).times(rounds).reply(200, seed('retrieve-payment-method.response'));
    getMethod(CARD_ID, OTHER_AUTHORIZATION, OTHER_ACCOUNT_ID)
      .times(rounds)
      .reply(200, methodReply(card({ customer_name: 'Dana' })));
    const results = await Promise.all(
      Array.from({ length: rounds * 2 }, (_, i) =>
        run(entities(`... on PaymentMethod { customer { name } }`), [pm(CARD_ID)], i % 2 === 0 ? CALLER_HEADERS : OTHER_HEADERS),
      ),
    );
    results.forEach((r, i) => {
      expect(r).toEqual({ data: { _entities: [{ __typename: 'PaymentMethod', customer: { name: i % 2 === 0 ? 'Charles' : 'Dana' } }] } });
    });
  });

  it('an _entities request without credentials fails each Zoho-backed entity with UNAUTHENTICATED, before any upstream call', async () => {
    const r = await run(entities(PM_FULL, SESSION_SHORT_ALIASED, `... on Customer { id }`), [pm(CARD_ID), pms(SESSION_ID), customer(CUSTOMER_ID)], {});
    // Each entity fails on its own (its own index, as a router maps it back to the client's path);
    // a Customer needs no Zoho call, so it still resolves.
    expect(r.data).toEqual({ _entities: [null, null, { __typename: 'Customer', id: CUSTOMER_ID }] });
    expect(r.errors).toEqual([
      expect.objectContaining({ path: ['_entities', 0], extensions: expect.objectContaining({ code: 'UNAUTHENTICATED' }) }),
      expect.objectContaining({ path: ['_entities', 1], extensions: expect.objectContaining({ code: 'UNAUTHENTICATED' }) }),
    ]);
    expect(calls()).toEqual([]);
  });
});

describe('an upstream failure for one representation is an error at its own index', () => {
  const ROWS: Array<[string, (scope: ReturnType<typeof getMethod>) => unknown, string, Json]> = [
    ['500', (i) => i.reply(500, { code: 'error', message: 'Internal error' }), 'UPSTREAM_ERROR', { upstreamStatus: 500, upstreamCode: 'error' }],
    ['502 with an HTML body', (i) => i.reply(502, '<html>Bad gateway</html>'), 'UPSTREAM_ERROR', { upstreamStatus: 502 }],
    ['401', (i) => i.reply(401, { code: 57, message: 'You are not authorized to perform this operation' }), 'UNAUTHENTICATED', { upstreamStatus: 401, upstreamCode: '57' }],
    ['403', (i) => i.reply(403, { code: 'error', message: 'Insufficient scope' }), 'FORBIDDEN', { upstreamStatus: 403 }],
    ['429', (i) => i.reply(429, { code: 'error', message: 'Too many requests' }, { 'Retry-After': '7' }), 'RATE_LIMITED', { upstreamStatus: 429, retryAfterSeconds: 7 }],
    ['404 without a JSON body', (i) => i.reply(404, 'Not Found'), 'UPSTREAM_ERROR', { upstreamStatus: 404 }],
    ['200 of an unexpected shape', (i) => i.reply(200, { code: 0, message: 'success' }), 'UPSTREAM_ERROR', { upstreamStatus: 200 }],
  ];

  it.each(ROWS)('PaymentMethod: Zoho %s', async (_, reply, code, extensions) => {
    getMethod(CARD_ID).reply(200, seed('retrieve-payment-method.response'));
    reply(getMethod(UNKNOWN_ID));
    getMethod(ACH_ID).reply(200, methodReply(achPaymentMethod()));

    const r = await run(entities(PM_FULL), [pm(CARD_ID), pm(UNKNOWN_ID), pm(ACH_ID)]);

    expect(r.data).toEqual({ _entities: [CARD_ENTITY, null, ACH_ENTITY] });
    expect(r.errors).toEqual([
      expect.objectContaining({ path: ['_entities', 1], extensions: expect.objectContaining({ code, ...extensions }) }),
    ]);
    expect(JSON.stringify(r)).not.toContain(TOKEN);
  });

  it.each(ROWS.filter(([when]) => when !== '200 of an unexpected shape'))('PaymentMethodSession: Zoho %s', async (_, reply, code, extensions) => {
    getSession(SESSION_ID).reply(200, seed('retrieve-session.response'));
    reply(getSession(UNKNOWN_ID) as ReturnType<typeof getMethod>);

    const r = await run(entities(SESSION_SHORT), [pms(UNKNOWN_ID), pms(SESSION_ID)]);

    expect(r.data).toEqual({
      _entities: [
        null,
        { __typename: 'PaymentMethodSession', id: SESSION_ID, status: 'SUCCEEDED', paymentMethod: { id: SESSION_METHOD_ID, type: 'CARD' } },
      ],
    });
    expect(r.errors).toEqual([
      expect.objectContaining({ path: ['_entities', 0], extensions: expect.objectContaining({ code, ...extensions }) }),
    ]);
  });

  it('a repeated id that fails is asked once and reported at each of its positions', async () => {
    getMethod(UNKNOWN_ID).reply(500, { code: 'error', message: 'Internal error' });
    getMethod(CARD_ID).reply(200, seed('retrieve-payment-method.response'));
    const r = await run(entities(PM_FULL), [pm(UNKNOWN_ID), pm(CARD_ID), pm(UNKNOWN_ID)]);
    expect(r.data).toEqual({ _entities: [null, CARD_ENTITY, null] });
    expect(r.errors?.map((e) => [e.path, e.extensions?.['code']])).toEqual([
      [['_entities', 0], 'UPSTREAM_ERROR'],
      [['_entities', 2], 'UPSTREAM_ERROR'],
    ]);
    expect(calls()).toEqual([methodPath(CARD_ID), methodPath(UNKNOWN_ID)].sort());
  });

  it("a session whose payment method fails to load: the error is at the session's paymentMethod, and a representation of the same method fails at its own index, from one GET", async () => {
    getSession(SESSION_ID).reply(200, seed('retrieve-session.response'));
    getMethod(SESSION_METHOD_ID).reply(500, { code: 'error', message: 'Internal error' });
    getMethod(CARD_ID).reply(200, seed('retrieve-payment-method.response'));

    const r = await run(entities(SESSION_FULL_ALIASED, PM_FULL), [pms(SESSION_ID), pm(SESSION_METHOD_ID), pm(CARD_ID)]);

    // `details` and `customer` are non-null: their failure nulls the session's (nullable) paymentMethod.
    expect(r.data).toEqual({
      _entities: [{ __typename: 'PaymentMethodSession', id: SESSION_ID, sessionStatus: 'SUCCEEDED', paymentMethod: null }, null, CARD_ENTITY],
    });
    // One error per failed position: graphql-js reports the first non-null field of the session's
    // method that failed (`details` or `customer`, both needing the full method) and drops the rest.
    const errors = (r.errors ?? []).map((e) => ({ path: e.path, code: e.extensions?.['code'], status: e.extensions?.['upstreamStatus'] }));
    expect(errors).toHaveLength(2);
    expect(errors).toContainEqual({ path: ['_entities', 1], code: 'UPSTREAM_ERROR', status: 500 });
    expect(errors).toContainEqual({
      path: ['_entities', 0, 'paymentMethod', expect.stringMatching(/^(details|customer)$/)],
      code: 'UPSTREAM_ERROR',
      status: 500,
    });
    expect(calls()).toEqual([sessionPath(SESSION_ID), methodPath(SESSION_METHOD_ID), methodPath(CARD_ID)].sort());
  });

  it("a session whose payment method Zoho no longer has (404): UPSTREAM_ERROR at the session's paymentMethod", async () => {
    getSession(SESSION_ID).reply(200, seed('retrieve-session.response'));
    getMethod(SESSION_METHOD_ID).reply(404, notFound('payment method'));
    const r = await run(entities(`... on PaymentMethodSession { id paymentMethod { id details { __typename } } }`), [pms(SESSION_ID)]);
    expect(r.data).toEqual({ _entities: [{ __typename: 'PaymentMethodSession', id: SESSION_ID, paymentMethod: null }] });
    expect(r.errors).toEqual([
      expect.objectContaining({
        path: ['_entities', 0, 'paymentMethod', 'details'],
        extensions: expect.objectContaining({ code: 'UPSTREAM_ERROR' }),
      }),
    ]);
  });
});

describe('representations the schema cannot resolve', () => {
  it.each<[string, Json | number, string]>([
    ['an unknown __typename', { __typename: 'Merchant', id: '1' }, 'Representation 1 names "Merchant", which is not an entity of this subgraph'],
    ['a type that is not an entity', { __typename: 'CardDetails', id: '1' }, 'Representation 1 names "CardDetails", which is not an entity'],
    ['no __typename', { id: CARD_ID }, 'Representation 1 does not name an entity of this subgraph'],
    ['a __typename that is not a type name (not echoed)', { __typename: 'card 4111111111111111', id: '1' }, 'Representation 1 names a type that is not an entity'],
    ['a representation that is not an object', 42, 'Representation 1 does not name an entity of this subgraph'],
  ])('%s fails the whole _entities field with BAD_USER_INPUT before any representation starts a Zoho call', async (_, bad, message) => {
    // Checked up front: @apollo/subgraph would only throw on reaching it, after representation 0
    // had started a Zoho call whose failure nobody would await (an unhandled rejection ends the
    // process). calls() being empty shows nothing started.
    const r = await run(entities(PM_FULL, `... on Customer { id }`), [pm(CARD_ID), bad, customer(CUSTOMER_ID)]);
    expect(r.data).toBeNull();
    expect(r.errors).toEqual([
      expect.objectContaining({
        message: expect.stringContaining(message),
        path: ['_entities'],
        extensions: expect.objectContaining({ code: 'BAD_USER_INPUT' }),
      }),
    ]);
    expect(calls()).toEqual([]);
  });
});

describe('_service { sdl }', () => {
  const SDL_FILE = path.join(__dirname, '..', '..', 'subgraph.graphql');

  it('is the committed subgraph.graphql, byte for byte apart from the file\'s final newline, and needs no credentials', async () => {
    const file = readFileSync(SDL_FILE, 'utf8');
    const r = await gw.execute('{ _service { sdl } }', undefined, {});
    expect(r.errors).toBeUndefined();
    const sdl = r.data?._service.sdl as string;
    expect(typeof sdl).toBe('string');
    // scripts/subgraph-sdl.ts writes the served SDL plus one newline when it lacks one (a text
    // file ends in a newline); nothing else may differ.
    expect(file).toBe(sdl.endsWith('\n') ? sdl : `${sdl}\n`);
    expect(file.endsWith('\n') && !file.endsWith('\n\n')).toBe(true);
    expect(sdl).toContain('type PaymentMethod @key(fields: "id")');
    expect(sdl).toContain('type PaymentMethodSession @key(fields: "id")');
    expect(sdl).toContain('type Customer @key(fields: "id")');
    expect(calls()).toEqual([]);
  });

  it('is the same for an authenticated caller', async () => {
    const r = await gw.execute('{ _service { sdl } }');
    const sdl = r.data?._service.sdl as string;
    expect(readFileSync(SDL_FILE, 'utf8')).toBe(sdl.endsWith('\n') ? sdl : `${sdl}\n`);
  });
});
