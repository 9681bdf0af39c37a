/**
 * The three mutations through the real server; only Zoho is mocked. Each upstream call is
 * declared with its method, path, exact query, headers and (for POST/PUT) exact JSON body; an
 * unexpected call has no interceptor and fails the operation.
 */
import type nock from 'nock';
import { buildContext } from '../../src/context';
import { ACCOUNT_ID, CALLER_HEADERS, NOW, ZOHO_API_URL, createTestGateway, TEST_FETCHER, seed, zoho, type OperationResult, type TestGateway } from '../helpers';
import { ACH_ID, achPaymentMethod } from '../fixtures/payment-methods';

type Json = Record<string, unknown>;

const CARD_ID = '1987000000724211';
const CUSTOMER_ID = '1987000000724207';
const SESSION_ID = '1987000000724209';
const SEEDS_INSTANT = '2024-02-26T12:31:12.000Z';

const card = (overrides: Json = {}): Json => ({
  ...seed<{ payment_method: Json }>('retrieve-payment-method.response').payment_method,
  ...overrides,
});
const cardExpiring = (month: string, year: string): Json => {
  const base = card();
  return { ...base, card: { ...(base['card'] as Json), expiry_month: month, expiry_year: year } };
};
const ach = (holderType = 'company'): Json => achPaymentMethod({}, holderType);
const methodReply = (paymentMethod: Json) => ({ code: 0, message: 'success', payment_method: paymentMethod });
const NOT_FOUND = { code: 'resource_does_not_exist', message: 'The requested resource does not exist.' };

/** The seeds' update request's billing address, in the schema's words and in Zoho's. */
const ADDRESS_INPUT = {
  name: 'Charles',
  addressLine1: '123 Main St',
  addressLine2: 'Apt 4B',
  city: 'Detroit',
  state: 'Michigan',
  country: 'US',
  postalCode: '12345',
};
const zohoAddress = () => seed<{ billing_address: Record<string, string> }>('update-payment-method.request').billing_address;

const path = (id: string) => `/api/v1/paymentmethods/${id}`;
const getMethod = (id: string) => zoho().get(path(id)).query({ account_id: ACCOUNT_ID });
const putMethod = (id: string, body: nock.DataMatcherMap) =>
  zoho().matchHeader('content-type', /^application\/json/).put(path(id), body).query({ account_id: ACCOUNT_ID });
const postSession = (body: nock.DataMatcherMap) =>
  zoho()
    .matchHeader('content-type', /^application\/json/)
    .post('/api/v1/paymentmethodsessions', body)
    .query({ account_id: ACCOUNT_ID });

const USER_ERRORS = 'userErrors { field code message }';
const CREATE = `mutation ($input: CreatePaymentMethodSessionInput!) {
  createPaymentMethodSession(input: $input) {
    paymentMethodSession { id status description createdAt customer { id } paymentMethod { id } }
    ${USER_ERRORS}
  }
}`;
const UPDATE = `mutation ($input: UpdatePaymentMethodInput!) {
  updatePaymentMethod(input: $input) {
    paymentMethod {
      id type
      details { ... on CardDetails { expiryMonth expiryYear } ... on AchDebitDetails { accountHolderType } }
      billingAddress { name addressLine1 addressLine2 city state country postalCode }
    }
    ${USER_ERRORS}
  }
}`;
const DELETE = `mutation ($input: DeletePaymentMethodInput!) {
  deletePaymentMethod(input: $input) { deletedPaymentMethodId ${USER_ERRORS} }
}`;

const userError = (field: string[] | null, code: string) => ({ field, code, message: expect.any(String) });

let gw: TestGateway;
beforeEach(async () => {
  gw = await createTestGateway();
});
afterEach(() => gw.stop());

/** Runs an operation and reads its result as a client would, through JSON. */
const run = async (query: string, variables?: Json): Promise<OperationResult> =>
  JSON.parse(JSON.stringify(await gw.execute(query, variables))) as OperationResult;
