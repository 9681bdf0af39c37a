/**
 * Issue 17's API additions through the real stack: the gateway as its own process (`src/main.ts`)
 * over real HTTP, against
 * - the sandbox as its own process (`npm run sandbox`, strict): billing-address-only updates and
 *   the update rules, per-index errors in `paymentMethods(ids:)`, the credentials of a mutation
 *   (its headers are not input), and Zoho refusing the account id;
 * - a Zoho stand-in (test/support/zoho-standin.ts) for what the sandbox cannot be made to send: a
 *   payment method type Zoho added later, absent and unknown card checks and holder types, odd
 *   currencies, and a PUT answered `payment_method_type_mismatch`. Each unknown value is logged
 *   once, as a warning, in the gateway process's own log.
 */
import nock from 'nock';
import { httpRequest, jsonOf, postGraphQL, type HttpReply } from '../http-client';
import { graphql, settledLogs, startRealGateway, type GraphQLReply, type RealGateway } from '../support/gateway-process';
import {
  LOOPBACK,
  startGatewayProcess,
  startSandboxProcess,
  stopAllProcesses,
  type GatewayProcess,
  type SandboxProcess,
} from '../support/processes';
import { startZohoStandin, type ZohoStandin } from '../support/zoho-standin';

jest.setTimeout(30_000);

// The sandbox's test data (sandbox/README.md).
const ACCOUNT_ID = '1000000001';
const FULL = { Authorization: 'Zoho-oauthtoken sandbox_full', 'X-Zoho-Account-Id': ACCOUNT_ID };
const FIXTURE_CARD = '1987000000724211';
const FIXTURE_ACH = '1987000000724212';

const ADDRESS = { name: 'Ada', addressLine1: '1 Analytical Way', city: 'London', country: 'GB', postalCode: 'N1 9GU' };
const UPDATE = `mutation ($input: UpdatePaymentMethodInput!) {
  updatePaymentMethod(input: $input) {
    paymentMethod {
      id type updatedAt
      details { __typename ... on CardDetails { expiryMonth expiryYear } ... on AchDebitDetails { accountHolderType } ... on UnknownPaymentMethodDetails { upstreamType } }
      billingAddress { name addressLine1 addressLine2 city state country postalCode }
    }
    userErrors { field code message }
  }
}`;
const READ = `query ($id: ID!) {
  paymentMethod(id: $id) {
    id type currency
    details {
      __typename
      ... on CardDetails { last4 checks { addressLine postalCode cvc } }
      ... on AchDebitDetails { accountHolderType last4 }
      ... on UnknownPaymentMethodDetails { upstreamType }
    }
    billingAddress { city country }
  }
}`;
const READ_MANY = 'query ($ids: [ID!]!) { paymentMethods(ids: $ids) { id type } }';
const MUTATIONS: Array<[string, string]> = [
  ['createPaymentMethodSession', 'mutation { createPaymentMethodSession(input: { customerId: "1987000000724207" }) { userErrors { field code } } }'],
  ['updatePaymentMethod', `mutation { updatePaymentMethod(input: { id: "${FIXTURE_CARD}", billingAddress: { country: "US" } }) { userErrors { field code } } }`],
  ['deletePaymentMethod', `mutation { deletePaymentMethod(input: { id: "${FIXTURE_ACH}" }) { userErrors { field code } } }`],
];

interface Result {
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  data?: Record<string, any> | null;
  errors?: Array<{ message: string; path?: Array<string | number>; extensions?: Record<string, unknown> }>;
}

afterAll(async () => {
  await stopAllProcesses();
  nock.disableNetConnect();
});

