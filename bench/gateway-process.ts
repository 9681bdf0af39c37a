/**
 * The bench's probe inside each gateway process: build-gateway.ts bundles it before `src/main.ts`
 * of a source tree (this one, or a baseline checkout), which runs unchanged. It adds a memory
 * probe for the soak and a CPU profiler for bench/profile.ts. The bench sends `memory` over the
 * IPC channel; the process collects garbage (node runs it with `--expose-gc`) and answers with
 * `process.memoryUsage()`, so before and after are compared without the noise of garbage not yet
 * collected. `profile-start`
 * and `profile-stop <file>` run V8's CPU profiler (what `node --cpu-prof` runs) over exactly the
 * load in between, not the start-up. It listens on 127.0.0.1 only (below).
 */
import fs from 'node:fs';
import { Session } from 'node:inspector/promises';
import net from 'node:net';

// The bench's servers stay on loopback. The gateway is told so (HOST=127.0.0.1), but a baseline
// revision from before HOST listens on every interface: there a listen on "all interfaces" (no
// host, 0.0.0.0 or ::) becomes one on 127.0.0.1.
const ALL_INTERFACES = new Set(['0.0.0.0', '::', '']);
const listen = net.Server.prototype.listen;
net.Server.prototype.listen = function listenOnLoopback(this: net.Server, ...args: unknown[]) {
  const [first, second] = args;
  if (typeof first === 'number' || (typeof first === 'string' && /^\d+$/.test(first))) {
    if (typeof second !== 'string' || ALL_INTERFACES.has(second)) {
      args = [first, '127.0.0.1', ...args.slice(typeof second === 'string' ? 2 : 1)];
    }
  } else if (typeof first === 'object' && first !== null && !('fd' in first) && !('path' in first) && !('_handle' in first)) {
    const options = first as net.ListenOptions;
    if (options.host === undefined || ALL_INTERFACES.has(options.host)) args = [{ ...options, host: '127.0.0.1' }, ...args.slice(1)];
  }
  return (listen as (...a: unknown[]) => net.Server).apply(this, args);
} as typeof net.Server.prototype.listen;

let profiler: Session | undefined;

process.on('message', (message) => {
  if (message === 'memory') {
    (globalThis as { gc?: () => void }).gc?.();
    process.send?.({ memory: process.memoryUsage() });
  } else if (message === 'profile-start') {
    void (async () => {
      profiler = new Session();
      profiler.connect();
      await profiler.post('Profiler.enable');
      await profiler.post('Profiler.start');
      process.send?.({ profiling: true });
    })();
  } else if (typeof message === 'string' && message.startsWith('profile-stop ')) {
    void (async () => {
      const file = message.slice('profile-stop '.length);
      const { profile } = await (profiler as Session).post('Profiler.stop');
      profiler?.disconnect();
      fs.writeFileSync(file, JSON.stringify(profile));
      process.send?.({ profile: file });
    })();
  }
});
