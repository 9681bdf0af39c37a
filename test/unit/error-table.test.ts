/**
 * contract.md, Errors: every row, at the datasource (ZohoPaymentsAPI) and end to end through
 * GraphQL (the real ApolloServer): the `extensions.code`, Zoho's status and code where it gave
 * them, no token in any error, no stack trace in production, and mutations turning what the
 * caller can fix (404, 400) into userErrors while everything else stays a GraphQL error.
 */
import net from 'node:net';
import type { AddressInfo } from 'node:net';
import nock from 'nock';
import { ZohoPaymentsAPI } from '../../src/datasources/ZohoPaymentsAPI';
import { zohoCredentials } from '../../src/credentials';
import { createZohoHttpClient } from '../../src/datasources/http-client';
import { rejection,
  ACCOUNT_ID,
  AUTHORIZATION,
  TOKEN,
  ZOHO_API_URL,
  captureLogger,
  createTestGateway,
  seed,
  zoho,
  type OperationResult,
  type TestGateway,
  TEST_FETCHER,
} from '../helpers';

const PM_ID = '1987000000724211';
const SESSION_ID = '1987000000724209';
const CUSTOMER_ID = '1987000000724207';
const QUERY = { account_id: ACCOUNT_ID };
/** Short enough to keep the suite fast, long enough for a nock reply on a loaded machine. */
const TIMEOUT_MS = 100;
const SLOW_MS = 600;

/** What Node emits on a reset socket. (A plain `{ code }` object makes nock 14 + node-fetch hang.) */
const connectionReset = () => Object.assign(new Error('read ECONNRESET'), { code: 'ECONNRESET' });
const zohoError = (code: string | number, message: string) => ({ code, message });
/** A well-formed reply for every method (both payloads), but with a non-zero envelope code. */
const failedEnvelope = (code: string | number) => ({
  ...seed('retrieve-payment-method.response'),
  ...seed('create-session.response'),
  code,
  message: 'failed',
});

// ---------------------------------------------------------------------------------------------
// The table

type Reply = (interceptor: nock.Interceptor) => nock.Scope;

interface Row {
  when: string;
  reply: Reply;
  code: string;
  upstreamStatus?: number;
  upstreamCode?: string;
  retryAfterSeconds?: number;
  /** The datasource's time limit for this row (the timeout rows need a short one). */
  timeoutMs?: number;
}

