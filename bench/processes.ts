/**
 * The bench's servers, each its own process so that none shares an event loop with the load
 * generator or with another: the sandbox (`sandbox/main.ts`), the minimal proxy (`proxy.ts`) and
 * the gateway (`gateway-process.ts` over `src/main.ts`), all run as `node --import tsx <file>`,
 * stdout discarded (the gateway still writes its log line per operation, as in production).
 */
import { spawn, type ChildProcess } from 'node:child_process';
import net from 'node:net';
import path from 'node:path';
import { SANDBOX_VARIABLES } from '../sandbox/config';
import { CONFIG_VARIABLES } from '../src/config';

export const REPO_ROOT = path.resolve(__dirname, '..');

/** How long a server may take to answer its readiness URL (tsx compiles the sources on start). */
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
  stop: () => Promise<void>;
}

/** A port free at the time of asking (the child binds it a moment later). */
export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as net.AddressInfo;
      server.close(() => resolve(port));
    });
  });
}

/** Variables of the bench's own environment that would change what the servers do. */
const CONTROLLED_VARIABLES = [...CONFIG_VARIABLES, ...SANDBOX_VARIABLES, 'NODE_OPTIONS'];

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
): Promise<BenchProcess> {
  const child = spawn(process.execPath, args, {
    cwd: REPO_ROOT,
    env: childEnv(settings),
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

  return {
    name,
    child,
    origin,
    memory: () =>
      new Promise((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error(`${name} did not report its memory`)), 10_000);
        child.once('message', (message: { memory?: NodeJS.MemoryUsage }) => {
          clearTimeout(timer);
          if (message.memory) resolve(message.memory);
          else reject(new Error(`${name} sent ${JSON.stringify(message)}`));
        });
        child.send('memory');
      }),
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
  return launch('sandbox', ['--import', 'tsx', 'sandbox/main.ts'], { SANDBOX_PORT: String(port) }, `http://127.0.0.1:${port}`, '/__sandbox/health');
}

export async function startProxy(upstreamOrigin: string): Promise<BenchProcess> {
  const port = await freePort();
  return launch(
    'proxy',
    ['--import', 'tsx', 'bench/proxy.ts'],
    { PROXY_PORT: String(port), UPSTREAM_ORIGIN: upstreamOrigin },
    `http://127.0.0.1:${port}`,
    '/__sandbox/health',
  );
}

/**
 * The gateway of `sourceRoot` (this tree, or a baseline checkout) in production mode against the
 * sandbox, with the production defaults: info logs, retries, circuit breaker, no introspection.
 */
export async function startGateway(name: string, sandboxOrigin: string, sourceRoot = REPO_ROOT): Promise<BenchProcess> {
  const port = await freePort();
  let adminPort = await freePort();
  for (let tries = 0; tries < 5 && adminPort === port; tries++) adminPort = await freePort();
  const gateway = await launch(
    name,
    ['--expose-gc', '--import', 'tsx', 'bench/gateway-process.ts', sourceRoot],
    // ADMIN_PORT: each gateway its own (several run at once); a revision without it ignores it.
    { NODE_ENV: 'production', HOST: '127.0.0.1', PORT: String(port), ADMIN_PORT: String(adminPort), ZOHO_API_URL: `${sandboxOrigin}/api/v1`, LOG_LEVEL: 'info' },
    `http://127.0.0.1:${port}`,
    '/readyz',
  );
  return { ...gateway, adminOrigin: `http://127.0.0.1:${adminPort}` };
}
