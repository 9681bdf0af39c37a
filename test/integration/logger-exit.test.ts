/**
 * The logger writes to stdout asynchronously (src/observability/logger.ts); on a planned exit
 * `flushLogs()` waits for every line, so none is lost when the process exits right after its last
 * line. A real child process, its stdout a pipe as under a container runtime.
 */
import { spawn } from 'node:child_process';
import path from 'node:path';

const REPO_ROOT = path.resolve(__dirname, '..', '..');

/** Runs `script` (TypeScript, in the repository root) and collects its stdout. */
function run(script: string): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', script], {
      cwd: REPO_ROOT,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (chunk: string) => (stdout += chunk));
    child.stderr.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
    child.once('error', reject);
    child.once('close', (code) => resolve({ code, stdout, stderr }));
  });
}

const LOGGER = JSON.stringify(path.join(REPO_ROOT, 'src', 'observability', 'logger.ts'));

test('20,000 lines logged in one go, then flushLogs() and process.exit: every line arrives, in order', async () => {
  const { code, stdout, stderr } = await run(`
    const { createLogger, flushLogs } = await import(${LOGGER});
    const logger = createLogger({ level: 'info' });
    for (let i = 0; i < 20000; i++) logger.info({ i, pad: 'x'.repeat(200) }, 'line');
    await flushLogs();
    process.exit(0);
  `);
  expect(stderr).toBe('');
  expect(code).toBe(0);
  const lines = stdout.trimEnd().split('\n');
  expect(lines).toHaveLength(20000);
  expect(lines.map((line) => (JSON.parse(line) as { i: number }).i)).toEqual(Array.from({ length: 20000 }, (_, i) => i));
}, 30_000);

test('a quiet process: the one line logged just before an exit arrives', async () => {
  const { code, stdout } = await run(`
    const { createLogger, flushLogs } = await import(${LOGGER});
    const logger = createLogger({ level: 'info' });
    logger.info('first');
    await new Promise((resolve) => setTimeout(resolve, 50));
    logger.info('last');
    await flushLogs();
    process.exit(3);
  `);
  expect(code).toBe(3);
  expect(stdout.trimEnd().split('\n').map((line) => (JSON.parse(line) as { msg: string }).msg)).toEqual(['first', 'last']);
}, 30_000);

test('a quiet process: a line is out within the periodic flush (250 ms), with no flush or exit (SIGKILL after)', async () => {
  const child = spawn(
    process.execPath,
    ['--import', 'tsx', '--input-type=module', '-e', `
      const { createLogger } = await import(${LOGGER});
      createLogger({ level: 'info' }).info('alone');
      process.stderr.write('logged\\n');
      setInterval(() => undefined, 1000);
    `],
    { cwd: REPO_ROOT, stdio: ['ignore', 'pipe', 'pipe'] },
  );
  try {
    const arrived = await new Promise<number>((resolve, reject) => {
      let loggedAt = 0;
      child.stderr.setEncoding('utf8').on('data', (chunk: string) => {
        if (chunk.includes('logged')) loggedAt = performance.now();
      });
      child.stdout.setEncoding('utf8').on('data', (chunk: string) => {
        if (chunk.includes('"msg":"alone"')) resolve(performance.now() - loggedAt);
      });
      child.once('exit', (code) => reject(new Error(`the child exited (${code}) before its line arrived`)));
    });
    expect(arrived).toBeLessThan(1500);
  } finally {
    child.kill('SIGKILL');
  }
}, 30_000);

test('a process that exits without flushLogs() still writes what was buffered (pino flushes on exit)', async () => {
  const { code, stdout } = await run(`
    const { createLogger } = await import(${LOGGER});
    const logger = createLogger({ level: 'info' });
    for (let i = 0; i < 100; i++) logger.info({ i }, 'line');
    process.exit(0);
  `);
  expect(code).toBe(0);
  const seen = new Set(stdout.trimEnd().split('\n').map((line) => (JSON.parse(line) as { i: number }).i));
  expect(seen.size).toBe(100);
}, 30_000);
