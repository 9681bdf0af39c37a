/**
 * What each arm sends, and how a reply proves the arm measured real work (a fast error would
 * flatter any arm). Every arm reads or writes the sandbox's data as a client would.
 */
import { createHash, randomUUID } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { parse, print, visit } from 'graphql';

export const ACCOUNT_ID = '1000000001';
export const TOKEN = 'sandbox_full';
/** The fixtures' card and completed session (sandbox/fixtures.ts). */
export const CARD_ID = '1987000000724211';
export const SESSION_ID = '1987000000724209';
/** The 20 cards the bench seeds for arm 4's `paymentMethods(ids:)`. */
export const BATCH_IDS = Array.from({ length: 20 }, (_, i) => `19870000008${String(i + 1).padStart(5, '0')}`);

/**
 * The arms' documents: the example operations (examples/operations/) without the selections of
 * types added after issue 15 measured them, so that every revision (a `--baseline` from before a
 * schema addition too) answers the same documents. Issue 17 added `... on
 * UnknownPaymentMethodDetails`, a type older schemas refuse; on a card it selects nothing.
 */
const EXAMPLES = path.join(__dirname, '..', 'examples', 'operations');
const TYPES_SINCE_ISSUE_15 = new Set(['UnknownPaymentMethodDetails']);
const operation = (name: string) =>
  print(
    visit(parse(fs.readFileSync(path.join(EXAMPLES, `${name}.graphql`), 'utf8')), {
      InlineFragment: (fragment) => (fragment.typeCondition && TYPES_SINCE_ISSUE_15.has(fragment.typeCondition.name.value) ? null : undefined),
    }),
  );

export type ArmId =
  | 'rest'
  | 'proxy'
  | 'floor'
  | 'paymentMethod'
  | 'paymentMethod30Callers'
  | 'paymentMethods20'
  | 'sessionWithMethod'
  | 'updatePaymentMethod';

export interface ArmRequest {
  method: 'GET' | 'POST';
  /** Path and query, e.g. `/graphql`. */
  path: string;
  headers: Record<string, string>;
  body?: string;
  /** A new body for each request sent (e.g. a new `idempotencyKey` each time); `body` is one of them. */
  freshBody?: () => string;
}

export interface Arm {
  id: ArmId;
  /** The number of the issue's arm it is (4 has two parts). */
  number: string;
  title: string;
  /** Which server it is sent to. */
  target: 'sandbox' | 'proxy' | 'gateway';
  /** What it sends: one request, or several sent in turn on every connection (one per caller). */
  requests: readonly ArmRequest[];
  /** Throws when a reply is not the arm's real answer. */
  check: (status: number, body: unknown) => void;
  /**
   * The fewest Zoho calls one answer needs (a GET per id, the session and then its payment method,
   * at least the PUT of an update): the bench checks at the sandbox that the calls answered 2xx
   * for the arm's accounts are at least this many per reply counted. Fewer means some replies
   * did not reach Zoho (a limit, an open circuit or a cache answering fast), which is not throughput.
   */
  upstreamCallsPerReply: number;
  /** The Zoho accounts its calls go to (the sandbox counts calls by account). */
  accounts: readonly string[];
}

const REST_PATH = `/api/v1/paymentmethods/${CARD_ID}?account_id=${ACCOUNT_ID}`;
const REST_HEADERS = { authorization: `Zoho-oauthtoken ${TOKEN}`, accept: 'application/json' };
const GRAPHQL_HEADERS = {
  'content-type': 'application/json',
  authorization: `Zoho-oauthtoken ${TOKEN}`,
  'x-zoho-account-id': ACCOUNT_ID,
};

const graphql = (query: string, variables: Record<string, unknown>): ArmRequest => ({
  method: 'POST',
  path: '/graphql',
  headers: GRAPHQL_HEADERS,
  body: JSON.stringify({ query, variables }),
});

function expect(condition: unknown, what: string, body: unknown): asserts condition {
  if (!condition) throw new Error(`${what}; the reply was ${JSON.stringify(body).slice(0, 500)}`);
}

const restCheck = (status: number, body: unknown) => {
  const reply = body as { code?: unknown; payment_method?: { payment_method_id?: unknown } };
  expect(status === 200 && reply.code === 0, 'expected HTTP 200 with code 0', body);
  expect(reply.payment_method?.payment_method_id === CARD_ID, `expected payment method ${CARD_ID}`, body);
};

/** A GraphQL reply's data, after checking it holds no error. */
function dataOf(status: number, body: unknown): Record<string, unknown> {
  const reply = body as { data?: Record<string, unknown> | null; errors?: unknown[] };
  expect(status === 200 && !reply.errors && reply.data, 'expected HTTP 200 with data and no errors', body);
  return reply.data;
}

