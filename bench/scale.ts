/**
 * The scale-out pass of `npm run bench` (issue 18, bench/README.md): N replicas of this tree's
 * gateway sharing one redis-server (REDIS_URL, one key prefix for all of them), and N replicas
 * each in memory, against the one sandbox. Each operation is sent to the N replicas at once (one
 * autocannon per replica, the connections split between them); the two configurations take
 * turns in every round. What Redis costs per operation is read from the gateways' side (req/s,
 * latency) and from Redis' own (`INFO commandstats` before and after each measured run).
 */
import { spawnSync } from 'node:child_process';
import { Redis } from 'ioredis';
import { SCALE_OPERATIONS, type ScaleOperation } from './arms';
import { load, operationOutcomes, post, verifyRequest, type LoadResult } from './load';
import { startGateway, type BenchProcess } from './processes';
import { reachedZoho, type Reached } from './reached';
import { median, percentile } from './stats';
import { eventually, readyz } from '../test/support/gateway-process';
import { startRedisServer, stopAllRedisServers } from '../test/support/redis-server';

export type ScaleConfig = 'redis' | 'memory';
const CONFIGS: readonly ScaleConfig[] = ['redis', 'memory'];

/** The key prefix of the Redis replicas: one for all of them, so they share every record and budget. */
const KEY_PREFIX = 'bench-scale:';

export interface ScaleShape {
  replicas: number;
  rounds: number;
  durationS: number;
  /** 0: none (the smoke run: autocannon runs at least a second, whatever its duration). */
  warmupS: number;
  /** All replicas together (split between them). */
  connections: number;
  /** Arm 4a's width, as the bench's other gateways get it (benchGatewayLimits). */
  widestCaller: number;
}

/** One measured run of one operation over the N replicas of one configuration. */
export interface ScaleRun extends Reached {
  requests: number;
  /** The replicas' req/s, summed. */
  rps: number;
  /** Of all the replicas' requests together (nearest rank). */
  p50Ms: number;
  p99Ms: number;
  /** Each replica's own p50, for a replica much slower than the others. */
  replicaP50Ms: number[];
  failures: number;
  /** Redis commands over the run (INFO commandstats' deltas, the bench's own INFO left out), by name. */
  redisCommands: Record<string, number>;
  /** All of them per reply counted. */
  redisCommandsPerReply: number;
}

export interface ScaleResult {
  id: ScaleOperation['id'];
  title: string;
  runs: Record<ScaleConfig, ScaleRun[]>;
  median: Record<ScaleConfig, { rps: number; p50Ms: number; p99Ms: number; redisCommandsPerReply: number; byCommand: Record<string, number> }>;
  /** With Redis over in memory. */
  ratio: { rps: number; p50: number };
}

/** Fails at once, before any measuring, when redis-server is not installed. */
export function requireRedisServer(): void {
  const probe = spawnSync('redis-server', ['--version'], { encoding: 'utf8' });
  if (probe.error || probe.status !== 0) {
    throw new Error(
      `the scale-out pass needs redis-server (${probe.error?.message ?? probe.stderr.trim()}): apt-get install redis-server, or run the bench with --scale 0`,
    );
  }
}

/** `connections` split as evenly as the replicas allow, each at least one. */
function splitConnections(connections: number, replicas: number): number[] {
  return Array.from({ length: replicas }, (_, i) => Math.max(1, Math.floor(connections / replicas) + (i < connections % replicas ? 1 : 0)));
}

/** Calls per command since the server started, from `INFO commandstats` (`cmdstat_evalsha:calls=12,...`). */
async function commandCalls(redis: Redis): Promise<Map<string, number>> {
  const calls = new Map<string, number>();
  for (const match of (await redis.info('commandstats')).matchAll(/^cmdstat_([^:]+):calls=(\d+)/gm)) {
    calls.set(match[1] as string, Number(match[2]));
  }
  return calls;
}

