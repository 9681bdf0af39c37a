/**
 * The three queries through the real server (schema, resolvers, context, datasource, loaders);
 * only Zoho is mocked. Every upstream call is declared with its method, path, exact query and
 * headers (zoho()), and counted: an extra call has no interceptor and fails the operation.
 */
import { resetUnknownEnumWarnings } from '../../src/mapping/enums';
import { ACCOUNT_ID, createTestGateway, seed, zoho, type OperationResult, type TestGateway } from '../helpers';
import { ACH_ID, achPaymentMethod } from '../fixtures/payment-methods';

type Json = Record<string, unknown>;

const CARD_ID = '1987000000724211';
const SESSION_ID = '1987000000724209';
const SESSION_METHOD_ID = '1987000000724215';
const CUSTOMER_ID = '1987000000724207';
const SEEDS_INSTANT = '2024-02-26T12:31:12.000Z'; // created_time 1708950672 (seconds)

/** The seeds' card payment method (retrieve example), with overrides. */
const card = (overrides: Json = {}): Json => ({
  ...seed<{ payment_method: Json }>('retrieve-payment-method.response').payment_method,
  ...overrides,
});

/** A card's `card` object with its checks replaced. */
const cardWithChecks = (checks: Json): Json => ({
  card_holder_name: 'Charles',
  last_four_digits: '3212',
  expiry_month: '01',
  expiry_year: '26',
  card_checks: checks,
});

const ach = (overrides: Json = {}): Json => achPaymentMethod(overrides);

/** The seeds' retrieved session (succeeded, with a partial payment method), with overrides. */
const session = (overrides: Json = {}): Json => ({
  ...seed<{ payment_method_session: Json }>('retrieve-session.response').payment_method_session,
  ...overrides,
});

const methodReply = (paymentMethod: Json) => ({ code: 0, message: 'success', payment_method: paymentMethod });
const sessionReply = (s: Json) => ({ code: 0, message: 'success', payment_method_session: s });
const NOT_FOUND = { code: 'resource_does_not_exist', message: 'The requested resource does not exist.' };

const getMethod = (id: string) => zoho().get(`/api/v1/paymentmethods/${id}`).query({ account_id: ACCOUNT_ID });
const getSession = (id: string) => zoho().get(`/api/v1/paymentmethodsessions/${id}`).query({ account_id: ACCOUNT_ID });

const PM_FIELDS = `
  id type status currency createdAt updatedAt
  customer { id name email }
  billingAddress { name addressLine1 addressLine2 city state country postalCode }
  details {
    __typename
    ... on CardDetails { cardholderName last4 expiryMonth expiryYear checks { addressLine postalCode cvc } }
    ... on AchDebitDetails { accountHolderName accountHolderType bankName accountType routingNumber last4 }
    ... on UnknownPaymentMethodDetails { upstreamType }
  }`;
const PAYMENT_METHOD = `query ($id: ID!) { paymentMethod(id: $id) { ${PM_FIELDS} } }`;
const PAYMENT_METHODS = `query ($ids: [ID!]!) { paymentMethods(ids: $ids) { id } }`;

/** The seeds' card as the schema shows it. */
const SEEDS_CARD = {
  id: CARD_ID,
  type: 'CARD',
  status: 'ACTIVE',
  currency: 'USD',
  createdAt: SEEDS_INSTANT,
  updatedAt: SEEDS_INSTANT,
  customer: { id: CUSTOMER_ID, name: 'Charles', email: 'charles@example.com' },
  billingAddress: null,
  details: {
    __typename: 'CardDetails',
    cardholderName: 'Charles',
    last4: '3212',
    expiryMonth: 1,
    expiryYear: 2026,
    checks: { addressLine: 'PASS', postalCode: 'PASS', cvc: 'PASS' },
  },
};

/** Runs an operation and reads its result as a client would, through JSON (DateTime becomes a string). */
const run = async (query: string, variables?: Json): Promise<OperationResult> =>
  JSON.parse(JSON.stringify(await gw.execute(query, variables))) as OperationResult;

/** The upstream calls of the last operation, as "METHOD path". */
const calls = (gw: TestGateway) => gw.lastUpstreamCalls().map((call) => `${call.method} ${call.path}`);

