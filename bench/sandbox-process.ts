/**
 * The sandbox as the bench runs it: `sandbox/server.ts` unchanged (as `npm run sandbox` starts it),
 * plus a count of the emulated Zoho calls it answered, by account and outcome, for the bench to
 * check that every reply it counted as throughput reached Zoho (bench/README.md). The journal
 * (`GET /__sandbox/requests`) keeps the last 10,000 calls only, and an arm makes more than that
 * in one round; these counters never wrap. The bench asks over IPC (`upstream-counts`).
 *
 * A call counts once its reply is written: `ok` for a 2xx, `other` for anything else (a fault, a
 * 4xx, the sandbox's own rate limit).
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { loadSandboxEnv } from '../sandbox/config';
import { startSandbox } from '../sandbox/server';

export interface AccountCounts {
  ok: number;
  other: number;
}

const API_PREFIX = '/api/v1/';
const counts = new Map<string, AccountCounts>();

/** The account_id query parameter of a request path, without parsing the whole URL (this runs on every call). */
function accountOf(url: string): string {
  const at = url.indexOf('account_id=');
  if (at === -1) return '(none)';
  const end = url.indexOf('&', at);
  return url.slice(at + 'account_id='.length, end === -1 ? undefined : end);
}

function count(req: IncomingMessage, res: ServerResponse): void {
  const url = req.url ?? '';
  if (!url.startsWith(API_PREFIX)) return;
  res.once('finish', () => {
    const account = accountOf(url);
    let entry = counts.get(account);
    if (!entry) {
      entry = { ok: 0, other: 0 };
      counts.set(account, entry);
    }
    if (res.statusCode >= 200 && res.statusCode < 300) entry.ok += 1;
    else entry.other += 1;
  });
}

async function main(): Promise<void> {
  const env = loadSandboxEnv();
  const sandbox = await startSandbox(
    { timeUnit: env.SANDBOX_TIME_UNIT, rateLimitPerMinute: env.SANDBOX_RATE_LIMIT },
    env.SANDBOX_PORT,
    env.SANDBOX_HOST,
  );
  // A second 'request' listener: the sandbox's own handler is untouched and runs first.
  sandbox.server.on('request', count);
  process.on('message', (message) => {
    if (message === 'upstream-counts') process.send?.({ upstreamCounts: Object.fromEntries(counts) });
  });
  const stop = () => {
    sandbox.close().then(
      () => process.exit(0),
      () => process.exit(1),
    );
  };
  process.on('SIGTERM', stop);
  process.on('SIGINT', stop);
}

main().catch((error: unknown) => {
  process.stderr.write(`${error instanceof Error ? error.message : String(error)}\n`);
  process.exit(1);
});
