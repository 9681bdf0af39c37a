/**
 * The drain (docs/operations.md), what SIGTERM starts:
 * 1. `/readyz` answers 503 at once, on both listeners, so load balancers take the gateway out;
 * 2. it keeps serving, new connections and kept-alive ones alike, for SHUTDOWN_DELAY_MS: the
 *    time balancers take to notice and stop sending (a request they still send is served);
 * 3. it stops accepting connections; idle keep-alive connections are closed, and every reply
 *    from now on carries `Connection: close`, so each connection ends with its last reply;
 * 4. in-flight operations finish, for at most SHUTDOWN_GRACE_MS; then, or as soon as none is
 *    left, the remaining connections are closed (those still in flight are cut: their clients
 *    see the connection reset, never a hang).
 * The caller (server.ts) then stops Apollo Server, the HTTP client and the admin listener.
 */
import type http from 'node:http';
import type { Logger } from '../observability/logger';
import type { HttpFront } from './app';
import type { Health } from './health';

export interface DrainOptions {
  /** Serving on after `/readyz` turned 503, in ms (SHUTDOWN_DELAY_MS). */
  delayMs: number;
  /** How long in-flight operations may still take once accepting has stopped, in ms (SHUTDOWN_GRACE_MS). */
  graceMs: number;
}

/** Drains the gateway's port; resolves once it is closed, with how many operations were cut. */
export async function drain(
  parts: { server: http.Server; front: HttpFront; health: Health; logger: Logger },
  { delayMs, graceMs }: DrainOptions,
): Promise<{ cut: number }> {
  const { server, front, health, logger } = parts;
  health.shuttingDown();
  if (delayMs > 0) {
    logger.info({ delayMs }, `draining: /readyz answers 503; serving on for ${delayMs} ms while load balancers take the gateway out`);
    await sleep(delayMs);
  }
  if (!server.listening) return { cut: 0 };
  const closed = new Promise<void>((resolve) => server.close(() => resolve()));
  // Node closes the idle keep-alive connections itself when the server closes; the others end with their reply.
  front.closeConnectionsAfterReplies();
  const inFlight = front.inFlight;
  if (inFlight > 0) logger.info({ inFlight, graceMs }, `stopped accepting connections; waiting for ${inFlight} operation(s) in flight, at most ${graceMs} ms`);
  let timer: NodeJS.Timeout | undefined;
  const finished = await Promise.race([
    front.idle().then(() => true),
    new Promise<false>((resolve) => {
      timer = setTimeout(() => resolve(false), graceMs);
    }),
  ]);
  clearTimeout(timer);
  const cut = finished ? 0 : front.inFlight;
  if (cut > 0) logger.warn({ cut, graceMs }, `${cut} operation(s) still in flight after SHUTDOWN_GRACE_MS (${graceMs} ms): their connections are closed`);
  // Nothing left to answer: what remains is connections with no request (pre-connected, or
  // half-sent), which would otherwise hold the close until their own time limits.
  server.closeAllConnections();
  await closed;
  return { cut };
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms).unref());
}
