/**
 * The gateway as the bench runs it: `src/main.ts` of a source tree (this one, or a baseline
 * checkout given as the first argument), unchanged, plus a memory probe for the soak. The bench
 * sends `memory` over the IPC channel; the process collects garbage (node runs it with
 * `--expose-gc`) and answers with `process.memoryUsage()`, so before and after are compared
 * without the noise of garbage not yet collected.
 */
import path from 'node:path';

const root = path.resolve(process.argv[2] ?? path.join(__dirname, '..'));

process.on('message', (message) => {
  if (message !== 'memory') return;
  (globalThis as { gc?: () => void }).gc?.();
  process.send?.({ memory: process.memoryUsage() });
});

// eslint-disable-next-line @typescript-eslint/no-require-imports
require(path.join(root, 'src', 'main.ts'));
