/**
 * Hardening: the operation limits (src/http/operation-limits.ts) over real HTTP. A gateway built with
 * `createGateway` on 127.0.0.1 (port 0), Zoho mocked by nock.
 *
 * For every limit:
 * - just at the limit the operation runs, and makes exactly the upstream calls it asks for (nock
 *   interceptors, each of which must be used: test/setup.ts);
 * - one past it, the gateway refuses it before anything executes: HTTP 400 (413 for the body), a
 *   JSON body whose errors carry a contract-ish `extensions.code` and the response's
 *   `extensions.requestId`, a message naming the limit, and no upstream call at all (a trap
 *   interceptor for every method and path on Zoho's origin must stay unused; net connect is off
 *   besides).
 *
 * The numbers come from OPERATION_LIMITS, never hard-coded. And the limits must leave room for real
 * use: every example operation (examples/operations, against the embedded sandbox), a router's
 * `_entities` fetch of 100 representations with full selections, `paymentMethods` with 100 ids and
 * the introspection queries of graphql-js and of Apollo Sandbox all run.
 *
 * Depth: the schema has no cycles (its deepest real path is 5 levels), so only introspection's
 * `__type { ofType { ofType ... } }` can be nested past the limit; that is allowed outside
 * production only, so the depth tests run in development. The other limits run in both modes.
 */
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import {
  getIntrospectionQuery,
  Kind,
  Lexer,
  parse,
  Source,
  TokenKind,
  type OperationDefinitionNode,
  type SelectionSetNode,
} from 'graphql';
import nock from 'nock';
import { OPERATION_LIMITS } from '../../src/http/operation-limits';
import type { NodeEnv as AnyNodeEnv } from '../../src/config';
import type { Gateway } from '../../src/server';
import { ACCOUNT_ID, CALLER_HEADERS, NOW, ZOHO_API_URL, captureLogger, seed, startTestServer, testConfig, zoho, withoutUpstreamCalls } from '../helpers';
import { httpRequest, jsonOf, postGraphQL, type HttpReply } from '../http-client';
import { ACCOUNT, FULL, useSandbox } from '../sandbox/harness';

type NodeEnv = Extract<AnyNodeEnv, 'development' | 'production'>;
type Json = Record<string, unknown>;

interface GraphQLBody {
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  data?: Record<string, any> | null;
  errors?: Array<{ message: string; path?: Array<string | number>; extensions?: Record<string, unknown> }>;
  extensions?: Record<string, unknown>;
}

const PM_ID = '1987000000724211';
const PM_PATH = `/api/v1/paymentmethods/${PM_ID}`;
/** The operation every limit test carries along: one upstream GET when it runs, none when refused. */
const PROBE = `paymentMethod(id: "${PM_ID}") { id }`;

const ROOT = path.resolve(__dirname, '..', '..');
const OPERATIONS_DIR = path.join(ROOT, 'examples', 'operations');

// --- gateways -------------------------------------------------------------------------------

const started: Gateway[] = [];

async function gateway(nodeEnv: NodeEnv, zohoApiUrl = ZOHO_API_URL): Promise<Gateway> {
  const logs = captureLogger('warn');
  // No retries: each nock interceptor answers exactly one call.
  const gw = await startTestServer(testConfig({ ZOHO_API_URL: zohoApiUrl, ZOHO_TIMEOUT_MS: '5000', NODE_ENV: nodeEnv, ZOHO_RETRIES: '0' }), {
    logger: logs.logger,
    now: () => NOW,
  });
  started.push(gw);
  return gw;
}

const gateways = new Map<NodeEnv, Gateway>();
const gatewayFor = (nodeEnv: NodeEnv): Gateway => {
  const gw = gateways.get(nodeEnv);
  if (!gw) throw new Error(`no ${nodeEnv} gateway`);
  return gw;
};

