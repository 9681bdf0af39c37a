/**
 * Completing a session as the customer would (POST /__sandbox/paymentmethodsessions/{id}/complete):
 * every test card and test bank account in sandbox/README.md gives its documented outcome; only
 * the last four digits of a number ever leave the sandbox (no reply text and no journal entry
 * contains the full number); Luhn, ABA and length checks; exactly one of card/ach_debit; a session
 * completes once, expires on request or one hour after creation on the injected clock; at most 100
 * payment methods per customer; a deleted method reads `deleted` and cannot change again; a card
 * past its expiry on the clock reads `expired` until a PUT gives it a future expiry.
 */
import fc from 'fast-check';
import {
  ACCOUNT,
  ADA,
  CHARLES,
  FIXTURE_CARD,
  FIXTURE_OPEN_SESSION,
  FIXTURE_SUCCEEDED_SESSION,
  HOUR,
  OTHER_ACCOUNT,
  OTHER_TOKEN,
  START,
  UNKNOWN_ID,
  achBody,
  cardBody,
  expectZohoError,
  useSandbox,
  withLuhnDigit,
  type Json,
  type Reply,
} from './harness';

const h = useSandbox();

/** Every reply text the customer's number could leak into after completing `sessionId`. */
async function everythingReadableAbout(sessionId: string, completion: Reply): Promise<string[]> {
  const texts = [completion.text, (await h.zoho('GET', `paymentmethodsessions/${sessionId}`)).text];
  const methodId = completion.json().payment_method_session?.payment_method?.payment_method_id as string | undefined;
  if (methodId) texts.push((await h.zoho('GET', `paymentmethods/${methodId}`)).text);
  texts.push((await h.control('GET', 'requests')).text);
  return texts;
}

function expectNeverContains(texts: string[], secret: string): void {
  for (const text of texts) expect(text).not.toContain(secret);
}

