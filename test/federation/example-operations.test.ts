/**
 * The example operations a frontend developer starts from (examples/operations/<Name>.graphql,
 * each with <Name>.variables.json) and the script that runs them (`npm run operation`,
 * scripts/run-operation.ts).
 *
 * It proves that:
 * - the examples cover exactly the contract's six root fields, one named operation per file,
 *   named after its file;
 * - every document validates against the subgraph schema, selects every member of a union with an
 *   inline fragment and `userErrors { field code message }` on every payload, and its variables
 *   file satisfies its variable definitions;
 * - every example, with its variables as shipped, returns data with no errors and no userErrors
 *   from the real gateway (over HTTP) on the sandbox's fixtures, alone and all six in a row;
 * - the runner builds the request the README documents and, run as `tsx scripts/run-operation.ts`,
 *   prints the gateway's JSON reply and exits 0, or exits 1 with one clear line.
 *
 * One in-process sandbox (test/sandbox/harness.ts, reset before each test) and one gateway on an
 * ephemeral loopback port serve the whole file.
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import {
  getNamedType,
  getVariableValues,
  isAbstractType,
  isObjectType,
  Kind,
  parse,
  TypeInfo,
  validate,
  visit,
  visitWithTypeInfo,
  type DocumentNode,
  type FieldNode,
  type OperationDefinitionNode,
} from 'graphql';
import {
  buildRequest,
  DEFAULT_GATEWAY_URL,
  resolveVariables,
  run,
  siblingVariablesPath,
  type Variables,
} from '../../scripts/run-operation';
import { buildSchema } from '../../src/schema';
import { jsonOf, postGraphQL } from '../http-client';
import { ACCOUNT, FIXTURE_ACH, FIXTURE_CARD, FULL, type Json } from '../sandbox/harness';
import { useGatewayOnSandbox } from '../support/gateway-on-sandbox';
import { freePort } from '../support/ports';

const ROOT = path.resolve(__dirname, '..', '..');
const OPERATIONS_DIR = path.join(ROOT, 'examples', 'operations');
const TSX = path.join(ROOT, 'node_modules', '.bin', 'tsx');
const SCRIPT = path.join(ROOT, 'scripts', 'run-operation.ts');
const CALLER = { Authorization: `Zoho-oauthtoken ${FULL}`, 'X-Zoho-Account-Id': ACCOUNT };

/** The contract's operations (README.md, Example operations), as root fields. */
const CONTRACT_ROOT_FIELDS = {
  query: ['paymentMethod', 'paymentMethodSession', 'paymentMethods'],
  mutation: ['createPaymentMethodSession', 'deletePaymentMethod', 'updatePaymentMethod'],
};

// --- the examples, read once ----------------------------------------------------------------

interface Example {
  name: string;
  file: string;
  source: string;
  document: DocumentNode;
  variables: Variables;
}

const schema = buildSchema();
const FILES = readdirSync(OPERATIONS_DIR).sort();
const NAMES = FILES.filter((file) => file.endsWith('.graphql')).map((file) => path.basename(file, '.graphql'));

function loadExample(name: string): Example {
  const file = path.join(OPERATIONS_DIR, `${name}.graphql`);
  const source = readFileSync(file, 'utf8');
  const variables = JSON.parse(readFileSync(path.join(OPERATIONS_DIR, `${name}.variables.json`), 'utf8')) as Variables;
  return { name, file, source, document: parse(source), variables };
}
const EXAMPLES = NAMES.map(loadExample);

function operationsOf(document: DocumentNode): OperationDefinitionNode[] {
  return document.definitions.filter((d): d is OperationDefinitionNode => d.kind === Kind.OPERATION_DEFINITION);
}

/** The example's single operation (test 1 proves there is exactly one). */
function operationOf(example: Example): OperationDefinitionNode {
  const [operation] = operationsOf(example.document);
  if (!operation) throw new Error(`${example.name}.graphql holds no operation`);
  return operation;
}

/** `query.paymentMethod`, `mutation.deletePaymentMethod`, ... for every root field an operation selects. */
function rootFieldsOf(operation: OperationDefinitionNode): string[] {
  return operation.selectionSet.selections.map((selection) =>
    selection.kind === Kind.FIELD ? `${operation.operation}.${selection.name.value}` : `${operation.operation}.<${selection.kind}>`,
  );
}

/** Every `userErrors` array anywhere in a reply's data. */
function userErrorsIn(value: unknown): unknown[] {
  if (Array.isArray(value)) return value.flatMap(userErrorsIn);
  if (typeof value !== 'object' || value === null) return [];
  return Object.entries(value).flatMap(([key, child]) => (key === 'userErrors' && Array.isArray(child) ? child : userErrorsIn(child)));
}