describe('against the sandbox', () => {
  let sandbox: SandboxProcess;
  let gateway: GatewayProcess;

  beforeAll(async () => {
    nock.enableNetConnect(LOOPBACK);
    sandbox = await startSandboxProcess();
    gateway = await startGatewayProcess({ ZOHO_API_URL: sandbox.apiUrl });
  }, 60_000);

  beforeEach(async () => {
    await control('POST', '/__sandbox/reset', {});
  });

  async function control<T = Record<string, unknown>>(method: 'GET' | 'POST', path: string, body?: unknown): Promise<T> {
    const reply: HttpReply = await httpRequest(`${sandbox.origin}${path}`, {
      method,
      headers: { 'content-type': 'application/json' },
      ...(body !== undefined && { body: JSON.stringify(body) }),
    });
    if (reply.status !== 200) throw new Error(`${method} ${path} answered ${reply.status}: ${reply.text}`);
    return jsonOf<T>(reply);
  }

  /** The sandbox's journal: what the gateway sent it, as "METHOD path status". */
  async function journal(): Promise<string[]> {
    const { requests } = await control<{ requests: Array<{ method: string; path: string; status: number }> }>('GET', '/__sandbox/requests');
    return requests.map((r) => `${r.method} ${r.path} ${r.status}`);
  }

  async function gql(query: string, variables: Record<string, unknown> = {}, headers: Record<string, string> = FULL): Promise<Result> {
    const reply = await postGraphQL(gateway.url, { query, variables }, headers);
    expect(reply.status).toBe(200);
    return jsonOf<Result>(reply);
  }

  test.each([
    ['the card', FIXTURE_CARD, 'CardDetails'],
    ['the ACH account', FIXTURE_ACH, 'AchDebitDetails'],
  ])('a billing address alone updates %s: GET then PUT, the address stored, nothing else changed', async (_, id, typename) => {
    const before = await gql(READ, { id });
    const updated = await gql(UPDATE, { input: { id, billingAddress: ADDRESS } });
    expect(updated.errors).toBeUndefined();
    expect(updated.data?.updatePaymentMethod).toEqual({
      paymentMethod: expect.objectContaining({
        id,
        details: expect.objectContaining({ __typename: typename }),
        billingAddress: { ...ADDRESS, addressLine2: null, state: null },
      }),
      userErrors: [],
    });
    const after = await gql(READ, { id });
    expect(after.data?.paymentMethod).toEqual({ ...before.data?.paymentMethod, billingAddress: { city: 'London', country: 'GB' } });
    expect((await journal()).filter((call) => call.startsWith('PUT'))).toEqual([`PUT /api/v1/paymentmethods/${id} 200`]);
  });

  test.each([
    ['no change at all', 'REQUIRED', ['input'], { id: FIXTURE_CARD }],
    ['both card and achDebit', 'INVALID', ['input', 'achDebit'], { id: FIXTURE_CARD, card: { expiryMonth: 1, expiryYear: 2031 }, achDebit: { accountHolderType: 'COMPANY' } }],
  ])('%s is %s on %j, and Zoho is not called', async (_, code, field, input) => {
    const result = await gql(UPDATE, { input });
    expect(result.errors).toBeUndefined();
    expect(result.data?.updatePaymentMethod).toEqual({ paymentMethod: null, userErrors: [{ field, code, message: expect.any(String) }] });
    expect(await journal()).toEqual([]);
  });

  test('paymentMethods(ids:): each malformed id is null with a BAD_USER_INPUT error at its own index; the others are read', async () => {
    const result = await gql(READ_MANY, { ids: [FIXTURE_CARD, 'x1', FIXTURE_ACH, '12345678901234567890', '1987000000999999999'] });
    expect(result.data).toEqual({
      paymentMethods: [{ id: FIXTURE_CARD, type: 'CARD' }, null, { id: FIXTURE_ACH, type: 'ACH_DEBIT' }, null, null],
    });
    expect(result.errors?.map((e) => [e.path, e.extensions?.['code']])).toEqual([
      [['paymentMethods', 1], 'BAD_USER_INPUT'],
      [['paymentMethods', 3], 'BAD_USER_INPUT'],
    ]);
    expect((await journal()).sort()).toEqual(
      [`GET /api/v1/paymentmethods/${FIXTURE_CARD} 200`, `GET /api/v1/paymentmethods/${FIXTURE_ACH} 200`, 'GET /api/v1/paymentmethods/1987000000999999999 404'].sort(),
    );
  });

  test.each(MUTATIONS)('%s: a missing or malformed account header or a missing token is a GraphQL error, never a user error; no call', async (_, mutation) => {
    for (const [headers, code] of [
      [{ Authorization: FULL.Authorization }, 'BAD_USER_INPUT'],
      [{ ...FULL, 'X-Zoho-Account-Id': 'acct-1000000001' }, 'BAD_USER_INPUT'],
      [{ 'X-Zoho-Account-Id': ACCOUNT_ID }, 'UNAUTHENTICATED'],
    ] as const) {
      const result = await gql(mutation, {}, headers);
      expect(result.data).toBeNull();
      expect(result.errors?.map((e) => e.extensions?.['code'])).toEqual([code]);
    }
    expect(await journal()).toEqual([]);
  });

  test.each(MUTATIONS)('%s: an account the token does not hold (400 invalid_account_id) is BAD_USER_INPUT, not a user error', async (_, mutation) => {
    const result = await gql(mutation, {}, { ...FULL, 'X-Zoho-Account-Id': '1000000002' });
    expect(result.data).toBeNull();
    expect(result.errors).toEqual([
      expect.objectContaining({ extensions: expect.objectContaining({ code: 'BAD_USER_INPUT', upstreamStatus: 400, upstreamCode: 'invalid_account_id' }) }),
    ]);
  });
});

