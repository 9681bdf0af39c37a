/**
 * This gateway as one subgraph of a supergraph, next to the example "customers" subgraph in
 * examples/supergraph/ (what `rover supergraph compose --config examples/supergraph/supergraph.yaml`
 * composes).
 *
 * It proves that:
 * - the committed subgraph SDL (subgraph.graphql, what `_service { sdl }` returns) composes with
 *   customers.graphql, as supergraph.yaml names them, without errors: `Customer` gets fields from
 *   both subgraphs, `PaymentMethod` and `PaymentMethodSession` are joined by their `@key`;
 * - composition fails when the customers subgraph redefines one of our fields (so the first
 *   check can fail);
 * - through a real @apollo/gateway router over HTTP, queries cross both ways: customers -> payments
 *   (`_entities` for PaymentMethod and PaymentMethodSession, answered from the embedded Zoho
 *   sandbox) and payments -> customers (`_entities` for Customer); the router forwards the caller's
 *   `Authorization` and `X-Zoho-Account-Id` headers; each payments subgraph request calls Zoho once
 *   per distinct id (counted in the sandbox's journal);
 * - a caller without a token gets our UNAUTHENTICATED error through the router, and Zoho is not
 *   called.
 *
 * Everything runs in this process on loopback: the sandbox (test/sandbox/harness.ts), our gateway
 * (startGateway, port 0), the customers subgraph (buildSubgraphSchema, in-memory data) and the
 * router (ApolloGateway with the composed supergraph).
 */
import { existsSync, readFileSync } from 'node:fs';
import http from 'node:http';
import path from 'node:path';
import { composeServices } from '@apollo/composition';
import { ApolloGateway, RemoteGraphQLDataSource, type GraphQLDataSourceProcessOptions } from '@apollo/gateway';
import { ApolloServer } from '@apollo/server';
import { ApolloServerPluginInlineTraceDisabled } from '@apollo/server/plugin/disabled';
import { startStandaloneServer } from '@apollo/server/standalone';
import { buildSubgraphSchema } from '@apollo/subgraph';
import type { Fetcher, FetcherResponse } from '@apollo/utils.fetcher';
import {
  buildSchema,
  isObjectType,
  parse,
  print,
  type DocumentNode,
  type GraphQLObjectType,
  type GraphQLSchema,
} from 'graphql';
import nock from 'nock';
import nodeFetch from 'node-fetch';
import type { Gateway } from '../../src/server';
import { captureLogger, startTestServer, testConfig } from '../helpers';
import { jsonOf, postGraphQL } from '../http-client';
import {
  ACCOUNT,
  ADA,
  CHARLES,
  FIXTURE_ACH,
  FIXTURE_CARD,
  FIXTURE_OPEN_SESSION,
  FIXTURE_SUCCEEDED_SESSION,
  FULL,
  useSandbox,
} from '../sandbox/harness';

const ROOT = path.join(__dirname, '..', '..');
const EXAMPLE_DIR = path.join(ROOT, 'examples', 'supergraph');
const SUPERGRAPH_YAML = path.join(EXAMPLE_DIR, 'supergraph.yaml');

interface SubgraphEntry {
  name: string;
  routingUrl: string;
  /** The schema file, resolved as Rover does: relative to supergraph.yaml. */
  file: string;
}

/**
 * The subgraphs supergraph.yaml lists (its simple shape only: name, routing_url, schema.file), so
 * that the compositions below compose exactly the files Rover would.
 */
function subgraphsOfSupergraphYaml(): SubgraphEntry[] {
  const text = readFileSync(SUPERGRAPH_YAML, 'utf8');
  const entry = /^ {2}([A-Za-z_][\w-]*):\n {4}routing_url: (\S+)\n {4}schema:\n {6}file: (\S+)$/gm;
  return [...text.matchAll(entry)].map((m) => ({
    name: m[1] as string,
    routingUrl: m[2] as string,
    file: path.resolve(EXAMPLE_DIR, m[3] as string),
  }));
}

const sdlOf = (file: string): DocumentNode => parse(readFileSync(file, 'utf8'));
const PAYMENTS_SDL = path.join(ROOT, 'subgraph.graphql');
const CUSTOMERS_SDL = path.join(EXAMPLE_DIR, 'customers.graphql');