// --- the gateway and the sandbox ------------------------------------------------------------

const { url: gatewayUrl } = useGatewayOnSandbox();

/** Runs one example against the gateway over HTTP, as `npm run operation` would. */
async function execute(example: Example): Promise<{ status: number; body: Json }> {
  const reply = await postGraphQL(gatewayUrl(), { query: example.source, variables: example.variables }, CALLER);
  return { status: reply.status, body: jsonOf<Json>(reply) };
}

/** Data, no errors, the root field answered (no null, no null in a list), and no userErrors. */
function expectSuccess(example: Example, { status, body }: { status: number; body: Json }): void {
  const [rootField = ''] = rootFieldsOf(operationOf(example)).map((field) => field.split('.')[1]);
  expect({ example: example.name, status, errors: body.errors }).toEqual({ example: example.name, status: 200, errors: undefined });
  const answer: unknown = body.data?.[rootField];
  expect(answer).not.toBeNull();
  expect(answer).toBeDefined();
  if (Array.isArray(answer)) expect(answer).not.toContain(null);
  expect(userErrorsIn(body.data)).toEqual([]);
}

// --- 1. the set of examples -----------------------------------------------------------------

describe('examples/operations', () => {
  test('holds a <Name>.graphql and a <Name>.variables.json per operation, and nothing else', () => {
    expect(NAMES.length).toBeGreaterThan(0);
    expect(FILES).toEqual(NAMES.flatMap((name) => [`${name}.graphql`, `${name}.variables.json`]).sort());
  });

  test.each(NAMES)('%s.graphql is one operation, named after its file (PascalCase), with nothing else', (name) => {
    const { document } = EXAMPLES.find((example) => example.name === name) as Example;
    expect(name).toMatch(/^[A-Z][A-Za-z0-9]*$/);
    expect(document.definitions.map((d) => d.kind)).toEqual([Kind.OPERATION_DEFINITION]);
    expect(operationsOf(document).map((operation) => operation.name?.value)).toEqual([name]);
  });

  test("together they select exactly the contract's six root fields, one each", () => {
    const selected = EXAMPLES.flatMap((example) => operationsOf(example.document).flatMap(rootFieldsOf)).sort();
    const served = (['query', 'mutation'] as const).flatMap((kind) => {
      const type = kind === 'query' ? schema.getQueryType() : schema.getMutationType();
      return Object.keys(type?.getFields() ?? {})
        .filter((field) => field !== '_entities' && field !== '_service')
        .map((field) => `${kind}.${field}`);
    });
    const contract = Object.entries(CONTRACT_ROOT_FIELDS).flatMap(([kind, fields]) => fields.map((field) => `${kind}.${field}`));
    expect(served.sort()).toEqual(contract.sort());
    expect(selected).toEqual(contract.sort());
    for (const example of EXAMPLES) expect(rootFieldsOf(operationOf(example))).toHaveLength(1);
  });
});

// --- 2. each document against the schema ----------------------------------------------------

describe.each(NAMES)('%s', (name) => {
  const example = EXAMPLES.find((e) => e.name === name) as Example;

  test('validates against the subgraph schema', () => {
    expect(validate(schema, example.document).map((error) => error.message)).toEqual([]);
  });

  test('its variables file satisfies the variable definitions, and declares nothing more', () => {
    const definitions = operationOf(example).variableDefinitions ?? [];
    const result = getVariableValues(schema, definitions, example.variables);
    expect(result.errors?.map((error) => error.message)).toBeUndefined();
    const declared = definitions.map((definition) => definition.variable.name.value);
    expect(Object.keys(example.variables).filter((key) => !declared.includes(key))).toEqual([]);
    expect(siblingVariablesPath(example.file)).toBe(path.join(OPERATIONS_DIR, `${name}.variables.json`));
  });

  test('selects every member of a union with an inline fragment, and userErrors { field code message } on a payload', () => {
    const problems: string[] = [];
    const typeInfo = new TypeInfo(schema);
    visit(
      example.document,
      visitWithTypeInfo(typeInfo, {
        Field(node: FieldNode) {
          const type = getNamedType(typeInfo.getType());
          const selections = node.selectionSet?.selections ?? [];
          if (isAbstractType(type)) {
            const fragments = selections.flatMap((s) => (s.kind === Kind.INLINE_FRAGMENT && s.typeCondition ? [s.typeCondition.name.value] : []));
            for (const member of schema.getPossibleTypes(type)) {
              if (!fragments.includes(member.name)) problems.push(`${node.name.value}: no "... on ${member.name}"`);
            }
          }
          if (isObjectType(type) && 'userErrors' in type.getFields()) {
            const userErrors = selections.find((s): s is FieldNode => s.kind === Kind.FIELD && s.name.value === 'userErrors');
            const fields = userErrors?.selectionSet?.selections.map((s) => (s.kind === Kind.FIELD ? s.name.value : s.kind)).sort();
            if (JSON.stringify(fields) !== JSON.stringify(['code', 'field', 'message'])) {
              problems.push(`${node.name.value}: userErrors selects ${JSON.stringify(fields ?? null)}`);
            }
          }
        },
      }),
    );
    expect(problems).toEqual([]);
  });

  // --- 3. end to end ------------------------------------------------------------------------

  test('runs against the gateway over the sandbox (fixtures as shipped): data, no errors, no userErrors', async () => {
    expectSuccess(example, await execute(example));
  });
});

