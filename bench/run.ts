/**
 * `npm run bench`: what the gateway costs over calling Zoho directly, measured side by side in
 * one run on loopback (bench/README.md). Arms: (1) direct REST to the sandbox, (2) a minimal Node
 * proxy, (3-5) the gateway's operations; each run `--rounds` times, the arms interleaved so that
 * the machine's noise falls on all of them alike, and the median of the rounds reported. Then the
 * same arms with Zoho's latency (one client), the noisy neighbour (quiet callers' p50 alone, and
 * while one caller whose Zoho replies take 1 s keeps a 100-id query in flight), the scale-out
 * pass (issue 18: N replicas sharing one redis-server beside N in memory, each operation spread
 * over them, and Redis' commands per operation; bench/scale.ts), and a memory soak: steady load
 * on a fresh gateway, its memory after a full GC before and after.
 *
 *   npm run bench                        # about 7 minutes: 7 arms x 3 rounds, latency pass, noisy neighbour, scale-out (1.7), soak
 *   npm run bench -- --baseline <rev>    # also the gateway of <rev>, same run (before/after)
 *   npm run bench -- --baseline <rev> --baseline-node /usr/bin/node   # that gateway on another Node
 *   npm run bench -- --smoke             # seconds: checks the bench itself works
 *
 * Options: --duration S (4), --warmup S (1), --rounds N (3), --connections N (10), --soak S (100,
 * 0 = none), --latency MS (20: Zoho's latency in the second pass, 0 = no such pass),
 * --latency-duration S (3), --noisy MS (1000: the slow caller's Zoho latency, 0 = no such pass),
 * --noisy-duration S (the same as --duration), --noisy-rate N (100 quiet requests a second),
 * --noisy-queries N (1: the slow caller's 100-id queries in flight at once), --scale N (3: replicas
 * with Redis and as many in memory in the scale-out pass, 0 = no such pass; it needs redis-server,
 * 2 replicas in --smoke), --baseline REV (repeatable: one gateway per
 * revision), --baseline-node PATH (the node binary of the --baseline just before it; default this
 * bench's), --arms 1,2,3 (a subset, by number), --out FILE (bench/results.json), --smoke.
 */
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import {
  ARMS,
  BATCH_SEED,
  MANY_CALLERS_SEEDS,
  MANY_CALLERS_TOKENS,
  NOISY_SEEDS,
  NOISY_TOKENS,
  QUIET_CALLERS,
  QUIET_REQUESTS,
  SLOW_CALLER,
  WIDE_IDS,
  WIDE_REQUEST,
  checkQuiet,
  type Arm,
  type ArmId,
} from './arms';
import { load, operationOutcomes, post, verifyRequest, type LoadResult } from './load';
import { openLoop, type OpenLoopResult } from './open-loop';
import { checkout, commitOf, removeCheckout } from './checkout';
import { REPO_ROOT, benchGatewayLimits, startGateway, startProxy, startSandbox, type BenchProcess } from './processes';
import { reachedZoho, type Reached } from './reached';
import { requireRedisServer, runScale, scaleTable } from './scale';
import { median, percentile } from './stats';

interface Options {
  durationS: number;
  warmupS: number;
  rounds: number;
  connections: number;
  soakS: number;
  /** Zoho's latency for the second pass, in ms (0: no such pass). */
  latencyMs: number;
  latencyDurationS: number;
  /** The slow caller's Zoho latency in the noisy-neighbour pass, in ms (0: no such pass). */
  noisyMs: number;
  noisyDurationS: number;
  /** The quiet callers' requests per second in the noisy-neighbour pass (open loop, all callers together). */
  noisyRate: number;
  /** How many wide queries the slow caller keeps in flight. */
  noisyQueries: number;
  /** Replicas in the scale-out pass, each configuration (0: no such pass). */
  scale: number;
  baselines: Baseline[];
  /** Arm numbers to run (all when empty). */
  arms: string[];
  out: string;
  smoke: boolean;
}

/** Another revision's gateway, run beside this tree's. */
interface Baseline {
  rev: string;
  /** Its node binary, when not the bench's own (e.g. Node 20 for a revision from before Node 24). */
  node?: string;
}

