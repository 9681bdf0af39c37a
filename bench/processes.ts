/**
 * The bench's servers, each its own process so that none shares an event loop with the load
 * generator or with another: the sandbox (`sandbox/main.ts`), the minimal proxy (`proxy.ts`) and
 * the gateway (`src/main.ts` bundled with the bench's probe by build-gateway.ts, run by plain
 * node as production runs its build; the others run as `node --import tsx <file>`), stdout
 * discarded (the gateway still writes its log line per operation, as in production). The sandbox
 * runs as `sandbox-process.ts`, which counts the Zoho calls it answered.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import path from 'node:path';
import { freePort } from '../test/support/ports';
import { SANDBOX_VARIABLES } from '../sandbox/config';
import { CONFIG_VARIABLES } from '../src/config';
import { buildGateway } from './build-gateway';
import type { AccountCounts } from './sandbox-process';

export const REPO_ROOT = path.resolve(__dirname, '..');

/** How long a server may take to answer its readiness URL (tsx compiles the sources on start; the machine is shared). */
const READY_TIMEOUT_MS = 30_000;

export interface BenchProcess {
  name: string;
  child: ChildProcess;
  /** e.g. `http://127.0.0.1:4321` */
  origin: string;
  /**
   * Where a gateway serves `/metrics` once ADMIN_PORT moves it off PORT (contract.md, "Running
   * it"): `<origin>/metrics` is tried after it.
   */
  adminOrigin?: string;
  /** The gateway's memory after a full garbage collection (gateway processes only). */
  memory: () => Promise<NodeJS.MemoryUsage>;
  /** The Zoho calls the sandbox answered so far, by account id (the sandbox only; sandbox-process.ts). */
  upstreamCounts: () => Promise<Record<string, AccountCounts>>;
  /** Starts V8's CPU profiler in the gateway (gateway-process.ts); the returned stop writes `file`. */
  profile: () => Promise<{ stop: (file: string) => Promise<void> }>;
  stop: () => Promise<void>;
}

/** How a bench server is run. */
export interface LaunchOptions {
  /** The node binary (default: the bench's own); a baseline may run on another Node. */
  node?: string;
  /** Node flags before the script, e.g. `--cpu-prof` (bench/profile.ts). */
  nodeArgs?: string[];
  /** More environment variables for the server. */
  env?: Record<string, string>;
}

export { freePort };

/**
 * The gateway's limits, set so that none caps what an arm measures (bench/README.md): a limit
 * answering fast, or a call waiting for its caller's turn, is not the path being measured, and the
 * bench checks at the sandbox that every reply reached Zoho. `widest` is the most calls one caller
 * has in flight in any arm (arm 4a: its connections x 20 ids): that many turns per caller, and
 * sockets to match. The per-account and unverified-token budgets (issue 18's; a gateway without
 * them ignores the variables) are far above any arm's rate. The per-operation budget keeps its
 * default (200 calls), which no arm reaches.
 */
export function benchGatewayLimits(widest: number): Record<string, string> {
  return {
    ZOHO_MAX_CONCURRENCY_PER_CALLER: String(Math.min(1000, Math.max(16, widest))),
    ZOHO_MAX_SOCKETS: String(Math.max(256, widest)),
    ZOHO_RATE_LIMIT_PER_MINUTE: '10000000',
    ZOHO_UNVERIFIED_RATE_LIMIT_PER_MINUTE: '10000000',
  };
}

/** Variables of the bench's own environment that would change what the servers do. */
const CONTROLLED_VARIABLES = [...CONFIG_VARIABLES, ...SANDBOX_VARIABLES, ...Object.keys(benchGatewayLimits(0)), 'NODE_OPTIONS', 'REFERENCE_CLIENT'];

function childEnv(settings: Record<string, string>): NodeJS.ProcessEnv {
  const env = { ...process.env };
  for (const name of CONTROLLED_VARIABLES) delete env[name];
  return { ...env, ...settings };
}