/** Composes our committed SDL with a customers subgraph SDL (by default the example's). */
function compose(
  customers: DocumentNode = sdlOf(CUSTOMERS_SDL),
  urls = { payments: 'http://localhost:4000/graphql', customers: 'http://localhost:4001/graphql' },
) {
  return composeServices([
    { name: 'payments', url: urls.payments, typeDefs: sdlOf(PAYMENTS_SDL) },
    { name: 'customers', url: urls.customers, typeDefs: customers },
  ]);
}

function objectType(schema: GraphQLSchema, name: string): GraphQLObjectType {
  const type = schema.getType(name);
  if (!isObjectType(type)) throw new Error(`${name} is not an object type of the supergraph`);
  return type;
}

/** `@join__type(graph: X, key: "...", resolvable: ...)` of a supergraph type, as readable strings. */
function joinTypes(schema: GraphQLSchema, name: string): string[] {
  return (objectType(schema, name).astNode?.directives ?? [])
    .filter((d) => d.name.value === 'join__type')
    .map((d) => (d.arguments ?? []).map((a) => `${a.name.value}: ${print(a.value)}`).join(', '))
    .sort();
}

/** The subgraph a supergraph field is resolved by (`@join__field(graph: X)`); "" when any that has the type. */
function joinFieldGraph(schema: GraphQLSchema, typeName: string, fieldName: string): string {
  const field = objectType(schema, typeName).getFields()[fieldName];
  if (!field) throw new Error(`${typeName}.${fieldName} is not in the supergraph`);
  const join = field.astNode?.directives?.find((d) => d.name.value === 'join__field');
  const graph = join?.arguments?.find((a) => a.name.value === 'graph')?.value;
  return graph?.kind === 'EnumValue' ? graph.value : '';
}

// --- composition ----------------------------------------------------------------------------

