/**
 * Every row of sandbox/README.md's error table, each reached over real HTTP: the status, the exact
 * `code`, a message naming the field or credential at fault, and the promised headers (Allow on
 * 405, Retry-After on 429); a bare plain-text 404 for unknown paths; a generic 500 without a stack
 * trace. Then the order the table says the checks run in, with two faults in one request at a time.
 * State is per account: another account's ids do not exist.
 */
import {
  ACCOUNT,
  FIXTURE_ACH,
  FIXTURE_CARD,
  FIXTURE_OPEN_SESSION,
  FIXTURE_SUCCEEDED_SESSION,
  OTHER_ACCOUNT,
  OTHER_TOKEN,
  READ_ONLY,
  START,
  UNKNOWN_ID,
  expectZohoError,
  useSandbox,
  type Reply,
} from './harness';

const h = useSandbox();

/** One call per emulated endpoint, each valid except for what a test changes. */
const ENDPOINTS = [
  { name: 'createPaymentMethodSession', method: 'POST', resource: 'paymentmethodsessions', body: { customer_id: '1987000000724207' } },
  { name: 'retrievePaymentMethodSession', method: 'GET', resource: `paymentmethodsessions/${FIXTURE_SUCCEEDED_SESSION}` },
  { name: 'retrievePaymentMethod', method: 'GET', resource: `paymentmethods/${FIXTURE_CARD}` },
  { name: 'updatePaymentMethod', method: 'PUT', resource: `paymentmethods/${FIXTURE_CARD}`, body: { type: 'card' } },
  { name: 'deletePaymentMethod', method: 'DELETE', resource: `paymentmethods/${FIXTURE_CARD}` },
] as const;

const updateCard = (body: unknown, token?: string | null) => h.zoho('PUT', `paymentmethods/${FIXTURE_CARD}`, { body, token });
const createSession = (body: unknown, token?: string | null) => h.zoho('POST', 'paymentmethodsessions', { body, token });

describe('404: a path that is not an endpoint is a plain-text Not Found, not JSON', () => {
  it.each([
    ['GET', '/'],
    ['GET', '/api/v1'],
    ['GET', '/api/v1/paymentmethods'],
    ['GET', '/api/v1/paymentmethods/'],
    ['GET', `/api/v1/paymentmethods/${FIXTURE_CARD}/extra`],
    ['GET', `/api/v2/paymentmethods/${FIXTURE_CARD}`],
    ['GET', '/api/v1/customers/1987000000724207'],
    ['POST', '/api/v1/payments'],
  ])('%s %s', async (method, path) => {
    const reply = await h.request(method, `${path}?account_id=${ACCOUNT}`);

    expect(reply.status).toBe(404);
    expect(reply.headers['content-type']).toMatch(/^text\/plain/);
    expect(reply.text).toBe('Not Found');
    expect(() => JSON.parse(reply.text)).toThrow();
  });
});

describe('405 method_not_allowed, with an Allow header', () => {
  it.each([
    ['GET', '/api/v1/paymentmethodsessions', 'POST'],
    ['PUT', '/api/v1/paymentmethodsessions', 'POST'],
    ['POST', `/api/v1/paymentmethodsessions/${FIXTURE_SUCCEEDED_SESSION}`, 'GET'],
    ['DELETE', `/api/v1/paymentmethodsessions/${FIXTURE_SUCCEEDED_SESSION}`, 'GET'],
    ['POST', `/api/v1/paymentmethods/${FIXTURE_CARD}`, 'GET, PUT, DELETE'],
    ['PATCH', `/api/v1/paymentmethods/${FIXTURE_CARD}`, 'GET, PUT, DELETE'],
  ])('%s %s → Allow: %s', async (method, path, allow) => {
    const reply = await h.request(method, `${path}?account_id=${ACCOUNT}`);

    expectZohoError(reply, 405, 'method_not_allowed', method);
    expect(reply.headers['allow']).toBe(allow);
  });
});