function parseOptions(argv: string[]): Options {
  const smoke = argv.includes('--smoke');
  const options: Options = {
    durationS: smoke ? 0.5 : 4,
    warmupS: smoke ? 0.2 : 1,
    rounds: smoke ? 1 : 3,
    connections: smoke ? 2 : 10,
    soakS: smoke ? 2 : 100,
    latencyMs: 20,
    latencyDurationS: smoke ? 0.5 : 3,
    noisyMs: 1000,
    noisyDurationS: Number.NaN,
    noisyRate: 100,
    noisyQueries: 1,
    // The smoke run's pass: 2 replicas a configuration, no warm-up (a few seconds in all).
    scale: smoke ? 2 : 3,
    baselines: [],
    arms: [],
    out: path.join(REPO_ROOT, 'bench', 'results.json'),
    smoke,
  };
  const numeric: Record<string, keyof Options> = {
    '--duration': 'durationS',
    '--warmup': 'warmupS',
    '--rounds': 'rounds',
    '--connections': 'connections',
    '--soak': 'soakS',
    '--latency': 'latencyMs',
    '--latency-duration': 'latencyDurationS',
    '--noisy': 'noisyMs',
    '--noisy-duration': 'noisyDurationS',
    '--noisy-rate': 'noisyRate',
    '--noisy-queries': 'noisyQueries',
    '--scale': 'scale',
  };
  for (let i = 0; i < argv.length; i++) {
    const flag = argv[i] as string;
    if (flag === '--smoke') continue;
    if (!(flag in numeric) && !['--baseline', '--baseline-node', '--arms', '--out'].includes(flag)) {
      throw new Error(`Unknown option ${flag} (see the comment at the top of bench/run.ts)`);
    }
    const value = argv[++i];
    if (value === undefined) throw new Error(`${flag} needs a value`);
    const key = numeric[flag];
    if (key) {
      const number = Number(value);
      if (!Number.isFinite(number) || number < 0) throw new Error(`${flag} must be a number >= 0, not ${value}`);
      (options as unknown as Record<string, number>)[key] = number;
    } else if (flag === '--baseline') options.baselines.push({ rev: value });
    else if (flag === '--baseline-node') {
      const last = options.baselines.at(-1);
      if (!last || last.node) throw new Error('--baseline-node goes right after the --baseline it is for');
      last.node = value;
    } else if (flag === '--arms') options.arms = value.split(',').map((arm) => arm.trim());
    else options.out = path.resolve(value);
  }
  if (options.rounds < 1 || options.connections < 1 || options.durationS <= 0) {
    throw new Error('--rounds, --connections and --duration must be positive');
  }
  if (Number.isNaN(options.noisyDurationS)) options.noisyDurationS = options.durationS;
  if (options.noisyRate <= 0 || !Number.isInteger(options.noisyQueries) || options.noisyQueries < 1) {
    throw new Error('--noisy-rate must be positive and --noisy-queries a whole number >= 1');
  }
  if (!Number.isInteger(options.scale)) throw new Error('--scale must be a whole number of replicas (0: no scale-out pass)');
  return options;
}

/** One measured run of one arm; `Reached`: whether its replies reached Zoho (reached.ts). */
interface RunResult extends Reached {
  requests: number;
  rps: number;
  p50Ms: number;
  p90Ms: number;
  p99Ms: number;
  /** Non-2xx replies, connection errors, timeouts and GraphQL operations that did not end "ok". */
  failures: number;
}

interface ArmResult {
  id: string;
  number: string;
  title: string;
  /** Which gateway: `current` (this tree) or a `--baseline` revision; null for arms 1 and 2. */
  gateway: string | null;
  runs: RunResult[];
  median: { rps: number; p50Ms: number; p99Ms: number };
}

interface Target {
  name: string;
  value: number;
  limit: number;
  unit: string;
  met: boolean;
}

/** Measured arm: the arm, and where (which gateway process) it runs. */
interface Entry {
  arm: Arm;
  gateway: string | null;
  server: BenchProcess;
}