describe('composition (what rover supergraph compose does with examples/supergraph/supergraph.yaml)', () => {
  it('supergraph.yaml names our committed subgraph SDL and the example customers subgraph', () => {
    const subgraphs = subgraphsOfSupergraphYaml();
    expect(subgraphs).toEqual([
      { name: 'payments', routingUrl: 'http://localhost:4000/graphql', file: PAYMENTS_SDL },
      { name: 'customers', routingUrl: 'http://localhost:4001/graphql', file: CUSTOMERS_SDL },
    ]);
    for (const { file } of subgraphs) expect(existsSync(file)).toBe(true);
    expect(readFileSync(SUPERGRAPH_YAML, 'utf8')).toMatch(/^federation_version: =2\.\d+\.\d+$/m);
  });

  it('composes both without errors: Customer gets fields from both subgraphs, PaymentMethod is joined', () => {
    const result = composeServices(
      subgraphsOfSupergraphYaml().map(({ name, routingUrl, file }) => ({ name, url: routingUrl, typeDefs: sdlOf(file) })),
    );
    expect(result.errors).toBeUndefined();
    if (result.errors) return;
    // The one hint: both subgraphs describe Query, and the supergraph keeps the customers' text.
    expect(result.hints.map((hint) => `${hint.definition.code}: ${hint.message.split('\n')[0]}`)).toEqual([
      'INCONSISTENT_DESCRIPTION: Element "Query" has inconsistent descriptions across subgraphs. The supergraph will use description (from subgraph "customers"):',
    ]);

    const supergraph = buildSchema(result.supergraphSdl);
    const customer = objectType(supergraph, 'Customer');
    expect(Object.keys(customer.getFields()).sort()).toEqual([
      'defaultPaymentMethod',
      'email',
      'id',
      'lastPaymentMethodSession',
      'loyaltyTier',
      'name',
      'savedPaymentMethods',
    ]);
    expect(joinTypes(supergraph, 'Customer')).toEqual(['graph: CUSTOMERS, key: "id"', 'graph: PAYMENTS, key: "id"']);
    const customerFields = ['id', 'name', 'email', 'loyaltyTier', 'defaultPaymentMethod', 'savedPaymentMethods'];
    expect(Object.fromEntries(customerFields.map((f) => [f, joinFieldGraph(supergraph, 'Customer', f)]))).toEqual({
      id: '',
      name: 'PAYMENTS',
      email: 'PAYMENTS',
      loyaltyTier: 'CUSTOMERS',
      defaultPaymentMethod: 'CUSTOMERS',
      savedPaymentMethods: 'CUSTOMERS',
    });
    expect(String(customer.getFields()['savedPaymentMethods']?.type)).toBe('[PaymentMethod!]!');

    // PaymentMethod: resolvable only in payments; the customers subgraph only refers to it by id.
    expect(joinTypes(supergraph, 'PaymentMethod')).toEqual([
      'graph: CUSTOMERS, key: "id", resolvable: false',
      'graph: PAYMENTS, key: "id"',
    ]);
    expect(joinTypes(supergraph, 'PaymentMethodSession')).toEqual([
      'graph: CUSTOMERS, key: "id", resolvable: false',
      'graph: PAYMENTS, key: "id"',
    ]);
    expect(joinFieldGraph(supergraph, 'PaymentMethod', 'details')).toBe('PAYMENTS');
    expect(joinFieldGraph(supergraph, 'PaymentMethod', 'customer')).toBe('PAYMENTS');

    // Both subgraphs' root fields, and the client-facing API schema has no federation internals.
    expect(Object.keys(objectType(supergraph, 'Query').getFields()).sort()).toEqual([
      'customer',
      'paymentMethod',
      'paymentMethodSession',
      'paymentMethods',
    ]);
    const api = result.schema.toAPISchema().toGraphQLJSSchema();
    expect(api.getType('_Entity')).toBeUndefined();
    expect(api.getType('join__Graph')).toBeUndefined();
    expect(Object.keys(objectType(api, 'Customer').getFields())).toHaveLength(7);
  });

  it.each([
    ['redefines name with an incompatible type', 'name: Int', ['FIELD_TYPE_MISMATCH', 'INVALID_FIELD_SHARING']],
    ['redefines email without @shareable (ours is not shareable either)', 'email: String', ['INVALID_FIELD_SHARING']],
  ])('fails when the customers subgraph %s', (_, field, codes) => {
    const broken = readFileSync(CUSTOMERS_SDL, 'utf8').replace(
      '  loyaltyTier: String!\n',
      `  loyaltyTier: String!\n  "A redefinition of a payments field."\n  ${field}\n`,
    );
    expect(broken).toContain(field);
    const result = compose(parse(broken));
    expect(result.errors).toBeDefined();
    const errors = result.errors ?? [];
    expect([...new Set(errors.map((e) => String(e.extensions['code'])))].sort()).toEqual(codes);
    const fieldName = field.split(':')[0] as string;
    for (const error of errors) expect(error.message).toContain(`Customer.${fieldName}`);
  });
});

// --- end to end through @apollo/gateway ----------------------------------------------------

/** The customers subgraph's data: which payment methods (Zoho ids) each customer saved. */
interface CustomerRecord {
  id: string;
  loyaltyTier: string;
  defaultPaymentMethodId: string | null;
  savedPaymentMethodIds: string[];
  lastPaymentMethodSessionId: string | null;
}

const CUSTOMERS: Record<string, CustomerRecord> = {
  [CHARLES]: {
    id: CHARLES,
    loyaltyTier: 'GOLD',
    defaultPaymentMethodId: FIXTURE_CARD,
    // A duplicate on purpose: the payments subgraph must still call Zoho once per distinct id.
    savedPaymentMethodIds: [FIXTURE_CARD, FIXTURE_ACH, FIXTURE_CARD],
    lastPaymentMethodSessionId: FIXTURE_SUCCEEDED_SESSION,
  },
  [ADA]: {
    id: ADA,
    loyaltyTier: 'SILVER',
    defaultPaymentMethodId: null,
    savedPaymentMethodIds: [FIXTURE_ACH],
    lastPaymentMethodSessionId: FIXTURE_OPEN_SESSION,
  },
};

