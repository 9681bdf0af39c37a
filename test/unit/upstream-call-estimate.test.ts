/**
 * src/http/upstream-call-estimate.ts: the upstream calls an operation's document and variables
 * already show (contract.md, "Additions of 2026-12", Limits), and the refusal before any Zoho call
 * of an operation estimated over ZOHO_MAX_CALLS_PER_OPERATION.
 *
 * - The estimate itself, on documents the schema validates: each root field's count, aliases,
 *   fields merged by response name, named and inline fragments, list lengths from literals,
 *   variables and variable defaults, `@skip`/`@include` with literal and variable conditions.
 * - Through a real gateway (createGateway on 127.0.0.1, Zoho mocked by nock): at the limit the
 *   operation runs and makes exactly the calls it shows; one call past it is HTTP 400
 *   GRAPHQL_VALIDATION_FAILED, a message naming the limit and the setting, and no Zoho call at
 *   all (a trap on every method and path of Zoho's origin).
 * - The limit leaves room for real use: every example operation, a router's 100-representation
 *   `_entities` and a 100-id `paymentMethods` are well under it (test/hardening/limits.test.ts runs
 *   them end to end through the same plugin).
 */
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { getOperationAST, parse, validate } from 'graphql';
import nock from 'nock';
import { estimateUpstreamCalls } from '../../src/http/upstream-call-estimate';
import { buildSchema } from '../../src/schema';
import type { Gateway } from '../../src/server';
import { ACCOUNT_ID, CALLER_HEADERS, NOW, captureLogger, seed, startTestServer, testConfig, zoho, withoutUpstreamCalls } from '../helpers';
import { jsonOf, postGraphQL, type HttpReply } from '../http-client';

type Json = Record<string, unknown>;

const schema = buildSchema();

/** The estimate of a document the schema accepts (a test of an invalid document proves nothing). */
function estimate(query: string, variables?: Json, operationName?: string): number {
  const document = parse(query);
  expect(validate(schema, document)).toEqual([]);
  const operation = getOperationAST(document, operationName);
  if (!operation) throw new Error('no operation');
  return estimateUpstreamCalls({ document, operation, variables });
}

const ids = (n: number, from = 0): string[] => Array.from({ length: n }, (_, i) => String(1987000000100000n + BigInt(from + i)));
const literal = (values: string[]) => `[${values.map((v) => `"${v}"`).join(', ')}]`;