async function main(): Promise<void> {
  const options = parseOptions(process.argv.slice(2));
  const started = Date.now();
  const log = (message: string) => process.stderr.write(`[bench ${((Date.now() - started) / 1000).toFixed(0)}s] ${message}\n`);
  const processes: BenchProcess[] = [];
  const worktrees: string[] = [];
  try {
    if (options.scale > 0) requireRedisServer();
    log('starting the sandbox, the proxy and the gateway');
    const sandbox = await startSandbox();
    processes.push(sandbox);
    await post(`${sandbox.origin}/__sandbox/seed`, BATCH_SEED);
    for (const token of MANY_CALLERS_TOKENS) await post(`${sandbox.origin}/__sandbox/tokens`, token);
    for (const seed of MANY_CALLERS_SEEDS) await post(`${sandbox.origin}/__sandbox/seed`, seed);
    // Arm 4a's calls of one caller in flight at once: no call waits for its caller's turn.
    const widestCaller = options.connections * 20;
    const [proxy, gateway] = await Promise.all([startProxy(sandbox.origin), startGateway('gateway', sandbox.origin, undefined, { widestCaller })]);
    processes.push(proxy, gateway);
    const baselines: Array<{ rev: string; gateway: BenchProcess }> = [];
    for (const { rev, node } of options.baselines) {
      const dir = checkout(rev);
      worktrees.push(dir);
      const name = node ? `${rev} (node ${nodeVersion(node)})` : rev;
      const baseline = await startGateway(`gateway of ${name}`, sandbox.origin, dir, { widestCaller, ...(node && { node }) });
      processes.push(baseline);
      baselines.push({ rev: name, gateway: baseline });
    }

    const entries: Entry[] = [];
    for (const arm of ARMS.filter((a) => options.arms.length === 0 || options.arms.includes(a.number))) {
      const server = arm.target === 'sandbox' ? sandbox : arm.target === 'proxy' ? proxy : gateway;
      entries.push({ arm, gateway: arm.target === 'gateway' ? 'current' : null, server });
      if (arm.target !== 'gateway') continue;
      for (const baseline of baselines) entries.push({ arm, gateway: baseline.rev, server: baseline.gateway });
    }

    const saturating: LoadShape = { durationS: options.durationS, warmupS: options.warmupS, connections: options.connections };
    const arms = await runRounds(entries, saturating, options.rounds, sandbox, log);

    // The same arms with Zoho's latency: the sandbox delays every call, one client at a time, so
    // an arm's p50 is the time a caller waits, and 20 concurrent calls should cost about one.
    let withLatency: ArmResult[] | undefined;
    if (options.latencyMs > 0) {
      // Arm 2 too: what any Node hop in front of Zoho adds to a caller's wait.
      const latencyEntries = entries.filter((entry) => ['1', '2', '3', '4a', '4b', '5'].includes(entry.arm.number));
      const fault = { type: 'latency', endpoint: '*', latency_ms: options.latencyMs, count: 1_000_000 };
      await post(`${sandbox.origin}/__sandbox/faults`, fault);
      try {
        const shape: LoadShape = { durationS: options.latencyDurationS, warmupS: options.warmupS / 2, connections: 1 };
        withLatency = await runRounds(latencyEntries, shape, options.rounds, sandbox, (m) => log(`[${options.latencyMs} ms latency] ${m}`));
      } finally {
        await fetch(`${sandbox.origin}/__sandbox/faults`, { method: 'DELETE' });
      }
    }

    // The noisy neighbour: quiet callers alone, then while one slow caller keeps a wide query in flight.
    let noisy: NoisyResult[] | undefined;
    if (options.noisyMs > 0) {
      // On this tree's gateway and every --baseline's (whatever --arms says: it is not one of ARMS).
      const gateways: Array<[string, BenchProcess]> = [['current', gateway], ...baselines.map((b): [string, BenchProcess] => [b.rev, b.gateway])];
      noisy = await runNoisy(gateways, sandbox, options, (m) => log(`[noisy neighbour] ${m}`));
    }

    // Issue 18: N replicas sharing one Redis beside N in memory, each operation spread over them.
    let scale: Awaited<ReturnType<typeof runScale>> | undefined;
    if (options.scale > 0) {
      const warmupS = options.smoke ? 0 : options.warmupS;
      const shape = { replicas: options.scale, rounds: options.rounds, durationS: options.durationS, warmupS, connections: options.connections, widestCaller };
      scale = await runScale(sandbox, shape, (m) => log(`[scale-out] ${m}`));
    }

    let soak: SoakResult | undefined;
    if (options.soakS > 0) {
      // A gateway of its own, so that its memory is the soak's alone, not the peaks of the arms before.
      const soakGateway = await startGateway('soak gateway', sandbox.origin, undefined, { widestCaller });
      processes.push(soakGateway);
      soak = await runSoak(soakGateway, options, log);
      await soakGateway.stop();
    }
    const targets = evaluateTargets(arms, withLatency, noisy, soak, options);
    const figures = gatewayFigures(arms, withLatency);
    const results = {
      meta: {
        date: new Date().toISOString(),
        commit: commitOf('HEAD'),
        baselines: options.baselines.map(({ rev, node }) => ({ rev, commit: commitOf(rev), ...(node && { node: nodeVersion(node) }) })),
        gatewayLimits: benchGatewayLimits(widestCaller),
        node: process.version,
        cpus: os.cpus().length,
        cpuModel: os.cpus()[0]?.model,
        totalMemoryGiB: Math.round(os.totalmem() / 2 ** 30),
        loadAverageAtEnd: os.loadavg(),
        options: { ...options, out: path.relative(REPO_ROOT, options.out) },
        wallSeconds: Math.round((Date.now() - started) / 1000),
      },
      arms,
      withLatency: withLatency && { latencyMs: options.latencyMs, connections: 1, arms: withLatency },
      noisyNeighbour: noisy && {
        slowMs: options.noisyMs,
        wideIds: WIDE_IDS.length,
        wideQueriesInFlight: options.noisyQueries,
        quietCallers: QUIET_REQUESTS.length,
        ratePerS: options.noisyRate,
        durationS: options.noisyDurationS,
        gateways: noisy,
      },
      scale,
      soak,
      figures,
      targets,
    };
    fs.mkdirSync(path.dirname(options.out), { recursive: true });
    fs.writeFileSync(options.out, `${JSON.stringify(results, null, 2)}\n`);
    process.stdout.write(
      [
        `Median of ${options.rounds} round(s) of ${options.durationS} s, ${options.connections} connections:\n`,
        table(arms),
        ...(withLatency
          ? [`\nWith ${options.latencyMs} ms of Zoho latency per call (a sandbox fault), 1 connection, ${options.latencyDurationS} s per round:\n`, table(withLatency)]
          : []),
        ...(noisy
          ? [
              `\nNoisy neighbour: ${QUIET_REQUESTS.length} quiet callers (arm 3's operation, ${options.noisyRate} req/s in all, open loop, ${options.noisyDurationS} s per round), ` +
                `alone and while one caller whose Zoho replies take ${options.noisyMs} ms keeps ${options.noisyQueries === 1 ? 'a' : options.noisyQueries} ${WIDE_IDS.length}-id quer${options.noisyQueries === 1 ? 'y' : 'ies'} in flight; medians of ${options.rounds} round(s):\n`,
              noisyTable(noisy),
            ]
          : []),
        ...(scale
          ? [
              `\nScale-out: ${scale.replicas} replicas sharing one Redis (${scale.redisVersion}) and ${scale.replicas} each in memory, every operation sent to the ${scale.replicas} at once ` +
                `(${scale.connections.join('+')} connections), req/s summed, p50 and p99 of all their requests; medians of ${options.rounds} round(s) of ${options.durationS} s:\n`,
              scaleTable(scale.operations),
            ]
          : []),
        ...(soak ? ['', soakTable(soak)] : []),
        ...(figures.length > 0 ? ['', 'Issue 15 figures by gateway (medians of this run):\n', figuresTable(figures, options.latencyMs)] : []),
        '',
        targetTable(targets),
        '',
      ].join('\n'),
    );
    log(`results written to ${path.relative(process.cwd(), options.out)}`);
    const allRuns = [
      ...[...arms, ...(withLatency ?? [])].flatMap((arm) => arm.runs),
      ...(noisy ?? []).flatMap((n) => [...n.quiet, ...n.noisy]),
      ...(scale?.operations ?? []).flatMap((op) => [...op.runs.redis, ...op.runs.memory]),
    ];
    const failures = allRuns.reduce((sum, run) => sum + run.failures, 0) + (soak?.failures ?? 0);
    const notReached = allRuns.reduce((sum, run) => sum + run.notReached, 0);
    if (failures > 0) {
      process.stderr.write(`bench: ${failures} requests failed; the figures are not valid\n`);
      process.exitCode = 1;
    }
    if (notReached > 0) {
      process.stderr.write(`bench: ${notReached} replies counted as throughput did not reach Zoho (a limit, a circuit or a cache answered); the figures are not valid\n`);
      process.exitCode = 1;
    }
  } finally {
    await Promise.all(processes.map((p) => p.stop()));
    worktrees.forEach(removeCheckout);
  }
}

