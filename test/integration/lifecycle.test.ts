/**
 * The whole life of a payment method over real HTTP between real processes: the sandbox as its
 * own process (`npm run sandbox`), and the gateway as its own process (`npm start` with
 * ZOHO_API_URL pointing at that sandbox). Nothing is mocked: every GraphQL operation goes
 * client -> gateway -> sandbox over loopback sockets, and the only step that bypasses GraphQL is the
 * customer's own (completing a session in "Zoho's widget", here the sandbox's control API).
 *
 * It proves that:
 * - a card and an ACH account each go session -> completed -> read -> updated -> deleted, with the
 *   contract's mapping (16/19-digit ids as exact strings, four-digit expiry years, enums, the
 *   `PaymentMethodDetails` union, updatedAt moving on update, DELETED still readable, NOT_FOUND
 *   after deletion);
 * - the sandbox's test cards and bank accounts reach GraphQL as the outcomes they document;
 * - `paymentMethods(ids)` keeps order, gives null where missing and calls Zoho once per distinct id;
 * - every error code of the contract is reached through the real stack (credentials, scopes,
 *   account, unknown and malformed ids, type mismatch, and injected outages: 5xx, 429 with
 *   Retry-After, malformed JSON, dropped connections and a time-out);
 * - no response ever carries a full card or account number, or a token.
 *
 * The sandbox is reset (fixtures reloaded, faults and journal cleared) before each test; one
 * sandbox and two gateways (the second with ZOHO_TIMEOUT_MS=300) serve the whole file.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import nock from 'nock';
import { httpRequest, jsonOf, postGraphQL, type HttpReply } from '../http-client';
import {
  LOOPBACK,
  startGatewayProcess,
  startSandboxProcess,
  stopAllProcesses,
  type GatewayProcess,
  type SandboxProcess,
} from '../support/processes';

jest.setTimeout(30_000);

// --- the sandbox's test data (sandbox/README.md) ------------------------------------------------

const ACCOUNT_ID = '1000000001';
const FULL = { Authorization: 'Zoho-oauthtoken sandbox_full', 'X-Zoho-Account-Id': ACCOUNT_ID };
const READ_ONLY = { Authorization: 'Zoho-oauthtoken sandbox_read', 'X-Zoho-Account-Id': ACCOUNT_ID };
const CHARLES = { id: '1987000000724207', name: 'Charles', email: 'charles@example.com' };
const ADA = { id: '1987000000724300', name: 'Ada', email: 'ada@example.com' };
const FIXTURE_CARD = '1987000000724211';
const FIXTURE_ACH = '1987000000724212';
const FIXTURE_SESSION = '1987000000724209';
/** Ids of the right form that the sandbox does not hold. */
const MISSING_PAYMENT_METHOD = '1987000000999999999';
const MISSING_SESSION = '1987000000999999';

const CARD_NUMBERS = [
  '4242424242424242',
  '5555555555554444',
  '4000000000000101',
  '4000000000000036',
  '4000000000000028',
  '4000000000000069',
  '4000000000009979',
  '4000000000000002',
];
const ACCOUNT_NUMBERS = ['000123456789', '000222222227', '000111111113', '000111111116'];
/** What no gateway reply or log line may ever contain. */
const SECRETS = [...CARD_NUMBERS, ...ACCOUNT_NUMBERS, 'sandbox_full', 'sandbox_read', 'nope'];

const THIS_YEAR = new Date().getUTCFullYear();
/** A card expiry four years ahead, as the customer types it ("YY") and as the schema reads it. */
const EXPIRY = { yy: String((THIS_YEAR + 4) % 100).padStart(2, '0'), year: THIS_YEAR + 4 };
const ISO_DATE = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d{3})?Z$/;

// --- the processes --------------------------------------------------------------------------

let sandbox: SandboxProcess;
let gateway: GatewayProcess;
/** A second gateway on the same sandbox whose upstream time limit is 300 ms. */
let impatientGateway: GatewayProcess;
/** Every reply any gateway sent in this file, for the final secrets check. */
const replies: string[] = [];

beforeAll(async () => {
  nock.enableNetConnect(LOOPBACK);
  try {
    sandbox = await startSandboxProcess();
    [gateway, impatientGateway] = await Promise.all([
      startGatewayProcess({ ZOHO_API_URL: sandbox.apiUrl }),
      startGatewayProcess({ ZOHO_API_URL: sandbox.apiUrl, ZOHO_TIMEOUT_MS: '300' }),
    ]);
  } catch (error) {
    await stopAllProcesses();
    throw error;
  }
}, 60_000);

afterAll(async () => {
  await stopAllProcesses();
});

beforeEach(async () => {
  await control('POST', '/__sandbox/reset', {});
});

// --- helpers --------------------------------------------------------------------------------

interface GraphQLErrorJson {
  message: string;
  path?: Array<string | number>;
  extensions?: Record<string, unknown>;
}

interface GraphQLResult<D> {
  status: number;
  text: string;
  data: D | null | undefined;
  errors: GraphQLErrorJson[] | undefined;
}