describe('estimateUpstreamCalls', () => {
  test.each<[string, string, Json | undefined, number]>([
    ['paymentMethod(id): 1', '{ paymentMethod(id: "1") { id } }', undefined, 1],
    ['paymentMethodSession(id): 1', '{ paymentMethodSession(id: "1") { id } }', undefined, 1],
    ['paymentMethods(ids) with a literal list: its length', `{ paymentMethods(ids: ${literal(ids(7))}) { id } }`, undefined, 7],
    ['paymentMethods(ids) with a variable: its length', 'query ($ids: [ID!]!) { paymentMethods(ids: $ids) { id } }', { ids: ids(42) }, 42],
    ['paymentMethods(ids) with a lone id (coerced to a list of one)', '{ paymentMethods(ids: "5") { id } }', undefined, 1],
    ['paymentMethods(ids) with a lone id in a variable', 'query ($ids: [ID!]!) { paymentMethods(ids: $ids) { id } }', { ids: '5' }, 1],
    ['paymentMethods(ids) with an empty list: 0', '{ paymentMethods(ids: []) { id } }', undefined, 0],
    [
      'paymentMethods(ids) with variables inside a literal list',
      'query ($a: ID!, $b: ID!) { paymentMethods(ids: [$a, "2", $b]) { id } }',
      { a: '1', b: '3' },
      3,
    ],
    [
      'paymentMethods(ids) from a variable default',
      `query ($ids: [ID!]! = ${literal(ids(4))}) { paymentMethods(ids: $ids) { id } }`,
      undefined,
      4,
    ],
    [
      'a variable sent overrides its default',
      `query ($ids: [ID!]! = ${literal(ids(4))}) { paymentMethods(ids: $ids) { id } }`,
      { ids: ids(9) },
      9,
    ],
    ['createPaymentMethodSession: 1', 'mutation { createPaymentMethodSession(input: { customerId: "1" }) { userErrors { code } } }', undefined, 1],
    ['updatePaymentMethod: 2 (a GET for the type, then the PUT)', 'mutation { updatePaymentMethod(input: { id: "1", card: { expiryMonth: 1, expiryYear: 2030 } }) { userErrors { code } } }', undefined, 2],
    ['deletePaymentMethod: 1', 'mutation { deletePaymentMethod(input: { id: "1" }) { userErrors { code } } }', undefined, 1],
    ['__typename, introspection and _service: 0', '{ __typename __schema { queryType { name } } _service { sdl } }', undefined, 0],
    [
      'nested loads are left to run time (a session and its payment method: 1 shown)',
      '{ paymentMethodSession(id: "1") { paymentMethod { details { __typename } } } }',
      undefined,
      1,
    ],
  ])('%s', (_name, query, variables, expected) => {
    expect(estimate(query, variables)).toBe(expected);
  });

  test('_entities(representations): one per PaymentMethod or PaymentMethodSession representation; a Customer calls no one', () => {
    const query = 'query ($r: [_Any!]!) { _entities(representations: $r) { __typename } }';
    const representations = [
      ...ids(3).map((id) => ({ __typename: 'PaymentMethod', id })),
      ...ids(2, 10).map((id) => ({ __typename: 'PaymentMethodSession', id })),
      ...ids(5, 20).map((id) => ({ __typename: 'Customer', id })),
    ];
    expect(estimate(query, { r: representations })).toBe(5);
    expect(estimate(query, { r: ids(200).map((id) => ({ __typename: 'PaymentMethodSession', id })) })).toBe(200);
    // Written into the document instead of a variable.
    expect(
      estimate(
        '{ _entities(representations: [{ __typename: "PaymentMethod", id: "1" }, { __typename: "Customer", id: "2" }, { __typename: "PaymentMethodSession", id: "3" }]) { __typename } }',
      ),
    ).toBe(2);
  });

  test('aliases: every alias is its own call; fields of one response name are merged into one', () => {
    expect(estimate(`{ a: paymentMethod(id: "1") { id } b: paymentMethod(id: "2") { id } c: paymentMethodSession(id: "3") { id } }`)).toBe(3);
    expect(
      estimate(`query ($x: [ID!]!, $y: [ID!]!) { x: paymentMethods(ids: $x) { id } y: paymentMethods(ids: $y) { id } paymentMethods(ids: $x) { id } }`, {
        x: ids(30),
        y: ids(20),
      }),
    ).toBe(80);
    // Execution runs one field per response name: the second selection adds fields, not a call.
    expect(estimate('{ paymentMethod(id: "1") { id } paymentMethod(id: "1") { type } }')).toBe(1);
    expect(estimate('{ a: paymentMethod(id: "1") { id } a: paymentMethod(id: "1") { type } }')).toBe(1);
    expect(estimate('mutation { a: updatePaymentMethod(input: { id: "1", card: { expiryMonth: 1, expiryYear: 2030 } }) { userErrors { code } } b: deletePaymentMethod(input: { id: "1" }) { userErrors { code } } }')).toBe(3);
  });

  test('fragments: named, nested and inline, at the root; a fragment spread twice runs once', () => {
    const query = `query ($ids: [ID!]!) {
      ...Page
      ... on Query { one: paymentMethod(id: "1") { id } ... { two: paymentMethodSession(id: "2") { id } } }
    }
    fragment Page on Query { list: paymentMethods(ids: $ids) { id } ...More }
    fragment More on Query { three: paymentMethod(id: "3") { id } ...Page2 }
    fragment Page2 on Query { four: paymentMethod(id: "4") { id } }`;
    expect(estimate(query, { ids: ids(10) })).toBe(10 + 1 + 1 + 1 + 1);
    expect(estimate('{ ...A ...A ... { ...A } } fragment A on Query { paymentMethods(ids: ["1", "2"]) { id } }')).toBe(2);
  });

  test('@skip and @include, literal or variable, on fields, inline fragments and spreads', () => {
    const query = `query ($yes: Boolean!, $no: Boolean!, $ids: [ID!]!, $dflt: Boolean = false) {
      a: paymentMethods(ids: $ids) @include(if: $yes) { id }
      b: paymentMethods(ids: $ids) @include(if: $no) { id }
      c: paymentMethods(ids: $ids) @skip(if: $yes) { id }
      d: paymentMethods(ids: $ids) @skip(if: $no) { id }
      e: paymentMethod(id: "1") @skip(if: true) { id }
      f: paymentMethod(id: "1") @include(if: false) { id }
      g: paymentMethod(id: "1") @include(if: true) @skip(if: false) { id }
      h: paymentMethod(id: "1") @include(if: true) @skip(if: true) { id }
      ... @skip(if: $yes) { i: paymentMethods(ids: $ids) { id } }
      ... @include(if: $yes) { j: paymentMethod(id: "1") { id } }
      ...K @skip(if: $yes)
      ...K @include(if: $dflt)
      ...L @include(if: $yes)
    }
    fragment K on Query { k: paymentMethods(ids: $ids) { id } }
    fragment L on Query { l: paymentMethod(id: "1") { id } }`;
    // a, d (5 ids each), g, j, l.
    expect(estimate(query, { yes: true, no: false, ids: ids(5) })).toBe(5 + 5 + 1 + 1 + 1);
    // $dflt sent: K's second spread is included.
    expect(estimate(query, { yes: true, no: false, dflt: true, ids: ids(5) })).toBe(5 + 5 + 1 + 1 + 1 + 5);
    // Flipped: b, c, i, K (5 each) and g; K's second spread adds nothing (one fragment runs once).
    expect(estimate(query, { yes: false, no: true, ids: ids(5) })).toBe(5 + 5 + 5 + 5 + 1);
    expect(estimate(query, { yes: false, no: true, dflt: true, ids: ids(5) })).toBe(5 + 5 + 5 + 5 + 1);
  });

  test('a skipped first spread does not hide a later one (as graphql-js collects fields)', () => {
    expect(estimate('{ ...A @skip(if: true) ...A } fragment A on Query { paymentMethod(id: "1") { id } }')).toBe(1);
  });

  test('only the operation that runs is estimated', () => {
    const document = `query Small { paymentMethod(id: "1") { id } } query Big { paymentMethods(ids: ${literal(ids(50))}) { id } }`;
    expect(estimate(document, undefined, 'Small')).toBe(1);
    expect(estimate(document, undefined, 'Big')).toBe(50);
  });

  test('every example operation, with its own variables, shows the calls it makes', () => {
    const dir = path.resolve(__dirname, '..', '..', 'examples', 'operations');
    const expected: Record<string, number> = {
      CreatePaymentMethodSession: 1,
      DeletePaymentMethod: 1,
      PaymentMethod: 1,
      PaymentMethodSession: 1,
      PaymentMethods: 2,
      UpdatePaymentMethod: 2,
    };
    const names = readdirSync(dir)
      .filter((f) => f.endsWith('.graphql'))
      .map((f) => f.replace(/\.graphql$/, ''))
      .sort();
    expect(names).toEqual(Object.keys(expected).sort());
    for (const name of names) {
      const query = readFileSync(path.join(dir, `${name}.graphql`), 'utf8');
      const variables = JSON.parse(readFileSync(path.join(dir, `${name}.variables.json`), 'utf8')) as Json;
      expect({ name, calls: estimate(query, variables, name) }).toEqual({ name, calls: expected[name] });
    }
  });
});

