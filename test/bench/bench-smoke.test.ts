/**
 * `npm run bench` itself, in its `--smoke` form (a fraction of a second per arm): it starts its
 * servers, every arm answers what it should and every reply it counts reached Zoho (counted at
 * the sandbox), the 30-caller arm really is 30 callers, the latency pass really goes through the sandbox's
 * latency, the noisy-neighbour pass measures quiet callers alone and beside a slow caller that
 * was in flight throughout, the scale-out pass measures replicas sharing one Redis beside replicas in memory, the soak
 * reads the gateway's memory, and the results file holds all of it. The figures
 * are not checked (that is the bench's job on a quiet machine), only that they were measured.
 */
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';

const REPO_ROOT = path.resolve(__dirname, '..', '..');

interface Run {
  requests: number;
  rps: number;
  p50Ms: number;
  p99Ms: number;
  failures: number;
  upstreamCalls: number;
  notReached: number;
  accountsReached: number;
}
interface Arm {
  id: string;
  number: string;
  gateway: string | null;
  runs: Run[];
  median: { rps: number; p50Ms: number; p99Ms: number };
}
interface Results {
  meta: { commit: string; node: string; cpus: number };
  arms: Arm[];
  withLatency: { latencyMs: number; arms: Arm[] };
  noisyNeighbour: {
    slowMs: number;
    wideIds: number;
    quietCallers: number;
    gateways: Array<{
      gateway: string;
      quiet: Run[];
      noisy: Run[];
      slow: { busyShare: number };
      median: { quietP50Ms: number; noisyP50Ms: number; ratio: number };
    }>;
  };
  scale: {
    replicas: number;
    connections: number[];
    operations: Array<{
      id: string;
      runs: Record<'redis' | 'memory', Array<Run & { replicaP50Ms: number[]; redisCommands: Record<string, number>; redisCommandsPerReply: number }>>;
      median: Record<'redis' | 'memory', { rps: number; p50Ms: number; byCommand: Record<string, number> }>;
      ratio: { rps: number; p50: number };
    }>;
  };
  soak: { requests: number; failures: number; before: { rssMiB: number; heapUsedMiB: number }; after: { rssMiB: number } };
  figures: Array<{ gateway: string; floorShare: number; singleShare: number; manyCallersShare: number; latencyOverheadMs: number }>;
  targets: Array<{ name: string; value: number; met: boolean }>;
}

/** The fewest Zoho calls each arm's reply needs (bench/arms.ts), and the most it makes (an update may GET first). */
const CALLS_PER_REPLY: Record<string, number> = { '1': 1, '2': 1, G: 0, '3': 1, '3c': 1, '4a': 20, '4b': 2, '5': 1 };
const MOST_CALLS_PER_REPLY: Record<string, number> = { ...CALLS_PER_REPLY, '5': 2 };

function runBench(args: string[]): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--import', 'tsx', 'bench/run.ts', ...args], {
      cwd: REPO_ROOT,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (chunk: string) => (stdout += chunk));
    child.stderr.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
    child.once('error', reject);
    child.once('exit', (code) => resolve({ code, stdout, stderr }));
  });
}

let results: Results;
let stdout: string;
const outDir = fs.mkdtempSync(path.join(os.tmpdir(), 'bench-smoke-'));
const out = path.join(outDir, 'results.json');

afterAll(() => fs.rmSync(outDir, { recursive: true, force: true }));

beforeAll(async () => {
  const run = await runBench(['--smoke', '--out', out]);
  if (run.code !== 0) throw new Error(`npm run bench -- --smoke exited ${run.code}:\n${run.stderr}`);
  stdout = run.stdout;
  results = JSON.parse(fs.readFileSync(out, 'utf8')) as Results;
}, 150_000);

test('every arm was measured, with real answers only (no failed request, no GraphQL error)', () => {
  expect(results.arms.map((arm) => arm.number)).toEqual(['1', '2', 'G', '3', '3c', '4a', '4b', '5']);
  for (const arm of results.arms) {
    expect(arm.runs).toHaveLength(1);
    const [run] = arm.runs;
    expect(run?.failures).toBe(0);
    expect(run?.requests).toBeGreaterThan(0);
    expect(arm.median.rps).toBeGreaterThan(0);
    expect(arm.median.p50Ms).toBeGreaterThan(0);
    expect(arm.median.p99Ms).toBeGreaterThanOrEqual(arm.median.p50Ms);
  }
});

