/**
 * Hardening: the gateway, fuzzed over real HTTP. A real gateway (`createGateway` on 127.0.0.1, port
 * 0) runs in front of a real in-process sandbox (`startSandbox`), once with nodeEnv 'production'
 * and once with 'development', and fast-check throws at it:
 *
 * 1. random operations built from the schema's root fields, with random selections, aliases,
 *    nesting, fragments and directives, plus garbage and huge documents (token, alias, directive
 *    and fragment floods, very deep nesting), sometimes with an upstream fault queued;
 * 2. random variables: wrong types, huge strings, lone surrogates, numbers of 19+ digits, NaN-like
 *    strings, nesting thousands deep (some bodies past the 100 kb limit on purpose);
 * 3. random headers: Authorization, X-Zoho-Account-Id, content-type, accept, x-request-id,
 *    apollo-require-preflight, over POST and over GET with the operation in the URL;
 * 4. random raw bodies: not JSON, truncated JSON, batches, `{"query": 5}`, bodies past the limit.
 *
 * For every request: no 5xx; a JSON body (the development explorer page, HTML by contract, aside:
 * it must be that one static page byte for byte, so nothing of a request can be in it)
 * whose errors each carry a string `extensions.code` that is never INTERNAL_SERVER_ERROR (that
 * means our code threw something unexpected); no stack trace in a message or anywhere in the body
 * (development's `extensions.stacktrace` is the contract's and is set aside); no injected card
 * number outside `data` (where a caller's own description or a Customer entity's id come back by
 * design); no token sent in Authorization, and no full card or account number the sandbox was
 * given when the customer completed a session, anywhere in the reply (headers and `data`
 * included); a reply within REPLY_LIMIT_MS (the gateway runs in this process, so a slow reply
 * means it blocked its event loop, everyone's). After each property the gateway still answers
 * GET /healthz, and nothing reached `unhandledRejection` or `uncaughtException` on the process
 * (listened to on Jest's process object and on Node's own, which Jest's sandbox hides).
 *
 * Requests go through node:http (test/http-client.ts): nock intercepts `fetch`, and only loopback
 * is let through. Limits the gateway may enforce (depth, aliases, tokens, directives, body size)
 * are not assumed: a refusal is fine as long as it is a well-formed 4xx. The sandbox is reset
 * before every request, so a counterexample replays alone. The oracle itself is tested first,
 * on hand-made replies, so that each check is known to be able to fail.
 */
import { Writable } from 'node:stream';
import vm from 'node:vm';
import fc from 'fast-check';
import nock from 'nock';
import { startSandbox, type RunningSandbox } from '../../sandbox/server';
import type { NodeEnv as AnyNodeEnv } from '../../src/config';
import { createLogger } from '../../src/observability/logger';
import type { Gateway } from '../../src/server';
import { startTestServer, testConfig } from '../helpers';
import { httpRequest, type HttpReply } from '../http-client';

type NodeEnv = Extract<AnyNodeEnv, 'production' | 'development'>;

/** The gateway's time limit per upstream call: small, so a slow upstream costs little. */
const ZOHO_TIMEOUT_MS = 300;
/** Runs per property and environment (4 properties, each in 2 environments). */
const RUNS = { operations: 300, variables: 300, headers: 250, bodies: 250 };
/**
 * The longest a reply may take. Upstream calls are bounded by ZOHO_TIMEOUT_MS, so a slower reply
 * means the gateway hung or (it runs in this process) blocked the event loop for everyone.
 */
const REPLY_LIMIT_MS = 3000;
/** fast-check stops (reporting the smallest counterexample so far) after this long... */
const PROPERTY_TIME_LIMIT_MS = 60_000;
/** ...well within Jest's limit per property. */
const PROPERTY_TIMEOUT_MS = 120_000;

const ACCOUNT = '1000000001';
const FULL = 'sandbox_full';
const READ_ONLY = 'sandbox_read';
const FIXTURE_CARD = '1987000000724211';
const FIXTURE_ACH = '1987000000724212';
const FIXTURE_SUCCEEDED_SESSION = '1987000000724209';
const FIXTURE_OPEN_SESSION = '1987000000724210';
const CHARLES = '1987000000724207';

/** Luhn-valid card numbers the fuzzer injects; none may come back whole (in any spelling). */
const CARDS = ['4242424242424242', '4111 1111 1111 1111', '4111-1111-1111-1111', '5555555555554444', '378282246310005'];
const digitsOf = (card: string) => card.replace(/\D/g, '');

