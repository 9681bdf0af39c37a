/**
 * nock (test/setup.ts) still sees every call of the gateway's HTTP client, so unit tests can keep
 * mocking Zoho with it; and RESTDataSource works over the client's plain reply object (its
 * HTTPCache reads the headers by iteration and clones a reply it deems storable, even with
 * skipCache).
 */
import { RESTDataSource, type AugmentedRequest } from '@apollo/datasource-rest';
import type { FetcherResponse } from '@apollo/utils.fetcher';
import type { KeyValueCache } from '@apollo/utils.keyvaluecache';
import nock from 'nock';
import { classifyTransportError, createZohoHttpClient, type ZohoHttpClient } from '../../src/datasources/http-client';

const ZOHO = 'https://payments.zoho.com';
const BASE = `${ZOHO}/api/v1`;
const TOKEN = 'Zoho-oauthtoken 1000.unit-test-token';

let client: ZohoHttpClient;
beforeEach(() => {
  client = createZohoHttpClient({ baseURL: BASE, maxSockets: 8, env: {} });
});
afterEach(() => client.close());

test('nock intercepts the client: method, path, query, headers and body as sent', async () => {
  nock(ZOHO, { reqheaders: { authorization: TOKEN, 'content-type': 'application/json', 'content-length': '22' } })
    .put('/api/v1/paymentmethods/173000002315115', { billing_address: {} })
    .query({ account_id: '23137556' })
    .reply(200, { code: 0, message: 'success' }, { 'content-type': 'application/json;charset=UTF-8', 'x-request-id': 'r1' });

  const response = await client.fetch(`${BASE}/paymentmethods/173000002315115?account_id=23137556`, {
    method: 'PUT',
    headers: { authorization: TOKEN, 'content-type': 'application/json' },
    body: JSON.stringify({ billing_address: {} }),
  });

  expect(response.status).toBe(200);
  expect(response.ok).toBe(true);
  expect(response.headers.get('Content-Type')).toBe('application/json;charset=UTF-8');
  expect(response.headers.get('x-request-id')).toBe('r1');
  expect(JSON.parse(await response.text())).toEqual({ code: 0, message: 'success' });
  // The reply's URL never carries the query (the account id).
  expect(response.url).toBe(`${BASE}/paymentmethods/173000002315115`);
});

test('a mocked 302 is not followed: the Location is never requested', async () => {
  nock(ZOHO).get('/api/v1/paymentmethods/1').query(true).reply(302, '', { location: 'https://elsewhere.example/steal' });
  const elsewhere = nock('https://elsewhere.example').get('/steal').reply(200, {});
  const error = await client.fetch(`${BASE}/paymentmethods/1?account_id=1`).catch((e: unknown) => e);
  expect(error).toMatchObject({ name: 'UpstreamTransportError', reason: 'redirect' });
  expect(elsewhere.isDone()).toBe(false);
  nock.cleanAll();
});

test('with HTTPS_PROXY set, mocked calls are still intercepted (a developer behind a proxy can run the unit tests)', async () => {
  const proxied = createZohoHttpClient({ baseURL: BASE, maxSockets: 1, env: { HTTPS_PROXY: 'http://proxy.corp.invalid:3128' } });
  try {
    expect(proxied.proxy).toBe('http://proxy.corp.invalid:3128/');
    nock(ZOHO).get('/api/v1/paymentmethodsessions/5').query({ account_id: '7' }).reply(200, '{"code":0}');
    expect(await (await proxied.fetch(`${BASE}/paymentmethodsessions/5?account_id=7`)).text()).toBe('{"code":0}');
  } finally {
    proxied.close();
  }
});

const NO_CACHE: KeyValueCache = { get: async () => undefined, set: async () => undefined, delete: async () => undefined };

