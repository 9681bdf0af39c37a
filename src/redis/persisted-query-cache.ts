/**
 * Automatic persisted queries in Redis: Apollo Server's `persistedQueries.cache`, a KeyValueCache
 * over the gateway's one ioredis client (client.ts), so a query registered on one replica is
 * served by its hash on every other. Apollo prefixes the keys (`apq:`), the client adds
 * REDIS_KEY_PREFIX.
 *
 * A cache, never a dependency: on a Redis failure `get` answers "not found" (the client then gets
 * PERSISTED_QUERY_NOT_FOUND and sends the full query, which is served) and `set` does nothing;
 * each failure is counted (`gateway_redis_failures_total{use="persisted_queries"}`), none is an
 * error reply.
 */
import type { KeyValueCache, KeyValueCacheSetOptions } from '@apollo/utils.keyvaluecache';
import type { Redis } from 'ioredis';
import type { GatewayMetrics } from '../observability/metrics';

/**
 * How long a registered query is kept, in seconds. Apollo sets none by default; in a Redis kept
 * with `noeviction` (for the idempotency records) entries without a TTL would only ever grow,
 * and any caller can register queries. A client whose query expired registers it again, at the
 * cost of one round trip.
 */
export const PERSISTED_QUERY_TTL_SECONDS = 24 * 60 * 60;

export class RedisPersistedQueryCache implements KeyValueCache<string> {
  readonly #redis: Redis;
  readonly #metrics: GatewayMetrics;

  constructor(redis: Redis, metrics: GatewayMetrics) {
    this.#redis = redis;
    this.#metrics = metrics;
  }

  async get(key: string): Promise<string | undefined> {
    try {
      return (await this.#redis.get(key)) ?? undefined;
    } catch {
      this.#metrics.recordRedisFailure('persisted_queries');
      return undefined;
    }
  }

  async set(key: string, value: string, options?: KeyValueCacheSetOptions): Promise<void> {
    const ttl = options?.ttl ?? PERSISTED_QUERY_TTL_SECONDS;
    try {
      await this.#redis.set(key, value, 'EX', Math.max(1, Math.ceil(ttl)));
    } catch {
      this.#metrics.recordRedisFailure('persisted_queries');
    }
  }

  async delete(key: string): Promise<boolean> {
    try {
      return (await this.#redis.del(key)) > 0;
    } catch {
      this.#metrics.recordRedisFailure('persisted_queries');
      return false;
    }
  }
}