beforeAll(async () => {
  nock.enableNetConnect('127.0.0.1');
  gateways.set('development', await gateway('development'));
  gateways.set('production', await gateway('production'));
});

afterAll(async () => {
  await Promise.all(started.map((gw) => gw.stop()));
  nock.disableNetConnect();
});

// --- helpers --------------------------------------------------------------------------------

/** Zoho's payment method reply (the seeds' card) under the given id. */
function methodReply(id: string): Json {
  const body = seed<{ payment_method: Json }>('retrieve-payment-method.response');
  body.payment_method['payment_method_id'] = id;
  return body;
}

/** The id in an upstream URI such as `/api/v1/paymentmethods/123?account_id=...`. */
const idIn = (uri: string): string => /\/(\d+)(?:\?|$)/.exec(uri)?.[1] ?? 'missing';

const SESSION_ID = '1987000000724209';
/** The payment method the seeds' session collected (the session carries only part of it). */
const SESSION_METHOD_ID = '1987000000724215';
const ADDRESS_FIELDS = ['name', 'addressLine1', 'addressLine2', 'city', 'state', 'country', 'postalCode'];

/** Zoho answers the seeds' session once, and the payment method it collected once. */
function zohoServesSession(): void {
  zoho().get(`/api/v1/paymentmethodsessions/${SESSION_ID}`).query({ account_id: ACCOUNT_ID }).reply(200, seed('retrieve-session.response'));
  zoho().get(`/api/v1/paymentmethods/${SESSION_METHOD_ID}`).query({ account_id: ACCOUNT_ID }).reply(200, methodReply(SESSION_METHOD_ID));
}

/** Zoho answers the probe's GET exactly once. */
const zohoServesProbe = () => zoho().get(PM_PATH).query({ account_id: ACCOUNT_ID }).reply(200, methodReply(PM_ID));

/** Zoho answers `times` GETs of payment methods by id (each with its own id). */
const zohoServesMethods = (times: number) =>
  zoho()
    .get((uri) => uri.startsWith('/api/v1/paymentmethods/'))
    .query({ account_id: ACCOUNT_ID })
    .times(times)
    .reply(200, (uri) => methodReply(idIn(uri)));


/** POSTs an operation as the test caller. */
const post = (gw: Gateway, query: string, variables?: Json, operationName?: string) =>
  postGraphQL(gw.url, { query, ...(variables && { variables }), ...(operationName && { operationName }) }, CALLER_HEADERS);

/**
 * The reply is a refusal before execution: the status, a JSON body with no `data`, every error
 * carrying `code` and the response's request id, one of them saying `message`.
 */
function expectRefused(reply: HttpReply, status: number, code: string, message: RegExp): GraphQLBody {
  expect(reply.status).toBe(status);
  expect(reply.headers['content-type']).toMatch(/^application\/json/);
  expect(reply.text).not.toMatch(/<!DOCTYPE|<html|<pre>/i);
  const body = jsonOf<GraphQLBody>(reply);
  expect(body.data).toBeUndefined();
  const requestId = reply.headers['x-request-id'];
  expect(requestId).toEqual(expect.any(String));
  expect(body.errors?.length ?? 0).toBeGreaterThan(0);
  for (const error of body.errors ?? []) {
    expect(error.extensions?.['code']).toBe(code);
    expect(error.extensions?.['requestId']).toBe(requestId);
  }
  expect(body.errors?.map((e) => e.message)).toContainEqual(expect.stringMatching(message));
  return body;
}

/** The reply ran the operation: HTTP 200, data, no errors. */
function expectRan(reply: HttpReply): GraphQLBody {
  const body = jsonOf<GraphQLBody>(reply);
  expect({ status: reply.status, errors: body.errors }).toEqual({ status: 200, errors: undefined });
  expect(body.data).toEqual(expect.any(Object));
  return body;
}

