/**
 * ZohoPaymentsAPI on its own: the exact HTTP request each method sends (method, path, query,
 * headers, body), the payload it returns unwrapped from Zoho's envelope, base URL handling, the
 * upstream-call report and credential forwarding. The error table lives in error-table.test.ts.
 */
import nock from 'nock';
import { ZohoPaymentsAPI, type UpstreamCall, type ZohoPaymentsAPIOptions } from '../../src/datasources/ZohoPaymentsAPI';
import { rejection, ACCOUNT_ID, AUTHORIZATION, TOKEN, ZOHO_API_URL, captureLogger, seed, zoho, TEST_FETCHER } from '../helpers';
import { zohoCredentials } from '../../src/credentials';
import { createZohoHttpClient } from '../../src/datasources/http-client';

const PM_ID = '1987000000724211';
const SESSION_ID = '1987000000724209';
const CUSTOMER_ID = '1987000000724207';
/** 2^63 - 1: past Number.MAX_SAFE_INTEGER, so it survives only as a string. */
const BIG_ID = '9223372036854775807';
const QUERY = { account_id: ACCOUNT_ID };
const JSON_HEADERS = { 'content-type': 'application/json' };

/** What every datasource of this file logs (RESTDataSource logs to the console otherwise). */
let logs = captureLogger();
beforeEach(() => {
  logs = captureLogger();
});

function api(options: Partial<ZohoPaymentsAPIOptions> = {}): ZohoPaymentsAPI {
  return new ZohoPaymentsAPI({
    baseURL: ZOHO_API_URL,
    credentials: zohoCredentials(AUTHORIZATION, ACCOUNT_ID),
    timeoutMs: 2000,
    logger: logs.logger,
    // The client calls its own origin only: another base URL needs a client of its own.
    fetch: options.baseURL ? createZohoHttpClient({ baseURL: options.baseURL, maxSockets: 8 }).fetch : TEST_FETCHER,
    ...options,
  });
}

/** A nock scope at any origin asserting the same headers as `zoho()`. */
function scopeAt(origin: string, authorization = AUTHORIZATION): nock.Scope {
  return nock(origin, { reqheaders: { authorization, accept: 'application/json' } });
}

/** What Node emits on a reset socket. (A plain `{ code }` object makes nock 14 + node-fetch hang.) */
const connectionReset = () => Object.assign(new Error('read ECONNRESET'), { code: 'ECONNRESET' });


describe('ZohoPaymentsAPI: the documented requests and their unwrapped replies', () => {
  it('getPaymentMethod: GET /paymentmethods/{id}?account_id, returns payment_method', async () => {
    const reply = seed('retrieve-payment-method.response');
    zoho().get(`/api/v1/paymentmethods/${PM_ID}`).query(QUERY).reply(200, reply);

    await expect(api().getPaymentMethod(PM_ID)).resolves.toEqual(seed('payment-method-attribute'));
  });

  it('updatePaymentMethod: PUT /paymentmethods/{id} with the exact JSON body, returns payment_method', async () => {
    const body = seed<nock.DataMatcherMap>('update-payment-method.request');
    zoho()
      .put(`/api/v1/paymentmethods/${PM_ID}`, body)
      .query(QUERY)
      .matchHeader('content-type', 'application/json')
      .reply(200, seed('update-payment-method.response'));

    const updated = await api().updatePaymentMethod(PM_ID, seed('update-payment-method.request'));
    expect(updated).toEqual(seed<{ payment_method: unknown }>('update-payment-method.response').payment_method);
  });

  it('deletePaymentMethod: DELETE /paymentmethods/{id}, resolves once Zoho says code 0', async () => {
    zoho().delete(`/api/v1/paymentmethods/${PM_ID}`).query(QUERY).reply(200, seed('delete-payment-method.response'));

    await expect(api().deletePaymentMethod(PM_ID)).resolves.toBeUndefined();
  });

  it('createPaymentMethodSession: POST /paymentmethodsessions with the exact JSON body, returns payment_method_session', async () => {
    zoho()
      .post('/api/v1/paymentmethodsessions', seed('create-session.request'))
      .query(QUERY)
      .matchHeader('content-type', 'application/json')
      .reply(200, seed('create-session.response'));

    const session = await api().createPaymentMethodSession(seed('create-session.request'));
    expect(session).toEqual(seed('session-attribute'));
  });

  it('getPaymentMethodSession: GET /paymentmethodsessions/{id}, returns payment_method_session', async () => {
    const reply = seed<{ payment_method_session: unknown }>('retrieve-session.response');
    zoho().get(`/api/v1/paymentmethodsessions/${SESSION_ID}`).query(QUERY).reply(200, reply);

    await expect(api().getPaymentMethodSession(SESSION_ID)).resolves.toEqual(reply.payment_method_session);
  });

  it.each([
    ['getPaymentMethod', (a: ZohoPaymentsAPI) => a.getPaymentMethod(PM_ID), `/api/v1/paymentmethods/${PM_ID}`],
    [
      'getPaymentMethodSession',
      (a: ZohoPaymentsAPI) => a.getPaymentMethodSession(SESSION_ID),
      `/api/v1/paymentmethodsessions/${SESSION_ID}`,
    ],
  ])('%s: 404 resource_does_not_exist is null', async (_name, call, path) => {
    zoho().get(path).query(QUERY).reply(404, { code: 'resource_does_not_exist', message: 'Resource does not exist' });

    await expect(call(api())).resolves.toBeNull();
  });
});

