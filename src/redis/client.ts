/**
 * The gateway's one Redis client (ioredis), shared by everything that keeps state across replicas:
 * idempotency records (idempotency/redis-store.ts), automatic persisted queries
 * (persisted-query-cache.ts) and the per-account rate budget. One client library, one connection.
 *
 * Redis is a dependency the gateway must never wait on when it is gone:
 * - no offline queue: a command sent while disconnected fails at once instead of waiting for a
 *   reconnection (ioredis queues by default);
 * - no retry of a command across reconnections, and every command fails after REDIS_TIMEOUT_MS;
 * - reconnection is automatic, with a backoff bounded at a second, for as long as the process runs.
 *
 * Its state changes (connected, unreachable, recovered) are logged once per transition, with host
 * and port only, and shown by the `gateway_redis_up` gauge. The password is never logged: an
 * ioredis reply error carries the command's arguments (AUTH's password among them), so a Redis
 * error is only ever logged by its message, with the password scrubbed from it (redisErrorText).
 */
import { isIP } from 'node:net';
import { Redis } from 'ioredis';
import type { RedisConfig } from '../config';
import type { Logger } from '../observability/logger';
import type { GatewayMetrics } from '../observability/metrics';

/** How long one connection attempt may take (a host that drops packets); commands fail at once meanwhile. */
export const REDIS_CONNECT_TIMEOUT_MS = 2000;
/** The longest wait between two reconnection attempts: Redis back means keyed mutations back within about this. */
export const REDIS_MAX_RECONNECT_DELAY_MS = 1000;

export interface RedisConnection {
  /** The client: commands fail fast (never queue) while Redis is unreachable. */
  readonly client: Redis;
  /** Whether the connection is ready to serve commands right now. */
  readonly up: boolean;
  /** `host:port`, for logs and /readyz (never the password). */
  readonly address: string;
  /** Closes the connection (QUIT when it is up, at most REDIS_TIMEOUT_MS) and stops reconnecting. */
  close(): Promise<void>;
}

/**
 * Creates the client and waits for its first connection attempt (ready, failed, or
 * REDIS_CONNECT_TIMEOUT_MS): a gateway that starts while Redis is down starts anyway, and serves
 * what does not need Redis until it is back.
 */
export async function connectRedis(config: RedisConfig, deps: { logger: Logger; metrics: GatewayMetrics }): Promise<RedisConnection> {
  const { logger, metrics } = deps;
  const address = `${config.host.includes(':') ? `[${config.host}]` : config.host}:${config.port}`;
  const where = { redis: { host: config.host, port: config.port, tls: config.tls } };
  const client = new Redis({
    host: config.host,
    port: config.port,
    username: config.username,
    password: config.password,
    db: config.db,
    // A name in servers' CLIENT LIST; servername for SNI and the certificate's host name check.
    connectionName: 'zoho-payments-gateway',
    ...(config.tls && { tls: isIP(config.host) ? {} : { servername: config.host } }),
    keyPrefix: config.keyPrefix,
    enableOfflineQueue: false,
    maxRetriesPerRequest: 0,
    autoResendUnfulfilledCommands: false,
    commandTimeout: config.timeoutMs,
    connectTimeout: REDIS_CONNECT_TIMEOUT_MS,
    retryStrategy: (attempt) => Math.min(attempt * 100, REDIS_MAX_RECONNECT_DELAY_MS),
    // On close, a socket that never says it closed (Redis gone) is destroyed after this long:
    // ioredis' default (2 s) kept a stopped gateway's process alive that much longer.
    disconnectTimeout: config.timeoutMs,
  });

  let state: 'starting' | 'up' | 'down' = 'starting';
  let everUp = false;
  let closing = false;
  metrics.setRedisUp(false);
  const down = (cause: string) => {
    if (closing || state === 'down') return;
    state = 'down';
    metrics.setRedisUp(false);
    logger.warn(
      { ...where, cause },
      everUp
        ? 'Redis unreachable: mutations with an idempotencyKey fail with SERVICE_UNAVAILABLE, persisted queries fall back to sending the query; reconnecting'
        : 'Redis unreachable at start: mutations with an idempotencyKey fail with SERVICE_UNAVAILABLE until it answers; reconnecting',
    );
  };
  client.on('ready', () => {
    if (state === 'up') return;
    state = 'up';
    metrics.setRedisUp(true);
    logger.info(where, everUp ? 'Redis recovered' : 'Redis connected');
    everUp = true;
  });
  // An 'error' listener is also what keeps ioredis from printing every failed attempt to stderr.
  client.on('error', (error: Error) => down(redisErrorText(error, config.password)));
  client.on('close', () => down('connection closed'));

  await new Promise<void>((resolve) => {
    const settle = () => {
      clearTimeout(timer);
      client.off('ready', settle);
      client.off('error', settle);
      resolve();
    };
    const timer = setTimeout(settle, REDIS_CONNECT_TIMEOUT_MS);
    client.once('ready', settle);
    client.once('error', settle);
  });
  if (state === 'starting') down(`no answer within ${REDIS_CONNECT_TIMEOUT_MS} ms`);

  return {
    client,
    address,
    get up() {
      return state === 'up';
    },
    async close() {
      closing = true;
      if (client.status === 'end') return;
      const ended = new Promise((resolve) => client.once('end', resolve));
      if (client.status === 'ready') await withinTimeout(client.quit().catch(() => undefined), config.timeoutMs);
      client.disconnect();
      await withinTimeout(ended, config.timeoutMs);
    },
  };
}

/** Resolves when `promise` settles or after `ms`, whichever is first (closing never hangs on a dead Redis). */
async function withinTimeout(promise: Promise<unknown>, ms: number): Promise<void> {
  let timer: NodeJS.Timeout | undefined;
  await Promise.race([promise, new Promise((resolve) => (timer = setTimeout(resolve, ms)))]);
  clearTimeout(timer);
}

/**
 * What a Redis error says, safe to log: its code or message, never its other properties (a reply
 * error carries the command's arguments), with the password scrubbed in case a server quotes it.
 */
export function redisErrorText(error: unknown, password: string | undefined): string {
  const { code, message } = (error ?? {}) as { code?: unknown; message?: unknown };
  const text = typeof message === 'string' && message !== '' ? message : typeof code === 'string' ? code : 'unknown error';
  const scrubbed = password && password.length > 0 ? text.split(password).join('[Redacted]') : text;
  return scrubbed.slice(0, 200);
}
