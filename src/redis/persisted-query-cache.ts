/**
 * Automatic persisted queries in Redis: Apollo Server's `persistedQueries.cache`, a KeyValueCache
 * over the gateway's one ioredis client (client.ts), so a query registered on one replica is
 * served by its hash on every other. Apollo prefixes the keys (`apq:`), the client adds
 * REDIS_KEY_PREFIX.
 *
 * In front of Redis, each replica keeps the queries it has seen in a bounded in-memory LRU: a
 * hash names its query text forever (Apollo checks the hash when a query is registered), so a
 * local copy is never stale, and a replica serves the queries it knows with no Redis round trip,
 * Redis down included.
 *
 * A cache, never a dependency: on a Redis failure `get` answers what the replica knows, else "not
 * found" (the client then gets PERSISTED_QUERY_NOT_FOUND and sends the full query, which is
 * served), and `set` keeps it in memory only; each failure is counted
 * (`gateway_redis_failures_total{use="persisted_queries"}`), none is an error reply.
 */
import { InMemoryLRUCache, type KeyValueCache, type KeyValueCacheSetOptions } from '@apollo/utils.keyvaluecache';
import type { Redis } from 'ioredis';
import type { GatewayMetrics } from '../observability/metrics';

/**
 * How long a registered query is kept, in seconds. Apollo sets none by default; in a Redis kept
 * with `noeviction` (for the idempotency records) entries without a TTL would only ever grow,
 * and any caller can register queries. A client whose query expired registers it again, at the
 * cost of one round trip.
 */
export const PERSISTED_QUERY_TTL_SECONDS = 24 * 60 * 60;

/** The in-memory tier's bound, in bytes of query text (Apollo's own default for APQ is 30 MiB). */
export const LOCAL_PERSISTED_QUERIES_MAX_BYTES = 8 * 1024 * 1024;

export class RedisPersistedQueryCache implements KeyValueCache<string> {
  readonly #redis: Redis;
  readonly #metrics: GatewayMetrics;
  readonly #local = new InMemoryLRUCache<string>({ maxSize: LOCAL_PERSISTED_QUERIES_MAX_BYTES, sizeCalculation: InMemoryLRUCache.sizeCalculation });

  constructor(redis: Redis, metrics: GatewayMetrics) {
    this.#redis = redis;
    this.#metrics = metrics;
  }

  async get(key: string): Promise<string | undefined> {
    const known = await this.#local.get(key);
    if (known !== undefined) return known;
    try {
      const value = (await this.#redis.get(key)) ?? undefined;
      if (value !== undefined) await this.#local.set(key, value, { ttl: PERSISTED_QUERY_TTL_SECONDS });
      return value;
    } catch {
      this.#metrics.recordRedisFailure('persisted_queries');
      return undefined;
    }
  }

  async set(key: string, value: string, options?: KeyValueCacheSetOptions): Promise<void> {
    const ttl = options?.ttl ?? PERSISTED_QUERY_TTL_SECONDS;
    await this.#local.set(key, value, { ttl });
    try {
      await this.#redis.set(key, value, 'EX', Math.max(1, Math.ceil(ttl)));
    } catch {
      this.#metrics.recordRedisFailure('persisted_queries');
    }
  }

  async delete(key: string): Promise<boolean> {
    await this.#local.delete(key);
    try {
      return (await this.#redis.del(key)) > 0;
    } catch {
      this.#metrics.recordRedisFailure('persisted_queries');
      return false;
    }
  }
}
