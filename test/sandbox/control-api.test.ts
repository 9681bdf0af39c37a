/**
 * The control API under /__sandbox/, as sandbox/README.md lists it: health; the fixtures after
 * start and after reset (ids, names, last fours, statuses); reset with and without fixtures and
 * everything it forgets; seed (the seeds' JSON objects in, read back through the Zoho endpoints;
 * bad input rejected); tokens with both scope spellings; every fault type (latency, status
 * 500/502/503, rate_limit, drop, malformed_json, unexpected_shape) with its count, endpoint and
 * account filters, `*`, and GET/DELETE of the queue; the rate limit; the request journal.
 */
import { spawn } from 'node:child_process';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { startSandbox } from '../../sandbox/server';
import {
  ACCOUNT,
  ADA,
  CHARLES,
  FIXTURE_ACH,
  FIXTURE_CARD,
  FIXTURE_OPEN_SESSION,
  FIXTURE_SUCCEEDED_SESSION,
  OTHER_ACCOUNT,
  OTHER_TOKEN,
  SEEDS_MOMENT,
  START,
  achBody,
  cardBody,
  expectZohoError,
  rawRequest,
  seedExample,
  sleep,
  useSandbox,
  type Json,
} from './harness';

const h = useSandbox();

const getCard = (options = {}) => h.zoho('GET', `paymentmethods/${FIXTURE_CARD}`, options);
const addFault = async (fault: Json) => {
  const reply = await h.control('POST', 'faults', fault);
  expect(reply.status).toBe(200);
  return reply.json().fault as Json;
};
const queuedFaults = async () => (await h.control('GET', 'faults')).json().faults as Json[];
const journal = async () => (await h.control('GET', 'requests')).json().requests as Json[];

it('GET /__sandbox/health → {"status":"ok"}', async () => {
  const reply = await h.control('GET', 'health');

  expect(reply.status).toBe(200);
  expect(reply.json()).toEqual({ status: 'ok' });
});

it('an unknown control path is a 404', async () => {
  expect((await h.control('GET', 'nothing-here')).status).toBe(404);
  expect((await h.control('GET', 'reset')).status).toBe(404);
});

describe('fixtures (README, Fixtures)', () => {
  async function expectFixtures(zoho: typeof h.zoho): Promise<void> {
    const card = await zoho('GET', `paymentmethods/${FIXTURE_CARD}`);
    expect(card.status).toBe(200);
    expect(card.json().payment_method).toEqual({
      payment_method_id: FIXTURE_CARD,
      customer_id: CHARLES,
      customer_name: 'Charles',
      customer_email: 'charles@example.com',
      type: 'card',
      card: {
        card_holder_name: 'Charles',
        last_four_digits: '3212',
        expiry_month: '01',
        expiry_year: '30',
        card_checks: { address_line_check: 'pass', postal_code_check: 'pass', cvc_check: 'pass' },
      },
      status: 'active',
      currency: 'USD',
      billing_address: expect.objectContaining({ city: 'Detroit', country: 'US' }),
      created_time: 1708950672,
      last_modified_time: 1708950672,
    });

    const ach = (await zoho('GET', `paymentmethods/${FIXTURE_ACH}`)).json().payment_method;
    expect(ach).toMatchObject({
      payment_method_id: FIXTURE_ACH,
      customer_id: ADA,
      customer_name: 'Ada',
      customer_email: 'ada@example.com',
      type: 'ach_debit',
      ach_debit: { routing_number: '110000000', account_type: 'checking', last_four_digits: '6789' },
      status: 'active',
    });

    const succeeded = (await zoho('GET', `paymentmethodsessions/${FIXTURE_SUCCEEDED_SESSION}`)).json().payment_method_session;
    expect(succeeded).toMatchObject({
      payment_method_session_id: FIXTURE_SUCCEEDED_SESSION,
      customer_id: CHARLES,
      status: 'succeeded',
      payment_method: { payment_method_id: FIXTURE_CARD, type: 'card', status: 'active' },
    });

    const open = (await zoho('GET', `paymentmethodsessions/${FIXTURE_OPEN_SESSION}`)).json().payment_method_session;
    expect(open).toMatchObject({ payment_method_session_id: FIXTURE_OPEN_SESSION, customer_id: ADA, status: 'created' });
    expect(open).not.toHaveProperty('payment_method');
  }

  it('are present right after start', async () => {
    const fresh = await startSandbox({ now: () => START }, 0);
    try {
      await expectFixtures((method, resource, options = {}) =>
        rawRequest(fresh.origin, method, `/api/v1/${resource}?account_id=${options.account ?? ACCOUNT}`, options),
      );
    } finally {
      await fresh.close();
    }
  });

  it('are back after POST /__sandbox/reset, whatever happened to them', async () => {
    await h.zoho('DELETE', `paymentmethods/${FIXTURE_CARD}`);
    await h.zoho('PUT', `paymentmethods/${FIXTURE_ACH}`, { body: { type: 'ach_debit', ach_debit: { account_holder_type: 'company' } } });
    await h.complete(FIXTURE_OPEN_SESSION, achBody('000123456789'));

    expect((await h.control('POST', 'reset')).json()).toEqual({ code: 0, message: 'success' });

    await expectFixtures(h.zoho);
  });
});

