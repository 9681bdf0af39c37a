/**
 * The gateway as the bench runs it: `src/main.ts` of a source tree (this one, or a baseline
 * checkout) bundled with esbuild, as `npm run build` bundles it for production, and run by plain
 * node, not tsx. Under tsx every function the sources create goes through esbuild's `__name`
 * helper and every `require` at run time through tsx's resolver hooks (Apollo Server requires
 * `crypto` for each operation's hash): 2 to 3% of arm 3's CPU that production does not spend.
 *
 * The same build for every revision, old ones included (whatever their own build was): packages
 * stay external (required from node_modules at run time), the bench's probe (gateway-process.ts)
 * goes first, and each source file's `__dirname` and `__filename` are its own (a bundle has one
 * directory; `src/schema.ts` finds `schema/` from its own).
 */
import { createHash } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { build, type Plugin } from 'esbuild';

const REPO_ROOT = path.resolve(__dirname, '..');

const OUT_DIR = path.join(REPO_ROOT, 'node_modules', '.cache', 'bench-gateways');

/** Each source file's own `__dirname` and `__filename`, as node gives a module that is not bundled. */
const ownDirname: Plugin = {
  name: 'own-dirname',
  setup(builder) {
    builder.onLoad({ filter: /\.[cm]?ts$/ }, async (args) => {
      if (args.path.includes(`${path.sep}node_modules${path.sep}`)) return undefined;
      const source = await fs.promises.readFile(args.path, 'utf8');
      const contents = source
        .replace(/\b__dirname\b/g, JSON.stringify(path.dirname(args.path)))
        .replace(/\b__filename\b/g, JSON.stringify(args.path));
      return { contents, loader: 'ts' };
    });
  },
};

/**
 * Each tree's bundle, built once per bench process: gateways started at once (the scale-out
 * pass's replicas) would otherwise rewrite the file while another replica's node is reading it.
 */
const builds = new Map<string, Promise<string>>();

/** Bundles the gateway of `sourceRoot` (with the bench's probe first), once; returns the file to run. */
export function buildGateway(sourceRoot: string): Promise<string> {
  const root = path.resolve(sourceRoot);
  let built = builds.get(root);
  if (!built) {
    built = bundle(root);
    builds.set(root, built);
  }
  return built;
}

async function bundle(sourceRoot: string): Promise<string> {
  const key = createHash('sha256').update(path.resolve(sourceRoot)).digest('hex').slice(0, 16);
  // Inside node_modules: the bundle's external packages resolve from there, and git ignores it.
  const outfile = path.join(OUT_DIR, `gateway-${key}.cjs`);
  const probe = path.join(REPO_ROOT, 'bench', 'gateway-process.ts');
  const main = path.join(path.resolve(sourceRoot), 'src', 'main.ts');
  await build({
    stdin: { contents: `require(${JSON.stringify(probe)});\nrequire(${JSON.stringify(main)});\n`, resolveDir: REPO_ROOT, loader: 'js' },
    outfile,
    bundle: true,
    packages: 'external',
    platform: 'node',
    // A baseline may run on Node 20 (--baseline-node).
    target: 'node20',
    format: 'cjs',
    plugins: [ownDirname],
    // For bench/cpuprofile-summary.ts, which names each function's source file through it.
    sourcemap: true,
    sourcesContent: false,
    logLevel: 'warning',
  });
  return outfile;
}