/** The warnings logged so far, parsed. */
const warnings = (gw: TestGateway) =>
  gw.logs
    .lines()
    .map((line) => JSON.parse(line) as Json)
    .filter((line) => line['level'] === 40);

let gw: TestGateway;
beforeEach(async () => {
  resetUnknownEnumWarnings();
  gw = await createTestGateway();
});
afterEach(() => gw.stop());

describe('paymentMethod', () => {
  it("maps the seeds' card example to every field", async () => {
    getMethod(CARD_ID).reply(200, seed('retrieve-payment-method.response'));
    const r = await run(PAYMENT_METHOD, { id: CARD_ID });
    expect(r.errors).toBeUndefined();
    expect(r.data?.paymentMethod).toEqual(SEEDS_CARD);
    expect(calls(gw)).toEqual([`GET /api/v1/paymentmethods/${CARD_ID}`]);
  });

  it("maps the billing address of the seeds' update reply", async () => {
    getMethod(CARD_ID).reply(200, seed('update-payment-method.response'));
    const r = await run(PAYMENT_METHOD, { id: CARD_ID });
    expect(r.errors).toBeUndefined();
    expect(r.data?.paymentMethod.billingAddress).toEqual({
      name: 'Charles',
      addressLine1: '123 Main St',
      addressLine2: 'Apt 4B',
      city: 'Detroit',
      state: 'Michigan',
      country: 'US',
      postalCode: '12345',
    });
  });

  it.each([
    ['seconds', 1708950672, SEEDS_INSTANT],
    ['milliseconds', 1708950672000, SEEDS_INSTANT],
    ['milliseconds as a string', '1708950672000', SEEDS_INSTANT],
    ['10^11 - 1 (still seconds)', 99_999_999_999, '5138-11-16T09:46:39.000Z'],
    ['10^11 (milliseconds)', 100_000_000_000, '1973-03-03T09:46:40.000Z'],
  ])('reads created_time in %s', async (_, createdTime, iso) => {
    getMethod(CARD_ID).reply(200, methodReply(card({ created_time: createdTime, last_modified_time: createdTime })));
    const r = await run(`{ paymentMethod(id: "${CARD_ID}") { createdAt updatedAt } }`);
    expect(r.errors).toBeUndefined();
    expect(r.data?.paymentMethod).toEqual({ createdAt: iso, updatedAt: iso });
  });

  it('reads a missing last_modified_time as a null updatedAt', async () => {
    getMethod(CARD_ID).reply(200, methodReply(card({ last_modified_time: undefined })));
    const r = await run(`{ paymentMethod(id: "${CARD_ID}") { updatedAt } }`);
    expect(r).toEqual({ data: { paymentMethod: { updatedAt: null } } });
  });

  it('maps an ACH debit method to AchDebitDetails', async () => {
    getMethod(ACH_ID).reply(200, methodReply(ach()));
    const r = await run(PAYMENT_METHOD, { id: ACH_ID });
    expect(r.errors).toBeUndefined();
    expect(r.data?.paymentMethod).toEqual({
      id: ACH_ID,
      type: 'ACH_DEBIT',
      status: 'ACTIVE',
      currency: 'USD',
      createdAt: SEEDS_INSTANT,
      updatedAt: SEEDS_INSTANT,
      customer: { id: CUSTOMER_ID, name: 'Acme Corp', email: 'billing@acme.example' },
      billingAddress: null,
      details: {
        __typename: 'AchDebitDetails',
        accountHolderName: 'Acme Corp',
        accountHolderType: 'COMPANY',
        bankName: 'First Detroit Bank',
        accountType: 'savings',
        routingNumber: '110000000',
        last4: '6789',
      },
    });
  });

  it('is null when Zoho has no such payment method (404)', async () => {
    getMethod(CARD_ID).reply(404, NOT_FOUND);
    const r = await run(PAYMENT_METHOD, { id: CARD_ID });
    expect(r).toEqual({ data: { paymentMethod: null } });
    expect(calls(gw)).toHaveLength(1);
  });

  it.each([
    ['letters', 'abc'],
    ['digits and letters', '1987abc'],
    ['an empty string', ''],
    ['a negative number', '-1'],
    ['a decimal', '1.5'],
    ['surrounding spaces', ' 1987000000724211 '],
    ['a path', '../paymentmethodsessions/1'],
    ['20 digits', '12345678901234567890'],
  ])('rejects an id of %s with BAD_USER_INPUT and no upstream call', async (_, id) => {
    const r = await run(PAYMENT_METHOD, { id });
    expect(r.data).toEqual({ paymentMethod: null });
    expect(r.errors).toEqual([expect.objectContaining({ path: ['paymentMethod'], extensions: expect.objectContaining({ code: 'BAD_USER_INPUT' }) })]);
    expect(calls(gw)).toEqual([]);
  });

  it.each([
    ['a string argument', '"9223372036854775807"'],
    ['an integer literal', '9223372036854775807'],
  ])('passes a 19-digit id above 2^53 through exactly, given as %s', async (_, literal) => {
    const id = '9223372036854775807';
    getMethod(id).reply(200, methodReply(card({ payment_method_id: id, customer_id: '9007199254740993' })));
    const r = await run(`{ paymentMethod(id: ${literal}) { id customer { id } } }`);
    expect(r).toEqual({ data: { paymentMethod: { id, customer: { id: '9007199254740993' } } } });
  });
});