describe('POST /__sandbox/reset', () => {
  it.each([['no body', undefined], ['{}', {}], ['{"fixtures": true}', { fixtures: true }]])('with %s reloads the fixtures', async (_what, body) => {
    await h.zoho('DELETE', `paymentmethods/${FIXTURE_CARD}`);

    expect((await h.control('POST', 'reset', body)).status).toBe(200);

    expect((await getCard()).json().payment_method.status).toBe('active');
  });

  it('with {"fixtures": false} leaves the account empty, customers too, but the sandbox tokens still work', async () => {
    expect((await h.control('POST', 'reset', { fixtures: false })).status).toBe(200);

    expectZohoError(await getCard(), 404, 'resource_does_not_exist');
    expectZohoError(await h.zoho('GET', `paymentmethods/${FIXTURE_ACH}`, { token: 'sandbox_read' }), 404, 'resource_does_not_exist');
    expectZohoError(await h.zoho('GET', `paymentmethodsessions/${FIXTURE_SUCCEEDED_SESSION}`), 404, 'resource_does_not_exist');
    expectZohoError(await h.complete(FIXTURE_OPEN_SESSION, achBody('000123456789')), 404, 'resource_does_not_exist');
    // Strict mode: Charles went with the fixtures, until a seed brings him back.
    expectZohoError(await h.zoho('POST', 'paymentmethodsessions', { body: { customer_id: CHARLES } }), 404, 'resource_does_not_exist', 'customer');
    await h.addCustomer(CHARLES, ACCOUNT);
    expect((await h.zoho('POST', 'paymentmethodsessions', { body: { customer_id: CHARLES } })).status).toBe(200);
  });

  it('forgets added tokens, other accounts, faults, the journal and the rate limit', async () => {
    await h.addToken();
    await h.control('POST', 'seed', { account_id: OTHER_ACCOUNT, customers: [{ customer_id: '42' }], payment_methods: [{ payment_method_id: '777', customer_id: '42', type: 'ach_debit', ach_debit: { last_four_digits: '1234' } }] });
    expect((await h.zoho('GET', 'paymentmethods/777', { token: OTHER_TOKEN, account: OTHER_ACCOUNT })).status).toBe(200);
    await addFault({ endpoint: 'retrievePaymentMethodSession', type: 'status', status: 503, count: 5 });
    await h.control('PUT', 'rate-limit', { requests_per_minute: 2 });
    await getCard();
    expect(await journal()).toHaveLength(2);

    await h.control('POST', 'reset', {});

    expect(await journal()).toEqual([]);
    expect(await queuedFaults()).toEqual([]);
    expectZohoError(await h.zoho('GET', 'paymentmethods/777', { token: OTHER_TOKEN, account: OTHER_ACCOUNT }), 401, 'invalid_oauth_token');
    for (let i = 0; i < 4; i += 1) expect((await h.zoho('GET', `paymentmethodsessions/${FIXTURE_SUCCEEDED_SESSION}`)).status).toBe(200);
    await h.addToken();
    expectZohoError(await h.zoho('GET', 'paymentmethods/777', { token: OTHER_TOKEN, account: OTHER_ACCOUNT }), 404, 'resource_does_not_exist');
  });

  it('a body that is not JSON → 400 invalid_json', async () => {
    expectZohoError(await h.control('POST', 'reset', 'fixtures=false'), 400, 'invalid_json');
  });
});