interface LoadShape {
  durationS: number;
  warmupS: number;
  connections: number;
}

/** Every entry once per round, in turn (so the machine's noise falls on all alike); medians. */
async function runRounds(
  entries: Entry[],
  shape: LoadShape,
  rounds: number,
  sandbox: BenchProcess,
  log: (m: string) => void,
): Promise<ArmResult[]> {
  const runs = new Map<Entry, RunResult[]>(entries.map((entry) => [entry, []]));
  for (let round = 1; round <= rounds; round++) {
    for (const entry of entries) {
      await verify(entry);
      await load(entry.server.origin, entry.arm.requests, shape.warmupS, shape.connections);
      const result = await measureLoad(entry.server, entry.gateway !== null, entry.arm, sandbox, shape);
      runs.get(entry)?.push(result);
      log(
        `round ${round}/${rounds} arm ${label(entry)}: ${result.rps.toFixed(0)} req/s, ` +
          `p50 ${result.p50Ms.toFixed(2)} ms, p99 ${result.p99Ms.toFixed(2)} ms, ` +
          `${(result.upstreamCalls / Math.max(1, result.requests)).toFixed(2)} Zoho calls per reply` +
          `${result.failures ? `, ${result.failures} FAILURES` : ''}${result.notReached ? `, ${result.notReached} REPLIES DID NOT REACH ZOHO` : ''}`,
      );
    }
  }
  return entries.map((entry) => {
    const armRuns = runs.get(entry) ?? [];
    return {
      id: entry.arm.id,
      number: entry.arm.number,
      title: entry.arm.title,
      gateway: entry.gateway,
      runs: armRuns,
      median: {
        rps: median(armRuns.map((r) => r.rps)),
        p50Ms: median(armRuns.map((r) => r.p50Ms)),
        p99Ms: median(armRuns.map((r) => r.p99Ms)),
      },
    };
  });
}

function label(entry: Entry): string {
  return `${entry.arm.number} ${entry.arm.id}${entry.gateway && entry.gateway !== 'current' ? ` (${entry.gateway})` : ''}`;
}

/** Each request of the arm once, checked: the arm measures its real answer, not a fast error. */
async function verify(entry: Entry): Promise<void> {
  for (const request of entry.arm.requests) await verifyRequest(entry.server, request, entry.arm.check, `arm ${label(entry)}`);
}

/**
 * One measured load of an arm; for a gateway, `/metrics` must show every operation "ok", and for
 * every arm the sandbox must have answered at least the arm's fewest calls per reply.
 */
async function measureLoad(server: BenchProcess, isGateway: boolean, arm: Arm, sandbox: BenchProcess, shape: LoadShape): Promise<RunResult> {
  const before = isGateway ? await operationOutcomes(server) : undefined;
  const zohoBefore = await sandbox.upstreamCounts();
  const result = await load(server.origin, arm.requests, shape.durationS, shape.connections);
  const zohoAfter = await sandbox.upstreamCounts();
  let notOk = 0;
  if (before) {
    // A GraphQL error is an HTTP 200: the gateway's own metrics say whether every operation was "ok".
    // autocannon hangs up on the requests in flight when its time is up (at most one per
    // connection, and the warm-up's may be counted late): the gateway counts those as
    // CLIENT_DISCONNECTED, which is not a failure.
    const after = await operationOutcomes(server);
    notOk = after.notOk - before.notOk + Math.max(0, after.disconnected - before.disconnected - 2 * shape.connections);
  }
  const sorted = Float64Array.from(result.latenciesMs).sort();
  return {
    requests: sorted.length,
    rps: sorted.length / result.durationS,
    p50Ms: percentile(sorted, 0.5),
    p90Ms: percentile(sorted, 0.9),
    p99Ms: percentile(sorted, 0.99),
    failures: result.failures + notOk,
    ...reachedZoho(sorted.length, arm.upstreamCallsPerReply, arm.accounts, zohoBefore, zohoAfter),
  };
}

