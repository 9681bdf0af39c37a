/**
 * On the wire, the gateway sends Zoho byte-for-byte the requests the seeds document
 * (the seeds: test/fixtures/seeds/).
 *
 * The real HTTP gateway (createGateway, with its production fetcher: http-client.ts over keep-alive
 * agents) runs on loopback, pointed at a stand-in Zoho: a plain node:http server in this file that
 * records every raw request (method, URL exactly as sent, headers, body bytes) and answers with the
 * seeds' response examples. Each test drives one GraphQL operation and asserts the exact upstream
 * requests it caused: method, path + query string, the whole header set (the seeds' headers plus
 * the transport's own, listed explicitly), and the body bytes against JSON.stringify of the seeds'
 * request example, so key order and whitespace count. It also checks the GraphQL reply maps the
 * seeds' response. nock stays installed (test/setup.ts) and lets only 127.0.0.1 through; its
 * interceptor changes one byte range of the wire, the Connection header (see expectRequest).
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import nock from 'nock';
import type { Gateway } from '../../src/server';
import { captureLogger, seed, startTestServer, testConfig } from '../helpers';
import { jsonOf, postGraphQL } from '../http-client';

/** The seeds' token and account id, verbatim. */
const AUTHORIZATION = 'Zoho-oauthtoken 1000.41d9xxxxxxxxxxxxxxxxxxxxxxxxc2d1.8fccxxxxxxxxxxxxxxxxxxxxxxxx125f';
const ACCOUNT_ID = '23137556';
/** The caller names its request; the gateway passes the id on to Zoho. */
const REQUEST_ID = 'wire-test-7f3a';
const CALLER = { authorization: AUTHORIZATION, 'x-zoho-account-id': ACCOUNT_ID, 'x-request-id': REQUEST_ID };
const PM_ID = '173000002315115';
const CREATED_ISO = new Date(1708950672 * 1000).toISOString(); // the seeds' created_time, in seconds

interface WireRequest {
  method: string;
  url: string;
  headers: http.IncomingHttpHeaders;
  rawHeaders: string[];
  body: Buffer;
}

/** Which seeds' response answers which request. */
function seedReplyFor(method: string, path: string): string | undefined {
  if (method === 'POST' && path === '/api/v1/paymentmethodsessions') return 'create-session.response';
  if (method === 'GET' && /^\/api\/v1\/paymentmethodsessions\/\d+$/.test(path)) return 'retrieve-session.response';
  if (!/^\/api\/v1\/paymentmethods\/\d+$/.test(path)) return undefined;
  return { GET: 'retrieve-payment-method.response', PUT: 'update-payment-method.response', DELETE: 'delete-payment-method.response' }[method];
}

const wire: WireRequest[] = [];
const zoho = http.createServer((req, res) => {
  const chunks: Buffer[] = [];
  req.on('data', (chunk: Buffer) => chunks.push(chunk));
  req.on('end', () => {
    const url = req.url ?? '';
    wire.push({ method: req.method ?? '', url, headers: req.headers, rawHeaders: req.rawHeaders, body: Buffer.concat(chunks) });
    const name = seedReplyFor(req.method ?? '', url.split('?')[0] ?? '');
    const body = name ? JSON.stringify(seed(name)) : JSON.stringify({ code: 'not_in_seeds', message: `${req.method} ${url}` });
    res.writeHead(name ? 200 : 404, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) });
    res.end(body);
  });
});

let gateway: Gateway;
let zohoHost: string;
let client: http.Agent;

beforeAll(async () => {
  nock.enableNetConnect('127.0.0.1');
  await new Promise<void>((resolve) => zoho.listen(0, '127.0.0.1', resolve));
  zohoHost = `127.0.0.1:${(zoho.address() as AddressInfo).port}`;
  gateway = await startTestServer(testConfig({ ZOHO_API_URL: `http://${zohoHost}/api/v1`, ZOHO_TIMEOUT_MS: '5000' }), {
    logger: captureLogger().logger,
    // Before Jan 2026: the seeds' update sends expiry 01/26, which must not be in the past.
    now: () => new Date('2024-02-26T12:00:00Z'),
  });
  client = new http.Agent({ keepAlive: true });
});