describe('upstream enum values', () => {
  it.each([
    ['active', 'ACTIVE'],
    ['ACTIVE', 'ACTIVE'],
    ['Active', 'ACTIVE'],
    ['expired', 'EXPIRED'],
    ['Blocked', 'BLOCKED'],
    ['PROCESSING', 'PROCESSING'],
    ['deleted', 'DELETED'],
  ])('maps status %p to %s case-insensitively, without a warning', async (status, expected) => {
    getMethod(CARD_ID).reply(200, methodReply(card({ status, type: 'CARD' })));
    const r = await run(`{ paymentMethod(id: "${CARD_ID}") { type status } }`);
    expect(r).toEqual({ data: { paymentMethod: { type: 'CARD', status: expected } } });
    expect(warnings(gw)).toEqual([]);
  });

  it.each([
    ['PASS', 'Fail', 'unavailable', { addressLine: 'PASS', postalCode: 'FAIL', cvc: 'UNAVAILABLE' }],
    ['unchecked', null, undefined, { addressLine: 'UNCHECKED', postalCode: 'UNKNOWN', cvc: 'UNKNOWN' }],
    ['', 'UNCHECKED', 'Pass', { addressLine: 'UNKNOWN', postalCode: 'UNCHECKED', cvc: 'PASS' }],
  ])('maps card checks %p, %p, %p case-insensitively (absent is UNKNOWN, not UNCHECKED; no warning)', async (a, p, c, expected) => {
    getMethod(CARD_ID).reply(
      200,
      methodReply(card({ card: cardWithChecks({ address_line_check: a, postal_code_check: p, cvc_check: c }) })),
    );
    const r = await run(`{ paymentMethod(id: "${CARD_ID}") { details { ... on CardDetails { checks { addressLine postalCode cvc } } } } }`);
    expect(r).toEqual({ data: { paymentMethod: { details: { checks: expected } } } });
    expect(warnings(gw)).toEqual([]);
  });

  it("maps an ACH holder type case-insensitively ('Individual')", async () => {
    getMethod(ACH_ID).reply(200, methodReply(ach({ ach_debit: { ...(ach()['ach_debit'] as Json), account_holder_type: 'Individual' } })));
    const r = await run(`{ paymentMethod(id: "${ACH_ID}") { details { ... on AchDebitDetails { accountHolderType } } } }`);
    expect(r).toEqual({ data: { paymentMethod: { details: { accountHolderType: 'INDIVIDUAL' } } } });
  });

  it("maps an unknown status ('suspended') to UNKNOWN and warns once, across methods and requests", async () => {
    getMethod(CARD_ID).times(2).reply(200, methodReply(card({ status: 'suspended' })));
    getMethod(ACH_ID).reply(200, methodReply(ach({ status: 'suspended' })));
    const r = await run(`{ paymentMethods(ids: ["${CARD_ID}", "${ACH_ID}"]) { status } }`);
    expect(r).toEqual({ data: { paymentMethods: [{ status: 'UNKNOWN' }, { status: 'UNKNOWN' }] } });
    const again = await run(`{ paymentMethod(id: "${CARD_ID}") { status } }`);
    expect(again).toEqual({ data: { paymentMethod: { status: 'UNKNOWN' } } });
    expect(warnings(gw)).toEqual([
      expect.objectContaining({ enum: 'PaymentMethodStatus', upstreamValue: 'suspended', mappedTo: 'UNKNOWN' }),
    ]);
  });

  it('a payment method Zoho sends without a status (or with a null one) is answered, its status UNKNOWN, not the whole method an UPSTREAM_ERROR', async () => {
    const withoutStatus = card();
    delete (withoutStatus as Record<string, unknown>)['status'];
    getMethod(CARD_ID).reply(200, methodReply(withoutStatus));
    getMethod(ACH_ID).reply(200, methodReply(ach({ status: null })));
    const r = await run(`{ paymentMethods(ids: ["${CARD_ID}", "${ACH_ID}"]) { id status } }`);
    expect(r).toEqual({ data: { paymentMethods: [{ id: CARD_ID, status: 'UNKNOWN' }, { id: ACH_ID, status: 'UNKNOWN' }] } });
  });

  it("maps an unknown card check ('weird') to UNKNOWN, not UNCHECKED, and warns once", async () => {
    const checks = { address_line_check: 'weird', postal_code_check: 'weird', cvc_check: 'pass' };
    getMethod(CARD_ID).reply(200, methodReply(card({ card: cardWithChecks(checks) })));
    const r = await run(`{ paymentMethod(id: "${CARD_ID}") { details { ... on CardDetails { checks { addressLine postalCode cvc } } } } }`);
    expect(r).toEqual({
      data: { paymentMethod: { details: { checks: { addressLine: 'UNKNOWN', postalCode: 'UNKNOWN', cvc: 'PASS' } } } },
    });
    expect(warnings(gw)).toEqual([
      expect.objectContaining({ enum: 'CardCheckResult', upstreamValue: 'weird', mappedTo: 'UNKNOWN' }),
    ]);
  });

  it("maps an unknown ACH holder type ('trust') to UNKNOWN and warns once; an absent one is null, silently", async () => {
    const achWith = (holderType: string | undefined) =>
      methodReply(ach({ ach_debit: { ...(ach()['ach_debit'] as Json), account_holder_type: holderType } }));
    getMethod(ACH_ID).times(2).reply(200, achWith('trust'));
    getMethod('42').reply(200, { ...achWith(undefined), payment_method: { ...achWith(undefined).payment_method, payment_method_id: '42' } });
    const query = `{ a: paymentMethod(id: "${ACH_ID}") { ...holder } b: paymentMethod(id: "42") { ...holder } }
      fragment holder on PaymentMethod { details { ... on AchDebitDetails { accountHolderType } } }`;
    expect(await run(query)).toEqual({
      data: { a: { details: { accountHolderType: 'UNKNOWN' } }, b: { details: { accountHolderType: null } } },
    });
    expect(await run(`{ paymentMethod(id: "${ACH_ID}") { details { ... on AchDebitDetails { accountHolderType } } } }`)).toEqual({
      data: { paymentMethod: { details: { accountHolderType: 'UNKNOWN' } } },
    });
    expect(warnings(gw)).toEqual([
      expect.objectContaining({ enum: 'AccountHolderType', upstreamValue: 'trust', mappedTo: 'UNKNOWN' }),
    ]);
  });

  it("maps an unknown session status ('pending') to UNKNOWN and warns once", async () => {
    getSession(SESSION_ID).times(2).reply(200, sessionReply(session({ status: 'pending' })));
    for (let i = 0; i < 2; i += 1) {
      const r = await run(`{ paymentMethodSession(id: "${SESSION_ID}") { status } }`);
      expect(r).toEqual({ data: { paymentMethodSession: { status: 'UNKNOWN' } } });
    }
    expect(warnings(gw)).toEqual([
      expect.objectContaining({ enum: 'PaymentMethodSessionStatus', upstreamValue: 'pending', mappedTo: 'UNKNOWN' }),
    ]);
  });
});