/** One GraphQL operation to a gateway process; checks the reply for secrets on the way. */
async function gql<D = Record<string, unknown>>(
  query: string,
  variables: Record<string, unknown> = {},
  headers: Record<string, string> = FULL,
  url: string = gateway.url,
): Promise<GraphQLResult<D>> {
  const reply = await postGraphQL(url, { query, variables }, headers);
  replies.push(reply.text);
  expectNoSecrets(reply.text);
  const body = jsonOf<{ data?: D | null; errors?: GraphQLErrorJson[] }>(reply);
  return { status: reply.status, text: reply.text, data: body.data, errors: body.errors };
}

function expectNoSecrets(text: string): void {
  for (const secret of SECRETS) expect(text).not.toContain(secret);
}

/** A call to the sandbox's control API; fails the test unless it answers 200. */
async function control<T = Record<string, unknown>>(method: 'GET' | 'POST', path: string, body?: unknown): Promise<T> {
  const reply: HttpReply = await httpRequest(`${sandbox.origin}${path}`, {
    method,
    headers: { 'content-type': 'application/json' },
    ...(body !== undefined && { body: JSON.stringify(body) }),
  });
  if (reply.status !== 200) throw new Error(`${method} ${path} answered ${reply.status}: ${reply.text}`);
  return jsonOf<T>(reply);
}

interface JournalEntry {
  endpoint: string;
  method: string;
  path: string;
  account_id: string | null;
  status: number | 'dropped';
  fault: string | null;
}

/** The sandbox's journal: every call the gateways made to the emulated Zoho endpoints. */
async function upstreamCalls(): Promise<JournalEntry[]> {
  return (await control<{ requests: JournalEntry[] }>('GET', '/__sandbox/requests')).requests;
}

async function injectFault(fault: Record<string, unknown>): Promise<void> {
  await control('POST', '/__sandbox/faults', fault);
}

interface SandboxSession {
  payment_method_session_id: string;
  status: string;
  payment_method?: { payment_method_id: string; type: string; status: string };
}

/** The customer's side: completes a session with a card or bank account (sandbox/README.md). */
async function completeSession(sessionId: string, instrument: Record<string, unknown>): Promise<SandboxSession> {
  const reply = await control<{ payment_method_session: SandboxSession }>(
    'POST',
    `/__sandbox/paymentmethodsessions/${sessionId}/complete?account_id=${ACCOUNT_ID}`,
    instrument,
  );
  return reply.payment_method_session;
}

const cardInstrument = (number: string) => ({
  card: { number, expiry_month: '12', expiry_year: EXPIRY.yy, cvc: '123', card_holder_name: 'Charles' },
  billing_address: { address_line1: '123 Main St', city: 'Detroit', country: 'US', postal_code: '12345' },
  currency: 'USD',
});

const bankInstrument = (accountNumber: string) => ({
  ach_debit: {
    routing_number: '110000000',
    account_number: accountNumber,
    account_holder_name: 'Ada Lovelace',
    account_holder_type: 'individual',
    account_type: 'savings',
  },
});

/** Waits into the next wall-clock second: the sandbox's timestamps are whole seconds. */
async function nextSecond(): Promise<void> {
  await sleep(1000 - (Date.now() % 1000) + 20);
}

// --- operations -----------------------------------------------------------------------------

const PAYMENT_METHOD_FIELDS = `
  id type status currency createdAt updatedAt
  customer { id name email }
  details {
    __typename
    ... on CardDetails { cardholderName last4 expiryMonth expiryYear checks { cvc postalCode addressLine } }
    ... on AchDebitDetails { accountHolderName accountHolderType bankName accountType routingNumber last4 }
  }
  billingAddress { name addressLine1 addressLine2 city state country postalCode }
`;

const CREATE_SESSION = `mutation Create($input: CreatePaymentMethodSessionInput!) {
  createPaymentMethodSession(input: $input) {
    paymentMethodSession { id status description createdAt customer { id name email } paymentMethod { id } }
    userErrors { field code message }
  }
}`;
const SESSION = `query Session($id: ID!) {
  paymentMethodSession(id: $id) {
    id status description createdAt customer { id }
    paymentMethod { ${PAYMENT_METHOD_FIELDS} }
  }
}`;
const PAYMENT_METHOD = `query PaymentMethod($id: ID!) { paymentMethod(id: $id) { ${PAYMENT_METHOD_FIELDS} } }`;
const PAYMENT_METHODS = `query PaymentMethods($ids: [ID!]!) {
  paymentMethods(ids: $ids) { id type details { ... on CardDetails { last4 } ... on AchDebitDetails { last4 } } }
}`;
const UPDATE = `mutation Update($input: UpdatePaymentMethodInput!) {
  updatePaymentMethod(input: $input) {
    paymentMethod { ${PAYMENT_METHOD_FIELDS} }
    userErrors { field code message }
  }
}`;
const DELETE = `mutation Delete($input: DeletePaymentMethodInput!) {
  deletePaymentMethod(input: $input) { deletedPaymentMethodId userErrors { field code message } }
}`;