afterAll(async () => {
  client.destroy();
  await gateway.stop();
  zoho.closeAllConnections();
  await new Promise<void>((resolve, reject) => zoho.close((e) => (e ? reject(e) : resolve())));
  nock.disableNetConnect();
});

beforeEach(() => {
  wire.length = 0;
});

// eslint-disable-next-line @typescript-eslint/no-explicit-any
async function graphql(query: string, variables?: Record<string, unknown>): Promise<Record<string, any>> {
  const reply = await postGraphQL(gateway.url, { query, variables }, CALLER, client);
  expect(reply.status).toBe(200);
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  const json = jsonOf<{ data?: Record<string, any>; errors?: unknown[] }>(reply);
  expect(json.errors).toBeUndefined();
  return json.data ?? {};
}

/**
 * One request exactly: the seeds' method, URL and Authorization, the body bytes (or none), and
 * the whole header block as it arrived (names, casing, order, values; each header once). Beyond
 * the seeds' headers, the gateway adds accept and user-agent, and its transport (node:http)
 * host, connection and, with a body, content-length.
 */
function expectRequest(req: WireRequest | undefined, method: string, url: string, body?: unknown): void {
  expect(req).toBeDefined();
  const { method: m, url: u, headers, rawHeaders, body: bytes } = req as WireRequest;
  expect(`${m} ${u}`).toBe(`${method} ${url}`);
  const expectedBody = body === undefined ? '' : JSON.stringify(body);
  expect(bytes.toString('utf8')).toBe(expectedBody);
  expect(bytes.equals(Buffer.from(expectedBody, 'utf8'))).toBe(true);
  expect(rawHeaders).toEqual([
    'authorization', AUTHORIZATION, // the seeds' header, the caller's value verbatim
    'accept', 'application/json',
    'user-agent', 'zoho-payments-graphql-gateway', // the gateway, for Zoho's logs
    'x-request-id', REQUEST_ID, // the caller's request id, for Zoho's and the caller's logs
    ...(body === undefined
      ? [] // no content-type and no content-length without a body, as in the seeds
      : ['content-type', 'application/json', 'content-length', String(Buffer.byteLength(expectedBody))]),
    // Nothing asks for compression: the 1 MiB limit counts the bytes that arrive.
    'Host', zohoHost,
    // The gateway's agent is keep-alive and sends "keep-alive" without nock; nock (test/setup.ts)
    // swaps every http.request's agent for its own non-keep-alive one, so Node writes "close" here.
    'Connection', 'close',
  ]);
  // Credentials travel only as Authorization and ?account_id=: no account-id header, no cookies.
  expect(headers).not.toHaveProperty('x-zoho-account-id');
  expect(headers.cookie).toBeUndefined();
  for (const [name, value] of Object.entries(headers)) {
    if (name !== 'authorization') expect(String(value)).not.toMatch(/1000\.41d9|23137556/);
  }
}

const pmUrl = (id: string) => `/api/v1/paymentmethods/${id}?account_id=${ACCOUNT_ID}`;