/** A reply that is the fixtures' card with its details (arm 3, its 30 callers, the quiet callers). */
function checkCard(status: number, body: unknown): void {
  const method = dataOf(status, body)['paymentMethod'] as { id?: unknown; details?: { __typename?: unknown } } | null;
  expect(method?.id === CARD_ID && method.details?.__typename === 'CardDetails', 'expected the card with its details', body);
}

/** A caller of its own: a sandbox token (READ only) for an account of its own, holding the fixtures' card. */
interface Caller {
  token: string;
  accountId: string;
}

const callerHeaders = ({ token, accountId }: Caller) => ({
  'content-type': 'application/json',
  authorization: `Zoho-oauthtoken ${token}`,
  'x-zoho-account-id': accountId,
});

const callerRequest = (caller: Caller, query: string, variables: Record<string, unknown>): ArmRequest => ({
  method: 'POST',
  path: '/graphql',
  headers: callerHeaders(caller),
  body: JSON.stringify({ query, variables }),
});

/** Arm 3c's 30 callers: tokens `bench_caller_1` to `_30`, accounts `5000000001` to `5000000030`. */
export const MANY_CALLERS: readonly Caller[] = Array.from({ length: 30 }, (_, i) => ({
  token: `bench_caller_${i + 1}`,
  accountId: String(5_000_000_001 + i),
}));

const card = (id: string, i: number) => ({
  payment_method_id: id,
  customer_id: '1987000000724207',
  type: 'card' as const,
  card: {
    card_holder_name: 'Charles',
    last_four_digits: String(1000 + i),
    expiry_month: '01',
    expiry_year: String((new Date().getUTCFullYear() + 5) % 100).padStart(2, '0'),
  },
  status: 'active' as const,
  currency: 'USD',
});

export const ARMS: readonly Arm[] = [
  {
    id: 'rest',
    number: '1',
    title: 'direct REST: GET a payment method from the sandbox',
    target: 'sandbox',
    requests: [{ method: 'GET', path: REST_PATH, headers: REST_HEADERS }],
    check: restCheck,
    upstreamCallsPerReply: 1,
    accounts: [ACCOUNT_ID],
  },
  {
    id: 'proxy',
    number: '2',
    title: 'minimal Node HTTP proxy in front of the sandbox (same GET)',
    target: 'proxy',
    requests: [{ method: 'GET', path: REST_PATH, headers: REST_HEADERS }],
    check: restCheck,
    upstreamCallsPerReply: 1,
    accounts: [ACCOUNT_ID],
  },
  {
    // Not one of the issue's arms: the gateway's own floor (HTTP, Apollo Server, plugins, logs),
    // an operation that calls no one, so the cost of a gateway arm splits into "being a GraphQL
    // server" and "calling Zoho".
    id: 'floor',
    number: 'G',
    title: 'gateway floor: `{ __typename }`, no Zoho call',
    target: 'gateway',
    requests: [graphql('query Floor { __typename }', {})],
    check: (status, body) => {
      expect(dataOf(status, body)['__typename'] === 'Query', 'expected __typename Query', body);
    },
    upstreamCallsPerReply: 0,
    accounts: [ACCOUNT_ID],
  },
  {
    id: 'paymentMethod',
    number: '3',
    title: 'gateway: paymentMethod(id) with card details',
    target: 'gateway',
    requests: [graphql(operation('PaymentMethod'), { id: CARD_ID })],
    check: (status, body) => checkCard(status, body),
    upstreamCallsPerReply: 1,
    accounts: [ACCOUNT_ID],
  },
  {
    // Production traffic is many callers, not one: each has its own turns, circuit and (issue 18)
    // budget in the gateway, and the gateway's per-caller state is looked up for each of them.
    id: 'paymentMethod30Callers',
    number: '3c',
    title: 'gateway: arm 3 from 30 callers (distinct tokens and accounts) in turn',
    target: 'gateway',
    requests: MANY_CALLERS.map((caller) => callerRequest(caller, operation('PaymentMethod'), { id: CARD_ID })),
    check: (status, body) => checkCard(status, body),
    upstreamCallsPerReply: 1,
    accounts: MANY_CALLERS.map((caller) => caller.accountId),
  },
  {
    id: 'paymentMethods20',
    number: '4a',
    title: 'gateway: paymentMethods(ids:) with 20 ids',
    target: 'gateway',
    requests: [graphql(operation('PaymentMethods'), { ids: BATCH_IDS })],
    check: (status, body) => {
      const methods = dataOf(status, body)['paymentMethods'] as Array<{ id?: unknown } | null> | undefined;
      expect(
        methods?.length === BATCH_IDS.length && methods.every((method, i) => method?.id === BATCH_IDS[i]),
        'expected the 20 seeded cards in order',
        body,
      );
    },
    upstreamCallsPerReply: BATCH_IDS.length,
    accounts: [ACCOUNT_ID],
  },
  {
    id: 'sessionWithMethod',
    number: '4b',
    title: 'gateway: a session with its payment method',
    target: 'gateway',
    requests: [graphql(operation('PaymentMethodSession'), { id: SESSION_ID })],
    check: (status, body) => {
      const session = dataOf(status, body)['paymentMethodSession'] as { id?: unknown; paymentMethod?: { id?: unknown } } | null;
      expect(session?.id === SESSION_ID && session.paymentMethod?.id === CARD_ID, 'expected the session with its card', body);
    },
    // The session, then its payment method (the session holds only part of it).
    upstreamCallsPerReply: 2,
    accounts: [ACCOUNT_ID],
  },
  {
    id: 'updatePaymentMethod',
    number: '5',
    title: 'gateway: updatePaymentMethod',
    target: 'gateway',
    requests: [
      graphql(operation('UpdatePaymentMethod'), {
        input: {
          id: CARD_ID,
          card: { expiryMonth: 12, expiryYear: new Date().getUTCFullYear() + 5 },
          billingAddress: { name: 'Charles', addressLine1: '500 Woodward Ave', city: 'Detroit', state: 'Michigan', country: 'US', postalCode: '48226' },
        },
      }),
    ],
    check: (status, body) => {
      const result = dataOf(status, body)['updatePaymentMethod'] as
        | { paymentMethod?: { id?: unknown }; userErrors?: unknown[] }
        | undefined;
      expect(result?.paymentMethod?.id === CARD_ID && result.userErrors?.length === 0, 'expected the updated card, no userErrors', body);
    },
    // At least the PUT (today a GET for the method's type comes first).
    upstreamCallsPerReply: 1,
    accounts: [ACCOUNT_ID],
  },
];

