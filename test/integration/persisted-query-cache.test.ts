/**
 * The persisted-query cache over the gateway's Redis client (src/redis/persisted-query-cache.ts)
 * and a real redis-server: entries always expire (24 h unless Apollo says less), and a Redis
 * failure is a miss or a no-op, counted, never a thrown error. How Apollo and clients then fall
 * back is test/integration/scale-out.test.ts.
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
  expect(await raw.ttl('apq-test:apq:b')).toBeLessThanOrEqual(60);
  expect(await raw.ttl('apq-test:apq:c')).toBeGreaterThan(PERSISTED_QUERY_TTL_SECONDS - 5);
  await expect(cache.delete('apq:a')).resolves.toBe(true);
  await expect(cache.get('apq:a')).resolves.toBeUndefined();
});

test('Redis gone: get is a miss, set and delete do nothing, at once and without throwing; each failure is counted', async () => {
  const cache = new RedisPersistedQueryCache(connection.client, metrics);
  await cache.set('apq:kept', '{ __typename }');
  await redis.stop();
  const started = Date.now();
  await expect(cache.get('apq:kept')).resolves.toBeUndefined();
  await expect(cache.set('apq:new', '{ __typename }')).resolves.toBeUndefined();
  await expect(cache.delete('apq:kept')).resolves.toBe(false);
  expect(Date.now() - started).toBeLessThan(500);
  const counted = (await metrics.registry.getSingleMetric('gateway_redis_failures_total')?.get())?.values;
  expect(counted).toEqual([{ labels: { use: 'persisted_queries' }, value: 3 }]);
});