interface UserErrorJson {
  field: string[] | null;
  code: string;
  message: string;
}
interface PaymentMethodJson {
  id: string;
  type: string;
  status: string;
  currency: string | null;
  createdAt: string;
  updatedAt: string | null;
  customer: { id: string; name: string | null; email: string | null };
  details: Record<string, unknown>;
  billingAddress: Record<string, unknown> | null;
}
interface SessionJson {
  id: string;
  status: string;
  description: string | null;
  createdAt: string | null;
  customer: { id: string; name?: string | null; email?: string | null };
  paymentMethod: PaymentMethodJson | null;
}
type CreateData = { createPaymentMethodSession: { paymentMethodSession: SessionJson | null; userErrors: UserErrorJson[] } };
type SessionData = { paymentMethodSession: SessionJson | null };
type PaymentMethodData = { paymentMethod: PaymentMethodJson | null };
type UpdateData = { updatePaymentMethod: { paymentMethod: PaymentMethodJson | null; userErrors: UserErrorJson[] } };
type DeleteData = { deletePaymentMethod: { deletedPaymentMethodId: string | null; userErrors: UserErrorJson[] } };

/** Creates a session through GraphQL and returns it (asserting it succeeded). */
async function createSession(customerId: string, description?: string): Promise<SessionJson> {
  const created = await gql<CreateData>(CREATE_SESSION, { input: { customerId, ...(description !== undefined && { description }) } });
  expect(created.errors).toBeUndefined();
  const payload = created.data?.createPaymentMethodSession;
  expect(payload?.userErrors).toEqual([]);
  expect(payload?.paymentMethodSession).not.toBeNull();
  return payload?.paymentMethodSession as SessionJson;
}

async function readSession(id: string): Promise<SessionJson | null | undefined> {
  const result = await gql<SessionData>(SESSION, { id });
  expect(result.errors).toBeUndefined();
  return result.data?.paymentMethodSession;
}

async function readPaymentMethod(id: string): Promise<GraphQLResult<PaymentMethodData>> {
  const result = await gql<PaymentMethodData>(PAYMENT_METHOD, { id });
  expect(result.errors).toBeUndefined();
  return result;
}

/** The one GraphQL error of a reply, asserting there is exactly one. */
function onlyError(result: GraphQLResult<unknown>): GraphQLErrorJson {
  expect(result.errors).toHaveLength(1);
  return (result.errors as GraphQLErrorJson[])[0] as GraphQLErrorJson;
}

// --- the life of a payment method -----------------------------------------------------------