const calls = () => gw.lastUpstreamCalls().map((call) => `${call.method} ${call.path}`);

describe('createPaymentMethodSession', () => {
  it("sends the seeds' request and returns the new session as CREATED", async () => {
    postSession(seed<nock.DataMatcherMap>('create-session.request')).reply(201, seed('create-session.response'));
    const r = await run(CREATE, {
      input: { customerId: CUSTOMER_ID, description: 'Payment method session for customer 1987000000724207' },
    });
    expect(r).toEqual({
      data: {
        createPaymentMethodSession: {
          paymentMethodSession: {
            id: SESSION_ID,
            status: 'CREATED',
            description: 'Payment method session for customer 1987000000724207',
            createdAt: SEEDS_INSTANT,
            customer: { id: CUSTOMER_ID },
            paymentMethod: null,
          },
          userErrors: [],
        },
      },
    });
    expect(calls()).toEqual(['POST /api/v1/paymentmethodsessions']);
  });

  it.each([
    ['omitted', { customerId: CUSTOMER_ID }],
    ['null', { customerId: CUSTOMER_ID, description: null }],
  ])('sends only customer_id when the description is %s', async (_, input) => {
    const { description: _omitted, ...reply } = seed<{ payment_method_session: Json }>('create-session.response').payment_method_session;
    postSession({ customer_id: CUSTOMER_ID }).reply(200, { code: 0, message: 'success', payment_method_session: reply });
    const r = await run(CREATE, { input });
    expect(r.data?.createPaymentMethodSession).toEqual({
      paymentMethodSession: expect.objectContaining({ id: SESSION_ID, status: 'CREATED', description: null }),
      userErrors: [],
    });
  });

  it('sends a 19-digit customer id above 2^53 as the same string', async () => {
    const customerId = '9223372036854775807';
    const reply = { ...seed<{ payment_method_session: Json }>('create-session.response').payment_method_session, customer_id: customerId };
    postSession({ customer_id: customerId }).reply(200, { code: 0, message: 'success', payment_method_session: reply });
    const r = await run(CREATE, { input: { customerId } });
    expect(r.data?.createPaymentMethodSession.paymentMethodSession.customer).toEqual({ id: customerId });
  });

  it('accepts a description of 1000 characters', async () => {
    const description = 'd'.repeat(1000);
    postSession({ customer_id: CUSTOMER_ID, description }).reply(200, seed('create-session.response'));
    const r = await run(CREATE, { input: { customerId: CUSTOMER_ID, description } });
    expect(r.data?.createPaymentMethodSession.userErrors).toEqual([]);
  });

  it.each([
    ['a customerId with letters', { customerId: 'cust_1987' }, ['input', 'customerId']],
    ['an empty customerId', { customerId: '' }, ['input', 'customerId']],
    ['a 20-digit customerId', { customerId: '12345678901234567890' }, ['input', 'customerId']],
    ['a description over 1000 characters', { customerId: CUSTOMER_ID, description: 'd'.repeat(1001) }, ['input', 'description']],
  ])('rejects %s as INVALID, without an upstream call', async (_, input, field) => {
    const r = await run(CREATE, { input });
    expect(r.data?.createPaymentMethodSession).toEqual({ paymentMethodSession: null, userErrors: [userError(field, 'INVALID')] });
    expect(calls()).toEqual([]);
  });

  it('reports an unknown customer (Zoho 404) as NOT_FOUND', async () => {
    postSession({ customer_id: CUSTOMER_ID }).reply(404, NOT_FOUND);
    const r = await run(CREATE, { input: { customerId: CUSTOMER_ID } });
    expect(r.data?.createPaymentMethodSession).toEqual({
      paymentMethodSession: null,
      userErrors: [userError(['input', 'customerId'], 'NOT_FOUND')],
    });
  });
});