describe('currency', () => {
  it.each([
    ['USD', 'USD'],
    ['usd', 'USD'],
    [' Eur ', 'EUR'],
    ['', null],
    ['   ', null],
    [null, null],
    [undefined, null],
  ])('reads %p as %p, with no error and no warning', async (raw, currency) => {
    getMethod(CARD_ID).reply(200, methodReply(card({ currency: raw })));
    const r = await run(`{ paymentMethod(id: "${CARD_ID}") { id currency } }`);
    expect(r).toEqual({ data: { paymentMethod: { id: CARD_ID, currency } } });
    expect(warnings(gw)).toEqual([]);
  });

  it('reads a code that is not ISO 4217 as null, never an error, and warns once for it in any case', async () => {
    getMethod(CARD_ID).times(2).reply(200, methodReply(card({ currency: 'QQQ' })));
    getMethod(ACH_ID).reply(200, methodReply(ach({ currency: 'qqq' })));
    getMethod('42').reply(200, methodReply(card({ payment_method_id: '42', currency: 'US Dollar' })));
    expect(await run(`{ paymentMethods(ids: ["${CARD_ID}", "${ACH_ID}", "42"]) { currency } }`)).toEqual({
      data: { paymentMethods: [{ currency: null }, { currency: null }, { currency: null }] },
    });
    expect(await run(`{ paymentMethod(id: "${CARD_ID}") { currency } }`)).toEqual({ data: { paymentMethod: { currency: null } } });
    expect(warnings(gw)).toEqual([
      expect.objectContaining({ enum: 'Currency', upstreamValue: 'QQQ', mappedTo: null }),
      expect.objectContaining({ enum: 'Currency', upstreamValue: 'US Dollar', mappedTo: null }),
    ]);
  });
});