test('every reply counted as throughput reached Zoho: the sandbox answered at least its calls', () => {
  for (const arm of [...results.arms, ...results.withLatency.arms]) {
    const [run] = arm.runs;
    const perReply = CALLS_PER_REPLY[arm.number] as number;
    expect({ arm: arm.number, notReached: run?.notReached }).toEqual({ arm: arm.number, notReached: 0 });
    expect(run?.upstreamCalls).toBeGreaterThanOrEqual((run?.requests ?? 0) * perReply);
    // Not many more either: at most the warm-up's abandoned requests (one per connection) on top.
    expect(run?.upstreamCalls).toBeLessThanOrEqual(((run?.requests ?? 0) + 2 * 2) * (MOST_CALLS_PER_REPLY[arm.number] as number));
  }
  // Arm G calls no one.
  expect(results.arms.find((arm) => arm.number === 'G')?.runs[0]?.upstreamCalls).toBe(0);
  for (const run of results.noisyNeighbour.gateways.flatMap((g) => [...g.quiet, ...g.noisy])) {
    expect(run.notReached).toBe(0);
    expect(run.upstreamCalls).toBeGreaterThanOrEqual(run.requests);
  }
});

test('arm 3c is 30 callers: every one of its 30 accounts was called at the sandbox', () => {
  const manyCallers = results.arms.find((arm) => arm.number === '3c');
  expect(manyCallers?.runs[0]?.accountsReached).toBe(30);
  expect(results.arms.find((arm) => arm.number === '3')?.runs[0]?.accountsReached).toBe(1);
});

test("the latency pass waits for the sandbox's latency, and 20 concurrent calls cost far less than 20 in a row", () => {
  const { latencyMs, arms } = results.withLatency;
  expect(latencyMs).toBe(20);
  const byNumber = new Map(arms.map((arm) => [arm.number, arm]));
  expect([...byNumber.keys()]).toEqual(['1', '2', '3', '4a', '4b', '5']);
  for (const arm of arms) {
    expect(arm.runs[0]?.failures).toBe(0);
    expect(arm.median.p50Ms).toBeGreaterThanOrEqual(latencyMs);
  }
  // A session and then its payment method: two calls one after the other.
  expect(byNumber.get('4b')?.median.p50Ms).toBeGreaterThanOrEqual(2 * latencyMs);
  // In a row, 20 calls would take 400 ms.
  expect(byNumber.get('4a')?.median.p50Ms).toBeLessThan(10 * latencyMs);
});

test("the noisy-neighbour pass: quiet callers alone and beside a caller whose replies take 1 s, in flight all the while", () => {
  const { slowMs, wideIds, quietCallers, gateways } = results.noisyNeighbour;
  expect({ slowMs, wideIds, quietCallers }).toEqual({ slowMs: 1000, wideIds: 100, quietCallers: 4 });
  expect(gateways.map((g) => g.gateway)).toEqual(['current']);
  const [current] = gateways;
  for (const run of [...(current?.quiet ?? []), ...(current?.noisy ?? [])]) {
    expect(run.failures).toBe(0);
    expect(run.requests).toBeGreaterThan(0);
    expect(run.p50Ms).toBeGreaterThan(0);
  }
  expect(current?.quiet).toHaveLength(1);
  expect(current?.noisy).toHaveLength(1);
  // The slow caller's wide query was in flight for the whole measured run...
  expect(current?.slow.busyShare).toBeGreaterThanOrEqual(0.99);
  // ...and only its own calls were slow: a quiet caller never waited a slow reply's second.
  expect(current?.median.quietP50Ms).toBeLessThan(slowMs / 2);
  expect(current?.median.ratio).toBeCloseTo((current?.median.noisyP50Ms ?? 0) / (current?.median.quietP50Ms ?? 1), 5);
  expect(stdout).toContain("| gateway | quiet p50 ms | p50 ms with the slow caller | ratio |");
});

