/**
 * The caller's credentials: every operation of the contract refuses a missing or malformed token
 * (UNAUTHENTICATED) or account id (BAD_USER_INPUT) before any upstream call, operations that never
 * reach Zoho need none, and good credentials reach Zoho unchanged, on that request only.
 */
import nock from 'nock';
import { ACCOUNT_ID, AUTHORIZATION, createTestGateway, seed, zoho, type TestGateway } from '../helpers';

const CARD_ID = '1987000000724211';
const SESSION_ID = '1987000000724209';
const CUSTOMER_ID = '1987000000724207';

/** Every query and mutation of the contract with valid arguments, and its data when it fails. */
const OPERATIONS: Array<[string, string, unknown]> = [
  ['paymentMethod', `{ paymentMethod(id: "${CARD_ID}") { id } }`, { paymentMethod: null }],
  ['paymentMethods', `{ paymentMethods(ids: ["${CARD_ID}"]) { id } }`, null],
  ['paymentMethodSession', `{ paymentMethodSession(id: "${SESSION_ID}") { id } }`, { paymentMethodSession: null }],
  ['createPaymentMethodSession', `mutation { createPaymentMethodSession(input: { customerId: "${CUSTOMER_ID}" }) { userErrors { code } } }`, null],
  [
    'updatePaymentMethod',
    `mutation { updatePaymentMethod(input: { id: "${CARD_ID}", card: { expiryMonth: 3, expiryYear: 2027 } }) { userErrors { code } } }`,
    null,
  ],
  ['deletePaymentMethod', `mutation { deletePaymentMethod(input: { id: "${CARD_ID}" }) { userErrors { code } } }`, null],
];

const BAD_TOKEN = 'Zoho-oauthtoken 1000.bad';
const withAccount = { 'x-zoho-account-id': ACCOUNT_ID };

/** Headers a caller might send, and the error each must give. */
const BAD_CREDENTIALS: Array<[string, string, Record<string, string>]> = [
  ['no Authorization header', 'UNAUTHENTICATED', withAccount],
  ['an empty Authorization header', 'UNAUTHENTICATED', { ...withAccount, authorization: '' }],
  ["a 'Bearer x' token", 'UNAUTHENTICATED', { ...withAccount, authorization: 'Bearer x' }],
  ['a bare token without scheme', 'UNAUTHENTICATED', { ...withAccount, authorization: '1000.41d9f2a0c2d1.8fcc7b1e125f' }],
  ['the scheme with an empty token', 'UNAUTHENTICATED', { ...withAccount, authorization: 'Zoho-oauthtoken ' }],
  ['the scheme alone', 'UNAUTHENTICATED', { ...withAccount, authorization: 'Zoho-oauthtoken' }],
  ['a token with a space', 'UNAUTHENTICATED', { ...withAccount, authorization: `${BAD_TOKEN} more` }],
  ['a token with a tab', 'UNAUTHENTICATED', { ...withAccount, authorization: `${BAD_TOKEN}\tmore` }],
  ['a token with CR LF', 'UNAUTHENTICATED', { ...withAccount, authorization: `${BAD_TOKEN}\r\nX-Injected: 1` }],
  ['a token with a NUL', 'UNAUTHENTICATED', { ...withAccount, authorization: `${BAD_TOKEN}\u0000` }],
  ['a token with a DEL', 'UNAUTHENTICATED', { ...withAccount, authorization: `${BAD_TOKEN}\u007f` }],
  ['no X-Zoho-Account-Id header', 'BAD_USER_INPUT', { authorization: AUTHORIZATION }],
  ['an empty account id', 'BAD_USER_INPUT', { authorization: AUTHORIZATION, 'x-zoho-account-id': '' }],
  ['a non-digit account id', 'BAD_USER_INPUT', { authorization: AUTHORIZATION, 'x-zoho-account-id': 'acct-23137556' }],
  ['a negative account id', 'BAD_USER_INPUT', { authorization: AUTHORIZATION, 'x-zoho-account-id': '-23137556' }],
  ['an account id with a query', 'BAD_USER_INPUT', { authorization: AUTHORIZATION, 'x-zoho-account-id': '23137556&x=1' }],
  ['a 20-digit account id', 'BAD_USER_INPUT', { authorization: AUTHORIZATION, 'x-zoho-account-id': '12345678901234567890' }],
];

let gw: TestGateway;
/** Requests that reached for the network (nock has no interceptor here, so any call is one). */
let unmatched: string[];
const onNoMatch = (req: { method?: string; path?: string }) => unmatched.push(`${req.method} ${req.path}`);

beforeEach(async () => {
  gw = await createTestGateway();
  unmatched = [];
  nock.emitter.on('no match', onNoMatch);
});
afterEach(async () => {
  nock.emitter.removeListener('no match', onNoMatch);
  await gw.stop();
});

