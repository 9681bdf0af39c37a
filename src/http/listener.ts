/**
 * The gateway's two HTTP servers (its port and the admin listener): how long a connection may
 * take to send its request or stay idle, how many may be open at once, binding them, and saying
 * which setting to change when one cannot bind.
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Logger } from '../observability/logger';

/** The time limits of every client connection, on both listeners. */
export const CONNECTION_TIMEOUTS = {
  /** A request's headers must arrive within this of its first byte (or of the connection, for a first request). */
  headersTimeoutMs: 10_000,
  /**
   * The whole request, headers and body (at most 100 kB), must arrive within this. Node stops
   * this clock once the request is in: the time the gateway then takes to answer is bounded by
   * the upstream budget (ZOHO_TIMEOUT_MS per call, from its turn), not by a socket timer.
   */
  requestTimeoutMs: 30_000,
  /**
   * How often Node looks for connections past those limits (its default, 30 s, would let a
   * connection that never finishes its headers live 40 s; with 5 s, at most 15 s).
   */
  connectionsCheckingIntervalMs: 5_000,
} as const;

/** Open connections the admin listener accepts: Prometheus and probes need a handful. */
export const ADMIN_MAX_CONNECTIONS = 64;

/** How often, at most, refused connections are logged (one line when the cap is reached, then a count). */
export const DROP_LOG_WINDOW_MS = 10_000;

/**
 * An HTTP server with CONNECTION_TIMEOUTS and at most `maxConnections` open connections: past
 * that, Node closes each new connection at once and the refusals are logged (reportDrops).
 */
export function createServer(options: {
  /** Which listener, as the log names it: `PORT` or `ADMIN_PORT`. */
  listener: string;
  /** How long an idle keep-alive connection is kept (KEEP_ALIVE_TIMEOUT_MS). */
  keepAliveTimeoutMs: number;
  maxConnections: number;
  /** What sets `maxConnections`, as the log names it: `MAX_CONNECTIONS`, or the admin listener's own. */
  limit: string;
  logger: Logger;
}): http.Server {
  const server = http.createServer({
    headersTimeout: CONNECTION_TIMEOUTS.headersTimeoutMs,
    requestTimeout: CONNECTION_TIMEOUTS.requestTimeoutMs,
    keepAliveTimeout: options.keepAliveTimeoutMs,
    connectionsCheckingInterval: CONNECTION_TIMEOUTS.connectionsCheckingIntervalMs,
  });
  server.maxConnections = options.maxConnections;
  server.on('drop', reportDrops(options));
  return server;
}

/**
 * What a server does with each connection it refuses for being over its cap: the first is
 * logged at once; those that follow within DROP_LOG_WINDOW_MS are counted and logged as one
 * line at the end of the window, and so on while refusals go on (a flood of connections makes
 * one line per window, not one per socket). Nothing of the client is logged.
 */
export function reportDrops(options: { listener: string; maxConnections: number; limit: string; logger: Logger }): () => void {
  const { listener, maxConnections, limit, logger } = options;
  let window: NodeJS.Timeout | undefined;
  let refused = 0;
  const endOfWindow = () => {
    if (refused === 0) {
      window = undefined;
      return;
    }
    logger.warn(
      { listener, maxConnections, refused, windowMs: DROP_LOG_WINDOW_MS },
      `${listener}: ${refused} more connections refused in the last ${DROP_LOG_WINDOW_MS / 1000} s, at the limit of ${maxConnections} open (${limit})`,
    );
    refused = 0;
    window = setTimeout(endOfWindow, DROP_LOG_WINDOW_MS).unref();
  };
  return () => {
    if (window) {
      refused += 1;
      return;
    }
    logger.warn(
      { listener, maxConnections },
      `${listener}: ${maxConnections} connections open, the limit (${limit}): new connections are refused until some close`,
    );
    window = setTimeout(endOfWindow, DROP_LOG_WINDOW_MS).unref();
  };
}

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
