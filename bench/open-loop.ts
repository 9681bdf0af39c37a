/**
 * An open-loop load: requests sent on a fixed schedule, whether or not the earlier ones have
 * answered, each timed from the moment it was due. autocannon's connections send a request only
 * once the last one answered, so a stall of a second costs each connection one slow sample and
 * the p50 never shows it (coordinated omission); here a stall delays every request due during it,
 * which is what callers arriving at their own pace would wait.
 */
import http from 'node:http';
import type { ArmRequest } from './arms';
import { percentile } from './stats';

export interface OpenLoopResult {
  requests: number;
  rps: number;
  p50Ms: number;
  p90Ms: number;
  p99Ms: number;
  /** Replies that were not HTTP 200 or that `check` refused, and requests that got no reply. */
  failures: number;
  /** The first failures' descriptions, for the log. */
  firstFailures: string[];
}

/**
 * `ratePerS` requests a second for `durationS`, the `requests` in turn, to `origin`; each reply
 * checked with `check`. Requests still unanswered `timeoutMs` after they were due count as failures.
 */
export async function openLoop(
  origin: string,
  requests: readonly ArmRequest[],
  ratePerS: number,
  durationS: number,
  check: (status: number, body: unknown) => void,
  timeoutMs = 30_000,
): Promise<OpenLoopResult> {
  const count = Math.max(1, Math.round(ratePerS * durationS));
  const intervalMs = 1000 / ratePerS;
  const agent = new http.Agent({ keepAlive: true, maxSockets: 512 });
  const latencies: number[] = [];
  const failures: string[] = [];
  const started = performance.now();
  const pending: Array<Promise<void>> = [];
  try {
    for (let i = 0; i < count; i++) {
      const due = started + i * intervalMs;
      const wait = due - performance.now();
      if (wait > 0) await new Promise((resolve) => setTimeout(resolve, wait));
      const request = requests[i % requests.length] as ArmRequest;
      pending.push(
        send(origin, request, agent, timeoutMs).then(
          ({ status, text }) => {
            try {
              check(status, JSON.parse(text));
              latencies.push(performance.now() - due);
            } catch (error) {
              failures.push(`HTTP ${status}: ${(error as Error).message.slice(0, 200)}`);
            }
          },
          (error: unknown) => {
            failures.push(String(error));
          },
        ),
      );
    }
    await Promise.all(pending);
  } finally {
    agent.destroy();
  }
  const sorted = Float64Array.from(latencies).sort();
  return {
    requests: sorted.length,
    rps: sorted.length / durationS,
    p50Ms: percentile(sorted, 0.5),
    p90Ms: percentile(sorted, 0.9),
    p99Ms: percentile(sorted, 0.99),
    failures: failures.length,
    firstFailures: failures.slice(0, 3),
  };
}

function send(origin: string, request: ArmRequest, agent: http.Agent, timeoutMs: number): Promise<{ status: number; text: string }> {
  return new Promise((resolve, reject) => {
    const body = request.body;
    const req = http.request(
      `${origin}${request.path}`,
      {
        method: request.method,
        agent,
        headers: body === undefined ? request.headers : { ...request.headers, 'content-length': String(Buffer.byteLength(body)) },
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (chunk: Buffer) => chunks.push(chunk));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, text: Buffer.concat(chunks).toString('utf8') }));
        res.on('error', reject);
      },
    );
    req.setTimeout(timeoutMs, () => req.destroy(new Error(`no reply within ${timeoutMs} ms`)));
    req.on('error', reject);
    if (body !== undefined) req.write(body);
    req.end();
  });
}
