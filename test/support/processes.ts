/**
 * Real processes for the integration tests: the Zoho Payments sandbox (`sandbox/main.ts`, what
 * `npm run sandbox` runs) and the gateway (`src/main.ts`, what `npm start` runs), each spawned
 * as `node --import tsx <file>` from the repository root, exactly as a developer runs them.
 *
 * Both bind port 0 (the gateway's admin listener too) and report the URLs they chose on stdout;
 * the helpers parse them from there, so a test proves the printed URL is the one that serves. Each helper collects the child's stdout and
 * stderr, rejects (with that output, the exit code and the signal) when the child exits or is not
 * ready within the time limit, and registers the child so that `stopAllProcesses()` (afterAll)
 * and, as a last resort, the test runner's exit kill it even when a test fails.
 *
 * The child's environment is the test runner's minus the variables the gateway and the sandbox
 * read (and NODE_ENV, which Jest sets to `test`): a test states every setting it relies on.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { SANDBOX_VARIABLES } from '../../sandbox/config';
import { CONFIG_VARIABLES } from '../../src/config';
import { ROOMY_RATE_BUDGET } from './rate-budget';

export const REPO_ROOT = path.resolve(__dirname, '..', '..');

/**
 * For `nock.enableNetConnect`: the children listen on 127.0.0.1 (the sandbox) and print
 * `localhost` (the gateway). One matcher for both: a second enableNetConnect call replaces the first.
 */
export const LOOPBACK = /^(127\.0\.0\.1|localhost)(:\d+)?$/;

/** How long a child may take to print its URL (tsx compiles the sources on start). */
const READY_TIMEOUT_MS = 20_000;
/** How long `stop()` waits for the child to exit before it kills it and rejects. */
const STOP_TIMEOUT_MS = 10_000;

/** Variables of the runner's environment that never reach a child unless a test sets them: all the gateway and the sandbox read. */
const CONTROLLED_VARIABLES = [...CONFIG_VARIABLES, ...SANDBOX_VARIABLES];

export interface ProcessOutput {
  /** Everything the child wrote to stdout so far. */
  readonly stdout: string;
  /** Everything the child wrote to stderr so far. */
  readonly stderr: string;
}

export interface ManagedProcess extends ProcessOutput {
  readonly child: ChildProcess;
  readonly pid: number | undefined;
  /** Its process group (its own pid) when it leads one of its own, as a terminal starts a command. */
  readonly pgid: number | undefined;
  /** Resolves once the child has exited, with its code (null when a signal ended it). */
  readonly exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  /**
   * Sends `signal` and resolves with the exit code (null when the signal itself ended the child).
   * A child still running after STOP_TIMEOUT_MS is killed with SIGKILL and the promise rejects
   * with its output.
   */
  stop(signal?: NodeJS.Signals, timeoutMs?: number): Promise<number | null>;
}

export interface SandboxProcess extends ManagedProcess {
  /** e.g. `http://127.0.0.1:41234/api/v1`: what the gateway takes as ZOHO_API_URL. */
  apiUrl: string;
  /** e.g. `http://127.0.0.1:41234`: the control API lives under `<origin>/__sandbox/`. */
  origin: string;
}

export interface GatewayProcess extends ManagedProcess {
  /** e.g. `http://localhost:41235/graphql`, as the gateway printed it. */
  url: string;
  /** The gateway's origin, for `/healthz` and `/readyz`. */
  origin: string;
  /** The admin listener's origin (ADMIN_PORT), for `/metrics`, as the gateway printed it. */
  adminOrigin: string;
}

/** Why a child did not become ready: it exited, or it took too long. */
export class ProcessStartError extends Error {
  override name = 'ProcessStartError';
  constructor(
    message: string,
    readonly exitCode: number | null,
    readonly signal: NodeJS.Signals | null,
    readonly stdout: string,
    readonly stderr: string,
  ) {
    super(`${message}\n--- stdout ---\n${stdout}\n--- stderr ---\n${stderr}`);
  }
}

const running = new Set<ManagedProcess>();

/** Kills every child these helpers started and that is still running (for afterAll). */
export async function stopAllProcesses(): Promise<void> {
  await Promise.all(
    [...running].map((proc) => {
      killGroup(proc);
      return proc.stop('SIGKILL', 5_000).catch(() => undefined);
    }),
  );
}