/** Rows that apply to every upstream call, whatever its method and payload. */
const ROWS: Row[] = [
  {
    when: '401 with a numeric Zoho code',
    reply: (i) => i.reply(401, zohoError(57, `Invalid OAuth token: ${AUTHORIZATION}`)),
    code: 'UNAUTHENTICATED',
    upstreamStatus: 401,
    upstreamCode: '57',
  },
  {
    when: '401 with an empty body',
    reply: (i) => i.reply(401, ''),
    code: 'UNAUTHENTICATED',
    upstreamStatus: 401,
  },
  {
    when: '403 (token lacks the scope)',
    reply: (i) => i.reply(403, zohoError('error', `Token ${TOKEN} lacks scope ZohoPay.paymentmethods.READ`)),
    code: 'FORBIDDEN',
    upstreamStatus: 403,
    upstreamCode: 'error',
  },
  {
    when: '429 with Retry-After: 30',
    reply: (i) => i.reply(429, zohoError('error', 'Rate limit exceeded'), { 'Retry-After': '30' }),
    code: 'RATE_LIMITED',
    upstreamStatus: 429,
    upstreamCode: 'error',
    retryAfterSeconds: 30,
  },
  {
    when: '429 without Retry-After',
    reply: (i) => i.reply(429, zohoError('error', 'Rate limit exceeded')),
    code: 'RATE_LIMITED',
    upstreamStatus: 429,
    upstreamCode: 'error',
  },
  {
    when: '429 with an unreadable Retry-After',
    reply: (i) => i.reply(429, '', { 'Retry-After': 'soon' }),
    code: 'RATE_LIMITED',
    upstreamStatus: 429,
  },
  {
    when: '500 with a Zoho error body',
    reply: (i) => i.reply(500, zohoError('error', 'Internal error')),
    code: 'UPSTREAM_ERROR',
    upstreamStatus: 500,
    upstreamCode: 'error',
  },
  {
    when: '502 with an HTML body',
    reply: (i) => i.reply(502, '<html><body><h1>502 Bad Gateway</h1></body></html>', { 'content-type': 'text/html' }),
    code: 'UPSTREAM_ERROR',
    upstreamStatus: 502,
  },
  {
    when: '503 with an empty body',
    reply: (i) => i.reply(503, ''),
    code: 'UPSTREAM_ERROR',
    upstreamStatus: 503,
  },
  {
    when: '500 with a truncated JSON body',
    reply: (i) => i.reply(500, '{"code":"error","mess', { 'content-type': 'application/json' }),
    code: 'UPSTREAM_ERROR',
    upstreamStatus: 500,
  },
  {
    when: '405 (method not allowed)',
    reply: (i) => i.reply(405, zohoError('error', 'Method not allowed')),
    code: 'UPSTREAM_ERROR',
    upstreamStatus: 405,
    upstreamCode: 'error',
  },
  {
    when: '200 with malformed JSON',
    reply: (i) => i.reply(200, "{code: 0, message: 'success'}", { 'content-type': 'application/json' }),
    code: 'UPSTREAM_ERROR',
    upstreamStatus: 200,
  },
  {
    when: '200 with an HTML body',
    reply: (i) => i.reply(200, '<!doctype html><title>Zoho</title>', { 'content-type': 'text/html' }),
    code: 'UPSTREAM_ERROR',
    upstreamStatus: 200,
  },
  {
    when: '200 with an empty body',
    reply: (i) => i.reply(200, ''),
    code: 'UPSTREAM_ERROR',
    upstreamStatus: 200,
  },
  {
    when: '200 whose envelope code is a non-zero string',
    reply: (i) => i.reply(200, failedEnvelope('error')),
    code: 'UPSTREAM_ERROR',
    upstreamStatus: 200,
    upstreamCode: 'error',
  },
  {
    when: '200 whose envelope code is a non-zero number',
    reply: (i) => i.reply(200, failedEnvelope(1002)),
    code: 'UPSTREAM_ERROR',
    upstreamStatus: 200,
    upstreamCode: '1002',
  },
  {
    when: 'no answer within the timeout',
    reply: (i) => i.delay(SLOW_MS).reply(200, seed('retrieve-payment-method.response')),
    code: 'UPSTREAM_TIMEOUT',
    timeoutMs: TIMEOUT_MS,
  },
  {
    when: 'a body that does not arrive within the timeout',
    reply: (i) => i.delayBody(SLOW_MS).reply(200, seed('retrieve-payment-method.response')),
    code: 'UPSTREAM_TIMEOUT',
    timeoutMs: TIMEOUT_MS,
  },
  {
    when: 'a connection reset',
    reply: (i) => i.replyWithError(connectionReset()),
    code: 'UPSTREAM_ERROR',
  },
  {
    // Not Zoho's "no such id": the request never reached the API (e.g. a wrong ZOHO_API_URL).
    when: 'a 404 HTML page without Zoho\'s envelope',
    reply: (i) => i.reply(404, '<html><body>Not Found</body></html>', { 'content-type': 'text/html' }),
    code: 'UPSTREAM_ERROR',
    upstreamStatus: 404,
  },
];

/**
 * Zoho's "not found": only a 404 with its resource_does_not_exist code (contract.md, Limits): null
 * from the GETs, NOT_FOUND from the writes (which mutations make a user error). The same code on
 * a 400 is one of the BAD_REQUEST_ROWS below.
 */