describe('401 invalid_oauth_token', () => {
  it.each(ENDPOINTS.map((e) => [e.name, e]))('%s without Authorization', async (_name, endpoint) => {
    const reply = await h.zoho(endpoint.method, endpoint.resource, { token: null, body: 'body' in endpoint ? endpoint.body : undefined });

    expectZohoError(reply, 401, 'invalid_oauth_token', 'Zoho-oauthtoken');
  });

  it.each([
    ['an unknown token', 'Zoho-oauthtoken 1000.41d9xxxxxxxxxxxxxxxxxxxxxxxxc2d1.8fccxxxxxxxxxxxxxxxxxxxxxxxx125f'],
    ['another scheme', 'Bearer sandbox_full'],
    ['the bare token', 'sandbox_full'],
    ['the scheme without a token', 'Zoho-oauthtoken'],
    ['the scheme and two tokens', 'Zoho-oauthtoken sandbox_full sandbox_read'],
    ['an empty header', ''],
  ])('%s', async (_what, authorization) => {
    const reply = await h.zoho('GET', `paymentmethods/${FIXTURE_CARD}`, { token: null, headers: { authorization } });

    expectZohoError(reply, 401, 'invalid_oauth_token');
  });

  it('a token the sandbox forgot (added, then reset) is unknown again', async () => {
    await h.addToken();
    expect((await h.zoho('GET', `paymentmethods/${FIXTURE_CARD}`, { token: OTHER_TOKEN, account: OTHER_ACCOUNT })).status).toBe(404);

    await h.control('POST', 'reset', {});

    expectZohoError(await h.zoho('GET', `paymentmethods/${FIXTURE_CARD}`, { token: OTHER_TOKEN, account: OTHER_ACCOUNT }), 401, 'invalid_oauth_token');
  });
});

describe('400 account_id', () => {
  it('no account_id query parameter → required_parameter_missing', async () => {
    expectZohoError(await h.zoho('GET', `paymentmethods/${FIXTURE_CARD}`, { account: null }), 400, 'required_parameter_missing', 'account_id');
    expectZohoError(await h.zoho('GET', `paymentmethods/${FIXTURE_CARD}`, { account: '' }), 400, 'required_parameter_missing', 'account_id');
  });

  it.each([['abc'], ['1000000001x'], ['-1000000001'], ['12345678901234567890']])('account_id %s (not digits) → invalid_account_id', async (account) => {
    expectZohoError(await h.zoho('GET', `paymentmethods/${FIXTURE_CARD}`, { account }), 400, 'invalid_account_id', 'account_id');
  });

  it("another account's id (not the token's) → invalid_account_id", async () => {
    for (const endpoint of ENDPOINTS) {
      const reply = await h.zoho(endpoint.method, endpoint.resource, { account: OTHER_ACCOUNT, body: 'body' in endpoint ? endpoint.body : undefined });
      expectZohoError(reply, 400, 'invalid_account_id', 'account_id');
    }
  });
});

describe('403 oauth_scope_mismatch', () => {
  it.each([
    ['POST', 'paymentmethodsessions', { customer_id: '1987000000724207' }, 'ZohoPay.paymentmethods.CREATE'],
    ['PUT', `paymentmethods/${FIXTURE_CARD}`, { type: 'card' }, 'ZohoPay.paymentmethods.UPDATE'],
    ['DELETE', `paymentmethods/${FIXTURE_CARD}`, undefined, 'ZohoPay.paymentmethods.DELETE'],
  ])('sandbox_read may not %s %s (needs %s)', async (method, resource, body, scope) => {
    expectZohoError(await h.zoho(method, resource, { token: READ_ONLY, body }), 403, 'oauth_scope_mismatch', scope);
  });

  it('sandbox_read reads sessions and payment methods, and its refused DELETE changed nothing', async () => {
    await h.zoho('DELETE', `paymentmethods/${FIXTURE_CARD}`, { token: READ_ONLY });

    const method = await h.zoho('GET', `paymentmethods/${FIXTURE_CARD}`, { token: READ_ONLY });
    const session = await h.zoho('GET', `paymentmethodsessions/${FIXTURE_SUCCEEDED_SESSION}`, { token: READ_ONLY });

    expect(method.status).toBe(200);
    expect(method.json().payment_method.status).toBe('active');
    expect(session.status).toBe(200);
    expect(session.json().payment_method_session.status).toBe('succeeded');
  });

  it('a token added with only DELETE may delete but not read', async () => {
    await h.addToken('delete_only', ACCOUNT, ['DELETE']);

    expectZohoError(await h.zoho('GET', `paymentmethods/${FIXTURE_CARD}`, { token: 'delete_only' }), 403, 'oauth_scope_mismatch', 'READ');
    expect((await h.zoho('DELETE', `paymentmethods/${FIXTURE_CARD}`, { token: 'delete_only' })).status).toBe(200);
  });
});

