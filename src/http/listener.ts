/**
 * The gateway's two HTTP servers (its port and the admin listener): binding them, and saying
 * which setting to change when one cannot bind.
 */
import type http from 'node:http';
import type { AddressInfo } from 'node:net';

/** A listener could not bind its port: which setting names it, and why (e.g. EADDRINUSE). */
export class ListenError extends Error {
  override name = 'ListenError';
  constructor(
    readonly setting: 'PORT' | 'ADMIN_PORT',
    readonly port: number,
    readonly host: string,
    override readonly cause: Error,
  ) {
    super(`Could not listen on port ${port} of ${host} (${setting}): ${cause.message}`);
  }
}

/** Binds `server` to `port` on `host` (0 picks a free port); resolves with its origin, as a client would write it. */
export async function listen(server: http.Server, port: number, host: string, setting: ListenError['setting']): Promise<string> {
  await new Promise<void>((resolve, reject) => {
    const failed = (error: Error) => reject(new ListenError(setting, port, host, error));
    server.once('error', failed);
    server.listen(port, host, () => {
      server.off('error', failed);
      resolve();
    });
  });
  const address = server.address() as AddressInfo;
  // "All interfaces" is no address to connect to; this machine's own name is.
  const shownHost = host === '0.0.0.0' || host === '::' ? 'localhost' : host.includes(':') ? `[${host}]` : host;
  return `http://${shownHost}:${address.port}`;
}