/** SIGKILL to every process of `proc`'s own group, when it leads one (what it started goes too). */
function killGroup(proc: ManagedProcess): void {
  if (proc.pgid === undefined) return;
  try {
    process.kill(-proc.pgid, 'SIGKILL');
  } catch {
    // the group is gone already
  }
}

// The last resort when afterAll never runs (a crashed or interrupted test run).
process.once('exit', () => {
  for (const proc of running) {
    killGroup(proc);
    proc.child.kill('SIGKILL');
  }
});

/** The environment of a child: the runner's, minus CONTROLLED_VARIABLES, plus `env`. */
function childEnv(env: Record<string, string>): NodeJS.ProcessEnv {
  const base: NodeJS.ProcessEnv = { ...process.env };
  for (const name of CONTROLLED_VARIABLES) delete base[name];
  return { ...base, ...env };
}

/** What to run: a command and its arguments; `group` starts it in a process group of its own. */
interface Command {
  command: string;
  args: string[];
  group?: boolean;
}

/** `node --import tsx <file>`: a TypeScript entry point run as `npm start` runs src/main.ts. */
const tsx = (file: string): Command => ({ command: process.execPath, args: ['--import', 'tsx', file] });

/**
 * Spawns `command` in the repository root and resolves once `readyFrom` finds what it waits for
 * in the stdout collected so far.
 */
function startProcess<T>(
  { command, args, group = false }: Command,
  env: Record<string, string>,
  readyFrom: (stdout: string) => T | undefined,
  what: string,
): Promise<{ proc: ManagedProcess; ready: T }> {
  const child = spawn(command, args, {
    cwd: REPO_ROOT,
    env: childEnv(env),
    stdio: ['ignore', 'pipe', 'pipe'],
    detached: group,
  });
  let stdout = '';
  let stderr = '';
  child.stdout?.setEncoding('utf8').on('data', (chunk: string) => {
    stdout += chunk;
  });
  child.stderr?.setEncoding('utf8').on('data', (chunk: string) => {
    stderr += chunk;
  });

  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) => {
    // 'close' (not 'exit'): the output pipes are drained by then, so stdout/stderr are complete.
    child.once('close', (code, signal) => resolve({ code, signal }));
    child.once('error', () => resolve({ code: null, signal: null }));
  });

  let exitedAlready = false;
  const proc: ManagedProcess = {
    child,
    pid: child.pid,
    pgid: group ? child.pid : undefined,
    exited,
    get stdout() {
      return stdout;
    },
    get stderr() {
      return stderr;
    },
    async stop(signal: NodeJS.Signals = 'SIGTERM', timeoutMs = STOP_TIMEOUT_MS) {
      if (!exitedAlready) child.kill(signal);
      let timer: NodeJS.Timeout | undefined;
      const timedOut = new Promise<'timeout'>((resolve) => {
        timer = setTimeout(() => resolve('timeout'), timeoutMs);
      });
      const outcome = await Promise.race([exited, timedOut]);
      clearTimeout(timer);
      if (outcome === 'timeout') {
        child.kill('SIGKILL');
        await exited;
        throw new Error(
          `${what} (pid ${child.pid}) did not exit within ${timeoutMs} ms of ${signal}; it was killed with SIGKILL.\n` +
            `--- stdout ---\n${stdout}\n--- stderr ---\n${stderr}`,
        );
      }
      return outcome.code;
    },
  };
  running.add(proc);
  void exited.then(() => {
    exitedAlready = true;
    running.delete(proc);
  });

  return new Promise((resolve, reject) => {
    let settled = false;
    const settle = (outcome: { ready: T } | { error: Error }) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      child.stdout?.off('data', check);
      if ('error' in outcome) reject(outcome.error);
      else resolve({ proc, ready: outcome.ready });
    };
    const check = () => {
      const ready = readyFrom(stdout);
      if (ready !== undefined) settle({ ready });
    };
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      settle({
        error: new ProcessStartError(`${what} did not become ready within ${READY_TIMEOUT_MS} ms`, null, null, stdout, stderr),
      });
    }, READY_TIMEOUT_MS);
    child.stdout?.on('data', check);
    void exited.then(({ code, signal }) =>
      settle({
        error: new ProcessStartError(`${what} exited before it was ready (code ${code}, signal ${signal})`, code, signal, stdout, stderr),
      }),
    );
  });
}

