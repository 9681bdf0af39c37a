/**
 * The Redis idempotency store (src/idempotency/redis-store.ts) over the gateway's own client
 * (src/redis/client.ts) and a real redis-server on a free port: the store contract every store
 * meets (test/support/idempotency-store-contract.ts), then what only a shared store has to show:
 * replicas racing on one key, what a key holds, and Redis slow, gone and back.
 */
import nock from 'nock';
import { Redis } from 'ioredis';
import type { RedisConfig } from '../../src/config';
import { RedisIdempotencyStore } from '../../src/idempotency/redis-store';
import { IdempotencyStoreUnavailableError } from '../../src/idempotency/store';
import { GatewayMetrics } from '../../src/observability/metrics';
import { connectRedis, type RedisConnection } from '../../src/redis/client';
import { captureLogger } from '../helpers';
import { CONTRACT_TTL_MS, describeIdempotencyStoreContract } from '../support/idempotency-store-contract';
import { startRedisServer, stopAllRedisServers, type RedisServer } from '../support/redis-server';

jest.setTimeout(20_000);

const TIMEOUT_MS = 100;
const PREFIX = 'store-test:';

let redis: RedisServer;
let raw: Redis;
const connections: RedisConnection[] = [];
const metrics = new GatewayMetrics({ processMetrics: false });
const logs = captureLogger();

function configFor(server: RedisServer): RedisConfig {
  return { host: '127.0.0.1', port: server.port, username: undefined, password: undefined, db: 0, tls: false, keyPrefix: PREFIX, timeoutMs: TIMEOUT_MS };
}

async function connection(): Promise<RedisConnection> {
  const made = await connectRedis(configFor(redis), { logger: logs.logger, metrics });
  connections.push(made);
  return made;
}

let shared: RedisIdempotencyStore;

beforeAll(async () => {
  nock.enableNetConnect(/^127\.0\.0\.1:\d+$/);
  redis = await startRedisServer();
  raw = new Redis({ host: '127.0.0.1', port: redis.port, lazyConnect: true, maxRetriesPerRequest: 1 });
  await raw.connect();
  shared = new RedisIdempotencyStore((await connection()).client, { ttlMs: CONTRACT_TTL_MS, metrics });
});

afterAll(async () => {
  raw.disconnect();
  await Promise.all(connections.map((each) => each.close()));
  await stopAllRedisServers();
  nock.disableNetConnect();
});

describeIdempotencyStoreContract('RedisIdempotencyStore', () => shared);

describe('RedisIdempotencyStore, shared by replicas', () => {
  it('of many replicas (clients) claiming one key at once, exactly one gets it; every other sees it in flight', async () => {
    const replicas = await Promise.all([connection(), connection(), connection()]);
    const stores = replicas.map((each) => new RedisIdempotencyStore(each.client));
    const key = `race-${Date.now()}`;
    const results = await Promise.all(Array.from({ length: 30 }, (_, i) => stores[i % 3]!.claim(key, 'h', 5_000)));
    expect(results.filter((result) => result.state === 'claimed')).toHaveLength(1);
    expect(results.filter((result) => result.state === 'in-flight')).toHaveLength(29);
  });

  it('a key holds only the input hash and the outcome (kind and id), under REDIS_KEY_PREFIX, expiring with the record TTL', async () => {
    const store = new RedisIdempotencyStore((await connection()).client, { ttlMs: 60_000 });
    const key = `shape-${Date.now()}`;
    const claim = await store.claim(key, 'inputhash', 5_000);
    if (claim.state !== 'claimed') throw new Error('expected a claim');
    expect(await raw.get(`${PREFIX}idempotency:${key}`)).toBe(`c:${claim.claimId}:inputhash`);
    // The claim's lease (5 s) is its expiry: set (not -1, no expiry), and not lapsed much yet.
    const leaseTtl = await raw.pttl(`${PREFIX}idempotency:${key}`);
    expect(leaseTtl).toBeGreaterThan(4_000);
    expect(leaseTtl).toBeLessThanOrEqual(5_000);
    await store.complete(key, claim.claimId, { kind: 'created', resourceId: '1987000000724207' });
    expect(await raw.get(`${PREFIX}idempotency:${key}`)).toBe('r:inputhash:{"kind":"created","resourceId":"1987000000724207"}');
    const ttl = await raw.pttl(`${PREFIX}idempotency:${key}`);
    expect(ttl).toBeGreaterThan(55_000);
    expect(ttl).toBeLessThanOrEqual(60_000);
    expect(await raw.exists(`idempotency:${key}`)).toBe(0);
  });

  it('a value it cannot read (another program wrote the key) is "unavailable", never taken for a claim or a record', async () => {
    const key = `foreign-${Date.now()}`;
    await raw.set(`${PREFIX}idempotency:${key}`, 'something else');
    await expect(shared.claim(key, 'h', 1_000)).rejects.toBeInstanceOf(IdempotencyStoreUnavailableError);
  });

  it('Redis too slow: a claim fails with IdempotencyStoreUnavailableError after REDIS_TIMEOUT_MS, not later', async () => {
    const store = new RedisIdempotencyStore((await connection()).client, { metrics });
    // Paused for longer than the bound below, so that a claim waiting out the pause fails it.
    await raw.call('CLIENT', 'PAUSE', '3000', 'ALL');
    const started = Date.now();
    await expect(store.claim(`slow-${Date.now()}`, 'h', 1_000)).rejects.toBeInstanceOf(IdempotencyStoreUnavailableError);
    expect(Date.now() - started).toBeLessThan(TIMEOUT_MS + 1_000);
    // Held by the pause itself (PAUSE ALL holds every client's commands): this returns at its end.
    await raw.call('CLIENT', 'UNPAUSE');
  });

  it('Redis gone: every call fails fast (settled returns), the failures are counted; Redis back: the client reconnects by itself', async () => {
    const store = new RedisIdempotencyStore((await connection()).client, { metrics });
    const key = `down-${Date.now()}`;
    const claim = await store.claim(key, 'h', 10_000);
    if (claim.state !== 'claimed') throw new Error('expected a claim');
    const failuresBefore = await failures();
    await redis.stop();
    let started = Date.now();
    await expect(store.claim(`${key}-other`, 'h', 1_000)).rejects.toBeInstanceOf(IdempotencyStoreUnavailableError);
    await expect(store.complete(key, claim.claimId, { kind: 'created', resourceId: '1' })).rejects.toBeInstanceOf(IdempotencyStoreUnavailableError);
    await store.settled(key, 10_000);
    expect(Date.now() - started).toBeLessThan(TIMEOUT_MS + 1_000);
    expect(await failures()).toBe(failuresBefore + 3);

    await redis.start();
    await raw.connect().catch(() => undefined);
    started = Date.now();
    let state: string | undefined;
    while (Date.now() - started < 5_000) {
      state = await store.claim(`${key}-after`, 'h', 1_000).then(
        (result) => result.state,
        () => undefined,
      );
      if (state) break;
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
    expect(state).toBe('claimed');
    // One line per transition: the connection lost, then recovered (every client here).
    const lines = logs.lines().map((line) => JSON.parse(line) as { msg: string; redis?: { port: number } });
    expect(lines.some((line) => line.msg.startsWith('Redis unreachable') && line.redis?.port === redis.port)).toBe(true);
    expect(lines.some((line) => line.msg === 'Redis recovered')).toBe(true);
  });
});

async function failures(): Promise<number> {
  const metric = await metrics.registry.getSingleMetric('gateway_redis_failures_total')?.get();
  return metric?.values.find((value) => value.labels['use'] === 'idempotency')?.value ?? 0;
}