const NOT_FOUND_ROWS: Row[] = [404].map((status) => ({
  when: `${status} resource_does_not_exist`,
  reply: (i) => i.reply(status, zohoError('resource_does_not_exist', 'Resource does not exist')),
  code: 'NOT_FOUND',
  upstreamStatus: status,
  upstreamCode: 'resource_does_not_exist',
}));
const NOT_FOUND_ROW = NOT_FOUND_ROWS[0]!;

/** Zoho's documented error codes (contract.md) on a 400: a query's BAD_USER_INPUT. */
const DOCUMENTED_CODES = [
  'resource_does_not_exist',
  'invalid_payment_session',
  'customer_max_payment_methods',
  'payment_method_unactivated',
  'error',
];
const BAD_REQUEST_ROWS: Row[] = DOCUMENTED_CODES.map((zohoCode) => ({
  when: `400 ${zohoCode}`,
  reply: (i) => i.reply(400, zohoError(zohoCode, `Rejected (${zohoCode}) for ${AUTHORIZATION}`)),
  code: 'BAD_USER_INPUT',
  upstreamStatus: 400,
  upstreamCode: zohoCode,
}));

/**
 * A 400 about the account id (the X-Zoho-Account-Id header, sent as `account_id`): BAD_USER_INPUT
 * as a GraphQL error in queries and mutations alike, never a mutation's user error (the header is
 * not input). The sandbox's code for it; Zoho documents none.
 */
const ACCOUNT_ID_ROW: Row = {
  when: '400 invalid_account_id',
  reply: (i) => i.reply(400, zohoError('invalid_account_id', 'The OAuth token has no access to this account_id.')),
  code: 'BAD_USER_INPUT',
  upstreamStatus: 400,
  upstreamCode: 'invalid_account_id',
};

/** Zoho's (and the sandbox's) 400 for a change that does not fit the payment method's type. */
const TYPE_MISMATCH_ROW: Row = {
  when: '400 payment_method_type_mismatch',
  reply: (i) => i.reply(400, zohoError('payment_method_type_mismatch', 'The payment method is of type ach_debit, not card.')),
  code: 'BAD_USER_INPUT',
  upstreamStatus: 400,
  upstreamCode: 'payment_method_type_mismatch',
};

type Json = Record<string, Record<string, unknown>>;

/** A seeds reply changed by `edit` (the seed is parsed afresh each time). */
function edited(name: string, edit: (reply: Json) => void): Json {
  const reply = seed<Json>(name);
  edit(reply);
  return reply;
}

/** 200 replies whose body is not what the method expects (Zoho's envelope code 0, if any, kept). */
function shapeRows(payloadKey: 'payment_method' | 'payment_method_session' | null): Row[] {
  const row = (when: string, body: object | string, envelopeCode: boolean = true): Row => ({
    when: `200 ${when}`,
    reply: (i) => i.reply(200, body, { 'content-type': 'application/json' }),
    code: 'UPSTREAM_ERROR',
    upstreamStatus: 200,
    upstreamCode: envelopeCode ? '0' : undefined,
  });
  if (payloadKey === null) return [row('without code', { message: 'Payment method deleted' }, false)];

  const name = payloadKey === 'payment_method' ? 'retrieve-payment-method.response' : 'retrieve-session.response';
  const idKey = `${payloadKey}_id`;
  const rows = [
    row(`without ${payloadKey}`, edited(name, (r) => delete r[payloadKey])),
    row(`with ${payloadKey} a string`, { ...seed<Json>(name), [payloadKey]: 'x' }),
    row(`without ${idKey}`, edited(name, (r) => delete r[payloadKey]![idKey])),
    row('with a truncated JSON body', JSON.stringify(seed(name)).slice(0, 60), false),
  ];
  if (payloadKey === 'payment_method') {
    rows.push(row('with type card but no card', edited(name, (r) => delete r['payment_method']!['card'])));
    rows.push(
      row(
        'with type ach_debit but no ach_debit',
        edited(name, (r) => {
          r['payment_method']!['type'] = 'ach_debit';
          delete r['payment_method']!['card'];
        }),
      ),
    );
  }
  return rows;
}