const customerResolvers = {
  Query: {
    customer: (_: unknown, { id }: { id: string }) => CUSTOMERS[id] ?? null,
  },
  Customer: {
    __resolveReference: ({ id }: { id: string }) => CUSTOMERS[id] ?? null,
    defaultPaymentMethod: (c: CustomerRecord) => (c.defaultPaymentMethodId ? { id: c.defaultPaymentMethodId } : null),
    savedPaymentMethods: (c: CustomerRecord) => c.savedPaymentMethodIds.map((id) => ({ id })),
    lastPaymentMethodSession: (c: CustomerRecord) => (c.lastPaymentMethodSessionId ? { id: c.lastPaymentMethodSessionId } : null),
  },
};

/** The router's per-request context: the caller's credentials headers, as received. */
interface RouterContext {
  authorization?: string;
  accountId?: string;
}

/**
 * The router's HTTP client: node-fetch over a plain agent. (RemoteGraphQLDataSource's default,
 * make-fetch-happen, connects through agent-base, whose asynchronous `connect()` nock 14's
 * interceptor cannot pass through: "No socket was returned in the `connect()` function".)
 */
function routerFetcher(agent: http.Agent): Fetcher {
  return (url, init) =>
    nodeFetch(url, { ...init, agent } as Parameters<typeof nodeFetch>[1]) as unknown as Promise<FetcherResponse>;
}

/** One request the router sent to a subgraph. */
interface SubgraphRequest {
  subgraph: string;
  query: string;
  representations: Array<Record<string, unknown>>;
  authorization: string | null;
  accountId: string | null;
}

/**
 * The router's data source for every subgraph: forwards the caller's Authorization and
 * X-Zoho-Account-Id headers (only when the caller sent them), and records what it sends.
 */
class CredentialsForwardingDataSource extends RemoteGraphQLDataSource<RouterContext> {
  constructor(
    private readonly subgraph: string,
    url: string,
    fetcher: Fetcher,
    private readonly sent: SubgraphRequest[],
  ) {
    super({ url, fetcher });
  }

  override willSendRequest({ request, context }: GraphQLDataSourceProcessOptions<RouterContext>): void {
    const { authorization, accountId } = context as RouterContext;
    const headers = request.http?.headers;
    if (authorization) headers?.set('authorization', authorization);
    if (accountId) headers?.set('x-zoho-account-id', accountId);
    this.sent.push({
      subgraph: this.subgraph,
      query: request.query ?? '',
      representations: (request.variables?.['representations'] as SubgraphRequest['representations'] | undefined) ?? [],
      authorization: headers?.get('authorization') ?? null,
      accountId: headers?.get('x-zoho-account-id') ?? null,
    });
  }
}

// eslint-disable-next-line @typescript-eslint/no-explicit-any
type Json = Record<string, any>;

