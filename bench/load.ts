/**
 * What every pass of the bench sends and reads: autocannon's load on one server, one request
 * checked, and a gateway's operation outcomes from its /metrics (run.ts's arms and scale.ts's
 * replicas use the same).
 */
import autocannon from 'autocannon';
import type { Arm, ArmRequest } from './arms';
import type { BenchProcess } from './processes';

/** POSTs JSON (the sandbox's control endpoints); throws unless 2xx. */
export async function post(url: string, body: unknown): Promise<void> {
  const response = await fetch(url, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
  if (!response.ok) throw new Error(`POST ${url}: HTTP ${response.status} ${await response.text()}`);
}

export async function verifyRequest(server: BenchProcess, request: ArmRequest, check: Arm['check'], what: string): Promise<void> {
  const response = await fetch(`${server.origin}${request.path}`, {
    method: request.method,
    headers: request.headers,
    ...(request.body !== undefined && { body: request.freshBody?.() ?? request.body }),
  });
  const text = await response.text();
  let body: unknown = text;
  try {
    body = JSON.parse(text);
  } catch {
    // checked below as text
  }
  try {
    check(response.status, body);
  } catch (error) {
    throw new Error(`${what} does not answer as it should: ${(error as Error).message}`);
  }
}

export interface LoadResult {
  /** Latencies of the 2xx replies, in milliseconds (autocannon's own histogram rounds to 1 ms). */
  latenciesMs: number[];
  durationS: number;
  failures: number;
}

/** Load with autocannon: `connections` keep-alive connections sending `requests` in turn. */
export function load(origin: string, requests: readonly ArmRequest[], seconds: number, connections: number): Promise<LoadResult> {
  const latenciesMs: number[] = [];
  return new Promise((resolve, reject) => {
    const instance = autocannon(
      {
        url: origin,
        connections,
        duration: seconds,
        requests: requests.map(({ freshBody, ...r }) => ({
          method: r.method,
          path: r.path,
          headers: r.headers,
          ...(r.body !== undefined && { body: r.body }),
          ...(freshBody && { setupRequest: (sent: autocannon.Request) => ({ ...sent, body: freshBody() }) }),
        })),
      },
      (error, result) => {
        if (error) {
          reject(error);
          return;
        }
        resolve({
          latenciesMs,
          durationS: result.duration,
          failures: result.non2xx + result.errors + result.timeouts,
        });
      },
    );
    instance.on('response', (_client: unknown, statusCode: number, _bytes: number, responseTimeMs: number) => {
      if (statusCode >= 200 && statusCode < 300) latenciesMs.push(responseTimeMs);
    });
  });
}

/**
 * How many operations the gateway has answered with an outcome other than "ok", from /metrics;
 * those whose client hung up (CLIENT_DISCONNECTED) are counted apart.
 */
export async function operationOutcomes(server: BenchProcess): Promise<{ notOk: number; disconnected: number }> {
  const text = await metricsText(server);
  let notOk = 0;
  let disconnected = 0;
  for (const line of text.split('\n')) {
    const match = /^graphql_operations_total\{([^}]*)\} (\d+)/.exec(line);
    if (!match) continue;
    const outcome = /outcome="([^"]*)"/.exec(match[1] as string)?.[1];
    if (outcome === 'CLIENT_DISCONNECTED') disconnected += Number(match[2]);
    else if (outcome !== 'ok') notOk += Number(match[2]);
  }
  return { notOk, disconnected };
}

/** A gateway's /metrics: on its admin port (ADMIN_PORT) when it has one, else on its own. */
export async function metricsText(server: BenchProcess): Promise<string> {
  for (const origin of [server.adminOrigin, server.origin]) {
    if (!origin) continue;
    const response = await fetch(`${origin}/metrics`).catch(() => undefined);
    if (response?.ok) return response.text();
  }
  throw new Error(`${server.name} serves no /metrics`);
}