describe('test cards (README table), completed with a CVC and a full billing address', () => {
  const pass = { address_line_check: 'pass', postal_code_check: 'pass', cvc_check: 'pass' };
  it.each<[string, string, string, Json]>([
    ['4242424242424242', '4242', 'active', pass],
    ['5555555555554444', '4444', 'active', pass],
    ['378282246310005', '0005', 'active', pass],
    ['6011111111111117', '1117', 'active', pass], // "any other valid number"
    ['4000000000000101', '0101', 'active', { ...pass, cvc_check: 'fail' }],
    ['4000000000000036', '0036', 'active', { ...pass, postal_code_check: 'fail' }],
    ['4000000000000028', '0028', 'active', { ...pass, address_line_check: 'fail' }],
    ['4000000000000069', '0069', 'expired', pass],
    ['4000000000009979', '9979', 'blocked', pass],
  ])('%s → session succeeded, method %s… %s', async (number, lastFour, status, checks) => {
    const sessionId = await h.createSession();

    const reply = await h.complete(sessionId, cardBody(number, number.length === 15 ? { cvc: '1234' } : {}));

    expect(reply.status).toBe(200);
    const session = reply.json().payment_method_session;
    expect(session).toMatchObject({ payment_method_session_id: sessionId, customer_id: CHARLES, status: 'succeeded' });
    expect(session.payment_method).toMatchObject({ type: 'card', status, created_time: Math.floor(START / 1000) });
    // The completion reply is the session as retrieve returns it.
    expect((await h.zoho('GET', `paymentmethodsessions/${sessionId}`)).json()).toEqual(reply.json());
    const method = (await h.zoho('GET', `paymentmethods/${session.payment_method.payment_method_id}`)).json().payment_method;
    expect(method).toMatchObject({
      customer_id: CHARLES,
      type: 'card',
      status,
      currency: 'USD',
      card: { card_holder_name: 'Charles', last_four_digits: lastFour, card_checks: checks },
    });
    expectNeverContains(await everythingReadableAbout(sessionId, reply), number);
  });

  it('4000000000000002 is declined: the session fails and gets no payment method', async () => {
    const sessionId = await h.createSession();

    const reply = await h.complete(sessionId, cardBody('4000000000000002'));

    expect(reply.status).toBe(200);
    const session = reply.json().payment_method_session;
    expect(session.status).toBe('failed');
    expect(session).not.toHaveProperty('payment_method');
    expect((await h.zoho('GET', `paymentmethodsessions/${sessionId}`)).json()).toEqual(reply.json());
    expectNeverContains(await everythingReadableAbout(sessionId, reply), '4000000000000002');
    // No payment method was created: the next one gets the first id the sandbox hands out.
    const next = await h.completedSession(cardBody('4242424242424242'));
    expect(next.paymentMethodId).toBe('1987000000000800000');
  });

  it('checks are unchecked (CVC) or unavailable (postal code, address line) when nothing was given to check', async () => {
    const bare = await h.completedSession({ card: { number: '4242424242424242' } });
    const countryOnly = await h.completedSession({ card: { number: '4242424242424242', cvc: '999' }, billing_address: { country: 'US' } });
    const read = async (id: string) => (await h.zoho('GET', `paymentmethods/${id}`)).json().payment_method.card.card_checks;

    expect(await read(bare.paymentMethodId)).toEqual({ address_line_check: 'unavailable', postal_code_check: 'unavailable', cvc_check: 'unchecked' });
    expect(await read(countryOnly.paymentMethodId)).toEqual({ address_line_check: 'unavailable', postal_code_check: 'unavailable', cvc_check: 'pass' });
  });

  it('a failing test card fails its check even when nothing was given to check', async () => {
    const { paymentMethodId } = await h.completedSession({ card: { number: '4000000000000101' } });

    expect((await h.zoho('GET', `paymentmethods/${paymentMethodId}`)).json().payment_method.card.card_checks.cvc_check).toBe('fail');
  });

  it('spaces and dashes in the number are ignored, and neither form of the number leaves the sandbox', async () => {
    for (const typed of ['4242 4242 4242 4242', '4242-4242-4242-4242', ' 5555 5555-5555 4444 ']) {
      const sessionId = await h.createSession();
      const reply = await h.complete(sessionId, cardBody(typed));
      expect(reply.status).toBe(200);
      const method = (await h.zoho('GET', `paymentmethods/${reply.json().payment_method_session.payment_method.payment_method_id}`)).json();
      expect(method.payment_method.card.last_four_digits).toBe(typed.replace(/\D/g, '').slice(-4));
      const texts = await everythingReadableAbout(sessionId, reply);
      expectNeverContains(texts, typed.trim());
      expectNeverContains(texts, typed.replace(/\D/g, ''));
    }
  });

  it('defaults: expiry 12 and three years ahead, currency USD; given values are normalised to MM/YY', async () => {
    const defaulted = await h.completedSession({ card: { number: '4242424242424242' } });
    const given = await h.completedSession({ card: { number: '4242424242424242', expiry_month: '3', expiry_year: '2031' }, currency: 'EUR' });
    const read = async (id: string) => (await h.zoho('GET', `paymentmethods/${id}`)).json().payment_method;

    expect(await read(defaulted.paymentMethodId)).toMatchObject({ card: { expiry_month: '12', expiry_year: '29' }, currency: 'USD' });
    expect(await read(given.paymentMethodId)).toMatchObject({ card: { expiry_month: '03', expiry_year: '31' }, currency: 'EUR' });
  });

  it('a card expiring this month is accepted; one already past is invalid_parameter', async () => {
    const current = await h.completedSession({ card: { number: '4242424242424242', expiry_month: '11', expiry_year: '26' } });
    expect(current.session.payment_method.status).toBe('active');

    const sessionId = await h.createSession();
    expectZohoError(await h.complete(sessionId, { card: { number: '4242424242424242', expiry_month: '10', expiry_year: '26' } }), 400, 'invalid_parameter', 'card.expiry_year');
    expectZohoError(await h.complete(sessionId, { card: { number: '4242424242424242', expiry_month: '13' } }), 400, 'invalid_parameter', 'card.expiry_month');
  });
});