describe('a payment method type Zoho added later', () => {
  /** A 'upi' method as Zoho might send it: its own details object, and a `card` of another shape. */
  const upi = (overrides: Json = {}): Json => {
    const { card: _card, ...rest } = card();
    return {
      ...rest,
      type: 'upi',
      upi: { vpa: 'charles@bank', bank_name: 'Some Bank' },
      card: { number: '4242424242424242', scheme: 'rupay' },
      ...overrides,
    };
  };

  it('answers the payment method with type UNKNOWN and UnknownPaymentMethodDetails carrying Zoho\'s type', async () => {
    getMethod(CARD_ID).reply(200, methodReply(upi()));
    const r = await run(PAYMENT_METHOD, { id: CARD_ID });
    expect(r.errors).toBeUndefined();
    expect(r.data?.paymentMethod).toEqual({
      ...SEEDS_CARD,
      type: 'UNKNOWN',
      details: { __typename: 'UnknownPaymentMethodDetails', upstreamType: 'upi' },
    });
    expect(calls(gw)).toEqual([`GET /api/v1/paymentmethods/${CARD_ID}`]);
  });

  it('passes Zoho\'s type string as sent, and warns once per type across methods and requests, without card data', async () => {
    getMethod(CARD_ID).times(2).reply(200, methodReply(upi({ type: 'UPI' })));
    getMethod(ACH_ID).reply(200, methodReply(upi({ payment_method_id: ACH_ID, type: 'upi' })));
    getMethod('42').reply(200, methodReply(upi({ payment_method_id: '42', type: 'paypal' })));
    const query = `query ($ids: [ID!]!) { paymentMethods(ids: $ids) { type details { ... on UnknownPaymentMethodDetails { upstreamType } } } }`;
    expect(await run(query, { ids: [CARD_ID, ACH_ID, '42'] })).toEqual({
      data: {
        paymentMethods: [
          { type: 'UNKNOWN', details: { upstreamType: 'UPI' } },
          { type: 'UNKNOWN', details: { upstreamType: 'upi' } },
          { type: 'UNKNOWN', details: { upstreamType: 'paypal' } },
        ],
      },
    });
    expect(await run(query, { ids: [CARD_ID] })).toEqual({
      data: { paymentMethods: [{ type: 'UNKNOWN', details: { upstreamType: 'UPI' } }] },
    });
    expect(warnings(gw)).toEqual([
      expect.objectContaining({ enum: 'PaymentMethodType', upstreamValue: 'UPI', mappedTo: 'UNKNOWN' }),
      expect.objectContaining({ enum: 'PaymentMethodType', upstreamValue: 'paypal', mappedTo: 'UNKNOWN' }),
    ]);
    expect(gw.logs.text()).not.toContain('4242424242424242');
  });

  it('bounds upstreamType to 64 characters and masks anything shaped like a card number in it, as upstreamCode is', async () => {
    getMethod(CARD_ID).reply(200, methodReply(upi({ type: 'card_4242424242424242' })));
    getMethod(ACH_ID).reply(200, methodReply(upi({ payment_method_id: ACH_ID, type: `wallet_${'x'.repeat(100)}` })));
    const query = `query ($ids: [ID!]!) { paymentMethods(ids: $ids) { type details { ... on UnknownPaymentMethodDetails { upstreamType } } } }`;
    const r = await run(query, { ids: [CARD_ID, ACH_ID] });
    expect(r).toEqual({
      data: {
        paymentMethods: [
          { type: 'UNKNOWN', details: { upstreamType: 'card_••••4242' } },
          { type: 'UNKNOWN', details: { upstreamType: `wallet_${'x'.repeat(57)}` } },
        ],
      },
    });
    expect(JSON.stringify(r)).not.toContain('4242424242424242');
    expect(gw.logs.text()).not.toContain('4242424242424242');
  });

  it("is UNKNOWN in a session's partial payment method too, without loading the method", async () => {
    const s = session();
    getSession(SESSION_ID).reply(200, sessionReply({ ...s, payment_method: { ...(s['payment_method'] as Json), type: 'upi' } }));
    const r = await run(`{ paymentMethodSession(id: "${SESSION_ID}") { paymentMethod { id type } } }`);
    expect(r).toEqual({ data: { paymentMethodSession: { paymentMethod: { id: SESSION_METHOD_ID, type: 'UNKNOWN' } } } });
    expect(calls(gw)).toEqual([`GET /api/v1/paymentmethodsessions/${SESSION_ID}`]);
  });

  it('a known type still needs its own details object (a card without `card` is UPSTREAM_ERROR)', async () => {
    const { card: _card, ...cardless } = card();
    getMethod(CARD_ID).reply(200, methodReply(cardless));
    const r = await run(`{ paymentMethod(id: "${CARD_ID}") { id } }`);
    expect(r.data).toEqual({ paymentMethod: null });
    expect(r.errors?.map((e) => e.extensions?.['code'])).toEqual(['UPSTREAM_ERROR']);
  });
});