describe('all the examples in a row, on one sandbox', () => {
  test('succeed in file-name order (as `for f in examples/operations/*.graphql` runs them): the delete removes the ACH account, which the others do not need', async () => {
    for (const example of EXAMPLES) expectSuccess(example, await execute(example));

    const deleteExample = EXAMPLES.find((example) => example.name === 'DeletePaymentMethod') as Example;
    expect(deleteExample.variables).toEqual({ input: { id: FIXTURE_ACH } });
    // Deleting it again is the caller's mistake, reported as data: a fresh sandbox (npm start) resets it.
    const again = await execute(deleteExample);
    expect(again.body).toEqual({
      data: { deletePaymentMethod: { deletedPaymentMethodId: null, userErrors: [expect.objectContaining({ field: ['input', 'id'], code: 'NOT_FOUND' })] } },
    });
  });
});

// --- 4. the runner --------------------------------------------------------------------------

describe('scripts/run-operation.ts, its pure parts', () => {
  const document = 'query PaymentMethod($id: ID!) { paymentMethod(id: $id) { id } }';

  test('buildRequest: POST to localhost:4000 with the sandbox credentials by default', () => {
    expect(buildRequest(document, { id: FIXTURE_CARD }, {})).toEqual({
      url: DEFAULT_GATEWAY_URL,
      method: 'POST',
      headers: {
        'content-type': 'application/json',
        accept: 'application/json',
        authorization: 'Zoho-oauthtoken sandbox_full',
        'x-zoho-account-id': '1000000001',
      },
      body: JSON.stringify({ query: document, variables: { id: FIXTURE_CARD } }),
    });
  });

  test('buildRequest: GATEWAY_URL, ZOHO_TOKEN and ZOHO_ACCOUNT_ID override the defaults; no variables, no "variables" key', () => {
    const request = buildRequest(document, undefined, {
      GATEWAY_URL: 'https://gateway.example.com/graphql',
      ZOHO_TOKEN: '1000.abc.def',
      ZOHO_ACCOUNT_ID: '23137556',
    });
    expect(request.url).toBe('https://gateway.example.com/graphql');
    expect(request.headers).toMatchObject({ authorization: 'Zoho-oauthtoken 1000.abc.def', 'x-zoho-account-id': '23137556' });
    expect(JSON.parse(request.body)).toEqual({ query: document });
  });

  test('resolveVariables: inline JSON, a file, the sibling .variables.json by default, or none; a clear error otherwise', () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'run-operation-'));
    try {
      const withSibling = path.join(dir, 'Thing.graphql');
      writeFileSync(path.join(dir, 'Thing.variables.json'), '{"id": "1"}');
      writeFileSync(path.join(dir, 'other.json'), '{"id": "2"}');
      writeFileSync(path.join(dir, 'list.json'), '[1]');
      expect(resolveVariables(withSibling)).toEqual({ id: '1' });
      expect(resolveVariables(withSibling, path.join(dir, 'other.json'))).toEqual({ id: '2' });
      expect(resolveVariables(withSibling, ' {"id": "3"}')).toEqual({ id: '3' });
      expect(resolveVariables(path.join(dir, 'Lonely.graphql'))).toBeUndefined();
      expect(() => resolveVariables(withSibling, '{"id": ')).toThrow(/^The variables argument is not valid JSON/);
      expect(() => resolveVariables(withSibling, path.join(dir, 'list.json'))).toThrow(/must be a JSON object of variables/);
      expect(() => resolveVariables(withSibling, path.join(dir, 'missing.json'))).toThrow(/^Cannot read the variables file .*missing\.json: no such file$/);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  test('run: exit 1 with a one-line message for errors in the reply, a reply that is not GraphQL JSON, a failed fetch and wrong arguments', async () => {
    const file = path.join(OPERATIONS_DIR, 'PaymentMethod.graphql');
    const replying = (status: number, text: string): typeof fetch => async () => new Response(text, { status });
    const errors = JSON.stringify({ errors: [{ message: 'Zoho rejected the token', extensions: { code: 'UNAUTHENTICATED' } }], data: null });

    expect(await run([file], {}, replying(200, errors))).toEqual({
      exitCode: 1,
      stdout: JSON.stringify(JSON.parse(errors), null, 2),
      stderr: 'The reply has 1 error, the first: UNAUTHENTICATED: Zoho rejected the token',
    });
    expect(await run([file], {}, replying(200, '{"data": {"paymentMethod": null}}'))).toMatchObject({ exitCode: 0 });
    expect(await run([file], {}, replying(404, '<html>Cannot POST</html>'))).toEqual({
      exitCode: 1,
      stderr: `The gateway at ${DEFAULT_GATEWAY_URL} answered HTTP 404 with a body that is not a GraphQL reply: <html>Cannot POST</html>`,
    });
    const refused: typeof fetch = async () => {
      throw new TypeError('fetch failed', { cause: Object.assign(new Error('connect ECONNREFUSED'), { code: 'ECONNREFUSED' }) });
    };
    expect(await run([file], { GATEWAY_URL: 'http://127.0.0.1:9/graphql' }, refused)).toEqual({
      exitCode: 1,
      stderr: 'Cannot reach the gateway at http://127.0.0.1:9/graphql (ECONNREFUSED): start it with `npm start`, or set GATEWAY_URL',
    });
    expect(await run([], {}, refused)).toEqual({ exitCode: 1, stderr: expect.stringMatching(/^Usage: npm run operation -- /) });
    expect(await run(['nope.graphql'], {}, refused)).toEqual({ exitCode: 1, stderr: 'Cannot read the document nope.graphql: no such file' });
    expect(await run([file], { GATEWAY_URL: 'localhost:4000' }, refused)).toEqual({
      exitCode: 1,
      stderr: expect.stringMatching(/^GATEWAY_URL must be an http\(s\) URL/),
    });
  });
});