describe('updatePaymentMethod', () => {
  it("reads the method's type, then sends the card expiry as MM/YY and the seeds' billing address", async () => {
    getMethod(CARD_ID).reply(200, seed('retrieve-payment-method.response'));
    putMethod(CARD_ID, { type: 'card', card: { expiry_month: '03', expiry_year: '27' }, billing_address: zohoAddress() }).reply(
      200,
      methodReply({ ...cardExpiring('03', '27'), billing_address: zohoAddress() }),
    );
    const r = await run(UPDATE, { input: { id: CARD_ID, card: { expiryMonth: 3, expiryYear: 2027 }, billingAddress: ADDRESS_INPUT } });
    expect(r).toEqual({
      data: {
        updatePaymentMethod: {
          paymentMethod: { id: CARD_ID, type: 'CARD', details: { expiryMonth: 3, expiryYear: 2027 }, billingAddress: ADDRESS_INPUT },
          userErrors: [],
        },
      },
    });
    expect(calls()).toEqual([`GET ${path(CARD_ID)}`, `PUT ${path(CARD_ID)}`]);
  });

  it.each([
    [12, 2030, '12', '30'],
    [11, 2026, '11', '26'], // the current month (NOW is 2026-11-24) is not past
    [1, 2099, '01', '99'],
  ])('sends expiry %i/%i as %p/%p', async (month, year, mm, yy) => {
    getMethod(CARD_ID).reply(200, seed('retrieve-payment-method.response'));
    putMethod(CARD_ID, { type: 'card', card: { expiry_month: mm, expiry_year: yy } }).reply(200, methodReply(cardExpiring(mm, yy)));
    const r = await run(UPDATE, { input: { id: CARD_ID, card: { expiryMonth: month, expiryYear: year } } });
    expect(r.data?.updatePaymentMethod).toEqual({
      paymentMethod: expect.objectContaining({ details: { expiryMonth: month, expiryYear: year } }),
      userErrors: [],
    });
  });

  it("sends the type in Zoho's lower case whatever case Zoho used ('CARD')", async () => {
    getMethod(CARD_ID).reply(200, methodReply(card({ type: 'CARD' })));
    putMethod(CARD_ID, { type: 'card', card: { expiry_month: '03', expiry_year: '27' } }).reply(200, methodReply(cardExpiring('03', '27')));
    const r = await run(UPDATE, { input: { id: CARD_ID, card: { expiryMonth: 3, expiryYear: 2027 } } });
    expect(r.data?.updatePaymentMethod.userErrors).toEqual([]);
  });

  it.each([
    ['INDIVIDUAL', 'individual'],
    ['COMPANY', 'company'],
  ])('sends an ACH holder type %s as %p', async (holderType, zohoHolderType) => {
    getMethod(ACH_ID).reply(200, methodReply(ach()));
    putMethod(ACH_ID, { type: 'ach_debit', ach_debit: { account_holder_type: zohoHolderType } }).reply(200, methodReply(ach(zohoHolderType)));
    const r = await run(UPDATE, { input: { id: ACH_ID, achDebit: { accountHolderType: holderType } } });
    expect(r.data?.updatePaymentMethod).toEqual({
      paymentMethod: expect.objectContaining({ type: 'ACH_DEBIT', details: { accountHolderType: holderType } }),
      userErrors: [],
    });
  });

  it('sends only the address fields given', async () => {
    getMethod(ACH_ID).reply(200, methodReply(ach()));
    putMethod(ACH_ID, {
      type: 'ach_debit',
      ach_debit: { account_holder_type: 'company' },
      billing_address: { city: 'Detroit', country: 'US' },
    }).reply(200, methodReply({ ...ach(), billing_address: { city: 'Detroit', country: 'US' } }));
    const r = await run(UPDATE, {
      input: { id: ACH_ID, achDebit: { accountHolderType: 'COMPANY' }, billingAddress: { city: 'Detroit', country: 'US', name: null } },
    });
    expect(r.data?.updatePaymentMethod.paymentMethod.billingAddress).toEqual({
      name: null,
      addressLine1: null,
      addressLine2: null,
      city: 'Detroit',
      state: null,
      country: 'US',
      postalCode: null,
    });
  });

  it("a later update of the same id in the operation reuses the PUT's reply instead of a new GET", async () => {
    getMethod(CARD_ID).reply(200, seed('retrieve-payment-method.response')); // once only
    putMethod(CARD_ID, { type: 'card', card: { expiry_month: '03', expiry_year: '27' } }).reply(200, methodReply(cardExpiring('03', '27')));
    putMethod(CARD_ID, { type: 'card', card: { expiry_month: '04', expiry_year: '28' } }).reply(200, methodReply(cardExpiring('04', '28')));
    const r = await run(`mutation {
      first: updatePaymentMethod(input: { id: "${CARD_ID}", card: { expiryMonth: 3, expiryYear: 2027 } }) {
        paymentMethod { details { ... on CardDetails { expiryMonth expiryYear } } } userErrors { code } }
      second: updatePaymentMethod(input: { id: "${CARD_ID}", card: { expiryMonth: 4, expiryYear: 2028 } }) {
        paymentMethod { details { ... on CardDetails { expiryMonth expiryYear } } } userErrors { code } }
    }`);
    expect(r).toEqual({
      data: {
        first: { paymentMethod: { details: { expiryMonth: 3, expiryYear: 2027 } }, userErrors: [] },
        second: { paymentMethod: { details: { expiryMonth: 4, expiryYear: 2028 } }, userErrors: [] },
      },
    });
    expect(calls()).toEqual([`GET ${path(CARD_ID)}`, `PUT ${path(CARD_ID)}`, `PUT ${path(CARD_ID)}`]);
  });

  it("leaves the PUT's reply in the request's loader, so later reads of the id see it", async () => {
    getMethod(CARD_ID).reply(200, seed('retrieve-payment-method.response'));
    putMethod(CARD_ID, { type: 'card', card: { expiry_month: '03', expiry_year: '27' } }).reply(200, methodReply(cardExpiring('03', '27')));
    const contextValue = buildContext(CALLER_HEADERS, { zohoApiUrl: ZOHO_API_URL, zohoTimeoutMs: 2000, logger: gw.logs.logger, now: () => NOW, fetcher: TEST_FETCHER });
    const response = await gw.apollo.executeOperation(
      { query: UPDATE, variables: { input: { id: CARD_ID, card: { expiryMonth: 3, expiryYear: 2027 } } } },
      { contextValue },
    );
    expect(response.body.kind === 'single' && response.body.singleResult.errors).toBeFalsy();
    // No interceptor is left: a new GET would fail.
    await expect(contextValue.loaders.paymentMethod.load(CARD_ID)).resolves.toEqual(
      expect.objectContaining({ card: expect.objectContaining({ expiry_month: '03', expiry_year: '27' }) }),
    );
  });

  it.each([
    ['month 13', { id: CARD_ID, card: { expiryMonth: 13, expiryYear: 2027 } }, ['input', 'card', 'expiryMonth'], 'INVALID'],
    ['month 0', { id: CARD_ID, card: { expiryMonth: 0, expiryYear: 2027 } }, ['input', 'card', 'expiryMonth'], 'INVALID'],
    ['month 0 of this year', { id: CARD_ID, card: { expiryMonth: 0, expiryYear: 2026 } }, ['input', 'card', 'expiryMonth'], 'INVALID'],
    ['last month (10/2026)', { id: CARD_ID, card: { expiryMonth: 10, expiryYear: 2026 } }, ['input', 'card', 'expiryMonth'], 'INVALID'],
    ['last year (12/2025)', { id: CARD_ID, card: { expiryMonth: 12, expiryYear: 2025 } }, ['input', 'card', 'expiryYear'], 'INVALID'],
    ['a two-digit year (27)', { id: CARD_ID, card: { expiryMonth: 3, expiryYear: 27 } }, ['input', 'card', 'expiryYear'], 'INVALID'],
    ['an id with letters', { id: 'pm_1987', card: { expiryMonth: 3, expiryYear: 2027 } }, ['input', 'id'], 'INVALID'],
    ['a 20-digit id', { id: '12345678901234567890', card: { expiryMonth: 3, expiryYear: 2027 } }, ['input', 'id'], 'INVALID'],
    ['the holder type UNKNOWN (an answer only)', { id: ACH_ID, achDebit: { accountHolderType: 'UNKNOWN' } }, ['input', 'achDebit', 'accountHolderType'], 'INVALID'],
    [
      'a city over 255 characters',
      { id: CARD_ID, card: { expiryMonth: 3, expiryYear: 2027 }, billingAddress: { city: 'c'.repeat(256), country: 'US' } },
      ['input', 'billingAddress', 'city'],
      'INVALID',
    ],
  ])('rejects %s before any upstream call', async (_, input, field, code) => {
    const r = await run(UPDATE, { input });
    expect(r.data?.updatePaymentMethod).toEqual({ paymentMethod: null, userErrors: [userError(field, code)] });
    expect(calls()).toEqual([]);
  });

  it.each([
    ['no change at all (no card, achDebit or billingAddress)', 'REQUIRED', ['input'], { id: CARD_ID }],
    ['only nulls', 'REQUIRED', ['input'], { id: CARD_ID, card: null, achDebit: null, billingAddress: null }],
    [
      'both card and achDebit',
      'INVALID',
      ['input', 'achDebit'],
      { id: CARD_ID, card: { expiryMonth: 3, expiryYear: 2027 }, achDebit: { accountHolderType: 'COMPANY' }, billingAddress: ADDRESS_INPUT },
    ],
  ])('rejects %s as %s on %j before any upstream call', async (_, code, field, input) => {
    const r = await run(UPDATE, { input });
    expect(r.data?.updatePaymentMethod).toEqual({ paymentMethod: null, userErrors: [{ field, code, message: expect.any(String) }] });
    expect(r.data?.updatePaymentMethod.userErrors[0].message).toMatch(code === 'REQUIRED' ? /card.*achDebit.*billingAddress/ : /only one of/);
    expect(calls()).toEqual([]);
  });

  describe('a billing address alone', () => {
    it.each([
      ['a card', CARD_ID, card(), 'card'],
      ["a card whose type Zoho spells 'CARD'", CARD_ID, card({ type: 'CARD' }), 'card'],
      ['an ACH account', ACH_ID, ach(), 'ach_debit'],
    ])('is an update of %s: the PUT carries the type from the GET and the address, nothing else', async (_, id, method, zohoType) => {
      getMethod(id).reply(200, methodReply(method));
      putMethod(id, { type: zohoType, billing_address: zohoAddress() }).reply(200, methodReply({ ...method, billing_address: zohoAddress() }));
      const r = await run(UPDATE, { input: { id, billingAddress: ADDRESS_INPUT } });
      expect(r.data?.updatePaymentMethod).toEqual({
        paymentMethod: expect.objectContaining({ id, billingAddress: ADDRESS_INPUT }),
        userErrors: [],
      });
      expect(calls()).toEqual([`GET ${path(id)}`, `PUT ${path(id)}`]);
    });

    it("is an update of a type Zoho added later: the PUT sends Zoho's own type back, verbatim", async () => {
      const upi = { ...card({ type: 'UPI' }), card: undefined, upi: { vpa: 'charles@bank' } };
      getMethod(CARD_ID).reply(200, methodReply(upi));
      putMethod(CARD_ID, { type: 'UPI', billing_address: zohoAddress() }).reply(200, methodReply({ ...upi, billing_address: zohoAddress() }));
      const r = await run(UPDATE, { input: { id: CARD_ID, billingAddress: ADDRESS_INPUT } });
      expect(r.data?.updatePaymentMethod).toEqual({
        paymentMethod: { id: CARD_ID, type: 'UNKNOWN', details: {}, billingAddress: ADDRESS_INPUT },
        userErrors: [],
      });
    });

    it('still needs the address to be valid (country required by the schema, fields at most 255 characters)', async () => {
      const r = await run(UPDATE, { input: { id: CARD_ID, billingAddress: { country: 'US', state: 's'.repeat(256) } } });
      expect(r.data?.updatePaymentMethod).toEqual({ paymentMethod: null, userErrors: [userError(['input', 'billingAddress', 'state'], 'INVALID')] });
      expect(calls()).toEqual([]);
    });
  });

  it.each([
    ['a card update', { card: { expiryMonth: 3, expiryYear: 2027 } }, ['input', 'card']],
    ['an ACH update', { achDebit: { accountHolderType: 'COMPANY' } }, ['input', 'achDebit']],
  ])('reports %s on a type Zoho added later as TYPE_MISMATCH (only the billing address can change), without a PUT', async (_, change, field) => {
    getMethod(CARD_ID).reply(200, methodReply({ ...card({ type: 'upi' }), card: undefined }));
    const r = await run(UPDATE, { input: { id: CARD_ID, ...change } });
    expect(r.data?.updatePaymentMethod).toEqual({ paymentMethod: null, userErrors: [userError(field, 'TYPE_MISMATCH')] });
    expect(r.data?.updatePaymentMethod.userErrors[0].message).toMatch(/UNKNOWN.*only "billingAddress" can be changed/);
    expect(calls()).toEqual([`GET ${path(CARD_ID)}`]);
  });

  it.each([
    ['a card update on an ACH method', ACH_ID, methodReply(ach()), { card: { expiryMonth: 3, expiryYear: 2027 } }, ['input', 'card']],
    ['an ACH update on a card', CARD_ID, seed('retrieve-payment-method.response'), { achDebit: { accountHolderType: 'COMPANY' } }, ['input', 'achDebit']],
  ])('reports %s as TYPE_MISMATCH, without a PUT', async (_, id, reply, change, field) => {
    getMethod(id).reply(200, reply);
    const r = await run(UPDATE, { input: { id, ...change } });
    expect(r.data?.updatePaymentMethod).toEqual({ paymentMethod: null, userErrors: [userError(field, 'TYPE_MISMATCH')] });
    expect(calls()).toEqual([`GET ${path(id)}`]);
  });

  it.each([
    ['a card change', { card: { expiryMonth: 3, expiryYear: 2027 } }, { card: { expiry_month: '03', expiry_year: '27' } }, ['input', 'card']],
    ['a billing address alone', { billingAddress: ADDRESS_INPUT }, { billing_address: zohoAddress() }, ['input', 'id']],
  ])("reports Zoho's payment_method_type_mismatch on %s as TYPE_MISMATCH on %j", async (_, change, body, field) => {
    // The method's type changed between the gateway's GET and its PUT.
    getMethod(CARD_ID).reply(200, seed('retrieve-payment-method.response'));
    putMethod(CARD_ID, { type: 'card', ...body }).reply(400, {
      code: 'payment_method_type_mismatch',
      message: 'The payment method is of type ach_debit, not card.',
    });
    const r = await run(UPDATE, { input: { id: CARD_ID, ...change } });
    expect(r.errors).toBeUndefined();
    expect(r.data?.updatePaymentMethod).toEqual({
      paymentMethod: null,
      userErrors: [{ field, code: 'TYPE_MISMATCH', message: expect.stringContaining('of type ach_debit, not card') }],
    });
    expect(calls()).toEqual([`GET ${path(CARD_ID)}`, `PUT ${path(CARD_ID)}`]);
  });

  it('reports an unknown id (GET 404) as NOT_FOUND, without a PUT', async () => {
    getMethod(CARD_ID).reply(404, NOT_FOUND);
    const r = await run(UPDATE, { input: { id: CARD_ID, card: { expiryMonth: 3, expiryYear: 2027 } } });
    expect(r.data?.updatePaymentMethod).toEqual({ paymentMethod: null, userErrors: [userError(['input', 'id'], 'NOT_FOUND')] });
    expect(calls()).toEqual([`GET ${path(CARD_ID)}`]);
  });

  it.each(['XX', 'USA', '1'])('rejects the country code %p in the query as a GraphQL validation error, without a call', async (country) => {
    const r = await run(`mutation { updatePaymentMethod(input: {
      id: "${CARD_ID}", card: { expiryMonth: 3, expiryYear: 2027 }, billingAddress: { country: "${country}" } }) { userErrors { code } } }`);
    expect(r.data).toBeUndefined();
    expect(r.errors?.map((e) => e.extensions?.['code'])).toEqual(['GRAPHQL_VALIDATION_FAILED']);
    expect(r.errors?.[0]?.message).toMatch(/country code/i);
    expect(calls()).toEqual([]);
  });

  it('rejects a bad country code in variables as BAD_USER_INPUT, without a call', async () => {
    const r = await run(UPDATE, {
      input: { id: CARD_ID, card: { expiryMonth: 3, expiryYear: 2027 }, billingAddress: { ...ADDRESS_INPUT, country: 'XX' } },
    });
    expect(r.data).toBeUndefined();
    expect(r.errors?.map((e) => e.extensions?.['code'])).toEqual(['BAD_USER_INPUT']);
    expect(calls()).toEqual([]);
  });
});