describe('test bank accounts (README table)', () => {
  it.each([
    ['000123456789', '110000000', 'active'],
    ['1234', '110000000', 'active'], // "any other 4-17 digits"
    ['12345678901234567', '021000021', 'active'], // and "any valid" routing number
    ['000222222227', '110000000', 'processing'],
    ['000111111113', '110000000', 'blocked'],
  ])('%s at %s → session succeeded, method %s', async (accountNumber, routing, status) => {
    const sessionId = await h.createSession(ADA);

    const reply = await h.complete(sessionId, achBody(accountNumber, { routing_number: routing }));

    expect(reply.status).toBe(200);
    const session = reply.json().payment_method_session;
    expect(session).toMatchObject({ status: 'succeeded', payment_method: { type: 'ach_debit', status } });
    const method = (await h.zoho('GET', `paymentmethods/${session.payment_method.payment_method_id}`)).json().payment_method;
    expect(method).toMatchObject({
      customer_id: ADA,
      customer_name: 'Ada',
      type: 'ach_debit',
      status,
      currency: 'USD',
      ach_debit: {
        account_holder_name: 'Ada',
        routing_number: routing,
        account_holder_type: 'individual',
        bank_name: 'Sandbox Test Bank',
        account_type: 'checking',
        last_four_digits: accountNumber.slice(-4),
      },
    });
    if (accountNumber.length > 4) expectNeverContains(await everythingReadableAbout(sessionId, reply), accountNumber);
  });

  it('000111111116 is declined: the session fails and gets no payment method', async () => {
    const sessionId = await h.createSession(ADA);

    const reply = await h.complete(sessionId, achBody('000111111116'));

    expect(reply.json().payment_method_session.status).toBe('failed');
    expect(reply.json().payment_method_session).not.toHaveProperty('payment_method');
    expectNeverContains(await everythingReadableAbout(sessionId, reply), '000111111116');
  });

  it('given holder type, account type and bank name are kept', async () => {
    const { paymentMethodId } = await h.completedSession(
      achBody('000123456789', { account_holder_type: 'company', account_type: 'savings', bank_name: 'First Detroit Bank' }),
      ADA,
    );

    expect((await h.zoho('GET', `paymentmethods/${paymentMethodId}`)).json().payment_method.ach_debit).toMatchObject({
      account_holder_type: 'company',
      account_type: 'savings',
      bank_name: 'First Detroit Bank',
    });
  });
});

describe('instrument checks', () => {
  it.each([
    ['fails the Luhn check', '4242424242424241'],
    ['has 11 digits', withLuhnDigit('4242424242')],
    ['has 20 digits', withLuhnDigit('4242424242424242424')],
    ['has letters', '4242 4242 4242 424x'],
    ['is empty', ''],
  ])('a card number that %s is invalid_parameter (card.number), and not echoed', async (_what, number) => {
    const sessionId = await h.createSession();

    const body = expectZohoError(await h.complete(sessionId, cardBody(number)), 400, 'invalid_parameter', 'card.number');

    if (number) expect(body.message).not.toContain(number);
    expect((await h.zoho('GET', `paymentmethodsessions/${sessionId}`)).json().payment_method_session.status).toBe('created');
  });

  it('12 and 19 digits are accepted', async () => {
    for (const number of [withLuhnDigit('42424242424'), withLuhnDigit('424242424242424242')]) {
      const { session } = await h.completedSession({ card: { number } });
      expect(session.status).toBe('succeeded');
    }
  });

  it.each([
    ['fails the ABA checksum', '110000001'],
    ['has 8 digits', '11000000'],
    ['has 10 digits', '1100000000'],
    ['has letters', '11000000a'],
  ])('a routing number that %s is invalid_parameter (ach_debit.routing_number)', async (_what, routing) => {
    const sessionId = await h.createSession(ADA);

    expectZohoError(await h.complete(sessionId, achBody('000123456789', { routing_number: routing })), 400, 'invalid_parameter', 'ach_debit.routing_number');
  });

  it.each([['123'], ['123456789012345678'], ['12345abc']])('account number %s (not 4-17 digits) is invalid_parameter (ach_debit.account_number)', async (accountNumber) => {
    const sessionId = await h.createSession(ADA);

    const body = expectZohoError(await h.complete(sessionId, achBody(accountNumber)), 400, 'invalid_parameter', 'ach_debit.account_number');
    expect(body.message).not.toContain(accountNumber);
  });

  it.each<[string, Json]>([
    ['both a card and a bank account', { ...cardBody('4242424242424242'), ...achBody('000123456789') }],
    ['neither', { billing_address: { country: 'US' }, currency: 'USD' }],
    ['an empty body', {}],
  ])('%s → invalid_parameter (exactly one of card or ach_debit)', async (_what, body) => {
    const sessionId = await h.createSession();

    expectZohoError(await h.complete(sessionId, body), 400, 'invalid_parameter', 'exactly one of card or ach_debit');
  });

  it('a body that is not JSON → invalid_json', async () => {
    expectZohoError(await h.complete(FIXTURE_OPEN_SESSION, 'card=4242424242424242'), 400, 'invalid_json');
  });
});