// --- the refusal, over real HTTP ------------------------------------------------------------------

const MAX = 200;
const started: Gateway[] = [];

async function gateway(maxCallsPerOperation?: number): Promise<Gateway> {
  const gw = await startTestServer(
    testConfig({
      ZOHO_TIMEOUT_MS: '5000',
      NODE_ENV: 'production',
      // No retries: each nock interceptor answers exactly one call.
      ZOHO_RETRIES: '0',
      ...(maxCallsPerOperation !== undefined && { ZOHO_MAX_CALLS_PER_OPERATION: String(maxCallsPerOperation) }),
    }),
    { logger: captureLogger('warn').logger, now: () => NOW },
  );
  started.push(gw);
  return gw;
}

let defaults: Gateway;
beforeAll(async () => {
  nock.enableNetConnect('127.0.0.1');
  defaults = await gateway();
});
afterAll(async () => {
  await Promise.all(started.map((gw) => gw.stop()));
  nock.disableNetConnect();
});

const post = (gw: Gateway, query: string, variables?: Json) =>
  postGraphQL(gw.url, { query, ...(variables && { variables }) }, CALLER_HEADERS);

function methodReply(id: string): Json {
  const body = seed<{ payment_method: Json }>('retrieve-payment-method.response');
  body.payment_method['payment_method_id'] = id;
  return body;
}