describe('deletePaymentMethod', () => {
  it('sends DELETE and returns the deleted id', async () => {
    zoho().delete(path(CARD_ID)).query({ account_id: ACCOUNT_ID }).reply(200, seed('delete-payment-method.response'));
    const r = await run(DELETE, { input: { id: CARD_ID } });
    expect(r).toEqual({ data: { deletePaymentMethod: { deletedPaymentMethodId: CARD_ID, userErrors: [] } } });
    expect(calls()).toEqual([`DELETE ${path(CARD_ID)}`]);
  });

  it('reports an unknown id (Zoho 404) as NOT_FOUND', async () => {
    zoho().delete(path(CARD_ID)).query({ account_id: ACCOUNT_ID }).reply(404, NOT_FOUND);
    const r = await run(DELETE, { input: { id: CARD_ID } });
    expect(r.data?.deletePaymentMethod).toEqual({ deletedPaymentMethodId: null, userErrors: [userError(['input', 'id'], 'NOT_FOUND')] });
  });

  it.each(['pm_1987', '', '12345678901234567890'])('rejects the id %p as INVALID, without an upstream call', async (id) => {
    const r = await run(DELETE, { input: { id } });
    expect(r.data?.deletePaymentMethod).toEqual({ deletedPaymentMethodId: null, userErrors: [userError(['input', 'id'], 'INVALID')] });
    expect(calls()).toEqual([]);
  });

  it('forgets a deleted method: a later update in the operation reads it again and finds nothing', async () => {
    getMethod(CARD_ID).reply(200, seed('retrieve-payment-method.response'));
    putMethod(CARD_ID, { type: 'card', card: { expiry_month: '03', expiry_year: '27' } }).reply(200, methodReply(cardExpiring('03', '27')));
    zoho().delete(path(CARD_ID)).query({ account_id: ACCOUNT_ID }).reply(200, seed('delete-payment-method.response'));
    getMethod(CARD_ID).reply(404, NOT_FOUND);
    const input = `{ id: "${CARD_ID}", card: { expiryMonth: 3, expiryYear: 2027 } }`;
    const r = await run(`mutation {
      updated: updatePaymentMethod(input: ${input}) { userErrors { code } }
      deleted: deletePaymentMethod(input: { id: "${CARD_ID}" }) { deletedPaymentMethodId }
      again: updatePaymentMethod(input: ${input}) { paymentMethod { id } userErrors { field code } }
    }`);
    expect(r).toEqual({
      data: {
        updated: { userErrors: [] },
        deleted: { deletedPaymentMethodId: CARD_ID },
        again: { paymentMethod: null, userErrors: [{ field: ['input', 'id'], code: 'NOT_FOUND' }] },
      },
    });
    expect(calls()).toEqual([`GET ${path(CARD_ID)}`, `PUT ${path(CARD_ID)}`, `DELETE ${path(CARD_ID)}`, `GET ${path(CARD_ID)}`]);
  });
});
