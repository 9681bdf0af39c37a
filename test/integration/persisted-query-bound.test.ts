/**
 * What persisted queries may take of the shared Redis (src/redis/persisted-query-cache.ts): anyone
 * can register queries, and a Redis kept with `noeviction` for the idempotency records must not
 * fill up with them. Against a real redis-server: a query longer than SHARED_QUERY_MAX_BYTES, or
 * one past SHARED_QUERIES_MAX live entries, stays in the replica's memory only (and is still
 * served there); an expired entry makes room again.
 */
import nock from 'nock';
import { Redis } from 'ioredis';
import { GatewayMetrics } from '../../src/observability/metrics';
import { connectRedis, type RedisConnection } from '../../src/redis/client';
import { RedisPersistedQueryCache, SHARED_QUERIES_MAX, SHARED_QUERY_MAX_BYTES } from '../../src/redis/persisted-query-cache';
import { captureLogger } from '../helpers';
import { startRedisServer, stopAllRedisServers, type RedisServer } from '../support/redis-server';

const PREFIX = 'apq-bound:';
let redis: RedisServer;
let connection: RedisConnection;
let raw: Redis;

beforeAll(async () => {
  nock.enableNetConnect(/^127\.0\.0\.1:\d+$/);
  redis = await startRedisServer();
  connection = await connectRedis(
    { host: '127.0.0.1', port: redis.port, username: undefined, password: undefined, db: 0, tls: false, keyPrefix: PREFIX, timeoutMs: 1000 },
    { logger: captureLogger().logger, metrics: new GatewayMetrics({ processMetrics: false }) },
  );
  raw = new Redis({ host: '127.0.0.1', port: redis.port, lazyConnect: true });
  await raw.connect();
});

beforeEach(() => raw.flushall());

afterAll(async () => {
  raw?.disconnect();
  await connection?.close();
  await stopAllRedisServers();
  nock.disableNetConnect();
});

const newCache = () => new RedisPersistedQueryCache(connection.client, new GatewayMetrics({ processMetrics: false }));

test('a query longer than the shared bound stays in this replica: served here, not written to Redis', async () => {
  const cache = newCache();
  const long = `{ ${'a: __typename '.repeat(Math.ceil(SHARED_QUERY_MAX_BYTES / 14))}}`;
  expect(Buffer.byteLength(long)).toBeGreaterThan(SHARED_QUERY_MAX_BYTES);
  await cache.set('apq:long', long);
  await cache.set('apq:short', '{ __typename }');
  await expect(cache.get('apq:long')).resolves.toBe(long);
  expect(await raw.exists(`${PREFIX}apq:long`)).toBe(0);
  expect(await raw.get(`${PREFIX}apq:short`)).toBe('{ __typename }');
  // Another replica reads the short one from Redis; the long one it does not know.
  await expect(newCache().get('apq:short')).resolves.toBe('{ __typename }');
  await expect(newCache().get('apq:long')).resolves.toBeUndefined();
});

test(`at most ${SHARED_QUERIES_MAX} queries live in Redis at once; past that, registrations stay in memory; an expired one makes room`, async () => {
  const cache = newCache();
  // All but one of the bound, registered with a TTL of 1 s, then one more that lives a day.
  await Promise.all(Array.from({ length: SHARED_QUERIES_MAX - 1 }, (_, i) => cache.set(`apq:q${i}`, `{ q${i}: __typename }`, { ttl: 1 })));
  await cache.set('apq:last', '{ last: __typename }');
  await cache.set('apq:over', '{ over: __typename }');
  expect(await raw.zcard(`${PREFIX}apq-index`)).toBe(SHARED_QUERIES_MAX);
  expect(await raw.exists(`${PREFIX}apq:last`)).toBe(1);
  expect(await raw.exists(`${PREFIX}apq:over`)).toBe(0);
  // Not shared, still served by the replica that registered it.
  await expect(cache.get('apq:over')).resolves.toBe('{ over: __typename }');
  // Registering a query already shared again is no new entry.
  await cache.set('apq:last', '{ last: __typename }');
  expect(await raw.zcard(`${PREFIX}apq-index`)).toBe(SHARED_QUERIES_MAX);
  // Once the short-lived ones expire, there is room again.
  await new Promise((resolve) => setTimeout(resolve, 1_100));
  await cache.set('apq:after', '{ after: __typename }');
  expect(await raw.exists(`${PREFIX}apq:after`)).toBe(1);
  expect(await raw.zcard(`${PREFIX}apq-index`)).toBe(2);
  // The index itself expires with its longest-lived entry.
  expect(await raw.ttl(`${PREFIX}apq-index`)).toBeGreaterThan(86_000);
});