describe.each(OPERATIONS)('%s', (_, operation, failedData) => {
  it.each(BAD_CREDENTIALS)('with %s fails with %s and calls nobody', async (_, code, headers) => {
    const r = await gw.execute(operation, undefined, headers);
    expect(r.data).toEqual(failedData);
    expect(r.errors?.map((e) => e.extensions?.['code'])).toEqual([code]);
    expect(JSON.stringify(r)).not.toContain('1000.');
    expect(unmatched).toEqual([]);
  });
});

// The headers are not input: even with an input that is wrong too, a mutation reports them as a
// GraphQL error (never a user error on ["input"]), before it looks at the input or calls Zoho.
it.each([
  ['createPaymentMethodSession', `mutation { createPaymentMethodSession(input: { customerId: "cust_1" }) { userErrors { code } } }`],
  ['updatePaymentMethod', `mutation { updatePaymentMethod(input: { id: "${CARD_ID}" }) { userErrors { code } } }`],
  ['deletePaymentMethod', `mutation { deletePaymentMethod(input: { id: "pm_1" }) { userErrors { code } } }`],
])('%s with a bad input and no account id or no token: the header error, data null, no call', async (_, operation) => {
  for (const [headers, code] of [
    [{ authorization: AUTHORIZATION }, 'BAD_USER_INPUT'],
    [{ authorization: AUTHORIZATION, 'x-zoho-account-id': 'acct-1' }, 'BAD_USER_INPUT'],
    [withAccount, 'UNAUTHENTICATED'],
  ] as const) {
    const r = await gw.execute(operation, undefined, headers);
    expect(r.data).toBeNull();
    expect(r.errors?.map((e) => e.extensions?.['code'])).toEqual([code]);
  }
  expect(unmatched).toEqual([]);
});

it('notices a call nobody mocked (the check above can fail)', async () => {
  const r = await gw.execute(OPERATIONS[0]![1]);
  expect(r.errors?.[0]?.extensions?.['code']).toBe('UPSTREAM_ERROR');
  expect(unmatched).toEqual([`GET /api/v1/paymentmethods/${CARD_ID}?account_id=${ACCOUNT_ID}`]);
});

it.each([
  ['no headers', {}],
  ["a 'Bearer x' token", { authorization: 'Bearer x', 'x-zoho-account-id': ACCOUNT_ID }],
  ['a bad account id', { authorization: AUTHORIZATION, 'x-zoho-account-id': 'abc' }],
])('answers introspection and the federation SDL with %s', async (_, headers) => {
  const r = await gw.execute('{ __schema { queryType { name } mutationType { name } } _service { sdl } }', undefined, headers);
  expect(r.errors).toBeUndefined();
  expect(r.data?.__schema).toEqual({ queryType: { name: 'Query' }, mutationType: { name: 'Mutation' } });
  expect(r.data?._service.sdl).toContain('type PaymentMethod @key(fields: "id")');
  expect(unmatched).toEqual([]);
});

it('forwards the token unchanged and the account id as account_id, on every call of the request', async () => {
  const authorization = 'Zoho-oauthtoken 1000.Ab9~x+y/z-_.Q==';
  const headers = { authorization, 'x-zoho-account-id': '9223372036854775807' };
  const query = { account_id: '9223372036854775807' };
  zoho(authorization).get(`/api/v1/paymentmethods/${CARD_ID}`).query(query).reply(200, seed('retrieve-payment-method.response'));
  zoho(authorization)
    .put(`/api/v1/paymentmethods/${CARD_ID}`, { type: 'card', card: { expiry_month: '03', expiry_year: '27' } })
    .query(query)
    .reply(200, seed('update-payment-method.response'));
  const r = await gw.execute(OPERATIONS[4]![1], undefined, headers);
  expect(r).toEqual({ data: { updatePaymentMethod: { userErrors: [] } } });
  expect(gw.lastUpstreamCalls()).toHaveLength(2);
  expect(gw.logs.text()).not.toContain('1000.Ab9');
});

it("sends each concurrent request's own credentials, and no other request's", async () => {
  const callers = [
    { authorization: 'Zoho-oauthtoken 1000.first.aaaa', 'x-zoho-account-id': '1000000001' },
    { authorization: 'Zoho-oauthtoken 1000.second.bbbb', 'x-zoho-account-id': '1000000002' },
  ];
  for (const caller of callers) {
    zoho(caller.authorization)
      .get(`/api/v1/paymentmethods/${CARD_ID}`)
      .query({ account_id: caller['x-zoho-account-id'] })
      .delay(20)
      .reply(200, seed('retrieve-payment-method.response'));
  }
  const results = await Promise.all(callers.map((caller) => gw.execute(OPERATIONS[0]![1], undefined, caller)));
  expect(results).toEqual([
    { data: { paymentMethod: { id: CARD_ID } } },
    { data: { paymentMethod: { id: CARD_ID } } },
  ]);
  expect(unmatched).toEqual([]);
});