describe('POST /__sandbox/seed', () => {
  beforeEach(async () => {
    h.now = SEEDS_MOMENT; // so the seeds' card (01/26) and session are current
    await h.addToken();
  });
  const other = { token: OTHER_TOKEN, account: OTHER_ACCOUNT };

  it("takes the seeds' JSON objects and replies with what it stored; the Zoho endpoints read them back unchanged", async () => {
    const method = seedExample('payment-method-attribute');
    const session = seedExample('session-attribute');

    const reply = await h.control('POST', 'seed', { account_id: OTHER_ACCOUNT, payment_methods: [method], payment_method_sessions: [session] });

    expect(reply.status).toBe(200);
    expect(reply.json()).toEqual({
      code: 0,
      message: 'success',
      account_id: OTHER_ACCOUNT,
      customers: [],
      payment_methods: [method],
      payment_method_sessions: [{ ...session, status: 'created' }],
    });
    expect((await h.zoho('GET', `paymentmethods/${method.payment_method_id}`, other)).json()).toEqual(seedExample('retrieve-payment-method.response'));
    expect((await h.zoho('GET', `paymentmethodsessions/${session.payment_method_session_id}`, other)).json().payment_method_session).toEqual({
      ...session,
      status: 'created',
    });
  });

  it("the seeds' update reply (with a billing address) goes in and reads back unchanged", async () => {
    const method = seedExample('update-payment-method.response').payment_method as Json;

    expect((await h.control('POST', 'seed', { account_id: OTHER_ACCOUNT, payment_methods: [method] })).status).toBe(200);

    expect((await h.zoho('GET', `paymentmethods/${method.payment_method_id}`, other)).json().payment_method).toEqual(method);
  });

  it('seeded objects follow the rules: the seeds\' card reads expired once 01/26 has passed', async () => {
    await h.control('POST', 'seed', { account_id: OTHER_ACCOUNT, payment_methods: [seedExample('payment-method-attribute')] });

    h.now = START;

    expect((await h.zoho('GET', `paymentmethods/${FIXTURE_CARD}`, other)).json().payment_method.status).toBe('expired');
  });

  it('ids are optional: a seeded payment method gets 19 digits, a session 16; customers are registered', async () => {
    const { payment_method_id: _pm, ...method } = seedExample('payment-method-attribute');
    const { payment_method_session_id: _s, ...session } = seedExample('session-attribute');

    const reply = await h.control('POST', 'seed', {
      account_id: OTHER_ACCOUNT,
      customers: [{ customer_id: '5', customer_name: 'Grace', customer_email: 'grace@example.com' }],
      payment_methods: [method, { customer_id: '5', type: 'ach_debit', ach_debit: { last_four_digits: '0001' } }],
      payment_method_sessions: [session],
    });

    const body = reply.json();
    expect(body.payment_methods[0].payment_method_id).toMatch(/^\d{19}$/);
    expect(body.payment_method_sessions[0].payment_method_session_id).toMatch(/^\d{16}$/);
    const grace = (await h.zoho('GET', `paymentmethods/${body.payment_methods[1].payment_method_id}`, other)).json().payment_method;
    expect(grace).toMatchObject({ customer_name: 'Grace', customer_email: 'grace@example.com', status: 'active' });
  });

  // README: seed "adds Zoho-shaped objects (the seeds' JSON)". A session as the seeds show it
  // carries its payment method nested (`payment_method: {payment_method_id, ...}`); the sandbox's
  // seed schema only knows a flat `payment_method_id` (sandbox/control-api.ts seedSession) and zod
  // strips the nested object, so the session is stored `succeeded` without its payment method.
  it("a succeeded session as the seeds show it (nested payment_method) reads back with its payment method", async () => {
    const session = seedExample('retrieve-session.response').payment_method_session as Json;
    const method = { ...seedExample('payment-method-attribute'), payment_method_id: session.payment_method.payment_method_id };

    const reply = await h.control('POST', 'seed', { account_id: OTHER_ACCOUNT, payment_methods: [method], payment_method_sessions: [session] });
    expect(reply.status).toBe(200);

    const read = (await h.zoho('GET', `paymentmethodsessions/${session.payment_method_session_id}`, other)).json().payment_method_session;
    expect(read).toMatchObject(session);
  });

  it.each<[string, unknown, string, string]>([
    ['a body that is not JSON', 'account_id=1', 'invalid_json', ''],
    ['no account_id', { payment_methods: [] }, 'required_parameter_missing', 'account_id'],
    ['an account_id that is not digits', { account_id: 'acct' }, 'invalid_parameter', 'account_id'],
    ['payment_methods not an array', { account_id: OTHER_ACCOUNT, payment_methods: {} }, 'invalid_parameter', 'payment_methods'],
    ['a payment method without customer_id', { account_id: OTHER_ACCOUNT, payment_methods: [{ type: 'ach_debit', ach_debit: { last_four_digits: '1234' } }] }, 'required_parameter_missing', 'payment_methods.0.customer_id'],
    ['a card type without card', { account_id: OTHER_ACCOUNT, payment_methods: [{ customer_id: '5', type: 'card' }] }, 'required_parameter_missing', 'card'],
    ['a full card number as last_four_digits', { account_id: OTHER_ACCOUNT, payment_methods: [{ customer_id: '5', type: 'card', card: { last_four_digits: '4242424242424242', expiry_month: '12', expiry_year: '30' } }] }, 'invalid_parameter', 'last_four_digits'],
    ['an unknown session status', { account_id: OTHER_ACCOUNT, payment_method_sessions: [{ customer_id: '5', status: 'pending' }] }, 'invalid_parameter', 'payment_method_sessions.0.status'],
  ])('bad input → 400: %s', async (_what, body, code, field) => {
    const reply = await h.control('POST', 'seed', body);

    const error = expectZohoError(reply, 400, code, field);
    expect(error.message).not.toContain('4242424242424242');
  });

  // A seed is all or nothing: the whole input is validated before anything is stored.
  it('a rejected seed stores nothing', async () => {
    const reply = await h.control('POST', 'seed', {
      account_id: OTHER_ACCOUNT,
      payment_methods: [
        { payment_method_id: '701', customer_id: '5', type: 'ach_debit', ach_debit: { last_four_digits: '1234' } },
        { payment_method_id: '702', customer_id: '5', type: 'card' },
      ],
    });
    expectZohoError(reply, 400, 'required_parameter_missing', 'card');

    expectZohoError(await h.zoho('GET', 'paymentmethods/701', other), 404, 'resource_does_not_exist');
  });
});

