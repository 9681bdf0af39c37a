/**
 * The five emulated Zoho endpoints, over real HTTP, answer the seeds' requests in the seeds'
 * shapes: the same keys and JSON value types, recursively, as test/fixtures/seeds/*.response.json
 * (the retrieve-session reply also carries description and created_time, which the seeds' example
 * omits). Ids are digit strings (sessions 16 digits; new payment methods 19 digits, past 2^53);
 * created_time/last_modified_time come from the injected clock, in seconds, or in milliseconds
 * with `timeUnit: 'milliseconds'`; delete answers the seeds' reply verbatim; PUT replaces what it
 * is given (sandbox/README.md, "The emulated Zoho endpoints").
 */
import {
  ADA,
  BILLING,
  CHARLES,
  FIXTURE_ACH,
  FIXTURE_CARD,
  SEEDS_MOMENT,
  START,
  cardBody,
  seedExample,
  shapeDiff,
  useSandbox,
  type Json,
} from './harness';

const seconds = (ms: number) => Math.floor(ms / 1000);
/** A card completed without a billing address: the seeds' retrieve example has none. */
const SEEDS_LIKE_CARD = { card: { number: '4242424242424242', cvc: '123', card_holder_name: 'Charles' } };

describe("the seeds' requests and replies (clock at the seeds' own created_time, so 01/26 is still ahead)", () => {
  const h = useSandbox();
  beforeEach(() => {
    h.now = SEEDS_MOMENT;
  });

  /** The seeds' create request, then the customer completes the session with a card. */
  async function seedsFlow(): Promise<{ sessionId: string; paymentMethodId: string }> {
    const created = await h.zoho('POST', 'paymentmethodsessions', { body: seedExample('create-session.request') });
    expect(created.status).toBe(200);
    const sessionId = created.json().payment_method_session.payment_method_session_id as string;
    const completed = await h.complete(sessionId, SEEDS_LIKE_CARD);
    expect(completed.status).toBe(200);
    return { sessionId, paymentMethodId: completed.json().payment_method_session.payment_method.payment_method_id as string };
  }

  it("create: the seeds' request body is answered in the seeds' create reply shape, with a 16-digit id and the clock's time", async () => {
    const reply = await h.zoho('POST', 'paymentmethodsessions', {
      body: seedExample('create-session.request'),
      headers: { accept: 'application/json' },
    });

    expect(reply.status).toBe(200);
    expect(reply.headers['content-type']).toMatch(/^application\/json/);
    const body = reply.json();
    expect(shapeDiff(body, seedExample('create-session.response'))).toEqual([]);
    expect(shapeDiff(body.payment_method_session, seedExample('session-attribute'))).toEqual([]);
    const { payment_method_session_id: id, ...rest } = body.payment_method_session as Json;
    expect(id).toMatch(/^\d{16}$/);
    // Everything else is the seeds' example itself: the request's values and, at this clock, its created_time.
    const { payment_method_session_id: _seedId, ...seedRest } = seedExample('create-session.response').payment_method_session as Json;
    expect(rest).toEqual(seedRest);
    expect(body.code).toBe(0);
    expect(body.message).toBe('success');
  });

  it('retrieve session before completion: status created, no payment_method yet', async () => {
    const created = await h.zoho('POST', 'paymentmethodsessions', { body: seedExample('create-session.request') });
    const id = created.json().payment_method_session.payment_method_session_id as string;

    const reply = await h.zoho('GET', `paymentmethodsessions/${id}`);

    expect(reply.status).toBe(200);
    expect(reply.json()).toEqual({
      code: 0,
      message: 'success',
      payment_method_session: {
        payment_method_session_id: id,
        customer_id: CHARLES,
        description: `Payment method session for customer ${CHARLES}`,
        status: 'created',
        created_time: 1708950672,
      },
    });
  });

  it("retrieve session after completion: the seeds' retrieve shape, plus description and created_time (which the seeds' example omits)", async () => {
    const { sessionId, paymentMethodId } = await seedsFlow();

    const reply = await h.zoho('GET', `paymentmethodsessions/${sessionId}`);

    expect(reply.status).toBe(200);
    const body = reply.json();
    // The only differences from the seeds' example: two extra keys the sandbox always sends.
    expect(shapeDiff(body, seedExample('retrieve-session.response'))).toEqual([
      '$.payment_method_session.created_time: extra',
      '$.payment_method_session.description: extra',
    ]);
    expect(body.payment_method_session).toEqual({
      payment_method_session_id: sessionId,
      customer_id: CHARLES,
      description: `Payment method session for customer ${CHARLES}`,
      status: 'succeeded',
      created_time: 1708950672,
      payment_method: { payment_method_id: paymentMethodId, type: 'card', status: 'active', created_time: 1708950672 },
    });
  });

  it("retrieve payment method: exactly the seeds' retrieve shape; a 19-digit id past 2^53", async () => {
    const { paymentMethodId } = await seedsFlow();

    const reply = await h.zoho('GET', `paymentmethods/${paymentMethodId}`);

    expect(reply.status).toBe(200);
    const body = reply.json();
    expect(shapeDiff(body, seedExample('retrieve-payment-method.response'))).toEqual([]);
    expect(shapeDiff(body.payment_method, seedExample('payment-method-attribute'))).toEqual([]);
    expect(paymentMethodId).toMatch(/^\d{19}$/);
    expect(BigInt(paymentMethodId) > 2n ** 53n).toBe(true);
    expect(body.payment_method).toMatchObject({
      payment_method_id: paymentMethodId,
      customer_id: CHARLES,
      customer_name: 'Charles',
      customer_email: 'charles@example.com',
      type: 'card',
      card: { card_holder_name: 'Charles', last_four_digits: '4242', expiry_month: '12', expiry_year: '27' },
      status: 'active',
      currency: 'USD',
      created_time: 1708950672,
      last_modified_time: 1708950672,
    });
  });

  it("update: the seeds' request body is answered in the seeds' update reply shape, and replaces expiry and billing address", async () => {
    const { paymentMethodId } = await seedsFlow();
    h.now = SEEDS_MOMENT + 90_000;
    const request = seedExample('update-payment-method.request');

    const reply = await h.zoho('PUT', `paymentmethods/${paymentMethodId}`, { body: request });

    expect(reply.status).toBe(200);
    const body = reply.json();
    expect(shapeDiff(body, seedExample('update-payment-method.response'))).toEqual([]);
    expect(body.payment_method.card).toMatchObject({ expiry_month: '01', expiry_year: '26', last_four_digits: '4242' });
    expect(body.payment_method.billing_address).toEqual(request.billing_address);
    expect(body.payment_method.created_time).toBe(1708950672);
    expect(body.payment_method.last_modified_time).toBe(1708950672 + 90);
    // What PUT answered is what a later GET reads.
    const read = await h.zoho('GET', `paymentmethods/${paymentMethodId}`);
    expect(read.json().payment_method).toEqual(body.payment_method);
  });

  it('delete: answers {"code":0,"message":"Payment method deleted"} verbatim', async () => {
    const { paymentMethodId } = await seedsFlow();

    const reply = await h.zoho('DELETE', `paymentmethods/${paymentMethodId}`);

    expect(reply.status).toBe(200);
    expect(reply.text).toBe('{"code":0,"message":"Payment method deleted"}');
    expect(reply.json()).toEqual(seedExample('delete-payment-method.response'));
  });

  it("the fixture card (the seeds' example, expiry moved to 01/30) reads as the seeds' reply plus its billing address", async () => {
    const reply = await h.zoho('GET', `paymentmethods/${FIXTURE_CARD}`);

    expect(reply.status).toBe(200);
    const body = reply.json();
    const seeds = seedExample('retrieve-payment-method.response');
    expect(shapeDiff(body, seeds)).toEqual(['$.payment_method.billing_address: extra']);
    const { billing_address: billing, ...withoutBilling } = body.payment_method as Json;
    expect(withoutBilling).toEqual({ ...seeds.payment_method, card: { ...seeds.payment_method.card, expiry_year: '30' } });
    expect(billing).toMatchObject({ city: 'Detroit', country: 'US' });
  });
});

