/**
 * A real Redis for the scale-out tests: Debian's `redis-server` (`.ci/run` installs it), started
 * on a free loopback port with no persistence and a throwaway directory, killed in afterAll.
 * `stop()` then `start()` again keeps the port, so a test can take Redis away mid-run and bring
 * it back where the gateways' clients reconnect.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { freePort } from './ports';

/** How long redis-server may take to say it is ready. */
const READY_TIMEOUT_MS = 10_000;

export interface RedisServerOptions {
  /** Extra `redis-server` arguments, e.g. `['--requirepass', 'secret']` or an ACL `--user` line. */
  args?: string[];
  /** TLS only (`rediss://`): the port serves TLS with this certificate and key, and plain TCP is off. */
  tls?: { certFile: string; keyFile: string };
}

export interface RedisServer {
  /** The port it listens on (kept across stop and start). */
  readonly port: number;
  /** `redis://127.0.0.1:<port>` (`rediss://localhost:<port>` with TLS), without credentials. */
  readonly url: string;
  /** Whether the server process is running now. */
  readonly running: boolean;
  /** Starts it again after `stop()`, on the same port. */
  start(): Promise<void>;
  /** Stops it (SIGKILL: a crash, not a clean shutdown) and waits for the process to exit. */
  stop(): Promise<void>;
}

const started = new Set<RedisServerImpl>();

class RedisServerImpl implements RedisServer {
  private child: ChildProcess | undefined;
  private readonly dir = mkdtempSync(path.join(tmpdir(), 'gateway-redis-'));

  constructor(
    readonly port: number,
    private readonly args: string[],
    private readonly tls: boolean,
  ) {}

  get url(): string {
    return this.tls ? `rediss://localhost:${this.port}` : `redis://127.0.0.1:${this.port}`;
  }

  get running(): boolean {
    return this.child !== undefined && this.child.exitCode === null && this.child.signalCode === null;
  }

  async start(): Promise<void> {
    if (this.running) return;
    const child = spawn(
      'redis-server',
      ['--port', String(this.port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no', '--dir', this.dir, ...this.args],
      { stdio: ['ignore', 'pipe', 'pipe'] },
    );
    this.child = child;
    started.add(this);
    let output = '';
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => {
        child.kill('SIGKILL');
        reject(new Error(`redis-server was not ready within ${READY_TIMEOUT_MS} ms:\n${output}`));
      }, READY_TIMEOUT_MS);
      const onData = (chunk: Buffer) => {
        output += chunk.toString();
        if (output.includes('Ready to accept connections')) {
          clearTimeout(timer);
          resolve();
        }
      };
      child.stdout?.on('data', onData);
      child.stderr?.on('data', onData);
      child.once('error', (error) => {
        clearTimeout(timer);
        reject(new Error(`redis-server could not start (is it installed? .ci/run installs it with apt): ${error.message}`));
      });
      child.once('exit', (code, signal) => {
        clearTimeout(timer);
        reject(new Error(`redis-server exited (${code ?? signal}) before it was ready:\n${output}`));
      });
    });
  }

  /** Synchronous SIGKILL for the runner's exit, where nothing can be awaited. */
  killNow(): void {
    if (this.running) this.child?.kill('SIGKILL');
  }

  async stop(): Promise<void> {
    const child = this.child;
    if (!child || !this.running) return;
    await new Promise<void>((resolve) => {
      child.once('exit', () => resolve());
      child.kill('SIGKILL');
    });
  }

  async dispose(): Promise<void> {
    await this.stop();
    started.delete(this);
    rmSync(this.dir, { recursive: true, force: true });
  }
}

// The last resort when afterAll never runs (a crashed or interrupted test run): no redis-server
// outlives the runner. (Its directory under tmpdir stays; it holds nothing, with no persistence.)
process.once('exit', () => {
  for (const server of started) server.killNow();
});

/** Starts a Redis server on a free port; `stopAllRedisServers()` (afterAll) ends every one started. */
export async function startRedisServer(options: RedisServerOptions = {}): Promise<RedisServer> {
  const port = await freePort();
  const { tls } = options;
  // Later arguments win: `--port 0` turns plain TCP off once the TLS port is set.
  const tlsArgs = tls
    ? ['--port', '0', '--tls-port', String(port), '--tls-cert-file', tls.certFile, '--tls-key-file', tls.keyFile, '--tls-auth-clients', 'no']
    : [];
  const server = new RedisServerImpl(port, [...tlsArgs, ...(options.args ?? [])], tls !== undefined);
  await server.start();
  return server;
}

/** Kills every Redis server this test file started and removes their directories. */
export async function stopAllRedisServers(): Promise<void> {
  await Promise.all([...started].map((server) => server.dispose()));
}