interface ScriptRun {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** `tsx scripts/run-operation.ts <args>` from the repository root, as `npm run operation --` runs it. */
function runScript(args: string[], env: Record<string, string>): Promise<ScriptRun> {
  const inherited = { ...process.env };
  for (const name of ['GATEWAY_URL', 'ZOHO_TOKEN', 'ZOHO_ACCOUNT_ID']) delete inherited[name];
  return new Promise((resolve, reject) => {
    const child = spawn(TSX, [SCRIPT, ...args], { cwd: ROOT, env: { ...inherited, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    const timer = setTimeout(() => child.kill('SIGKILL'), 15_000);
    child.on('error', (error) => {
      clearTimeout(timer);
      reject(error);
    });
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr });
    });
  });
}

describe('scripts/run-operation.ts, run as a process', () => {
  test('prints the gateway\'s JSON reply and exits 0, with the sibling variables and the sandbox credentials by default', async () => {
    const result = await runScript(['examples/operations/PaymentMethod.graphql'], { GATEWAY_URL: gatewayUrl() });
    expect({ code: result.code, stderr: result.stderr }).toEqual({ code: 0, stderr: '' });
    const direct = await execute(loadExample('PaymentMethod'));
    expect(JSON.parse(result.stdout)).toEqual(direct.body);
    expect(direct.body.data.paymentMethod).toMatchObject({ id: FIXTURE_CARD, type: 'CARD', details: { __typename: 'CardDetails', last4: '3212' } });
  });

  test('exits 1 when the reply has errors: prints it, and one line naming the first error', async () => {
    const result = await runScript(['examples/operations/PaymentMethod.graphql', `{"id": "${FIXTURE_ACH}"}`], {
      GATEWAY_URL: gatewayUrl(),
      ZOHO_TOKEN: 'not_a_sandbox_token',
    });
    expect(result.code).toBe(1);
    expect(JSON.parse(result.stdout)).toMatchObject({
      data: { paymentMethod: null },
      errors: [expect.objectContaining({ path: ['paymentMethod'], extensions: expect.objectContaining({ code: 'UNAUTHENTICATED' }) })],
    });
    expect(result.stderr).toMatch(/^The reply has 1 error, the first: UNAUTHENTICATED: [^\n]+\n$/);
  });

  test('exits 1 with one clear line, and no stack trace, when nothing listens at GATEWAY_URL', async () => {
    const url = `http://127.0.0.1:${await freePort()}/graphql`;
    const result = await runScript(['examples/operations/PaymentMethod.graphql'], { GATEWAY_URL: url });
    expect(result).toEqual({
      code: 1,
      stdout: '',
      stderr: `Cannot reach the gateway at ${url} (ECONNREFUSED): start it with \`npm start\`, or set GATEWAY_URL\n`,
    });
  });
});
