/**
 * client/ as a frontend team uses it, against a real gateway on the sandbox over real HTTP.
 * It proves that:
 * - client/ typechecks with its own strict, DOM-lib tsconfig (the TypeScript API), and that the
 *   typed documents really type the results: misuse of a result or a variable is a type error;
 * - every example operation runs through Apollo Client (`HttpLink`, the sandbox headers) with
 *   its shipped variables, answering the fixture card and ACH account, the fixture session, a new
 *   session, the update and the delete (and a second delete as a NOT_FOUND user error);
 * - `userErrors` map to form fields through `formErrors`, and GraphQL errors carry a code of the
 *   typed list;
 * - queries as GET work (Apollo Client sends a content-type CSRF prevention accepts);
 * - automatic persisted queries work through Apollo's PersistedQueryLink: the first call
 *   registers the query, the next one sends only the hash;
 * - urql's default (queries as GET) is refused by CSRF prevention, and works with
 *   `apollo-require-preflight: true` or `preferGetMethod: false`.
 */
import { createHash } from 'node:crypto';
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { CombinedGraphQLErrors } from '@apollo/client/errors';
import ts from 'typescript';
import {
  createApolloClient,
  createPaymentMethodSession,
  deletePaymentMethod,
  describeDetails,
  paymentMethod,
  paymentMethods,
  paymentMethodSession,
  sha256,
  updatePaymentMethod,
} from '../../client/examples/apollo-client';
import { createUrqlClient, paymentMethodSession as urqlPaymentMethodSession } from '../../client/examples/urql';
import { ERROR_CODES, isErrorCode, USER_ERROR_CODES } from '../../client/error-codes';
import * as generated from '../../client/generated/graphql';
import type {
  CreatePaymentMethodSessionMutationVariables,
  DeletePaymentMethodMutationVariables,
  PaymentMethodQueryVariables,
  PaymentMethodSessionQueryVariables,
  PaymentMethodsQueryVariables,
  UpdatePaymentMethodMutationVariables,
} from '../../client/generated/graphql';
import { formErrors } from '../../client/user-errors';
import { ACCOUNT, CHARLES, FIXTURE_ACH, FIXTURE_CARD, FIXTURE_SUCCEEDED_SESSION, FULL } from '../sandbox/harness';
import { useGatewayOnSandbox } from '../support/gateway-on-sandbox';

const ROOT = path.resolve(__dirname, '..', '..');
const CLIENT_DIR = path.join(ROOT, 'client');
const OPERATIONS_DIR = path.join(ROOT, 'examples', 'operations');
const EXAMPLE_NAMES = readdirSync(OPERATIONS_DIR)
  .filter((file) => file.endsWith('.graphql'))
  .map((file) => path.basename(file, '.graphql'))
  .sort();

/** An example's shipped variables, typed as the generated variables of its document. */
function variablesOf<T>(name: string): T {
  return JSON.parse(readFileSync(path.join(OPERATIONS_DIR, `${name}.variables.json`), 'utf8')) as T;
}

// --- typechecking ---------------------------------------------------------------------------

function clientProgram(extraFiles: Record<string, string> = {}, oldProgram?: ts.Program): ts.Program {
  const configFile = path.join(CLIENT_DIR, 'tsconfig.json');
  const read = ts.readConfigFile(configFile, (file) => ts.sys.readFile(file));
  if (read.error) throw new Error(ts.flattenDiagnosticMessageText(read.error.messageText, '\n'));
  const parsed = ts.parseJsonConfigFileContent(read.config, ts.sys, CLIENT_DIR, undefined, configFile);
  const host = ts.createCompilerHost(parsed.options);
  const readFile = host.readFile.bind(host);
  const getSourceFile = host.getSourceFile.bind(host);
  // Extra files exist only in memory, inside client/, so they resolve packages as client/ does.
  host.readFile = (file) => extraFiles[file] ?? readFile(file);
  host.fileExists = (file) => file in extraFiles || ts.sys.fileExists(file);
  host.getSourceFile = (file, languageVersion, ...rest) => {
    const text = extraFiles[file];
    return text === undefined ? getSourceFile(file, languageVersion, ...rest) : ts.createSourceFile(file, text, languageVersion, true);
  };
  // oldProgram: the probe reuses the first program's parsed files (the libraries' declarations).
  return ts.createProgram({ rootNames: [...parsed.fileNames, ...Object.keys(extraFiles)], options: parsed.options, host, oldProgram });
}