describe('paymentMethods', () => {
  it('answers in the order of ids, with null where Zoho has none', async () => {
    getMethod(ACH_ID).reply(200, methodReply(ach()));
    getMethod('42').reply(404, NOT_FOUND);
    getMethod(CARD_ID).reply(200, seed('retrieve-payment-method.response'));
    const r = await run(PAYMENT_METHODS, { ids: [ACH_ID, '42', CARD_ID] });
    expect(r).toEqual({ data: { paymentMethods: [{ id: ACH_ID }, null, { id: CARD_ID }] } });
  });

  it('fetches a repeated id once', async () => {
    getMethod(CARD_ID).reply(200, seed('retrieve-payment-method.response'));
    getMethod(ACH_ID).reply(200, methodReply(ach()));
    const r = await run(PAYMENT_METHODS, { ids: [CARD_ID, ACH_ID, CARD_ID, CARD_ID] });
    expect(r).toEqual({ data: { paymentMethods: [{ id: CARD_ID }, { id: ACH_ID }, { id: CARD_ID }, { id: CARD_ID }] } });
    expect(calls(gw).sort()).toEqual([`GET /api/v1/paymentmethods/${CARD_ID}`, `GET /api/v1/paymentmethods/${ACH_ID}`].sort());
  });

  it('is an empty list for no ids, without an upstream call', async () => {
    const r = await run(PAYMENT_METHODS, { ids: [] });
    expect(r).toEqual({ data: { paymentMethods: [] } });
    expect(calls(gw)).toEqual([]);
  });

  it('accepts 100 ids', async () => {
    const ids = Array.from({ length: 100 }, (_, i) => String(1987000000724300n + BigInt(i)));
    zoho()
      .get(/^\/api\/v1\/paymentmethods\/\d+$/)
      .query({ account_id: ACCOUNT_ID })
      .times(100)
      .reply(200, (uri) => methodReply(card({ payment_method_id: uri.split('?')[0]?.split('/').pop() })));
    const r = await run(PAYMENT_METHODS, { ids });
    expect(r).toEqual({ data: { paymentMethods: ids.map((id) => ({ id })) } });
  });

  it('rejects 101 ids as a whole with BAD_USER_INPUT and no upstream call', async () => {
    const r = await run(PAYMENT_METHODS, { ids: Array.from({ length: 101 }, (_, i) => String(1000 + i)) });
    expect(r.data).toBeNull();
    expect(r.errors).toEqual([expect.objectContaining({ path: ['paymentMethods'], extensions: expect.objectContaining({ code: 'BAD_USER_INPUT' }) })]);
    expect(calls(gw)).toEqual([]);
  });

  it('answers a malformed id with null and a BAD_USER_INPUT error at its own index, and the other ids as usual', async () => {
    getMethod(CARD_ID).reply(200, seed('retrieve-payment-method.response'));
    getMethod(ACH_ID).reply(200, methodReply(ach()));
    getMethod('42').reply(404, NOT_FOUND);
    const ids = [CARD_ID, ACH_ID, '42', 'abc', CARD_ID, '12345678901234567890'];
    const r = await run(PAYMENT_METHODS, { ids });
    expect(r.data).toEqual({ paymentMethods: [{ id: CARD_ID }, { id: ACH_ID }, null, null, { id: CARD_ID }, null] });
    expect(r.errors).toEqual([
      expect.objectContaining({
        path: ['paymentMethods', 3],
        message: expect.stringContaining('"ids[3]"'),
        extensions: expect.objectContaining({ code: 'BAD_USER_INPUT' }),
      }),
      expect.objectContaining({
        path: ['paymentMethods', 5],
        message: expect.stringContaining('"ids[5]"'),
        extensions: expect.objectContaining({ code: 'BAD_USER_INPUT' }),
      }),
    ]);
    // The malformed ids are never sent to Zoho.
    expect(calls(gw).sort()).toEqual([CARD_ID, ACH_ID, '42'].map((id) => `GET /api/v1/paymentmethods/${id}`).sort());
  });

  it('answers only malformed ids without any upstream call', async () => {
    const r = await run(PAYMENT_METHODS, { ids: ['x', '../1'] });
    expect(r.data).toEqual({ paymentMethods: [null, null] });
    expect(r.errors?.map((e) => [e.path, e.extensions?.['code']])).toEqual([
      [['paymentMethods', 0], 'BAD_USER_INPUT'],
      [['paymentMethods', 1], 'BAD_USER_INPUT'],
    ]);
    expect(calls(gw)).toEqual([]);
  });

  it('reports a failed id (Zoho 500) at its index and answers the others', async () => {
    getMethod(CARD_ID).reply(200, seed('retrieve-payment-method.response'));
    getMethod('42').reply(500, { code: 'error', message: 'Internal error' });
    getMethod(ACH_ID).reply(200, methodReply(ach()));
    const r = await run(PAYMENT_METHODS, { ids: [CARD_ID, '42', ACH_ID] });
    expect(r.data).toEqual({ paymentMethods: [{ id: CARD_ID }, null, { id: ACH_ID }] });
    expect(r.errors).toEqual([
      expect.objectContaining({
        path: ['paymentMethods', 1],
        extensions: expect.objectContaining({ code: 'UPSTREAM_ERROR', upstreamStatus: 500, upstreamCode: 'error' }),
      }),
    ]);
  });
});

