/**
 * No secret leaves the gateway (contract.md, Errors: "every error ... never a token, a full
 * card/account number or a stack trace in production"; the logger's promise in src/observability/logger.ts).
 *
 * Every operation of the contract (paymentMethod, paymentMethods, paymentMethodSession with its
 * paymentMethod, createPaymentMethodSession, updatePaymentMethod for a card and an ACH account,
 * deletePaymentMethod and the router's `_entities`) runs through the real HTTP gateway
 * (createGateway on 127.0.0.1, port 0), in development and in production, with a logger at
 * `trace`, while secrets sit everywhere they can:
 * - in what the caller sends: its OAuth token (Zoho's `1000.<hex>.<hex>` shape and two unusual
 *   shapes), full Luhn-valid card numbers (plain, grouped by spaces, by dashes) and ABA-valid
 *   routing numbers, in variables of the wrong type, query literals, aliases, operation names,
 *   descriptions, `X-Request-Id`, `Authorization`, `X-Zoho-Account-Id`, GET URLs and broken bodies;
 * - in what Zoho answers (nock): extra fields holding full card / account / routing numbers and
 *   the token, Zoho error bodies (400, 401, 403, 404, 418, 429, 500) and HTML pages (502,
 *   404, 200) quoting the token, a card and a routing number, malformed JSON, unexpected shapes
 *   and values, timeouts and reset connections.
 *
 * Every log line and every HTTP response (status, headers, body, and the decoded federated trace
 * when one is sent) is searched for every secret in every form (the whole `Authorization` value,
 * the token alone or its parts, a number plain, grouped, and as digits once spaces and dashes are
 * removed from the searched text). The only place a routing number may appear is the value of
 * `routingNumber` in an `AchDebitDetails` of the operation that asked for it, checked to be there.
 *
 * One exemption, by the GraphQL spec: an alias the caller chose is echoed as a response key (and
 * in an error's `path`, and in the federated trace's response names); that echo of the caller's
 * own query structure is not searched. Everything else of the response is, and logs are always
 * searched whole.
 */
import nock from 'nock';
import { resetUnknownEnumWarnings } from '../../src/mapping/enums';
import { luhnValid, routingNumberValid } from '../../src/observability/redaction';
import type { Gateway } from '../../src/server';
import { achPaymentMethod } from '../fixtures/payment-methods';
import { ACCOUNT_ID, captureLogger, NOW, seed, startTestServer, testConfig, zoho } from '../helpers';
import { httpRequest, type HttpReply } from '../http-client';

type Json = Record<string, unknown>;
type NodeEnv = 'development' | 'production';

// ---------------------------------------------------------------------------------------------
// The secrets: distinct values, each with a role, so a violation says where it came from.

/** The caller's token, in Zoho's shape (`1000.<hex>.<hex>`). */
const TOKEN = '1000.5e3c7a9b1d2f4e6a8c0b2d4f6a8c0e1f.9b8a7c6d5e4f3a2b1c0d9e8f7a6b5c4d';
/** A token of an unusual shape the gateway accepts (`[A-Za-z0-9._~+/-]+=*`), unknown to any pattern. */
const ODD_TOKEN = 'zPay~0ddTok/en+Q7.x-9K==';
/** An unusual token that is also a GraphQL name and a "sane" request id. */
const NAME_TOKEN = 'OddNameShapedTok_Q7xK9mW3pL2v';

const authorization = (token: string) => `Zoho-oauthtoken ${token}`;

/** Card numbers the caller sends (Luhn-valid). */
const CARD_IN_VISA = '4532015112830366';
const CARD_IN_MC = '5577993311224487';
const CARD_IN_AMEX = '378282246310005';
/** Card numbers Zoho sends (Luhn-valid): in extra fields, and in error bodies. */
const CARD_UP_EXTRA = '6011000990139424';
const CARD_UP_ERROR = '4917610000000000';

/** Routing numbers (ABA-valid). */
const ROUTING_IN_A = '021000021';
const ROUTING_IN_B = '011000015';
/** The one routing number a response may carry: the ACH account's, where `routingNumber` is asked. */
const ROUTING_ACH = '026009593';
/** In Zoho's error bodies and HTML pages. */
const ROUTING_UP_ERROR = '121000358';
/** In Zoho's extra fields (never asked for). */
const ROUTING_UP_EXTRA = '322271627';

/** ACH account numbers, in Zoho's extra fields. */
const ACCOUNT_UP = '98765432101234';
const ACCOUNT_UP_2 = '7700912345678';

const grouped = (digits: string, sizes: number[], separator: string) => {
  const groups: string[] = [];
  let at = 0;
  for (const size of sizes) {
    groups.push(digits.slice(at, at + size));
    at += size;
  }
  return groups.join(separator);
};
const spaced = (digits: string) => grouped(digits, digits.length === 15 ? [4, 6, 5] : [4, 4, 4, 4], ' ');
const dashed = (digits: string) => grouped(digits, digits.length === 15 ? [4, 6, 5] : [4, 4, 4, 4], '-');

interface Secret {
  label: string;
  kind: 'token' | 'card' | 'routing' | 'account';
  /** Every form searched for as is. */
  forms: string[];
  /** Searched for in the text with its spaces and dashes removed. */
  digits?: string;
}

const unique = (values: string[]) => [...new Set(values)];

function tokenSecret(label: string, token: string): Secret {
  const parts = token.startsWith('1000.') ? token.split('.').slice(1) : [];
  return {
    label,
    kind: 'token',
    forms: unique([authorization(token), token, token.replace(/=+$/, ''), encodeURIComponent(token), ...parts]),
  };
}
const cardSecret = (label: string, digits: string): Secret => ({
  label,
  kind: 'card',
  forms: unique([digits, spaced(digits), dashed(digits)]),
  digits,
});
const numberSecret = (label: string, kind: 'routing' | 'account', digits: string): Secret => ({
  label,
  kind,
  forms: [digits],
  digits,
});

const SECRETS: readonly Secret[] = [
  tokenSecret('the OAuth token', TOKEN),
  tokenSecret('the unusual OAuth token', ODD_TOKEN),
  tokenSecret('the name-shaped OAuth token', NAME_TOKEN),
  cardSecret('a card number sent by the caller (Visa)', CARD_IN_VISA),
  cardSecret('a card number sent by the caller (Mastercard)', CARD_IN_MC),
  cardSecret('a card number sent by the caller (Amex)', CARD_IN_AMEX),
  cardSecret("a card number from Zoho's extra fields", CARD_UP_EXTRA),
  cardSecret("a card number from Zoho's error bodies", CARD_UP_ERROR),
  numberSecret('a routing number sent by the caller (A)', 'routing', ROUTING_IN_A),
  numberSecret('a routing number sent by the caller (B)', 'routing', ROUTING_IN_B),
  numberSecret("the ACH account's routing number", 'routing', ROUTING_ACH),
  numberSecret("a routing number from Zoho's error bodies", 'routing', ROUTING_UP_ERROR),
  numberSecret("a routing number from Zoho's extra fields", 'routing', ROUTING_UP_EXTRA),
  numberSecret("an ACH account number from Zoho's extra fields", 'account', ACCOUNT_UP),
  numberSecret("a second ACH account number from Zoho's extra fields", 'account', ACCOUNT_UP_2),
];

/** Every place a secret occurs in a text, with a little context. */
function leaksIn(where: string, text: string): string[] {
  const found: string[] = [];
  const digitsOnly = text.replace(/[ -]/g, '');
  const around = (haystack: string, index: number, length: number) =>
    haystack.slice(Math.max(0, index - 60), index + length + 60).replace(/\s+/g, ' ');
  for (const secret of SECRETS) {
    const form = secret.forms.find((f) => text.includes(f));
    if (form !== undefined) {
      found.push(`${where}: ${secret.label} "${form}" in …${around(text, text.indexOf(form), form.length)}…`);
    } else if (secret.digits !== undefined && digitsOnly.includes(secret.digits)) {
      const index = digitsOnly.indexOf(secret.digits);
      found.push(
        `${where}: ${secret.label} as digits (spaces and dashes removed) in …${around(digitsOnly, index, secret.digits.length)}…`,
      );
    }
  }
  return found;
}