describe('429 rate_limit_exceeded (limit set with PUT /__sandbox/rate-limit)', () => {
  it('over the per-minute limit: 429 with Retry-After the seconds left in the minute, on the injected clock', async () => {
    expect((await h.control('PUT', 'rate-limit', { requests_per_minute: 3 })).json()).toEqual({ code: 0, message: 'success', requests_per_minute: 3 });
    for (let i = 0; i < 3; i += 1) expect((await h.zoho('GET', `paymentmethods/${FIXTURE_CARD}`)).status).toBe(200);

    const limited = await h.zoho('GET', `paymentmethods/${FIXTURE_CARD}`);
    expectZohoError(limited, 429, 'rate_limit_exceeded', '3 requests per minute');
    expect(limited.headers['retry-after']).toBe('60');

    h.now = START + 45_000;
    const later = await h.zoho('PUT', `paymentmethods/${FIXTURE_CARD}`, { body: { type: 'card' } });
    expectZohoError(later, 429, 'rate_limit_exceeded');
    expect(later.headers['retry-after']).toBe('15');

    h.now = START + 60_000;
    expect((await h.zoho('GET', `paymentmethods/${FIXTURE_CARD}`)).status).toBe(200);
  });

  it('the limit is per account: another account still gets through', async () => {
    await h.addToken();
    await h.addCustomer('42');
    await h.control('PUT', 'rate-limit', { requests_per_minute: 1 });
    expect((await h.zoho('GET', `paymentmethods/${FIXTURE_CARD}`)).status).toBe(200);
    expectZohoError(await h.zoho('GET', `paymentmethods/${FIXTURE_CARD}`), 429, 'rate_limit_exceeded');

    const other = await h.zoho('POST', 'paymentmethodsessions', { token: OTHER_TOKEN, account: OTHER_ACCOUNT, body: { customer_id: '42' } });

    expect(other.status).toBe(200);
  });
});

describe('429 with a limit configured at start (rateLimitPerMinute, as SANDBOX_RATE_LIMIT)', () => {
  const limited = useSandbox({ rateLimitPerMinute: 1 });

  it('applies from the start; PUT 0 turns it off; reset returns to the start-up limit', async () => {
    expect((await limited.zoho('GET', `paymentmethods/${FIXTURE_CARD}`)).status).toBe(200);
    expectZohoError(await limited.zoho('GET', `paymentmethods/${FIXTURE_CARD}`), 429, 'rate_limit_exceeded');

    await limited.control('PUT', 'rate-limit', { requests_per_minute: 0 });
    for (let i = 0; i < 5; i += 1) expect((await limited.zoho('GET', `paymentmethods/${FIXTURE_CARD}`)).status).toBe(200);

    await limited.control('POST', 'reset', {});
    expect((await limited.zoho('GET', `paymentmethods/${FIXTURE_CARD}`)).status).toBe(200);
    expect((await limited.zoho('GET', `paymentmethods/${FIXTURE_CARD}`)).status).toBe(429);
  });
});

describe('400 invalid_json: a body that is not a JSON object', () => {
  it.each([['not json'], ['{"customer_id": "1987000000724207"'], ['["1987000000724207"]'], ['"1987000000724207"'], ['null'], ['42']])(
    'create with body %s',
    async (body) => {
      expectZohoError(await createSession(body), 400, 'invalid_json');
    },
  );

  it('update with a body that is not JSON', async () => {
    expectZohoError(await updateCard('type=card'), 400, 'invalid_json');
  });

  it('a body over 1 MB', async () => {
    expectZohoError(await createSession(JSON.stringify({ customer_id: '1', description: 'x'.repeat(1024 * 1024) })), 400, 'invalid_json', '1 MB');
  });
});