describe('a supergraph of payments and customers, through @apollo/gateway over HTTP', () => {
  // Registered first: its beforeAll starts the sandbox (and allows 127.0.0.1), its beforeEach
  // resets the fixtures and clears the journal before every test.
  const h = useSandbox();

  const CALLER = { Authorization: `Zoho-oauthtoken ${FULL}`, 'X-Zoho-Account-Id': ACCOUNT };
  const logs = captureLogger('warn');
  const subgraphRequests: SubgraphRequest[] = [];
  const routerAgent = new http.Agent({ keepAlive: false });
  let payments: Gateway | undefined;
  let customers: { server: ApolloServer; url: string } | undefined;
  let router: { server: ApolloServer<RouterContext>; url: string } | undefined;

  beforeAll(async () => {
    // Replaces the harness's '127.0.0.1': loopback only, by address or by name.
    nock.enableNetConnect(/^(127\.0\.0\.1|localhost)(:\d+)?$/);

    payments = await startTestServer(testConfig({ ZOHO_API_URL: h.sandbox.apiUrl, ZOHO_TIMEOUT_MS: '5000' }), { logger: logs.logger });
    const customersServer = new ApolloServer({
      schema: buildSubgraphSchema([{ typeDefs: sdlOf(CUSTOMERS_SDL), resolvers: customerResolvers }]),
      plugins: [ApolloServerPluginInlineTraceDisabled()],
    });
    const { url: customersUrl } = await startStandaloneServer(customersServer, {
      listen: { port: 0, host: '127.0.0.1' },
    });
    customers = { server: customersServer, url: customersUrl };

    const composed = compose(undefined, { payments: payments.url, customers: customersUrl });
    if (composed.errors) throw new Error(composed.errors.map((e) => e.message).join('\n'));

    const routerServer = new ApolloServer<RouterContext>({
      gateway: new ApolloGateway({
        supergraphSdl: composed.supergraphSdl,
        buildService: ({ name, url }) =>
          new CredentialsForwardingDataSource(name, url ?? '', routerFetcher(routerAgent), subgraphRequests),
      }),
    });
    const { url: routerUrl } = await startStandaloneServer(routerServer, {
      listen: { port: 0, host: '127.0.0.1' },
      context: async ({ req }) => ({
        authorization: req.headers.authorization,
        accountId: typeof req.headers['x-zoho-account-id'] === 'string' ? req.headers['x-zoho-account-id'] : undefined,
      }),
    });
    router = { server: routerServer, url: routerUrl };
  });

  afterAll(async () => {
    await router?.server.stop();
    await customers?.server.stop();
    await payments?.stop();
    routerAgent.destroy();
    nock.disableNetConnect();
  });

  beforeEach(() => {
    subgraphRequests.length = 0;
  });

  afterEach(() => {
    // Our gateway logged no warning or error (nothing unexpected, nothing masked).
    expect(logs.lines()).toEqual([]);
  });

  /** One operation through the router, as a client sends it. */
  async function query(document: string, variables: Json = {}, headers: Record<string, string> = CALLER) {
    if (!router) throw new Error('the router is not started');
    const reply = await postGraphQL(router.url, { query: document, variables }, headers);
    return { status: reply.status, ...jsonOf<{ data?: Json | null; errors?: Json[] }>(reply) };
  }

  /** What a test checks of each GraphQL error (the rest is a stack trace outside production). */
  const errorSummaries = (errors: Json[] | undefined) =>
    errors?.map(({ message, path: errorPath, extensions }) => ({
      message,
      path: errorPath,
      code: extensions?.['code'],
      serviceName: extensions?.['serviceName'],
    }));
  const UNAUTHENTICATED = {
    message: 'Missing Authorization header. Send "Authorization: Zoho-oauthtoken <token>".',
    code: 'UNAUTHENTICATED',
    serviceName: 'payments',
  };

  /** The Zoho calls the payments subgraph made since the last reset, as "METHOD path status". */
  const zohoCalls = () => h.sandbox.journal.list().map((call) => `${call.method} ${call.path} ${call.status}`);
  const requestsTo = (subgraph: 'payments' | 'customers') => subgraphRequests.filter((r) => r.subgraph === subgraph);

  it('customers -> payments: a customer with its default and saved payment methods and last session', async () => {
    const reply = await query(
      `query Customer($id: ID!) {
        customer(id: $id) {
          id
          loyaltyTier
          defaultPaymentMethod { id type status details { ... on CardDetails { last4 } } }
          savedPaymentMethods { id details { __typename } }
          lastPaymentMethodSession { id status paymentMethod { id type } }
        }
      }`,
      { id: CHARLES },
    );

    expect(reply).toEqual({
      status: 200,
      data: {
        customer: {
          id: CHARLES,
          loyaltyTier: 'GOLD',
          defaultPaymentMethod: { id: FIXTURE_CARD, type: 'CARD', status: 'ACTIVE', details: { last4: '3212' } },
          savedPaymentMethods: [
            { id: FIXTURE_CARD, details: { __typename: 'CardDetails' } },
            { id: FIXTURE_ACH, details: { __typename: 'AchDebitDetails' } },
            { id: FIXTURE_CARD, details: { __typename: 'CardDetails' } },
          ],
          lastPaymentMethodSession: {
            id: FIXTURE_SUCCEEDED_SESSION,
            status: 'SUCCEEDED',
            paymentMethod: { id: FIXTURE_CARD, type: 'CARD' },
          },
        },
      },
    });

    // The router asked customers once, then payments once per entity path (three requests in
    // parallel), forwarding the caller's headers every time.
    expect(subgraphRequests.map((r) => [r.authorization, r.accountId])).toEqual(
      subgraphRequests.map(() => [`Zoho-oauthtoken ${FULL}`, ACCOUNT]),
    );
    expect(requestsTo('customers').map((r) => r.representations)).toEqual([[]]);
    const card = { __typename: 'PaymentMethod', id: FIXTURE_CARD };
    const ach = { __typename: 'PaymentMethod', id: FIXTURE_ACH };
    const session = { __typename: 'PaymentMethodSession', id: FIXTURE_SUCCEEDED_SESSION };
    const toPayments = requestsTo('payments');
    expect(toPayments.every((r) => r.query.includes('_entities(representations:$representations)'))).toBe(true);
    expect(toPayments.map((r) => r.representations)).toEqual(
      expect.arrayContaining([[card], [card, ach, card], [session]]),
    );
    expect(toPayments).toHaveLength(3);

    // Each payments request has its own DataLoader: one Zoho GET per distinct id per request. The
    // card is in two of them (defaultPaymentMethod, savedPaymentMethods), so Zoho sees it twice;
    // the session's partial payment method needs no further call for `id type`.
    expect(zohoCalls().sort()).toEqual(
      [
        `GET /api/v1/paymentmethods/${FIXTURE_CARD} 200`,
        `GET /api/v1/paymentmethods/${FIXTURE_CARD} 200`,
        `GET /api/v1/paymentmethods/${FIXTURE_ACH} 200`,
        `GET /api/v1/paymentmethodsessions/${FIXTURE_SUCCEEDED_SESSION} 200`,
      ].sort(),
    );
  });

  it('customers -> payments: a saved list with a duplicate id costs one Zoho GET per distinct id', async () => {
    const reply = await query(`{ customer(id: "${CHARLES}") { savedPaymentMethods { id details { __typename } } } }`);
    expect(reply.data).toEqual({
      customer: {
        savedPaymentMethods: [
          { id: FIXTURE_CARD, details: { __typename: 'CardDetails' } },
          { id: FIXTURE_ACH, details: { __typename: 'AchDebitDetails' } },
          { id: FIXTURE_CARD, details: { __typename: 'CardDetails' } },
        ],
      },
    });
    expect(reply.errors).toBeUndefined();

    // One _entities request with all three representations (the router does not de-duplicate)...
    const toPayments = requestsTo('payments');
    expect(toPayments).toHaveLength(1);
    expect(toPayments[0]?.representations).toEqual([
      { __typename: 'PaymentMethod', id: FIXTURE_CARD },
      { __typename: 'PaymentMethod', id: FIXTURE_ACH },
      { __typename: 'PaymentMethod', id: FIXTURE_CARD },
    ]);
    // ...and one Zoho GET per distinct id.
    expect(zohoCalls().sort()).toEqual(
      [`GET /api/v1/paymentmethods/${FIXTURE_ACH} 200`, `GET /api/v1/paymentmethods/${FIXTURE_CARD} 200`].sort(),
    );
  });

  it('payments -> customers: a payment method with its customer\'s name (payments) and loyalty tier (customers)', async () => {
    const reply = await query(
      `query PaymentMethod($id: ID!) { paymentMethod(id: $id) { id customer { id name loyaltyTier } } }`,
      { id: FIXTURE_CARD },
    );
    expect(reply).toEqual({
      status: 200,
      data: { paymentMethod: { id: FIXTURE_CARD, customer: { id: CHARLES, name: 'Charles', loyaltyTier: 'GOLD' } } },
    });
    expect(zohoCalls()).toEqual([`GET /api/v1/paymentmethods/${FIXTURE_CARD} 200`]);
    expect(requestsTo('customers').map((r) => r.representations)).toEqual([[{ __typename: 'Customer', id: CHARLES }]]);
  });

  it('payments -> customers: several payment methods and a session; customers asked once per entity path', async () => {
    const reply = await query(
      `query Both($ids: [ID!]!, $session: ID!) {
        paymentMethods(ids: $ids) { id customer { id loyaltyTier } }
        paymentMethodSession(id: $session) { id status customer { id loyaltyTier } }
      }`,
      { ids: [FIXTURE_CARD, FIXTURE_ACH, FIXTURE_CARD], session: FIXTURE_OPEN_SESSION },
    );
    expect(reply).toEqual({
      status: 200,
      data: {
        paymentMethods: [
          { id: FIXTURE_CARD, customer: { id: CHARLES, loyaltyTier: 'GOLD' } },
          { id: FIXTURE_ACH, customer: { id: ADA, loyaltyTier: 'SILVER' } },
          { id: FIXTURE_CARD, customer: { id: CHARLES, loyaltyTier: 'GOLD' } },
        ],
        paymentMethodSession: { id: FIXTURE_OPEN_SESSION, status: 'CREATED', customer: { id: ADA, loyaltyTier: 'SILVER' } },
      },
    });
    // One payments request for both root fields: one Zoho GET per distinct id.
    expect(requestsTo('payments')).toHaveLength(1);
    expect(zohoCalls().sort()).toEqual(
      [
        `GET /api/v1/paymentmethods/${FIXTURE_ACH} 200`,
        `GET /api/v1/paymentmethods/${FIXTURE_CARD} 200`,
        `GET /api/v1/paymentmethodsessions/${FIXTURE_OPEN_SESSION} 200`,
      ].sort(),
    );
    // Then customers once per entity path, in parallel; within a path, the router sends every
    // representation, duplicates included.
    const toCustomers = requestsTo('customers');
    expect(toCustomers.every((r) => r.query.includes('_entities(representations:$representations)'))).toBe(true);
    const charles = { __typename: 'Customer', id: CHARLES };
    const ada = { __typename: 'Customer', id: ADA };
    expect(toCustomers.map((r) => r.representations)).toEqual(expect.arrayContaining([[charles, ada, charles], [ada]]));
    expect(toCustomers).toHaveLength(2);
  });

  it('no token at the router: our UNAUTHENTICATED error comes back through it, and Zoho is not called', async () => {
    const reply = await query(
      `query PaymentMethod($id: ID!) { paymentMethod(id: $id) { id customer { loyaltyTier } } }`,
      { id: FIXTURE_CARD },
      { 'X-Zoho-Account-Id': ACCOUNT },
    );

    expect(reply.status).toBe(200);
    expect(reply.data).toEqual({ paymentMethod: null });
    // The router passes our error on as it is, adding the subgraph's name.
    expect(errorSummaries(reply.errors)).toEqual([{ ...UNAUTHENTICATED, path: ['paymentMethod'] }]);
    expect(zohoCalls()).toEqual([]);
    expect(requestsTo('payments').map((r) => ({ authorization: r.authorization, accountId: r.accountId }))).toEqual([
      { authorization: null, accountId: ACCOUNT },
    ]);
    expect(requestsTo('customers')).toEqual([]);
  });

  it('no token, customers -> payments: each entity fails with UNAUTHENTICATED at its client path', async () => {
    const noToken = { 'X-Zoho-Account-Id': ACCOUNT };

    // A nullable entity field: the customer's own fields arrive, the payment method is null.
    const single = await query(`{ customer(id: "${CHARLES}") { loyaltyTier defaultPaymentMethod { status } } }`, {}, noToken);
    expect(single.status).toBe(200);
    expect(single.data).toEqual({ customer: { loyaltyTier: 'GOLD', defaultPaymentMethod: null } });
    // Our __resolveReference fails each entity on its own (path ["_entities", i]), so the router maps
    // the error back to the client's path.
    expect(errorSummaries(single.errors)).toEqual([{ ...UNAUTHENTICATED, path: ['customer', 'defaultPaymentMethod'] }]);

    // A non-null list of non-null entities ([PaymentMethod!]!): the missing fields null the items,
    // the list and so the whole customer, loyalty tier included.
    const list = await query(`{ customer(id: "${CHARLES}") { loyaltyTier savedPaymentMethods { id status } } }`, {}, noToken);
    expect(list.status).toBe(200);
    expect(list.data).toEqual({ customer: null });
    // One error per item of the list [card, ach, card], each at its client path.
    expect(errorSummaries(list.errors)).toEqual([0, 1, 2].map((i) => ({ ...UNAUTHENTICATED, path: ['customer', 'savedPaymentMethods', i] })));

    expect(zohoCalls()).toEqual([]);
    expect(requestsTo('payments').map((r) => r.authorization)).toEqual([null, null]);
  });
});