/** Zoho answers one GET of each of these payment method ids, with the caller's headers and account. */
function zohoServesMethods(methodIds: string[]): void {
  for (const id of methodIds) {
    zoho().get(`/api/v1/paymentmethods/${id}`).query({ account_id: ACCOUNT_ID }).reply(200, methodReply(id));
  }
}


interface Body {
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  data?: Record<string, any> | null;
  errors?: Array<{ message: string; path?: Array<string | number>; extensions?: Record<string, unknown> }>;
}

function expectRefused(reply: HttpReply, calls: number, limit: number): void {
  const body = jsonOf<Body>(reply);
  expect(reply.status).toBe(400);
  expect(body.data).toBeUndefined();
  expect(body.errors).toEqual([
    {
      message: `This operation would make ${calls} calls to Zoho Payments; at most ${limit} are allowed per operation (ZOHO_MAX_CALLS_PER_OPERATION).`,
      extensions: { code: 'GRAPHQL_VALIDATION_FAILED', requestId: reply.headers['x-request-id'] },
    },
  ]);
}

function expectRan(reply: HttpReply): Body {
  const body = jsonOf<Body>(reply);
  expect({ status: reply.status, errors: body.errors }).toEqual({ status: 200, errors: undefined });
  return body;
}

describe(`the default limit (${MAX})`, () => {
  const TWO_LISTS = 'query Two($a: [ID!]!, $b: [ID!]!) { a: paymentMethods(ids: $a) { id } b: paymentMethods(ids: $b) { id } }';
  const TWO_LISTS_AND_ONE = `query Three($a: [ID!]!, $b: [ID!]!) { a: paymentMethods(ids: $a) { id } b: paymentMethods(ids: $b) { id } c: paymentMethod(id: "${ids(1, 500)[0]}") { id } }`;

  test(`an operation that shows exactly ${MAX} calls runs, and makes them`, async () => {
    const a = ids(100);
    const b = ids(100, 100);
    zohoServesMethods([...a, ...b]);
    const body = expectRan(await post(defaults, TWO_LISTS, { a, b }));
    expect(body.data?.['a']).toEqual(a.map((id) => ({ id })));
    expect(body.data?.['b']).toEqual(b.map((id) => ({ id })));
  });

  test(`one call more (${MAX + 1}) is refused before any Zoho call: 400 GRAPHQL_VALIDATION_FAILED naming the limit`, async () => {
    await withoutUpstreamCalls(async () => {
      expectRefused(await post(defaults, TWO_LISTS_AND_ONE, { a: ids(100), b: ids(100, 100) }), MAX + 1, MAX);
    });
  });

  test('the issue\'s fan-out (31 root fields of 100 ids each: 3,100 calls) is refused before any Zoho call', async () => {
    const fields = Array.from({ length: 31 }, (_, i) => `${i === 0 ? '' : `p${i}: `}paymentMethods(ids: $ids) { id }`).join(' ');
    // Aliases share one variable here; distinct lists per alias count the same.
    await withoutUpstreamCalls(async () => {
      expectRefused(await post(defaults, `query Wide($ids: [ID!]!) { ${fields} }`, { ids: ids(100) }), 3100, MAX);
    });
  });

  test(`a router's _entities of ${MAX + 1} payment methods is refused; a Customer-only batch of any size calls no one and runs`, async () => {
    const query = 'query ($r: [_Any!]!) { _entities(representations: $r) { ... on PaymentMethod { id } ... on Customer { id } } }';
    await withoutUpstreamCalls(async () => {
      const representations = ids(MAX + 1).map((id) => ({ __typename: 'PaymentMethod', id }));
      expectRefused(await post(defaults, query, { r: representations }), MAX + 1, MAX);
      const customers = ids(MAX + 50).map((id) => ({ __typename: 'Customer', id }));
      const body = expectRan(await post(defaults, query, { r: customers }));
      expect(body.data?.['_entities']).toHaveLength(MAX + 50);
    });
  });

  test('a field skipped by a variable counts nothing: the same document runs or is refused by its variables', async () => {
    const query = `query Maybe($a: [ID!]!, $b: [ID!]!, $more: Boolean!) { a: paymentMethods(ids: $a) { id } b: paymentMethods(ids: $b) { id } c: paymentMethod(id: "${ids(1, 500)[0]}") @include(if: $more) { id } }`;
    const a = ids(100);
    const b = ids(100, 100);
    await withoutUpstreamCalls(async () => {
      expectRefused(await post(defaults, query, { a, b, more: true }), MAX + 1, MAX);
    });
    zohoServesMethods([...a, ...b]);
    const body = expectRan(await post(defaults, query, { a, b, more: false }));
    expect(Object.keys(body.data ?? {})).toEqual(['a', 'b']);
  });
});