describe('the gateway sends Zoho exactly the requests the seeds document', () => {
  test('createPaymentMethodSession: POST /paymentmethodsessions with the seeds\' body, bytes exact', async () => {
    const data = await graphql(`mutation {
      createPaymentMethodSession(input: {
        customerId: "1987000000724207", description: "Payment method session for customer 1987000000724207"
      }) {
        paymentMethodSession { id status description createdAt customer { id } }
        userErrors { field code message }
      } }`);
    expect(wire).toHaveLength(1);
    expectRequest(wire[0], 'POST', `/api/v1/paymentmethodsessions?account_id=${ACCOUNT_ID}`, seed('create-session.request'));
    expect(data['createPaymentMethodSession']).toEqual({
      paymentMethodSession: {
        id: '1987000000724209',
        status: 'CREATED',
        description: 'Payment method session for customer 1987000000724207',
        createdAt: CREATED_ISO,
        customer: { id: '1987000000724207' },
      },
      userErrors: [],
    });
  });

  test('paymentMethodSession: GET /paymentmethodsessions/{id}, then the partial method\'s GET, no bodies', async () => {
    const data = await graphql(`query($id: ID!) { paymentMethodSession(id: $id) {
      id status customer { id }
      paymentMethod { id type status createdAt currency details { ... on CardDetails { last4 expiryMonth expiryYear } } }
    } }`, { id: '731000001449003' });
    expect(wire).toHaveLength(2);
    expectRequest(wire[0], 'GET', `/api/v1/paymentmethodsessions/731000001449003?account_id=${ACCOUNT_ID}`);
    expectRequest(wire[1], 'GET', pmUrl('1987000000724215'));
    expect(data['paymentMethodSession']).toMatchObject({
      id: '1987000000724209',
      status: 'SUCCEEDED',
      customer: { id: '1987000000724207' },
      paymentMethod: { id: '1987000000724215', type: 'CARD', status: 'ACTIVE', createdAt: CREATED_ISO, currency: 'USD' },
    });
    expect(data['paymentMethodSession'].paymentMethod.details).toEqual({ last4: '3212', expiryMonth: 1, expiryYear: 2026 });
  });

  test('paymentMethod: GET /paymentmethods/{id}, no body', async () => {
    const data = await graphql(`query($id: ID!) { paymentMethod(id: $id) {
      id type status currency createdAt updatedAt customer { id name email }
      details { ... on CardDetails { cardholderName last4 expiryMonth expiryYear checks { cvc postalCode addressLine } } }
    } }`, { id: PM_ID });
    expect(wire).toHaveLength(1);
    expectRequest(wire[0], 'GET', pmUrl(PM_ID));
    expect(data['paymentMethod']).toEqual({
      id: '1987000000724211',
      type: 'CARD',
      status: 'ACTIVE',
      currency: 'USD',
      createdAt: CREATED_ISO,
      updatedAt: CREATED_ISO,
      customer: { id: '1987000000724207', name: 'Charles', email: 'charles@example.com' },
      details: {
        cardholderName: 'Charles',
        last4: '3212',
        expiryMonth: 1,
        expiryYear: 2026,
        checks: { cvc: 'PASS', postalCode: 'PASS', addressLine: 'PASS' },
      },
    });
  });

  test('updatePaymentMethod: GET to learn the type, then PUT with the seeds\' body, bytes exact', async () => {
    const data = await graphql(`mutation($input: UpdatePaymentMethodInput!) { updatePaymentMethod(input: $input) {
      paymentMethod { id type details { ... on CardDetails { expiryMonth expiryYear } }
        billingAddress { name addressLine1 addressLine2 city state country postalCode } }
      userErrors { field code message }
    } }`, {
      input: {
        id: PM_ID,
        card: { expiryMonth: 1, expiryYear: 2026 },
        billingAddress: {
          name: 'Charles', addressLine1: '123 Main St', addressLine2: 'Apt 4B',
          city: 'Detroit', state: 'Michigan', country: 'US', postalCode: '12345',
        },
      },
    });
    expect(wire).toHaveLength(2);
    expectRequest(wire[0], 'GET', pmUrl(PM_ID));
    expectRequest(wire[1], 'PUT', pmUrl(PM_ID), seed('update-payment-method.request'));
    expect(data['updatePaymentMethod']).toEqual({
      paymentMethod: {
        id: '1987000000724211',
        type: 'CARD',
        details: { expiryMonth: 1, expiryYear: 2026 },
        billingAddress: {
          name: 'Charles', addressLine1: '123 Main St', addressLine2: 'Apt 4B',
          city: 'Detroit', state: 'Michigan', country: 'US', postalCode: '12345',
        },
      },
      userErrors: [],
    });
  });

  test('deletePaymentMethod: DELETE /paymentmethods/{id}, no body', async () => {
    const data = await graphql(`mutation { deletePaymentMethod(input: { id: "${PM_ID}" }) {
      deletedPaymentMethodId userErrors { field code message } } }`);
    expect(wire).toHaveLength(1);
    expectRequest(wire[0], 'DELETE', pmUrl(PM_ID));
    expect(data['deletePaymentMethod']).toEqual({ deletedPaymentMethodId: PM_ID, userErrors: [] });
  });

  test('a 19-digit id above 2^53 reaches the path unchanged', async () => {
    const id = '9223372036854775807';
    expect(BigInt(id) > BigInt(Number.MAX_SAFE_INTEGER)).toBe(true);
    await graphql('query($id: ID!) { paymentMethod(id: $id) { type } }', { id });
    expect(wire).toHaveLength(1);
    expectRequest(wire[0], 'GET', pmUrl(id));
  });
});