async function launch(
  name: string,
  args: string[],
  settings: Record<string, string>,
  origin: string,
  readyPath: string,
  launchOptions: LaunchOptions = {},
): Promise<BenchProcess> {
  const child = spawn(launchOptions.node ?? process.execPath, [...(launchOptions.nodeArgs ?? []), ...args], {
    cwd: REPO_ROOT,
    env: childEnv({ ...settings, ...launchOptions.env }),
    stdio: ['ignore', 'ignore', 'pipe', 'ipc'],
  });
  let stderr = '';
  child.stderr?.setEncoding('utf8').on('data', (chunk: string) => {
    stderr = (stderr + chunk).slice(-4000);
  });
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  let exitedEarly = false;
  void exited.then(() => {
    exitedEarly = true;
  });

  const deadline = Date.now() + READY_TIMEOUT_MS;
  for (;;) {
    if (exitedEarly) throw new Error(`${name} exited before it was ready (exit ${child.exitCode}): ${stderr}`);
    if (Date.now() > deadline) {
      child.kill('SIGKILL');
      throw new Error(`${name} was not ready at ${origin}${readyPath} within ${READY_TIMEOUT_MS} ms: ${stderr}`);
    }
    const ready = await fetch(`${origin}${readyPath}`).then(
      (response) => response.ok,
      () => false,
    );
    if (ready) break;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }

  /** One question over IPC, one answer (the bench asks one at a time per process). */
  const ask = <K extends string, T>(question: string, key: K): Promise<T> =>
    new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`${name} did not answer ${question}`)), 10_000);
      child.once('message', (message: Partial<Record<K, T>>) => {
        clearTimeout(timer);
        const answer = message[key];
        if (answer !== undefined) resolve(answer);
        else reject(new Error(`${name} sent ${JSON.stringify(message)}`));
      });
      child.send(question);
    });

  return {
    name,
    child,
    origin,
    memory: () => ask<'memory', NodeJS.MemoryUsage>('memory', 'memory'),
    upstreamCounts: () => ask<'upstreamCounts', Record<string, AccountCounts>>('upstream-counts', 'upstreamCounts'),
    profile: async () => {
      await ask<'profiling', boolean>('profile-start', 'profiling');
      return { stop: async (file: string) => void (await ask<'profile', string>(`profile-stop ${file}`, 'profile')) };
    },
    stop: async () => {
      if (child.exitCode !== null || child.signalCode !== null) return;
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), 10_000);
      await exited;
      clearTimeout(timer);
    },
  };
}

export async function startSandbox(): Promise<BenchProcess> {
  const port = await freePort();
  return launch(
    'sandbox',
    ['--import', 'tsx', 'bench/sandbox-process.ts'],
    // No rate limit of its own: Zoho's 600 a minute per account would cap every arm.
    { SANDBOX_PORT: String(port), SANDBOX_RATE_LIMIT: '0' },
    `http://127.0.0.1:${port}`,
    '/__sandbox/health',
  );
}

export async function startProxy(upstreamOrigin: string, launchOptions: LaunchOptions = {}): Promise<BenchProcess> {
  const port = await freePort();
  return launch(
    'proxy',
    [...(launchOptions.nodeArgs ?? []), '--import', 'tsx', 'bench/proxy.ts'],
    { PROXY_PORT: String(port), UPSTREAM_ORIGIN: upstreamOrigin },
    `http://127.0.0.1:${port}`,
    '/__sandbox/health',
    { ...launchOptions, nodeArgs: [] },
  );
}

/** bench/reference-gateway.ts: Apollo Server and graphql-js with none of the gateway's layers (bench/latency-phases.ts). */
export async function startReferenceGateway(
  upstreamOrigin: string,
  launchOptions: LaunchOptions = {},
  client: 'node:http' | 'undici' = 'node:http',
): Promise<BenchProcess> {
  const port = await freePort();
  return launch(
    `reference gateway (${client})`,
    [...(launchOptions.nodeArgs ?? []), '--import', 'tsx', 'bench/reference-gateway.ts'],
    { REFERENCE_PORT: String(port), UPSTREAM_ORIGIN: upstreamOrigin, NODE_ENV: 'production', REFERENCE_CLIENT: client },
    `http://127.0.0.1:${port}`,
    '/readyz',
    { ...launchOptions, nodeArgs: [] },
  );
}

/**
 * The gateway of `sourceRoot` (this tree, or a baseline checkout) in production mode against the
 * sandbox, with the production defaults: info logs, retries, circuit breaker, no introspection.
 */
export async function startGateway(
  name: string,
  sandboxOrigin: string,
  sourceRoot = REPO_ROOT,
  launchOptions: LaunchOptions & { widestCaller?: number } = {},
): Promise<BenchProcess> {
  const port = await freePort();
  let adminPort = await freePort();
  for (let tries = 0; tries < 5 && adminPort === port; tries++) adminPort = await freePort();
  const gateway = await launch(
    name,
    ['--expose-gc', await buildGateway(sourceRoot)],
    // ADMIN_PORT: each gateway its own (several run at once); a revision without it, or without
    // one of the limits, ignores the variable (config.ts does not refuse unknown variables).
    {
      NODE_ENV: 'production',
      HOST: '127.0.0.1',
      PORT: String(port),
      ADMIN_PORT: String(adminPort),
      ZOHO_API_URL: `${sandboxOrigin}/api/v1`,
      LOG_LEVEL: 'info',
      ...benchGatewayLimits(launchOptions.widestCaller ?? 200),
    },
    `http://127.0.0.1:${port}`,
    '/readyz',
    launchOptions,
  );
  return { ...gateway, adminOrigin: `http://127.0.0.1:${adminPort}` };
}