/** graphql-js's own token count of a document (what `parseOptions.maxTokens` bounds). */
function tokenCount(document: string): number {
  const lexer = new Lexer(new Source(document));
  let count = 0;
  while (lexer.advance().kind !== TokenKind.EOF) count += 1;
  return count;
}

/**
 * The cost OPERATION_LIMITS documents, computed here independently: a leaf is 1, an object (or an
 * inline fragment, which is a level of its own) is 2 plus 1.5 times the cost of what it selects;
 * an operation is the sum of its root fields. No named fragments.
 */
function documentedCost(document: string): number {
  const operation = parse(document).definitions.find(
    (d): d is OperationDefinitionNode => d.kind === Kind.OPERATION_DEFINITION,
  );
  const costOf = (set: SelectionSetNode): number =>
    set.selections.reduce((sum, selection) => {
      if (selection.kind === Kind.FRAGMENT_SPREAD) throw new Error('documentedCost: no named fragments');
      return sum + (selection.selectionSet ? 2 + 1.5 * costOf(selection.selectionSet) : 1);
    }, 0);
  if (!operation) throw new Error('no operation');
  return costOf(operation.selectionSet);
}

const repeat = (n: number, make: (i: number) => string) => Array.from({ length: n }, (_, i) => make(i)).join(' ');

/** Distinct, well-formed payment method ids. */
const methodId = (i: number) => String(1987000000800000n + BigInt(i));

// --- depth (development: only introspection nests that deep) --------------------------------

describe('depth', () => {
  const { maxDepth } = OPERATION_LIMITS;
  /** `__type { ofType × (depth - 2) { name } }` is `depth` levels deep. */
  const nested = (depth: number) =>
    `query Depth { ${PROBE} __type(name: "PaymentMethod") { ${'ofType { '.repeat(depth - 2)}name${' }'.repeat(depth - 2)} } }`;
  /**
   * The same depth through named fragments (a spread adds no level of its own): the `ofType`
   * levels split between two fragments, one spreading the other.
   */
  const throughFragments = (depth: number) => {
    const levels = depth - 2;
    const outer = Math.floor(levels / 2);
    const inner = levels - outer;
    return (
      `query DepthFragments { ${PROBE} __type(name: "PaymentMethod") { ...Outer } } ` +
      `fragment Outer on __Type { ${'ofType { '.repeat(outer)}...Inner${' }'.repeat(outer)} } ` +
      `fragment Inner on __Type { ${'ofType { '.repeat(inner)}name${' }'.repeat(inner)} }`
    );
  };
  /** Inline fragments, nested, are flattened too. */
  const throughInlineFragments = (depth: number) =>
    `query DepthInline { ${PROBE} __type(name: "PaymentMethod") { ${'... on __Type { ofType { '.repeat(depth - 2)}name${' } }'.repeat(depth - 2)} } }`;

  test.each([
    ['fields', nested],
    ['named fragments', throughFragments],
    ['inline fragments', throughInlineFragments],
  ])(`at maxDepth (%s) the operation runs; at maxDepth + 1 it is refused with no upstream call`, async (_how, build) => {
    const gw = gatewayFor('development');
    zohoServesProbe();
    const allowed = expectRan(await post(gw, build(maxDepth)));
    expect(allowed.data).toEqual({ paymentMethod: { id: PM_ID }, __type: { ofType: null } });

    await withoutUpstreamCalls(async () => {
      expectRefused(
        await post(gw, build(maxDepth + 1)),
        400,
        'GRAPHQL_VALIDATION_FAILED',
        new RegExp(`depth limit of ${maxDepth} exceeded, found ${maxDepth + 1}`),
      );
    });
  });

  test('a fragment used both shallow and deep is counted at its deepest use', async () => {
    const gw = gatewayFor('development');
    // `Shallow` is 2 levels; spread first at the top of `__type`, then under a chain of `ofType`s.
    const build = (depth: number) =>
      `query DeepSpread { ${PROBE} __type(name: "PaymentMethod") { name ...Shallow ${'ofType { '.repeat(depth - 3)}...Shallow${' }'.repeat(depth - 3)} } } fragment Shallow on __Type { ofType { name } }`;
    zohoServesProbe();
    expectRan(await post(gw, build(maxDepth)));
    await withoutUpstreamCalls(async () => {
      expectRefused(
        await post(gw, build(maxDepth + 1)),
        400,
        'GRAPHQL_VALIDATION_FAILED',
        new RegExp(`depth limit of ${maxDepth} exceeded, found ${maxDepth + 1}`),
      );
    });
  });
});