describe('POST /__sandbox/tokens', () => {
  it('takes scopes in both spellings, replies with the full names (never the token), and the token gets exactly those', async () => {
    const reply = await h.control('POST', 'tokens', { token: 'half', account_id: OTHER_ACCOUNT, scopes: ['READ', 'ZohoPay.paymentmethods.CREATE'] });

    expect(reply.json()).toEqual({
      code: 0,
      message: 'success',
      token: { account_id: OTHER_ACCOUNT, scopes: ['ZohoPay.paymentmethods.READ', 'ZohoPay.paymentmethods.CREATE'] },
    });
    expect(reply.text).not.toContain('half');
    const as = { token: 'half', account: OTHER_ACCOUNT };
    await h.addCustomer('9');
    const sessionId = (await h.zoho('POST', 'paymentmethodsessions', { ...as, body: { customer_id: '9' } })).json().payment_method_session.payment_method_session_id;
    expect((await h.zoho('GET', `paymentmethodsessions/${sessionId}`, as)).status).toBe(200);
    expectZohoError(await h.zoho('PUT', 'paymentmethods/1', { ...as, body: { type: 'card' } }), 403, 'oauth_scope_mismatch', 'ZohoPay.paymentmethods.UPDATE');
    expectZohoError(await h.zoho('DELETE', 'paymentmethods/1', as), 403, 'oauth_scope_mismatch', 'ZohoPay.paymentmethods.DELETE');
    // The token belongs to its own account only.
    expectZohoError(await h.zoho('GET', `paymentmethods/${FIXTURE_CARD}`, { token: 'half' }), 400, 'invalid_account_id');
  });

  it('without scopes grants all four; a token for the sandbox account sees the fixtures', async () => {
    const reply = await h.control('POST', 'tokens', { token: 'all', account_id: ACCOUNT });

    expect(reply.json().token.scopes).toEqual(['CREATE', 'READ', 'UPDATE', 'DELETE'].map((s) => `ZohoPay.paymentmethods.${s}`));
    expect((await getCard({ token: 'all' })).status).toBe(200);
    expect((await h.zoho('DELETE', `paymentmethods/${FIXTURE_CARD}`, { token: 'all' })).status).toBe(200);
  });

  it.each<[string, Json, string, string]>([
    ['an unknown scope', { token: 't', account_id: OTHER_ACCOUNT, scopes: ['WRITE'] }, 'invalid_parameter', 'scopes.0'],
    ['another API\'s scope', { token: 't', account_id: OTHER_ACCOUNT, scopes: ['ZohoPay.payments.READ'] }, 'invalid_parameter', 'scopes.0'],
    ['no token', { account_id: OTHER_ACCOUNT }, 'required_parameter_missing', 'token'],
    ['a token with a space', { token: 'a b', account_id: OTHER_ACCOUNT }, 'invalid_parameter', 'token'],
    ['no account_id', { token: 't' }, 'required_parameter_missing', 'account_id'],
    ['an account_id that is not digits', { token: 't', account_id: 'x1' }, 'invalid_parameter', 'account_id'],
  ])('bad input → 400: %s', async (_what, body, code, field) => {
    expectZohoError(await h.control('POST', 'tokens', body), 400, code, field);
  });
});

