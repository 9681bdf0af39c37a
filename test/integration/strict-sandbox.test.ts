/**
 * The gateway (createGateway, over HTTP) against the sandbox in strict mode, as every test that
 * starts a sandbox runs it (sandbox/README.md, Strict mode): what strict mode makes reachable.
 * - A session for a customer the account does not know is Zoho's 404 resource_does_not_exist,
 *   which the gateway answers as the NOT_FOUND user error on ["input", "customerId"]; once the
 *   customer is seeded, the same mutation succeeds.
 * - Every body the gateway sends Zoho holds only the arguments the seeds document: a strict
 *   sandbox, which refuses any other field, accepts the fullest update of a card and of an account.
 */
import { jsonOf, postGraphQL } from '../http-client';
import { ACCOUNT, FIXTURE_ACH, FIXTURE_CARD, FULL, UNKNOWN_ID, type Json } from '../sandbox/harness';
import { useGatewayOnSandbox } from '../support/gateway-on-sandbox';

const CALLER = { authorization: `Zoho-oauthtoken ${FULL}`, 'x-zoho-account-id': ACCOUNT };

const { sandbox: h, url } = useGatewayOnSandbox({ strict: true });

async function gql(query: string, variables: Json): Promise<Json> {
  const reply = await postGraphQL(url(), { query, variables }, CALLER);
  expect(reply.status).toBe(200);
  const body = jsonOf<Json>(reply);
  expect(body.errors).toBeUndefined();
  return body.data as Json;
}

const journal = () => h.sandbox.journal.list().map((call) => `${call.method} ${call.path} ${call.status}`);

const CREATE = `mutation Create($input: CreatePaymentMethodSessionInput!) {
  createPaymentMethodSession(input: $input) {
    paymentMethodSession { id status customer { id } }
    userErrors { field code message }
  }
}`;

const UPDATE = `mutation Update($input: UpdatePaymentMethodInput!) {
  updatePaymentMethod(input: $input) {
    paymentMethod { id }
    userErrors { field code message }
  }
}`;

describe('createPaymentMethodSession for a customer the account does not know', () => {
  it('is the NOT_FOUND user error on ["input", "customerId"], from the sandbox\'s 404', async () => {
    const data = await gql(CREATE, { input: { customerId: UNKNOWN_ID } });

    expect(data.createPaymentMethodSession).toEqual({
      paymentMethodSession: null,
      userErrors: [{ field: ['input', 'customerId'], code: 'NOT_FOUND', message: expect.stringContaining('customer') }],
    });
    expect(journal()).toEqual(['POST /api/v1/paymentmethodsessions 404']);
  });

  it('succeeds once the customer is seeded through the control API', async () => {
    await h.addCustomer(UNKNOWN_ID, ACCOUNT);

    const data = await gql(CREATE, { input: { customerId: UNKNOWN_ID } });

    expect(data.createPaymentMethodSession).toEqual({
      paymentMethodSession: { id: expect.stringMatching(/^\d{16}$/), status: 'CREATED', customer: { id: UNKNOWN_ID } },
      userErrors: [],
    });
  });
});

describe('the gateway sends Zoho no field the seeds do not document', () => {
  const billingAddress = {
    name: 'Charles',
    addressLine1: '123 Main St',
    addressLine2: 'Apt 4B',
    city: 'Detroit',
    state: 'Michigan',
    country: 'US',
    postalCode: '12345',
  };

  it.each<[string, Json]>([
    ['a card: expiry and every billing address field', { id: FIXTURE_CARD, card: { expiryMonth: 2, expiryYear: 2031 }, billingAddress }],
    ['an ACH account: holder type and every billing address field', { id: FIXTURE_ACH, achDebit: { accountHolderType: 'COMPANY' }, billingAddress }],
  ])('the fullest update of %s is accepted by the strict sandbox', async (_what, input) => {
    const data = await gql(UPDATE, { input });

    expect(data.updatePaymentMethod).toEqual({ paymentMethod: { id: input['id'] }, userErrors: [] });
    expect(journal()).toContain(`PUT /api/v1/paymentmethods/${input['id'] as string} 200`);
  });
});