describe('400 required_parameter_missing', () => {
  it.each([
    ['create without customer_id', () => createSession({ description: 'no customer' }), 'customer_id'],
    ['create with no body at all', () => createSession(undefined), 'customer_id'],
    ['update without type', () => updateCard({ card: { expiry_month: '01', expiry_year: '30' } }), 'type'],
    ['update with an empty body', () => updateCard({}), 'type'],
    ['update with a billing address without country', () => updateCard({ type: 'card', billing_address: { city: 'Detroit' } }), 'billing_address.country'],
    ['update with an empty billing address', () => updateCard({ type: 'card', billing_address: {} }), 'billing_address.country'],
  ])('%s', async (_what, send: () => Promise<Reply>, field) => {
    const body = expectZohoError(await send(), 400, 'required_parameter_missing', field);
    expect(body.message).toBe(`${field} is required.`);
  });
});

describe('400 invalid_parameter: a value of the wrong form', () => {
  it.each([
    ['month 13', { type: 'card', card: { expiry_month: '13', expiry_year: '30' } }, 'card.expiry_month'],
    ['month 00', { type: 'card', card: { expiry_month: '00', expiry_year: '30' } }, 'card.expiry_month'],
    ['month without its leading zero', { type: 'card', card: { expiry_month: '1', expiry_year: '30' } }, 'card.expiry_month'],
    ['year "2030" (not YY)', { type: 'card', card: { expiry_month: '01', expiry_year: '2030' } }, 'card.expiry_year'],
    ['an expiry already past (10/26 on 2026-11-24)', { type: 'card', card: { expiry_month: '10', expiry_year: '26' } }, 'card.expiry_year'],
    ['type not card/ach_debit', { type: 'paypal' }, 'type'],
    ['a country of three letters', { type: 'card', billing_address: { country: 'USA' } }, 'billing_address.country'],
    ['a country of digits', { type: 'card', billing_address: { country: '12' } }, 'billing_address.country'],
    ['card fields for an ach_debit type', { type: 'ach_debit', card: { expiry_month: '01', expiry_year: '30' } }, 'card'],
  ])('update card with %s', async (_what, body, field) => {
    expectZohoError(await updateCard(body), 400, 'invalid_parameter', `Invalid value for ${field}:`);
  });

  it('the current month is not past: 11/26 on 2026-11-24 is accepted', async () => {
    const reply = await updateCard({ type: 'card', card: { expiry_month: '11', expiry_year: '26' } });

    expect(reply.status).toBe(200);
    expect(reply.json().payment_method.status).toBe('active');
  });

  it.each([['person'], ['INDIVIDUAL'], ['']])('update ACH with account_holder_type %j', async (holderType) => {
    const reply = await h.zoho('PUT', `paymentmethods/${FIXTURE_ACH}`, { body: { type: 'ach_debit', ach_debit: { account_holder_type: holderType } } });

    expectZohoError(reply, 400, 'invalid_parameter', 'ach_debit.account_holder_type');
  });

  it.each([['abc'], ['1987-0000'], [1987000000724207]])('create with customer_id %j', async (customerId) => {
    expectZohoError(await createSession({ customer_id: customerId }), 400, 'invalid_parameter', 'customer_id');
  });

  it.each([
    ['GET', 'paymentmethods/abc', 'payment_method_id'],
    ['PUT', 'paymentmethods/abc', 'payment_method_id'],
    ['DELETE', 'paymentmethods/1e10', 'payment_method_id'],
    ['GET', 'paymentmethods/19870000007242111111', 'payment_method_id'],
    ['GET', 'paymentmethodsessions/abc', 'payment_method_session_id'],
    ['GET', 'paymentmethodsessions/-1', 'payment_method_session_id'],
  ])('%s %s (an id that is not 1-19 digits)', async (method, resource, field) => {
    const body = method === 'PUT' ? { type: 'card' } : undefined;

    expectZohoError(await h.zoho(method, resource, { body }), 400, 'invalid_parameter', field);
  });

  // Documented: an id that is not digits is invalid_parameter. The sandbox answers 500 (URIError
  // from decodeURIComponent in sandbox/zoho-api.ts matchRoute, outside any error handling).
  it('an id with a malformed percent-escape is invalid_parameter, not a sandbox failure', async () => {
    const warning = jest.spyOn(process, 'emitWarning').mockImplementation(() => undefined);
    try {
      expectZohoError(await h.zoho('GET', 'paymentmethods/%E0%A4%A'), 400, 'invalid_parameter', 'payment_method_id');
      expectZohoError(await h.zoho('GET', 'paymentmethodsessions/%ZZ'), 400, 'invalid_parameter', 'payment_method_session_id');
    } finally {
      warning.mockRestore();
    }
  });
});

