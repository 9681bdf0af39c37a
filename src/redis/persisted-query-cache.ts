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
 * What Redis holds is bounded, because anyone can register queries, with or without credentials,
 * and Redis is kept with `noeviction` for the idempotency records: filled with queries, it would
 * refuse every keyed mutation. So a query is shared through Redis only if its text is at most
 * SHARED_QUERY_MAX_BYTES, and only while fewer than SHARED_QUERIES_MAX live there (one script
 * keeps an index scored by expiry, drops the expired, and refuses past the bound); otherwise it
 * stays in the replica's memory, and another replica's client registers it again once. At most
 * about 2,000 x 16 kB = 32 MB.
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

/** Queries shared through Redis at most at once, and the longest text shared (a client's operations are far smaller). */
export const SHARED_QUERIES_MAX = 2_000;
export const SHARED_QUERY_MAX_BYTES = 16 * 1024;

/** The index of shared queries, scored by when each expires (under REDIS_KEY_PREFIX, as every key). */
const SHARED_INDEX_KEY = 'apq-index';

/**
 * KEYS[1] the query's key, KEYS[2] the index; ARGV[1] the text, ARGV[2] its TTL in seconds,
 * ARGV[3] the bound. Redis's own clock, so that every replica agrees. 1: shared; 0: the bound is reached.
 */
const SHARE = `
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
redis.call('ZREMRANGEBYSCORE', KEYS[2], '-inf', now)
if not redis.call('ZSCORE', KEYS[2], KEYS[1]) and redis.call('ZCARD', KEYS[2]) >= tonumber(ARGV[3]) then return 0 end
local ttl = tonumber(ARGV[2])
redis.call('SET', KEYS[1], ARGV[1], 'EX', ttl)
redis.call('ZADD', KEYS[2], now + ttl * 1000, KEYS[1])
if redis.call('TTL', KEYS[2]) < ttl then redis.call('EXPIRE', KEYS[2], ttl) end
return 1
`;

type ScriptedRedis = Redis & {
  persistedQueryShare(key: string, index: string, value: string, ttlSeconds: number, max: number): Promise<number>;
};

export class RedisPersistedQueryCache implements KeyValueCache<string> {
  readonly #redis: ScriptedRedis;
  readonly #metrics: GatewayMetrics;
  readonly #local = new InMemoryLRUCache<string>({ maxSize: LOCAL_PERSISTED_QUERIES_MAX_BYTES, sizeCalculation: InMemoryLRUCache.sizeCalculation });

  constructor(redis: Redis, metrics: GatewayMetrics) {
    if (!('persistedQueryShare' in redis)) redis.defineCommand('persistedQueryShare', { numberOfKeys: 2, lua: SHARE });
    this.#redis = redis as ScriptedRedis;
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
    if (Buffer.byteLength(value) > SHARED_QUERY_MAX_BYTES) return;
    try {
      await this.#redis.persistedQueryShare(key, SHARED_INDEX_KEY, value, Math.max(1, Math.ceil(ttl)), SHARED_QUERIES_MAX);
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