describe('the life of a payment method', () => {
  test('a card: created session -> completed with 4242 4242 4242 4242 -> read -> updated -> deleted', async () => {
    const startedAt = Math.floor(Date.now() / 1000) * 1000;

    // 1. The merchant opens a session for Charles.
    const description = 'Save a card for Charles (integration test)';
    const session = await createSession(CHARLES.id, description);
    expect(session).toEqual({
      id: expect.stringMatching(/^\d{16}$/),
      status: 'CREATED',
      description,
      createdAt: expect.stringMatching(ISO_DATE),
      customer: { id: CHARLES.id, name: null, email: null },
      paymentMethod: null,
    });
    expect(Date.parse(session.createdAt as string)).toBeGreaterThanOrEqual(startedAt);
    await expect(readSession(session.id)).resolves.toMatchObject({ id: session.id, status: 'CREATED', paymentMethod: null });

    // 2. Charles enters his card in the widget.
    const completed = await completeSession(session.id, cardInstrument('4242 4242 4242 4242'));
    expect(completed.status).toBe('succeeded');
    const pmId = completed.payment_method?.payment_method_id as string;
    expect(pmId).toMatch(/^\d{19}$/);
    expect(Number.isSafeInteger(Number(pmId))).toBe(false); // past 2^53: only a string keeps it

    // 3. The session now holds the card; its partial method is completed from the method endpoint.
    const succeeded = await gql<SessionData>(SESSION, { id: session.id });
    expect(succeeded.errors).toBeUndefined();
    expect(succeeded.text).toContain(`"id":"${pmId}"`);
    const expectedCard = {
      id: pmId,
      type: 'CARD',
      status: 'ACTIVE',
      currency: 'USD',
      createdAt: expect.stringMatching(ISO_DATE),
      updatedAt: expect.stringMatching(ISO_DATE),
      customer: CHARLES,
      details: {
        __typename: 'CardDetails',
        cardholderName: 'Charles',
        last4: '4242',
        expiryMonth: 12,
        expiryYear: EXPIRY.year,
        checks: { cvc: 'PASS', postalCode: 'PASS', addressLine: 'PASS' },
      },
      billingAddress: {
        name: null,
        addressLine1: '123 Main St',
        addressLine2: null,
        city: 'Detroit',
        state: null,
        country: 'US',
        postalCode: '12345',
      },
    };
    expect(succeeded.data?.paymentMethodSession).toEqual({
      id: session.id,
      status: 'SUCCEEDED',
      description,
      createdAt: session.createdAt,
      customer: { id: CHARLES.id },
      paymentMethod: expectedCard,
    });

    // 4. The method itself, read in full: the 19-digit id comes back exactly, as a JSON string.
    const read = await readPaymentMethod(pmId);
    expect(read.text).toContain(`"id":"${pmId}"`);
    const card = read.data?.paymentMethod as PaymentMethodJson;
    expect(card).toEqual(expectedCard);
    expect(typeof card.id).toBe('string');
    expect(Date.parse(card.createdAt)).toBeGreaterThanOrEqual(startedAt);

    // 5. A new expiry and billing address, at least a second later (Zoho's times are seconds).
    await nextSecond();
    const newAddress = {
      name: 'Charles Babbage',
      addressLine1: '1 Difference Engine Way',
      addressLine2: 'Floor 2',
      city: 'Cupertino',
      state: 'California',
      country: 'US',
      postalCode: '95014',
    };
    const updated = await gql<UpdateData>(UPDATE, {
      input: { id: pmId, card: { expiryMonth: 6, expiryYear: THIS_YEAR + 5 }, billingAddress: newAddress },
    });
    expect(updated.errors).toBeUndefined();
    expect(updated.data?.updatePaymentMethod.userErrors).toEqual([]);
    expect(updated.data?.updatePaymentMethod.paymentMethod).toMatchObject({
      id: pmId,
      details: { expiryMonth: 6, expiryYear: THIS_YEAR + 5 },
      billingAddress: newAddress,
    });

    // 6. A fresh read shows both changes, and updatedAt has moved past createdAt.
    const reread = (await readPaymentMethod(pmId)).data?.paymentMethod as PaymentMethodJson;
    expect(reread).toEqual({
      ...expectedCard,
      createdAt: card.createdAt,
      updatedAt: expect.stringMatching(ISO_DATE),
      details: { ...expectedCard.details, expiryMonth: 6, expiryYear: THIS_YEAR + 5 },
      billingAddress: newAddress,
    });
    expect(Date.parse(reread.updatedAt as string)).toBeGreaterThan(Date.parse(card.createdAt));

    // 7. Deleted: it still reads, as DELETED; it cannot be deleted or changed again.
    const deleted = await gql<DeleteData>(DELETE, { input: { id: pmId } });
    expect(deleted.errors).toBeUndefined();
    expect(deleted.data?.deletePaymentMethod).toEqual({ deletedPaymentMethodId: pmId, userErrors: [] });

    const afterDelete = (await readPaymentMethod(pmId)).data?.paymentMethod;
    expect(afterDelete).toMatchObject({ id: pmId, type: 'CARD', status: 'DELETED', details: { last4: '4242' } });

    const deletedAgain = await gql<DeleteData>(DELETE, { input: { id: pmId } });
    expect(deletedAgain.errors).toBeUndefined();
    expect(deletedAgain.data?.deletePaymentMethod).toEqual({
      deletedPaymentMethodId: null,
      userErrors: [{ field: ['input', 'id'], code: 'NOT_FOUND', message: expect.any(String) }],
    });

    const updatedAfterDelete = await gql<UpdateData>(UPDATE, {
      input: { id: pmId, card: { expiryMonth: 7, expiryYear: THIS_YEAR + 5 } },
    });
    expect(updatedAfterDelete.errors).toBeUndefined();
    expect(updatedAfterDelete.data?.updatePaymentMethod).toEqual({
      paymentMethod: null,
      userErrors: [{ field: ['input', 'id'], code: 'NOT_FOUND', message: expect.any(String) }],
    });
  });

  test('an ACH account: created session -> completed with 000123456789 -> read -> updated -> deleted', async () => {
    const description = 'Save a bank account for Ada (integration test)';
    const session = await createSession(ADA.id, description);
    expect(session).toMatchObject({ id: expect.stringMatching(/^\d{16}$/), status: 'CREATED', description, customer: { id: ADA.id } });

    const completed = await completeSession(session.id, bankInstrument('000123456789'));
    expect(completed.status).toBe('succeeded');
    const pmId = completed.payment_method?.payment_method_id as string;
    expect(pmId).toMatch(/^\d{19}$/);

    const expectedAch = {
      id: pmId,
      type: 'ACH_DEBIT',
      status: 'ACTIVE',
      currency: 'USD',
      createdAt: expect.stringMatching(ISO_DATE),
      updatedAt: expect.stringMatching(ISO_DATE),
      customer: ADA,
      details: {
        __typename: 'AchDebitDetails',
        accountHolderName: 'Ada Lovelace',
        accountHolderType: 'INDIVIDUAL',
        bankName: 'Sandbox Test Bank',
        accountType: 'savings',
        routingNumber: '110000000',
        last4: '6789',
      },
      billingAddress: null,
    };
    const succeeded = await readSession(session.id);
    expect(succeeded).toEqual({
      id: session.id,
      status: 'SUCCEEDED',
      description,
      createdAt: session.createdAt,
      customer: { id: ADA.id },
      paymentMethod: expectedAch,
    });

    const read = await readPaymentMethod(pmId);
    expect(read.text).toContain(`"id":"${pmId}"`);
    const ach = read.data?.paymentMethod as PaymentMethodJson;
    expect(ach).toEqual(expectedAch);

    await nextSecond();
    const address = { name: 'Ada Lovelace Ltd', addressLine1: '12 St James Square', city: 'London', country: 'GB', postalCode: 'SW1Y 4JH' };
    const updated = await gql<UpdateData>(UPDATE, {
      input: { id: pmId, achDebit: { accountHolderType: 'COMPANY' }, billingAddress: address },
    });
    expect(updated.errors).toBeUndefined();
    expect(updated.data?.updatePaymentMethod.userErrors).toEqual([]);
    expect(updated.data?.updatePaymentMethod.paymentMethod).toMatchObject({ id: pmId, details: { accountHolderType: 'COMPANY' } });

    const reread = (await readPaymentMethod(pmId)).data?.paymentMethod as PaymentMethodJson;
    expect(reread).toEqual({
      ...expectedAch,
      createdAt: ach.createdAt,
      details: { ...expectedAch.details, accountHolderType: 'COMPANY' },
      billingAddress: { ...address, addressLine2: null, state: null },
    });
    expect(Date.parse(reread.updatedAt as string)).toBeGreaterThan(Date.parse(ach.createdAt));

    const deleted = await gql<DeleteData>(DELETE, { input: { id: pmId } });
    expect(deleted.data?.deletePaymentMethod).toEqual({ deletedPaymentMethodId: pmId, userErrors: [] });

    const afterDelete = (await readPaymentMethod(pmId)).data?.paymentMethod;
    expect(afterDelete).toMatchObject({ id: pmId, type: 'ACH_DEBIT', status: 'DELETED', details: { last4: '6789' } });

    const deletedAgain = await gql<DeleteData>(DELETE, { input: { id: pmId } });
    expect(deletedAgain.errors).toBeUndefined();
    expect(deletedAgain.data?.deletePaymentMethod).toEqual({
      deletedPaymentMethodId: null,
      userErrors: [{ field: ['input', 'id'], code: 'NOT_FOUND', message: expect.any(String) }],
    });
  });
});