function diagnosticsOf(program: ts.Program): Array<{ file: string; line: number; message: string }> {
  return ts.getPreEmitDiagnostics(program).map((d) => ({
    file: d.file ? path.relative(ROOT, d.file.fileName) : '',
    line: d.file && d.start !== undefined ? d.file.getLineAndCharacterOfPosition(d.start).line + 1 : 0,
    message: ts.flattenDiagnosticMessageText(d.messageText, '\n'),
  }));
}

describe('client/ typechecks', () => {
  let program: ts.Program | undefined;

  test('with client/tsconfig.json (strict, lib DOM, no Node types): no diagnostic', () => {
    program = clientProgram();
    const files = program.getRootFileNames().map((file) => path.relative(CLIENT_DIR, file)).sort();
    expect(files).toEqual(expect.arrayContaining(['error-codes.ts', 'examples/apollo-client.ts', 'examples/urql.ts', 'generated/graphql.ts']));
    expect(program.getCompilerOptions()).toMatchObject({ strict: true, types: [] });
    expect(diagnosticsOf(program)).toEqual([]);
  }, 120_000);

  test('the typed documents type results and variables: misuse is an error, right use is not', () => {
    const probe = path.join(CLIENT_DIR, 'examples', '__probe__.ts');
    const lines = [
      "import { createApolloClient, paymentMethod, updatePaymentMethod } from './apollo-client';",
      "const client = createApolloClient({ url: 'http://localhost:4000/graphql', token: 't', accountId: '1' });",
      'export async function probe() {',
      "  const method = await paymentMethod(client, { id: '1' });",
      "  const type: 'CARD' | 'ACH_DEBIT' | 'UNKNOWN' | undefined = method?.type;",
      "  const last4: string | undefined = method?.details.__typename === 'CardDetails' ? method.details.last4 : undefined;",
      '  await paymentMethod(client, { id: 1 });', // line 7: an ID is a string
      '  const wrong: number | undefined = method?.createdAt;', // line 8: DateTime is a string
      '  method?.notAField;', // line 9: not selected
      "  await updatePaymentMethod(client, { input: { id: '1', card: { expiryMonth: 1 } } });", // line 10: expiryYear required
      '  return [type, last4, wrong];',
      '}',
    ];
    const diagnostics = diagnosticsOf(clientProgram({ [probe]: lines.join('\n') }, program)).filter((d) => d.file.endsWith('__probe__.ts'));
    expect([...new Set(diagnostics.map((d) => d.line))].sort((a, b) => a - b)).toEqual([7, 8, 9, 10]);
  }, 120_000);
});

// --- against the gateway --------------------------------------------------------------------

const { url } = useGatewayOnSandbox();

interface Call {
  method: string;
  url: string;
  headers: Record<string, string>;
  body: Record<string, unknown> | undefined;
  status: number;
}

/** A fetch that records each request (method, URL, headers, JSON body) and its status, then is the real fetch. */
function recordingFetch(): { fetch: typeof fetch; calls: Call[] } {
  const calls: Call[] = [];
  const recorder: typeof fetch = async (input, init) => {
    const request = new Request(input, init);
    const text = request.method === 'POST' ? await request.clone().text() : '';
    const response = await fetch(request);
    calls.push({
      method: request.method,
      url: request.url,
      headers: Object.fromEntries(request.headers.entries()),
      body: text ? (JSON.parse(text) as Record<string, unknown>) : undefined,
      status: response.status,
    });
    return response;
  };
  return { fetch: recorder, calls };
}

