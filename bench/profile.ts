/**
 * A CPU profile of the gateway under one arm's load, and where its time went (bench/README.md,
 * "Profiling"). The bench's own processes: the sandbox (its own process), this tree's gateway as
 * the bench runs it (production mode, info logs to /dev/null, the bench's limits), autocannon in
 * this process. The profiler (V8's, as `node --cpu-prof`) runs over the measured load only, after
 * a warm-up, so start-up and compilation are not in it.
 *
 *   npx tsx bench/profile.ts [--arm 3] [--duration 15] [--connections 10] [--latency MS] [--rev REV] [--out DIR]
 *
 * `--rev` profiles the gateway of another revision (a worktree, as the bench's `--baseline`).
 * `--latency MS` has the sandbox delay every call (its latency fault), as the bench's latency
 * pass does: with `--connections 1`, where a caller's wait goes.
 * Writes DIR/gateway-arm-<arm>.cpuprofile (open it in Chrome DevTools, Performance tab) and prints
 * the summary of bench/cpuprofile-summary.ts.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import autocannon from 'autocannon';
import { ARMS, BATCH_SEED, MANY_CALLERS_SEEDS, MANY_CALLERS_TOKENS } from './arms';
import { summarise, summaryTable, type CpuProfile } from './cpuprofile-summary';
import { checkout, removeCheckout } from './checkout';
import { startGateway, startSandbox, type BenchProcess } from './processes';

function option(name: string, fallback: string): string {
  const at = process.argv.indexOf(name);
  return at === -1 ? fallback : (process.argv[at + 1] ?? fallback);
}

async function post(url: string, body: unknown): Promise<void> {
  const response = await fetch(url, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
  if (!response.ok) throw new Error(`POST ${url}: HTTP ${response.status}`);
}

function load(origin: string, requests: typeof ARMS[number]['requests'], seconds: number, connections: number) {
  return new Promise<{ requests: number; non2xx: number }>((resolve, reject) => {
    autocannon({ url: origin, connections, duration: seconds, requests: requests.map((r) => ({ ...r })) }, (error, result) =>
      error ? reject(error) : resolve({ requests: result.requests.total, non2xx: result.non2xx + result.errors }),
    );
  });
}

async function main(): Promise<void> {
  const armNumber = option('--arm', '3');
  const durationS = Number(option('--duration', '15'));
  const connections = Number(option('--connections', '10'));
  const latencyMs = Number(option('--latency', '0'));
  if (!Number.isInteger(latencyMs) || latencyMs < 0) throw new Error('--latency must be a whole number of milliseconds');
  const out = path.resolve(option('--out', path.join(os.tmpdir(), 'gateway-profile')));
  const arm = ARMS.find((a) => a.number === armNumber && a.target === 'gateway');
  if (!arm) throw new Error(`--arm must be one of ${ARMS.filter((a) => a.target === 'gateway').map((a) => a.number).join(', ')}`);
  fs.mkdirSync(out, { recursive: true });

  const rev = process.argv.includes('--rev') ? option('--rev', 'HEAD') : undefined;
  const processes: BenchProcess[] = [];
  const source = rev === undefined ? undefined : checkout(rev);
  try {
    const sandbox = await startSandbox();
    processes.push(sandbox);
    await post(`${sandbox.origin}/__sandbox/seed`, BATCH_SEED);
    for (const token of MANY_CALLERS_TOKENS) await post(`${sandbox.origin}/__sandbox/tokens`, token);
    for (const seed of MANY_CALLERS_SEEDS) await post(`${sandbox.origin}/__sandbox/seed`, seed);
    if (latencyMs > 0) await post(`${sandbox.origin}/__sandbox/faults`, { type: 'latency', endpoint: '*', latency_ms: latencyMs, count: 1_000_000 });
    const gateway = await startGateway(rev ? `gateway of ${rev}` : 'gateway', sandbox.origin, source, { widestCaller: connections * 20 });
    processes.push(gateway);

    await load(gateway.origin, arm.requests, 3, connections);
    const profiler = await gateway.profile();
    const result = await load(gateway.origin, arm.requests, durationS, connections);
    const file = path.join(out, `gateway${rev ? `-${rev.replace(/[^\w.-]/g, '_')}` : ''}-arm-${arm.number}.cpuprofile`);
    await profiler.stop(file);
    if (result.non2xx > 0) throw new Error(`${result.non2xx} requests failed under load: the profile is not of the arm's real work`);

    const summary = summarise(JSON.parse(fs.readFileSync(file, 'utf8')) as CpuProfile, 30);
    process.stdout.write(
      [
        `${rev ? `The gateway of ${rev}, arm` : 'Arm'} ${arm.number} (${arm.title}): ${result.requests} operations in ${durationS} s at ${connections} connections, ` +
          `${node()}; ${summary.busyMs} ms of ${summary.totalMs} ms busy (${((summary.busyMs * 1000) / result.requests).toFixed(0)} us of CPU per operation)`,
        `Profile: ${file}`,
        '',
        'By component (self time):',
        '',
        summaryTable(summary.byComponent),
        '',
        'By layer (self time):',
        '',
        summaryTable(summary.byLayer.slice(0, 30)),
        '',
        'By package or file (self time, top 30):',
        '',
        summaryTable(summary.byPlace),
        '',
        'Functions (self time, top 30):',
        '',
        summaryTable(summary.topFunctions),
        '',
      ].join('\n'),
    );
  } finally {
    await Promise.all(processes.map((p) => p.stop()));
    if (source) removeCheckout(source);
  }
}

function node(): string {
  return `Node ${process.version}`;
}

main().catch((error: unknown) => {
  process.stderr.write(`profile failed: ${error instanceof Error ? error.message : String(error)}\n`);
  process.exit(1);
});