describe('400 payment_method_type_mismatch', () => {
  it('PUT type ach_debit on a card', async () => {
    expectZohoError(await updateCard({ type: 'ach_debit' }), 400, 'payment_method_type_mismatch', 'card');
  });

  it('PUT type card (with a valid expiry) on an ACH account', async () => {
    const reply = await h.zoho('PUT', `paymentmethods/${FIXTURE_ACH}`, { body: { type: 'card', card: { expiry_month: '01', expiry_year: '30' } } });

    expectZohoError(reply, 400, 'payment_method_type_mismatch', 'ach_debit');
    expect((await h.zoho('GET', `paymentmethods/${FIXTURE_ACH}`)).json().payment_method.type).toBe('ach_debit');
  });
});

describe('404 resource_does_not_exist', () => {
  it.each([
    ['GET', `paymentmethodsessions/${UNKNOWN_ID}`, 'payment method session'],
    ['GET', `paymentmethods/${UNKNOWN_ID}`, 'payment method'],
    ['PUT', `paymentmethods/${UNKNOWN_ID}`, 'payment method'],
    ['DELETE', `paymentmethods/${UNKNOWN_ID}`, 'payment method'],
  ])('%s %s (no such id)', async (method, resource, what) => {
    const body = method === 'PUT' ? { type: 'card' } : undefined;

    expectZohoError(await h.zoho(method, resource, { body }), 404, 'resource_does_not_exist', what);
  });

  it("another account's ids do not exist (both ways)", async () => {
    await h.addToken();
    const other = { token: OTHER_TOKEN, account: OTHER_ACCOUNT };
    for (const [method, resource] of [
      ['GET', `paymentmethods/${FIXTURE_CARD}`],
      ['PUT', `paymentmethods/${FIXTURE_CARD}`],
      ['DELETE', `paymentmethods/${FIXTURE_ACH}`],
      ['GET', `paymentmethodsessions/${FIXTURE_SUCCEEDED_SESSION}`],
      ['GET', `paymentmethodsessions/${FIXTURE_OPEN_SESSION}`],
    ] as const) {
      const body = method === 'PUT' ? { type: 'card' } : undefined;
      expectZohoError(await h.zoho(method, resource, { ...other, body }), 404, 'resource_does_not_exist');
    }
    // The fixture card is untouched in its own account.
    expect((await h.zoho('GET', `paymentmethods/${FIXTURE_CARD}`)).json().payment_method.status).toBe('active');

    await h.addCustomer('1987000000724207');
    const theirs = await h.createSession('1987000000724207', other);
    expectZohoError(await h.zoho('GET', `paymentmethodsessions/${theirs}`), 404, 'resource_does_not_exist');
    expect((await h.zoho('GET', `paymentmethodsessions/${theirs}`, other)).status).toBe(200);
  });
});

describe('500 error: an unexpected failure of the sandbox itself', () => {
  it("answers Zoho's generic error, never a stack trace, and stays up", async () => {
    const store = h.sandbox.store;
    const original = store.getPaymentMethod.bind(store);
    const warning = jest.spyOn(process, 'emitWarning').mockImplementation(() => undefined);
    store.getPaymentMethod = () => {
      throw new TypeError('boom at store.ts:1');
    };
    try {
      const reply = await h.zoho('GET', `paymentmethods/${FIXTURE_CARD}`);

      expectZohoError(reply, 500, 'error');
      expect(reply.json()).toEqual({ code: 'error', message: 'Internal error.' });
      expect(reply.text).not.toMatch(/boom|store\.ts|TypeError|at /);
      expect(warning).toHaveBeenCalledWith(expect.stringContaining('boom'));
    } finally {
      store.getPaymentMethod = original;
      warning.mockRestore();
    }
    expect((await h.zoho('GET', `paymentmethods/${FIXTURE_CARD}`)).status).toBe(200);
  });
});