// --- the sandbox's test instruments, seen through GraphQL -----------------------------------

describe('test cards and bank accounts reach GraphQL as the sandbox documents them', () => {
  const PASS = { cvc: 'PASS', postalCode: 'PASS', addressLine: 'PASS' };
  test.each([
    { instrument: '4000000000000101 (CVC fails)', body: cardInstrument('4000000000000101'), status: 'ACTIVE', checks: { ...PASS, cvc: 'FAIL' } },
    { instrument: '4000000000000036 (postal code fails)', body: cardInstrument('4000000000000036'), status: 'ACTIVE', checks: { ...PASS, postalCode: 'FAIL' } },
    { instrument: '4000000000000028 (address fails)', body: cardInstrument('4000000000000028'), status: 'ACTIVE', checks: { ...PASS, addressLine: 'FAIL' } },
    { instrument: '4000000000000069 (expired)', body: cardInstrument('4000000000000069'), status: 'EXPIRED', checks: PASS },
    { instrument: '4000000000009979 (blocked)', body: cardInstrument('4000000000009979'), status: 'BLOCKED', checks: PASS },
    {
      instrument: '5555555555554444 without CVC or address (unchecked / unavailable)',
      body: { card: { number: '5555555555554444' } },
      status: 'ACTIVE',
      checks: { cvc: 'UNCHECKED', postalCode: 'UNAVAILABLE', addressLine: 'UNAVAILABLE' },
    },
    { instrument: 'bank account 000222222227 (awaiting verification)', body: bankInstrument('000222222227'), status: 'PROCESSING' },
    { instrument: 'bank account 000111111113 (closed)', body: bankInstrument('000111111113'), status: 'BLOCKED' },
  ])('$instrument -> method $status', async ({ body, status, checks }) => {
    const session = await createSession(CHARLES.id);
    await completeSession(session.id, body);
    const read = await readSession(session.id);
    expect(read?.status).toBe('SUCCEEDED');
    expect(read?.paymentMethod?.status).toBe(status);
    if (checks) expect(read?.paymentMethod?.details).toMatchObject({ __typename: 'CardDetails', checks });
    else expect(read?.paymentMethod?.details).toMatchObject({ __typename: 'AchDebitDetails', last4: expect.stringMatching(/^\d{4}$/) });
    // The method endpoint agrees with the session's partial method.
    const method = (await readPaymentMethod(read?.paymentMethod?.id as string)).data?.paymentMethod;
    expect(method?.status).toBe(status);
  });

  test.each([
    { instrument: 'card 4000000000000002', body: cardInstrument('4000000000000002') },
    { instrument: 'bank account 000111111116', body: bankInstrument('000111111116') },
  ])('a declined $instrument -> session FAILED, no payment method', async ({ body }) => {
    const session = await createSession(CHARLES.id);
    const completed = await completeSession(session.id, body);
    expect(completed.status).toBe('failed');
    await expect(readSession(session.id)).resolves.toMatchObject({ id: session.id, status: 'FAILED', paymentMethod: null });
  });

  test('a session expired through the control API -> EXPIRED, no payment method', async () => {
    const session = await createSession(ADA.id, 'never completed');
    await control('POST', `/__sandbox/paymentmethodsessions/${session.id}/expire?account_id=${ACCOUNT_ID}`);
    await expect(readSession(session.id)).resolves.toEqual({
      id: session.id,
      status: 'EXPIRED',
      description: 'never completed',
      createdAt: session.createdAt,
      customer: { id: ADA.id },
      paymentMethod: null,
    });
  });
});

// --- batching -------------------------------------------------------------------------------