describe('maxCallsPerOperation (ZOHO_MAX_CALLS_PER_OPERATION) sets the limit', () => {
  let small: Gateway;
  beforeAll(async () => {
    small = await gateway(3);
  });

  test('3: three calls run; an update (2) and a delete (1) run; an update and two deletes are refused', async () => {
    const [x, y, z] = ids(3);
    zohoServesMethods([x, y, z] as string[]);
    expectRan(await post(small, `{ x: paymentMethod(id: "${x}") { id } y: paymentMethod(id: "${y}") { id } z: paymentMethod(id: "${z}") { id } }`));

    await withoutUpstreamCalls(async () => {
      expectRefused(
        await post(small, `{ w: paymentMethod(id: "${x}") { id } x: paymentMethod(id: "${x}") { id } y: paymentMethod(id: "${y}") { id } z: paymentMethod(id: "${z}") { id } }`),
        4,
        3,
      );
      expectRefused(
        await post(
          small,
          `mutation { u: updatePaymentMethod(input: { id: "${x}", card: { expiryMonth: 12, expiryYear: 2032 } }) { userErrors { code } } d1: deletePaymentMethod(input: { id: "${y}" }) { userErrors { code } } d2: deletePaymentMethod(input: { id: "${z}" }) { userErrors { code } } }`,
        ),
        4,
        3,
      );
    });

    // The update's GET (for the type) and PUT, then the delete: three calls, all allowed.
    zoho().get(`/api/v1/paymentmethods/${x}`).query({ account_id: ACCOUNT_ID }).reply(200, methodReply(x as string));
    zoho()
      .put(`/api/v1/paymentmethods/${x}`, (body: Json) => body['type'] === 'card')
      .query({ account_id: ACCOUNT_ID })
      .reply(200, methodReply(x as string));
    zoho()
      .delete(`/api/v1/paymentmethods/${y}`)
      .query({ account_id: ACCOUNT_ID })
      .reply(200, seed('delete-payment-method.response'));
    const body = expectRan(
      await post(
        small,
        `mutation { u: updatePaymentMethod(input: { id: "${x}", card: { expiryMonth: 12, expiryYear: 2032 } }) { userErrors { code } } d: deletePaymentMethod(input: { id: "${y}" }) { deletedPaymentMethodId userErrors { code } } }`,
      ),
    );
    expect(body.data).toEqual({ u: { userErrors: [] }, d: { deletedPaymentMethodId: y, userErrors: [] } });
  });

  test('the refusal is a 400 even where the operation has no credentials (nothing executes)', async () => {
    await withoutUpstreamCalls(async () => {
      const reply = await postGraphQL(small.url, { query: `{ paymentMethods(ids: ${literal(ids(4))}) { id } }` });
      expectRefused(reply, 4, 3);
    });
  });
});

describe(`the limit leaves room for real use (the estimate; limits.test.ts runs them end to end)`, () => {
  test(`a router's 100-representation _entities and a 100-id paymentMethods run under the default`, async () => {
    const representations = [
      ...ids(50).map((id) => ({ __typename: 'PaymentMethod', id })),
      ...ids(25, 100).map((id) => ({ __typename: 'PaymentMethodSession', id })),
      ...ids(25, 200).map((id) => ({ __typename: 'Customer', id })),
    ];
    expect(estimate('query ($r: [_Any!]!) { _entities(representations: $r) { __typename } }', { r: representations })).toBe(75);
    expect(estimate('query ($ids: [ID!]!) { paymentMethods(ids: $ids) { id } }', { ids: ids(100) })).toBe(100);

    // And through the gateway: 100 ids, 100 calls.
    const hundred = ids(100, 300);
    zohoServesMethods(hundred);
    const body = expectRan(await post(defaults, 'query ($ids: [ID!]!) { paymentMethods(ids: $ids) { id } }', { ids: hundred }));
    expect(body.data?.['paymentMethods']).toHaveLength(100);
  });
});
