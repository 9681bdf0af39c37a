/**
 * A claim whose reply comes too late (Redis paused past REDIS_TIMEOUT_MS): the caller gets
 * SERVICE_UNAVAILABLE, and the claim Redis still ran once the pause ended is freed, so the
 * caller's retry claims the key at once instead of waiting out a lease nobody holds.
 */
import nock from 'nock';
import { Redis } from 'ioredis';
import { RedisIdempotencyStore } from '../../src/idempotency/redis-store';
import { IdempotencyStoreUnavailableError } from '../../src/idempotency/store';
import { GatewayMetrics } from '../../src/observability/metrics';
import { connectRedis, type RedisConnection } from '../../src/redis/client';
import { captureLogger } from '../helpers';
import { startRedisServer, stopAllRedisServers, type RedisServer } from '../support/redis-server';

const TIMEOUT_MS = 100;
const PREFIX = 'claim-timeout:';
const LEASE_MS = 60_000;

let redis: RedisServer;
let connection: RedisConnection;
let admin: Redis;

beforeAll(async () => {
  nock.enableNetConnect(/^127\.0\.0\.1:\d+$/);
  redis = await startRedisServer();
  connection = await connectRedis(
    { host: '127.0.0.1', port: redis.port, username: undefined, password: undefined, db: 0, tls: false, keyPrefix: PREFIX, timeoutMs: TIMEOUT_MS },
    { logger: captureLogger().logger, metrics: new GatewayMetrics({ processMetrics: false }) },
  );
  admin = new Redis({ host: '127.0.0.1', port: redis.port, lazyConnect: true });
  await admin.connect();
});

afterAll(async () => {
  admin?.disconnect();
  await connection?.close();
  await stopAllRedisServers();
  nock.disableNetConnect();
});

test('a claim that timed out is freed once Redis answers again: the retry claims the key, not waits a lease for nobody', async () => {
  const store = new RedisIdempotencyStore(connection.client);
  await admin.call('CLIENT', 'PAUSE', '500', 'ALL');
  await expect(store.claim('key-a', 'hash-a', LEASE_MS)).rejects.toBeInstanceOf(IdempotencyStoreUnavailableError);
  // Redis holds every client's commands until the pause ends (the ping too), then runs the late
  // claim and the release sent after it.
  await admin.ping();
  // Which client's commands Redis runs first after the pause is its own choice: look for up to 2 s.
  const key = `${PREFIX}idempotency:key-a`;
  for (let tries = 0; tries < 40 && (await admin.get(key)) !== null; tries++) await new Promise((resolve) => setTimeout(resolve, 50));
  expect(await admin.get(key)).toBeNull();
  await expect(store.claim('key-a', 'hash-a', LEASE_MS)).resolves.toMatchObject({ state: 'claimed' });
});