/** What the bench seeds in the sandbox: the 20 cards of arm 4a. */
export const BATCH_SEED = {
  account_id: ACCOUNT_ID,
  payment_methods: BATCH_IDS.map((id, i) => ({
    payment_method_id: id,
    customer_id: '1987000000724207',
    type: 'card',
    card: {
      card_holder_name: 'Charles',
      last_four_digits: String(1000 + i),
      expiry_month: '01',
      expiry_year: String((new Date().getUTCFullYear() + 5) % 100).padStart(2, '0'),
    },
    status: 'active',
    currency: 'USD',
  })),
};

/**
 * The noisy-neighbour pass (bench/README.md): quiet callers, each a token and an account of its
 * own reading its card (arm 3's operation), measured alone and then while one slow caller, whose
 * every Zoho reply takes a second (a sandbox latency fault for its account only), keeps a
 * 100-id `paymentMethods` query in flight.
 */
export const QUIET_CALLERS: readonly Caller[] = [1, 2, 3, 4].map((i) => ({ token: `bench_quiet_${i}`, accountId: String(3_000_000_000 + i) }));
export const SLOW_CALLER: Caller = { token: 'bench_slow', accountId: '4000000001' };
/** The slow caller's 100 cards. */
export const WIDE_IDS = Array.from({ length: 100 }, (_, i) => `19870000009${String(i + 1).padStart(5, '0')}`);

/** What arm 3c adds to the sandbox: its callers' tokens (READ only), and the fixtures' card in each account. */
export const MANY_CALLERS_TOKENS = MANY_CALLERS.map(({ token, accountId }) => ({ token, account_id: accountId, scopes: ['READ'] }));
export const MANY_CALLERS_SEEDS = MANY_CALLERS.map(({ accountId }) => ({ account_id: accountId, payment_methods: [card(CARD_ID, 0)] }));

/** What the noisy-neighbour pass adds to the sandbox: its callers' tokens (READ only) and cards. */
export const NOISY_TOKENS = [...QUIET_CALLERS, SLOW_CALLER].map(({ token, accountId }) => ({ token, account_id: accountId, scopes: ['READ'] }));
export const NOISY_SEEDS = [
  ...QUIET_CALLERS.map(({ accountId }) => ({ account_id: accountId, payment_methods: [card(CARD_ID, 0)] })),
  { account_id: SLOW_CALLER.accountId, payment_methods: WIDE_IDS.map(card) },
];