export async function runScale(
  sandbox: BenchProcess,
  shape: ScaleShape,
  log: (m: string) => void,
): Promise<{ replicas: number; connections: number[]; redisVersion: string; keyPrefix: string; operations: ScaleResult[] }> {
  const redisServer = await startRedisServer();
  const stats = new Redis(redisServer.url, { lazyConnect: true, maxRetriesPerRequest: 1 });
  const gateways: BenchProcess[] = [];
  try {
    await stats.connect();
    const redisVersion = /redis_version:(\S+)/.exec(await stats.info('server'))?.[1] ?? 'unknown';
    const start = (config: ScaleConfig, i: number) =>
      startGateway(`scale replica ${i + 1} (${config})`, sandbox.origin, undefined, {
        widestCaller: shape.widestCaller,
        // No load balancer to drain: the pass does not wait out production's 5 s before each replica stops.
        env: { SHUTDOWN_DELAY_MS: '0', ...(config === 'redis' && { REDIS_URL: redisServer.url, REDIS_KEY_PREFIX: KEY_PREFIX }) },
      });
    log(`starting redis-server ${redisVersion} and ${shape.replicas} replicas with it, ${shape.replicas} in memory`);
    const started = await Promise.all(CONFIGS.flatMap((config) => Array.from({ length: shape.replicas }, (_, i) => start(config, i))));
    gateways.push(...started);
    const replicas: Record<ScaleConfig, BenchProcess[]> = { redis: started.slice(0, shape.replicas), memory: started.slice(shape.replicas) };
    for (const replica of replicas.redis) {
      // Its client connects after the gateway is ready: a keyed create before that is SERVICE_UNAVAILABLE.
      if (!(await eventually(async () => (await readyz(replica))['redis'] === 'up', 10_000))) throw new Error(`${replica.name} never reached Redis`);
    }
    const connections = splitConnections(shape.connections, shape.replicas);

    const results = new Map<ScaleOperation, Record<ScaleConfig, ScaleRun[]>>(SCALE_OPERATIONS.map((op) => [op, { redis: [], memory: [] }]));
    for (const operation of SCALE_OPERATIONS) {
      if (!operation.register) continue;
      // Registered once through one replica with Redis (every other then has it), on each in memory.
      for (const replica of [replicas.redis[0] as BenchProcess, ...replicas.memory]) await post(`${replica.origin}${operation.register.path}`, JSON.parse(operation.register.body as string));
    }
    for (let round = 1; round <= shape.rounds; round++) {
      // Each configuration first in every other round: neither always runs on a warmer machine.
      const order = round % 2 === 1 ? CONFIGS : [...CONFIGS].reverse();
      for (const operation of SCALE_OPERATIONS) {
        for (const config of order) {
          const run = await measureSpread(replicas[config], connections, operation, sandbox, stats, shape);
          results.get(operation)?.[config].push(run);
          log(
            `round ${round}/${shape.rounds} ${operation.id}, ${shape.replicas} replicas ${config === 'redis' ? 'with Redis' : 'in memory'}: ` +
              `${run.rps.toFixed(0)} req/s, p50 ${run.p50Ms.toFixed(2)} ms, ${run.redisCommandsPerReply.toFixed(2)} Redis commands per reply, ` +
              `${(run.upstreamCalls / Math.max(1, run.requests)).toFixed(2)} Zoho calls per reply` +
              `${run.failures ? `, ${run.failures} FAILURES` : ''}${run.notReached ? `, ${run.notReached} REPLIES DID NOT REACH ZOHO` : ''}`,
          );
        }
      }
    }
    const operations = [...results].map(([operation, runs]): ScaleResult => {
      const summary = (list: ScaleRun[]) => {
        const names = [...new Set(list.flatMap((run) => Object.keys(run.redisCommands)))];
        return {
          rps: median(list.map((r) => r.rps)),
          p50Ms: median(list.map((r) => r.p50Ms)),
          p99Ms: median(list.map((r) => r.p99Ms)),
          redisCommandsPerReply: median(list.map((r) => r.redisCommandsPerReply)),
          byCommand: Object.fromEntries(names.map((name) => [name, median(list.map((r) => (r.redisCommands[name] ?? 0) / Math.max(1, r.requests)))])),
        };
      };
      const m = { redis: summary(runs.redis), memory: summary(runs.memory) };
      return { id: operation.id, title: operation.title, runs, median: m, ratio: { rps: m.redis.rps / m.memory.rps, p50: m.redis.p50Ms / m.memory.p50Ms } };
    });
    return { replicas: shape.replicas, connections, redisVersion, keyPrefix: KEY_PREFIX, operations };
  } finally {
    stats.disconnect();
    await Promise.all(gateways.map((gateway) => gateway.stop()));
    await stopAllRedisServers();
  }
}