describe('which session', () => {
  it('needs no token: the customer has none', async () => {
    const reply = await h.request('POST', `/__sandbox/paymentmethodsessions/${FIXTURE_OPEN_SESSION}/complete?account_id=${ACCOUNT}`, {
      token: null,
      body: achBody('000123456789'),
    });

    expect(reply.status).toBe(200);
    expect(reply.json().payment_method_session).toMatchObject({ customer_id: ADA, status: 'succeeded' });
  });

  it("needs the session's account_id: missing → required_parameter_missing; another account → resource_does_not_exist", async () => {
    await h.addToken();
    await h.addCustomer(CHARLES);
    const theirs = await h.createSession(CHARLES, { token: OTHER_TOKEN, account: OTHER_ACCOUNT });

    expectZohoError(await h.control('POST', `paymentmethodsessions/${FIXTURE_OPEN_SESSION}/complete`, achBody('000123456789')), 400, 'required_parameter_missing', 'account_id');
    expectZohoError(await h.complete(FIXTURE_OPEN_SESSION, achBody('000123456789'), 'abc'), 400, 'invalid_account_id');
    expectZohoError(await h.complete(FIXTURE_OPEN_SESSION, achBody('000123456789'), OTHER_ACCOUNT), 404, 'resource_does_not_exist');
    expectZohoError(await h.complete(theirs, cardBody('4242424242424242')), 404, 'resource_does_not_exist');
    expect((await h.complete(theirs, cardBody('4242424242424242'), OTHER_ACCOUNT)).status).toBe(200);
  });

  it('an unknown session → resource_does_not_exist', async () => {
    expectZohoError(await h.complete(UNKNOWN_ID, cardBody('4242424242424242')), 404, 'resource_does_not_exist', 'session');
  });

  it('completing twice → invalid_payment_session, and the first payment method stays', async () => {
    const { sessionId, paymentMethodId } = await h.completedSession(cardBody('4242424242424242'));

    expectZohoError(await h.complete(sessionId, cardBody('5555555555554444')), 400, 'invalid_payment_session');
    expectZohoError(await h.complete(sessionId, cardBody('4000000000000002')), 400, 'invalid_payment_session');

    const session = (await h.zoho('GET', `paymentmethodsessions/${sessionId}`)).json().payment_method_session;
    expect(session).toMatchObject({ status: 'succeeded', payment_method: { payment_method_id: paymentMethodId } });
  });

  it('a failed session and the fixture succeeded session cannot be completed', async () => {
    const sessionId = await h.createSession();
    await h.complete(sessionId, cardBody('4000000000000002'));

    expectZohoError(await h.complete(sessionId, cardBody('4242424242424242')), 400, 'invalid_payment_session', 'failed');
    expectZohoError(await h.complete(FIXTURE_SUCCEEDED_SESSION, cardBody('4242424242424242')), 400, 'invalid_payment_session', 'succeeded');
  });
});