/** The noisy-neighbour pass on one gateway. */
interface NoisyResult {
  gateway: string;
  /** The quiet callers alone, one run per round. */
  quiet: RunResult[];
  /** The same load while the slow caller keeps its wide query in flight. */
  noisy: RunResult[];
  /**
   * The slow caller, over the measured runs: its wide operations that ended, how many of them
   * carried errors (its own ids waiting out their turn: RATE_LIMITED), and the share of the
   * measured time during which one of them was in flight (1: throughout).
   */
  slow: { operations: number; withErrors: number; errorCodes: string[]; busyShare: number };
  median: { quietP50Ms: number; noisyP50Ms: number; ratio: number; quietP99Ms: number; noisyP99Ms: number };
}

/**
 * Other callers' latency while one caller is slow (issue 14: "other callers' p50 within 2x of a
 * quiet run while one caller is slow"). The slow caller is a token and an account of its own
 * whose every Zoho call the sandbox delays by `noisyMs` (a latency fault with `account_id`);
 * the quiet callers are four others, each its own token and account, reading their card. Per
 * round and gateway: the quiet load alone, then the same load while the slow caller sends its
 * 100-id `paymentMethods` again each time the last one ends. A gateway whose upstream calls share
 * one pool (or one queue) lets the slow caller's calls hold it for a second at a time.
 */
async function runNoisy(
  gateways: Array<[string, BenchProcess]>,
  sandbox: BenchProcess,
  options: Options,
  log: (m: string) => void,
): Promise<NoisyResult[]> {
  for (const token of NOISY_TOKENS) await post(`${sandbox.origin}/__sandbox/tokens`, token);
  for (const seed of NOISY_SEEDS) await post(`${sandbox.origin}/__sandbox/seed`, seed);
  const quietAccounts = QUIET_CALLERS.map((caller) => caller.accountId);
  const quietLoad = async (server: BenchProcess, name: string, warmUp = true): Promise<RunResult> => {
    if (warmUp) await openLoop(server.origin, QUIET_REQUESTS, options.noisyRate, options.warmupS, () => undefined);
    const zohoBefore = await sandbox.upstreamCounts();
    const { firstFailures, ...result }: OpenLoopResult = await openLoop(server.origin, QUIET_REQUESTS, options.noisyRate, options.noisyDurationS, checkQuiet);
    const zohoAfter = await sandbox.upstreamCounts();
    if (firstFailures.length > 0) log(`${name}: ${result.failures} quiet requests failed, e.g. ${firstFailures.join('; ')}`);
    return { ...result, ...reachedZoho(result.requests, 1, quietAccounts, zohoBefore, zohoAfter) };
  };
  const results = new Map<string, NoisyResult>(
    gateways.map(([name]) => [
      name,
      { gateway: name, quiet: [], noisy: [], slow: { operations: 0, withErrors: 0, errorCodes: [], busyShare: 0 }, median: { quietP50Ms: 0, noisyP50Ms: 0, ratio: 0, quietP99Ms: 0, noisyP99Ms: 0 } },
    ]),
  );
  const busy = new Map<string, number[]>();
  const fault = { type: 'latency', endpoint: '*', latency_ms: options.noisyMs, count: 1_000_000, account_id: SLOW_CALLER.accountId };
  await post(`${sandbox.origin}/__sandbox/faults`, fault);
  try {
    for (let round = 1; round <= options.rounds; round++) {
      for (const [name, server] of gateways) {
        const result = results.get(name) as NoisyResult;
        for (const request of QUIET_REQUESTS) await verifyRequest(server, request, checkQuiet, `noisy neighbour (${name})`);
        const quiet = await quietLoad(server, name);
        result.quiet.push(quiet);

        const slow = startSlowCaller(server, options.noisyQueries);
        try {
          // Its first calls are at Zoho (and holding whatever they hold) before the quiet load
          // starts; no warm-up here (the gateway is warm), which would wait out the slow start.
          await new Promise((resolve) => setTimeout(resolve, Math.min(300, options.noisyMs / 2)));
          const measuredFrom = Date.now();
          const noisy = await quietLoad(server, name, false);
          const measuredTo = Date.now();
          result.noisy.push(noisy);
          busy.set(name, [...(busy.get(name) ?? []), slow.busyShare(measuredFrom, measuredTo)]);
        } finally {
          const ended = await slow.stop();
          result.slow.operations += ended.operations;
          result.slow.withErrors += ended.withErrors;
          result.slow.errorCodes = [...new Set([...result.slow.errorCodes, ...ended.errorCodes])];
        }
        // The slow calls already sent end at the sandbox before anything else is measured.
        await new Promise((resolve) => setTimeout(resolve, 2 * options.noisyMs + 200));
        log(
          `round ${round}/${options.rounds} ${name}: quiet p50 ${quiet.p50Ms.toFixed(2)} ms, with the slow caller ` +
            `${result.noisy.at(-1)?.p50Ms.toFixed(2)} ms${quiet.failures + (result.noisy.at(-1)?.failures ?? 0) ? ', FAILURES' : ''}`,
        );
      }
    }
  } finally {
    await fetch(`${sandbox.origin}/__sandbox/faults`, { method: 'DELETE' });
  }
  return [...results.values()].map((result) => {
    const quietP50Ms = median(result.quiet.map((r) => r.p50Ms));
    const noisyP50Ms = median(result.noisy.map((r) => r.p50Ms));
    return {
      ...result,
      slow: { ...result.slow, busyShare: Math.min(...(busy.get(result.gateway) ?? [0])) },
      median: {
        quietP50Ms,
        noisyP50Ms,
        ratio: noisyP50Ms / quietP50Ms,
        quietP99Ms: median(result.quiet.map((r) => r.p99Ms)),
        noisyP99Ms: median(result.noisy.map((r) => r.p99Ms)),
      },
    };
  });
}