/**
 * One operation on every replica of one configuration at once, checked as an arm is: each
 * replica answers it first, /metrics shows every operation "ok", and the sandbox answered at
 * least its calls per reply counted (a RATE_LIMITED or SERVICE_UNAVAILABLE reply is neither).
 */
async function measureSpread(
  replicas: BenchProcess[],
  connections: number[],
  operation: ScaleOperation,
  sandbox: BenchProcess,
  stats: Redis,
  shape: ScaleShape,
): Promise<ScaleRun> {
  const each = <T>(f: (replica: BenchProcess, i: number) => Promise<T>) => Promise.all(replicas.map(f));
  await each(async (replica) => {
    for (const request of operation.requests) await verifyRequest(replica, request, operation.check, `scale-out ${operation.id} on ${replica.name}`);
  });
  if (shape.warmupS > 0) await each((replica, i) => load(replica.origin, operation.requests, shape.warmupS, connections[i] as number));
  const outcomesBefore = await each(operationOutcomes);
  const zohoBefore = await sandbox.upstreamCounts();
  const commandsBefore = await commandCalls(stats);
  const loads: LoadResult[] = await each((replica, i) => load(replica.origin, operation.requests, shape.durationS, connections[i] as number));
  const commandsAfter = await commandCalls(stats);
  const zohoAfter = await sandbox.upstreamCounts();
  const outcomesAfter = await each(operationOutcomes);

  // As in run.ts's measureLoad: up to two hung-up requests per connection (warm-up and run) are autocannon's, not failures.
  const notOk = outcomesAfter.reduce(
    (sum, after, i) =>
      sum + after.notOk - (outcomesBefore[i]?.notOk ?? 0) + Math.max(0, after.disconnected - (outcomesBefore[i]?.disconnected ?? 0) - 2 * (connections[i] as number)),
    0,
  );
  const redisCommands: Record<string, number> = {};
  for (const [name, calls] of commandsAfter) {
    // The bench's own INFO before the run is counted in the one after it (a command counts once it has run).
    const delta = calls - (commandsBefore.get(name) ?? 0) - (name === 'info' ? 1 : 0);
    if (delta > 0) redisCommands[name] = delta;
  }
  const all = Float64Array.from(loads.flatMap((l) => l.latenciesMs)).sort();
  const replicaP50Ms = loads.map((l) => percentile(Float64Array.from(l.latenciesMs).sort(), 0.5));
  return {
    requests: all.length,
    rps: loads.reduce((sum, l) => sum + l.latenciesMs.length / l.durationS, 0),
    p50Ms: percentile(all, 0.5),
    p99Ms: percentile(all, 0.99),
    replicaP50Ms,
    failures: loads.reduce((sum, l) => sum + l.failures, 0) + notOk,
    redisCommands,
    redisCommandsPerReply: Object.values(redisCommands).reduce((sum, n) => sum + n, 0) / Math.max(1, all.length),
    ...reachedZoho(all.length, operation.upstreamCallsPerReply, operation.accounts, zohoBefore, zohoAfter),
  };
}

export function scaleTable(operations: ScaleResult[]): string {
  const perReply = (byCommand: Record<string, number>) =>
    Object.entries(byCommand)
      .filter(([, n]) => n >= 0.005)
      .sort((a, b) => b[1] - a[1])
      .map(([name, n]) => `${name} ${n.toFixed(2)}`)
      .join(', ') || '0';
  return [
    '| operation | req/s with Redis | req/s in memory | ratio | p50 ms with Redis | p50 ms in memory | p50 difference | p99 ms with Redis | p99 ms in memory | Redis commands per reply (with Redis) |',
    '| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | --- |',
    ...operations.map(({ title, median: { redis, memory }, ratio }) => {
      const delta = redis.p50Ms - memory.p50Ms;
      return (
        `| ${title} | ${redis.rps.toFixed(0)} | ${memory.rps.toFixed(0)} | ${ratio.rps.toFixed(2)} | ${redis.p50Ms.toFixed(2)} | ${memory.p50Ms.toFixed(2)} | ` +
        `${delta >= 0 ? '+' : ''}${delta.toFixed(2)} ms | ${redis.p99Ms.toFixed(2)} | ${memory.p99Ms.toFixed(2)} | ${redis.redisCommandsPerReply.toFixed(2)}: ${perReply(redis.byCommand)} |`
      );
    }),
  ].join('\n');
}