// ---------------------------------------------------------------------------------------------
// The datasource

interface Method {
  name: string;
  verb: 'GET' | 'PUT' | 'DELETE' | 'POST';
  path: string;
  body?: () => nock.DataMatcherMap;
  payloadKey: 'payment_method' | 'payment_method_session' | null;
  call: (api: ZohoPaymentsAPI) => Promise<unknown>;
}

const METHOD = {
  getPaymentMethod: {
    name: 'getPaymentMethod',
    verb: 'GET',
    path: `/api/v1/paymentmethods/${PM_ID}`,
    payloadKey: 'payment_method',
    call: (api) => api.getPaymentMethod(PM_ID),
  },
  updatePaymentMethod: {
    name: 'updatePaymentMethod',
    verb: 'PUT',
    path: `/api/v1/paymentmethods/${PM_ID}`,
    body: () => seed('update-payment-method.request'),
    payloadKey: 'payment_method',
    call: (api) => api.updatePaymentMethod(PM_ID, seed('update-payment-method.request')),
  },
  deletePaymentMethod: {
    name: 'deletePaymentMethod',
    verb: 'DELETE',
    path: `/api/v1/paymentmethods/${PM_ID}`,
    payloadKey: null,
    call: (api) => api.deletePaymentMethod(PM_ID),
  },
  createPaymentMethodSession: {
    name: 'createPaymentMethodSession',
    verb: 'POST',
    path: '/api/v1/paymentmethodsessions',
    body: () => seed('create-session.request'),
    payloadKey: 'payment_method_session',
    call: (api) => api.createPaymentMethodSession(seed('create-session.request')),
  },
  getPaymentMethodSession: {
    name: 'getPaymentMethodSession',
    verb: 'GET',
    path: `/api/v1/paymentmethodsessions/${SESSION_ID}`,
    payloadKey: 'payment_method_session',
    call: (api) => api.getPaymentMethodSession(SESSION_ID),
  },
} satisfies Record<string, Method>;
const METHODS: Method[] = Object.values(METHOD);

/** The exact request a method sends: method, path, account_id query, headers and JSON body. */
function expectCall(method: Method, scope: nock.Scope = zoho()): nock.Interceptor {
  const interceptor = method.body
    ? scope.intercept(method.path, method.verb, method.body()).matchHeader('content-type', 'application/json')
    : scope.intercept(method.path, method.verb);
  return interceptor.query(QUERY);
}

function datasource(timeoutMs = 2000, baseURL = ZOHO_API_URL): ZohoPaymentsAPI {
  return new ZohoPaymentsAPI({
    baseURL,
    credentials: zohoCredentials(AUTHORIZATION, ACCOUNT_ID),
    timeoutMs,
    logger: captureLogger('silent').logger,
    // The client calls its own origin only: another base URL needs a client of its own.
    fetch: baseURL === ZOHO_API_URL ? TEST_FETCHER : createZohoHttpClient({ baseURL, maxSockets: 8 }).fetch,
  });
}


/** The extensions a row expects, with the keys Zoho did not give left out entirely. */
function expectedExtensions(row: Row): Record<string, unknown> {
  const { code, upstreamStatus, upstreamCode, retryAfterSeconds } = row;
  return Object.fromEntries(
    Object.entries({ code, upstreamStatus, upstreamCode, retryAfterSeconds }).filter(([, v]) => v !== undefined),
  );
}

/** What a client sees: the row's extensions and the request id every GraphQL error carries. */
function expectedGraphQLExtensions(row: Row): Record<string, unknown> {
  return { ...expectedExtensions(row), requestId: expect.stringMatching(/^[0-9a-f-]{36}$/) };
}

function expectNoToken(value: unknown): void {
  expect(JSON.stringify(value)).not.toContain(TOKEN);
}