describe('ids and timestamps (clock at 2026-11-24T12:00:00Z)', () => {
  const h = useSandbox();

  it('ids are distinct decimal strings: sessions 16 digits, new payment methods 19 digits that a JS number cannot hold', async () => {
    const sessions = [await h.createSession(), await h.createSession(ADA), await h.createSession()];
    const methods = await Promise.all(
      sessions.map(async (id) => (await h.complete(id, cardBody('5555555555554444'))).json().payment_method_session.payment_method.payment_method_id as string),
    );

    for (const id of sessions) expect(id).toMatch(/^\d{16}$/);
    for (const id of methods) {
      expect(id).toMatch(/^\d{19}$/);
      expect(Number.isSafeInteger(Number(id))).toBe(false);
      expect(BigInt(id) > 2n ** 53n).toBe(true);
    }
    expect(new Set([...sessions, ...methods]).size).toBe(6);
  });

  it('created_time is Unix seconds from the injected clock; PUT moves last_modified_time only', async () => {
    const sessionId = await h.createSession();
    const created = await h.zoho('GET', `paymentmethodsessions/${sessionId}`);
    expect(created.json().payment_method_session.created_time).toBe(seconds(START));
    expect(seconds(START)).toBe(1795521600);

    h.now = START + 90_500;
    const completed = (await h.complete(sessionId, cardBody('4242424242424242'))).json().payment_method_session;
    const methodId = completed.payment_method.payment_method_id as string;
    expect(completed.created_time).toBe(seconds(START)); // the session's own time does not move
    expect(completed.payment_method.created_time).toBe(seconds(START) + 90);

    h.now = START + 3_600_000;
    const updated = await h.zoho('PUT', `paymentmethods/${methodId}`, { body: { type: 'card', card: { expiry_month: '06', expiry_year: '29' } } });
    expect(updated.json().payment_method).toMatchObject({
      created_time: seconds(START) + 90,
      last_modified_time: seconds(START) + 3600,
    });
  });
});

