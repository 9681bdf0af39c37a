/**
 * Every request example of the seeds (test/fixtures/seeds/), replayed as written against the
 * real sandbox over HTTP: the method, path, `account_id=23137556`, ids and OAuth token of their
 * code samples, with the JSON request bodies of test/fixtures/seeds/*.request.json, and the clock
 * frozen at the seeds' own moment (created_time 1708950672, 2024-02-26T12:31:12Z), when the card
 * expiring 01/26 was still good. The arrangement is made through the control API only (a token,
 * a seed, the clock), as a developer would, and in strict mode.
 *
 * Each reply is in the seed's shape: the keys and JSON types of its response fixture, recursively
 * (retrieve-session also carries created_time, which the seeds' example omits but their session
 * attribute lists), and, the clock being the seeds', the seed's very values but for the ids the
 * samples use. The code samples' placeholder body {"field1", "field2"} is answered too.
 */
import { readdirSync } from 'node:fs';
import path from 'node:path';
import { expectZohoError, seedExample, shapeDiff, useSandbox, type Json } from './harness';

/** What the seeds' code samples send (every language shows the same request). */
const SEEDS_ACCOUNT = '23137556';
const SEEDS_TOKEN = '1000.41d9xxxxxxxxxxxxxxxxxxxxxxxxc2d1.8fccxxxxxxxxxxxxxxxxxxxxxxxx125f';
const SEEDS_SESSION_ID = '731000001449003';
const SEEDS_PAYMENT_METHOD_ID = '173000002315115';
const SEEDS_CREATED_TIME = 1708950672;

/** The requests of the seeds' text, by the sandbox's endpoint name: method, path and query, and the body fixture each sends. */
const SEEDS_REQUESTS = {
  createPaymentMethodSession: { method: 'POST', path: `/api/v1/paymentmethodsessions?account_id=${SEEDS_ACCOUNT}`, body: 'create-session.request' },
  retrievePaymentMethodSession: { method: 'GET', path: `/api/v1/paymentmethodsessions/${SEEDS_SESSION_ID}?account_id=${SEEDS_ACCOUNT}` },
  retrievePaymentMethod: { method: 'GET', path: `/api/v1/paymentmethods/${SEEDS_PAYMENT_METHOD_ID}?account_id=${SEEDS_ACCOUNT}` },
  updatePaymentMethod: { method: 'PUT', path: `/api/v1/paymentmethods/${SEEDS_PAYMENT_METHOD_ID}?account_id=${SEEDS_ACCOUNT}`, body: 'update-payment-method.request' },
  deletePaymentMethod: { method: 'DELETE', path: `/api/v1/paymentmethods/${SEEDS_PAYMENT_METHOD_ID}?account_id=${SEEDS_ACCOUNT}` },
} as const satisfies Record<string, { method: string; path: string; body?: string }>;

const h = useSandbox();

/** Replays one of the seeds' requests with the seeds' headers (Authorization, content-type). */
function replay(request: { method: string; path: string; body?: string }) {
  return h.request(request.method, request.path, {
    token: SEEDS_TOKEN,
    ...(request.body !== undefined && { body: seedExample(request.body) }),
  });
}

/** The seed's reply with its payload's id replaced by the one the request asked for. */
function withId(name: string, key: string, idKey: string, id: string): Json {
  const seed = seedExample(name);
  return { ...seed, [key]: { ...seed[key], [idKey]: id } };
}

beforeEach(async () => {
  // The seeds' world, arranged through the control API: their token for their account, their
  // customer, payment method and session under the ids their samples use, and their moment.
  expect((await h.control('POST', 'tokens', { token: SEEDS_TOKEN, account_id: SEEDS_ACCOUNT })).status).toBe(200);
  const method = seedExample('payment-method-attribute');
  const sessionMethod = seedExample('retrieve-session.response').payment_method_session.payment_method as Json;
  const seeded = await h.control('POST', 'seed', {
    account_id: SEEDS_ACCOUNT,
    customers: [{ customer_id: method.customer_id, customer_name: method.customer_name, customer_email: method.customer_email }],
    payment_methods: [
      { ...method, payment_method_id: SEEDS_PAYMENT_METHOD_ID },
      { ...method, payment_method_id: sessionMethod.payment_method_id },
    ],
    payment_method_sessions: [
      { payment_method_session_id: SEEDS_SESSION_ID, customer_id: method.customer_id, status: 'succeeded', payment_method: sessionMethod, created_time: SEEDS_CREATED_TIME },
    ],
  });
  expect(seeded.status).toBe(200);
  expect((await h.control('PUT', 'clock', { now: SEEDS_CREATED_TIME, frozen: true })).status).toBe(200);
  expect((await h.control('GET', 'strict')).json().strict).toBe(true);
  await h.control('DELETE', 'requests');
});