const methodRows = METHODS.flatMap((method) =>
  [...ROWS, ...shapeRows(method.payloadKey)].map((row) => [method.name, row.when, method, row] as const),
);

describe('the error table at the datasource', () => {
  it.each(methodRows)('%s: %s', async (_name, _when, method, row) => {
    row.reply(expectCall(method));

    const error = await rejection(method.call(datasource(row.timeoutMs)));
    expect(error.extensions).toStrictEqual(expectedExtensions(row));
    expectNoToken({ message: error.message, extensions: error.extensions });
  });

  it.each(
    METHODS.flatMap((method) => BAD_REQUEST_ROWS.map((row) => [method.name, row.when, method, row] as const)),
  )('%s: %s is BAD_USER_INPUT with Zoho code', async (_name, _when, method, row) => {
    row.reply(expectCall(method));

    const error = await rejection(method.call(datasource()));
    expect(error.extensions).toStrictEqual(expectedExtensions(row));
    expectNoToken({ message: error.message, extensions: error.extensions });
  });

  it.each(
    METHODS.filter((m) => m.verb !== 'GET').flatMap((m) => NOT_FOUND_ROWS.map((row) => [m.name, row.when, m, row] as const)),
  )('%s: %s is NOT_FOUND (only the GETs turn it into null)', async (_name, _when, method, row) => {
    row.reply(expectCall(method));

    const error = await rejection(method.call(datasource()));
    expect(error.extensions).toStrictEqual(expectedExtensions(row));
  });

  it.each(
    METHODS.filter((m) => m.verb === 'GET').flatMap((m) => NOT_FOUND_ROWS.map((row) => [m.name, row.when, m, row] as const)),
  )('%s: %s is null', async (_name, _when, method, row) => {
    row.reply(expectCall(method));

    await expect(method.call(datasource())).resolves.toBeNull();
  });

  it('429 with an HTTP-date Retry-After gives the seconds until that date', async () => {
    const inTwoMinutes = new Date(Date.now() + 120_000).toUTCString();
    expectCall(METHOD.getPaymentMethod).reply(429, zohoError('error', 'Rate limit exceeded'), { 'Retry-After': inTwoMinutes });

    const error = await rejection(datasource().getPaymentMethod(PM_ID));
    expect(error.extensions).toMatchObject({ code: 'RATE_LIMITED', upstreamStatus: 429, upstreamCode: 'error' });
    expect(error.extensions['retryAfterSeconds']).toBeGreaterThanOrEqual(118);
    expect(error.extensions['retryAfterSeconds']).toBeLessThanOrEqual(120);
  });

  it('a real reset connection (a loopback server that drops the socket) is UPSTREAM_ERROR', async () => {
    const server = net.createServer((socket) => socket.resetAndDestroy());
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const { port } = server.address() as AddressInfo;
    nock.enableNetConnect(`127.0.0.1:${port}`);
    try {
      const error = await rejection(datasource(2000, `http://127.0.0.1:${port}/api/v1`).getPaymentMethod(PM_ID));
      expect(error.extensions).toStrictEqual({ code: 'UPSTREAM_ERROR' });
    } finally {
      nock.disableNetConnect();
      await new Promise((resolve) => server.close(resolve));
    }
  });

  it.each([
    ["the embedded sandbox's token", 'sandbox_full'],
    ['a token with non-hex parts', '1000.Q2xpZW50U2VjcmV0.T3BhcXVlVG9rZW4'],
  ])("never echoes the caller's token, even one not shaped like Zoho's (%s)", async (_name, token) => {
    const authorization = `Zoho-oauthtoken ${token}`;
    zoho(authorization).get(`/api/v1/paymentmethods/${PM_ID}`).query(QUERY).reply(401, zohoError('error', `Token ${token} has expired`));

    const api = new ZohoPaymentsAPI({
      baseURL: ZOHO_API_URL,
      credentials: zohoCredentials(authorization, ACCOUNT_ID),
      timeoutMs: 2000,
      logger: captureLogger('silent').logger,
      fetch: TEST_FETCHER,
    });
    const error = await rejection(api.getPaymentMethod(PM_ID));
    expect(error.extensions['code']).toBe('UNAUTHENTICATED');
    expect(JSON.stringify({ message: error.message, extensions: error.extensions })).not.toContain(token);
  });
});

