/**
 * The persisted-query cache over the gateway's Redis client (src/redis/persisted-query-cache.ts)
 * and a real redis-server: entries always expire (24 h unless Apollo says less); a query the
 * replica has seen is served from its memory, with no round trip; and a Redis failure is a miss
 * (for a query the replica has not seen) or a no-op, counted, never a thrown error. How Apollo
 * and clients then fall back is test/integration/scale-out.test.ts.
 */
import nock from 'nock';
import { Redis } from 'ioredis';
import { GatewayMetrics } from '../../src/observability/metrics';
import { connectRedis, type RedisConnection } from '../../src/redis/client';
import { PERSISTED_QUERY_TTL_SECONDS, RedisPersistedQueryCache } from '../../src/redis/persisted-query-cache';
import { captureLogger } from '../helpers';
import { startRedisServer, stopAllRedisServers, type RedisServer } from '../support/redis-server';

let redis: RedisServer;
let connection: RedisConnection;
let raw: Redis;
const metrics = new GatewayMetrics({ processMetrics: false });

beforeAll(async () => {
  nock.enableNetConnect(/^127\.0\.0\.1:\d+$/);
  redis = await startRedisServer();
  connection = await connectRedis(
    { host: '127.0.0.1', port: redis.port, username: undefined, password: undefined, db: 0, tls: false, keyPrefix: 'apq-test:', timeoutMs: 100 },
    { logger: captureLogger().logger, metrics },
  );
  raw = new Redis({ host: '127.0.0.1', port: redis.port, lazyConnect: true, disconnectTimeout: 100 });
  await raw.connect();
});

afterAll(async () => {
  raw.disconnect();
  await connection.close();
  await stopAllRedisServers();
  nock.disableNetConnect();
});

test('get reads what set wrote, under REDIS_KEY_PREFIX; every entry expires (24 h by default, or the TTL Apollo gives)', async () => {
  const cache = new RedisPersistedQueryCache(connection.client, metrics);
  await expect(cache.get('apq:absent')).resolves.toBeUndefined();
  await cache.set('apq:a', '{ __typename }');
  await cache.set('apq:b', '{ b: __typename }', { ttl: 60 });
  await cache.set('apq:c', '{ c: __typename }', { ttl: null });
  await expect(cache.get('apq:a')).resolves.toBe('{ __typename }');
  expect(await raw.ttl('apq-test:apq:a')).toBeGreaterThan(PERSISTED_QUERY_TTL_SECONDS - 5);
  const ttlB = await raw.ttl('apq-test:apq:b');
  expect(ttlB).toBeGreaterThan(50); // set: -1 (no expiry) is not Apollo's TTL
  expect(ttlB).toBeLessThanOrEqual(60);
  expect(await raw.ttl('apq-test:apq:c')).toBeGreaterThan(PERSISTED_QUERY_TTL_SECONDS - 5);
  await expect(cache.delete('apq:a')).resolves.toBe(true);
  await expect(cache.get('apq:a')).resolves.toBeUndefined();
});

test("a query another replica registered is read from Redis once, then from this replica's memory", async () => {
  const cache = new RedisPersistedQueryCache(connection.client, metrics);
  await raw.set('apq-test:apq:elsewhere', '{ elsewhere: __typename }', 'EX', 60);
  await expect(cache.get('apq:elsewhere')).resolves.toBe('{ elsewhere: __typename }');
  // Gone from Redis (expired, say): this replica still knows it, and a hash's text never changes.
  await raw.del('apq-test:apq:elsewhere');
  await expect(cache.get('apq:elsewhere')).resolves.toBe('{ elsewhere: __typename }');
  // Its own registrations too: written through to Redis, and known here.
  await cache.set('apq:own', '{ own: __typename }');
  await raw.del('apq-test:apq:own');
  await expect(cache.get('apq:own')).resolves.toBe('{ own: __typename }');
});

test("Redis gone: what the replica knows is served, anything else is a miss; set keeps it in memory, delete forgets it; at once, never throwing; each Redis failure counted", async () => {
  const cache = new RedisPersistedQueryCache(connection.client, metrics);
  await cache.set('apq:kept', '{ __typename }');
  await raw.set('apq-test:apq:other-replica', '{ other: __typename }', 'EX', 60);
  const failures = async () =>
    (await metrics.registry.getSingleMetric('gateway_redis_failures_total')?.get())?.values.find((v) => v.labels['use'] === 'persisted_queries')?.value ?? 0;
  const before = await failures();
  await redis.stop();
  const started = Date.now();
  await expect(cache.get('apq:kept')).resolves.toBe('{ __typename }');
  await expect(cache.get('apq:other-replica')).resolves.toBeUndefined();
  await expect(cache.set('apq:new', '{ new: __typename }')).resolves.toBeUndefined();
  await expect(cache.get('apq:new')).resolves.toBe('{ new: __typename }');
  await expect(cache.delete('apq:kept')).resolves.toBe(false);
  await expect(cache.get('apq:kept')).resolves.toBeUndefined();
  expect(Date.now() - started).toBeLessThan(1_000);
  // The miss on the other replica's query, the set, the delete, and the miss after it.
  expect((await failures()) - before).toBe(4);
});