describe('expiry of a session', () => {
  it('POST .../expire expires a created session now; it then cannot be completed or expired again', async () => {
    const sessionId = await h.createSession();

    const reply = await h.control('POST', `paymentmethodsessions/${sessionId}/expire?account_id=${ACCOUNT}`);

    expect(reply.status).toBe(200);
    expect(reply.json()).toEqual({
      code: 0,
      message: 'success',
      payment_method_session: { payment_method_session_id: sessionId, customer_id: CHARLES, status: 'expired', created_time: Math.floor(START / 1000) },
    });
    expect((await h.zoho('GET', `paymentmethodsessions/${sessionId}`)).json().payment_method_session.status).toBe('expired');
    expectZohoError(await h.complete(sessionId, cardBody('4242424242424242')), 400, 'invalid_payment_session', 'expired');
    expectZohoError(await h.control('POST', `paymentmethodsessions/${sessionId}/expire?account_id=${ACCOUNT}`), 400, 'invalid_payment_session');
  });

  it('expire: only a created session, in its own account', async () => {
    expectZohoError(await h.control('POST', `paymentmethodsessions/${FIXTURE_SUCCEEDED_SESSION}/expire?account_id=${ACCOUNT}`), 400, 'invalid_payment_session');
    expectZohoError(await h.control('POST', `paymentmethodsessions/${UNKNOWN_ID}/expire?account_id=${ACCOUNT}`), 404, 'resource_does_not_exist');
    expectZohoError(await h.control('POST', `paymentmethodsessions/${FIXTURE_OPEN_SESSION}/expire?account_id=${OTHER_ACCOUNT}`), 404, 'resource_does_not_exist');
    expectZohoError(await h.control('POST', `paymentmethodsessions/${FIXTURE_OPEN_SESSION}/expire`), 400, 'required_parameter_missing', 'account_id');
  });

  it('a session never completed reads expired one hour after creation, on the injected clock', async () => {
    const sessionId = await h.createSession();
    const status = async (id: string) => (await h.zoho('GET', `paymentmethodsessions/${id}`)).json().payment_method_session.status as string;

    h.now = START + HOUR - 1;
    expect(await status(sessionId)).toBe('created');
    expect(await status(FIXTURE_OPEN_SESSION)).toBe('created');

    h.now = START + HOUR;
    expect(await status(sessionId)).toBe('expired');
    expect(await status(FIXTURE_OPEN_SESSION)).toBe('expired');
    expectZohoError(await h.complete(sessionId, cardBody('4242424242424242')), 400, 'invalid_payment_session', 'expired');
  });

  it('a session completed in time stays succeeded after the hour', async () => {
    const { sessionId } = await h.completedSession(cardBody('4242424242424242'));

    h.now = START + 2 * HOUR;

    expect((await h.zoho('GET', `paymentmethodsessions/${sessionId}`)).json().payment_method_session.status).toBe('succeeded');
  });
});

describe('customer_max_payment_methods', () => {
  const CUSTOMER = '1987000000990001';

  it('a customer holds at most 100 payment methods; a deleted one frees a place', async () => {
    const ninetyNine = Array.from({ length: 99 }, () => ({
      customer_id: CUSTOMER,
      type: 'card',
      card: { last_four_digits: '4242', expiry_month: '12', expiry_year: '30' },
    }));
    const seeded = await h.control('POST', 'seed', { account_id: ACCOUNT, payment_methods: ninetyNine });
    expect(seeded.status).toBe(200);

    const hundredth = await h.completedSession(cardBody('4242424242424242'), CUSTOMER);
    expect(hundredth.session.status).toBe('succeeded');

    const sessionId = await h.createSession(CUSTOMER);
    expectZohoError(await h.complete(sessionId, cardBody('5555555555554444')), 400, 'customer_max_payment_methods', '100');
    expect((await h.zoho('GET', `paymentmethodsessions/${sessionId}`)).json().payment_method_session.status).toBe('created');
    // Another customer of the account is not affected.
    expect((await h.completedSession(cardBody('5555555555554444'), CHARLES)).session.status).toBe('succeeded');

    expect((await h.zoho('DELETE', `paymentmethods/${hundredth.paymentMethodId}`)).status).toBe(200);
    const reply = await h.complete(sessionId, cardBody('5555555555554444'));
    expect(reply.status).toBe(200);
    expect(reply.json().payment_method_session.status).toBe('succeeded');
  });
});