// ---------------------------------------------------------------------------------------------
// End to end through GraphQL

const USER_ERROR = 'userErrors { field code message }';
const CREATE_INPUT = { customerId: CUSTOMER_ID, description: `Payment method session for customer ${CUSTOMER_ID}` };
const UPDATE_INPUT = { id: PM_ID, card: { expiryMonth: 1, expiryYear: 2027 } };
const UPDATE_BODY = { type: 'card', card: { expiry_month: '01', expiry_year: '27' } };

interface Operation {
  name: string;
  query: string;
  variables: Record<string, unknown>;
  /** The root field. */
  field: string;
  /** Declares the upstream calls; the last one is answered by the row's reply. */
  upstream: (reply: Reply) => void;
  /** The payload key Zoho's reply must carry (for the shape rows). */
  zohoPayload: 'payment_method' | 'payment_method_session' | null;
}

interface MutationOperation extends Operation {
  /** The payload's field that is null when the mutation did not happen. */
  resultField: string;
  /** The input path a NOT_FOUND user error points at. */
  notFoundField: string[];
  /** The input path a TYPE_MISMATCH user error from Zoho points at. */
  typeMismatchField: string[];
}

const PAYMENT_METHOD_QUERY: Operation = {
  name: 'query paymentMethod',
  query: 'query ($id: ID!) { paymentMethod(id: $id) { id status } }',
  variables: { id: PM_ID },
  field: 'paymentMethod',
  upstream: (reply) => reply(expectCall(METHOD.getPaymentMethod)),
  zohoPayload: 'payment_method',
};

const SESSION_QUERY: Operation = {
  name: 'query paymentMethodSession',
  query: 'query ($id: ID!) { paymentMethodSession(id: $id) { id status } }',
  variables: { id: SESSION_ID },
  field: 'paymentMethodSession',
  upstream: (reply) => reply(expectCall(METHOD.getPaymentMethodSession)),
  zohoPayload: 'payment_method_session',
};

const DELETE_MUTATION: MutationOperation = {
  name: 'deletePaymentMethod',
  query: `mutation ($id: ID!) { deletePaymentMethod(input: { id: $id }) { deletedPaymentMethodId ${USER_ERROR} } }`,
  variables: { id: PM_ID },
  field: 'deletePaymentMethod',
  upstream: (reply) => reply(expectCall(METHOD.deletePaymentMethod)),
  zohoPayload: null,
  resultField: 'deletedPaymentMethodId',
  notFoundField: ['input', 'id'],
  typeMismatchField: ['input'],
};

const CREATE_MUTATION: MutationOperation = {
  name: 'createPaymentMethodSession',
  query: `mutation ($input: CreatePaymentMethodSessionInput!) {
    createPaymentMethodSession(input: $input) { paymentMethodSession { id status } ${USER_ERROR} } }`,
  variables: { input: CREATE_INPUT },
  field: 'createPaymentMethodSession',
  upstream: (reply) => reply(expectCall(METHOD.createPaymentMethodSession)),
  zohoPayload: 'payment_method_session',
  resultField: 'paymentMethodSession',
  notFoundField: ['input', 'customerId'],
  typeMismatchField: ['input'],
};