// --- the limits both modes enforce alike ------------------------------------------------------

describe.each<NodeEnv>(['development', 'production'])('%s: limits', (nodeEnv) => {
  test('cost: the most expensive operation under maxCost runs; one more field over it is refused', async () => {
    const { maxCost } = OPERATION_LIMITS;
    // No fragments (how they count is the library's business); the leaves spread over ten distinct
    // fields four levels deep, so that graphql-js's own budget for comparing repeated fields is not
    // what refuses it.
    const leaves = [...['id', 'name', 'email'].map((f) => ['customer', f]), ...ADDRESS_FIELDS.map((f) => ['billingAddress', f])];
    const build = (k: number) => {
      const picked = Array.from({ length: k }, (_, i) => leaves[i % leaves.length] as [string, string]);
      const under = (parent: string) => picked.filter(([p]) => p === parent).map(([, f]) => f);
      const address = under('billingAddress');
      return `query Cost { paymentMethodSession(id: "${SESSION_ID}") { paymentMethod { customer { ${under('customer').join(' ')} } ${address.length > 0 ? `billingAddress { ${address.join(' ')} }` : ''} } } }`;
    };
    // The largest k whose cost is within the limit (cost grows with k): a binary search.
    let [k, over] = [1, 4096];
    expect(documentedCost(build(over))).toBeGreaterThan(maxCost);
    while (over - k > 1) {
      const mid = Math.floor((k + over) / 2);
      if (documentedCost(build(mid)) <= maxCost) k = mid;
      else over = mid;
    }
    expect(documentedCost(build(k))).toBeLessThanOrEqual(maxCost);
    expect(documentedCost(build(k + 1))).toBeGreaterThan(maxCost);
    // The cost limit must be what refuses it, not the token limit.
    expect(tokenCount(build(k + 1))).toBeLessThan(OPERATION_LIMITS.maxTokens);

    const gw = gatewayFor(nodeEnv);
    zohoServesSession();
    const allowed = expectRan(await post(gw, build(k)));
    expect(allowed.data?.['paymentMethodSession']?.paymentMethod?.customer?.name).toBe('Charles');

    await withoutUpstreamCalls(async () => {
      expectRefused(
        await post(gw, build(k + 1)),
        400,
        'GRAPHQL_VALIDATION_FAILED',
        new RegExp(`Cost limit of ${maxCost} exceeded, found ${documentedCost(build(k + 1))}`),
      );
    });
  });

  test('aliases: maxAliases aliased root fields run (one Zoho call each); one more is refused before any call', async () => {
    const { maxAliases } = OPERATION_LIMITS;
    const build = (n: number) =>
      `query Aliases { ${repeat(n, (i) => `a${i}: paymentMethod(id: "${methodId(i)}") { id }`)} }`;
    const gw = gatewayFor(nodeEnv);
    zohoServesMethods(maxAliases);
    const allowed = expectRan(await post(gw, build(maxAliases)));
    expect(Object.keys(allowed.data ?? {})).toHaveLength(maxAliases);
    expect(allowed.data?.['a0']).toEqual({ id: methodId(0) });

    await withoutUpstreamCalls(async () => {
      expectRefused(
        await post(gw, build(maxAliases + 1)),
        400,
        'GRAPHQL_VALIDATION_FAILED',
        new RegExp(`Aliases limit of ${maxAliases} exceeded, found ${maxAliases + 1}`),
      );
    });
  });

  test('aliases are counted inside selections and fragments too', async () => {
    const { maxAliases } = OPERATION_LIMITS;
    const half = Math.ceil((maxAliases + 1) / 2);
    const doc = `query AliasFragments { paymentMethod(id: "${PM_ID}") { ${repeat(half, (i) => `x${i}: id`)} ...More } } fragment More on PaymentMethod { ${repeat(maxAliases + 1 - half, (i) => `y${i}: id`)} }`;
    await withoutUpstreamCalls(async () => {
      expectRefused(await post(gatewayFor(nodeEnv), doc), 400, 'GRAPHQL_VALIDATION_FAILED', /Aliases limit/);
    });
  });

  test('directives: maxDirectives run; one more is refused before any call', async () => {
    const { maxDirectives } = OPERATION_LIMITS;
    const build = (n: number) =>
      `query Directives($yes: Boolean = true) { paymentMethod(id: "${PM_ID}") { id ${repeat(n, () => 'type @include(if: $yes)')} } }`;
    const gw = gatewayFor(nodeEnv);
    zohoServesProbe();
    expect(expectRan(await post(gw, build(maxDirectives))).data).toEqual({ paymentMethod: { id: PM_ID, type: 'CARD' } });

    await withoutUpstreamCalls(async () => {
      expectRefused(
        await post(gw, build(maxDirectives + 1)),
        400,
        'GRAPHQL_VALIDATION_FAILED',
        new RegExp(`Directives limit of ${maxDirectives} exceeded, found ${maxDirectives + 1}`),
      );
    });
  });

  test('tokens: a document of exactly maxTokens tokens runs; one more token is a parse failure before any call', async () => {
    const { maxTokens } = OPERATION_LIMITS;
    // The operation that runs, then other operations of five tokens each, then single
    // `__typename`s: graphql-js counts every token of the document (comments and commas are
    // none), and validates every operation in it.
    const run = `query Tokens { paymentMethod(id: "${PM_ID}") { id } }`;
    const build = (n: number) => {
      const rest = n - tokenCount(run);
      const others = Math.floor(rest / 5);
      const single = rest - 5 * others;
      return `query Tokens { paymentMethod(id: "${PM_ID}") { id ${'__typename '.repeat(single)}} } ${repeat(others, (i) => `query Other${i} { __typename }`)}`;
    };
    expect(tokenCount(build(maxTokens))).toBe(maxTokens);
    expect(tokenCount(build(maxTokens + 1))).toBe(maxTokens + 1);
    const gw = gatewayFor(nodeEnv);
    zohoServesProbe();
    const allowed = expectRan(await post(gw, build(maxTokens), undefined, 'Tokens'));
    expect(allowed.data?.['paymentMethod']).toMatchObject({ id: PM_ID });

    await withoutUpstreamCalls(async () => {
      expectRefused(
        await post(gw, build(maxTokens + 1), undefined, 'Tokens'),
        400,
        'GRAPHQL_PARSE_FAILED',
        // graphql-js words it "more that 2000 tokens".
        new RegExp(`contains more tha[nt] ${maxTokens} tokens`),
      );
    });
  });

  test(`paymentMethods: ${OPERATION_LIMITS.maxPaymentMethodIds} ids run (one call each, in order); one more is BAD_USER_INPUT with no call`, async () => {
    const { maxPaymentMethodIds } = OPERATION_LIMITS;
    const query = 'query PaymentMethods($ids: [ID!]!) { paymentMethods(ids: $ids) { id } }';
    const ids = Array.from({ length: maxPaymentMethodIds }, (_, i) => methodId(i));
    const gw = gatewayFor(nodeEnv);
    zohoServesMethods(maxPaymentMethodIds);
    const allowed = expectRan(await post(gw, query, { ids }));
    expect(allowed.data?.['paymentMethods']).toEqual(ids.map((id) => ({ id })));

    await withoutUpstreamCalls(async () => {
      const reply = await post(gw, query, { ids: [...ids, methodId(maxPaymentMethodIds)] });
      // Refused by the resolver (an argument check, as the contract's BAD_USER_INPUT says), so
      // GraphQL's execution rules apply: `paymentMethods` is non-null, hence `data: null`.
      const body = jsonOf<GraphQLBody>(reply);
      expect(reply.headers['content-type']).toMatch(/^application\/json/);
      expect(body.data ?? null).toBeNull();
      expect(body.errors).toHaveLength(1);
      expect(body.errors?.[0]?.extensions).toMatchObject({ code: 'BAD_USER_INPUT', requestId: reply.headers['x-request-id'] });
      expect(body.errors?.[0]?.message).toMatch(
        new RegExp(`${maxPaymentMethodIds + 1} ids; at most ${maxPaymentMethodIds}`),
      );
    });
  });

  test('body: exactly maxBodyBytes is read; one byte more is 413 JSON (not HTML) before any call', async () => {
    const { maxBodyBytes } = OPERATION_LIMITS;
    // Padding in a GraphQL comment: no tokens, no cost, only bytes.
    const body = (bytes: number) => {
      const make = (n: number) => JSON.stringify({ query: `query Body { ${PROBE} }\n#${'x'.repeat(n)}` });
      return make(bytes - Buffer.byteLength(make(0)));
    };
    expect(Buffer.byteLength(body(maxBodyBytes))).toBe(maxBodyBytes);
    const send = (text: string) =>
      httpRequest(gatewayFor(nodeEnv).url, {
        method: 'POST',
        headers: { ...CALLER_HEADERS, 'content-type': 'application/json', accept: 'application/json' },
        body: text,
      });
    zohoServesProbe();
    expect(expectRan(await send(body(maxBodyBytes))).data).toEqual({ paymentMethod: { id: PM_ID } });

    await withoutUpstreamCalls(async () => {
      expectRefused(await send(body(maxBodyBytes + 1)), 413, 'BAD_REQUEST', new RegExp(`limit of ${maxBodyBytes / 1024} kB`));
      // Far past the limit too (the parser must not read it all to say so).
      expectRefused(await send(body(10 * maxBodyBytes)), 413, 'BAD_REQUEST', /limit/);
    });
  });

  test('a body that is not JSON is 400 JSON BAD_REQUEST (not an HTML page) before any call', async () => {
    const gw = gatewayFor(nodeEnv);
    await withoutUpstreamCalls(async () => {
      for (const text of ['{"query": "{ paymentMethod(id: \\"1\\") { id } }"', '{bad json', 'null x', '\u0000']) {
        const reply = await httpRequest(gw.url, {
          method: 'POST',
          headers: { ...CALLER_HEADERS, 'content-type': 'application/json' },
          body: text,
        });
        expectRefused(reply, 400, 'BAD_REQUEST', /not valid JSON/);
      }
      // An unreadable charset is the client's fault too: a 4xx, as JSON.
      const charset = await httpRequest(gw.url, {
        method: 'POST',
        headers: { ...CALLER_HEADERS, 'content-type': 'application/json; charset=klingon' },
        body: JSON.stringify({ query: `{ ${PROBE} }` }),
      });
      expectRefused(charset, 415, 'BAD_REQUEST', /could not be read/);
    });
  });

  test('a batched request (a JSON array of operations) is refused as a whole before any call', async () => {
    const gw = gatewayFor(nodeEnv);
    await withoutUpstreamCalls(async () => {
      const batch = [{ query: `query A { ${PROBE} }` }, { query: `query B { ${PROBE} }` }];
      const reply = await httpRequest(gw.url, {
        method: 'POST',
        headers: { ...CALLER_HEADERS, 'content-type': 'application/json' },
        body: JSON.stringify(batch),
      });
      expectRefused(reply, 400, 'BAD_REQUEST', /batching/i);
    });
  });
});