describe('Apollo Client', () => {
  test('the generated documents are exactly the example operations', () => {
    const documents = Object.keys(generated).filter((name) => name.endsWith('Document')).sort();
    expect(documents).toEqual(EXAMPLE_NAMES.map((name) => `${name}Document`));
  });

  test('runs every example operation with its shipped variables, typed', async () => {
    const { fetch, calls } = recordingFetch();
    const client = createApolloClient({ url: url(), token: FULL, accountId: ACCOUNT, fetch });

    const card = await paymentMethod(client, variablesOf<PaymentMethodQueryVariables>('PaymentMethod'));
    expect(card).toMatchObject({ id: FIXTURE_CARD, type: 'CARD', status: 'ACTIVE', customer: { id: CHARLES } });
    expect(card?.details).toEqual(expect.objectContaining({ __typename: 'CardDetails', last4: '3212', expiryMonth: 1, expiryYear: 2030 }));
    expect(card && describeDetails(card.details)).toBe('card ending 3212, expires 01/2030');
    // DateTime arrives as the ISO 8601 string its generated type (string) says.
    expect(card?.createdAt).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d{3})?Z$/);

    const wallet = await paymentMethods(client, variablesOf<PaymentMethodsQueryVariables>('PaymentMethods'));
    expect(wallet.map((method) => [method?.id, method?.type, method?.details.__typename])).toEqual([
      [FIXTURE_CARD, 'CARD', 'CardDetails'],
      [FIXTURE_ACH, 'ACH_DEBIT', 'AchDebitDetails'],
    ]);

    const fixtureSession = await paymentMethodSession(client, variablesOf<PaymentMethodSessionQueryVariables>('PaymentMethodSession'));
    expect(fixtureSession).toMatchObject({ id: FIXTURE_SUCCEEDED_SESSION, status: 'SUCCEEDED', paymentMethod: { id: FIXTURE_CARD } });

    const createVariables = variablesOf<CreatePaymentMethodSessionMutationVariables>('CreatePaymentMethodSession');
    const created = await createPaymentMethodSession(client, createVariables);
    expect(created.userErrors).toEqual([]);
    expect(created.paymentMethodSession).toMatchObject({
      status: 'CREATED',
      description: createVariables.input.description,
      customer: { id: createVariables.input.customerId },
    });
    const createdId = created.paymentMethodSession?.id ?? '';
    expect(createdId).toMatch(/^\d{16,19}$/);
    expect(await paymentMethodSession(client, { id: createdId })).toMatchObject({ id: createdId, status: 'CREATED', paymentMethod: null });

    const updateVariables = variablesOf<UpdatePaymentMethodMutationVariables>('UpdatePaymentMethod');
    const updated = await updatePaymentMethod(client, updateVariables);
    expect(updated.userErrors).toEqual([]);
    expect(updated.paymentMethod).toMatchObject({
      id: FIXTURE_CARD,
      details: { __typename: 'CardDetails', expiryMonth: 12, expiryYear: 2032 },
      billingAddress: { city: 'Detroit', country: 'US', postalCode: '48226' },
    });
    // The cache normalised the update's answer by id: what the screen read before is now the new expiry.
    const cached = client.cache.extract() as Record<string, unknown>;
    expect(cached[`PaymentMethod:${FIXTURE_CARD}`]).toMatchObject({ id: FIXTURE_CARD, details: { expiryMonth: 12, expiryYear: 2032 } });

    const deleteVariables = variablesOf<DeletePaymentMethodMutationVariables>('DeletePaymentMethod');
    expect(await deletePaymentMethod(client, deleteVariables)).toMatchObject({ deletedPaymentMethodId: FIXTURE_ACH, userErrors: [] });
    const again = await deletePaymentMethod(client, deleteVariables);
    expect(again.deletedPaymentMethodId).toBeNull();
    expect(again.userErrors.map((e) => [e.code, e.field])).toEqual([['NOT_FOUND', ['input', 'id']]]);
    expect(await paymentMethod(client, { id: FIXTURE_ACH })).toMatchObject({ id: FIXTURE_ACH, status: 'DELETED' });

    // Over real HTTP, as POSTs with the caller's headers; every example's operation name went out.
    expect(new Set(calls.map((call) => [call.method, call.status, call.headers['authorization'], call.headers['x-zoho-account-id']].join(' '))))
      .toEqual(new Set([`POST 200 Zoho-oauthtoken ${FULL} ${ACCOUNT}`]));
    expect([...new Set(calls.map((call) => call.body?.['operationName']))].sort()).toEqual(EXAMPLE_NAMES);
  });

  test('userErrors map to form fields; GraphQL errors carry a code of the typed list', async () => {
    const client = createApolloClient({ url: url(), token: FULL, accountId: ACCOUNT });
    const past = await updatePaymentMethod(client, { input: { id: FIXTURE_CARD, card: { expiryMonth: 1, expiryYear: 2020 } } });
    expect(past.paymentMethod).toBeNull();
    expect(past.userErrors.map((e) => [e.code, e.field])).toEqual([['INVALID', ['input', 'card', 'expiryYear']]]);
    expect(formErrors(past.userErrors)).toEqual({ fields: { 'card.expiryYear': ['The expiry 01/2020 is already past.'] }, form: [] });
    expect(past.userErrors.every((e) => e.code in USER_ERROR_CODES)).toBe(true);

    const month = await updatePaymentMethod(client, { input: { id: FIXTURE_CARD, card: { expiryMonth: 13, expiryYear: 2032 } } });
    expect(Object.keys(formErrors(month.userErrors).fields)).toEqual(['card.expiryMonth']);

    const nothing = await updatePaymentMethod(client, { input: { id: FIXTURE_CARD } });
    expect(nothing.userErrors.map((e) => e.code)).toEqual(['REQUIRED']);
    expect(formErrors(nothing.userErrors)).toEqual({ fields: {}, form: [expect.any(String)] });

    const stranger = createApolloClient({ url: url(), token: 'not_a_sandbox_token', accountId: ACCOUNT });
    const failure = await paymentMethod(stranger, { id: FIXTURE_CARD }).then(
      () => undefined,
      (error: unknown) => error,
    );
    expect(CombinedGraphQLErrors.is(failure)).toBe(true);
    const code = CombinedGraphQLErrors.is(failure) ? failure.errors[0]?.extensions?.['code'] : undefined;
    expect(code).toBe('UNAUTHENTICATED');
    expect(isErrorCode(code)).toBe(true);
    expect(isErrorCode('NOT_A_CODE')).toBe(false);
    expect(ERROR_CODES.UNAUTHENTICATED).toMatch(/token/);
  });

  test("queries as GET pass CSRF prevention: Apollo Client's content-type header is enough", async () => {
    const { fetch, calls } = recordingFetch();
    const client = createApolloClient({ url: url(), token: FULL, accountId: ACCOUNT, useGETForQueries: true, fetch });
    expect(await paymentMethod(client, { id: FIXTURE_CARD })).toMatchObject({ id: FIXTURE_CARD });
    expect(calls.map((call) => [call.method, call.status, call.headers['content-type'], call.headers['apollo-require-preflight']])).toEqual([
      ['GET', 200, 'application/json', undefined],
    ]);
  });

  test('automatic persisted queries: registered once, then only the hash is sent', async () => {
    const { fetch, calls } = recordingFetch();
    const client = createApolloClient({ url: url(), token: FULL, accountId: ACCOUNT, persistedQueries: true, fetch });
    const first = await paymentMethod(client, { id: FIXTURE_CARD });
    const second = await paymentMethod(client, { id: FIXTURE_ACH });
    expect([first?.id, second?.id]).toEqual([FIXTURE_CARD, FIXTURE_ACH]);

    const hashes = calls.map((call) => (call.body?.['extensions'] as { persistedQuery?: { sha256Hash?: string } } | undefined)?.persistedQuery?.sha256Hash);
    // First: the hash alone (unknown), then the hash with the query; then the hash alone, served.
    expect(calls.map((call) => [typeof call.body?.['query'], call.status])).toEqual([
      ['undefined', 200],
      ['string', 200],
      ['undefined', 200],
    ]);
    expect(new Set(hashes).size).toBe(1);
    const query = calls[1]?.body?.['query'] as string;
    expect(hashes[0]).toBe(createHash('sha256').update(query).digest('hex'));
    expect(await sha256(query)).toBe(hashes[0]);
  });
});