/** Resolves once `predicate` holds for the child's stdout (it may still be writing after ready). */
export async function waitForStdout(proc: ManagedProcess, predicate: (stdout: string) => boolean, timeoutMs = 5_000): Promise<string> {
  const deadline = Date.now() + timeoutMs;
  while (!predicate(proc.stdout)) {
    if (Date.now() > deadline) {
      throw new Error(`stdout did not show what was expected within ${timeoutMs} ms:\n${proc.stdout}\n--- stderr ---\n${proc.stderr}`);
    }
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
  return proc.stdout;
}

/**
 * `npm run sandbox` on a free port, strict as Zoho unless `env` says otherwise (sandbox/README.md,
 * Strict mode): resolves once it prints `... listening at <url>/api/v1`.
 */
export async function startSandboxProcess(env: Record<string, string> = {}): Promise<SandboxProcess> {
  const { proc, ready } = await startProcess(
    tsx('sandbox/main.ts'),
    { SANDBOX_PORT: '0', SANDBOX_STRICT: 'true', ...env },
    (stdout) => /Zoho Payments sandbox listening at (http:\/\/\S+)\/api\/v1\s/.exec(stdout)?.[1],
    'the sandbox process',
  );
  return Object.assign(proc, { origin: ready, apiUrl: `${ready}/api/v1` });
}

/** The gateway's URL and admin origin from its JSON log line `gateway ready at <url>`, once printed. */
export function gatewayUrlsFrom(stdout: string): { url: string; adminUrl: string } | undefined {
  // Complete lines only: a chunk may end in the middle of the URL.
  for (const line of stdout.split('\n').slice(0, -1)) {
    if (!line.startsWith('{') || !line.endsWith('}')) continue;
    try {
      const log = JSON.parse(line) as { msg?: unknown; url?: unknown; adminUrl?: unknown };
      const ready = typeof log.msg === 'string' && log.msg.startsWith('gateway ready at ');
      if (ready && typeof log.url === 'string' && typeof log.adminUrl === 'string') return { url: log.url, adminUrl: log.adminUrl };
    } catch {
      // not a log line
    }
  }
  return undefined;
}

/**
 * `npm start` on free ports (PORT=0 and ADMIN_PORT=0; SANDBOX_PORT=0 too when no ZOHO_API_URL is
 * given, so the embedded sandbox also takes a free port): resolves once it prints its URLs.
 */
export async function startGatewayProcess(env: Record<string, string> = {}): Promise<GatewayProcess> {
  const { proc, ready } = await startProcess(
    tsx('src/main.ts'),
    { PORT: '0', ADMIN_PORT: '0', ...ROOMY_RATE_BUDGET, ...(env['ZOHO_API_URL'] === undefined && { SANDBOX_PORT: '0' }), ...env },
    gatewayUrlsFrom,
    'the gateway process',
  );
  return Object.assign(proc, { url: ready.url, origin: new URL(ready.url).origin, adminOrigin: ready.adminUrl });
}

/**
 * `npm start` itself (npm, the shell it runs the script in, the gateway), in a process group of
 * its own as a terminal starts it, on free ports: resolves once the gateway prints its URLs.
 * `pid` is npm's; `processGroup()` lists what of the group is still running.
 */
export async function startNpmStartProcess(env: Record<string, string> = {}): Promise<GatewayProcess> {
  const { proc, ready } = await startProcess(
    { command: 'npm', args: ['start', '--silent'], group: true },
    { PORT: '0', ADMIN_PORT: '0', SANDBOX_PORT: '0', ...ROOMY_RATE_BUDGET, ...env },
    gatewayUrlsFrom,
    'npm start',
  );
  return Object.assign(proc, { url: ready.url, origin: new URL(ready.url).origin, adminOrigin: ready.adminUrl });
}

/**
 * The processes of group `pgid` still running (zombies, which only wait for their parent to
 * collect their exit code, are not running), each with its command line. Linux (/proc) only.
 */
export function processGroup(pgid: number): Array<{ pid: number; command: string }> {
  const members: Array<{ pid: number; command: string }> = [];
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const stat = readFileSync(`/proc/${entry}/stat`, 'utf8');
      // pid (comm) state ppid pgrp ...: comm may hold spaces and parentheses, so read after the last ')'.
      const [state, , group] = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      if (Number(group) !== pgid || state === 'Z') continue;
      members.push({ pid: Number(entry), command: readFileSync(`/proc/${entry}/cmdline`, 'utf8').split('\0').join(' ').trim() });
    } catch {
      // it exited while being read
    }
  }
  return members;
}