describe('reads by many ids', () => {
  test('paymentMethods(ids) keeps order, gives null where missing, and calls Zoho once per distinct id', async () => {
    const ids = [FIXTURE_CARD, MISSING_PAYMENT_METHOD, FIXTURE_ACH, FIXTURE_CARD, MISSING_PAYMENT_METHOD];
    const result = await gql<{ paymentMethods: Array<Record<string, unknown> | null> }>(PAYMENT_METHODS, { ids });
    expect(result.errors).toBeUndefined();
    const card = { id: FIXTURE_CARD, type: 'CARD', details: { last4: '3212' } };
    const ach = { id: FIXTURE_ACH, type: 'ACH_DEBIT', details: { last4: '6789' } };
    expect(result.data?.paymentMethods).toEqual([card, null, ach, card, null]);

    const calls = await upstreamCalls();
    expect(calls.map(({ endpoint, method, path, account_id, status }) => ({ endpoint, method, path, account_id, status })).sort((a, b) => a.path.localeCompare(b.path))).toEqual(
      [
        { endpoint: 'retrievePaymentMethod', method: 'GET', path: `/api/v1/paymentmethods/${FIXTURE_CARD}`, account_id: ACCOUNT_ID, status: 200 },
        { endpoint: 'retrievePaymentMethod', method: 'GET', path: `/api/v1/paymentmethods/${FIXTURE_ACH}`, account_id: ACCOUNT_ID, status: 200 },
        { endpoint: 'retrievePaymentMethod', method: 'GET', path: `/api/v1/paymentmethods/${MISSING_PAYMENT_METHOD}`, account_id: ACCOUNT_ID, status: 404 },
      ].sort((a, b) => a.path.localeCompare(b.path)),
    );
  });

  test("a session's payment method and the same method by id cost one upstream call each", async () => {
    const result = await gql<{ paymentMethodSession: SessionJson; paymentMethod: PaymentMethodJson }>(
      `query Both($session: ID!, $method: ID!) {
        paymentMethodSession(id: $session) { id status paymentMethod { id status details { ... on CardDetails { last4 } } } }
        paymentMethod(id: $method) { id customer { name } }
      }`,
      { session: FIXTURE_SESSION, method: FIXTURE_CARD },
    );
    expect(result.errors).toBeUndefined();
    expect(result.data?.paymentMethodSession).toEqual({
      id: FIXTURE_SESSION,
      status: 'SUCCEEDED',
      paymentMethod: { id: FIXTURE_CARD, status: 'ACTIVE', details: { last4: '3212' } },
    });
    expect(result.data?.paymentMethod).toEqual({ id: FIXTURE_CARD, customer: { name: 'Charles' } });
    const calls = await upstreamCalls();
    expect(calls.map((call) => call.endpoint).sort()).toEqual(['retrievePaymentMethod', 'retrievePaymentMethodSession']);
  });
});

// --- the contract's error codes through the real stack --------------------------------------