describe('the order of the checks (README: the table is checked top to bottom)', () => {
  const card = `paymentmethods/${FIXTURE_CARD}`;
  const unknown = `paymentmethods/${UNKNOWN_ID}`;

  it.each<[string, () => Promise<Reply>, number, string]>([
    ['an unknown path beats a missing token', () => h.request('GET', '/api/v1/nothing'), 404, 'Not Found'],
    ['405 beats a missing token and account_id', () => h.request('PATCH', `/api/v1/${card}`, { token: null }), 405, 'method_not_allowed'],
    ['401 beats a missing account_id', () => h.zoho('GET', card, { token: null, account: null }), 401, 'invalid_oauth_token'],
    ['401 beats an unknown id', () => h.zoho('GET', unknown, { token: 'nope' }), 401, 'invalid_oauth_token'],
    ['401 beats an id that is not digits', () => h.zoho('DELETE', 'paymentmethods/abc', { token: 'nope' }), 401, 'invalid_oauth_token'],
    ['401 beats a bad body', () => h.zoho('POST', 'paymentmethodsessions', { token: null, body: 'nope' }), 401, 'invalid_oauth_token'],
    ['a missing account_id beats a missing scope', () => h.zoho('POST', 'paymentmethodsessions', { token: READ_ONLY, account: null, body: {} }), 400, 'required_parameter_missing'],
    ['invalid_account_id beats a missing scope', () => h.zoho('DELETE', card, { token: READ_ONLY, account: OTHER_ACCOUNT }), 400, 'invalid_account_id'],
    ['403 beats a bad body', () => h.zoho('PUT', card, { token: READ_ONLY, body: 'nope' }), 403, 'oauth_scope_mismatch'],
    ['403 beats an unknown id', () => h.zoho('DELETE', unknown, { token: READ_ONLY }), 403, 'oauth_scope_mismatch'],
    ['invalid_json beats an unknown id', () => h.zoho('PUT', unknown, { body: '{' }), 400, 'invalid_json'],
    ['a missing type beats an unknown id', () => h.zoho('PUT', unknown, { body: {} }), 400, 'required_parameter_missing'],
    ['a past expiry beats an unknown id', () => h.zoho('PUT', unknown, { body: { type: 'card', card: { expiry_month: '01', expiry_year: '20' } } }), 400, 'invalid_parameter'],
    ['a valid body on an unknown id is 404 (the type can only be compared with an existing method)', () => h.zoho('PUT', unknown, { body: { type: 'ach_debit' } }), 404, 'resource_does_not_exist'],
  ])('%s', async (_what, send, status, code) => {
    const reply = await send();

    expect(reply.status).toBe(status);
    if (status === 404 && code === 'Not Found') expect(reply.text).toBe('Not Found');
    else expectZohoError(reply, status, code);
  });

  it('429 beats a bad body and an unknown id', async () => {
    await h.control('PUT', 'rate-limit', { requests_per_minute: 1 });
    await h.zoho('GET', card);

    const reply = await h.zoho('PUT', unknown, { body: 'nope' });

    expectZohoError(reply, 429, 'rate_limit_exceeded');
    expect(reply.headers['retry-after']).toBe('60');
  });

  it('a refused request (403) does not count against the rate limit', async () => {
    await h.control('PUT', 'rate-limit', { requests_per_minute: 1 });
    expectZohoError(await h.zoho('DELETE', card, { token: READ_ONLY }), 403, 'oauth_scope_mismatch');

    expect((await h.zoho('GET', card)).status).toBe(200);
  });

  // Documented order: invalid_json and required_parameter_missing (rows 8-9) come before
  // invalid_parameter (row 10), which includes "an id that is not digits". The sandbox checks the
  // id first (sandbox/zoho-api.ts handleEndpoint, before parseJsonObject/validate).
  it.each<[string, unknown, string]>([
    ['invalid_json beats an id that is not digits', 'nope', 'invalid_json'],
    ['a missing type beats an id that is not digits', {}, 'required_parameter_missing'],
  ])('%s', async (_what, body, code) => {
    expectZohoError(await h.zoho('PUT', 'paymentmethods/abc', { body }), 400, code);
  });

  // Documented order: required_parameter_missing (row 9: billing_address.country) before
  // invalid_parameter (row 10: type not card/ach_debit). The sandbox reports zod's first issue,
  // which follows the schema's key order (type first).
  it('a missing billing_address.country beats a type that is not card/ach_debit', async () => {
    expectZohoError(await updateCard({ type: 'paypal', billing_address: {} }), 400, 'required_parameter_missing', 'billing_address.country');
  });
});
