/**
 * The real gateway against a Zoho stand-in, as a process of its own (what production runs:
 * `src/main.ts`, its own HTTP client and agents, no nock), bound to 127.0.0.1 (HOST), started by
 * processes.ts: the environment is the runner's minus every variable the gateway reads, plus
 * what the test states, so a test names every setting it relies on.
 *
 * Also: a node:http client with a big keep-alive pool for many operations at once, and readers
 * of `/readyz`, `/metrics` and the gateway's JSON log lines.
 */
import type { ChildProcess } from 'node:child_process';
import http from 'node:http';
import { startGatewayProcess, stopAllProcesses } from './processes';

export { LOOPBACK } from './processes';

export interface RealGateway {
  child: ChildProcess;
  /** e.g. `http://127.0.0.1:41235/graphql`. */
  url: string;
  /** e.g. `http://127.0.0.1:41235`: `/readyz`, `/healthz`. */
  origin: string;
  /** e.g. `http://127.0.0.1:41236`: the admin listener (ADMIN_PORT), `/metrics`. */
  adminOrigin: string;
  stdout: () => string;
  stderr: () => string;
  /** The JSON log lines so far, parsed. */
  logs: () => Array<Record<string, unknown>>;
  stop: () => Promise<void>;
}

/** Stops every gateway (and every other process) the helpers started (afterAll). */
export const stopAllGateways = stopAllProcesses;

/**
 * Starts `src/main.ts` (startGatewayProcess) with ZOHO_API_URL = `zohoApiUrl`, HOST 127.0.0.1,
 * PORT and ADMIN_PORT 0 and info logs, plus `env`; resolves once it has printed its URLs.
 */
export async function startRealGateway(zohoApiUrl: string, env: Record<string, string> = {}): Promise<RealGateway> {
  const proc = await startGatewayProcess({ HOST: '127.0.0.1', LOG_LEVEL: 'info', ZOHO_API_URL: zohoApiUrl, ...env });
  return {
    child: proc.child,
    url: proc.url,
    origin: proc.origin,
    adminOrigin: proc.adminOrigin,
    stdout: () => proc.stdout,
    stderr: () => proc.stderr,
    logs: () =>
      proc.stdout
        .split('\n')
        .filter((line) => line.startsWith('{') && line.endsWith('}'))
        .flatMap((line) => {
          try {
            return [JSON.parse(line) as Record<string, unknown>];
          } catch {
            return [];
          }
        }),
    stop: async () => {
      await proc.stop('SIGTERM', 5_000).catch(() => proc.child.kill('SIGKILL'));
    },
  };
}

export interface Reply {
  status: number;
  headers: http.IncomingHttpHeaders;
  text: string;
}

/** One HTTP request over `agent`; rejects after `timeoutMs`. */
export function request(
  url: string,
  options: { method?: string; headers?: Record<string, string>; body?: string; agent?: http.Agent; timeoutMs?: number } = {},
): Promise<Reply> {
  const { method = 'GET', headers = {}, body, agent, timeoutMs = 30_000 } = options;
  return new Promise((resolve, reject) => {
    const req = http.request(
      url,
      { method, agent, headers: body === undefined ? headers : { ...headers, 'content-length': String(Buffer.byteLength(body)) } },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (chunk: Buffer) => chunks.push(chunk));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, text: Buffer.concat(chunks).toString('utf8') }));
        res.on('error', reject);
      },
    );
    req.setTimeout(timeoutMs, () => req.destroy(new Error(`${method} ${url} timed out after ${timeoutMs} ms`)));
    req.on('error', reject);
    if (body !== undefined) req.write(body);
    req.end();
  });
}

export interface GraphQLReply {
  status: number;
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  data?: Record<string, any> | null;
  errors?: Array<{ message: string; path?: Array<string | number>; extensions?: Record<string, unknown> }>;
  text: string;
}

/** The headers of a caller: its token and account id. */
export function callerHeaders(caller: { authorization: string; accountId: string }): Record<string, string> {
  return { authorization: caller.authorization, 'x-zoho-account-id': caller.accountId };
}

/** POSTs one operation as a caller; the reply parsed (a body that is not JSON is kept as text). */
export async function graphql(
  gateway: { url: string },
  caller: { authorization: string; accountId: string },
  query: string,
  variables?: Record<string, unknown>,
  agent?: http.Agent,
): Promise<GraphQLReply> {
  const reply = await request(gateway.url, {
    method: 'POST',
    headers: { 'content-type': 'application/json', accept: 'application/json', ...callerHeaders(caller) },
    body: JSON.stringify({ query, variables }),
    agent,
  });
  try {
    const json = JSON.parse(reply.text) as Omit<GraphQLReply, 'status' | 'text'>;
    return { status: reply.status, text: reply.text, ...json };
  } catch {
    return { status: reply.status, text: reply.text };
  }
}

/** A call to the sandbox's control API (`/__sandbox/...`, sandbox/README.md), its JSON reply; throws unless it answers 200. */
export async function sandboxControl(
  sandbox: { origin: string },
  method: 'GET' | 'POST',
  path: string,
  body?: unknown,
): Promise<Record<string, unknown>> {
  const reply = await request(`${sandbox.origin}${path}`, {
    method,
    headers: { 'content-type': 'application/json' },
    ...(body !== undefined && { body: JSON.stringify(body) }),
  });
  if (reply.status !== 200) throw new Error(`${method} ${path} at the sandbox answered ${reply.status}: ${reply.text}`);
  return JSON.parse(reply.text) as Record<string, unknown>;
}

/** `/readyz` as JSON (status code included). */
export async function readyz(gateway: { origin: string }): Promise<{ httpStatus: number } & Record<string, unknown>> {
  const reply = await request(`${gateway.origin}/readyz`);
  return { httpStatus: reply.status, ...(JSON.parse(reply.text) as Record<string, unknown>) };
}

/** `/metrics` text, from the gateway's admin listener. */
export async function metricsText(gateway: RealGateway): Promise<string> {
  const reply = await request(`${gateway.adminOrigin}/metrics`);
  if (reply.status !== 200) throw new Error(`GET /metrics answered ${reply.status}`);
  return reply.text;
}

/** Polls `check` every `everyMs` until it returns true or `timeoutMs` passes; returns whether it held. */
export async function eventually(check: () => Promise<boolean> | boolean, timeoutMs: number, everyMs = 100): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (await check()) return true;
    if (Date.now() > deadline) return false;
    await new Promise((resolve) => setTimeout(resolve, everyMs));
  }
}

let markers = 0;
/**
 * The gateway's log lines once everything logged so far is out: the gateway writes its logs in
 * batches (observability/logger.ts), so a test that reads them right after a reply may miss the
 * last ones. A marker operation is sent and waited for; lines are written in order, so every line
 * logged before it is out by then.
 */
export async function settledLogs(gateway: RealGateway, timeoutMs = 5_000): Promise<Array<Record<string, unknown>>> {
  const operationName = `LogsSettled${++markers}`;
  const reply = await graphql(gateway, { authorization: '', accountId: '' }, `query ${operationName} { __typename }`);
  if (reply.status !== 200) throw new Error(`the marker operation answered ${reply.status}: ${reply.text}`);
  const out = await eventually(() => gateway.logs().some((line) => line['operationName'] === operationName), timeoutMs, 20);
  if (!out) throw new Error(`the marker operation's log line did not appear within ${timeoutMs} ms`);
  return gateway.logs();
}