// --- the limits leave room for real use --------------------------------------------------------

describe('the limits leave room for real use', () => {
  describe('every example operation runs against the embedded sandbox', () => {
    const h = useSandbox();
    let gw: Gateway;
    beforeAll(async () => {
      gw = await gateway('production', h.sandbox.apiUrl);
    });
    const names = readdirSync(OPERATIONS_DIR)
      .filter((file) => file.endsWith('.graphql'))
      .map((file) => file.replace(/\.graphql$/, ''))
      .sort();

    test('there are examples to run', () => {
      expect(names.length).toBeGreaterThanOrEqual(6);
    });

    test.each(names)('%s', async (name) => {
      const query = readFileSync(path.join(OPERATIONS_DIR, `${name}.graphql`), 'utf8');
      const variables = JSON.parse(readFileSync(path.join(OPERATIONS_DIR, `${name}.variables.json`), 'utf8')) as Json;
      const reply = await postGraphQL(
        gw.url,
        { query, variables, operationName: name },
        { authorization: `Zoho-oauthtoken ${FULL}`, 'x-zoho-account-id': ACCOUNT },
      );
      const body = expectRan(reply);
      const root = Object.values(body.data ?? {})[0] as Json | null;
      expect(root).not.toBeNull();
      if (root && 'userErrors' in root) expect(root['userErrors']).toEqual([]);
    });
  });

  test("a router's _entities fetch of 100 representations with full selections runs (both modes)", async () => {
    const PM_FULL = `id type status currency createdAt updatedAt
      customer { id name email }
      details {
        __typename
        ... on CardDetails { cardholderName last4 expiryMonth expiryYear checks { addressLine postalCode cvc } }
        ... on AchDebitDetails { accountHolderName accountHolderType bankName accountType routingNumber last4 }
      }
      billingAddress { name addressLine1 addressLine2 city state country postalCode }`;
    // As a router's query planner writes it: one `_entities` selection per type, conflicting
    // fields (status, createdAt differ in type between the two) aliased.
    const query = `query ($representations: [_Any!]!) {
      _entities(representations: $representations) {
        __typename
        ... on PaymentMethod { ${PM_FULL} }
        ... on PaymentMethodSession {
          id description sessionStatus: status sessionCreatedAt: createdAt
          customer { id name email }
          paymentMethod { ${PM_FULL} }
        }
        ... on Customer { id name email }
      }
    }`;
    const methods = Array.from({ length: 50 }, (_, i) => methodId(i));
    const sessions = Array.from({ length: 25 }, (_, i) => String(1987000000900000n + BigInt(i)));
    const customers = Array.from({ length: 25 }, (_, i) => String(1987000000950000n + BigInt(i)));
    const representations = [
      ...methods.map((id) => ({ __typename: 'PaymentMethod', id })),
      ...sessions.map((id) => ({ __typename: 'PaymentMethodSession', id })),
      ...customers.map((id) => ({ __typename: 'Customer', id })),
    ];
    expect(representations).toHaveLength(100);

    for (const nodeEnv of ['development', 'production'] as const) {
      // 50 methods + the one every session collected (loaded once per request); 25 sessions.
      zohoServesMethods(methods.length + 1);
      zoho()
        .get((uri) => uri.startsWith('/api/v1/paymentmethodsessions/'))
        .query({ account_id: ACCOUNT_ID })
        .times(sessions.length)
        .reply(200, (uri) => {
          const body = seed<{ payment_method_session: Json }>('retrieve-session.response');
          body.payment_method_session['payment_method_session_id'] = idIn(uri);
          return body;
        });
      const reply = await post(gatewayFor(nodeEnv), query, { representations });
      const body = expectRan(reply);
      const entities = body.data?.['_entities'] as Json[];
      expect(entities).toHaveLength(100);
      expect(entities.map((e) => e['id'])).toEqual(representations.map((r) => r.id));
      expect(entities.slice(0, 50).every((e) => (e['details'] as Json)['last4'] === '3212')).toBe(true);
      expect(entities.slice(50, 75).map((e) => (e['paymentMethod'] as Json)['id'])).toEqual(sessions.map(() => SESSION_METHOD_ID));
      expect(entities.slice(50, 75).every((e) => ((e['paymentMethod'] as Json)['details'] as Json)['cardholderName'] === 'Charles')).toBe(true);
      expect(documentedCost(query)).toBeLessThan(OPERATION_LIMITS.maxCost);
      expect(nock.pendingMocks()).toEqual([]);
    }
  });

  describe('an example written with named fragments, as Apollo Client and Relay send it, runs', () => {
    // The PaymentMethodSession example's selection (and a little more), each type's fields in its
    // own fragment: the same operation, five levels deep at most, a few Zoho calls.
    const FRAGMENTS = `
      fragment SessionView on PaymentMethodSession { id status description createdAt customer { ...CustomerView } paymentMethod { ...PaymentMethodView } }
      fragment CustomerView on Customer { id name email }
      fragment PaymentMethodView on PaymentMethod { id type status currency createdAt updatedAt customer { ...CustomerView } details { ...DetailsView } billingAddress { ...AddressView } }
      fragment DetailsView on PaymentMethodDetails { __typename ...CardView ...AchView }
      fragment CardView on CardDetails { cardholderName last4 expiryMonth expiryYear checks { ...ChecksView } }
      fragment ChecksView on CardChecks { cvc postalCode addressLine }
      fragment AchView on AchDebitDetails { accountHolderName accountHolderType bankName accountType routingNumber last4 }
      fragment AddressView on BillingAddress { name addressLine1 addressLine2 city state country postalCode }`;
    test.each([
      ['fragments colocated per type', `query PaymentMethodSession($id: ID!) { paymentMethodSession(id: $id) { ...SessionView } } ${FRAGMENTS}`],
      [
        "Relay-style: the page's own fragment on Query",
        `query PaymentMethodSession($id: ID!) { ...SessionPage_query } fragment SessionPage_query on Query { paymentMethodSession(id: $id) { ...SessionView } } ${FRAGMENTS}`,
      ],
    ])('%s', async (_how, query) => {
      zohoServesSession();
      const reply = await post(gatewayFor('production'), query, { id: SESSION_ID });
      const body = expectRan(reply);
      expect(body.data?.['paymentMethodSession']).toMatchObject({
        id: SESSION_ID,
        paymentMethod: { id: SESSION_METHOD_ID, details: { __typename: 'CardDetails', checks: { cvc: 'PASS' } } },
      });
    });
  });

  test.each([
    ["graphql-js's getIntrospectionQuery()", getIntrospectionQuery()],
    [
      'Apollo Sandbox-like introspection (descriptions, specifiedByURL, repeatable, deprecated input values)',
      getIntrospectionQuery({
        descriptions: true,
        specifiedByUrl: true,
        directiveIsRepeatable: true,
        schemaDescription: true,
        inputValueDeprecation: true,
      }),
    ],
  ])('%s runs in development', async (_name, query) => {
    await withoutUpstreamCalls(async () => {
      const reply = await postGraphQL(gatewayFor('development').url, { query, operationName: 'IntrospectionQuery' });
      const body = expectRan(reply);
      const schema = body.data?.['__schema'] as { queryType: { name: string }; types: Array<{ name: string; description?: string | null }> };
      expect(schema.queryType.name).toBe('Query');
      expect(schema.types.map((t) => t.name)).toEqual(expect.arrayContaining(['PaymentMethod', 'PaymentMethodSession', 'Customer']));
      if (query.includes('description')) {
        expect(schema.types.find((t) => t.name === 'PaymentMethod')?.description).toEqual(expect.any(String));
      }
    });
  });
});