describe('urql', () => {
  const variables = variablesOf<PaymentMethodSessionQueryVariables>('PaymentMethodSession');

  test("its default, queries as GET without a CSRF header, is refused by the gateway's CSRF prevention", async () => {
    const { fetch, calls } = recordingFetch();
    const client = createUrqlClient({ url: url(), token: FULL, accountId: ACCOUNT, csrf: 'none', fetch });
    const { session, error } = await urqlPaymentMethodSession(client, variables);
    expect(session).toBeNull();
    expect(calls.map((call) => [call.method, call.status])).toEqual([['GET', 400]]);
    expect(error?.message).toMatch(/Cross-Site Request Forgery/);
    expect(error?.graphQLErrors.map((e) => e.extensions['code'])).toEqual(['BAD_REQUEST']);
  });

  test('works with `apollo-require-preflight: true` (still GET)', async () => {
    const { fetch, calls } = recordingFetch();
    const client = createUrqlClient({ url: url(), token: FULL, accountId: ACCOUNT, csrf: 'preflight-header', fetch });
    const { session, error } = await urqlPaymentMethodSession(client, variables);
    expect(error).toBeUndefined();
    expect(session).toMatchObject({ id: FIXTURE_SUCCEEDED_SESSION, status: 'SUCCEEDED', paymentMethod: { id: FIXTURE_CARD } });
    expect(calls.map((call) => [call.method, call.status, call.headers['apollo-require-preflight']])).toEqual([['GET', 200, 'true']]);
  });

  test('works with `preferGetMethod: false` (POST)', async () => {
    const { fetch, calls } = recordingFetch();
    const client = createUrqlClient({ url: url(), token: FULL, accountId: ACCOUNT, csrf: 'post', fetch });
    const { session, error } = await urqlPaymentMethodSession(client, variables);
    expect(error).toBeUndefined();
    expect(session).toMatchObject({ id: FIXTURE_SUCCEEDED_SESSION, status: 'SUCCEEDED' });
    expect(calls.map((call) => [call.method, call.status, call.headers['apollo-require-preflight']])).toEqual([['POST', 200, undefined]]);
  });
});