/** The datasource's use of RESTDataSource in miniature: skipCache, and parseBody reading text. */
class Probe extends RESTDataSource {
  override baseURL = `${BASE}/`;
  constructor(http: ZohoHttpClient) {
    super({ fetch: http.fetch, cache: NO_CACHE });
  }
  protected override willSendRequest(_path: string, request: AugmentedRequest): void {
    request.headers['authorization'] = TOKEN;
    request.params.set('account_id', '23137556');
    request.skipCache = true;
  }
  protected override async parseBody(response: FetcherResponse): Promise<object | string> {
    return JSON.parse(await response.text()) as object;
  }
  read(id: string) {
    return this.get<{ code: number; id: string }>(`paymentmethods/${id}`);
  }
}

test('RESTDataSource over the client: a storable reply (max-age) goes through HTTPCache clone() and is read', async () => {
  nock(ZOHO, { reqheaders: { authorization: TOKEN } })
    .get('/api/v1/paymentmethods/42')
    .query({ account_id: '23137556' })
    .reply(200, { code: 0, id: '42' }, { 'content-type': 'application/json', 'cache-control': 'public, max-age=60', etag: '"v1"' });
  expect(await new Probe(client).read('42')).toEqual({ code: 0, id: '42' });
});

test('RESTDataSource over the client: a 404 reaches errorFromResponse with status and statusText', async () => {
  nock(ZOHO).get('/api/v1/paymentmethods/404').query(true).reply(404, { code: 'resource_does_not_exist' });
  await expect(new Probe(client).read('404')).rejects.toMatchObject({
    message: '404: Not Found',
    extensions: { response: { status: 404, url: `${BASE}/paymentmethods/404`, body: { code: 'resource_does_not_exist' } } },
  });
});

describe('classifyTransportError', () => {
  const withCode = (code: string, message = 'x') => Object.assign(new Error(message), { code });
  test.each([
    ['ECONNREFUSED', 'refused', withCode('ECONNREFUSED')],
    ['ECONNRESET', 'reset', withCode('ECONNRESET')],
    ['EPIPE', 'reset', withCode('EPIPE')],
    ['ERR_STREAM_PREMATURE_CLOSE', 'reset', withCode('ERR_STREAM_PREMATURE_CLOSE')],
    ['HPE_INVALID_CHUNK_SIZE', 'reset', withCode('HPE_INVALID_CHUNK_SIZE')],
    ['socket hang up', 'reset', new Error('socket hang up')],
    ['ENOTFOUND', 'dns', withCode('ENOTFOUND')],
    ['EAI_AGAIN', 'dns', withCode('EAI_AGAIN')],
    ['CERT_HAS_EXPIRED', 'tls', withCode('CERT_HAS_EXPIRED')],
    ['UNABLE_TO_VERIFY_LEAF_SIGNATURE', 'tls', withCode('UNABLE_TO_VERIFY_LEAF_SIGNATURE')],
    ['DEPTH_ZERO_SELF_SIGNED_CERT', 'tls', withCode('DEPTH_ZERO_SELF_SIGNED_CERT')],
    ['SELF_SIGNED_CERT_IN_CHAIN', 'tls', withCode('SELF_SIGNED_CERT_IN_CHAIN')],
    ['ERR_TLS_CERT_ALTNAME_INVALID', 'tls', withCode('ERR_TLS_CERT_ALTNAME_INVALID', "Hostname/IP does not match certificate's altnames")],
    ['ERR_SSL_WRONG_VERSION_NUMBER', 'tls', withCode('ERR_SSL_WRONG_VERSION_NUMBER')],
    ['ETIMEDOUT', 'timeout', withCode('ETIMEDOUT')],
    ['ERR_SOMETHING_ELSE', 'other', withCode('ERR_SOMETHING_ELSE')],
    ['a string', 'other', 'not even an error'],
  ])('%s -> %s', (_label, reason, error) => {
    expect(classifyTransportError(error).reason).toBe(reason);
  });

  test("the message is the reason and code only: never Node's text, which can quote a header's value", () => {
    const error = withCode('ERR_HTTP_INVALID_HEADER_VALUE', 'Invalid value "Zoho-oauthtoken 1000.secret\n" for header "authorization"');
    const classified = classifyTransportError(error);
    expect(classified).toMatchObject({ reason: 'other', code: 'ERR_HTTP_INVALID_HEADER_VALUE' });
    expect(classified.message).not.toMatch(/secret|authorization/);
  });
});