describe('ZohoPaymentsAPI: ids stay strings', () => {
  it('passes a 19-digit payment method id through unchanged, in the path and in the reply', async () => {
    // Raw JSON, so the ids are never JS numbers on the way.
    const raw = JSON.stringify(seed('retrieve-payment-method.response'))
      .replace(`"${PM_ID}"`, `"${BIG_ID}"`)
      .replace(`"${CUSTOMER_ID}"`, `"${BIG_ID.replace(/7$/, '6')}"`);
    zoho().get(`/api/v1/paymentmethods/${BIG_ID}`).query(QUERY).reply(200, raw, JSON_HEADERS);

    const pm = await api().getPaymentMethod(BIG_ID);
    expect(pm?.payment_method_id).toBe(BIG_ID);
    expect(pm?.customer_id).toBe('9223372036854775806');
  });

  it('passes a 19-digit session id and its payment method id through unchanged', async () => {
    const raw = JSON.stringify(seed('retrieve-session.response'))
      .replace(`"${SESSION_ID}"`, `"${BIG_ID}"`)
      .replace('"1987000000724215"', '"9007199254740993"');
    zoho().get(`/api/v1/paymentmethodsessions/${BIG_ID}`).query(QUERY).reply(200, raw, JSON_HEADERS);

    const session = await api().getPaymentMethodSession(BIG_ID);
    expect(session?.payment_method_session_id).toBe(BIG_ID);
    expect(session?.payment_method?.payment_method_id).toBe('9007199254740993');
  });

  it('sends a 19-digit id in the PUT and DELETE paths unchanged', async () => {
    const reply = JSON.stringify(seed('update-payment-method.response')).replace(`"${PM_ID}"`, `"${BIG_ID}"`);
    zoho().put(`/api/v1/paymentmethods/${BIG_ID}`, seed('update-payment-method.request')).query(QUERY).reply(200, reply, JSON_HEADERS);
    zoho().delete(`/api/v1/paymentmethods/${BIG_ID}`).query(QUERY).reply(200, seed('delete-payment-method.response'));

    const updated = await api().updatePaymentMethod(BIG_ID, seed('update-payment-method.request'));
    expect(updated.payment_method_id).toBe(BIG_ID);
    await expect(api().deletePaymentMethod(BIG_ID)).resolves.toBeUndefined();
  });

  it('rejects an id Zoho sent as an unsafe JSON number instead of returning a rounded one', async () => {
    const raw = JSON.stringify(seed('retrieve-payment-method.response')).replace(`"${PM_ID}"`, BIG_ID);
    zoho().get(`/api/v1/paymentmethods/${BIG_ID}`).query(QUERY).reply(200, raw, JSON_HEADERS);

    const error = await rejection(api().getPaymentMethod(BIG_ID));
    expect(error.extensions).toMatchObject({ code: 'UPSTREAM_ERROR', upstreamStatus: 200 });
  });

  it('turns an id Zoho sent as a safe JSON number into its decimal string', async () => {
    const raw = JSON.stringify(seed('retrieve-payment-method.response')).replace(`"${PM_ID}"`, PM_ID);
    zoho().get(`/api/v1/paymentmethods/${PM_ID}`).query(QUERY).reply(200, raw, JSON_HEADERS);

    await expect(api().getPaymentMethod(PM_ID)).resolves.toMatchObject({ payment_method_id: PM_ID });
  });
});

describe('ZohoPaymentsAPI: base URLs', () => {
  it.each([
    ['https://payments.zoho.com/api/v1', 'https://payments.zoho.com'],
    ['https://payments.zoho.com/api/v1/', 'https://payments.zoho.com'],
    ['https://payments.zoho.eu/api/v1', 'https://payments.zoho.eu'],
    ['https://payments.zoho.in/api/v1/', 'https://payments.zoho.in'],
    ['https://payments.zoho.com.au/api/v1', 'https://payments.zoho.com.au'],
    ['http://localhost:4010/api/v1', 'http://localhost:4010'],
  ])('%s resolves to %s/api/v1/...', async (baseURL, origin) => {
    scopeAt(origin).get(`/api/v1/paymentmethods/${PM_ID}`).query(QUERY).reply(200, seed('retrieve-payment-method.response'));
    scopeAt(origin)
      .post('/api/v1/paymentmethodsessions', seed('create-session.request'))
      .query(QUERY)
      .reply(200, seed('create-session.response'));

    const zohoApi = api({ baseURL });
    await expect(zohoApi.getPaymentMethod(PM_ID)).resolves.toMatchObject({ payment_method_id: PM_ID });
    await expect(zohoApi.createPaymentMethodSession(seed('create-session.request'))).resolves.toMatchObject({
      payment_method_session_id: SESSION_ID,
    });
  });
});