describe('the life of a payment method', () => {
  it('DELETE marks it deleted: it still reads (status deleted), but a second DELETE or a PUT does not exist', async () => {
    const { sessionId, paymentMethodId } = await h.completedSession(cardBody('4242424242424242'));
    h.now = START + 60_000;

    expect((await h.zoho('DELETE', `paymentmethods/${paymentMethodId}`)).json()).toEqual({ code: 0, message: 'Payment method deleted' });

    const read = (await h.zoho('GET', `paymentmethods/${paymentMethodId}`)).json().payment_method;
    expect(read).toMatchObject({ payment_method_id: paymentMethodId, status: 'deleted', last_modified_time: Math.floor(START / 1000) + 60 });
    expect((await h.zoho('GET', `paymentmethodsessions/${sessionId}`)).json().payment_method_session.payment_method.status).toBe('deleted');
    expectZohoError(await h.zoho('DELETE', `paymentmethods/${paymentMethodId}`), 404, 'resource_does_not_exist');
    expectZohoError(await h.zoho('PUT', `paymentmethods/${paymentMethodId}`, { body: { type: 'card' } }), 404, 'resource_does_not_exist');
  });

  it('the fixture card (01/30) reads expired once January 2030 has passed; a PUT with a future expiry makes it active', async () => {
    const status = async () => (await h.zoho('GET', `paymentmethods/${FIXTURE_CARD}`)).json().payment_method.status as string;

    h.now = Date.UTC(2030, 0, 31, 23, 59, 59, 999);
    expect(await status()).toBe('active');

    h.now = Date.UTC(2030, 1, 1);
    expect(await status()).toBe('expired');
    const session = (await h.zoho('GET', `paymentmethodsessions/${FIXTURE_SUCCEEDED_SESSION}`)).json().payment_method_session;
    expect(session.payment_method.status).toBe('expired');
    expectZohoError(await h.zoho('PUT', `paymentmethods/${FIXTURE_CARD}`, { body: { type: 'card', card: { expiry_month: '01', expiry_year: '30' } } }), 400, 'invalid_parameter', 'card.expiry_year');

    const renewed = await h.zoho('PUT', `paymentmethods/${FIXTURE_CARD}`, { body: { type: 'card', card: { expiry_month: '02', expiry_year: '30' } } });
    expect(renewed.status).toBe(200);
    expect(renewed.json().payment_method).toMatchObject({ status: 'active', card: { expiry_month: '02', expiry_year: '30' } });
    expect(await status()).toBe('active');
  });

  it('a card completed with this month as expiry expires at the first instant of next month (UTC)', async () => {
    const { paymentMethodId } = await h.completedSession({ card: { number: '4242424242424242', expiry_month: '11', expiry_year: '26' } });
    const status = async () => (await h.zoho('GET', `paymentmethods/${paymentMethodId}`)).json().payment_method.status as string;

    h.now = Date.UTC(2026, 10, 30, 23, 59, 59, 999);
    expect(await status()).toBe('active');
    h.now = Date.UTC(2026, 11, 1);
    expect(await status()).toBe('expired');
  });
});

describe('only the last four digits leave the sandbox (property, over HTTP)', () => {
  it('for random valid card numbers, last_four_digits is the last four and no reply or journal text contains the number', async () => {
    // Real card numbers start 3-6; ids (1987…) and timestamps (17…) cannot contain such a run.
    const cardNumber = fc
      .tuple(fc.constantFrom('3', '4', '5', '6'), fc.integer({ min: 10, max: 17 }).chain((n) => fc.string({ unit: fc.constantFrom(...'0123456789'), minLength: n, maxLength: n })))
      .map(([first, rest]) => withLuhnDigit(first + rest))
      .filter((n) => !['4000000000000002', '4000000000000069', '4000000000009979'].includes(n));

    await fc.assert(
      fc.asyncProperty(cardNumber, async (number) => {
        h.sandbox.reset();
        const sessionId = await h.createSession();
        const reply = await h.complete(sessionId, cardBody(number, number.length === 15 ? { cvc: '1234' } : {}));
        expect(reply.status).toBe(200);
        const methodId = reply.json().payment_method_session.payment_method.payment_method_id as string;
        const method = (await h.zoho('GET', `paymentmethods/${methodId}`)).json().payment_method;
        expect(method.card.last_four_digits).toBe(number.slice(-4));
        expectNeverContains(await everythingReadableAbout(sessionId, reply), number);
      }),
      { numRuns: 40 },
    );
  });
});