describe('faults', () => {
  it('latency: waits at least latency_ms, then answers normally', async () => {
    const LATENCY_MS = 300;
    await addFault({ endpoint: 'retrievePaymentMethod', type: 'latency', latency_ms: LATENCY_MS });

    const started = performance.now();
    const reply = await getCard();
    const elapsed = performance.now() - started;

    // libuv's timers count whole milliseconds, so allow the 1 ms the loop clock may lag behind.
    expect(elapsed).toBeGreaterThanOrEqual(LATENCY_MS - 1);
    expect(reply.status).toBe(200);
    expect(reply.json().payment_method.payment_method_id).toBe(FIXTURE_CARD);
    const fast = performance.now();
    await getCard();
    expect(performance.now() - fast).toBeLessThan(LATENCY_MS);
  });

  it.each([
    [500, 'Internal error.'],
    [503, 'Service unavailable.'],
  ])("status %i: Zoho's JSON {\"code\":\"error\"}", async (status, message) => {
    await addFault({ endpoint: 'retrievePaymentMethod', type: 'status', status });

    const reply = await getCard();

    expectZohoError(reply, status, 'error');
    expect(reply.json()).toEqual({ code: 'error', message });
  });

  it("status 502: a load balancer's HTML page, not JSON", async () => {
    await addFault({ endpoint: 'retrievePaymentMethod', type: 'status', status: 502 });

    const reply = await getCard();

    expect(reply.status).toBe(502);
    expect(reply.headers['content-type']).toMatch(/^text\/html/);
    expect(reply.text).toMatch(/^<html>.*502 Bad Gateway.*<\/html>$/);
    expect(() => JSON.parse(reply.text)).toThrow();
  });

  it.each([
    [undefined, '1'],
    [7, '7'],
  ])('rate_limit (retry_after %s): 429 rate_limit_exceeded with Retry-After %s', async (retryAfter, header) => {
    await addFault({ endpoint: 'updatePaymentMethod', type: 'rate_limit', ...(retryAfter !== undefined && { retry_after: retryAfter }) });

    const reply = await h.zoho('PUT', `paymentmethods/${FIXTURE_CARD}`, { body: { type: 'card' } });

    expectZohoError(reply, 429, 'rate_limit_exceeded', `${header} second`);
    expect(reply.headers['retry-after']).toBe(header);
  });

  it('drop: the connection closes without a reply (socket hang up / reset), and nothing happens', async () => {
    await addFault({ endpoint: 'deletePaymentMethod', type: 'drop' });

    const error = await h.zoho('DELETE', `paymentmethods/${FIXTURE_CARD}`).then(
      () => undefined,
      (e: unknown) => e as NodeJS.ErrnoException,
    );

    expect(error).toBeDefined();
    expect(error?.code).toBe('ECONNRESET');
    expect(error?.message).toBe('socket hang up');
    expect((await getCard()).json().payment_method.status).toBe('active');
    expect((await journal())[0]).toMatchObject({ endpoint: 'deletePaymentMethod', status: 'dropped', fault: 'drop' });
  });

  it.each([
    ['retrievePaymentMethod', () => getCard()],
    ['retrievePaymentMethodSession', () => h.zoho('GET', `paymentmethodsessions/${FIXTURE_SUCCEEDED_SESSION}`)],
  ])('malformed_json on %s: 200 whose body does not parse', async (endpoint, call) => {
    await addFault({ endpoint, type: 'malformed_json' });

    const reply = await call();

    expect(reply.status).toBe(200);
    expect(reply.headers['content-type']).toMatch(/^application\/json/);
    expect(reply.text.startsWith('{"code":0,"message":"success"')).toBe(true);
    expect(() => JSON.parse(reply.text)).toThrow(SyntaxError);
  });

  it('unexpected_shape: 200 with {"code":0,"message":"success"} and no payload', async () => {
    await addFault({ endpoint: 'createPaymentMethodSession', type: 'unexpected_shape' });

    const reply = await h.zoho('POST', 'paymentmethodsessions', { body: { customer_id: CHARLES } });

    expect(reply.status).toBe(200);
    expect(reply.json()).toEqual({ code: 0, message: 'success' });
  });

  it('a fault applies before authentication: no token still gets the outage', async () => {
    await addFault({ endpoint: 'retrievePaymentMethod', type: 'status', status: 503 });

    expectZohoError(await getCard({ token: null }), 503, 'error');
    expectZohoError(await getCard({ token: null }), 401, 'invalid_oauth_token');
  });

  it('a faulted call does not run: a DELETE answered 503 deletes nothing', async () => {
    await addFault({ endpoint: 'deletePaymentMethod', type: 'status', status: 503 });

    expect((await h.zoho('DELETE', `paymentmethods/${FIXTURE_CARD}`)).status).toBe(503);

    expect((await getCard()).json().payment_method.status).toBe('active');
  });

  it('count: consumed exactly N times, GET /__sandbox/faults showing what remains', async () => {
    const queued = await addFault({ endpoint: 'retrievePaymentMethod', type: 'status', status: 503, count: 3 });
    expect(queued).toEqual({ id: expect.any(Number), fault: { endpoint: 'retrievePaymentMethod', type: 'status', status: 503, count: 3 }, remaining: 3 });

    for (const remaining of [2, 1]) {
      expect((await getCard()).status).toBe(503);
      expect(await queuedFaults()).toEqual([{ ...queued, remaining }]);
    }
    expect((await getCard()).status).toBe(503);
    expect(await queuedFaults()).toEqual([]);
    expect((await getCard()).status).toBe(200);
  });

  it('count defaults to 1 (and rate_limit to retry_after 1)', async () => {
    const queued = await addFault({ endpoint: 'retrievePaymentMethod', type: 'rate_limit' });
    expect(queued.fault).toEqual({ endpoint: 'retrievePaymentMethod', type: 'rate_limit', count: 1, retry_after: 1 });

    expect((await getCard()).status).toBe(429);
    expect((await getCard()).status).toBe(200);
  });

  it('endpoint: only that endpoint is faulted', async () => {
    await addFault({ endpoint: 'retrievePaymentMethod', type: 'status', status: 500 });

    expect((await h.zoho('GET', `paymentmethodsessions/${FIXTURE_SUCCEEDED_SESSION}`)).status).toBe(200);
    expect((await h.zoho('PUT', `paymentmethods/${FIXTURE_CARD}`, { body: { type: 'card' } })).status).toBe(200);
    expect((await h.zoho('POST', 'paymentmethodsessions', { body: { customer_id: CHARLES } })).status).toBe(200);
    expect(await queuedFaults()).toHaveLength(1);
    expect((await getCard()).status).toBe(500);
  });

  it('account_id: only calls for that account are faulted', async () => {
    await h.addToken();
    await addFault({ endpoint: 'retrievePaymentMethod', type: 'status', status: 503, account_id: OTHER_ACCOUNT });

    expect((await getCard()).status).toBe(200);
    expect((await getCard({ account: null })).status).toBe(400);
    expect(await queuedFaults()).toHaveLength(1);
    expect((await h.zoho('GET', `paymentmethods/${FIXTURE_CARD}`, { token: OTHER_TOKEN, account: OTHER_ACCOUNT })).status).toBe(503);
    expect(await queuedFaults()).toEqual([]);
  });

  it('"*" matches every endpoint', async () => {
    await addFault({ endpoint: '*', type: 'status', status: 500, count: 5 });

    const calls = [
      () => h.zoho('POST', 'paymentmethodsessions', { body: { customer_id: CHARLES } }),
      () => h.zoho('GET', `paymentmethodsessions/${FIXTURE_SUCCEEDED_SESSION}`),
      () => getCard(),
      () => h.zoho('PUT', `paymentmethods/${FIXTURE_CARD}`, { body: { type: 'card' } }),
      () => h.zoho('DELETE', `paymentmethods/${FIXTURE_CARD}`),
    ];
    for (const call of calls) expect((await call()).status).toBe(500);
    for (const call of calls) expect((await call()).status).toBe(200);
    expect((await journal()).map((e) => e.endpoint)).toEqual([
      'createPaymentMethodSession',
      'retrievePaymentMethodSession',
      'retrievePaymentMethod',
      'updatePaymentMethod',
      'deletePaymentMethod',
      'createPaymentMethodSession',
      'retrievePaymentMethodSession',
      'retrievePaymentMethod',
      'updatePaymentMethod',
      'deletePaymentMethod',
    ]);
  });

  it('the first queued fault that matches is used', async () => {
    await addFault({ endpoint: 'retrievePaymentMethod', type: 'status', status: 503 });
    await addFault({ endpoint: '*', type: 'status', status: 500 });

    expect((await getCard()).status).toBe(503);
    expect((await getCard()).status).toBe(500);
    expect((await getCard()).status).toBe(200);
  });

  it('DELETE /__sandbox/faults clears the queue', async () => {
    await addFault({ endpoint: '*', type: 'drop', count: 10 });
    await addFault({ endpoint: 'retrievePaymentMethod', type: 'latency', latency_ms: 5000 });
    expect(await queuedFaults()).toHaveLength(2);

    expect((await h.control('DELETE', 'faults')).json()).toEqual({ code: 0, message: 'success' });

    expect(await queuedFaults()).toEqual([]);
    expect((await getCard()).status).toBe(200);
  });

  it.each<[string, Json, string]>([
    ['an unknown endpoint', { endpoint: 'listPaymentMethods', type: 'drop' }, 'endpoint'],
    ['status 404', { endpoint: '*', type: 'status', status: 404 }, 'status'],
    ['an unknown type', { endpoint: '*', type: 'timeout' }, 'type'],
    ['latency without latency_ms', { endpoint: '*', type: 'latency' }, 'latency_ms'],
    ['count 0', { endpoint: '*', type: 'drop', count: 0 }, 'count'],
    ['an account_id that is not digits', { endpoint: '*', type: 'drop', account_id: 'acct' }, 'account_id'],
  ])('bad fault → 400: %s', async (_what, fault, field) => {
    const reply = await h.control('POST', 'faults', fault);

    expect(reply.status).toBe(400);
    expect(reply.json().code).toMatch(/^(invalid_parameter|required_parameter_missing)$/);
    expect(reply.json().message).toContain(field);
    expect(await queuedFaults()).toEqual([]);
  });

  // README: a body over 1 MB is 400 invalid_json. With a latency fault the sandbox sleeps before it
  // awaits the body (sandbox/server.ts handle: `await sleep(fault.latency_ms)` while `bodyPromise`
  // has no handler yet), so the body's rejection is unhandled and Node ends the process. Jest
  // forgives a rejection handled late, so this runs `npm run sandbox` (sandbox/main.ts, which calls
  // startSandbox) as a child process, as a developer would, and checks it answers and survives.
  it('a latency fault and a body over 1 MB: 400 invalid_json, and `npm run sandbox` stays up', async () => {
    const child = spawn(process.execPath, ['--import', 'tsx', path.join(__dirname, '..', '..', 'sandbox', 'main.ts')], {
      env: { ...process.env, SANDBOX_PORT: '0', SANDBOX_HOST: '127.0.0.1' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
    try {
      const origin = await new Promise<string>((resolve, reject) => {
        let out = '';
        child.stdout.on('data', (chunk: Buffer) => {
          out += chunk.toString();
          const match = /listening at (http:\/\/127\.0\.0\.1:\d+)\/api\/v1/.exec(out);
          if (match?.[1]) resolve(match[1]);
        });
        child.once('exit', (code) => reject(new Error(`sandbox exited (${code}) before listening`)));
      });
      const fault = await rawRequest(origin, 'POST', '/__sandbox/faults', { token: null, body: { endpoint: 'updatePaymentMethod', type: 'latency', latency_ms: 200 } });
      expect(fault.status).toBe(200);

      const outcome = await rawRequest(origin, 'PUT', `/api/v1/paymentmethods/${FIXTURE_CARD}?account_id=${ACCOUNT}`, {
        body: `{"type":"card","x":"${'x'.repeat(1024 * 1024)}"}`,
      }).then(
        (reply) => `HTTP ${reply.status} ${reply.json().code}`,
        (error: Error) => `no reply: ${error.message}`,
      );
      await sleep(100);

      expect(outcome).toBe('HTTP 400 invalid_json');
      expect(child.exitCode).toBeNull();
      expect((await rawRequest(origin, 'GET', '/__sandbox/health', { token: null })).json()).toEqual({ status: 'ok' });
    } finally {
      if (child.exitCode === null) child.kill('SIGTERM');
      await exited;
    }
  });
});

describe('PUT /__sandbox/rate-limit', () => {
  it('sets the per-minute limit per account, 0 turns it off', async () => {
    expect((await h.control('PUT', 'rate-limit', { requests_per_minute: 2 })).json()).toEqual({ code: 0, message: 'success', requests_per_minute: 2 });
    expect((await getCard()).status).toBe(200);
    expect((await getCard()).status).toBe(200);
    const limited = await getCard();
    expectZohoError(limited, 429, 'rate_limit_exceeded');
    expect(limited.headers['retry-after']).toBe('60');

    expect((await h.control('PUT', 'rate-limit', { requests_per_minute: 0 })).json().requests_per_minute).toBe(0);

    expect((await getCard()).status).toBe(200);
  });

  it.each([[{}], [{ requests_per_minute: -1 }], [{ requests_per_minute: 1.5 }], [{ requests_per_minute: '600' }]])('bad body %j → 400', async (body) => {
    const reply = await h.control('PUT', 'rate-limit', body);

    expect(reply.status).toBe(400);
    expect(reply.json().message).toContain('requests_per_minute');
  });
});

describe('the journal: GET/DELETE /__sandbox/requests', () => {
  it('lists every emulated-endpoint call oldest first, with the documented fields and never a token or a body', async () => {
    await h.zoho('POST', 'paymentmethodsessions', { body: { customer_id: CHARLES, description: 'body-marker-do-not-journal' } });
    h.now = START + 1000;
    await getCard({ token: 'leaky-token-value' });
    await addFault({ endpoint: 'retrievePaymentMethodSession', type: 'status', status: 503 });
    await h.zoho('GET', `paymentmethodsessions/${FIXTURE_SUCCEEDED_SESSION}`, { token: null });
    await h.zoho('PUT', `paymentmethods/${FIXTURE_CARD}`, { token: 'sandbox_read', body: { type: 'card' } });
    // Not emulated-endpoint calls: the control API and completing a session.
    await h.complete(FIXTURE_OPEN_SESSION, cardBody('4242424242424242'));
    await h.control('GET', 'faults');

    const reply = await h.control('GET', 'requests');

    expect(reply.status).toBe(200);
    const entries = reply.json().requests as Json[];
    const at = expect.stringMatching(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/);
    expect(entries).toEqual([
      { endpoint: 'createPaymentMethodSession', method: 'POST', path: '/api/v1/paymentmethodsessions', account_id: ACCOUNT, status: 200, fault: null, at },
      { endpoint: 'retrievePaymentMethod', method: 'GET', path: `/api/v1/paymentmethods/${FIXTURE_CARD}`, account_id: ACCOUNT, status: 401, fault: null, at },
      { endpoint: 'retrievePaymentMethodSession', method: 'GET', path: `/api/v1/paymentmethodsessions/${FIXTURE_SUCCEEDED_SESSION}`, account_id: ACCOUNT, status: 503, fault: 'status', at },
      { endpoint: 'updatePaymentMethod', method: 'PUT', path: `/api/v1/paymentmethods/${FIXTURE_CARD}`, account_id: ACCOUNT, status: 403, fault: null, at },
    ]);
    for (const secret of ['sandbox_full', 'sandbox_read', 'leaky-token-value', 'Zoho-oauthtoken', 'body-marker-do-not-journal', '4242424242424242', 'customer_id']) {
      expect(reply.text).not.toContain(secret);
    }
  });

  it('records a call without account_id as null, and a latency fault by its type', async () => {
    await addFault({ endpoint: 'retrievePaymentMethod', type: 'latency', latency_ms: 1 });
    await getCard();
    await getCard({ account: null });

    expect(await journal()).toEqual([
      expect.objectContaining({ endpoint: 'retrievePaymentMethod', status: 200, fault: 'latency' }),
      expect.objectContaining({ endpoint: 'retrievePaymentMethod', status: 400, fault: null, account_id: null }),
    ]);
  });

  it('DELETE clears it', async () => {
    await getCard();
    expect(await journal()).toHaveLength(1);

    expect((await h.control('DELETE', 'requests')).json()).toEqual({ code: 0, message: 'success' });

    expect(await journal()).toEqual([]);
    await getCard();
    expect(await journal()).toHaveLength(1);
  });
});