/** The quiet callers' requests (autocannon sends them in turn on every connection): arm 3's operation, each its own caller. */
export const QUIET_REQUESTS: ArmRequest[] = QUIET_CALLERS.map((caller) => callerRequest(caller, operation('PaymentMethod'), { id: CARD_ID }));

/** The slow caller's wide query: `paymentMethods` with its 100 ids. */
export const WIDE_REQUEST: ArmRequest = callerRequest(SLOW_CALLER, operation('PaymentMethods'), { ids: WIDE_IDS });

/** Throws when a quiet reply is not the card. */
export const checkQuiet = checkCard;

/** The fixtures' customer in the fixtures' account (the sandbox answers 404 for any other). */
export const CUSTOMER_ID = '1987000000724207';

/**
 * An operation of the scale-out pass (bench/scale.ts), sent to N replicas at once: its request,
 * the check of its reply, and its Zoho calls per reply as an arm has them. `register`: an APQ
 * registration (the query's text with its hash) sent before the operation is measured by hash.
 */
export interface ScaleOperation extends Pick<Arm, 'title' | 'requests' | 'check' | 'upstreamCallsPerReply' | 'accounts'> {
  id: 'paymentMethod' | 'createPaymentMethodSession' | 'persistedPaymentMethod';
  register?: ArmRequest;
}

/** The example operation as it is: the scale-out pass runs this tree's gateway only (no baseline to answer it). */
const CREATE_SESSION = fs.readFileSync(path.join(EXAMPLES, 'CreatePaymentMethodSession.graphql'), 'utf8');

const sessionCreate = (idempotencyKey: string) =>
  JSON.stringify({
    query: CREATE_SESSION,
    variables: { input: { customerId: CUSTOMER_ID, description: 'bench scale-out', idempotencyKey } },
  });

/** Arm 3's operation by its APQ hash alone, and its registration (the text with the hash). */
const PERSISTED_EXTENSIONS = {
  persistedQuery: { version: 1, sha256Hash: createHash('sha256').update(operation('PaymentMethod')).digest('hex') },
};

const paymentMethodArm = ARMS.find((arm) => arm.id === 'paymentMethod') as Arm;

export const SCALE_OPERATIONS: readonly ScaleOperation[] = [
  {
    // The rate budget is drawn once per Zoho call: one Redis script with REDIS_URL.
    id: 'paymentMethod',
    title: "arm 3's paymentMethod(id)",
    requests: paymentMethodArm.requests,
    check: paymentMethodArm.check,
    upstreamCallsPerReply: 1,
    accounts: [ACCOUNT_ID],
  },
  {
    // A new idempotencyKey per request: claim and complete (Redis scripts), and the budget's draw.
    id: 'createPaymentMethodSession',
    title: 'createPaymentMethodSession, a new idempotencyKey each',
    requests: [{ method: 'POST', path: '/graphql', headers: GRAPHQL_HEADERS, body: sessionCreate('bench-first'), freshBody: () => sessionCreate(`bench-${randomUUID()}`) }],
    check: (status, body) => {
      const result = dataOf(status, body)['createPaymentMethodSession'] as
        | { paymentMethodSession?: { id?: unknown; status?: unknown; customer?: { id?: unknown } } | null; userErrors?: unknown[] }
        | undefined;
      const session = result?.paymentMethodSession;
      expect(
        typeof session?.id === 'string' && session.status === 'CREATED' && session.customer?.id === CUSTOMER_ID && result?.userErrors?.length === 0,
        'expected a new CREATED session for the customer, no userErrors',
        body,
      );
    },
    upstreamCallsPerReply: 1,
    accounts: [ACCOUNT_ID],
  },
  {
    // APQ: the document from the persisted-query cache (its own memory, or a Redis GET with REDIS_URL the first time a replica sees the hash), then arm 3.
    id: 'persistedPaymentMethod',
    title: "arm 3's paymentMethod(id) by its APQ hash",
    requests: [{ method: 'POST', path: '/graphql', headers: GRAPHQL_HEADERS, body: JSON.stringify({ extensions: PERSISTED_EXTENSIONS, variables: { id: CARD_ID } }) }],
    register: {
      method: 'POST',
      path: '/graphql',
      headers: GRAPHQL_HEADERS,
      body: JSON.stringify({ query: operation('PaymentMethod'), extensions: PERSISTED_EXTENSIONS, variables: { id: CARD_ID } }),
    },
    check: paymentMethodArm.check,
    upstreamCallsPerReply: 1,
    accounts: [ACCOUNT_ID],
  },
];
