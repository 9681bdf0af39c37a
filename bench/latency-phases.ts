/**
 * Where a caller's wait goes at one connection with Zoho's latency (issue 15's p50 target), for
 * this tree's gateway and any `--baseline` revisions, side by side in one run: arm 1 (direct
 * REST), arm 2 (the minimal proxy), arm 3's operation on bench/reference-gateway.ts (Apollo
 * Server and graphql-js with none of the gateway's layers) and on each gateway, in turn, `--rounds` times. Each gateway runs with
 * bench/latency-phases.mjs loaded, which times every operation from Node's HTTP diagnostics
 * channels: before its upstream request is written (the front, Apollo, graphql-js, the
 * upstream layers, the request's write), Zoho (the sandbox's latency and the loopback hop), and
 * after the upstream reply (its body, parsing, execution, the reply's write). The gateway's own
 * time is the first and the last.
 *
 *   npx tsx bench/latency-phases.ts [--latency 20] [--seconds 5] [--rounds 4] [--baseline REV ...]
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import autocannon from 'autocannon';
import { ARMS, BATCH_SEED } from './arms';
import { checkout, commitOf, removeCheckout } from './checkout';
import { startGateway, startProxy, startReferenceGateway, startSandbox, type BenchProcess } from './processes';

interface Row {
  arrived: number;
  upstreamSent?: number;
  upstreamAnswered?: number;
  replied: number;
}

function options(name: string): string[] {
  return process.argv.flatMap((arg, i) => (arg === name && process.argv[i + 1] ? [process.argv[i + 1]!] : []));
}
const numberOption = (name: string, fallback: number) => Number(options(name)[0] ?? fallback);

const median = (values: number[]): number => {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted.length === 0 ? Number.NaN : sorted[Math.floor(sorted.length / 2)]!;
};

async function post(url: string, body: unknown): Promise<void> {
  const response = await fetch(url, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
  if (!response.ok) throw new Error(`POST ${url}: HTTP ${response.status}`);
}

/** One connection for `seconds`: the mean latency (autocannon's p50 is in whole milliseconds). */
function load(origin: string, requests: (typeof ARMS)[number]['requests'], seconds: number, connections = 1): Promise<{ meanMs: number; failed: number }> {
  return new Promise((resolve, reject) => {
    autocannon({ url: origin, connections, duration: seconds, requests: requests.map((r) => ({ ...r })) }, (error, result) =>
      error ? reject(error) : resolve({ meanMs: result.latency.average, failed: result.non2xx + result.errors }),
    );
  });
}

async function main(): Promise<void> {
  const latencyMs = numberOption('--latency', 20);
  const seconds = numberOption('--seconds', 5);
  const rounds = numberOption('--rounds', 4);
  const direct = ARMS.find((arm) => arm.number === '1')!;
  const arm3 = ARMS.find((arm) => arm.number === '3' && arm.target === 'gateway')!;
  const out = fs.mkdtempSync(path.join(os.tmpdir(), 'latency-phases-'));
  const proxyArm = ARMS.find((arm) => arm.number === '2')!;
  const gateways: Array<{ name: string; source?: string; process?: BenchProcess; file: string; means: number[]; proxy?: true; reference?: true }> = [
    { name: 'arm 2, the minimal Node proxy', file: path.join(out, 'proxy.json'), means: [], proxy: true },
    { name: 'reference: Apollo Server and graphql-js alone (bench/reference-gateway.ts)', file: path.join(out, 'reference.json'), means: [], reference: true },
    { name: `current (${commitOf('HEAD')} and this tree)`, file: path.join(out, 'current.json'), means: [] },
    ...options('--baseline').map((rev) => ({ name: commitOf(rev), source: checkout(rev), file: path.join(out, `${rev}.json`), means: [] })),
  ];
  const requestsOf = (gateway: { proxy?: true }) => (gateway.proxy ? proxyArm.requests : arm3.requests);
  const processes: BenchProcess[] = [];
  try {
    const sandbox = await startSandbox();
    processes.push(sandbox);
    await post(`${sandbox.origin}/__sandbox/seed`, BATCH_SEED);
    for (const gateway of gateways) {
      const launchOptions = { nodeArgs: ['--import', path.join(__dirname, 'latency-phases.mjs')], env: { LATENCY_PHASES_OUT: gateway.file } };
      gateway.process = gateway.proxy
        ? await startProxy(sandbox.origin, launchOptions)
        : gateway.reference
          ? await startReferenceGateway(sandbox.origin, launchOptions)
          : await startGateway(gateway.name, sandbox.origin, gateway.source, launchOptions);
      processes.push(gateway.process);
      // Warm, as the bench's latency pass follows its load pass.
      await load(gateway.process.origin, requestsOf(gateway), 4, 10);
    }
    await post(`${sandbox.origin}/__sandbox/faults`, { type: 'latency', endpoint: '*', latency_ms: latencyMs, count: 1_000_000 });
    for (const gateway of gateways) {
      await load(gateway.process!.origin, requestsOf(gateway), 1);
      gateway.process!.child.kill('SIGUSR2');
    }
    const directMeans: number[] = [];
    for (let round = 0; round < rounds; round++) {
      directMeans.push((await load(sandbox.origin, direct.requests, seconds)).meanMs);
      for (const gateway of gateways) {
        const result = await load(gateway.process!.origin, requestsOf(gateway), seconds);
        if (result.failed > 0) throw new Error(`${gateway.name}: ${result.failed} requests failed`);
        gateway.means.push(result.meanMs);
      }
    }
    for (const gateway of gateways) await gateway.process!.stop();
    const lines = [
      `One connection, ${latencyMs} ms of Zoho latency, ${rounds} rounds of ${seconds} s; direct REST mean ${median(directMeans).toFixed(2)} ms (median of rounds).`,
      '',
      '| gateway | operations | mean over direct REST | own time (before + after) | before the upstream request | Zoho and the hop | after the upstream reply |',
      '| --- | ---: | ---: | ---: | ---: | ---: | ---: |',
    ];
    for (const gateway of gateways) {
      const rows = (JSON.parse(fs.readFileSync(gateway.file, 'utf8')) as Row[]).filter(
        (row): row is Required<Row> => row.upstreamSent !== undefined && row.upstreamAnswered !== undefined,
      );
      const before = median(rows.map((r) => r.upstreamSent - r.arrived));
      const zoho = median(rows.map((r) => r.upstreamAnswered - r.upstreamSent));
      const after = median(rows.map((r) => r.replied - r.upstreamAnswered));
      const own = median(rows.map((r) => r.upstreamSent - r.arrived + (r.replied - r.upstreamAnswered)));
      const over = median(gateway.means) - median(directMeans);
      lines.push(`| ${gateway.name} | ${rows.length} | +${over.toFixed(2)} ms | ${own.toFixed(3)} ms | ${before.toFixed(3)} ms | ${zoho.toFixed(3)} ms | ${after.toFixed(3)} ms |`);
    }
    process.stdout.write(`${lines.join('\n')}\n`);
  } finally {
    await Promise.all(processes.map((p) => p.stop()));
    for (const gateway of gateways) if (gateway.source) removeCheckout(gateway.source);
    fs.rmSync(out, { recursive: true, force: true });
  }
}

main().catch((error: unknown) => {
  process.stderr.write(`latency-phases failed: ${error instanceof Error ? error.message : String(error)}\n`);
  process.exit(1);
});