/**
 * The slow caller: `queries` loops, each sending its wide query again as soon as the last one
 * ended, until stopped (those in flight are then aborted: the client goes, as a real one would).
 */
function startSlowCaller(server: BenchProcess, queries: number) {
  const controller = new AbortController();
  const spans: Array<[number, number]> = [];
  const current = new Set<number>();
  let operations = 0;
  let withErrors = 0;
  const errorCodes = new Set<string>();
  const loop = async () => {
    // Bounded: at most 1,000 operations a loop (each takes at least one Zoho reply's latency).
    for (let i = 0; i < 1000 && !controller.signal.aborted; i++) {
      const started = Date.now();
      current.add(started);
      try {
        const response = await fetch(`${server.origin}${WIDE_REQUEST.path}`, {
          method: WIDE_REQUEST.method,
          headers: WIDE_REQUEST.headers,
          body: WIDE_REQUEST.body,
          signal: controller.signal,
        });
        const body = (await response.json()) as { errors?: Array<{ extensions?: { code?: unknown } }> };
        operations += 1;
        if (body.errors?.length) {
          withErrors += 1;
          for (const error of body.errors) errorCodes.add(String(error.extensions?.code));
        }
      } catch {
        // aborted by stop()
      } finally {
        spans.push([started, Date.now()]);
        current.delete(started);
      }
    }
  };
  const loops = Array.from({ length: queries }, loop);
  return {
    /** The share of [from, to] during which at least one wide operation was in flight. */
    busyShare(from: number, to: number): number {
      const now = Date.now();
      const all = [...spans, ...[...current].map((start): [number, number] => [start, now])]
        .map(([a, b]): [number, number] => [Math.max(a, from), Math.min(b, to)])
        .filter(([a, b]) => b > a)
        .sort((x, y) => x[0] - y[0]);
      let covered = 0;
      let reach = from;
      for (const [a, b] of all) {
        if (b <= reach) continue;
        covered += b - Math.max(a, reach);
        reach = b;
      }
      return to > from ? covered / (to - from) : 0;
    },
    async stop() {
      controller.abort();
      await Promise.all(loops);
      return { operations, withErrors, errorCodes: [...errorCodes] };
    },
  };
}

interface SoakResult {
  seconds: number;
  requests: number;
  failures: number;
  rps: number;
  /** After a warm-up (a tenth of the soak) and a full GC, before the soak; and after it, again after a full GC. */
  before: { rssMiB: number; heapUsedMiB: number };
  after: { rssMiB: number; heapUsedMiB: number };
  growth: { rss: number; heapUsed: number };
  /** RSS and heap every tenth of the soak (after a GC each), to show a trend. */
  samples: Array<{ atS: number; rssMiB: number; heapUsedMiB: number }>;
}

/** Steady load of every gateway arm in turn on a fresh gateway; its memory before and after. */
async function runSoak(gateway: BenchProcess, options: Options, log: (m: string) => void): Promise<SoakResult> {
  // Each gateway arm's operation in turn (3c is arm 3's operation again, from other callers).
  const requests = ARMS.filter((arm) => arm.target === 'gateway' && arm.id !== 'paymentMethod30Callers').flatMap((arm) => arm.requests);
  const mib = (bytes: number) => Math.round((bytes / 2 ** 20) * 10) / 10;
  log(`soak: warming up ${Math.max(2, options.soakS / 10)} s`);
  await load(gateway.origin, requests, Math.max(2, options.soakS / 10), options.connections);
  const before = await gateway.memory();
  log(`soak: ${options.soakS} s of steady load (${options.connections} connections, the gateway arms in turn)`);
  const samples: SoakResult['samples'] = [];
  const soakStarted = Date.now();
  const sampler = setInterval(() => {
    gateway.memory().then(
      (m) => samples.push({ atS: Math.round((Date.now() - soakStarted) / 1000), rssMiB: mib(m.rss), heapUsedMiB: mib(m.heapUsed) }),
      () => undefined,
    );
  }, (options.soakS * 1000) / 10);
  const beforeOutcomes = await operationOutcomes(gateway);
  let result: LoadResult;
  try {
    result = await load(gateway.origin, requests, options.soakS, options.connections);
  } finally {
    clearInterval(sampler);
  }
  const afterOutcomes = await operationOutcomes(gateway);
  const notOk =
    afterOutcomes.notOk - beforeOutcomes.notOk + Math.max(0, afterOutcomes.disconnected - beforeOutcomes.disconnected - 2 * options.connections);
  const after = await gateway.memory();
  const soak: SoakResult = {
    seconds: options.soakS,
    requests: result.latenciesMs.length,
    failures: result.failures + notOk,
    rps: result.latenciesMs.length / result.durationS,
    before: { rssMiB: mib(before.rss), heapUsedMiB: mib(before.heapUsed) },
    after: { rssMiB: mib(after.rss), heapUsedMiB: mib(after.heapUsed) },
    growth: { rss: after.rss / before.rss - 1, heapUsed: after.heapUsed / before.heapUsed - 1 },
    samples,
  };
  log(`soak: RSS ${soak.before.rssMiB} -> ${soak.after.rssMiB} MiB, heap ${soak.before.heapUsedMiB} -> ${soak.after.heapUsedMiB} MiB`);
  return soak;
}

