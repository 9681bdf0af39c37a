/**
 * Strict mode (sandbox/README.md, Strict mode), over real HTTP. On (the default, as Zoho): a
 * session for a customer the account does not know is 404 resource_does_not_exist; a body field
 * an endpoint does not take, at any depth, is 400 invalid_parameter naming it (never echoing a
 * key that could be a card number); a refused request changes nothing. The account knows the
 * fixtures' customers and those seeded (GET /__sandbox/customers lists them). Off (PUT
 * /__sandbox/strict, `strict: false`, SANDBOX_STRICT=false): the sandbox's lenient behaviour
 * of before, kept: unknown customers are registered, unknown fields dropped in silence.
 */
import { loadSandboxEnv } from '../../sandbox/config';
import { startSandboxProcess, stopAllProcesses } from '../support/processes';
import {
  ACCOUNT,
  ADA,
  CHARLES,
  FIXTURE_ACH,
  FIXTURE_CARD,
  OTHER_ACCOUNT,
  OTHER_TOKEN,
  UNKNOWN_ID,
  expectZohoError,
  rawRequest,
  useSandbox,
  type Json,
} from './harness';

const createSession = (h: ReturnType<typeof useSandbox>, body: unknown, options: { token?: string; account?: string } = {}) =>
  h.zoho('POST', 'paymentmethodsessions', { body, ...options });
const customers = async (h: ReturnType<typeof useSandbox>, account = ACCOUNT) => {
  const reply = await h.control('GET', `customers?account_id=${account}`);
  expect(reply.status).toBe(200);
  return reply.json().customers as Json[];
};
const getCard = async (h: ReturnType<typeof useSandbox>) => (await h.zoho('GET', `paymentmethods/${FIXTURE_CARD}`)).json().payment_method as Json;