/** A stack trace in a text: a V8 frame, or a source position. */
const STACK_FRAME = /(?:^|\\n|\n)\s*at [^\s]+(?: \(|\s+[/\\]|$)|[\w/\\.-]+\.(?:ts|js|cjs|mjs):\d+:\d+|node:internal/m;

// ---------------------------------------------------------------------------------------------
// Zoho, dirty: every reply carries extra fields holding full numbers and the caller's token.

const CREATED = 1708950672;
const CUSTOMER_ID = '1987000000724207';
const pmId = (n: number) => `19870000007${String(n).padStart(5, '0')}`;
const sessionId = (n: number) => `19870000008${String(n).padStart(5, '0')}`;

/** Extra fields Zoho might add anywhere: none of them is in the schema. */
const extras = (token: string): Json => ({
  card_number: CARD_UP_EXTRA,
  pan: spaced(CARD_UP_EXTRA),
  routing_number: ROUTING_UP_EXTRA,
  account_number: ACCOUNT_UP,
  bank_account: { account_number: ACCOUNT_UP_2, routing_number: ROUTING_UP_EXTRA },
  request: { headers: { authorization: authorization(token) }, token },
});

function cardMethod(id: string, token: string, overrides: Json = {}): Json {
  const base = seed<{ payment_method: Json }>('retrieve-payment-method.response').payment_method;
  return {
    ...base,
    ...extras(token),
    payment_method_id: id,
    card: {
      ...(base['card'] as Json),
      expiry_year: '29',
      last_four_digits: '9424',
      card_number: dashed(CARD_UP_EXTRA),
      number: CARD_UP_EXTRA,
      account_number: ACCOUNT_UP_2,
    },
    billing_address: {
      name: 'Charles',
      address_line1: '123 Main St',
      city: 'Detroit',
      state: 'Michigan',
      country: 'US',
      postal_code: '12345',
      card_number: CARD_UP_EXTRA,
      routing_number: ROUTING_UP_EXTRA,
    },
    ...overrides,
  };
}

function achMethod(id: string, token: string, overrides: Json = {}, achOverrides: Json = {}): Json {
  return achPaymentMethod({
    ...extras(token),
    payment_method_id: id,
    ach_debit: {
      account_holder_name: 'Acme Corp',
      routing_number: ROUTING_ACH,
      account_holder_type: 'company',
      bank_name: 'First Detroit Bank',
      account_type: 'checking',
      last_four_digits: '1234',
      account_number: ACCOUNT_UP,
      bank_account_number: ACCOUNT_UP_2,
      card_number: CARD_UP_EXTRA,
      ...achOverrides,
    },
    ...overrides,
  });
}

function sessionObject(id: string, methodId: string, token: string, methodType = 'ach_debit'): Json {
  return {
    ...extras(token),
    payment_method_session_id: id,
    customer_id: CUSTOMER_ID,
    description: 'Payment method session for customer 1987000000724207',
    status: 'succeeded',
    created_time: CREATED,
    payment_method: {
      ...extras(token),
      payment_method_id: methodId,
      type: methodType,
      status: 'active',
      created_time: CREATED,
    },
  };
}

const envelope = (token: string, payload: Json = {}): Json => ({ code: 0, message: 'success', ...payload, ...extras(token) });
const methodReply = (method: Json, token: string) => envelope(token, { payment_method: method });
const sessionReply = (session: Json, token: string) => envelope(token, { payment_method_session: session });

/** What Zoho's error messages quote: the caller's token (both ways), a card and a routing number. */
const zohoMessage = (token: string) =>
  `Request with Zoho-oauthtoken ${token} failed (token ${token}); card ${spaced(CARD_UP_ERROR)} / ${CARD_UP_ERROR} / ` +
  `${dashed(CARD_UP_ERROR)}, routing ${ROUTING_UP_ERROR}`;

const zohoError = (code: string | number, token: string): Json => ({
  code,
  message: zohoMessage(token),
  stack: 'Error: payment gateway failure\n    at Handler.process (/opt/zoho/payments/handler.js:42:13)',
  ...extras(token),
});

const htmlPage = (title: string, token: string) =>
  `<!DOCTYPE html><html><head><title>${title}</title></head><body><h1>${title}</h1>` +
  `<p>Authorization: Zoho-oauthtoken ${token}</p><p>token=${token}</p>` +
  `<p>card=${spaced(CARD_UP_ERROR)} pan=${CARD_UP_EXTRA} routing=${ROUTING_UP_ERROR} account=${ACCOUNT_UP}</p>` +
  `<pre>Error: upstream failed\n    at Proxy.forward (/opt/zoho/proxy.js:42:13)</pre></body></html>`;

/** One upstream interceptor, for exactly this caller's token and account id. */
const upstream = (method: 'GET' | 'POST' | 'PUT' | 'DELETE', path: string, token: string, accountId = ACCOUNT_ID) => {
  const scope = zoho(authorization(token));
  const interceptor =
    method === 'GET'
      ? scope.get(path)
      : method === 'POST'
        ? scope.post(path)
        : method === 'PUT'
          ? scope.put(path)
          : scope.delete(path);
  return interceptor.query({ account_id: accountId });
};
const PM_PATH = (id: string) => `/api/v1/paymentmethods/${id}`;
const SESSION_PATH = (id: string) => `/api/v1/paymentmethodsessions/${id}`;
const SESSIONS_PATH = '/api/v1/paymentmethodsessions';

// ---------------------------------------------------------------------------------------------
// The operations.

const PM_FIELDS = `fragment PaymentMethodFields on PaymentMethod {
  __typename id type status currency createdAt updatedAt
  customer { __typename id name email }
  billingAddress { name addressLine1 addressLine2 city state country postalCode }
  details {
    __typename
    ... on CardDetails { cardholderName last4 expiryMonth expiryYear checks { addressLine postalCode cvc } }
    ... on AchDebitDetails { accountHolderName accountHolderType bankName accountType routingNumber last4 }
    ... on UnknownPaymentMethodDetails { upstreamType }
  }
}`;
/** The same without `routingNumber`: an ACH method read this way must not show it. */
const PM_FIELDS_NO_ROUTING = `fragment PaymentMethodFields on PaymentMethod {
  __typename id type status currency createdAt updatedAt customer { id name email }
  details { __typename ... on AchDebitDetails { accountHolderName accountHolderType bankName accountType last4 } }
}`;

const DOC = {
  paymentMethod: `query LeakPaymentMethod($id: ID!) { paymentMethod(id: $id) { ...PaymentMethodFields } } ${PM_FIELDS}`,
  paymentMethodNoRouting: `query LeakPaymentMethodNoRouting($id: ID!) { paymentMethod(id: $id) { ...PaymentMethodFields } } ${PM_FIELDS_NO_ROUTING}`,
  paymentMethods: `query LeakPaymentMethods($ids: [ID!]!) { paymentMethods(ids: $ids) { ...PaymentMethodFields } } ${PM_FIELDS}`,
  paymentMethodSession: `query LeakPaymentMethodSession($id: ID!) { paymentMethodSession(id: $id) {
    __typename id status description createdAt customer { id name email } paymentMethod { ...PaymentMethodFields } } } ${PM_FIELDS}`,
  createPaymentMethodSession: `mutation LeakCreatePaymentMethodSession($input: CreatePaymentMethodSessionInput!) {
    createPaymentMethodSession(input: $input) {
      paymentMethodSession { __typename id status description createdAt customer { id } } userErrors { field code message } } }`,
  updatePaymentMethod: `mutation LeakUpdatePaymentMethod($input: UpdatePaymentMethodInput!) {
    updatePaymentMethod(input: $input) { paymentMethod { ...PaymentMethodFields } userErrors { field code message } } } ${PM_FIELDS}`,
  deletePaymentMethod: `mutation LeakDeletePaymentMethod($input: DeletePaymentMethodInput!) {
    deletePaymentMethod(input: $input) { deletedPaymentMethodId userErrors { field code message } } }`,
  entities: `query LeakEntities($representations: [_Any!]!) { _entities(representations: $representations) {
    __typename
    ... on PaymentMethod { ...PaymentMethodFields }
    ... on PaymentMethodSession { id sessionStatus: status paymentMethod { ...PaymentMethodFields } }
    ... on Customer { id name }
  } } ${PM_FIELDS}`,
} as const;

const operationNameOf = (document: string) => /^\s*(?:query|mutation)\s+(\w+)/.exec(document)?.[1];
const gql = (query: string, variables: Json = {}, operationName = operationNameOf(query)): Json => ({
  query,
  variables,
  ...(operationName !== undefined && { operationName }),
});

// ---------------------------------------------------------------------------------------------
// Sending, and searching what came back.

interface RequestSpec {
  label: string;
  /** The caller's token (default TOKEN); null sends no Authorization header. */
  token?: string | null;
  /** Headers set (or, with undefined, removed) over the defaults. */
  headers?: Record<string, string | undefined>;
  method?: 'GET' | 'POST';
  /** A GraphQL payload (sent as JSON) or a raw body. */
  body?: Json | string;
  /** For GET: the URL's query parameters. */
  params?: Record<string, string>;
  /** Aliases the document uses (their echo as response keys is the spec's, not searched). */
  aliases?: string[];
  /** How many `routingNumber` values the operation asks for and must get (default 0). */
  routingNumbers?: number;
  /** False for requests refused before Apollo runs (no operation log line). */
  reachesApollo?: boolean;
}

interface Sent {
  spec: RequestSpec;
  requestId: string | undefined;
  reply: HttpReply;
}

interface GatewayUnderTest {
  nodeEnv: NodeEnv;
  gateway: Gateway;
  logs: ReturnType<typeof captureLogger>;
  sent: Sent[];
}

const safeRequestId = (nodeEnv: NodeEnv, label: string) =>
  `leak.${nodeEnv}.${label.replace(/[^A-Za-z0-9._:-]+/g, '-')}`.slice(0, 120);

async function send(gut: GatewayUnderTest, spec: RequestSpec): Promise<Sent> {
  const token = spec.token === undefined ? TOKEN : spec.token;
  const defaults: Record<string, string | undefined> = {
    'content-type': 'application/json',
    accept: 'application/json',
    authorization: token === null ? undefined : authorization(token),
    'x-zoho-account-id': ACCOUNT_ID,
    'x-request-id': safeRequestId(gut.nodeEnv, spec.label),
    'apollo-federation-include-trace': 'ftv1',
    ...(spec.method === 'GET' && { 'apollo-require-preflight': 'true' }),
  };
  const headers = Object.fromEntries(
    Object.entries({ ...defaults, ...spec.headers }).filter((entry): entry is [string, string] => entry[1] !== undefined),
  );
  const url = new URL(gut.gateway.url);
  for (const [key, value] of Object.entries(spec.params ?? {})) url.searchParams.set(key, value);
  const body = spec.body === undefined ? undefined : typeof spec.body === 'string' ? spec.body : JSON.stringify(spec.body);
  const reply = await httpRequest(url.toString(), { method: spec.method ?? 'POST', headers, body });
  const sent = { spec, requestId: headers['x-request-id'], reply };
  gut.sent.push(sent);
  return sent;
}

/** A response body with the spec's echo of aliases, and the routing numbers where they belong, set aside. */
function publicView(value: unknown, aliases: readonly string[], routing: string[], inData: boolean): unknown {
  if (typeof value === 'string') return aliases.includes(value) ? '<alias>' : value;
  if (Array.isArray(value)) return value.map((item) => publicView(item, aliases, routing, inData));
  if (value === null || typeof value !== 'object') return value;
  const object = value as Json;
  const out: Json = {};
  for (const [key, item] of Object.entries(object)) {
    const name = aliases.includes(key) ? '<alias>' : key;
    if (inData && key === 'routingNumber' && object['__typename'] === 'AchDebitDetails' && typeof item === 'string') {
      routing.push(item);
      out[name] = '<routingNumber>';
    } else {
      out[name] = publicView(item, aliases, routing, inData);
    }
  }
  return out;
}

interface GraphQLBody {
  data?: Json | null;
  errors?: Array<{ message?: string; path?: unknown[]; extensions?: Json }>;
  extensions?: Json;
}

const parseJson = (text: string): unknown => {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
};

/** Leaks in one HTTP reply, and what a check of the test itself found wrong with it. */
function inspectReply(nodeEnv: NodeEnv, sent: Sent): { leaks: string[]; sanity: string[] } {
  const { spec, reply } = sent;
  const where = `[${nodeEnv}] ${spec.label}: response`;
  const aliases = spec.aliases ?? [];
  const leaks: string[] = [];
  const sanity: string[] = [];

  const headerText = Object.entries(reply.headers)
    .map(([name, value]) => `${name}: ${Array.isArray(value) ? value.join(', ') : String(value)}`)
    .join('\n');
  leaks.push(...leaksIn(`${where} header`, headerText));

  const parsed = parseJson(reply.text);
  const routing: string[] = [];
  if (parsed !== undefined && typeof parsed === 'object' && parsed !== null) {
    const body = parsed as GraphQLBody;
    const { data, ...rest } = body;
    const view = { data: publicView(data, aliases, routing, true), ...(publicView(rest, aliases, routing, false) as Json) };
    leaks.push(...leaksIn(`${where} body`, JSON.stringify(view)));
    const ftv1 = body.extensions?.['ftv1'];
    if (typeof ftv1 === 'string') {
      const trace = aliases.reduce((text, alias) => text.split(alias).join('<alias>'), Buffer.from(ftv1, 'base64').toString('latin1'));
      leaks.push(...leaksIn(`${where} federated trace (ftv1)`, trace));
    }
    if (nodeEnv === 'production') {
      (body.errors ?? []).forEach((error, index) => {
        if (error.extensions && 'stacktrace' in error.extensions) leaks.push(`${where}: errors[${index}] carries a stacktrace`);
      });
    }
  } else {
    leaks.push(...leaksIn(`${where} body`, reply.text));
  }
  if (nodeEnv === 'production' && STACK_FRAME.test(reply.text)) {
    leaks.push(`${where}: a stack trace in the body: ${reply.text.slice(0, 300)}`);
  }

  const expectedRouting = spec.routingNumbers ?? 0;
  if (routing.length !== expectedRouting || routing.some((value) => value !== ROUTING_ACH)) {
    sanity.push(
      `${where}: expected ${expectedRouting} routingNumber value(s) ${ROUTING_ACH}, got ${JSON.stringify(routing)} in ${reply.text.slice(0, 400)}`,
    );
  }
  return { leaks, sanity };
}

/** Leaks in log lines. */
function inspectLogs(nodeEnv: NodeEnv, lines: readonly string[]): string[] {
  return lines.flatMap((line, index) => leaksIn(`[${nodeEnv}] log line ${index}`, line));
}

// ---------------------------------------------------------------------------------------------
// Outcomes, so each request provably took the path it was meant to.

/** True when a value holds nothing but nulls (an entity or field that was not found). */
const onlyNulls = (value: unknown): boolean =>
  value === null ||
  (Array.isArray(value) ? value.every(onlyNulls) : typeof value === 'object' && Object.values(value as Json).every(onlyNulls));

/** Error codes of a reply: `extensions.code` of every error, and `user:<code>` of every user error. */
function outcomeCodes(reply: HttpReply): string[] {
  const body = parseJson(reply.text) as GraphQLBody | undefined;
  const codes = (body?.errors ?? []).map((error) => String(error.extensions?.['code']));
  for (const field of Object.values(body?.data ?? {})) {
    const userErrors = (field as { userErrors?: Array<{ code?: unknown }> } | null)?.userErrors ?? [];
    codes.push(...userErrors.map((userError) => `user:${String(userError.code)}`));
  }
  return codes;
}

// ---------------------------------------------------------------------------------------------

const started: GatewayUnderTest[] = [];

beforeAll(() => {
  nock.enableNetConnect('127.0.0.1');
});

afterAll(async () => {
  await Promise.all(started.map((gut) => gut.gateway.stop()));
  nock.disableNetConnect();
});

beforeEach(() => {
  resetUnknownEnumWarnings();
});

test('the search itself finds every secret in every form, and a stack trace', () => {
  const examples = [
    `{"msg":"x","authorization":"Zoho-oauthtoken ${TOKEN}"}`,
    `{"msg":"token ${TOKEN.split('.')[2]}"}`,
    `"${ODD_TOKEN.replace(/=+$/, '')}"`,
    `id=${encodeURIComponent(ODD_TOKEN)}`,
    `"operationName":"${NAME_TOKEN}"`,
    `card ${spaced(CARD_IN_MC)}`,
    `card ${dashed(CARD_IN_AMEX)}`,
    `card 4532 0151-1283 0366`,
    `"routingNumber":"${ROUTING_IN_A}"`,
    `account ${ACCOUNT_UP.slice(0, 7)} ${ACCOUNT_UP.slice(7)}`,
  ];
  expect(examples.map((text) => leaksIn('example', text).length)).toEqual(examples.map(() => 1));
  expect(leaksIn('masked', `card ••••0366, routing ••••0021, Zoho-oauthtoken [Redacted], id ${pmId(1)}`)).toEqual([]);
  expect(STACK_FRAME.test(JSON.stringify({ stacktrace: ['GraphQLError: x', '    at Object.run (/srv/src/a.ts:1:2)'] }))).toBe(true);
  expect(STACK_FRAME.test('{"errors":[{"message":"Zoho Payments failed (HTTP 502). Try again later."}]}')).toBe(false);
  // The numbers are what they claim to be, so the gateway's redaction could recognise them.
  for (const card of [CARD_IN_VISA, CARD_IN_MC, CARD_IN_AMEX, CARD_UP_EXTRA, CARD_UP_ERROR]) expect(luhnValid(card)).toBe(true);
  for (const routing of [ROUTING_IN_A, ROUTING_IN_B, ROUTING_ACH, ROUTING_UP_ERROR, ROUTING_UP_EXTRA]) {
    expect(routingNumberValid(routing)).toBe(true);
  }
  expect([ACCOUNT_UP, ACCOUNT_UP_2].map(luhnValid)).toEqual([false, false]);
});

describe.each<NodeEnv>(['development', 'production'])('no secret leaks (NODE_ENV=%s, real HTTP gateway)', (nodeEnv) => {
  const gut = { nodeEnv, sent: [] } as unknown as GatewayUnderTest;
  let logMark = 0;

  beforeAll(async () => {
    gut.logs = captureLogger('trace');
    gut.gateway = await startTestServer(
      // Each interceptor answers exactly one call; the breaker stays closed through the failures.
      testConfig({ ZOHO_TIMEOUT_MS: '400', NODE_ENV: nodeEnv, ZOHO_RETRIES: '0', ZOHO_BREAKER_THRESHOLD: '0' }),
      { logger: gut.logs.logger, now: () => NOW },
    );
    started.push(gut);
  });

  /** The log lines each test searched itself ([from, to) indexes). */
  const covered: Array<[number, number]> = [];

  beforeEach(() => {
    logMark = gut.logs.lines().length;
  });

  afterEach(() => {
    covered.push([logMark, gut.logs.lines().length]);
  });

  /**
   * Searches the replies of this test and the log lines written during it; checks that every
   * request that reached Apollo left its operation line, and each reply's routing numbers.
   */
  function expectNoLeaks(sent: readonly Sent[]): void {
    const lines = gut.logs.lines().slice(logMark);
    const leaks: string[] = [];
    const sanity: string[] = [];
    for (const one of sent) {
      const result = inspectReply(nodeEnv, one);
      leaks.push(...result.leaks);
      sanity.push(...result.sanity);
      const reachesApollo = one.spec.reachesApollo ?? true;
      const ownId = one.requestId?.startsWith('leak.') ? one.requestId : undefined;
      if (reachesApollo && ownId) {
        const logged = lines.some((line) => line.includes('"msg":"graphql operation"') && line.includes(`"requestId":"${ownId}"`));
        if (!logged) sanity.push(`[${nodeEnv}] ${one.spec.label}: no "graphql operation" log line for request ${ownId}`);
      }
    }
    if (sent.some((one) => one.spec.reachesApollo ?? true) && !lines.some((line) => line.includes('"msg":"graphql operation"'))) {
      sanity.push(`[${nodeEnv}] no "graphql operation" log line at all (${lines.length} lines captured)`);
    }
    leaks.push(...inspectLogs(nodeEnv, lines));
    expect({ leaks, sanity }).toEqual({ leaks: [], sanity: [] });
  }

  // -------------------------------------------------------------------------------------------
  // 1. Every operation succeeds, over replies full of extra secrets.

  test('every operation succeeds over replies whose extra fields hold full card, account and routing numbers and the token', async () => {
    const t = TOKEN;
    upstream('GET', PM_PATH(pmId(1)), t).reply(200, methodReply(cardMethod(pmId(1), t), t));
    upstream('GET', PM_PATH(pmId(2)), t).reply(200, methodReply(achMethod(pmId(2), t), t));
    upstream('GET', PM_PATH(pmId(3)), t).reply(200, methodReply(achMethod(pmId(3), t), t));
    upstream('GET', PM_PATH(pmId(4)), t).reply(200, methodReply(cardMethod(pmId(4), t), t));
    upstream('GET', PM_PATH(pmId(5)), t).reply(200, methodReply(achMethod(pmId(5), t), t));
    upstream('GET', PM_PATH(pmId(6)), t).reply(404, { code: 'resource_does_not_exist', message: 'The payment method does not exist.' });
    upstream('GET', SESSION_PATH(sessionId(7)), t).reply(200, sessionReply(sessionObject(sessionId(7), pmId(8), t), t));
    upstream('GET', PM_PATH(pmId(8)), t).reply(200, methodReply(achMethod(pmId(8), t), t));
    upstream('POST', SESSIONS_PATH, t).reply(
      201,
      sessionReply(
        { ...extras(t), payment_method_session_id: sessionId(9), customer_id: CUSTOMER_ID, description: 'Card on file', created_time: CREATED },
        t,
      ),
    );
    upstream('GET', PM_PATH(pmId(10)), t).reply(200, methodReply(cardMethod(pmId(10), t), t));
    upstream('PUT', PM_PATH(pmId(10)), t).reply(200, methodReply(cardMethod(pmId(10), t, { last_modified_time: CREATED + 60 }), t));
    upstream('GET', PM_PATH(pmId(11)), t).reply(200, methodReply(achMethod(pmId(11), t), t));
    upstream('PUT', PM_PATH(pmId(11)), t).reply(200, methodReply(achMethod(pmId(11), t, {}, { account_holder_type: 'individual' }), t));
    upstream('DELETE', PM_PATH(pmId(12)), t).reply(200, { ...seed('delete-payment-method.response'), ...extras(t) });
    upstream('GET', PM_PATH(pmId(13)), t).reply(200, methodReply(achMethod(pmId(13), t), t));
    upstream('GET', SESSION_PATH(sessionId(14)), t).reply(200, sessionReply(sessionObject(sessionId(14), pmId(15), t, 'card'), t));
    upstream('GET', PM_PATH(pmId(15)), t).reply(200, methodReply(cardMethod(pmId(15), t), t));

    const sent = await Promise.all([
      send(gut, { label: 'paymentMethod card', body: gql(DOC.paymentMethod, { id: pmId(1) }) }),
      send(gut, { label: 'paymentMethod ACH', body: gql(DOC.paymentMethod, { id: pmId(2) }), routingNumbers: 1 }),
      send(gut, { label: 'paymentMethod ACH without routingNumber', body: gql(DOC.paymentMethodNoRouting, { id: pmId(3) }) }),
      send(gut, {
        label: 'paymentMethods card, ACH, missing',
        body: gql(DOC.paymentMethods, { ids: [pmId(4), pmId(5), pmId(6)] }),
        routingNumbers: 1,
      }),
      send(gut, { label: 'paymentMethodSession with its ACH paymentMethod', body: gql(DOC.paymentMethodSession, { id: sessionId(7) }), routingNumbers: 1 }),
      send(gut, {
        label: 'createPaymentMethodSession',
        body: gql(DOC.createPaymentMethodSession, { input: { customerId: CUSTOMER_ID, description: 'Card on file' } }),
      }),
      send(gut, {
        label: 'updatePaymentMethod card',
        body: gql(DOC.updatePaymentMethod, {
          input: { id: pmId(10), card: { expiryMonth: 12, expiryYear: 2030 }, billingAddress: { country: 'US', city: 'Detroit' } },
        }),
      }),
      send(gut, {
        label: 'updatePaymentMethod ACH',
        body: gql(DOC.updatePaymentMethod, { input: { id: pmId(11), achDebit: { accountHolderType: 'INDIVIDUAL' } } }),
        routingNumbers: 1,
      }),
      send(gut, { label: 'deletePaymentMethod', body: gql(DOC.deletePaymentMethod, { input: { id: pmId(12) } }) }),
      send(gut, {
        label: '_entities',
        body: gql(DOC.entities, {
          representations: [
            { __typename: 'PaymentMethod', id: pmId(13) },
            { __typename: 'PaymentMethodSession', id: sessionId(14) },
            { __typename: 'Customer', id: CUSTOMER_ID },
          ],
        }),
        routingNumbers: 1,
      }),
    ]);

    // Each operation really succeeded (the search below would pass vacuously on errors).
    const bodies = sent.map((one) => parseJson(one.reply.text) as GraphQLBody);
    expect(bodies.map((body) => body.errors ?? [])).toEqual(sent.map(() => []));
    const data = bodies.map((body) => body.data ?? {});
    expect(data[0]).toMatchObject({ paymentMethod: { id: pmId(1), details: { __typename: 'CardDetails', last4: '9424' } } });
    expect(data[1]).toMatchObject({ paymentMethod: { details: { __typename: 'AchDebitDetails', routingNumber: ROUTING_ACH, last4: '1234' } } });
    expect(data[2]).toMatchObject({ paymentMethod: { details: { __typename: 'AchDebitDetails', last4: '1234' } } });
    expect((data[3] as { paymentMethods: unknown[] }).paymentMethods).toHaveLength(3);
    expect((data[3] as { paymentMethods: unknown[] }).paymentMethods[2]).toBeNull();
    expect(data[4]).toMatchObject({ paymentMethodSession: { paymentMethod: { details: { routingNumber: ROUTING_ACH } } } });
    expect(data[5]).toMatchObject({ createPaymentMethodSession: { paymentMethodSession: { status: 'CREATED' }, userErrors: [] } });
    expect(data[6]).toMatchObject({ updatePaymentMethod: { paymentMethod: { id: pmId(10) }, userErrors: [] } });
    expect(data[7]).toMatchObject({ updatePaymentMethod: { paymentMethod: { details: { accountHolderType: 'INDIVIDUAL' } }, userErrors: [] } });
    expect(data[8]).toEqual({ deletePaymentMethod: { deletedPaymentMethodId: pmId(12), userErrors: [] } });
    expect((data[9] as { _entities: unknown[] })._entities).toHaveLength(3);

    // Debug lines (one per upstream call) are captured too.
    const lines = gut.logs.lines().slice(logMark);
    expect(lines.filter((line) => line.includes('"level":20') && line.includes('zoho GET')).length).toBeGreaterThanOrEqual(10);
    expectNoLeaks(sent);
  });

  // -------------------------------------------------------------------------------------------
  // 2. What the caller sends.

  /** [label, document, variables]: each is refused with an error or a user error, or (JSON number id, `_entities` with bad ids) finds nothing. */
  const wrongTypeVariables = (token: string): Array<[string, string, Json]> => [
    // ID accepts a JSON number: this one is all digits, so it is a valid id and goes to Zoho (404 below).
    ['paymentMethod, id a card number as a JSON number', DOC.paymentMethod, { id: Number(CARD_IN_VISA) }],
    ['paymentMethod, id a card number with letters', DOC.paymentMethod, { id: `${CARD_IN_VISA}x` }],
    ['paymentMethod, id the token', DOC.paymentMethod, { id: token }],
    ['paymentMethods, ids of cards and routing numbers', DOC.paymentMethods, { ids: [spaced(CARD_IN_MC), dashed(CARD_IN_AMEX), `${ROUTING_IN_A}x`] }],
    ['paymentMethodSession, id the whole Authorization', DOC.paymentMethodSession, { id: authorization(token) }],
    [
      'createPaymentMethodSession, description an object holding secrets',
      DOC.createPaymentMethodSession,
      { input: { customerId: dashed(CARD_IN_AMEX), description: { authorization: authorization(token), card: CARD_IN_VISA, routing: ROUTING_IN_A } } },
    ],
    [
      'createPaymentMethodSession, customerId a card number with letters, description a number',
      DOC.createPaymentMethodSession,
      { input: { customerId: `cus_${CARD_IN_VISA}`, description: Number(CARD_IN_MC) } },
    ],
    [
      'updatePaymentMethod card, expiry as card and routing numbers, country the token',
      DOC.updatePaymentMethod,
      {
        input: {
          id: `pm_${CARD_IN_VISA}`,
          card: { expiryMonth: spaced(CARD_IN_MC), expiryYear: ROUTING_IN_A },
          billingAddress: { country: token, postalCode: Number(ROUTING_IN_B), city: { token } },
        },
      },
    ],
    [
      'updatePaymentMethod card, numbers as JSON numbers out of range',
      DOC.updatePaymentMethod,
      { input: { id: pmId(20), card: { expiryMonth: Number(CARD_IN_VISA), expiryYear: Number(ROUTING_IN_A) } } },
    ],
    [
      'updatePaymentMethod ACH, accountHolderType a card number, id a routing number with letters',
      DOC.updatePaymentMethod,
      { input: { id: `${ROUTING_IN_B}x`, achDebit: { accountHolderType: CARD_IN_VISA } } },
    ],
    [
      'updatePaymentMethod ACH, country a routing number',
      DOC.updatePaymentMethod,
      { input: { id: pmId(21), achDebit: { accountHolderType: 'COMPANY' }, billingAddress: { country: ROUTING_IN_A } } },
    ],
    ['deletePaymentMethod, id a list of secrets', DOC.deletePaymentMethod, { input: { id: [CARD_IN_VISA, ROUTING_IN_A, token] } }],
    ['deletePaymentMethod, id the token', DOC.deletePaymentMethod, { input: { id: token } }],
    [
      '_entities, ids holding secrets',
      DOC.entities,
      {
        representations: [
          { __typename: 'PaymentMethod', id: `${CARD_IN_VISA}x` },
          { __typename: 'PaymentMethodSession', id: token },
          { __typename: 'Customer', id: `${ROUTING_IN_A}z` },
          { __typename: 'PaymentMethod', id: { card: dashed(CARD_IN_AMEX) } },
        ],
      },
    ],
    ['_entities, __typename a card number', DOC.entities, { representations: [{ __typename: CARD_IN_VISA, id: pmId(22) }] }],
    ['_entities, __typename the token', DOC.entities, { representations: [{ __typename: token, id: pmId(23) }] }],
    ['_entities, representations not objects', DOC.entities, { representations: [spaced(CARD_IN_MC), ROUTING_IN_A, token] }],
  ];

  test.each([
    ['a Zoho-shaped token', TOKEN],
    ['an unusual-shaped token', ODD_TOKEN],
  ])('secrets in variables of the wrong type, for every operation (caller with %s)', async (_shape, token) => {
    upstream('GET', PM_PATH(CARD_IN_VISA), token).reply(404, { code: 'resource_does_not_exist', message: 'The payment method does not exist.' });
    const sent = await Promise.all(
      wrongTypeVariables(token).map(([label, document, variables]) =>
        send(gut, { label: `wrong types: ${label}`, token, body: gql(document, variables) }),
      ),
    );
    // Every one was refused or found nothing: no data came back.
    const answered = sent
      .map((one) => ({ label: one.spec.label, codes: outcomeCodes(one.reply), data: (parseJson(one.reply.text) as GraphQLBody).data }))
      .filter(({ codes, data }) => codes.length === 0 && !onlyNulls(data));
    expect(answered).toEqual([]);
    expectNoLeaks(sent);
  });

  test.each([
    ['a Zoho-shaped token', TOKEN],
    ['an unusual-shaped token', ODD_TOKEN],
  ])('secrets as literals in the query text, for every operation (caller with %s)', async (_shape, token) => {
    // An Int literal for an ID is coerced to a string: all digits, so it reaches Zoho.
    upstream('DELETE', PM_PATH(CARD_IN_VISA), token).reply(404, {
      code: 'resource_does_not_exist',
      message: `Payment method ${CARD_IN_VISA} does not exist.`,
    });
    const documents: Array<[string, string]> = [
      [
        'queries with secret ids',
        `query LeakLiteralQueries { paymentMethod(id: "${spaced(CARD_IN_MC)}") { id }
          paymentMethods(ids: ["${dashed(CARD_IN_AMEX)}", "${ROUTING_IN_A}x", "${token}"]) { id }
          paymentMethodSession(id: "Zoho-oauthtoken ${token}") { id }
          _entities(representations: [{ __typename: "PaymentMethod", id: "${CARD_IN_VISA}x" }]) { __typename } }`,
      ],
      [
        'createPaymentMethodSession with secret literals',
        `mutation LeakLiteralCreate { createPaymentMethodSession(input: {
          customerId: "${CARD_IN_VISA}-${ROUTING_IN_A}", description: "${"x".repeat(1001)} ${CARD_IN_VISA} ${token}" }) {
          paymentMethodSession { id } userErrors { field code message } } }`,
      ],
      [
        'updatePaymentMethod card with literals of the wrong type',
        `mutation LeakLiteralUpdateCard { updatePaymentMethod(input: { id: "${pmId(30)}",
          card: { expiryMonth: "${spaced(CARD_IN_MC)}", expiryYear: "${token}" },
          billingAddress: { country: "${ROUTING_IN_A}" } }) { paymentMethod { id } userErrors { field code message } } }`,
      ],
      [
        'updatePaymentMethod card with Int literals too large',
        `mutation LeakLiteralUpdateInts { updatePaymentMethod(input: { id: "${pmId(31)}",
          card: { expiryMonth: ${CARD_IN_VISA}, expiryYear: ${CARD_IN_AMEX} } }) { paymentMethod { id } userErrors { field code message } } }`,
      ],
      [
        'updatePaymentMethod ACH with an enum literal holding a card number',
        `mutation LeakLiteralUpdateAch { updatePaymentMethod(input: { id: "${pmId(32)}",
          achDebit: { accountHolderType: COMPANY_${CARD_IN_VISA} } }) { paymentMethod { id } userErrors { field code message } } }`,
      ],
      [
        'deletePaymentMethod with an Int literal card number as id',
        `mutation LeakLiteralDelete { deletePaymentMethod(input: { id: ${CARD_IN_VISA} }) { deletedPaymentMethodId userErrors { field code message } } }`,
      ],
      ['a syntax error at a card number', `query LeakLiteralSyntax { paymentMethod(id: "${pmId(33)}") { id } ${CARD_IN_VISA} }`],
      ['a syntax error at the token', `query LeakLiteralSyntaxToken { paymentMethod(id: "${pmId(34)}") { id } "${token}" }`],
      ['an unknown field named after a card number', `query LeakLiteralUnknownField { paymentMethod(id: "${pmId(35)}") { id card_${CARD_IN_VISA} } }`],
      ['an unknown argument holding the token', `query LeakLiteralUnknownArgument { paymentMethod(id: "${pmId(36)}", token: "${token}") { id } }`],
    ];
    const sent = await Promise.all(
      documents.map(([label, document]) => send(gut, { label: `literals: ${label}`, token, body: { query: document } })),
    );
    for (const one of sent) {
      expect({ label: one.spec.label, codes: outcomeCodes(one.reply).length > 0 }).toEqual({ label: one.spec.label, codes: true });
    }
    expectNoLeaks(sent);
  });

  test('secrets in aliases: the spec echoes them as response keys, but never in a log line or a message', async () => {
    upstream('GET', PM_PATH(pmId(40)), TOKEN).reply(200, methodReply(achMethod(pmId(40), TOKEN), TOKEN));
    const aliases = [`card_${CARD_IN_VISA}`, `routing_${ROUTING_IN_A}`, `amex${CARD_IN_AMEX}`];
    const document = `query LeakAliases($id: ID!) {
      ${aliases[0]}: paymentMethod(id: $id) { ...PaymentMethodFields }
      ${aliases[1]}: paymentMethodSession(id: "not-an-id") { id }
      ${aliases[2]}: paymentMethod(id: "${pmId(41)}x") { id }
    } ${PM_FIELDS}`;
    const conflict = `query LeakAliasConflict { ${aliases[0]}: paymentMethod(id: "${pmId(42)}") { id } ${aliases[0]}: paymentMethod(id: "${pmId(43)}") { id } }`;
    const sent = [
      await send(gut, { label: 'aliases holding card and routing numbers', body: gql(document, { id: pmId(40) }), aliases, routingNumbers: 1 }),
      await send(gut, { label: 'conflicting aliases holding a card number', body: { query: conflict }, aliases }),
    ];
    expect(outcomeCodes(sent[0]!.reply)).toEqual(['BAD_USER_INPUT', 'BAD_USER_INPUT']);
    expect(outcomeCodes(sent[1]!.reply)).toEqual(['GRAPHQL_VALIDATION_FAILED']);
    expectNoLeaks(sent);
  });

  test("the caller's name-shaped token as an alias", async () => {
    const aliases = [NAME_TOKEN];
    const document = `query LeakTokenAlias { ${NAME_TOKEN}: paymentMethod(id: "${pmId(44)}x") { id } }`;
    const sent = [await send(gut, { label: 'the token as an alias', token: NAME_TOKEN, body: { query: document }, aliases })];
    expect(outcomeCodes(sent[0]!.reply)).toEqual(['BAD_USER_INPUT']);
    expectNoLeaks(sent);
  });

  test('secrets in operation names (card and routing numbers)', async () => {
    upstream('GET', PM_PATH(pmId(45)), TOKEN).reply(200, methodReply(cardMethod(pmId(45), TOKEN), TOKEN));
    const name = `Op_${CARD_IN_VISA}_${ROUTING_IN_A}`;
    const sent = [
      await send(gut, {
        label: 'operation name holding a card and a routing number',
        body: { query: `query ${name} { paymentMethod(id: "${pmId(45)}") { id last: details { ... on CardDetails { last4 } } } }`, operationName: name },
      }),
      await send(gut, {
        label: 'operationName naming no operation, holding a card number',
        body: { query: `query Known { paymentMethod(id: "${pmId(46)}") { id } }`, operationName: `Unknown_${CARD_IN_MC}_${dashed(CARD_IN_AMEX)}` },
      }),
      await send(gut, {
        label: 'operationName with two operations, none chosen',
        body: { query: `query A_${CARD_IN_VISA} { __typename } query B_${ROUTING_IN_B} { __typename }` },
      }),
    ];
    expect(outcomeCodes(sent[0]!.reply)).toEqual([]);
    expect(outcomeCodes(sent[1]!.reply)).toEqual(['OPERATION_RESOLUTION_FAILURE']);
    expect(outcomeCodes(sent[2]!.reply)).toEqual(['OPERATION_RESOLUTION_FAILURE']);
    expectNoLeaks(sent);
  });

  test("the caller's name-shaped token as its operation name", async () => {
    upstream('GET', PM_PATH(pmId(47)), NAME_TOKEN).reply(200, methodReply(cardMethod(pmId(47), NAME_TOKEN), NAME_TOKEN));
    const sent = [
      await send(gut, {
        label: 'the token as the operation name',
        token: NAME_TOKEN,
        body: { query: `query ${NAME_TOKEN} { paymentMethod(id: "${pmId(47)}") { id } }`, operationName: NAME_TOKEN },
      }),
    ];
    expect(outcomeCodes(sent[0]!.reply)).toEqual([]);
    expectNoLeaks(sent);
  });

  test.each([
    ['the OAuth token', TOKEN, TOKEN],
    ['a card number', CARD_IN_VISA, TOKEN],
    ['a card number grouped by dashes', dashed(CARD_IN_MC), TOKEN],
    ['a routing number', ROUTING_IN_A, TOKEN],
    ["the caller's name-shaped token", NAME_TOKEN, NAME_TOKEN],
  ])('x-request-id holding %s', async (_what, requestId, token) => {
    upstream('GET', PM_PATH(pmId(50)), token).reply(401, zohoError('INVALID_OAUTHTOKEN', token));
    const sent = [
      await send(gut, {
        label: `x-request-id holding ${_what}`,
        token,
        headers: { 'x-request-id': requestId },
        body: gql(DOC.paymentMethod, { id: pmId(50) }),
      }),
    ];
    expect(outcomeCodes(sent[0]!.reply)).toEqual(['UNAUTHENTICATED']);
    expectNoLeaks(sent);
  });

  test('secrets in Authorization and X-Zoho-Account-Id headers', async () => {
    // An account id is digits: a card number is a well-formed one, and goes to Zoho as account_id.
    upstream('GET', PM_PATH(pmId(51)), TOKEN, CARD_IN_VISA).reply(403, zohoError(57, TOKEN));
    upstream('GET', PM_PATH(pmId(52)), ODD_TOKEN).reply(401, zohoError('INVALID_OAUTHTOKEN', ODD_TOKEN));
    const query = (n: number) => gql(DOC.paymentMethod, { id: pmId(n) });
    const sent = [
      await send(gut, { label: 'Authorization: a card number', token: null, headers: { authorization: `Zoho-oauthtoken ${spaced(CARD_IN_MC)}` }, body: query(53) }),
      await send(gut, { label: 'Authorization: Bearer token', token: null, headers: { authorization: `Bearer ${TOKEN}` }, body: query(54) }),
      await send(gut, { label: 'Authorization: the token without its scheme', token: null, headers: { authorization: ODD_TOKEN }, body: query(55) }),
      await send(gut, {
        label: 'Authorization: the token and a routing number',
        token: null,
        headers: { authorization: `Zoho-oauthtoken ${TOKEN} ${ROUTING_IN_A}` },
        body: query(56),
      }),
      await send(gut, { label: 'X-Zoho-Account-Id: the token', headers: { 'x-zoho-account-id': TOKEN }, body: query(57) }),
      await send(gut, { label: 'X-Zoho-Account-Id: a card number (digits)', headers: { 'x-zoho-account-id': CARD_IN_VISA }, body: query(51) }),
      await send(gut, { label: 'the unusual token, rejected by Zoho quoting it', token: ODD_TOKEN, body: query(52) }),
    ];
    expect(sent.map((one) => outcomeCodes(one.reply))).toEqual([
      ['UNAUTHENTICATED'],
      ['UNAUTHENTICATED'],
      ['UNAUTHENTICATED'],
      ['UNAUTHENTICATED'],
      ['BAD_USER_INPUT'],
      ['FORBIDDEN'],
      ['UNAUTHENTICATED'],
    ]);
    expectNoLeaks(sent);
  });

  test.each([
    ['a Zoho-shaped token', TOKEN],
    ['an unusual-shaped token', ODD_TOKEN],
  ])('secrets in the description of createPaymentMethodSession, created or quoted back by Zoho (caller with %s)', async (_shape, token) => {
    const description =
      `Pay with ${spaced(CARD_IN_MC)} or ${dashed(CARD_IN_AMEX)} or ${CARD_IN_VISA}, routing ${ROUTING_IN_A}/${ROUTING_IN_B}, ` +
      `auth Zoho-oauthtoken ${token}, token ${token}`;
    upstream('POST', SESSIONS_PATH, token)
      .matchHeader('content-type', /json/)
      .reply(201, (_uri, body) => {
        // Zoho got exactly what the caller wrote (the gateway forwards the caller's own data).
        expect((body as Json)['description']).toBe(description);
        return sessionReply(
          { ...extras(token), payment_method_session_id: sessionId(60), customer_id: CUSTOMER_ID, description: 'Card on file', created_time: CREATED },
          token,
        );
      });
    upstream('POST', SESSIONS_PATH, token).reply(400, (_uri, body) => ({
      code: 'invalid_description',
      message: `Description "${String((body as Json)['description'])}" is not allowed for ${authorization(token)}`,
      ...extras(token),
    }));
    upstream('POST', SESSIONS_PATH, token).reply(404, {
      code: 'resource_does_not_exist',
      message: `Customer of ${description} does not exist`,
    });
    const create = (label: string) =>
      send(gut, { label, token, body: gql(DOC.createPaymentMethodSession, { input: { customerId: CUSTOMER_ID, description } }) });
    const sent = [
      await create('description with secrets, created'),
      await create('description with secrets, quoted back in a Zoho 400'),
      await create('description with secrets, quoted back in a Zoho 404'),
    ];
    expect(sent.map((one) => outcomeCodes(one.reply))).toEqual([[], ['user:UNKNOWN'], ['user:NOT_FOUND']]);
    expectNoLeaks(sent);
  });

  test('secrets in a GET URL, a body that is not JSON, a body too large and a text/plain body', async () => {
    const sent = [
      await send(gut, {
        label: 'GET with secrets in query, variables and operationName',
        method: 'GET',
        headers: { 'content-type': undefined },
        params: {
          query: `query LeakGet($id: ID!) { paymentMethod(id: $id) { id } c: paymentMethod(id: "${spaced(CARD_IN_MC)}") { id } }`,
          variables: JSON.stringify({ id: `${CARD_IN_VISA} ${ROUTING_IN_A} ${TOKEN}` }),
          operationName: 'LeakGet',
        },
      }),
      await send(gut, {
        label: 'GET of a mutation holding secrets',
        method: 'GET',
        headers: { 'content-type': undefined },
        params: { query: `mutation LeakGetMutation { deletePaymentMethod(input: { id: "${CARD_IN_VISA}" }) { deletedPaymentMethodId } }` },
      }),
      await send(gut, {
        label: 'a body that is not JSON',
        body: `{"query": "{ paymentMethod(id: \\"${CARD_IN_VISA}\\") { id } }", "variables": {"auth": "Zoho-oauthtoken ${TOKEN}", "r": "${ROUTING_IN_A}"`,
        reachesApollo: false,
      }),
      await send(gut, {
        label: 'a body too large',
        body: JSON.stringify({ query: '{ __typename }', variables: { pad: `${CARD_IN_VISA} ${TOKEN} ${ROUTING_IN_A} `.repeat(1500) } }),
        reachesApollo: false,
      }),
      await send(gut, {
        label: 'a text/plain body',
        headers: { 'content-type': 'text/plain' },
        body: `query { paymentMethod(id: "${CARD_IN_VISA}") { id } } ${TOKEN} ${ROUTING_IN_A}`,
        reachesApollo: false,
      }),
    ];
    expect(sent.map((one) => one.reply.status)).toEqual([200, 405, 400, 413, 400]);
    expectNoLeaks(sent);
  });

  // -------------------------------------------------------------------------------------------
  // 3. Zoho fails, for every operation.

  type Fail = (interceptor: nock.Interceptor, token: string) => void;
  interface Failure {
    name: string;
    /** The error code every operation gets, unless `outcome` below says otherwise. */
    code: string;
    fail: Fail;
  }

  const FAILURES: Failure[] = [
    { name: 'Zoho 401 quoting the secrets', code: 'UNAUTHENTICATED', fail: (i, t) => i.reply(401, zohoError('INVALID_OAUTHTOKEN', t)) },
    { name: 'Zoho 403 quoting the secrets', code: 'FORBIDDEN', fail: (i, t) => i.reply(403, zohoError(57, t)) },
    { name: 'Zoho 400 quoting the secrets', code: 'BAD_USER_INPUT', fail: (i, t) => i.reply(400, zohoError('invalid_request', t)) },
    { name: 'Zoho 404 quoting the secrets', code: 'NOT_FOUND', fail: (i, t) => i.reply(404, zohoError('resource_does_not_exist', t)) },
    {
      name: 'Zoho 429 quoting the secrets',
      code: 'RATE_LIMITED',
      fail: (i, t) => i.reply(429, zohoError('too_many_requests', t), { 'Retry-After': '30' }),
    },
    { name: 'Zoho 418 (unexpected status) quoting the secrets', code: 'UPSTREAM_ERROR', fail: (i, t) => i.reply(418, zohoError('teapot', t)) },
    { name: 'Zoho 500 quoting the secrets', code: 'UPSTREAM_ERROR', fail: (i, t) => i.reply(500, zohoError('error', t)) },
    {
      name: 'a 502 HTML page holding the secrets',
      code: 'UPSTREAM_ERROR',
      fail: (i, t) => i.reply(502, htmlPage('502 Bad Gateway', t), { 'Content-Type': 'text/html' }),
    },
    {
      name: 'a bare 404 HTML page holding the secrets',
      code: 'UPSTREAM_ERROR',
      fail: (i, t) => i.reply(404, htmlPage('404 Not Found', t), { 'Content-Type': 'text/html' }),
    },
    {
      name: 'a 200 with malformed JSON holding the secrets',
      code: 'UPSTREAM_ERROR',
      fail: (i, t) =>
        i.reply(
          200,
          `{"code":0,"message":"success","payment_method":{"card_number":"${CARD_UP_EXTRA}","routing_number":"${ROUTING_UP_ERROR}",` +
            `"authorization":"Zoho-oauthtoken ${t}","account_number":"${ACCOUNT_UP}"`,
          { 'Content-Type': 'application/json' },
        ),
    },
    {
      name: 'a 200 HTML page holding the secrets',
      code: 'UPSTREAM_ERROR',
      fail: (i, t) => i.reply(200, htmlPage('Sign in to Zoho', t), { 'Content-Type': 'text/html' }),
    },
    {
      name: 'a 200 of an unexpected shape holding the secrets',
      code: 'UPSTREAM_ERROR',
      fail: (i, t) => {
        const odd = {
          payment_method_id: `pm ${CARD_UP_ERROR}`,
          payment_method_session_id: authorization(t),
          customer_id: [ROUTING_UP_ERROR],
          type: 'card',
          card: { last_four_digits: CARD_UP_EXTRA, card_number: CARD_UP_EXTRA },
          ach_debit: { last_four_digits: ROUTING_UP_ERROR, account_number: ACCOUNT_UP },
          status: 7,
          created_time: `t${CARD_UP_ERROR}`,
        };
        i.reply(200, { code: { value: 0, token: t, card: CARD_UP_ERROR }, message: zohoMessage(t), payment_method: odd, payment_method_session: odd });
      },
    },
    {
      name: 'a 200 whose envelope reports an error quoting the secrets',
      code: 'UPSTREAM_ERROR',
      fail: (i, t) => i.reply(200, zohoError('error', t)),
    },
    { name: 'a 200 with an empty body', code: 'UPSTREAM_ERROR', fail: (i) => i.reply(200, '') },
    {
      name: 'a timeout (Zoho answers the secrets too late)',
      code: 'UPSTREAM_TIMEOUT',
      fail: (i, t) => i.delay(1500).reply(500, zohoError('error', t)),
    },
    {
      name: 'a reset connection whose error quotes the secrets',
      code: 'UPSTREAM_ERROR',
      fail: (i, t) => i.replyWithError(Object.assign(new Error(`read ECONNRESET: ${zohoMessage(t)}`), { code: 'ECONNRESET' })),
    },
  ];

  /** How an operation turns a failure into its outcome: a query's 404 is null, a mutation's a user error. */
  type OpKind = 'query' | 'nested' | 'mutation' | 'mutation-read';
  function expectedOutcome(failure: Failure, kind: OpKind): string {
    const status = /Zoho (\d{3})/.exec(failure.name)?.[1];
    if (status === '404') {
      if (kind === 'query') return 'null';
      if (kind === 'nested') return 'UPSTREAM_ERROR';
      return 'user:NOT_FOUND';
    }
    if (status === '400' && kind === 'mutation') return 'user:UNKNOWN';
    return failure.code;
  }

  interface MatrixOp {
    name: string;
    kind: OpKind;
    /** Installs the interceptors: the failing call gets `fail`, any other call answers normally. */
    stub: (fail: Fail, token: string) => void;
    body: Json;
  }

  const MATRIX: MatrixOp[] = [
    {
      name: 'paymentMethod',
      kind: 'query',
      stub: (fail, t) => fail(upstream('GET', PM_PATH(pmId(100)), t), t),
      body: gql(DOC.paymentMethod, { id: pmId(100) }),
    },
    {
      name: 'paymentMethods',
      kind: 'query',
      stub: (fail, t) => {
        upstream('GET', PM_PATH(pmId(101)), t).reply(200, methodReply(cardMethod(pmId(101), t), t));
        fail(upstream('GET', PM_PATH(pmId(102)), t), t);
      },
      body: gql(DOC.paymentMethods, { ids: [pmId(101), pmId(102)] }),
    },
    {
      name: 'paymentMethodSession',
      kind: 'query',
      stub: (fail, t) => fail(upstream('GET', SESSION_PATH(sessionId(103)), t), t),
      body: gql(DOC.paymentMethodSession, { id: sessionId(103) }),
    },
    {
      name: "paymentMethodSession's paymentMethod",
      kind: 'nested',
      stub: (fail, t) => {
        upstream('GET', SESSION_PATH(sessionId(104)), t).reply(200, sessionReply(sessionObject(sessionId(104), pmId(105), t), t));
        fail(upstream('GET', PM_PATH(pmId(105)), t), t);
      },
      body: gql(DOC.paymentMethodSession, { id: sessionId(104) }),
    },
    {
      name: 'createPaymentMethodSession',
      kind: 'mutation',
      stub: (fail, t) => fail(upstream('POST', SESSIONS_PATH, t), t),
      body: gql(DOC.createPaymentMethodSession, { input: { customerId: CUSTOMER_ID, description: 'Card on file' } }),
    },
    {
      name: 'updatePaymentMethod card',
      kind: 'mutation',
      stub: (fail, t) => {
        upstream('GET', PM_PATH(pmId(106)), t).reply(200, methodReply(cardMethod(pmId(106), t), t));
        fail(upstream('PUT', PM_PATH(pmId(106)), t), t);
      },
      body: gql(DOC.updatePaymentMethod, {
        input: { id: pmId(106), card: { expiryMonth: 12, expiryYear: 2030 }, billingAddress: { country: 'US', postalCode: '12345' } },
      }),
    },
    {
      name: 'updatePaymentMethod ACH',
      kind: 'mutation',
      stub: (fail, t) => {
        upstream('GET', PM_PATH(pmId(107)), t).reply(200, methodReply(achMethod(pmId(107), t), t));
        fail(upstream('PUT', PM_PATH(pmId(107)), t), t);
      },
      body: gql(DOC.updatePaymentMethod, { input: { id: pmId(107), achDebit: { accountHolderType: 'COMPANY' } } }),
    },
    {
      name: 'updatePaymentMethod, reading the method',
      kind: 'mutation-read',
      stub: (fail, t) => fail(upstream('GET', PM_PATH(pmId(108)), t), t),
      body: gql(DOC.updatePaymentMethod, { input: { id: pmId(108), achDebit: { accountHolderType: 'INDIVIDUAL' } } }),
    },
    {
      name: 'deletePaymentMethod',
      kind: 'mutation',
      stub: (fail, t) => fail(upstream('DELETE', PM_PATH(pmId(109)), t), t),
      body: gql(DOC.deletePaymentMethod, { input: { id: pmId(109) } }),
    },
    {
      name: '_entities',
      kind: 'query',
      stub: (fail, t) => {
        fail(upstream('GET', PM_PATH(pmId(110)), t), t);
        fail(upstream('GET', SESSION_PATH(sessionId(111)), t), t);
      },
      body: gql(DOC.entities, {
        representations: [
          { __typename: 'PaymentMethod', id: pmId(110) },
          { __typename: 'PaymentMethodSession', id: sessionId(111) },
        ],
      }),
    },
  ];

  test.each(FAILURES.map((failure) => [failure.name, failure] as const))('every operation, when Zoho fails: %s', async (_name, failure) => {
    for (const op of MATRIX) op.stub(failure.fail, TOKEN);
    const sent = await Promise.all(MATRIX.map((op) => send(gut, { label: `${failure.name}: ${op.name}`, body: op.body })));
    const outcomes = MATRIX.map((op, index) => {
      const codes = outcomeCodes(sent[index]!.reply);
      const expected = expectedOutcome(failure, op.kind);
      const ok = expected === 'null' ? codes.length === 0 : codes.length > 0 && codes.every((code) => code === expected);
      return { op: op.name, expected, codes, ok };
    });
    expect(outcomes.filter((outcome) => !outcome.ok)).toEqual([]);
    expectNoLeaks(sent);
  });

  test("a Zoho error message quoting an ACH account number (the contract: no full account number in an error)", async () => {
    const message = `Bank account ${ACCOUNT_UP} (routing ${ROUTING_UP_ERROR}) could not be verified`;
    upstream('GET', PM_PATH(pmId(120)), TOKEN).reply(400, { code: 'invalid_account', message });
    upstream('GET', PM_PATH(pmId(121)), TOKEN).reply(200, methodReply(achMethod(pmId(121), TOKEN), TOKEN));
    upstream('PUT', PM_PATH(pmId(121)), TOKEN).reply(422, { code: 'payment_method_unactivated', message });
    const sent = [
      await send(gut, { label: 'account number in a Zoho 400 (query)', body: gql(DOC.paymentMethod, { id: pmId(120) }) }),
      await send(gut, {
        label: 'account number in a Zoho 422 (mutation)',
        body: gql(DOC.updatePaymentMethod, { input: { id: pmId(121), achDebit: { accountHolderType: 'COMPANY' } } }),
      }),
    ];
    expect(sent.map((one) => outcomeCodes(one.reply))).toEqual([['BAD_USER_INPUT'], ['user:INVALID']]);
    expectNoLeaks(sent);
  });

  // -------------------------------------------------------------------------------------------
  // 4. Zoho answers well-formed replies whose values are not what the schema knows.

  test('replies whose enum, type, currency, country and time values hold secrets', async () => {
    const t = TOKEN;
    upstream('GET', PM_PATH(pmId(130)), t).reply(
      200,
      methodReply(
        cardMethod(pmId(130), t, {
          status: spaced(CARD_UP_ERROR),
          card: {
            card_holder_name: 'Charles',
            last_four_digits: '9424',
            expiry_month: '01',
            expiry_year: '29',
            card_checks: { address_line_check: CARD_UP_EXTRA, postal_code_check: ROUTING_UP_ERROR, cvc_check: t },
          },
        }),
        t,
      ),
    );
    upstream('GET', PM_PATH(pmId(131)), t).reply(
      200,
      methodReply(achMethod(pmId(131), t, {}, { account_holder_type: ROUTING_UP_ERROR }), t),
    );
    upstream('GET', PM_PATH(pmId(132)), t).reply(200, methodReply(cardMethod(pmId(132), t, { type: `ach_${ROUTING_UP_ERROR}` }), t));
    upstream('GET', PM_PATH(pmId(133)), t).reply(200, methodReply(cardMethod(pmId(133), t, { currency: CARD_UP_ERROR }), t));
    upstream('GET', PM_PATH(pmId(134)), t).reply(
      200,
      methodReply(cardMethod(pmId(134), t, { billing_address: { country: ROUTING_UP_ERROR, card_number: CARD_UP_EXTRA } }), t),
    );
    upstream('GET', PM_PATH(pmId(135)), t).reply(200, methodReply(cardMethod(pmId(135), t, { created_time: `t${CARD_UP_ERROR}` }), t));
    upstream('GET', SESSION_PATH(sessionId(136)), t).reply(
      200,
      sessionReply({ ...sessionObject(sessionId(136), pmId(137), t), status: authorization(t) }, t),
    );
    upstream('GET', PM_PATH(pmId(137)), t).reply(200, methodReply(achMethod(pmId(137), t), t));

    const sent = [
      await send(gut, { label: 'statuses and card checks holding secrets', body: gql(DOC.paymentMethod, { id: pmId(130) }) }),
      await send(gut, { label: 'accountHolderType holding a routing number', body: gql(DOC.paymentMethod, { id: pmId(131) }), routingNumbers: 1 }),
      await send(gut, { label: 'type holding a routing number', body: gql(DOC.paymentMethod, { id: pmId(132) }) }),
      await send(gut, { label: 'currency holding a card number', body: gql(DOC.paymentMethod, { id: pmId(133) }) }),
      await send(gut, { label: 'country holding a routing number', body: gql(DOC.paymentMethod, { id: pmId(134) }) }),
      await send(gut, { label: 'created_time holding a card number', body: gql(DOC.paymentMethod, { id: pmId(135) }) }),
      await send(gut, { label: 'session status the whole Authorization', body: gql(DOC.paymentMethodSession, { id: sessionId(136) }), routingNumbers: 1 }),
    ];
    // An unknown type is UNKNOWN (its upstreamType masked), an unknown currency null: answered,
    // not errors. The country and the time still fail (their scalars and the time rule refuse them).
    expect(sent.map((one) => outcomeCodes(one.reply))).toEqual([
      [],
      [],
      [],
      [],
      ['INTERNAL_SERVER_ERROR'],
      ['UPSTREAM_ERROR'],
      [],
    ]);
    const details = (parseJson(sent[2]!.reply.text) as GraphQLBody).data?.['paymentMethod'] as Json | undefined;
    expect(details).toMatchObject({ type: 'UNKNOWN', details: { __typename: 'UnknownPaymentMethodDetails', upstreamType: 'ach_••••0358' } });
    expect((parseJson(sent[3]!.reply.text) as GraphQLBody).data?.['paymentMethod']).toMatchObject({ currency: null });
    // The unknown values were logged as warnings (so the search of the logs had them to look at).
    const lines = gut.logs.lines().slice(logMark);
    expect(lines.filter((line) => line.includes('"level":40') && line.includes('does not know')).length).toBeGreaterThanOrEqual(4);
    expect(lines.some((line) => line.includes('"level":50') && line.includes('unexpected error while executing an operation'))).toBe(true);
    expectNoLeaks(sent);
  });

  // -------------------------------------------------------------------------------------------
  // 5. The whole capture of this gateway.

  test('the whole capture: debug lines, an operation line per request, stack traces only outside production, no secret between tests', () => {
    const lines = gut.logs.lines();
    expect(lines.length).toBeGreaterThan(100);
    // Debug lines were captured, and every line is JSON with a level.
    expect(lines.some((line) => line.includes('"level":20'))).toBe(true);
    expect(lines.every((line) => typeof (JSON.parse(line) as { level?: unknown }).level === 'number')).toBe(true);
    const operationLines = lines.filter((line) => line.includes('"msg":"graphql operation"'));
    expect(operationLines.length).toBeGreaterThanOrEqual(gut.sent.filter((one) => one.spec.reachesApollo ?? true).length);

    const withStacktrace = gut.sent.filter((one) =>
      ((parseJson(one.reply.text) as GraphQLBody | undefined)?.errors ?? []).some((error) => Array.isArray(error.extensions?.['stacktrace'])),
    );
    if (nodeEnv === 'development') {
      // Outside production stack traces are sent (redacted): the production check is not vacuous.
      expect(withStacktrace.length).toBeGreaterThan(10);
    } else {
      expect(withStacktrace.map((one) => one.spec.label)).toEqual([]);
    }

    // Lines written outside every test's own window (start-up, late lines) are searched here.
    const outside = lines.filter((_line, index) => !covered.some(([from, to]) => index >= from && index < to));
    expect(inspectLogs(nodeEnv, outside)).toEqual([]);
  });
});