/** Issue 15's figures for one gateway (this tree's or a baseline's), from one run. */
interface GatewayFigures {
  gateway: string;
  /** Arm G's req/s as a share of arm 2's. */
  floorShare?: number;
  /** Arm 3's req/s as a share of arm 2's. */
  singleShare?: number;
  /** Arm 3c's (30 callers) req/s as a share of arm 2's. */
  manyCallersShare?: number;
  /** Arm 3's p50 minus arm 1's with Zoho's latency, one connection (ms). */
  latencyOverheadMs?: number;
}

function gatewayFigures(arms: ArmResult[], withLatency: ArmResult[] | undefined): GatewayFigures[] {
  const proxy = arms.find((arm) => arm.id === 'proxy');
  const rest = withLatency?.find((arm) => arm.id === 'rest');
  const gateways = [...new Set(arms.filter((arm) => arm.gateway !== null).map((arm) => arm.gateway as string))];
  const share = (id: ArmId, gateway: string) => {
    const arm = arms.find((a) => a.id === id && a.gateway === gateway);
    return arm && proxy ? arm.median.rps / proxy.median.rps : undefined;
  };
  return gateways.map((gateway) => {
    const single = withLatency?.find((arm) => arm.id === 'paymentMethod' && arm.gateway === gateway);
    return {
      gateway,
      floorShare: share('floor', gateway),
      singleShare: share('paymentMethod', gateway),
      manyCallersShare: share('paymentMethod30Callers', gateway),
      latencyOverheadMs: single && rest ? single.median.p50Ms - rest.median.p50Ms : undefined,
    };
  });
}

function evaluateTargets(
  arms: ArmResult[],
  withLatency: ArmResult[] | undefined,
  noisy: NoisyResult[] | undefined,
  soak: SoakResult | undefined,
  options: Options,
): Target[] {
  const find = (list: ArmResult[], id: string) => list.find((arm) => arm.id === id && (arm.gateway === null || arm.gateway === 'current'));
  const single = find(arms, 'paymentMethod');
  const batch = find(arms, 'paymentMethods20');
  const current = gatewayFigures(arms, withLatency).find((figures) => figures.gateway === 'current');
  const targets: Target[] = [];
  // Issue 15's targets.
  if (current?.singleShare !== undefined) {
    const share = current.singleShare;
    targets.push({ name: 'arm 3 req/s / arm 2 req/s', value: share, limit: 0.35, unit: '>=', met: share >= 0.35 });
    targets.push({ name: 'arm 3 req/s / arm 2 req/s (stretch)', value: share, limit: 0.5, unit: '>=', met: share >= 0.5 });
  }
  if (current?.floorShare !== undefined) {
    const share = current.floorShare;
    targets.push({ name: 'arm G req/s / arm 2 req/s', value: share, limit: 0.6, unit: '>=', met: share >= 0.6 });
  }
  if (current?.latencyOverheadMs !== undefined) {
    const delta = current.latencyOverheadMs;
    targets.push({
      name: `arm 3 p50 minus arm 1 p50, ${options.latencyMs} ms of Zoho latency, 1 connection (ms)`,
      value: delta,
      limit: 1,
      unit: '<=',
      met: delta <= 1,
    });
  }
  // Issue 14's.
  if (single && batch) {
    const ratio = batch.median.p50Ms / single.median.p50Ms;
    targets.push({ name: 'arm 4a (20 ids) p50 / arm 3 p50', value: ratio, limit: 3, unit: '<=', met: ratio <= 3 });
  }
  const slowSingle = withLatency && find(withLatency, 'paymentMethod');
  const slowBatch = withLatency && find(withLatency, 'paymentMethods20');
  if (slowSingle && slowBatch) {
    const ratio = slowBatch.median.p50Ms / slowSingle.median.p50Ms;
    targets.push({ name: `same, with ${options.latencyMs} ms of Zoho latency, 1 connection`, value: ratio, limit: 3, unit: '<=', met: ratio <= 3 });
  }
  const neighbour = noisy?.find((n) => n.gateway === 'current');
  if (neighbour) {
    const { ratio } = neighbour.median;
    targets.push({ name: `other callers' p50 with a slow caller (${options.noisyMs} ms) / quiet p50`, value: ratio, limit: 2, unit: '<=', met: ratio <= 2 });
  }
  if (soak) {
    targets.push({ name: 'soak RSS growth', value: soak.growth.rss, limit: 0.1, unit: '<', met: soak.growth.rss < 0.1 });
  }
  return targets;
}