const UPDATE_MUTATION: MutationOperation = {
  name: 'updatePaymentMethod',
  query: `mutation ($input: UpdatePaymentMethodInput!) {
    updatePaymentMethod(input: $input) { paymentMethod { id } ${USER_ERROR} } }`,
  variables: { input: UPDATE_INPUT },
  field: 'updatePaymentMethod',
  // The resolver reads the method's type first, then sends the PUT that the row answers.
  upstream: (reply) => {
    zoho().get(`/api/v1/paymentmethods/${PM_ID}`).query(QUERY).reply(200, seed('retrieve-payment-method.response'));
    reply(zoho().put(`/api/v1/paymentmethods/${PM_ID}`, UPDATE_BODY).matchHeader('content-type', 'application/json').query(QUERY));
  },
  zohoPayload: 'payment_method',
  resultField: 'paymentMethod',
  notFoundField: ['input', 'id'],
  // UPDATE_INPUT changes the card.
  typeMismatchField: ['input', 'card'],
};

const MUTATIONS = [DELETE_MUTATION, CREATE_MUTATION, UPDATE_MUTATION];

/** Every row that must surface as a GraphQL error for this operation. */
const errorRows = (operation: Operation): Row[] => [...ROWS, ACCOUNT_ID_ROW, ...shapeRows(operation.zohoPayload)];

let gateway: TestGateway;
let slowGateway: TestGateway;
let production: TestGateway;
let slowProduction: TestGateway;

/** Runs an operation against the gateway the row needs, checking that no token shows anywhere. */
async function run(operation: Operation, row: Row, mode: 'test' | 'production' = 'test'): Promise<OperationResult> {
  operation.upstream(row.reply);
  const slow = row.timeoutMs !== undefined;
  const gw = mode === 'production' ? (slow ? slowProduction : production) : slow ? slowGateway : gateway;
  const result = await gw.execute(operation.query, operation.variables);
  expectNoToken(result);
  expectNoToken(gw.logs.text());
  return result;
}

/** The one GraphQL error of a result, and its extensions without Apollo's development stacktrace. */
function onlyError(result: OperationResult, field: string) {
  expect(result.errors).toHaveLength(1);
  const error = result.errors![0]!;
  expect(error.path).toEqual([field]);
  const { stacktrace: _stacktrace, ...extensions } = error.extensions ?? {};
  return { error, extensions };
}

const named = (rows: Row[]) => rows.map((row) => [row.when, row] as const);

