/**
 * The gateway process as production runs it (`src/main.ts`, unchanged), bound to 127.0.0.1 only:
 * the tests never open a port beyond loopback, and the gateway has no setting for its host (it
 * listens on every interface). Every `listen` of this process on "all interfaces" (no host,
 * `0.0.0.0` or `::`) is made a `listen` on 127.0.0.1, and each port it binds is printed as
 * `loopback-gateway: listening on 127.0.0.1:<port>` so the tests find the admin port too.
 *
 * Run as `node --import tsx test/support/loopback-gateway.ts` (test/support/gateway-process.ts).
 */
import net from 'node:net';
import path from 'node:path';

const ALL_INTERFACES = new Set(['0.0.0.0', '::', '']);
const listen = net.Server.prototype.listen;

net.Server.prototype.listen = function listenOnLoopback(this: net.Server, ...args: unknown[]) {
  const [first, second] = args;
  if (typeof first === 'number' || (typeof first === 'string' && /^\d+$/.test(first))) {
    // listen(port[, host][, backlog][, callback])
    if (typeof second !== 'string' || ALL_INTERFACES.has(second)) {
      args = [first, '127.0.0.1', ...args.slice(typeof second === 'string' ? 2 : 1)];
    }
  } else if (typeof first === 'object' && first !== null && !('fd' in first) && !('path' in first) && !('_handle' in first)) {
    const options = first as net.ListenOptions;
    if (options.host === undefined || ALL_INTERFACES.has(options.host)) args = [{ ...options, host: '127.0.0.1' }, ...args.slice(1)];
  }
  this.once('listening', () => {
    const address = this.address();
    if (address && typeof address === 'object') process.stdout.write(`loopback-gateway: listening on ${address.address}:${address.port}\n`);
  });
  return (listen as (...a: unknown[]) => net.Server).apply(this, args);
} as typeof net.Server.prototype.listen;

// eslint-disable-next-line @typescript-eslint/no-require-imports
require(path.join(__dirname, '..', '..', 'src', 'main.ts'));