function figuresTable(figures: GatewayFigures[], latencyMs: number): string {
  const show = (x: number | undefined, digits = 2) => (x === undefined ? '-' : x.toFixed(digits));
  return [
    `| gateway | arm G / arm 2 req/s (target >= 0.6) | arm 3 / arm 2 req/s (target >= 0.35, stretch 0.5) | arm 3c (30 callers) / arm 2 req/s | arm 3 p50 over arm 1, ${latencyMs} ms Zoho latency, 1 connection (target <= 1.0 ms) |`,
    '| --- | ---: | ---: | ---: | ---: |',
    ...figures.map(
      (f) =>
        `| ${f.gateway} | ${show(f.floorShare)} | ${show(f.singleShare)} | ${show(f.manyCallersShare)} | ${f.latencyOverheadMs === undefined ? '-' : `${f.latencyOverheadMs >= 0 ? '+' : ''}${f.latencyOverheadMs.toFixed(2)} ms`} |`,
    ),
  ].join('\n');
}

function table(arms: ArmResult[]): string {
  const rest = arms.find((arm) => arm.id === 'rest');
  const proxy = arms.find((arm) => arm.id === 'proxy');
  const ms = (delta: number | undefined) => (delta === undefined ? '-' : `${delta >= 0 ? '+' : ''}${delta.toFixed(2)} ms`);
  const lines = [
    '| arm | what | req/s | p50 ms | p99 ms | req/s vs arm 1 | req/s vs arm 2 | p50 vs arm 1 | p50 vs arm 2 |',
    '| --- | --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: |',
  ];
  for (const arm of arms) {
    const { rps, p50Ms, p99Ms } = arm.median;
    const title = arm.gateway && arm.gateway !== 'current' ? `${arm.title} (at ${arm.gateway})` : arm.title;
    lines.push(
      `| ${arm.number} | ${title} | ${rps.toFixed(0)} | ${p50Ms.toFixed(2)} | ${p99Ms.toFixed(2)} | ` +
        `${rest ? (rps / rest.median.rps).toFixed(2) : '-'} | ${proxy ? (rps / proxy.median.rps).toFixed(2) : '-'} | ` +
        `${ms(rest && p50Ms - rest.median.p50Ms)} | ${ms(proxy && p50Ms - proxy.median.p50Ms)} |`,
    );
  }
  return lines.join('\n');
}

function noisyTable(results: NoisyResult[]): string {
  return [
    "| gateway | quiet p50 ms | p50 ms with the slow caller | ratio | quiet p99 ms | p99 ms with the slow caller | slow caller's operations (with errors) | slow caller busy |",
    '| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: |',
    ...results.map(({ gateway, median: m, slow }) =>
      `| ${gateway} | ${m.quietP50Ms.toFixed(2)} | ${m.noisyP50Ms.toFixed(2)} | ${m.ratio.toFixed(2)} | ${m.quietP99Ms.toFixed(2)} | ${m.noisyP99Ms.toFixed(2)} | ` +
        `${slow.operations} (${slow.withErrors}${slow.errorCodes.length ? `: ${slow.errorCodes.join(', ')}` : ''}) | ${(slow.busyShare * 100).toFixed(0)}% |`,
    ),
  ].join('\n');
}

function soakTable(soak: SoakResult): string {
  const pct = (x: number) => `${x >= 0 ? '+' : ''}${(x * 100).toFixed(1)}%`;
  return [
    `Soak: ${soak.seconds} s, ${soak.requests} operations (${soak.rps.toFixed(0)}/s), ${soak.failures} failures; memory after a full GC:`,
    '',
    '| | before | after | growth |',
    '| --- | ---: | ---: | ---: |',
    `| RSS | ${soak.before.rssMiB} MiB | ${soak.after.rssMiB} MiB | ${pct(soak.growth.rss)} |`,
    `| heap used | ${soak.before.heapUsedMiB} MiB | ${soak.after.heapUsedMiB} MiB | ${pct(soak.growth.heapUsed)} |`,
    '',
    ...(soak.samples.length > 0
      ? [
          `During the soak (${soak.samples.length} samples, after a GC each): RSS ${Math.min(...soak.samples.map((x) => x.rssMiB))} to ` +
            `${Math.max(...soak.samples.map((x) => x.rssMiB))} MiB, heap ${Math.min(...soak.samples.map((x) => x.heapUsedMiB))} to ` +
            `${Math.max(...soak.samples.map((x) => x.heapUsedMiB))} MiB.`,
          '',
        ]
      : []),
  ].join('\n');
}

function targetTable(targets: Target[]): string {
  const show = (t: Target, x: number) => (t.name.includes('growth') ? `${(x * 100).toFixed(1)}%` : x.toFixed(2));
  return [
    '| target | measured | limit | met |',
    '| --- | ---: | ---: | :---: |',
    ...targets.map((t) => `| ${t.name} | ${show(t, t.value)} | ${t.unit} ${show(t, t.limit)} | ${t.met ? 'yes' : 'NO'} |`),
  ].join('\n');
}

/** What `node --version` prints for that binary. */
function nodeVersion(node: string): string {
  return execFileSync(node, ['--version'], { encoding: 'utf8' }).trim();
}

main().catch((error: unknown) => {
  process.stderr.write(`bench failed: ${error instanceof Error ? error.message : String(error)}\n`);
  process.exit(1);
});