describe('ZohoPaymentsAPI: onUpstreamCall', () => {
  function recordingApi(options: Partial<ZohoPaymentsAPIOptions> = {}) {
    const calls: UpstreamCall[] = [];
    return { zohoApi: api({ ...options, onUpstreamCall: (call) => calls.push(call) }), calls };
  }

  it('reports method, path without the query, status and duration of each call', async () => {
    zoho().get(`/api/v1/paymentmethods/${PM_ID}`).query(QUERY).reply(200, seed('retrieve-payment-method.response'));
    zoho().put(`/api/v1/paymentmethods/${PM_ID}`, seed('update-payment-method.request')).query(QUERY).reply(200, seed('update-payment-method.response'));
    zoho().delete(`/api/v1/paymentmethods/${PM_ID}`).query(QUERY).reply(200, seed('delete-payment-method.response'));
    zoho().post('/api/v1/paymentmethodsessions', seed('create-session.request')).query(QUERY).reply(200, seed('create-session.response'));
    zoho().get(`/api/v1/paymentmethodsessions/${SESSION_ID}`).query(QUERY).reply(404, { code: 'resource_does_not_exist', message: 'x' });

    const { zohoApi, calls } = recordingApi();
    await zohoApi.getPaymentMethod(PM_ID);
    await zohoApi.updatePaymentMethod(PM_ID, seed('update-payment-method.request'));
    await zohoApi.deletePaymentMethod(PM_ID);
    await zohoApi.createPaymentMethodSession(seed('create-session.request'));
    await zohoApi.getPaymentMethodSession(SESSION_ID);

    expect(calls.map(({ method, path, status }) => ({ method, path, status }))).toEqual([
      { method: 'GET', path: `/api/v1/paymentmethods/${PM_ID}`, status: 200 },
      { method: 'PUT', path: `/api/v1/paymentmethods/${PM_ID}`, status: 200 },
      { method: 'DELETE', path: `/api/v1/paymentmethods/${PM_ID}`, status: 200 },
      { method: 'POST', path: '/api/v1/paymentmethodsessions', status: 200 },
      { method: 'GET', path: `/api/v1/paymentmethodsessions/${SESSION_ID}`, status: 404 },
    ]);
    for (const call of calls) {
      expect(call.durationMs).toBeGreaterThanOrEqual(0);
      expect(call.path).not.toContain(ACCOUNT_ID);
      expect(call.path).not.toContain('?');
    }
  });

  it.each([
    ['HTTP 500', (i: nock.Interceptor) => i.reply(500, { code: 'error', message: 'Internal error' }), 500],
    ['HTTP 429', (i: nock.Interceptor) => i.reply(429, { code: 'error', message: 'Too many requests' }), 429],
    ['a connection reset', (i: nock.Interceptor) => i.replyWithError(connectionReset()), 'error'],
    ['a timeout', (i: nock.Interceptor) => i.delay(500).reply(200, seed('retrieve-payment-method.response')), 'error'],
  ])('reports a failed call (%s) with its status', async (_name, reply, status) => {
    reply(zoho().get(`/api/v1/paymentmethods/${PM_ID}`).query(QUERY));

    const { zohoApi, calls } = recordingApi({ timeoutMs: 50 });
    await rejection(zohoApi.getPaymentMethod(PM_ID));
    expect(calls).toEqual([expect.objectContaining({ method: 'GET', path: `/api/v1/paymentmethods/${PM_ID}`, status })]);
  });

  it('logs each call by method and path, never with the token or the account id', async () => {
    zoho().get(`/api/v1/paymentmethods/${PM_ID}`).query(QUERY).reply(200, seed('retrieve-payment-method.response'));
    zoho().post('/api/v1/paymentmethodsessions', seed('create-session.request')).query(QUERY).reply(500, { code: 'error', message: 'x' });

    const zohoApi = api();
    await zohoApi.getPaymentMethod(PM_ID);
    await rejection(zohoApi.createPaymentMethodSession(seed('create-session.request')));
    expect(logs.text()).toContain(`zoho GET /api/v1/paymentmethods/${PM_ID} -> 200`);
    expect(logs.text()).toContain('zoho POST /api/v1/paymentmethodsessions -> 500');
    expect(logs.text()).not.toContain(TOKEN);
    expect(logs.text()).not.toContain(`account_id=${ACCOUNT_ID}`);
  });

  it('reports the path under another data centre without its account id', async () => {
    scopeAt('https://payments.zoho.eu').get(`/api/v1/paymentmethods/${PM_ID}`).query(QUERY).reply(200, seed('retrieve-payment-method.response'));

    const { zohoApi, calls } = recordingApi({ baseURL: 'https://payments.zoho.eu/api/v1/' });
    await zohoApi.getPaymentMethod(PM_ID);
    expect(calls).toEqual([expect.objectContaining({ method: 'GET', path: `/api/v1/paymentmethods/${PM_ID}`, status: 200 })]);
  });
});