describe('strict (the default)', () => {
  const h = useSandbox();

  it('GET /__sandbox/strict says so', async () => {
    expect((await h.control('GET', 'strict')).json()).toEqual({ code: 0, message: 'success', strict: true });
  });

  describe('customers', () => {
    it("the account knows the fixtures' customers (GET /__sandbox/customers)", async () => {
      expect(await customers(h)).toEqual([
        { customer_id: CHARLES, customer_name: 'Charles', customer_email: 'charles@example.com' },
        { customer_id: ADA, customer_name: 'Ada', customer_email: 'ada@example.com' },
      ]);
      expect((await createSession(h, { customer_id: CHARLES })).status).toBe(200);
      expect((await createSession(h, { customer_id: ADA })).status).toBe(200);
    });

    it('a session for an unknown customer → 404 resource_does_not_exist, and nothing is created or registered', async () => {
      expectZohoError(await createSession(h, { customer_id: UNKNOWN_ID }), 404, 'resource_does_not_exist', 'customer');

      expect((await customers(h)).map((c) => c.customer_id)).toEqual([CHARLES, ADA]);
      // The first session id is still unused: the refused call made none.
      expect(await h.createSession()).toBe('1987000000800000');
      expectZohoError(await createSession(h, { customer_id: UNKNOWN_ID }), 404, 'resource_does_not_exist');
    });

    it("a customer of one account is unknown in another", async () => {
      await h.addToken();

      expectZohoError(await createSession(h, { customer_id: CHARLES }, { token: OTHER_TOKEN, account: OTHER_ACCOUNT }), 404, 'resource_does_not_exist', 'customer');
    });

    it('seeding a customer (POST /__sandbox/seed, customers) makes it known; its name and email then read on its payment methods', async () => {
      await h.addToken();
      const seeded = await h.control('POST', 'seed', {
        account_id: OTHER_ACCOUNT,
        customers: [{ customer_id: '1987000000724500', customer_name: 'Grace', customer_email: 'grace@example.com' }],
      });
      expect(seeded.json().customers).toEqual([{ customer_id: '1987000000724500', customer_name: 'Grace', customer_email: 'grace@example.com' }]);

      const created = await createSession(h, { customer_id: '1987000000724500' }, { token: OTHER_TOKEN, account: OTHER_ACCOUNT });
      expect(created.status).toBe(200);
      const sessionId = created.json().payment_method_session.payment_method_session_id as string;
      const completed = await h.complete(sessionId, { card: { number: '4242424242424242' } }, OTHER_ACCOUNT);
      const methodId = completed.json().payment_method_session.payment_method.payment_method_id as string;
      expect((await h.zoho('GET', `paymentmethods/${methodId}`, { token: OTHER_TOKEN, account: OTHER_ACCOUNT })).json().payment_method).toMatchObject({
        customer_id: '1987000000724500',
        customer_name: 'Grace',
        customer_email: 'grace@example.com',
      });
    });

    it('a seeded payment method or session registers its customer', async () => {
      await h.control('POST', 'seed', {
        account_id: ACCOUNT,
        payment_methods: [{ customer_id: '1987000000724501', type: 'ach_debit', ach_debit: { last_four_digits: '1234' } }],
        payment_method_sessions: [{ customer_id: '1987000000724502' }],
      });

      expect((await customers(h)).map((c) => c.customer_id)).toEqual([CHARLES, ADA, '1987000000724501', '1987000000724502']);
      expect((await createSession(h, { customer_id: '1987000000724502' })).status).toBe(200);
    });

    it('GET /__sandbox/customers needs an account_id of digits', async () => {
      expectZohoError(await h.control('GET', 'customers'), 400, 'required_parameter_missing', 'account_id');
      expectZohoError(await h.control('GET', 'customers?account_id=abc'), 400, 'invalid_account_id');
      expect(await customers(h, OTHER_ACCOUNT)).toEqual([]);
    });
  });

  describe('unknown body fields → 400 invalid_parameter, naming the field', () => {
    it.each<[string, Json, string]>([
      ['create: a top-level field', { customer_id: CHARLES, currency: 'USD' }, 'currency'],
      ['create: a misspelt argument', { customer_id: CHARLES, descripton: 'typo' }, 'descripton'],
    ])('%s', async (_what, body, field) => {
      const error = expectZohoError(await createSession(h, body), 400, 'invalid_parameter');

      expect(error.message).toBe(`Unknown field ${field}: this API takes no such argument.`);
    });

    it.each<[string, Json, string]>([
      ['a top-level field', { type: 'card', payment_method_id: FIXTURE_CARD }, 'payment_method_id'],
      ['a field inside card', { type: 'card', card: { expiry_month: '01', expiry_year: '30', cvc: '123' } }, 'card.cvc'],
      ['a field inside billing_address', { type: 'card', billing_address: { country: 'US', zip: '12345' } }, 'billing_address.zip'],
      ['a field inside ach_debit', { type: 'ach_debit', ach_debit: { account_holder_type: 'company', routing_number: '110000000' } }, 'ach_debit.routing_number'],
    ])('update: %s', async (_what, body, field) => {
      const id = body['type'] === 'ach_debit' ? FIXTURE_ACH : FIXTURE_CARD;
      const before = (await h.zoho('GET', `paymentmethods/${id}`)).json().payment_method as Json;

      const error = expectZohoError(await h.zoho('PUT', `paymentmethods/${id}`, { body }), 400, 'invalid_parameter');

      expect(error.message).toBe(`Unknown field ${field}: this API takes no such argument.`);
      // A refused update changed nothing.
      expect((await h.zoho('GET', `paymentmethods/${id}`)).json().payment_method).toEqual(before);
    });

    it('a key that is not a plain name (it could be a card number) is refused without being echoed', async () => {
      const reply = await h.zoho('PUT', `paymentmethods/${FIXTURE_CARD}`, { body: { type: 'card', '4242424242424242': '123' } });

      const error = expectZohoError(reply, 400, 'invalid_parameter');
      expect(error.message).toBe('The request body has a field this API does not take.');
      expect(reply.text).not.toContain('4242424242424242');
    });

    it('a missing argument is reported first: the code samples\' placeholder body {"field1", "field2"}', async () => {
      const placeholder = { field1: 'value1', field2: 'value2' };

      expectZohoError(await createSession(h, placeholder), 400, 'required_parameter_missing', 'customer_id');
      expectZohoError(await h.zoho('PUT', `paymentmethods/${FIXTURE_CARD}`, { body: placeholder }), 400, 'required_parameter_missing', 'type');
      expectZohoError(await createSession(h, { ...placeholder, customer_id: CHARLES }), 400, 'invalid_parameter', 'Unknown field field1');
    });

    it('an unknown field is reported before a malformed value', async () => {
      const body = { type: 'card', card: { expiry_month: '13', expiry_year: '30' }, card_holder_name: 'Charles' };

      expectZohoError(await h.zoho('PUT', `paymentmethods/${FIXTURE_CARD}`, { body }), 400, 'invalid_parameter', 'Unknown field card_holder_name');
    });

    it('the credentials and the account are still checked first (401, 403 beat an unknown field)', async () => {
      const body = { customer_id: UNKNOWN_ID, extra: true };

      expectZohoError(await createSession(h, body, { token: 'nope' }), 401, 'invalid_oauth_token');
      expectZohoError(await createSession(h, body, { token: 'sandbox_read' }), 403, 'oauth_scope_mismatch');
    });

    it('the arguments the seeds document are all accepted', async () => {
      const full = {
        type: 'card',
        card: { expiry_month: '02', expiry_year: '31' },
        billing_address: { name: 'Charles', address_line1: '1 A St', address_line2: 'B', city: 'Detroit', state: 'Michigan', country: 'US', postal_code: '12345' },
      };

      expect((await createSession(h, { customer_id: CHARLES, description: 'every argument' })).status).toBe(200);
      expect((await h.zoho('PUT', `paymentmethods/${FIXTURE_CARD}`, { body: full })).status).toBe(200);
      expect((await h.zoho('PUT', `paymentmethods/${FIXTURE_ACH}`, { body: { type: 'ach_debit', ach_debit: { account_holder_type: 'company' } } })).status).toBe(200);
    });
  });

  describe('PUT /__sandbox/strict', () => {
    it('false relaxes it at once; true restores it; reset brings back the start-up mode (on)', async () => {
      expect((await h.control('PUT', 'strict', { strict: false })).json()).toEqual({ code: 0, message: 'success', strict: false });
      expect((await createSession(h, { customer_id: UNKNOWN_ID, extra: 1 })).status).toBe(200);

      expect((await h.control('PUT', 'strict', { strict: true })).json().strict).toBe(true);
      expectZohoError(await createSession(h, { customer_id: CHARLES, extra: 1 }), 400, 'invalid_parameter', 'extra');

      await h.control('PUT', 'strict', { strict: false });
      await h.control('POST', 'reset', {});
      expect((await h.control('GET', 'strict')).json().strict).toBe(true);
    });

    it.each<[string, unknown]>([
      ['no strict', {}],
      ['a string', { strict: 'false' }],
      ['an unknown field', { strict: true, customers: true }],
    ])('refuses %s (400) and stays strict', async (_what, body) => {
      const reply = await h.control('PUT', 'strict', body);

      expect(reply.status).toBe(400);
      expect((await h.control('GET', 'strict')).json().strict).toBe(true);
    });
  });
});

