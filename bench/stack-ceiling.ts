/**
 * What Apollo Server and graphql-js allow on this machine, beside what the gateway reaches
 * (issue 15's throughput target is a share of arm 2): arm 2 (the minimal proxy), arm 3's
 * operation on bench/reference-gateway.ts (Apollo Server 5 and graphql-js with none of the
 * gateway's layers; over node:http as the gateway, and over an undici Pool) and on this tree's gateway, at the bench's 10 connections, in interleaved
 * rounds; medians of the rounds and each one's share of arm 2 in the same round.
 *
 *   npx tsx bench/stack-ceiling.ts [--rounds 5] [--seconds 4] [--connections 10]
 */
import autocannon from 'autocannon';
import { ARMS, BATCH_SEED } from './arms';
import { startGateway, startProxy, startReferenceGateway, startSandbox, type BenchProcess } from './processes';

const option = (name: string, fallback: number): number => {
  const at = process.argv.indexOf(name);
  return at === -1 ? fallback : Number(process.argv[at + 1]);
};
const median = (values: number[]): number => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)] ?? Number.NaN;

function load(origin: string, requests: (typeof ARMS)[number]['requests'], seconds: number, connections: number): Promise<number> {
  return new Promise((resolve, reject) => {
    autocannon({ url: origin, connections, duration: seconds, requests: requests.map((r) => ({ ...r })) }, (error, result) => {
      if (error) reject(error);
      else if (result.non2xx + result.errors > 0) reject(new Error(`${origin}: ${result.non2xx + result.errors} requests failed`));
      else resolve(result.requests.average);
    });
  });
}

async function main(): Promise<void> {
  const rounds = option('--rounds', 5);
  const seconds = option('--seconds', 4);
  const connections = option('--connections', 10);
  const proxyRequests = ARMS.find((arm) => arm.number === '2')!.requests;
  const operation = ARMS.find((arm) => arm.number === '3' && arm.target === 'gateway')!.requests;
  const processes: BenchProcess[] = [];
  try {
    const sandbox = await startSandbox();
    processes.push(sandbox);
    const seeded = await fetch(`${sandbox.origin}/__sandbox/seed`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(BATCH_SEED) });
    if (!seeded.ok) throw new Error(`seeding the sandbox: HTTP ${seeded.status}`);
    const [proxy, reference, referenceUndici, gateway] = await Promise.all([
      startProxy(sandbox.origin),
      startReferenceGateway(sandbox.origin),
      startReferenceGateway(sandbox.origin, {}, 'undici'),
      startGateway('gateway', sandbox.origin),
    ]);
    processes.push(proxy!, reference!, referenceUndici!, gateway!);
    // Warm-up: JIT and pools.
    for (const server of [reference!, referenceUndici!, gateway!]) await load(server.origin, operation, 2, connections);
    await load(proxy!.origin, proxyRequests, 2, connections);
    const rows: Array<{ proxy: number; reference: number; referenceUndici: number; gateway: number }> = [];
    for (let round = 0; round < rounds; round++) {
      const row = {
        proxy: await load(proxy!.origin, proxyRequests, seconds, connections),
        reference: await load(reference!.origin, operation, seconds, connections),
        referenceUndici: await load(referenceUndici!.origin, operation, seconds, connections),
        gateway: await load(gateway!.origin, operation, seconds, connections),
      };
      rows.push(row);
      process.stderr.write(`round ${round + 1}/${rounds}: proxy ${row.proxy.toFixed(0)}, reference ${row.reference.toFixed(0)} (undici ${row.referenceUndici.toFixed(0)}), gateway ${row.gateway.toFixed(0)} req/s\n`);
    }
    const share = (key: 'reference' | 'referenceUndici' | 'gateway') => median(rows.map((row) => row[key] / row.proxy));
    process.stdout.write(
      [
        `${rounds} rounds of ${seconds} s at ${connections} connections (medians):`,
        '',
        '| server | req/s | share of arm 2 (same round) |',
        '| --- | ---: | ---: |',
        `| arm 2, the minimal proxy | ${median(rows.map((r) => r.proxy)).toFixed(0)} | 1.00 |`,
        `| arm 3's operation on Apollo Server and graphql-js alone (bench/reference-gateway.ts) | ${median(rows.map((r) => r.reference)).toFixed(0)} | ${share('reference').toFixed(2)} |`,
        `| the same reference over an undici Pool (issue 15's own reference's client) | ${median(rows.map((r) => r.referenceUndici)).toFixed(0)} | ${share('referenceUndici').toFixed(2)} |`,
        `| arm 3 on this tree's gateway | ${median(rows.map((r) => r.gateway)).toFixed(0)} | ${share('gateway').toFixed(2)} |`,
        '',
        `The gateway reaches ${median(rows.map((r) => r.gateway / r.reference)).toFixed(2)} of the reference's req/s (its layers' cost).`,
        '',
      ].join('\n'),
    );
  } finally {
    await Promise.all(processes.map((p) => p.stop()));
  }
}

main().catch((error: unknown) => {
  process.stderr.write(`stack-ceiling failed: ${error instanceof Error ? error.message : String(error)}\n`);
  process.exit(1);
});