describe('the error table through GraphQL', () => {
  beforeAll(async () => {
    [gateway, slowGateway, production, slowProduction] = await Promise.all([
      createTestGateway(),
      createTestGateway({ zohoTimeoutMs: TIMEOUT_MS }),
      createTestGateway({ nodeEnv: 'production' }),
      createTestGateway({ nodeEnv: 'production', zohoTimeoutMs: TIMEOUT_MS }),
    ]);
  });

  afterAll(async () => {
    await Promise.all([gateway, slowGateway, production, slowProduction].map((g) => g.stop()));
  });

  describe.each([PAYMENT_METHOD_QUERY, SESSION_QUERY])('$name', (operation) => {
    it.each(named([...errorRows(operation), ...BAD_REQUEST_ROWS]))('%s', async (_when, row) => {
      const result = await run(operation, row);
      expect(result.data).toEqual({ [operation.field]: null });
      expect(onlyError(result, operation.field).extensions).toStrictEqual(expectedGraphQLExtensions(row));
    });

    it('404 is null, without an error', async () => {
      const result = await run(operation, NOT_FOUND_ROW);
      expect(result.errors).toBeUndefined();
      expect(result.data).toEqual({ [operation.field]: null });
    });

    it('429 with an HTTP-date Retry-After: retryAfterSeconds counts to that date', async () => {
      const inTwoMinutes = new Date(Date.now() + 120_000).toUTCString();
      const row: Row = {
        when: '429 with an HTTP-date Retry-After',
        reply: (i) => i.reply(429, zohoError('error', 'Rate limit exceeded'), { 'Retry-After': inTwoMinutes }),
        code: 'RATE_LIMITED',
      };
      const { extensions } = onlyError(await run(operation, row), operation.field);
      expect(extensions).toMatchObject({ code: 'RATE_LIMITED', upstreamStatus: 429, upstreamCode: 'error' });
      expect(extensions['retryAfterSeconds']).toBeGreaterThanOrEqual(118);
      expect(extensions['retryAfterSeconds']).toBeLessThanOrEqual(120);
    });
  });

  describe('production mode', () => {
    it.each(named([...errorRows(PAYMENT_METHOD_QUERY), ...BAD_REQUEST_ROWS]))(
      '%s: same extensions, no stacktrace, no token',
      async (_when, row) => {
        const { error, extensions } = onlyError(await run(PAYMENT_METHOD_QUERY, row, 'production'), 'paymentMethod');
        expect(error.extensions).not.toHaveProperty('stacktrace');
        expect(extensions).toStrictEqual(expectedGraphQLExtensions(row));
      },
    );

    it.each(MUTATIONS)('mutation $name: its GraphQL errors carry no stacktrace either', async (mutation) => {
      const { error } = onlyError(await run(mutation, ROWS[0]!, 'production'), mutation.field);
      expect(error.extensions).toMatchObject({ code: 'UNAUTHENTICATED' });
      expect(error.extensions).not.toHaveProperty('stacktrace');
    });

    it('outside production the same error does carry a stacktrace (so the checks above can fail)', async () => {
      const { error } = onlyError(await run(PAYMENT_METHOD_QUERY, ROWS[0]!), 'paymentMethod');
      expect(error.extensions).toHaveProperty('stacktrace');
    });
  });

  describe.each(MUTATIONS)('mutation $name', (mutation) => {
    const userErrorCode = (zohoCode: string | undefined) =>
      zohoCode === 'resource_does_not_exist' ? 'NOT_FOUND' : zohoCode === 'error' ? 'UNKNOWN' : 'INVALID';

    it('404 is a NOT_FOUND userError on the id', async () => {
      const result = await run(mutation, NOT_FOUND_ROW);
      expect(result.errors).toBeUndefined();
      expect(result.data?.[mutation.field]).toEqual({
        [mutation.resultField]: null,
        userErrors: [{ field: mutation.notFoundField, code: 'NOT_FOUND', message: expect.any(String) }],
      });
    });

    it.each(BAD_REQUEST_ROWS.map((row) => [row.when, userErrorCode(row.upstreamCode), row] as const))(
      '%s is a %s userError',
      async (_when, code, row) => {
        const result = await run(mutation, row);
        expect(result.errors).toBeUndefined();
        expect(result.data?.[mutation.field]).toEqual({
          [mutation.resultField]: null,
          userErrors: [{ field: code === 'NOT_FOUND' ? mutation.notFoundField : ['input'], code, message: expect.any(String) }],
        });
      },
    );

    it('400 payment_method_type_mismatch is a TYPE_MISMATCH userError on the change that did not fit', async () => {
      const result = await run(mutation, TYPE_MISMATCH_ROW);
      expect(result.errors).toBeUndefined();
      expect(result.data?.[mutation.field]).toEqual({
        [mutation.resultField]: null,
        userErrors: [{ field: mutation.typeMismatchField, code: 'TYPE_MISMATCH', message: expect.stringContaining('not card') }],
      });
    });

    it.each(errorRows(mutation).map((row) => [row.when, row.code, row] as const))(
      '%s stays a %s GraphQL error, with data null',
      async (_when, _code, row) => {
        const result = await run(mutation, row);
        expect(result.data).toBeNull();
        expect(onlyError(result, mutation.field).extensions).toStrictEqual(expectedGraphQLExtensions(row));
      },
    );
  });

  it('a mutation that Zoho accepts has no userErrors and no errors (the rows above are not the default)', async () => {
    const result = await run(CREATE_MUTATION, { when: '200', code: '', reply: (i) => i.reply(200, seed('create-session.response')) });
    expect(result.errors).toBeUndefined();
    expect(result.data?.['createPaymentMethodSession']).toEqual({
      paymentMethodSession: { id: SESSION_ID, status: 'CREATED' },
      userErrors: [],
    });
  });
});