describe('paymentMethodSession', () => {
  const PARTIAL = `{ id type status createdAt }`;

  it("maps the seeds' retrieve example, answering the partial method without calling its endpoint", async () => {
    getSession(SESSION_ID).reply(200, seed('retrieve-session.response'));
    const r = await run(`{ paymentMethodSession(id: "${SESSION_ID}") {
      id status description createdAt customer { id } paymentMethod ${PARTIAL} } }`);
    expect(r).toEqual({
      data: {
        paymentMethodSession: {
          id: SESSION_ID,
          status: 'SUCCEEDED',
          description: null,
          createdAt: null,
          customer: { id: CUSTOMER_ID },
          paymentMethod: { id: SESSION_METHOD_ID, type: 'CARD', status: 'ACTIVE', createdAt: SEEDS_INSTANT },
        },
      },
    });
    expect(calls(gw)).toEqual([`GET /api/v1/paymentmethodsessions/${SESSION_ID}`]);
  });

  it('loads fields the partial method lacks once per id, however many fields and aliases need them', async () => {
    getSession(SESSION_ID).reply(200, seed('retrieve-session.response'));
    getMethod(SESSION_METHOD_ID).reply(200, methodReply(card({ payment_method_id: SESSION_METHOD_ID })));
    const r = await run(`{
      paymentMethodSession(id: "${SESSION_ID}") {
        a: paymentMethod { id details { ... on CardDetails { last4 } } customer { name } }
        b: paymentMethod { currency updatedAt customer { email } }
      }
      root: paymentMethod(id: "${SESSION_METHOD_ID}") { status }
    }`);
    expect(r).toEqual({
      data: {
        paymentMethodSession: {
          a: { id: SESSION_METHOD_ID, details: { last4: '3212' }, customer: { name: 'Charles' } },
          b: { currency: 'USD', updatedAt: SEEDS_INSTANT, customer: { email: 'charles@example.com' } },
        },
        root: { status: 'ACTIVE' },
      },
    });
    expect(calls(gw).filter((call) => call.includes('/paymentmethods/'))).toEqual([
      `GET /api/v1/paymentmethods/${SESSION_METHOD_ID}`,
    ]);
  });

  it('loads the payment method again in the next request (nothing is cached across requests)', async () => {
    getSession(SESSION_ID).times(2).reply(200, seed('retrieve-session.response'));
    getMethod(SESSION_METHOD_ID).times(2).reply(200, methodReply(card({ payment_method_id: SESSION_METHOD_ID })));
    const query = `{ paymentMethodSession(id: "${SESSION_ID}") { paymentMethod { currency } } }`;
    for (let i = 0; i < 2; i += 1) {
      expect(await run(query)).toEqual({ data: { paymentMethodSession: { paymentMethod: { currency: 'USD' } } } });
      expect(calls(gw)).toHaveLength(2);
    }
  });

  it('is null when Zoho has no such session (404)', async () => {
    getSession(SESSION_ID).reply(404, NOT_FOUND);
    const r = await run(`{ paymentMethodSession(id: "${SESSION_ID}") { id } }`);
    expect(r).toEqual({ data: { paymentMethodSession: null } });
  });

  it('has a null paymentMethod while the session has none', async () => {
    const created = { ...seed('session-attribute'), status: 'created' };
    getSession(SESSION_ID).reply(200, sessionReply(created));
    const r = await run(`{ paymentMethodSession(id: "${SESSION_ID}") {
      status description createdAt paymentMethod { id } } }`);
    expect(r).toEqual({
      data: {
        paymentMethodSession: {
          status: 'CREATED',
          description: 'Payment method session for customer 1987000000724207',
          createdAt: SEEDS_INSTANT,
          paymentMethod: null,
        },
      },
    });
    expect(calls(gw)).toHaveLength(1);
  });

  it.each([
    ['letters', 'session-1'],
    ['20 digits', '12345678901234567890'],
  ])('rejects an id of %s with BAD_USER_INPUT and no upstream call', async (_, id) => {
    const r = await run(`query ($id: ID!) { paymentMethodSession(id: $id) { id } }`, { id });
    expect(r.errors?.map((e) => e.extensions?.['code'])).toEqual(['BAD_USER_INPUT']);
    expect(calls(gw)).toEqual([]);
  });
});