describe('update semantics', () => {
  const h = useSandbox();

  it('PUT on an ACH method replaces the account holder type and the billing address', async () => {
    const reply = await h.zoho('PUT', `paymentmethods/${FIXTURE_ACH}`, {
      body: { type: 'ach_debit', ach_debit: { account_holder_type: 'company' }, billing_address: { country: 'US', city: 'Boston' } },
    });

    expect(reply.status).toBe(200);
    const method = reply.json().payment_method;
    expect(method).toMatchObject({
      payment_method_id: FIXTURE_ACH,
      customer_id: ADA,
      type: 'ach_debit',
      ach_debit: { account_holder_type: 'company', last_four_digits: '6789', routing_number: '110000000' },
      billing_address: { country: 'US', city: 'Boston' },
      status: 'active',
    });
    expect((await h.zoho('GET', `paymentmethods/${FIXTURE_ACH}`)).json().payment_method).toEqual(method);
  });

  it('a billing address given replaces the old one whole (no merge)', async () => {
    const reply = await h.zoho('PUT', `paymentmethods/${FIXTURE_CARD}`, {
      body: { type: 'card', billing_address: { country: 'GB', city: 'London' } },
    });

    expect(reply.status).toBe(200);
    expect(reply.json().payment_method.billing_address).toEqual({ country: 'GB', city: 'London' });
  });

  it('a PUT with only type keeps the card and billing address and bumps last_modified_time', async () => {
    const before = (await h.zoho('GET', `paymentmethods/${FIXTURE_CARD}`)).json().payment_method;
    h.now = START + 5_000;

    const reply = await h.zoho('PUT', `paymentmethods/${FIXTURE_CARD}`, { body: { type: 'card' } });

    expect(reply.status).toBe(200);
    expect(reply.json().payment_method).toEqual({ ...before, last_modified_time: seconds(START) + 5 });
  });

  it('completing with a billing address stores it: the payment method then reads as the seeds\' update reply shape', async () => {
    const { paymentMethodId } = await h.completedSession(cardBody('4242424242424242'));

    const reply = await h.zoho('GET', `paymentmethods/${paymentMethodId}`);

    expect(reply.json().payment_method.billing_address).toEqual(BILLING);
    expect(shapeDiff(reply.json(), seedExample('update-payment-method.response'))).toEqual([
      // The seeds' billing address has every field; this one was given without name, line 2 and state.
      '$.payment_method.billing_address.address_line2: missing',
      '$.payment_method.billing_address.name: missing',
      '$.payment_method.billing_address.state: missing',
    ]);
  });
});

describe("timeUnit 'milliseconds'", () => {
  const h = useSandbox({ timeUnit: 'milliseconds' });

  it('created_time and last_modified_time are epoch milliseconds from the injected clock', async () => {
    h.now = START + 123;
    const created = await h.zoho('POST', 'paymentmethodsessions', { body: seedExample('create-session.request') });
    const session = created.json().payment_method_session;
    expect(session.created_time).toBe(START + 123);
    expect(shapeDiff(created.json(), seedExample('create-session.response'))).toEqual([]);

    h.now = START + 4_567;
    const completed = (await h.complete(session.payment_method_session_id as string, cardBody('4242424242424242'))).json();
    expect(completed.payment_method_session.created_time).toBe(START + 123);
    expect(completed.payment_method_session.payment_method.created_time).toBe(START + 4_567);

    const method = (await h.zoho('GET', `paymentmethods/${completed.payment_method_session.payment_method.payment_method_id}`)).json();
    expect(method.payment_method).toMatchObject({ created_time: START + 4_567, last_modified_time: START + 4_567 });
  });

  it("the fixtures' times (seconds in sandbox/fixtures.ts) are sent in milliseconds too", async () => {
    const reply = await h.zoho('GET', `paymentmethods/${FIXTURE_CARD}`);

    expect(reply.json().payment_method).toMatchObject({ created_time: 1708950672000, last_modified_time: 1708950672000 });
  });
});
