/**
 * `npm run operation -- <document.graphql> [variables.json | '<JSON object>']`: posts one GraphQL
 * document (e.g. examples/operations/PaymentMethod.graphql) to the gateway and prints the JSON reply.
 *
 * Variables come from the second argument (a file, or inline JSON), else from the document's
 * sibling `<Name>.variables.json` when there is one. Environment:
 *
 *   GATEWAY_URL      default http://localhost:4000/graphql (what `npm start` serves)
 *   ZOHO_TOKEN       sent as `Authorization: Zoho-oauthtoken <token>`; default sandbox_full
 *   ZOHO_ACCOUNT_ID  sent as `X-Zoho-Account-Id`; default 1000000001 (the sandbox's account)
 *
 * Exit code 0 when the reply has data and no errors; 1 when it has errors (printed, with a summary
 * on stderr), when the gateway is unreachable or answers something that is not GraphQL JSON, or
 * when the arguments are wrong (a one-line message on stderr, never a stack trace). `userErrors`
 * are data: a mutation that reports them still exits 0.
 */
import { existsSync, readFileSync } from 'node:fs';

export const DEFAULT_GATEWAY_URL = 'http://localhost:4000/graphql';
export const DEFAULT_TOKEN = 'sandbox_full';
export const DEFAULT_ACCOUNT_ID = '1000000001';
/** How long to wait for the gateway's reply. */
export const TIMEOUT_MS = 30_000;

export const USAGE = "Usage: npm run operation -- <document.graphql> [variables.json | '{\"id\": \"...\"}']";

/** A mistake the user can fix; its message is printed alone. */
export class RunError extends Error {
  override name = 'RunError';
}

export type Variables = Record<string, unknown>;

export interface OperationRequest {
  url: string;
  method: 'POST';
  headers: Record<string, string>;
  body: string;
}

/** `examples/operations/PaymentMethod.graphql` -> `examples/operations/PaymentMethod.variables.json`. */
export function siblingVariablesPath(documentPath: string): string {
  return documentPath.replace(/(\.graphql|\.gql)?$/, '.variables.json');
}

function parseVariables(text: string, source: string): Variables {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (error) {
    throw new RunError(`${source} is not valid JSON: ${(error as Error).message}`);
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw new RunError(`${source} must be a JSON object of variables, e.g. {"id": "1987000000724211"}`);
  }
  return value as Variables;
}

function readText(file: string, what: string): string {
  try {
    return readFileSync(file, 'utf8');
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    throw new RunError(`Cannot read the ${what} ${file}${code === 'ENOENT' ? ': no such file' : ` (${code ?? String(error)})`}`);
  }
}

/**
 * The variables to send: `argument` (inline JSON when it starts with `{`, else a file), or the
 * document's sibling `.variables.json`, or none.
 */
export function resolveVariables(documentPath: string, argument?: string): Variables | undefined {
  if (argument !== undefined) {
    if (argument.trimStart().startsWith('{')) return parseVariables(argument, 'The variables argument');
    return parseVariables(readText(argument, 'variables file'), argument);
  }
  const sibling = siblingVariablesPath(documentPath);
  return existsSync(sibling) ? parseVariables(readText(sibling, 'variables file'), sibling) : undefined;
}

/** The HTTP request for one operation, with the caller's credentials from `env`. */
export function buildRequest(document: string, variables: Variables | undefined, env: NodeJS.ProcessEnv = process.env): OperationRequest {
  return {
    url: env.GATEWAY_URL || DEFAULT_GATEWAY_URL,
    method: 'POST',
    headers: {
      'content-type': 'application/json',
      accept: 'application/json',
      authorization: `Zoho-oauthtoken ${env.ZOHO_TOKEN || DEFAULT_TOKEN}`,
      'x-zoho-account-id': env.ZOHO_ACCOUNT_ID || DEFAULT_ACCOUNT_ID,
    },
    body: JSON.stringify(variables === undefined ? { query: document } : { query: document, variables }),
  };
}