describe('not strict (strict: false at start): the lenient behaviour, kept', () => {
  const h = useSandbox({ strict: false });

  it('GET /__sandbox/strict says false, and reset keeps it off (the start-up mode)', async () => {
    expect((await h.control('GET', 'strict')).json().strict).toBe(false);
    await h.control('POST', 'reset', {});
    expect((await h.control('GET', 'strict')).json().strict).toBe(false);
  });

  it('a session for an unknown customer is created, and the customer registered without name or email', async () => {
    const reply = await createSession(h, { customer_id: UNKNOWN_ID });

    expect(reply.status).toBe(200);
    expect(reply.json().payment_method_session.customer_id).toBe(UNKNOWN_ID);
    expect((await customers(h)).at(-1)).toEqual({ customer_id: UNKNOWN_ID });
  });

  it('unknown fields are dropped in silence: not refused, not stored, not echoed', async () => {
    const created = await createSession(h, { customer_id: CHARLES, currency: 'USD' });
    expect(created.status).toBe(200);
    expect(created.json().payment_method_session).not.toHaveProperty('currency');

    const before = await getCard(h);
    const updated = await h.zoho('PUT', `paymentmethods/${FIXTURE_CARD}`, {
      body: { type: 'card', card: { expiry_month: '02', expiry_year: '31', cvc: '123' }, billing_address: { country: 'US', zip: '1' }, extra: true },
    });

    expect(updated.status).toBe(200);
    const method = updated.json().payment_method as Json;
    expect(method.card).toEqual({ ...before.card, expiry_month: '02', expiry_year: '31' });
    expect(method.billing_address).toEqual({ country: 'US' });
    expect(updated.text).not.toMatch(/"(cvc|zip|extra)"/);
  });

  it('PUT /__sandbox/strict true turns it on until reset', async () => {
    await h.control('PUT', 'strict', { strict: true });
    expectZohoError(await createSession(h, { customer_id: UNKNOWN_ID }), 404, 'resource_does_not_exist');

    await h.control('POST', 'reset', {});

    expect((await createSession(h, { customer_id: UNKNOWN_ID })).status).toBe(200);
  });
});

describe('SANDBOX_STRICT (npm run sandbox)', () => {
  afterAll(stopAllProcesses);

  it('defaults to true; "false" turns it off; anything else stops start-up with the variable named', () => {
    expect(loadSandboxEnv({}).SANDBOX_STRICT).toBe(true);
    expect(loadSandboxEnv({ SANDBOX_STRICT: '' }).SANDBOX_STRICT).toBe(true);
    expect(loadSandboxEnv({ SANDBOX_STRICT: 'true' }).SANDBOX_STRICT).toBe(true);
    expect(loadSandboxEnv({ SANDBOX_STRICT: 'false' }).SANDBOX_STRICT).toBe(false);
    expect(() => loadSandboxEnv({ SANDBOX_STRICT: 'no' })).toThrow(/SANDBOX_STRICT/);
  });

  it('the process honours it and says so in its banner', async () => {
    const [strict, lenient] = await Promise.all([startSandboxProcess(), startSandboxProcess({ SANDBOX_STRICT: 'false' })]);

    expect(strict.stdout).toContain('strict:  on, as Zoho');
    expect(lenient.stdout).toContain('strict:  off');
    const mode = async (origin: string) => (await rawRequest(origin, 'GET', '/__sandbox/strict', { token: null })).json().strict as boolean;
    expect(await mode(strict.origin)).toBe(true);
    expect(await mode(lenient.origin)).toBe(false);
    const create = (origin: string) =>
      rawRequest(origin, 'POST', `/api/v1/paymentmethodsessions?account_id=${ACCOUNT}`, { body: { customer_id: UNKNOWN_ID } });
    expect((await create(strict.origin)).status).toBe(404);
    expect((await create(lenient.origin)).status).toBe(200);
  });
});