it('the request fixtures replayed here are all of test/fixtures/seeds/*.request.json', () => {
  const fixtures = readdirSync(path.join(__dirname, '..', 'fixtures', 'seeds')).filter((file) => file.endsWith('.request.json'));
  const replayed = Object.values(SEEDS_REQUESTS).flatMap((request) => ('body' in request ? [`${request.body}.json`] : []));

  expect(replayed.sort()).toEqual(fixtures.sort());
});

it("create session: the seeds' request → the seeds' reply, with a new 16-digit id", async () => {
  const reply = await replay(SEEDS_REQUESTS.createPaymentMethodSession);

  expect(reply.status).toBe(200);
  const body = reply.json();
  expect(shapeDiff(body, seedExample('create-session.response'))).toEqual([]);
  const id = body.payment_method_session.payment_method_session_id as string;
  expect(id).toMatch(/^\d{16}$/);
  expect(body).toEqual(withId('create-session.response', 'payment_method_session', 'payment_method_session_id', id));
  // The session it made reads back in the account of the request.
  expect((await h.request('GET', `/api/v1/paymentmethodsessions/${id}?account_id=${SEEDS_ACCOUNT}`, { token: SEEDS_TOKEN })).status).toBe(200);
});

it("retrieve session: the seeds' reply (its session attribute's created_time besides)", async () => {
  const reply = await replay(SEEDS_REQUESTS.retrievePaymentMethodSession);

  expect(reply.status).toBe(200);
  const body = reply.json();
  const seed = withId('retrieve-session.response', 'payment_method_session', 'payment_method_session_id', SEEDS_SESSION_ID);
  expect(shapeDiff(body, seed)).toEqual(['$.payment_method_session.created_time: extra']);
  expect(seedExample('session-attribute')).toHaveProperty('created_time');
  expect(body).toEqual({ ...seed, payment_method_session: { ...seed.payment_method_session, created_time: SEEDS_CREATED_TIME } });
});

it("retrieve payment method: exactly the seeds' reply", async () => {
  const reply = await replay(SEEDS_REQUESTS.retrievePaymentMethod);

  expect(reply.status).toBe(200);
  const body = reply.json();
  expect(shapeDiff(body, seedExample('retrieve-payment-method.response'))).toEqual([]);
  expect(body).toEqual(withId('retrieve-payment-method.response', 'payment_method', 'payment_method_id', SEEDS_PAYMENT_METHOD_ID));
});

it("update payment method: the seeds' request (expiry 01/26) → exactly the seeds' reply, which a GET then reads", async () => {
  const reply = await replay(SEEDS_REQUESTS.updatePaymentMethod);

  expect(reply.status).toBe(200);
  const body = reply.json();
  const seed = withId('update-payment-method.response', 'payment_method', 'payment_method_id', SEEDS_PAYMENT_METHOD_ID);
  expect(shapeDiff(body, seed)).toEqual([]);
  expect(body).toEqual(seed);
  expect((await replay(SEEDS_REQUESTS.retrievePaymentMethod)).json().payment_method).toEqual(seed.payment_method);
});

it("delete payment method: the seeds' reply, byte for byte", async () => {
  const reply = await replay(SEEDS_REQUESTS.deletePaymentMethod);

  expect(reply.status).toBe(200);
  expect(shapeDiff(reply.json(), seedExample('delete-payment-method.response'))).toEqual([]);
  expect(reply.text).toBe(JSON.stringify(seedExample('delete-payment-method.response')));
  expect((await replay(SEEDS_REQUESTS.retrievePaymentMethod)).json().payment_method.status).toBe('deleted');
});

it('all five, in the seeds\' order, reach the endpoints they name (the journal)', async () => {
  for (const request of Object.values(SEEDS_REQUESTS)) expect((await replay(request)).status).toBe(200);

  const journal = (await h.control('GET', 'requests')).json().requests as Json[];
  expect(journal.map((entry) => [entry.endpoint, entry.method, entry.account_id, entry.status, entry.at])).toEqual(
    Object.entries(SEEDS_REQUESTS).map(([name, request]) => [
      name,
      request.method,
      SEEDS_ACCOUNT,
      200,
      new Date(SEEDS_CREATED_TIME * 1000).toISOString(),
    ]),
  );
});

it('the code samples\' placeholder body {"field1":"value1","field2":"value2"} is refused, naming the required argument', async () => {
  const placeholder = '{"field1":"value1","field2":"value2"}';

  expectZohoError(await h.request('POST', SEEDS_REQUESTS.createPaymentMethodSession.path, { token: SEEDS_TOKEN, body: placeholder }), 400, 'required_parameter_missing', 'customer_id');
  expectZohoError(await h.request('PUT', SEEDS_REQUESTS.updatePaymentMethod.path, { token: SEEDS_TOKEN, body: placeholder }), 400, 'required_parameter_missing', 'type');
});

it('without the clock set, the same update is refused: 01/26 is past on the sandbox\'s today', async () => {
  await h.control('DELETE', 'clock');

  expectZohoError(await replay(SEEDS_REQUESTS.updatePaymentMethod), 400, 'invalid_parameter', 'card.expiry_year');
});
