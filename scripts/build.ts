/**
 * The production build (`npm run build`): src/main.ts, with the embedded sandbox it can start,
 * bundled into one file, dist/main.js, that `node dist/main.js` runs with no tsx and no npm; the
 * packages stay in node_modules (installed by `npm ci --omit=dev`), and schema/ is copied to
 * dist/schema/, where src/schema.ts looks first. Type errors are caught before, by
 * `tsc -p tsconfig.build.json` (esbuild only strips types).
 */
import { cpSync, rmSync } from 'node:fs';
import path from 'node:path';
import { build } from 'esbuild';

const root = path.resolve(__dirname, '..');
const dist = path.join(root, 'dist');

async function main(): Promise<void> {
  rmSync(dist, { recursive: true, force: true });
  await build({
    entryPoints: [path.join(root, 'src', 'main.ts')],
    outfile: path.join(dist, 'main.js'),
    bundle: true,
    // Dependencies are required from node_modules at run time, as installed from the lockfile.
    packages: 'external',
    platform: 'node',
    target: 'node24',
    format: 'cjs',
    // For `NODE_OPTIONS=--enable-source-maps`: stack traces in the logs then name src/ files.
    sourcemap: true,
    logLevel: 'warning',
  });
  cpSync(path.join(root, 'schema'), path.join(dist, 'schema'), { recursive: true });
}

main().catch((error: unknown) => {
  process.stderr.write(`${String(error instanceof Error ? error.stack : error)}\n`);
  process.exit(1);
});