/** A stack frame: Node's four-space "    at " line, or "at fn (/path/file.ts:12:34)". */
const STACK_FRAME = / {4}at \S|\bat (?:async )?(?:[\w.$<>[\]]+ )?\(?(?:\/|node:|file:)[^\s)"]*:\d+:\d+/;

// ---------------------------------------------------------------------------------------------
// Requests and what every reply must satisfy
// ---------------------------------------------------------------------------------------------

interface FuzzRequest {
  method: 'GET' | 'POST';
  /** The URL's query string for GET ('' or starting with '?'). */
  search: string;
  headers: Record<string, string>;
  body?: string;
  /** Tokens sent in Authorization that must not come back. */
  tokens: readonly string[];
}

const clip = (text: string, max = 300) => (text.length <= max ? text : `${text.slice(0, max)}... (${text.length} chars)`);

/** A request as fast-check prints a counterexample: method, URL, headers, body, huge parts clipped. */
function printable(request: FuzzRequest): FuzzRequest {
  return Object.assign(request, {
    [fc.toStringMethod]: () =>
      [
        `${request.method} /graphql${clip(request.search, 600)}`,
        ...Object.entries(request.headers).map(([name, value]) => `${name}: ${JSON.stringify(clip(value, 200))}`),
        request.body === undefined ? '(no body)' : `body: ${JSON.stringify(clip(request.body, 1500))}`,
      ].join('\n  '),
  });
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** Everything wrong with one reply (empty when it is fine). */
function problemsWith(env: NodeEnv, request: FuzzRequest, reply: HttpReply, upstreamSecrets: readonly string[] = []): string[] {
  const problems: string[] = [];
  if (reply.status >= 500) problems.push(`HTTP ${reply.status} from the gateway`);
  const contentType = String(reply.headers['content-type'] ?? '');
  const landingPage =
    env === 'development' && request.method === 'GET' && reply.status === 200 && contentType.startsWith('text/html');
  // The explorer is one page rendered at start, the same for every request: its 9 MB of inlined
  // GraphiQL hold text that looks like stack frames, so it is compared whole instead of searched.
  const explorer = landingPage && reply.text === explorerPage;
  if (landingPage && !explorer) problems.push('HTML that is not the explorer page');

  let body: unknown;
  let isJson = false;
  try {
    body = JSON.parse(reply.text);
    isJson = true;
  } catch {
    if (!landingPage) problems.push(`the body is not JSON (content-type "${contentType}")`);
  }

  // What is checked for stack traces: the whole body, except a JSON body's `data` (which echoes
  // the caller's own values by design) and development's `extensions.stacktrace`. For card
  // numbers: the same, stack traces included.
  let outsideData = reply.text;
  let withoutData = reply.text;
  if (isJson) {
    if (!isRecord(body)) {
      problems.push('the JSON body is not an object');
    } else {
      if (!('data' in body) && !('errors' in body)) problems.push('the JSON body has neither `data` nor `errors`');
      const { data: _data, ...rest } = body;
      withoutData = JSON.stringify(rest);
      if ('errors' in body) {
        const errors = body['errors'];
        if (!Array.isArray(errors) || errors.length === 0) {
          problems.push('`errors` is not a non-empty array');
        } else {
          rest['errors'] = errors.map((error: unknown, i) => {
            if (!isRecord(error)) {
              problems.push(`errors[${i}] is not an object`);
              return error;
            }
            const extensions = isRecord(error['extensions']) ? error['extensions'] : undefined;
            const code = extensions?.['code'];
            if (typeof error['message'] !== 'string') problems.push(`errors[${i}].message is not a string`);
            else if (STACK_FRAME.test(error['message'])) problems.push(`errors[${i}].message holds a stack trace`);
            if (typeof code !== 'string') problems.push(`errors[${i}].extensions.code is not a string`);
            if (code === 'INTERNAL_SERVER_ERROR') problems.push(`errors[${i}] is INTERNAL_SERVER_ERROR: our code threw something unexpected`);
            if (!extensions || !('stacktrace' in extensions)) return error;
            if (env === 'production') {
              problems.push(`errors[${i}].extensions.stacktrace in production`);
              return error;
            }
            const { stacktrace: _stacktrace, ...others } = extensions;
            return { ...error, extensions: others };
          });
        }
      }
      outsideData = JSON.stringify(rest);
    }
  }
  if (explorer) outsideData = withoutData = '';
  if (STACK_FRAME.test(outsideData)) problems.push('the body holds a stack trace');

  // A card number as a number of its own (inside a longer run of digits it is no card number).
  const standalone = (number: string) => new RegExp(`(?<![0-9])${number}(?![0-9])`);
  for (const card of CARDS) {
    for (const spelling of new Set([card, digitsOf(card)])) {
      if (standalone(spelling).test(withoutData)) problems.push(`the reply echoes the card number ${spelling}`);
    }
  }
  const everything = `${JSON.stringify(reply.headers)}\n${explorer ? '' : reply.text}`;
  for (const secret of upstreamSecrets) {
    if (standalone(secret).test(everything)) problems.push(`the reply holds the full number ${secret} that only Zoho knows`);
  }
  const sent = `${request.search}\n${request.body ?? ''}`;
  for (const token of request.tokens) {
    // A token the caller also wrote into its operation may come back as part of that operation.
    if (token.length >= 8 && !sent.includes(token) && everything.includes(token)) {
      problems.push(`the reply echoes the Authorization token ${clip(token, 40)}`);
    }
  }
  return problems;
}

// ---------------------------------------------------------------------------------------------
// Shared generators: strings, headers, upstream faults
// ---------------------------------------------------------------------------------------------

/** `arbitrary`'s value `percent` % of the time, else `nil` (to which it shrinks). */
function sometimes<T, N = undefined>(arbitrary: fc.Arbitrary<T>, percent: number, nil?: N): fc.Arbitrary<T | N> {
  return fc.oneof({ weight: 100 - percent, arbitrary: fc.constant(nil as N) }, { weight: percent, arbitrary });
}

/** What node:http lets a header value hold: tab, printable ASCII and 0x80-0xFF (no CR/LF). */
const headerChar = fc
  .oneof(fc.integer({ min: 0x20, max: 0x7e }), fc.integer({ min: 0x80, max: 0xff }), fc.constant(0x09))
  .map((code) => String.fromCharCode(code));
const latin1 = (maxLength: number) => fc.string({ unit: headerChar, maxLength });
/** Unicode text as a client sends it in a header: its UTF-8 bytes, read as latin1 by node. */
const unicodeHeader = fc
  .string({ unit: 'binary', maxLength: 30 })
  .map((text) => Buffer.from(text, 'utf8').toString('latin1').replace(/[^\t\x20-\x7e\x80-\xff]/g, ''));
const hugeHeader = fc
  .record({ length: fc.integer({ min: 500, max: 2000 }), char: fc.constantFrom('a', '9', '-', '\u00e9') })
  .map(({ length, char }) => char.repeat(length));

/** A made-up OAuth token shaped like Zoho's (1000.<hex>.<hex>): unknown to the sandbox. */
const hex = (minLength: number, maxLength: number) =>
  fc.string({ unit: fc.constantFrom(...'0123456789abcdef'), minLength, maxLength });
const madeUpToken = fc.tuple(hex(8, 32), hex(8, 32)).map(([a, b]) => `1000.${a}.${b}`);

interface Credentials {
  headers: Record<string, string>;
  tokens: readonly string[];
}

const sentAuthorization = (value: string, tokens: readonly string[] = []) => ({ value, tokens });
const authorization = fc.oneof(
  { weight: 8, arbitrary: fc.constant(sentAuthorization(`Zoho-oauthtoken ${FULL}`, [FULL])) },
  { weight: 1, arbitrary: fc.constant(sentAuthorization(`Zoho-oauthtoken ${READ_ONLY}`, [READ_ONLY])) },
  { weight: 2, arbitrary: madeUpToken.map((token) => sentAuthorization(`Zoho-oauthtoken ${token}`, [token])) },
  {
    weight: 1,
    arbitrary: fc
      .tuple(fc.constantFrom('Bearer', 'zoho-oauthtoken', 'Zoho-oauthtoken ', 'ZOHO-OAUTHTOKEN', 'Basic', '', 'Zoho-oauthtoken\t'), madeUpToken)
      .map(([scheme, token]) => sentAuthorization(`${scheme} ${token}`, [token])),
  },
  { weight: 1, arbitrary: latin1(200).map((value) => sentAuthorization(value)) },
  {
    weight: 1,
    arbitrary: fc.integer({ min: 4, max: 1000 }).map((n) => {
      const token = `1000.${'1-'.repeat(n)}2`;
      return sentAuthorization(`Zoho-oauthtoken ${token}`, [token]);
    }),
  },
  { weight: 1, arbitrary: unicodeHeader.map((text) => sentAuthorization(`Zoho-oauthtoken ${text}`)) },
  {
    weight: 1,
    // Around the 2048 characters a token may have (nock, installed for every test, counts header
    // bytes its own way: far enough from node's 16 kB limit, the request always reaches the gateway).
    arbitrary: fc.integer({ min: 50, max: 1100 }).map((n) => {
      const token = `1000.${'ab'.repeat(n)}`;
      return sentAuthorization(`Zoho-oauthtoken ${token}`, [token]);
    }),
  },
);

const accountId: fc.Arbitrary<string> = fc.oneof(
  { weight: 8, arbitrary: fc.constant(ACCOUNT) },
  { weight: 1, arbitrary: fc.stringMatching(/^[0-9]{1,25}$/) },
  {
    weight: 1,
    arbitrary: fc.constantFrom(` ${ACCOUNT} `, '2000000002', `-${ACCOUNT}`, `${ACCOUNT}, ${ACCOUNT}`, '1e9', '0', `0000000000${ACCOUNT}`, ''),
  },
  { weight: 1, arbitrary: latin1(40) },
  { weight: 1, arbitrary: unicodeHeader },
);

/** The caller's credentials: usually the sandbox's valid ones, so operations reach the upstream. */
const credentials: fc.Arbitrary<Credentials> = fc
  .record({ auth: sometimes(authorization, 90), account: sometimes(accountId, 90) })
  .map(({ auth, account }) => ({
    headers: {
      ...(auth && { authorization: auth.value }),
      ...(account !== undefined && { 'x-zoho-account-id': account }),
    },
    tokens: auth?.tokens ?? [],
  }));

/** Faults the sandbox can put in front of the next calls of every endpoint (sandbox/README.md). */
const upstreamFault = fc.record({
  endpoint: fc.constant('*'),
  count: fc.integer({ min: 1, max: 3 }),
  fault: fc.oneof(
    fc.constantFrom(500, 502, 503).map((status) => ({ type: 'status', status })),
    fc.constantFrom({ type: 'drop' }, { type: 'malformed_json' }, { type: 'unexpected_shape' }),
    fc.integer({ min: 0, max: 86_400 }).map((seconds) => ({ type: 'rate_limit', retry_after: seconds })),
    fc.constant({ type: 'latency', latency_ms: ZOHO_TIMEOUT_MS + 200 }),
  ),
});
type UpstreamFault = typeof upstreamFault extends fc.Arbitrary<infer T> ? T : never;

// ---------------------------------------------------------------------------------------------
// 1. Operations built from the schema
// ---------------------------------------------------------------------------------------------

/** Output types and their fields (null: a leaf), as in subgraph.graphql, plus introspection's. */
const TYPES: Record<string, Record<string, string | null>> = {
  Query: {
    paymentMethodSession: 'PaymentMethodSession',
    paymentMethod: 'PaymentMethod',
    paymentMethods: 'PaymentMethod',
    _entities: '_Entity',
    _service: '_Service',
    __typename: null,
    __type: '__Type',
    __schema: '__Schema',
  },
  Mutation: {
    createPaymentMethodSession: 'CreatePaymentMethodSessionPayload',
    updatePaymentMethod: 'UpdatePaymentMethodPayload',
    deletePaymentMethod: 'DeletePaymentMethodPayload',
    __typename: null,
  },
  PaymentMethodSession: {
    id: null,
    customer: 'Customer',
    description: null,
    status: null,
    createdAt: null,
    paymentMethod: 'PaymentMethod',
    __typename: null,
  },
  PaymentMethod: {
    id: null,
    type: null,
    customer: 'Customer',
    status: null,
    currency: null,
    details: 'PaymentMethodDetails',
    billingAddress: 'BillingAddress',
    createdAt: null,
    updatedAt: null,
  },
  Customer: { id: null, name: null, email: null },
  PaymentMethodDetails: { __typename: null },
  CardDetails: { cardholderName: null, last4: null, expiryMonth: null, expiryYear: null, checks: 'CardChecks' },
  CardChecks: { addressLine: null, postalCode: null, cvc: null },
  AchDebitDetails: { accountHolderName: null, accountHolderType: null, bankName: null, accountType: null, routingNumber: null, last4: null },
  BillingAddress: { name: null, addressLine1: null, addressLine2: null, city: null, state: null, country: null, postalCode: null },
  CreatePaymentMethodSessionPayload: { paymentMethodSession: 'PaymentMethodSession', userErrors: 'UserError' },
  UpdatePaymentMethodPayload: { paymentMethod: 'PaymentMethod', userErrors: 'UserError' },
  DeletePaymentMethodPayload: { deletedPaymentMethodId: null, userErrors: 'UserError' },
  UserError: { field: null, code: null, message: null },
  _Service: { sdl: null },
  _Entity: { __typename: null },
  __Schema: { queryType: '__Type', types: '__Type', description: null },
  __Type: { name: null, kind: null, fields: '__Field', ofType: '__Type', possibleTypes: '__Type' },
  __Field: { name: null, type: '__Type', isDeprecated: null },
};
/** What an inline fragment on each type may name (its possible types, and one wrong type). */
const FRAGMENT_TYPES: Record<string, string[]> = {
  PaymentMethodDetails: ['CardDetails', 'AchDebitDetails', 'PaymentMethod'],
  _Entity: ['PaymentMethod', 'PaymentMethodSession', 'Customer', 'CardDetails'],
};

const quoted = (text: string) => JSON.stringify(text);
const range = (n: number, item: (i: number) => string) => Array.from({ length: n }, (_, i) => item(i)).join(' ');
const garbageText = fc.oneof(
  { weight: 6, arbitrary: fc.string({ maxLength: 20 }) },
  { weight: 1, arbitrary: fc.string({ unit: 'binary', maxLength: 20 }) },
  { weight: 1, arbitrary: fc.integer({ min: 0xd800, max: 0xdfff }).map((code) => String.fromCharCode(code)) },
);

/**
 * Runs of digit groups ("1 1 1 ...", card numbers separated by spaces or dashes): what card-number
 * redaction must scan, kept to a few kB so that even a slow scan ends.
 */
const digitGroups = fc
  .record({ n: fc.integer({ min: 1, max: 1500 }), group: fc.constantFrom('1 ', '12-', '4242424242424242 ') })
  .map(({ n, group }) => group.repeat(n).trim());

/** A literal where an ID goes: fixtures, unknown and malformed ids, card numbers, wrong types. */
const idLiteral: fc.Arbitrary<string> = fc.oneof(
  {
    weight: 4,
    arbitrary: fc.constantFrom(FIXTURE_CARD, FIXTURE_ACH, FIXTURE_SUCCEEDED_SESSION, FIXTURE_OPEN_SESSION, '1987000000999999').map(quoted),
  },
  { weight: 1, arbitrary: fc.constantFrom(...CARDS).map(quoted) },
  { weight: 1, arbitrary: fc.constant(CARDS[0] as string) },
  { weight: 1, arbitrary: fc.stringMatching(/^[0-9]{1,25}$/).map(quoted) },
  {
    weight: 1,
    arbitrary: fc.constantFrom('""', '"0"', `" ${FIXTURE_CARD}"`, '"-1"', '1987000000724211', '-1', '1.5', 'null', 'true', 'CARD', '[]', '{}', '$id', '$nope'),
  },
  { weight: 1, arbitrary: garbageText.map(quoted) },
  { weight: 1, arbitrary: digitGroups.map((digits) => `[${quoted(digits)}]`) },
);
const textLiteral: fc.Arbitrary<string> = fc.oneof(
  fc.constantFrom('"Fuzz"', '""', 'null', '1', 'true', '[]', '$id'),
  fc.constantFrom(...CARDS).map((card) => quoted(`my card is ${card}`)),
  garbageText.map(quoted),
  fc.integer({ min: 990, max: 1010 }).map((n) => quoted('d'.repeat(n))),
  digitGroups.map(quoted),
);
const intLiteral = fc.constantFrom('1', '12', '13', '0', '-1', '2030', '2099', '2100', '99', '2147483648', '1.5', '"12"', 'null', 'JAN');

const idArgument = fc.oneof(
  { weight: 6, arbitrary: idLiteral.map((id) => `(id: ${id})`) },
  { weight: 1, arbitrary: fc.constantFrom('', '(id: "1", id: "2")', '(ids: ["1"])', '(id: $id, extra: 1)') },
);
const idsArgument = fc.oneof(
  { weight: 4, arbitrary: fc.array(idLiteral, { maxLength: 5 }).map((ids) => `(ids: [${ids.join(', ')}])`) },
  { weight: 1, arbitrary: idLiteral.map((id) => `(ids: ${id})`) },
  {
    weight: 1,
    arbitrary: fc.integer({ min: 95, max: 400 }).map((n) => `(ids: [${Array.from({ length: n }, () => quoted(FIXTURE_CARD)).join(',')}])`),
  },
);
const typenameLiteral = fc.oneof(
  fc.constantFrom('PaymentMethod', 'PaymentMethodSession', 'Customer', 'Query', 'Nope', '__Type', '').map(quoted),
  fc.constantFrom('1', 'null', 'PaymentMethod'),
  garbageText.map(quoted),
);
const representation = fc.oneof(
  { weight: 4, arbitrary: fc.tuple(typenameLiteral, idLiteral).map(([t, id]) => `{ __typename: ${t}, id: ${id} }`) },
  { weight: 1, arbitrary: typenameLiteral.map((t) => `{ __typename: ${t} }`) },
  { weight: 1, arbitrary: fc.constantFrom('{}', '"x"', '1', 'null', '[{ __typename: "Customer", id: "1" }]') },
);
const representationsArgument = fc.oneof(
  { weight: 4, arbitrary: fc.array(representation, { maxLength: 5 }).map((r) => `(representations: [${r.join(', ')}])`) },
  {
    weight: 1,
    arbitrary: fc
      .integer({ min: 50, max: 1500 })
      .map((n) => `(representations: [${Array.from({ length: n }, (_, i) => `{ __typename: "PaymentMethod", id: "${i % 3 === 0 ? FIXTURE_CARD : 1987000000000000 + i}" }`).join(',')}])`),
  },
  { weight: 1, arbitrary: fc.constantFrom('', '(representations: {})', '(representations: null)') },
);
/** Fields of an input object: each present or not, with a valid-looking or a wrong value. */
const inputObject = (fields: Record<string, fc.Arbitrary<string>>) =>
  fc
    .tuple(fc.record(fields, { requiredKeys: [] }), sometimes(fc.constantFrom('nope: 1', 'number: "4242424242424242"', '__typename: 1'), 10))
    .map(([present, extra]) => `{ ${[...Object.entries(present).map(([k, v]) => `${k}: ${v}`), ...(extra ? [extra] : [])].join(', ')} }`);
const inputArgument = (fields: Record<string, fc.Arbitrary<string>>) =>
  fc.oneof(
    { weight: 6, arbitrary: inputObject(fields).map((input) => `(input: ${input})`) },
    { weight: 1, arbitrary: fc.oneof(idLiteral, fc.constantFrom('', '$input')).map((v) => (v === '' ? '' : `(input: ${v})`)) },
  );
const customerIdLiteral = fc.oneof(fc.constant(quoted(CHARLES)), idLiteral);
const ROOT_ARGUMENTS: Record<string, fc.Arbitrary<string>> = {
  paymentMethodSession: idArgument,
  paymentMethod: idArgument,
  paymentMethods: idsArgument,
  _entities: representationsArgument,
  __type: fc.oneof(fc.constantFrom('PaymentMethod', 'Query', '__Type', 'Nope').map((name) => `(name: ${quoted(name)})`), textLiteral.map((t) => `(name: ${t})`)),
  createPaymentMethodSession: inputArgument({ customerId: customerIdLiteral, description: textLiteral }),
  updatePaymentMethod: inputArgument({
    id: idLiteral,
    card: inputObject({ expiryMonth: intLiteral, expiryYear: intLiteral }),
    achDebit: inputObject({ accountHolderType: fc.constantFrom('INDIVIDUAL', 'COMPANY', 'BOGUS', '"COMPANY"', 'null') }),
    billingAddress: inputObject({
      country: fc.oneof(fc.constantFrom('"US"', '"us"', '"ZZ"', '"USA"', 'null', '1'), textLiteral),
      city: textLiteral,
      postalCode: textLiteral,
      addressLine1: textLiteral,
    }),
  }),
  deletePaymentMethod: inputArgument({ id: idLiteral }),
};

const directives = fc
  .array(
    fc.constantFrom(
      '@skip(if: true)', '@skip(if: false)', '@include(if: true)', '@include(if: false)', '@include(if: $b)',
      '@unknown', '@skip', '@skip(if: "yes")', '@deprecated', '@key(fields: "id")', '@include(if: false) @include(if: true)',
    ),
    { maxLength: 2 },
  )
  .map((list) => list.join(' '));
const alias = sometimes(fc.constantFrom('a', 'b', 'x1', 'id', 'paymentMethod', '__typename', '_a'), 25);
const nonsenseField = fc.oneof(
  fc.constantFrom('nope', 'cardNumber', 'number', 'cvc', 'token', '__proto__', 'constructor', 'id { id }', 'id(x: 1)'),
  fc.stringMatching(/^[_a-zA-Z][_a-zA-Z0-9]{0,12}$/),
);
const fragmentSpread = fc.constantFrom('...F0', '...F1', '...Nope', '... { __typename }', '...F0 @skip(if: false)');

const selectionMemo = new Map<string, fc.Arbitrary<string>>();
/** A selection set on `type`, nesting at most `depth` more levels. */
function selectionSet(type: string, depth: number): fc.Arbitrary<string> {
  const key = `${type}/${depth}`;
  const memo = selectionMemo.get(key);
  if (memo) return memo;
  const fields = Object.entries(TYPES[type] ?? { __typename: null });
  const fieldSelections = fields.map(([name, target]) =>
    fc
      .tuple(
        alias,
        (type === 'Query' || type === 'Mutation' ? ROOT_ARGUMENTS[name] : undefined) ??
          sometimes(fc.constant('(x: 1)'), 5, ''),
        directives,
        target === null
          ? sometimes(fc.constant('{ id }'), 4, '')
          : depth > 0
            ? selectionSet(target, depth - 1)
            : fc.constantFrom('{ __typename }', ''),
      )
      .map(([a, args, dirs, sub]) => `${a ? `${a}: ` : ''}${name}${args} ${dirs} ${sub}`),
  );
  const inlineFragment = fc
    .tuple(fc.constantFrom(...(FRAGMENT_TYPES[type] ?? [type])), directives)
    .chain(([on, dirs]) => (depth > 0 ? selectionSet(on, depth - 1) : fc.constant('{ __typename }')).map((sub) => `... on ${on} ${dirs} ${sub}`));
  const item = fc.oneof(
    { weight: 8, arbitrary: fc.oneof(...fieldSelections) },
    { weight: 2, arbitrary: inlineFragment },
    { weight: 1, arbitrary: fragmentSpread },
    { weight: 1, arbitrary: nonsenseField },
  );
  const set = fc.array(item, { minLength: 1, maxLength: 4 }).map((items) => `{ ${items.join(' ')} }`);
  selectionMemo.set(key, set);
  return set;
}

const VARIABLE_DEFINITIONS = ['', '($id: ID!)', '($id: ID = "1987000000724211", $b: Boolean = true)', '($b: Boolean!)', '($id: String)', '($input: DeletePaymentMethodInput!)', '($id: ID!, $id: ID!)', '($x: Nope)'];
const operation = fc.oneof(
  {
    weight: 3,
    arbitrary: fc
      .tuple(fc.constantFrom('query', 'query', '', 'subscription'), fc.constantFrom('', 'A', 'B'), fc.constantFrom(...VARIABLE_DEFINITIONS), directives, selectionSet('Query', 3))
      .map(([kind, name, vars, dirs, sel]) => (kind === '' ? sel : `${kind} ${name}${vars} ${dirs} ${sel}`)),
  },
  {
    weight: 2,
    arbitrary: fc
      .tuple(fc.constantFrom('', 'A', 'B'), fc.constantFrom(...VARIABLE_DEFINITIONS), directives, selectionSet('Mutation', 3))
      .map(([name, vars, dirs, sel]) => `mutation ${name}${vars} ${dirs} ${sel}`),
  },
);
const fragmentDefinition = fc.oneof(
  fc
    .tuple(fc.constantFrom('F0', 'F1'), fc.constantFrom('Query', 'PaymentMethod', 'PaymentMethodSession', 'Mutation', 'Nope', 'String'))
    .chain(([name, on]) => selectionSet(TYPES[on] ? on : 'Query', 2).map((sel) => `fragment ${name} on ${on} ${sel}`)),
  fc.constant('fragment F0 on Query { ...F1 } fragment F1 on Query { ...F0 }'),
);
const wildDocument = fc
  .tuple(fc.array(operation, { minLength: 1, maxLength: 2 }), fc.array(fragmentDefinition, { maxLength: 2 }))
  .map(([operations, fragments]) => [...operations, ...fragments].join('\n'));

/** Literals of the right GraphQL type, whose values may still be wrong (unknown ids, card numbers). */
const idString = fc.oneof(
  {
    weight: 6,
    arbitrary: fc.constantFrom(FIXTURE_CARD, FIXTURE_ACH, FIXTURE_SUCCEEDED_SESSION, FIXTURE_OPEN_SESSION, '1987000000999999').map(quoted),
  },
  { weight: 1, arbitrary: fc.constantFrom(...CARDS).map(quoted) },
  { weight: 1, arbitrary: fc.stringMatching(/^[0-9]{1,25}$/).map(quoted) },
  { weight: 1, arbitrary: fc.constantFrom('1987000000724211', '0', '-1', '""', `" ${FIXTURE_CARD}"`) },
  { weight: 1, arbitrary: fc.string({ maxLength: 20 }).map(quoted) },
);
const stringValue = fc.oneof(
  fc.constantFrom('"Fuzz"', '""', 'null'),
  fc.constantFrom(...CARDS).map((card) => quoted(`card ${card}`)),
  fc.string({ maxLength: 20 }).map(quoted),
  fc.integer({ min: 990, max: 1010 }).map((n) => quoted('d'.repeat(n))),
);
const intValue = fc.oneof(
  fc.constantFrom('1', '12', '13', '0', '-1', '2026', '2030', '2099', '2100', '99'),
  fc.integer({ min: -2147483648, max: 2147483647 }).map(String),
);
const objectLiteral = (fields: Record<string, string | undefined>) =>
  `{ ${Object.entries(fields).filter(([, v]) => v !== undefined).map(([k, v]) => `${k}: ${v}`).join(', ')} }`;
const VALID_ARGUMENTS: Record<string, fc.Arbitrary<string>> = {
  paymentMethodSession: idString.map((id) => `(id: ${id})`),
  paymentMethod: idString.map((id) => `(id: ${id})`),
  paymentMethods: fc.oneof(
    { weight: 4, arbitrary: fc.array(idString, { maxLength: 6 }).map((ids) => `(ids: [${ids.join(', ')}])`) },
    { weight: 1, arbitrary: fc.integer({ min: 95, max: 150 }).map((n) => `(ids: [${range(n, (i) => quoted(String(1987000000724211 + i)))}])`) },
  ),
  _entities: fc
    .array(fc.tuple(fc.constantFrom('PaymentMethod', 'PaymentMethodSession', 'Customer', 'Nope'), idString), { maxLength: 6 })
    .map((reps) => `(representations: [${reps.map(([t, id]) => `{ __typename: "${t}", id: ${id} }`).join(', ')}])`),
  __type: fc.constantFrom('PaymentMethod', 'Query', 'Nope').map((name) => `(name: "${name}")`),
  createPaymentMethodSession: fc
    .record({ customerId: fc.oneof(fc.constant(quoted(CHARLES)), idString), description: stringValue }, { requiredKeys: ['customerId'] })
    .map((input) => `(input: ${objectLiteral(input)})`),
  updatePaymentMethod: fc
    .record(
      {
        id: idString,
        card: fc.record({ expiryMonth: intValue, expiryYear: intValue }).map(objectLiteral),
        achDebit: fc.constantFrom('INDIVIDUAL', 'COMPANY').map((type) => `{ accountHolderType: ${type} }`),
        billingAddress: fc
          .record({ country: fc.constantFrom('"US"', '"GB"', '"IN"'), city: stringValue, postalCode: stringValue, addressLine1: stringValue }, { requiredKeys: ['country'] })
          .map(objectLiteral),
      },
      { requiredKeys: ['id'] },
    )
    .map((input) => `(input: ${objectLiteral(input)})`),
  deletePaymentMethod: idString.map((id) => `(input: { id: ${id} })`),
};
const UNION_MEMBERS: Record<string, string[]> = {
  PaymentMethodDetails: ['CardDetails', 'AchDebitDetails'],
  _Entity: ['PaymentMethod', 'PaymentMethodSession', 'Customer'],
};
const validDirective = fc.constantFrom('', '', '', '@skip(if: false)', '@include(if: true)', '@skip(if: true)');

const validMemo = new Map<string, fc.Arbitrary<string>>();
/** A valid selection set on a non-root `type`: each field (or union member) present or not. */
function validSelectionSet(type: string, depth: number): fc.Arbitrary<string> {
  const key = `${type}/${depth}`;
  const memo = validMemo.get(key);
  if (memo) return memo;
  const members = UNION_MEMBERS[type];
  const parts = members
    ? members.map((member) =>
        fc.option(
          (depth > 0 ? validSelectionSet(member, depth - 1) : fc.constant('{ __typename }')).map((sel) => `... on ${member} ${sel}`),
          { freq: 2, nil: undefined },
        ),
      )
    : Object.entries(TYPES[type] ?? {})
        .filter(([, target]) => target === null || depth > 0)
        .map(([name, target]) =>
          fc.option(
            fc
              .tuple(validDirective, target === null ? fc.constant('') : validSelectionSet(target, depth - 1))
              .map(([directive, sel]) => `${name} ${directive} ${sel}`),
            { freq: 2, nil: undefined },
          ),
        );
  const set = fc.tuple(...parts).map((present) => {
    const items = present.filter((item): item is string => item !== undefined);
    return `{ ${items.length > 0 ? items.join(' ') : '__typename'} }`;
  });
  validMemo.set(key, set);
  return set;
}
/** A valid operation: one to three aliased root fields with arguments of the right types. */
const validOperation = (root: 'Query' | 'Mutation', keyword: string) =>
  fc
    .array(
      fc.oneof(
        ...Object.entries(TYPES[root] ?? {})
          .filter(([name]) => name !== '__schema')
          .map(([name, target]) =>
            fc
              .tuple(VALID_ARGUMENTS[name] ?? fc.constant(''), validDirective, target === null ? fc.constant('') : validSelectionSet(target, 4))
              .map(([args, directive, sel]) => `${name}${args} ${directive} ${sel}`),
          ),
      ),
      { minLength: 1, maxLength: 3 },
    )
    .map((fields) => `${keyword} { ${fields.map((field, i) => `r${i}: ${field}`).join(' ')} }`);
const validDocument = fc.oneof(
  { weight: 3, arbitrary: fc.constantFrom('', 'query', 'query Q').chain((keyword) => validOperation('Query', keyword)) },
  { weight: 2, arbitrary: validOperation('Mutation', 'mutation M') },
);

/** Documents no client writes: garbage, floods and very deep nesting. */
const hostileDocument = fc.oneof(
  fc.string({ maxLength: 200 }),
  fc.string({ unit: 'binary', maxLength: 200 }),
  fc.string({ unit: fc.constantFrom(...'{}()[]:@$!=.|&"#, \n'.split(''), 'query', 'mutation', 'fragment', 'on', '...', 'paymentMethod', 'id', '4242424242424242'), maxLength: 60 }),
  // ~50k tokens (about the body limit, past it for the longer tokens).
  fc
    .record({ n: fc.integer({ min: 1000, max: 60_000 }), token: fc.constantFrom('a', '{', '}', '__typename', '...', '@a', '$a', '1', '"s"', '(', '4242424242424242') })
    .map(({ n, token }) => `{ ${range(n, () => token)} }`),
  // Thousands of aliases.
  fc
    .record({
      n: fc.integer({ min: 100, max: 5000 }),
      field: fc.constantFrom('__typename', `paymentMethod(id: "${FIXTURE_CARD}") { id }`, `paymentMethodSession(id: "${FIXTURE_SUCCEEDED_SESSION}") { paymentMethod { id status } }`, 'nope'),
    })
    .map(({ n, field }) => `{ ${range(n, (i) => `a${i}: ${field}`)} }`),
  // Directive floods.
  fc
    .record({ n: fc.integer({ min: 10, max: 5000 }), directive: fc.constantFrom('@skip(if: false)', '@include(if: true)', '@unknown', '@deprecated') })
    .map(({ n, directive }) => `{ __typename ${range(n, () => directive)} }`),
  // Very deep nesting of real and nonsense fields.
  fc
    .record({ depth: fc.integer({ min: 1, max: 5000 }), field: fc.constantFrom('paymentMethod', 'customer', 'paymentMethodSession', 'details', 'nope') })
    .map(({ depth, field }) => `{ paymentMethodSession(id: "${FIXTURE_SUCCEEDED_SESSION}") { ${`${field} { `.repeat(depth)}id${' }'.repeat(depth)} } }`),
  fc.integer({ min: 1, max: 20_000 }).map((depth) => `${'{ '.repeat(depth)}__typename${' }'.repeat(depth)}`),
  fc.integer({ min: 1, max: 80 }).map((depth) => `{ __type(name: "__Type") { ${'fields { type { ofType { '.repeat(depth)}name${' } } }'.repeat(depth)} } }`),
  // Fragment chains and floods.
  fc.integer({ min: 1, max: 2000 }).map((n) => `{ ...F0 } ${range(n, (i) => `fragment F${i} on Query { __typename ...F${i + 1} }`)} fragment F${n} on Query { __typename }`),
  fc.integer({ min: 2, max: 3000 }).map((n) => `{ ${range(n, () => '...F0')} } fragment F0 on Query { paymentMethod(id: "${FIXTURE_CARD}") { id } }`),
);

/**
 * How the customer completes the open fixture session in the sandbox before the request (a card or
 * bank account of sandbox/README.md); the full number is then known upstream and must never come
 * back from the gateway, not even in `data`.
 */
const completion = fc.oneof(
  fc
    .constantFrom('4000056655665556', '4000000000000069', '4000000000009979', '4000000000000002', '4000000000000101', '4000000000000036', '4000000000000028')
    .map((number) => ({
      secret: number,
      body: {
        card: { number, cvc: '123', card_holder_name: 'Fuzz' },
        billing_address: { address_line1: '1 Main St', city: 'Detroit', country: 'US', postal_code: '12345' },
      },
    })),
  fc
    .constantFrom('000123456789', '000222222227', '000111111113', '000111111116')
    .map((accountNumber) => ({
      secret: accountNumber,
      body: { ach_debit: { routing_number: '110000000', account_number: accountNumber, account_holder_name: 'Fuzz' } },
    })),
);
type Completion = typeof completion extends fc.Arbitrary<infer T> ? T : never;

const operationRequest = fc
  .record({
    document: fc.oneof({ weight: 4, arbitrary: validDocument }, { weight: 3, arbitrary: wildDocument }, { weight: 1, arbitrary: hostileDocument }),
    operationName: sometimes(fc.constantFrom('A', 'B', 'Q', 'Nope', ''), 15),
    variables: sometimes(fc.constantFrom({ id: FIXTURE_CARD, b: true }, { id: CARDS[0], b: false }, { id: null, b: true }, { input: { id: FIXTURE_ACH } }), 20),
    overGet: fc.boolean(),
    credentials,
    fault: sometimes(upstreamFault, 20),
    completed: sometimes(completion, 30),
  })
  .map(({ document, operationName, variables, overGet, credentials: caller, fault, completed }) => {
    const payload = { query: document, ...(operationName !== undefined && { operationName }), ...(variables && { variables }) };
    const search = `?${new URLSearchParams({
      query: document,
      ...(operationName !== undefined && { operationName }),
      ...(variables && { variables: JSON.stringify(variables) }),
    }).toString()}`;
    // GET only while the URL stays well under node's 16 kB header limit.
    const request: FuzzRequest =
      overGet && search.length < 8000
        ? { method: 'GET', search, headers: { 'apollo-require-preflight': 'true', ...caller.headers }, tokens: caller.tokens }
        : {
            method: 'POST',
            search: '',
            headers: { 'content-type': 'application/json', ...caller.headers },
            body: JSON.stringify(payload),
            tokens: caller.tokens,
          };
    return { request: printable(request), fault, completed };
  });

// ---------------------------------------------------------------------------------------------
// 2. Variables
// ---------------------------------------------------------------------------------------------

/** JSON text written out verbatim (numbers JSON.stringify cannot spell, nesting too deep to build). */
class RawJson {
  constructor(readonly text: string) {}
  [fc.toStringMethod](): string {
    return `RawJson(${clip(this.text, 200)})`;
  }
}
function jsonText(value: unknown): string {
  if (value instanceof RawJson) return value.text;
  if (Array.isArray(value)) return `[${value.map(jsonText).join(',')}]`;
  if (isRecord(value)) return `{${Object.entries(value).map(([k, v]) => `${JSON.stringify(k)}:${jsonText(v)}`).join(',')}}`;
  return JSON.stringify(value) ?? 'null';
}

const hugeString = fc
  .record({ n: fc.integer({ min: 1000, max: 120_000 }), char: fc.constantFrom('x', '9', '\u00e9', '\u{1F600}', '\ud800', '4242424242424242') })
  .map(({ n, char }) => char.repeat(Math.ceil(n / char.length)));
const oddString = fc.oneof(
  fc.string({ maxLength: 30 }),
  fc.string({ unit: 'binary', maxLength: 30 }),
  fc.integer({ min: 0xd800, max: 0xdfff }).map((code) => `id${String.fromCharCode(code)}`),
  fc.constantFrom('', ' ', 'NaN', 'Infinity', '-Infinity', '-0', '0x10', '1e3', '\u0661\u0662\u0663', '\uff11\uff12\uff13', `${FIXTURE_CARD} `, `0${FIXTURE_CARD}`, '12345678901234567890', '\u0000', 'null', 'undefined', '__proto__', 'constructor', 'CARD', 'us', '\u00dcS'),
  fc.constantFrom(...CARDS),
  digitGroups,
);
const oddNumber = fc.oneof(
  fc.integer(),
  fc.double(),
  fc.constantFrom(4242424242424242, 2 ** 53 + 1, -1, 0, 1e21, Number.MAX_VALUE),
  fc.stringMatching(/^-?[1-9][0-9]{18,40}$/).map((digits) => new RawJson(digits)),
  fc.constantFrom('1e309', '-1e309', '-0', '1E400', '0.0000000000000000000000001').map((text) => new RawJson(text)),
);
const deepNesting = fc
  .record({ depth: fc.integer({ min: 100, max: 60_000 }), kind: fc.constantFrom('array', 'object', 'card') })
  .map(({ depth, kind }) =>
    kind === 'array'
      ? new RawJson(`${'['.repeat(depth)}${']'.repeat(depth)}`)
      : new RawJson(`${(kind === 'object' ? '{"a":' : '{"number":"4242424242424242","a":').repeat(depth)}1${'}'.repeat(depth)}`),
  );
const oddValue: fc.Arbitrary<unknown> = fc.letrec<{ value: unknown }>((tie) => ({
  value: fc.oneof(
    { depthSize: 'small', withCrossShrink: true },
    { weight: 3, arbitrary: oddString },
    { weight: 2, arbitrary: oddNumber },
    { weight: 1, arbitrary: fc.constantFrom(null, true, false) },
    { weight: 1, arbitrary: hugeString },
    { weight: 1, arbitrary: deepNesting },
    { weight: 1, arbitrary: fc.array(tie('value'), { maxLength: 3 }) },
    { weight: 1, arbitrary: fc.dictionary(fc.constantFrom('id', 'number', 'card', 'customerId', '__proto__', 'x'), tie('value'), { maxKeys: 3 }) },
  ),
})).value;
/** A plausible value, or sometimes an odd one in its place. */
const orOdd = <T>(plausible: fc.Arbitrary<T>): fc.Arbitrary<unknown> =>
  fc.oneof({ weight: 3, arbitrary: plausible }, { weight: 1, arbitrary: oddValue });
const idValue = orOdd(fc.constantFrom(FIXTURE_CARD, FIXTURE_ACH, FIXTURE_SUCCEEDED_SESSION, FIXTURE_OPEN_SESSION, '1987000000999999'));

const TEMPLATES: Array<{ document: string; variables: fc.Arbitrary<Record<string, unknown>> }> = [
  {
    document: 'query Q($id: ID!) { paymentMethod(id: $id) { id type status currency details { ... on CardDetails { last4 expiryMonth } ... on AchDebitDetails { last4 } } } }',
    variables: fc.record({ id: idValue }, { requiredKeys: [] }),
  },
  {
    document: 'query Q($id: ID!) { paymentMethodSession(id: $id) { id status description paymentMethod { id status } } }',
    variables: fc.record({ id: idValue }, { requiredKeys: [] }),
  },
  {
    document: 'query Q($ids: [ID!]!) { paymentMethods(ids: $ids) { id type } }',
    variables: fc.record({ ids: orOdd(fc.array(idValue, { maxLength: 5 })) }, { requiredKeys: [] }),
  },
  {
    document: 'query Q($r: [_Any!]!) { _entities(representations: $r) { __typename ... on PaymentMethod { id status } ... on PaymentMethodSession { id } ... on Customer { id name } } }',
    variables: fc.record({
      r: orOdd(fc.array(orOdd(fc.record({ __typename: orOdd(fc.constantFrom('PaymentMethod', 'PaymentMethodSession', 'Customer')), id: idValue })), { maxLength: 5 })),
    }),
  },
  {
    document: 'mutation M($input: CreatePaymentMethodSessionInput!) { createPaymentMethodSession(input: $input) { paymentMethodSession { id status description } userErrors { field code message } } }',
    variables: fc.record({ input: orOdd(fc.record({ customerId: orOdd(fc.constant(CHARLES)), description: orOdd(fc.constant('fuzz')) }, { requiredKeys: [] })) }),
  },
  {
    document: 'mutation M($input: UpdatePaymentMethodInput!) { updatePaymentMethod(input: $input) { paymentMethod { id status } userErrors { field code message } } }',
    variables: fc.record({
      input: orOdd(
        fc.record(
          {
            id: idValue,
            card: orOdd(fc.record({ expiryMonth: orOdd(fc.integer({ min: 1, max: 12 })), expiryYear: orOdd(fc.integer({ min: 2027, max: 2040 })) })),
            achDebit: orOdd(fc.record({ accountHolderType: orOdd(fc.constantFrom('INDIVIDUAL', 'COMPANY')) })),
            billingAddress: orOdd(fc.record({ country: orOdd(fc.constant('US')), city: orOdd(fc.constant('Detroit')) }, { requiredKeys: [] })),
          },
          { requiredKeys: [] },
        ),
      ),
    }),
  },
  {
    document: 'mutation M($input: DeletePaymentMethodInput!) { deletePaymentMethod(input: $input) { deletedPaymentMethodId userErrors { field code message } } }',
    variables: fc.record({ input: orOdd(fc.record({ id: idValue }, { requiredKeys: [] })) }),
  },
  {
    document: 'query Q($b: Boolean!, $id: ID = "1987000000724211") { paymentMethod(id: $id) @include(if: $b) { id } __typename @skip(if: $b) }',
    variables: fc.record({ b: orOdd(fc.boolean()), id: idValue }, { requiredKeys: [] }),
  },
  {
    document: 'query Q($name: String!) { __type(name: $name) { name kind } }',
    variables: fc.record({ name: orOdd(fc.constant('PaymentMethod')) }),
  },
];

const variablesRequest = fc
  .record({
    template: fc.integer({ min: 0, max: TEMPLATES.length - 1 }),
    extra: sometimes(fc.dictionary(fc.constantFrom('extra', 'id', '__proto__', 'card'), oddValue, { maxKeys: 2 }), 15),
    credentials,
  })
  .chain(({ template, extra, credentials: caller }) => {
    const { document, variables } = TEMPLATES[template] as (typeof TEMPLATES)[number];
    return fc.oneof({ weight: 6, arbitrary: variables }, { weight: 1, arbitrary: oddValue }).map((values) => {
      const all = isRecord(values) && extra ? { ...extra, ...values } : values;
      const request: FuzzRequest = {
        method: 'POST',
        search: '',
        headers: { 'content-type': 'application/json', ...caller.headers },
        body: `{"query":${JSON.stringify(document)},"variables":${jsonText(all)}}`,
        tokens: caller.tokens,
      };
      return printable(request);
    });
  });

// ---------------------------------------------------------------------------------------------
// 3. Headers (and GET with the operation in the URL)
// ---------------------------------------------------------------------------------------------

const HEADER_DOCUMENTS = [
  `{ paymentMethod(id: "${FIXTURE_CARD}") { id type status details { ... on CardDetails { last4 } } } }`,
  `query S { paymentMethodSession(id: "${FIXTURE_SUCCEEDED_SESSION}") { id status paymentMethod { id } } }`,
  `mutation D { deletePaymentMethod(input: { id: "${FIXTURE_ACH}" }) { deletedPaymentMethodId userErrors { code } } }`,
  '{ __typename }',
  '{ _service { sdl } }',
  '{ paymentMethod(id: 4242424242424242) { nope } }',
  '',
];

const headersRequest = fc
  .record({
    document: fc.constantFrom(...HEADER_DOCUMENTS),
    credentials,
    overGet: fc.boolean(),
    contentType: fc.option(
      fc.oneof(
        { weight: 4, arbitrary: fc.constant('application/json') },
        {
          weight: 3,
          arbitrary: fc.constantFrom(
            'application/json; charset=utf-8', 'text/plain', 'text/plain; charset=utf-8', 'multipart/form-data; boundary=x', 'application/x-www-form-urlencoded',
            'application/graphql', 'application/graphql-response+json', 'application/json; charset=utf-16', 'application/json; charset=latin1',
            'application/json; charset=nope', 'application/xml', '*/*', 'application/json, text/plain',
          ),
        },
        { weight: 1, arbitrary: latin1(60) },
      ),
      { freq: 4, nil: undefined },
    ),
    accept: fc.option(
      fc.constantFrom('application/json', 'application/graphql-response+json', '*/*', 'text/plain', 'text/html', 'application/xml', 'multipart/mixed; deferSpec=20220824', 'application/json;q=0'),
      { freq: 2, nil: undefined },
    ),
    requestId: sometimes(fc.oneof(latin1(80), unicodeHeader, hugeHeader, fc.constantFrom('', ' ', 'req-1', '../../etc/passwd', '<script>')), 40),
    preflight: sometimes(fc.oneof(fc.constantFrom('true', '', 'false', '0'), latin1(20)), 40),
    operationNameHeader: sometimes(fc.oneof(fc.constantFrom('S', 'Nope'), latin1(20)), 15),
    params: fc.record(
      {
        operationName: fc.oneof(fc.constantFrom('S', 'D', 'Nope', ''), fc.string({ maxLength: 10 })),
        variables: fc.oneof(fc.constantFrom('{}', '{"id":"1"}', 'null', '[]', '"x"', '{', '5', `{"id":${CARDS[0]}}`), fc.string({ maxLength: 20 })),
        extensions: fc.constantFrom('{}', '{"persistedQuery":{"version":1,"sha256Hash":"abc"}}', 'nope', '{"persistedQuery":{"version":2}}'),
        repeatQuery: fc.constantFrom('{ __typename }', 'mutation { __typename }'),
      },
      { requiredKeys: [] },
    ),
    fault: sometimes(upstreamFault, 10),
  })
  .map(({ document, credentials: caller, overGet, contentType, accept, requestId, preflight, operationNameHeader, params, fault }) => {
    const headers: Record<string, string> = {
      ...caller.headers,
      ...(contentType !== undefined && { 'content-type': contentType }),
      ...(accept !== undefined && { accept }),
      ...(requestId !== undefined && { 'x-request-id': requestId }),
      ...(preflight !== undefined && { 'apollo-require-preflight': preflight }),
      ...(operationNameHeader !== undefined && { 'x-apollo-operation-name': operationNameHeader }),
    };
    let request: FuzzRequest;
    if (overGet) {
      const search = new URLSearchParams();
      if (document !== '') search.append('query', document);
      if (params.repeatQuery !== undefined) search.append('query', params.repeatQuery);
      for (const name of ['operationName', 'variables', 'extensions'] as const) {
        const value = params[name];
        if (value !== undefined) search.append(name, value);
      }
      const text = search.toString();
      request = { method: 'GET', search: text === '' ? '' : `?${text}`, headers, tokens: caller.tokens };
    } else {
      const extensions = params.extensions === undefined ? '' : `,"extensions":${JSON.stringify(params.extensions)}`;
      request = {
        method: 'POST',
        search: '',
        headers,
        body: `{"query":${JSON.stringify(document)}${params.operationName === undefined ? '' : `,"operationName":${JSON.stringify(params.operationName)}`}${extensions}}`,
        tokens: caller.tokens,
      };
    }
    return { request: printable(request), fault };
  });

// ---------------------------------------------------------------------------------------------
// 4. Raw bodies
// ---------------------------------------------------------------------------------------------

const VALID_BODY = JSON.stringify({ query: `{ paymentMethod(id: "${FIXTURE_CARD}") { id last: details { ... on CardDetails { last4 } } } }` });
const jsonish = fc.string({ unit: fc.constantFrom(...'{}[]":,0123456789 \\truefalsn-.eE'.split(''), '"query"', '"variables"', '4242424242424242'), maxLength: 60 });
const rawBody = fc.oneof(
  fc.string({ maxLength: 100 }),
  fc.string({ unit: 'binary', maxLength: 100 }),
  jsonish,
  // Truncated JSON, with a card number inside for good measure.
  fc.tuple(fc.constantFrom(VALID_BODY, `{"query":"{ __typename }","variables":{"card":"${CARDS[0]}"}}`, `{"card": ${CARDS[0]}, "query": "{ __typename }"}`), fc.nat())
    .map(([body, cut]) => body.slice(0, cut % body.length)),
  fc.constantFrom(
    '', 'null', 'true', '0', '"{ __typename }"', '[]', '{}', '{"query": 5}', '{"query": null}', '{"query": ["{ __typename }"]}', '{"query": {}}',
    '{"query": "{ __typename }", "variables": "x"}', '{"query": "{ __typename }", "variables": []}', '{"query": "{ __typename }", "operationName": 5}',
    '{"query": "{ __typename }", "extensions": 5}', '{"extensions": {"persistedQuery": {"version": 1, "sha256Hash": "abc"}}}',
    '{"query": "{ __typename }", "extensions": {"persistedQuery": {"version": 1, "sha256Hash": "abc"}}}',
    '{"__proto__": {"query": "{ __typename }"}}', '{"query": "{ __typename }", "query": "{ nope }"}', `\ufeff${VALID_BODY}`,
    `{"query": "{ __typename }"} ${CARDS[0]}`, `4242424242424242`, `{"x": ${CARDS[0]}x}`, `{"query": ${CARDS[0]}}`,
  ),
  // Batches (the gateway does not accept them).
  fc.array(fc.constantFrom(JSON.parse(VALID_BODY) as unknown, { query: '{ __typename }' }, 5, null, 'x'), { maxLength: 5 }).map((items) => JSON.stringify(items)),
  fc.array(oddValue, { maxLength: 3 }).map(jsonText),
  fc.dictionary(fc.constantFrom('query', 'variables', 'operationName', 'extensions', 'id', '__proto__'), oddValue, { maxKeys: 4 }).map(jsonText),
  // Past the 100 kb body limit, or just under it.
  fc
    .record({ n: fc.integer({ min: 90_000, max: 300_000 }), where: fc.constantFrom('padding', 'query', 'whitespace') })
    .map(({ n, where }) =>
      where === 'padding'
        ? `{"query":"{ __typename }","padding":"${'x'.repeat(n)}"}`
        : where === 'query'
          ? JSON.stringify({ query: `{ __typename }${' '.repeat(n)}` })
          : `${' '.repeat(n)}{"query":"{ __typename }"}`,
    ),
);
const bodyRequest = fc
  .record({
    body: rawBody,
    contentType: fc.oneof(
      { weight: 6, arbitrary: fc.constant('application/json') },
      { weight: 1, arbitrary: fc.constantFrom('application/json; charset=utf-8', 'text/plain', 'application/graphql', 'application/json; charset=utf-16', '') },
    ),
    credentials,
  })
  .map(({ body, contentType, credentials: caller }) =>
    printable({
      method: 'POST',
      search: '',
      headers: { ...(contentType !== '' && { 'content-type': contentType }), 'apollo-require-preflight': 'true', ...caller.headers },
      body,
      tokens: caller.tokens,
    }),
  );

// ---------------------------------------------------------------------------------------------
// The run
// ---------------------------------------------------------------------------------------------

/** Node's own process: Jest gives test code a copy of it on which no process event fires. */
const hostProcess = vm.runInThisContext('process') as NodeJS.Process;
const processes = [...new Set([process, hostProcess])];
const processEvents: string[] = [];
const describeError = (error: unknown) => (error instanceof Error ? `${error.name}: ${error.message}` : String(error));
const onUnhandledRejection = (reason: unknown) => processEvents.push(`unhandledRejection: ${describeError(reason)}`);
const onUncaughtException = (error: unknown) => processEvents.push(`uncaughtException: ${describeError(error)}`);

let sandbox: RunningSandbox;
/** The explorer page a development gateway serves a browser (the same bytes for every request). */
let explorerPage: string | undefined;

beforeAll(async () => {
  for (const p of processes) {
    p.on('unhandledRejection', onUnhandledRejection);
    p.on('uncaughtException', onUncaughtException);
  }
  nock.enableNetConnect(/^127\.0\.0\.1(:\d+)?$/);
  sandbox = await startSandbox({}, 0);
  const development = await startTestServer(testConfig({ NODE_ENV: 'development' }), { logger: createLogger({ level: 'silent' }) });
  explorerPage = (await httpRequest(development.url, { headers: { accept: 'text/html' } })).text;
  await development.stop();
  expect(explorerPage).toContain('YogaGraphiQL.renderYogaGraphiQL(');
});

afterAll(async () => {
  await sandbox?.close();
  nock.disableNetConnect();
  for (const p of processes) {
    p.off('unhandledRejection', onUnhandledRejection);
    p.off('uncaughtException', onUncaughtException);
  }
});

async function completeOpenSession({ body }: Completion): Promise<void> {
  const reply = await httpRequest(`${sandbox.origin}/__sandbox/paymentmethodsessions/${FIXTURE_OPEN_SESSION}/complete?account_id=${ACCOUNT}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(body),
  });
  if (reply.status !== 200) throw new Error(`the sandbox did not complete the session: ${reply.status} ${reply.text}`);
}

async function queueFault(fault: UpstreamFault): Promise<void> {
  const { fault: what, ...where } = fault;
  const reply = await httpRequest(`${sandbox.origin}/__sandbox/faults`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ ...where, ...what }),
  });
  if (reply.status !== 200) throw new Error(`the sandbox refused the fault ${JSON.stringify(fault)}: ${reply.status} ${reply.text}`);
}

describe('the oracle (what every reply is checked for) catches each kind of failure', () => {
  const request = (overrides: Partial<FuzzRequest> = {}): FuzzRequest => ({
    method: 'POST',
    search: '',
    headers: { 'content-type': 'application/json', authorization: 'Zoho-oauthtoken 1000.abcdef0123.456789abcdef' },
    body: `{"query":"{ paymentMethod(id: \\"${CARDS[0]}\\") { id } }"}`,
    tokens: ['1000.abcdef0123.456789abcdef'],
    ...overrides,
  });
  const reply = (status: number, body: unknown, headers: Record<string, string> = {}): HttpReply => ({
    status,
    headers: { 'content-type': 'application/json; charset=utf-8', ...headers },
    text: typeof body === 'string' ? body : JSON.stringify(body),
  });
  const error = (extensions: Record<string, unknown>, message = 'Nope') => ({ errors: [{ message, extensions }] });

  test.each<[string, NodeEnv, HttpReply, string[]?]>([
    ['a 5xx', 'production', reply(502, error({ code: 'UPSTREAM_ERROR' })), []],
    ['a body that is not JSON', 'development', reply(400, '<pre>SyntaxError</pre>', { 'content-type': 'text/html' })],
    ['a JSON body that is not a GraphQL response', 'production', reply(400, { message: 'bad' })],
    ['an error without extensions.code', 'production', reply(400, { errors: [{ message: 'bad' }] })],
    ['INTERNAL_SERVER_ERROR', 'production', reply(200, { data: null, ...error({ code: 'INTERNAL_SERVER_ERROR' }) })],
    ['a stack frame in a message', 'development', reply(400, error({ code: 'BAD_REQUEST' }, 'Boom\n    at f (/app/src/x.ts:1:2)'))],
    ['a stack trace anywhere in the body', 'production', reply(400, { ...error({ code: 'BAD_REQUEST' }), trace: 'at parse (node:internal/x:1:2)' })],
    ['extensions.stacktrace in production', 'production', reply(400, error({ code: 'BAD_REQUEST', stacktrace: ['Error: x'] }))],
    ['a card number in an error', 'production', reply(400, error({ code: 'BAD_USER_INPUT' }, `Bad value ${CARDS[0]}`))],
    ['a spaced card number in an extension', 'production', reply(400, error({ code: 'BAD_USER_INPUT', value: '4111 1111 1111 1111' }))],
    ['a card number in a development stack trace', 'development', reply(400, error({ code: 'BAD_USER_INPUT', stacktrace: [`GraphQLError: ${CARDS[0]}`] }))],
    ['the token in the body', 'production', reply(200, { data: { echo: 'Zoho-oauthtoken 1000.abcdef0123.456789abcdef' } })],
    ['the token in a header', 'production', reply(200, { data: {} }, { 'x-request-id': '1000.abcdef0123.456789abcdef' })],
    ['a number only Zoho knows, in data', 'production', reply(200, { data: { number: '4000056655665556' } }), ['4000056655665556']],
  ])('%s', (_name, env, answer, upstreamSecrets = []) => {
    expect(problemsWith(env, request(), answer, upstreamSecrets)).not.toEqual([]);
  });

  test.each<[string, NodeEnv, HttpReply]>([
    ['data', 'production', reply(200, { data: { paymentMethod: { id: FIXTURE_CARD, last4: '4242' } } })],
    ['a contract error', 'production', reply(200, { data: { paymentMethod: null }, ...error({ code: 'UNAUTHENTICATED', requestId: 'r-1' }) })],
    ['a development stack trace (the contract keeps it outside production)', 'development', reply(400, error({ code: 'BAD_REQUEST', stacktrace: ['Error: x', '    at f (/app/x.ts:1:2)'] }))],
    ['a card number the caller sent, echoed in data', 'production', reply(200, { data: { _entities: [{ id: CARDS[0] }] } })],
    ['the card\'s digits inside a longer number', 'production', reply(400, error({ code: 'BAD_USER_INPUT' }, `Bad value 9${CARDS[0]}9`))],
  ])('and accepts %s', (_name, env, answer) => {
    const get = answer.headers['content-type']?.startsWith('text/html') ? { method: 'GET' as const, body: undefined } : {};
    expect(problemsWith(env, request(get), answer)).toEqual([]);
  });

  test('and accepts the development explorer page byte for byte, and no other HTML', () => {
    const get = request({ method: 'GET', body: undefined });
    const html = { 'content-type': 'text/html; charset=utf-8' };
    expect(problemsWith('development', get, reply(200, explorerPage as string, html))).toEqual([]);
    expect(problemsWith('development', get, reply(200, `${explorerPage as string}<!-- ${CARDS[0]} -->`, html))).not.toEqual([]);
    expect(problemsWith('development', get, reply(200, '<!DOCTYPE html>', html))).not.toEqual([]);
    expect(problemsWith('production', get, reply(200, explorerPage as string, html))).not.toEqual([]);
  });
});

describe.each<NodeEnv>(['production', 'development'])('the gateway in %s', (env) => {
  let gateway: Gateway;
  /** The gateway's error log lines (the cause of an INTERNAL_SERVER_ERROR shows there). */
  const errorLog: string[] = [];

  beforeAll(async () => {
    const logStream = new Writable({
      write(chunk: Buffer, _encoding, done) {
        errorLog.push(chunk.toString());
        if (errorLog.length > 50) errorLog.shift();
        done();
      },
    });
    gateway = await startTestServer(
      testConfig({ ZOHO_API_URL: sandbox.apiUrl, ZOHO_TIMEOUT_MS: String(ZOHO_TIMEOUT_MS), NODE_ENV: env }),
      { logger: createLogger({ level: 'error' }, logStream) },
    );
  });

  afterAll(async () => {
    await gateway?.stop();
  });

  /** Sends one request from a fresh sandbox state and throws (with the reply) when anything is wrong. */
  async function check(request: FuzzRequest, fault?: UpstreamFault, completed?: Completion): Promise<void> {
    sandbox.reset();
    if (completed) await completeOpenSession(completed);
    if (fault) await queueFault(fault);
    errorLog.length = 0;
    const started = Date.now();
    // The gateway runs in this process: an event loop it blocks delays this timer too, so a
    // blocking request shows as a slow reply rather than a timeout.
    const reply = await httpRequest(request.method === 'GET' ? `${gateway.url}${request.search}` : gateway.url, {
      method: request.method,
      headers: request.headers,
      body: request.body,
      timeoutMs: 60_000,
    });
    const elapsed = Date.now() - started;
    const problems = problemsWith(env, request, reply, completed ? [completed.secret] : []);
    if (elapsed > REPLY_LIMIT_MS) {
      problems.push(`the reply took ${elapsed} ms (limit ${REPLY_LIMIT_MS} ms): the gateway hung or blocked its event loop`);
    }
    if (problems.length > 0) {
      throw new Error(
        [
          ...problems,
          `reply: HTTP ${reply.status} ${String(reply.headers['content-type'] ?? '')} ${clip(reply.text, 1500)}`,
          ...(errorLog.length > 0 ? [`gateway error log: ${clip(errorLog.join(''), 1500)}`] : []),
        ].join('\n'),
      );
    }
  }

  /** The gateway still answers, and nothing went unhandled on the process. */
  async function expectAlive(): Promise<void> {
    const health = await httpRequest(`${new URL(gateway.url).origin}/healthz`);
    expect(health.status).toBe(200);
    expect(processEvents).toEqual([]);
  }

  test(
    'random operations from the schema, garbage and huge documents: never a 5xx, an internal error, a stack or a leak',
    async () => {
      await fc.assert(
        fc.asyncProperty(operationRequest, ({ request, fault, completed }) => check(request, fault, completed)),
        { numRuns: RUNS.operations, interruptAfterTimeLimit: PROPERTY_TIME_LIMIT_MS },
      );
      await expectAlive();
    },
    PROPERTY_TIMEOUT_MS,
  );

  test(
    'random variables (wrong types, huge, unicode, deep): never a 5xx, an internal error, a stack or a leak',
    async () => {
      await fc.assert(
        fc.asyncProperty(variablesRequest, (request) => check(request)),
        { numRuns: RUNS.variables, interruptAfterTimeLimit: PROPERTY_TIME_LIMIT_MS },
      );
      await expectAlive();
    },
    PROPERTY_TIMEOUT_MS,
  );

  test(
    'random headers, over POST and GET: never a 5xx, an internal error, a stack or a leak',
    async () => {
      await fc.assert(
        fc.asyncProperty(headersRequest, ({ request, fault }) => check(request, fault)),
        { numRuns: RUNS.headers, interruptAfterTimeLimit: PROPERTY_TIME_LIMIT_MS },
      );
      await expectAlive();
    },
    PROPERTY_TIMEOUT_MS,
  );

  test(
    'random raw bodies (not JSON, truncated, batched, too large): never a 5xx, an internal error, a stack or a leak',
    async () => {
      await fc.assert(
        fc.asyncProperty(bodyRequest, (request) => check(request)),
        { numRuns: RUNS.bodies, interruptAfterTimeLimit: PROPERTY_TIME_LIMIT_MS },
      );
      await expectAlive();
    },
    PROPERTY_TIMEOUT_MS,
  );

  // Also when a property above failed (and so skipped its own check).
  test('the gateway still answers GET /healthz after all of it', async () => {
    await expectAlive();
  });
});

test('nothing reached unhandledRejection or uncaughtException during the run', () => {
  expect(processEvents).toEqual([]);
});