describe("the contract's errors, through the real stack", () => {
  test('a token Zoho rejects -> UNAUTHENTICATED with upstreamStatus 401 and upstreamCode', async () => {
    const bad = { Authorization: 'Zoho-oauthtoken nope', 'X-Zoho-Account-Id': ACCOUNT_ID };
    const query = await gql(PAYMENT_METHOD, { id: FIXTURE_CARD }, bad);
    expect(query.status).toBe(200);
    expect(query.data).toEqual({ paymentMethod: null });
    expect(onlyError(query)).toMatchObject({
      path: ['paymentMethod'],
      extensions: { code: 'UNAUTHENTICATED', upstreamStatus: 401, upstreamCode: 'invalid_oauth_token' },
    });

    // A mutation reports it as a GraphQL error too: it is not the input's fault.
    const mutation = await gql(CREATE_SESSION, { input: { customerId: CHARLES.id } }, bad);
    expect(onlyError(mutation).extensions).toMatchObject({ code: 'UNAUTHENTICATED', upstreamStatus: 401, upstreamCode: 'invalid_oauth_token' });
    expect(mutation.data).toBeNull();

    expect((await upstreamCalls()).map((call) => call.status)).toEqual([401, 401]);
  });

  test('no Authorization header -> UNAUTHENTICATED, and no upstream call', async () => {
    // The gateway itself refuses: no upstreamStatus, since Zoho was never asked.
    const refusedLocally = (result: GraphQLResult<unknown>) => {
      const { extensions } = onlyError(result);
      expect(extensions).toMatchObject({ code: 'UNAUTHENTICATED' });
      expect(extensions).not.toHaveProperty('upstreamStatus');
    };
    refusedLocally(await gql(PAYMENT_METHOD, { id: FIXTURE_CARD }, { 'X-Zoho-Account-Id': ACCOUNT_ID }));
    refusedLocally(await gql(DELETE, { input: { id: FIXTURE_CARD } }, { 'X-Zoho-Account-Id': ACCOUNT_ID }));
    refusedLocally(await gql(PAYMENT_METHOD, { id: FIXTURE_CARD }, { Authorization: 'Bearer sometoken', 'X-Zoho-Account-Id': ACCOUNT_ID }));
    expect(await upstreamCalls()).toEqual([]);
  });

  test('no X-Zoho-Account-Id header -> BAD_USER_INPUT, and no upstream call', async () => {
    const query = await gql(PAYMENT_METHOD, { id: FIXTURE_CARD }, { Authorization: FULL.Authorization });
    expect(onlyError(query).extensions).toMatchObject({ code: 'BAD_USER_INPUT' });
    expect(await upstreamCalls()).toEqual([]);
  });

  test('a READ-only token on createPaymentMethodSession / updatePaymentMethod / deletePaymentMethod -> FORBIDDEN', async () => {
    const forbidden = { code: 'FORBIDDEN', upstreamStatus: 403, upstreamCode: 'oauth_scope_mismatch' };
    const create = await gql(CREATE_SESSION, { input: { customerId: CHARLES.id } }, READ_ONLY);
    expect(onlyError(create).extensions).toMatchObject(forbidden);
    const remove = await gql(DELETE, { input: { id: FIXTURE_CARD } }, READ_ONLY);
    expect(onlyError(remove).extensions).toMatchObject(forbidden);
    const update = await gql(UPDATE, { input: { id: FIXTURE_CARD, card: { expiryMonth: 3, expiryYear: THIS_YEAR + 3 } } }, READ_ONLY);
    expect(onlyError(update).extensions).toMatchObject(forbidden);

    // The same token reads, and nothing was deleted or changed.
    const read = await gql<PaymentMethodData>(PAYMENT_METHOD, { id: FIXTURE_CARD }, READ_ONLY);
    expect(read.errors).toBeUndefined();
    expect(read.data?.paymentMethod).toMatchObject({ status: 'ACTIVE', details: { expiryMonth: 1, expiryYear: 2030 } });
  });

  test('an account the token does not hold -> BAD_USER_INPUT (upstream 400 invalid_account_id)', async () => {
    const result = await gql(PAYMENT_METHOD, { id: FIXTURE_CARD }, { ...FULL, 'X-Zoho-Account-Id': '1000000002' });
    expect(result.data).toEqual({ paymentMethod: null });
    expect(onlyError(result).extensions).toMatchObject({ code: 'BAD_USER_INPUT', upstreamStatus: 400, upstreamCode: 'invalid_account_id' });
    expect((await upstreamCalls()).map((call) => [call.account_id, call.status])).toEqual([['1000000002', 400]]);
  });

  test('an unknown id -> null for the queries, NOT_FOUND userErrors for update and delete', async () => {
    const method = await gql(PAYMENT_METHOD, { id: MISSING_PAYMENT_METHOD });
    expect(method.errors).toBeUndefined();
    expect(method.data).toEqual({ paymentMethod: null });
    const session = await gql(SESSION, { id: MISSING_SESSION });
    expect(session.errors).toBeUndefined();
    expect(session.data).toEqual({ paymentMethodSession: null });

    const notFound = [{ field: ['input', 'id'], code: 'NOT_FOUND', message: expect.any(String) }];
    const update = await gql<UpdateData>(UPDATE, {
      input: { id: MISSING_PAYMENT_METHOD, card: { expiryMonth: 3, expiryYear: THIS_YEAR + 3 } },
    });
    expect(update.errors).toBeUndefined();
    expect(update.data?.updatePaymentMethod).toEqual({ paymentMethod: null, userErrors: notFound });
    const remove = await gql<DeleteData>(DELETE, { input: { id: MISSING_PAYMENT_METHOD } });
    expect(remove.errors).toBeUndefined();
    expect(remove.data?.deletePaymentMethod).toEqual({ deletedPaymentMethodId: null, userErrors: notFound });
  });

  test("a card update on an ACH method (and the reverse) -> TYPE_MISMATCH, and no PUT upstream", async () => {
    const cardOnAch = await gql<UpdateData>(UPDATE, {
      input: { id: FIXTURE_ACH, card: { expiryMonth: 3, expiryYear: THIS_YEAR + 3 } },
    });
    expect(cardOnAch.errors).toBeUndefined();
    expect(cardOnAch.data?.updatePaymentMethod).toEqual({
      paymentMethod: null,
      userErrors: [{ field: ['input', 'card'], code: 'TYPE_MISMATCH', message: expect.any(String) }],
    });
    const achOnCard = await gql<UpdateData>(UPDATE, {
      input: { id: FIXTURE_CARD, achDebit: { accountHolderType: 'COMPANY' } },
    });
    expect(achOnCard.data?.updatePaymentMethod).toEqual({
      paymentMethod: null,
      userErrors: [{ field: ['input', 'achDebit'], code: 'TYPE_MISMATCH', message: expect.any(String) }],
    });
    expect((await upstreamCalls()).map((call) => call.method)).toEqual(['GET', 'GET']);
  });

  test('a malformed id -> BAD_USER_INPUT (queries) or an INVALID userError (mutations), with no upstream call', async () => {
    for (const id of ['42abc', '12345678901234567890', '-1', '']) {
      const result = await gql(PAYMENT_METHOD, { id });
      expect(result.data).toEqual({ paymentMethod: null });
      expect(onlyError(result).extensions).toMatchObject({ code: 'BAD_USER_INPUT' });
    }
    // A malformed id of a list is null with its own error at its index (the good ids beside it
    // are answered, and read from Zoho: api-additions.test.ts).
    const many = await gql(PAYMENT_METHODS, { ids: ['x1'] });
    expect(many.data).toEqual({ paymentMethods: [null] });
    expect(onlyError(many)).toMatchObject({ path: ['paymentMethods', 0], extensions: { code: 'BAD_USER_INPUT' } });
    const session = await gql(SESSION, { id: '1987 0000' });
    expect(onlyError(session).extensions).toMatchObject({ code: 'BAD_USER_INPUT' });

    const remove = await gql<DeleteData>(DELETE, { input: { id: '19870000007242x1' } });
    expect(remove.errors).toBeUndefined();
    expect(remove.data?.deletePaymentMethod).toEqual({
      deletedPaymentMethodId: null,
      userErrors: [{ field: ['input', 'id'], code: 'INVALID', message: expect.any(String) }],
    });
    expect(await upstreamCalls()).toEqual([]);
  });

  describe('Zoho in trouble (sandbox faults)', () => {
    // A read is tried 3 times (ZOHO_RETRIES=2) on a 5xx or a dropped connection, never on a bad
    // reply, and not on a 429 whose Retry-After (7 s) is longer than the gateway waits out itself.
    test.each([
      { name: '503', attempts: 3, fault: { type: 'status', status: 503 }, extensions: { code: 'UPSTREAM_ERROR', upstreamStatus: 503, upstreamCode: 'error' } },
      { name: '502 with an HTML page', attempts: 3, fault: { type: 'status', status: 502 }, extensions: { code: 'UPSTREAM_ERROR', upstreamStatus: 502 } },
      {
        name: '429 with Retry-After: 7',
        attempts: 1,
        fault: { type: 'rate_limit', retry_after: 7 },
        extensions: { code: 'RATE_LIMITED', retryAfterSeconds: 7, upstreamStatus: 429, upstreamCode: 'rate_limit_exceeded' },
      },
      { name: 'malformed JSON', attempts: 1, fault: { type: 'malformed_json' }, extensions: { code: 'UPSTREAM_ERROR' } },
      { name: 'a success without its payload', attempts: 1, fault: { type: 'unexpected_shape' }, extensions: { code: 'UPSTREAM_ERROR' } },
      { name: 'a dropped connection', attempts: 3, fault: { type: 'drop' }, extensions: { code: 'UPSTREAM_ERROR' } },
    ])('$name -> $extensions.code after $attempts call(s)', async ({ fault, attempts, extensions }) => {
      await injectFault({ endpoint: 'retrievePaymentMethod', count: attempts, ...fault });
      const result = await gql(PAYMENT_METHOD, { id: FIXTURE_CARD });
      expect(result.status).toBe(200);
      expect(result.data).toEqual({ paymentMethod: null });
      expect(onlyError(result)).toMatchObject({ path: ['paymentMethod'], extensions });

      // The faults were all used, and the next call goes through: the gateway is not left broken.
      expect((await control<{ faults: unknown[] }>('GET', '/__sandbox/faults')).faults).toEqual([]);
      const again = await readPaymentMethod(FIXTURE_CARD);
      expect(again.data?.paymentMethod?.id).toBe(FIXTURE_CARD);
      expect((await upstreamCalls()).map((call) => call.fault)).toEqual([...Array<string>(attempts).fill(fault.type), null]);
    });

    test('a 503 on a mutation is a GraphQL error, not a userError, and nothing is deleted', async () => {
      await injectFault({ endpoint: 'deletePaymentMethod', type: 'status', status: 503 });
      const result = await gql(DELETE, { input: { id: FIXTURE_CARD } });
      expect(result.data).toBeNull();
      expect(onlyError(result).extensions).toMatchObject({ code: 'UPSTREAM_ERROR', upstreamStatus: 503 });
      const read = await readPaymentMethod(FIXTURE_CARD);
      expect(read.data?.paymentMethod?.status).toBe('ACTIVE');
    });

    test('a 429 on createPaymentMethodSession -> RATE_LIMITED with retryAfterSeconds', async () => {
      await injectFault({ endpoint: 'createPaymentMethodSession', type: 'rate_limit', retry_after: 7 });
      const result = await gql(CREATE_SESSION, { input: { customerId: CHARLES.id } });
      expect(onlyError(result).extensions).toMatchObject({ code: 'RATE_LIMITED', retryAfterSeconds: 7, upstreamStatus: 429 });
    });

    test('an answer slower than ZOHO_TIMEOUT_MS=300 -> UPSTREAM_TIMEOUT, well before Zoho answers', async () => {
      await injectFault({ endpoint: 'retrievePaymentMethod', type: 'latency', latency_ms: 1500 });
      const started = Date.now();
      const result = await gql(PAYMENT_METHOD, { id: FIXTURE_CARD }, FULL, impatientGateway.url);
      const elapsed = Date.now() - started;
      expect(result.data).toEqual({ paymentMethod: null });
      expect(onlyError(result)).toMatchObject({ path: ['paymentMethod'], extensions: { code: 'UPSTREAM_TIMEOUT' } });
      expect(elapsed).toBeLessThan(1400);
      // Let the sandbox finish the slow reply before the next test resets it.
      await sleep(Math.max(0, 1600 - elapsed));
    });
  });
});

// --- what must never leak, and a clean shutdown ---------------------------------------------

describe('secrets and shutdown', () => {
  test('no reply and no log line of a gateway ever held a card number, an account number or a token', () => {
    // gql() already checked each reply as it came; this re-reads them all, and the gateways' logs.
    for (const text of replies) expectNoSecrets(text);
    for (const output of [gateway.stdout, gateway.stderr, impatientGateway.stdout, impatientGateway.stderr]) {
      expectNoSecrets(output);
    }
  });

  test('SIGTERM stops a gateway (ZOHO_API_URL set) and the sandbox, each with exit code 0', async () => {
    await expect(impatientGateway.stop('SIGTERM')).resolves.toBe(0);
    await expect(gateway.stop('SIGTERM')).resolves.toBe(0);
    await expect(sandbox.stop('SIGTERM')).resolves.toBe(0);
  });
});