describe('against a Zoho stand-in that sends what the sandbox cannot', () => {
  let standin: ZohoStandin;
  let gateway: RealGateway;
  const caller = { authorization: 'Zoho-oauthtoken 1000.additions0f1e2d3c.4b5a6978', accountId: '23137556' };
  /** The stand-in answers `id` with the caller's card, these fields replaced. */
  const serve = (id: string, paymentMethod: Record<string, unknown>) => standin.when({ id, reply: { kind: 'success', paymentMethod } });
  const read = (id: string) => graphql(gateway, caller, READ, { id });
  /** The warnings logged so far (every line written, logs being batched). */
  const warnings = async () => (await settledLogs(gateway)).filter((line) => line['level'] === 40);
  const noErrors = (reply: GraphQLReply) => {
    expect(reply.status).toBe(200);
    expect(reply.errors).toBeUndefined();
    return reply.data;
  };

  beforeAll(async () => {
    nock.enableNetConnect(LOOPBACK);
    standin = await startZohoStandin();
    gateway = await startRealGateway(standin.apiUrl);
  }, 60_000);

  afterAll(async () => {
    await gateway?.stop();
    await standin?.close();
  });

  test('a type Zoho added later is answered as UNKNOWN with UnknownPaymentMethodDetails, logged once, without its card data', async () => {
    serve('1001', { type: 'upi', card: { number: '4242424242424242' }, upi: { vpa: 'ada@bank' } });
    serve('1002', { type: 'upi', card: undefined });
    for (const id of ['1001', '1002', '1001']) {
      expect(noErrors(await read(id))).toEqual({
        paymentMethod: { id, type: 'UNKNOWN', currency: 'USD', details: { __typename: 'UnknownPaymentMethodDetails', upstreamType: 'upi' }, billingAddress: null },
      });
    }
    const logged = (await warnings()).filter((line) => line['enum'] === 'PaymentMethodType');
    expect(logged).toEqual([expect.objectContaining({ upstreamValue: 'upi', mappedTo: 'UNKNOWN' })]);
    expect(gateway.stdout()).not.toContain('4242424242424242');
  });

  test('a billing address alone updates a method of that type (the PUT sends its type back); a card change on it is TYPE_MISMATCH', async () => {
    serve('1003', { type: 'upi', card: undefined });
    const updated = await graphql(gateway, caller, UPDATE, { input: { id: '1003', billingAddress: { city: 'Pune', country: 'IN' } } });
    expect(noErrors(updated)?.['updatePaymentMethod']).toEqual({
      paymentMethod: expect.objectContaining({
        id: '1003',
        type: 'UNKNOWN',
        billingAddress: expect.objectContaining({ city: 'Pune', country: 'IN' }),
      }),
      userErrors: [],
    });
    const refused = await graphql(gateway, caller, UPDATE, { input: { id: '1003', card: { expiryMonth: 1, expiryYear: 2031 } } });
    expect(noErrors(refused)?.['updatePaymentMethod']).toEqual({
      paymentMethod: null,
      userErrors: [{ field: ['input', 'card'], code: 'TYPE_MISMATCH', message: expect.stringContaining('only "billingAddress"') }],
    });
    expect(standin.calls({ method: 'PUT', id: '1003' })).toBe(1);
  });

  test('card checks: absent and unknown are UNKNOWN (the unknown one logged once), unchecked is UNCHECKED', async () => {
    const card = { card_holder_name: 'Ada', last_four_digits: '4242', expiry_month: '01', expiry_year: '40' };
    serve('1004', { card: { ...card, card_checks: { postal_code_check: 'sorta', cvc_check: 'unchecked' } } });
    serve('1005', { card: { ...card, card_checks: { address_line_check: 'SORTA', postal_code_check: 'pass', cvc_check: '' } } });
    expect(noErrors(await read('1004'))?.['paymentMethod'].details.checks).toEqual({ addressLine: 'UNKNOWN', postalCode: 'UNKNOWN', cvc: 'UNCHECKED' });
    expect(noErrors(await read('1005'))?.['paymentMethod'].details.checks).toEqual({ addressLine: 'UNKNOWN', postalCode: 'PASS', cvc: 'UNKNOWN' });
    expect((await warnings()).filter((line) => line['enum'] === 'CardCheckResult')).toEqual([expect.objectContaining({ upstreamValue: 'sorta', mappedTo: 'UNKNOWN' })]);
  });

  test('an ACH holder type Zoho added later is UNKNOWN, logged once', async () => {
    const ach = { account_holder_name: 'Ada', account_holder_type: 'trust', last_four_digits: '6789' };
    serve('1006', { type: 'ach_debit', card: undefined, ach_debit: ach });
    expect(noErrors(await read('1006'))?.['paymentMethod'].details).toEqual({ __typename: 'AchDebitDetails', accountHolderType: 'UNKNOWN', last4: '6789' });
    expect((await warnings()).filter((line) => line['enum'] === 'AccountHolderType')).toEqual([expect.objectContaining({ upstreamValue: 'trust', mappedTo: 'UNKNOWN' })]);
  });

  test('currency: empty is null, lower case is upper-cased, not ISO 4217 is null and logged once; never an error', async () => {
    const cases: Array<[string, string, string | null]> = [
      ['1007', '', null],
      ['1008', 'usd', 'USD'],
      ['1009', 'QQQ', null],
      ['1010', 'qqq', null],
      ['1009', 'QQQ', null],
    ];
    for (const [id, currency, expected] of cases) {
      serve(id, { currency });
      expect(noErrors(await read(id))?.['paymentMethod'].currency).toBe(expected);
    }
    expect((await warnings()).filter((line) => line['enum'] === 'Currency')).toEqual([expect.objectContaining({ upstreamValue: 'QQQ', mappedTo: null })]);
  });

  test("Zoho's payment_method_type_mismatch on the PUT is a TYPE_MISMATCH user error on the change", async () => {
    standin.when({ id: '1011', method: 'PUT', reply: { kind: 'status', status: 400, code: 'payment_method_type_mismatch', message: 'The payment method is of type ach_debit, not card.' } });
    const reply = await graphql(gateway, caller, UPDATE, { input: { id: '1011', card: { expiryMonth: 1, expiryYear: 2031 } } });
    expect(noErrors(reply)?.['updatePaymentMethod']).toEqual({
      paymentMethod: null,
      userErrors: [{ field: ['input', 'card'], code: 'TYPE_MISMATCH', message: expect.stringContaining('not card') }],
    });
  });
});