test('the scale-out pass: each operation on 2 replicas sharing Redis and 2 in memory, every reply a success that reached Zoho, Redis used only by the first', () => {
  const { replicas, connections, operations } = results.scale;
  expect(replicas).toBe(2);
  expect(connections).toEqual([1, 1]);
  expect(operations.map((op) => op.id)).toEqual(['paymentMethod', 'createPaymentMethodSession', 'persistedPaymentMethod']);
  const byId = new Map(operations.map((op) => [op.id, op]));
  for (const op of operations) {
    for (const config of ['redis', 'memory'] as const) {
      const [run] = op.runs[config];
      expect({ op: op.id, config, failures: run?.failures, notReached: run?.notReached }).toEqual({ op: op.id, config, failures: 0, notReached: 0 });
      expect(run?.requests).toBeGreaterThan(0);
      expect(run?.upstreamCalls).toBeGreaterThanOrEqual(run?.requests ?? Infinity);
      // Both replicas answered (a p50 each).
      expect(run?.replicaP50Ms).toHaveLength(replicas);
      expect(run?.replicaP50Ms.every((p50) => p50 > 0)).toBe(true);
    }
    // The replicas in memory send Redis nothing; those with it at least one script (the budget's draw) per reply.
    expect(op.runs.memory[0]?.redisCommandsPerReply).toBe(0);
    expect(op.median.redis.byCommand['evalsha']).toBeGreaterThanOrEqual(1);
    expect(op.ratio.rps).toBeCloseTo(op.median.redis.rps / op.median.memory.rps, 5);
  }
  // A keyed create: the idempotency claim and its completion, and the budget's draw.
  expect(byId.get('createPaymentMethodSession')?.median.redis.byCommand['evalsha']).toBeGreaterThanOrEqual(3);
  // By hash: the budget's script, and the document from each replica's memory, read from Redis
  // (a GET) at most once by each replica that did not register it.
  const byHash = byId.get('persistedPaymentMethod')?.median.redis.byCommand;
  expect(byHash?.['evalsha']).toBeGreaterThanOrEqual(1);
  expect(byHash?.['get'] ?? 0).toBeLessThan(0.01);
  expect(stdout).toContain('| operation | req/s with Redis | req/s in memory | ratio |');
});

test('the soak read the gateway memory before and after, with no failed operation', () => {
  expect(results.soak.requests).toBeGreaterThan(0);
  expect(results.soak.failures).toBe(0);
  expect(results.soak.before.rssMiB).toBeGreaterThan(10);
  expect(results.soak.before.heapUsedMiB).toBeGreaterThan(1);
  expect(results.soak.after.rssMiB).toBeGreaterThan(10);
});

test('the targets are evaluated and the tables printed', () => {
  expect(results.targets.map((target) => target.name)).toEqual([
    'arm 3 req/s / arm 2 req/s',
    'arm 3 req/s / arm 2 req/s (stretch)',
    'arm G req/s / arm 2 req/s',
    'arm 3 p50 minus arm 1 p50, 20 ms of Zoho latency, 1 connection (ms)',
    'arm 4a (20 ids) p50 / arm 3 p50',
    'same, with 20 ms of Zoho latency, 1 connection',
    "other callers' p50 with a slow caller (1000 ms) / quiet p50",
    'soak RSS growth',
  ]);
  for (const target of results.targets) expect(Number.isFinite(target.value)).toBe(true);
  expect(results.figures.map((f) => f.gateway)).toEqual(['current']);
  const [figures] = results.figures;
  for (const value of [figures?.floorShare, figures?.singleShare, figures?.manyCallersShare, figures?.latencyOverheadMs]) {
    expect(Number.isFinite(value)).toBe(true);
  }
  // The targets are the current gateway's figures.
  expect(results.targets.find((t) => t.name === 'arm G req/s / arm 2 req/s')?.value).toBe(figures?.floorShare);
  expect(stdout).toContain('| gateway | arm G / arm 2 req/s (target >= 0.6) |');
  expect(stdout).toContain('| arm | what | req/s | p50 ms | p99 ms | req/s vs arm 1 | req/s vs arm 2 | p50 vs arm 1 | p50 vs arm 2 |');
  expect(stdout).toContain('| soak RSS growth |');
  expect(results.meta.commit).toMatch(/^[0-9a-f]{7,}$/);
});

test('an unknown option is refused with a message, before any server starts', async () => {
  const run = await runBench(['--fast']);
  expect(run.code).toBe(1);
  expect(run.stderr).toContain('Unknown option --fast');
}, 30_000);