describe('ZohoPaymentsAPI: credentials', () => {
  it.each([
    ['a Zoho-shaped token', 'Zoho-oauthtoken 1000.41d9xxxxxxxxxxxxxxxxxxxxxxxxc2d1.8fccxxxxxxxxxxxxxxxxxxxxxxxx125f'],
    ['a token with every allowed punctuation', 'Zoho-oauthtoken 1000.aB9~+/-_.Zz=='],
    ['an uncommon header casing', 'zoho-OAUTHTOKEN abc.DEF'],
  ])('forwards the Authorization header byte for byte (%s) on every method', async (_name, authorization) => {
    const scope = () => zoho(authorization);
    scope().get(`/api/v1/paymentmethods/${PM_ID}`).query(QUERY).reply(200, seed('retrieve-payment-method.response'));
    scope().put(`/api/v1/paymentmethods/${PM_ID}`, seed('update-payment-method.request')).query(QUERY).reply(200, seed('update-payment-method.response'));
    scope().delete(`/api/v1/paymentmethods/${PM_ID}`).query(QUERY).reply(200, seed('delete-payment-method.response'));
    scope().post('/api/v1/paymentmethodsessions', seed('create-session.request')).query(QUERY).reply(200, seed('create-session.response'));
    scope().get(`/api/v1/paymentmethodsessions/${SESSION_ID}`).query(QUERY).reply(200, seed('retrieve-session.response'));

    const zohoApi = api({ credentials: zohoCredentials(authorization, ACCOUNT_ID) });
    await zohoApi.getPaymentMethod(PM_ID);
    await zohoApi.updatePaymentMethod(PM_ID, seed('update-payment-method.request'));
    await zohoApi.deletePaymentMethod(PM_ID);
    await zohoApi.createPaymentMethodSession(seed('create-session.request'));
    await zohoApi.getPaymentMethodSession(SESSION_ID);
  });

  it("keeps two callers' credentials apart when their calls run concurrently", async () => {
    const alice = zohoCredentials('Zoho-oauthtoken 1000.aaaaaaaaaaaa.aaaaaaaaaaaa', '1111');
    const bob = zohoCredentials('Zoho-oauthtoken 1000.bbbbbbbbbbbb.bbbbbbbbbbbb', '2222');
    zoho(alice.authorization).get(`/api/v1/paymentmethods/${PM_ID}`).query({ account_id: '1111' }).delay(30).reply(200, seed('retrieve-payment-method.response'));
    zoho(bob.authorization).get(`/api/v1/paymentmethods/${PM_ID}`).query({ account_id: '2222' }).reply(404, { code: 'resource_does_not_exist', message: 'x' });

    const [forAlice, forBob] = await Promise.all([
      api({ credentials: alice }).getPaymentMethod(PM_ID),
      api({ credentials: bob }).getPaymentMethod(PM_ID),
    ]);
    expect(forAlice?.payment_method_id).toBe(PM_ID);
    expect(forBob).toBeNull();
  });
});

describe('ZohoPaymentsAPI: no HTTP cache', () => {
  it('a reply Zoho marks cacheable (max-age, ETag) is never served again: each read goes to Zoho, and the reply is read in full', async () => {
    const cacheable = { ...JSON_HEADERS, 'cache-control': 'public, max-age=600', etag: '"v1"' };
    const scope = zoho().get(`/api/v1/paymentmethods/${PM_ID}`).query(QUERY).times(2).reply(200, seed('retrieve-payment-method.response'), cacheable);

    const zohoApi = api();
    await expect(zohoApi.getPaymentMethod(PM_ID)).resolves.toMatchObject({ payment_method_id: PM_ID });
    await expect(zohoApi.getPaymentMethod(PM_ID)).resolves.toMatchObject({ payment_method_id: PM_ID });
    // And another request's datasource (they share the HTTP client, never a cache).
    await rejection(api().getPaymentMethod(PM_ID));
    expect(scope.isDone()).toBe(true);
  });
});