interface GraphQLReply {
  data?: unknown;
  errors?: Array<{ message?: unknown; extensions?: { code?: unknown } }>;
}

/** A one-line summary of a reply's errors, or undefined when it succeeded (data and no errors). */
export function errorSummary(reply: GraphQLReply): string | undefined {
  const errors = Array.isArray(reply.errors) ? reply.errors : [];
  if (errors.length === 0) return reply.data == null ? 'The reply has no data and no errors' : undefined;
  const first = errors[0];
  const code = typeof first?.extensions?.code === 'string' ? `${first.extensions.code}: ` : '';
  return `The reply has ${errors.length} error${errors.length === 1 ? '' : 's'}, the first: ${code}${String(first?.message).replace(/\s+/g, ' ')}`;
}

/** Why fetch failed, in one line (fetch's own message is just "fetch failed"). */
export function unreachableMessage(url: string, error: unknown): string {
  if (error instanceof Error && (error.name === 'TimeoutError' || error.name === 'AbortError')) {
    return `The gateway at ${url} did not answer within ${TIMEOUT_MS / 1000} s`;
  }
  const cause = error instanceof Error ? (error.cause as { code?: unknown; message?: unknown } | undefined) : undefined;
  const reason = typeof cause?.code === 'string' ? cause.code : String(cause?.message ?? (error as Error)?.message ?? error);
  return `Cannot reach the gateway at ${url} (${reason}): start it with \`npm start\`, or set GATEWAY_URL`;
}

export interface RunResult {
  exitCode: 0 | 1;
  /** The reply as pretty JSON, when the gateway sent JSON. */
  stdout?: string;
  /** One line: what went wrong. */
  stderr?: string;
}

/** Runs `npm run operation -- <args>`: every expected failure is an exit code and a message, never a throw. */
export async function run(args: string[], env: NodeJS.ProcessEnv = process.env, fetchImpl: typeof fetch = fetch): Promise<RunResult> {
  const [documentPath, variablesArgument] = args;
  if (!documentPath || args.length > 2) return { exitCode: 1, stderr: USAGE };
  let request: OperationRequest;
  try {
    request = buildRequest(readText(documentPath, 'document'), resolveVariables(documentPath, variablesArgument), env);
    if (!/^https?:\/\/[^/]/.test(request.url)) throw new RunError(`GATEWAY_URL must be an http(s) URL, e.g. ${DEFAULT_GATEWAY_URL}; got ${request.url}`);
  } catch (error) {
    if (error instanceof RunError) return { exitCode: 1, stderr: error.message };
    throw error;
  }

  let status: number;
  let text: string;
  try {
    const response = await fetchImpl(request.url, {
      method: request.method,
      headers: request.headers,
      body: request.body,
      signal: AbortSignal.timeout(TIMEOUT_MS),
    });
    status = response.status;
    text = await response.text();
  } catch (error) {
    return { exitCode: 1, stderr: unreachableMessage(request.url, error) };
  }

  let reply: unknown;
  try {
    reply = JSON.parse(text);
  } catch {
    reply = undefined;
  }
  if (typeof reply !== 'object' || reply === null || Array.isArray(reply)) {
    const excerpt = text.replace(/\s+/g, ' ').trim().slice(0, 120);
    return { exitCode: 1, stderr: `The gateway at ${request.url} answered HTTP ${status} with a body that is not a GraphQL reply: ${excerpt}` };
  }
  const stdout = JSON.stringify(reply, null, 2);
  const summary = errorSummary(reply as GraphQLReply);
  return summary === undefined ? { exitCode: 0, stdout } : { exitCode: 1, stdout, stderr: summary };
}

if (require.main === module) {
  run(process.argv.slice(2)).then(
    ({ exitCode, stdout, stderr }) => {
      if (stdout !== undefined) process.stdout.write(`${stdout}\n`);
      if (stderr !== undefined) process.stderr.write(`${stderr}\n`);
      process.exitCode = exitCode;
    },
    (error: unknown) => {
      process.stderr.write(`${error instanceof Error ? error.message : String(error)}\n`);
      process.exitCode = 1;
    },
  );
}
