/**
 * The composition root with REDIS_URL (src/server.ts), in-process, against a real redis-server:
 * the gateway's one client is `gateway.redis` (what the idempotency store and the persisted-query
 * cache use, and what other shared state must use), it is closed by `stop()`, and a gateway whose
 * Redis is down at start starts anyway, answering keyed mutations SERVICE_UNAVAILABLE without
 * calling Zoho.
 */
import nock from 'nock';
import { freePort } from '../support/ports';
import { startRedisServer, stopAllRedisServers, type RedisServer } from '../support/redis-server';
import { CALLER_HEADERS, NOW, TEST_FETCHER, captureLogger, testConfig, withoutUpstreamCalls } from '../helpers';
import { createGateway, type Gateway } from '../../src/server';

const CREATE = `mutation Create($input: CreatePaymentMethodSessionInput!) {
  createPaymentMethodSession(input: $input) { paymentMethodSession { id } userErrors { code } }
}`;

let redis: RedisServer;

beforeAll(async () => {
  nock.enableNetConnect(/^127\.0\.0\.1:\d+$/);
  redis = await startRedisServer();
});

afterAll(async () => {
  await stopAllRedisServers();
  nock.disableNetConnect();
});

async function gatewayOn(redisUrl: string, logs = captureLogger()): Promise<Gateway> {
  return createGateway(testConfig({ REDIS_URL: redisUrl, REDIS_KEY_PREFIX: 'root-test:', REDIS_TIMEOUT_MS: '100' }), {
    logger: logs.logger,
    now: () => NOW,
    fetcher: TEST_FETCHER,
  });
}

test('gateway.redis is the one connected client, with REDIS_KEY_PREFIX; stop() closes it', async () => {
  const gateway = await gatewayOn(redis.url);
  const client = gateway.redis;
  expect(client?.status).toBe('ready');
  expect(client?.options.keyPrefix).toBe('root-test:');
  await client?.set('probe', '1');
  await expect(client?.get('probe')).resolves.toBe('1');
  await gateway.stop();
  expect(client?.status).toBe('end');
});

test('without REDIS_URL there is no client (state stays in memory)', async () => {
  const gateway = await createGateway(testConfig(), { logger: captureLogger().logger, fetcher: TEST_FETCHER });
  expect(gateway.redis).toBeUndefined();
  await gateway.stop();
});

test('Redis down at start: the gateway starts at once, says so once, and a keyed mutation is SERVICE_UNAVAILABLE with no Zoho call', async () => {
  const logs = captureLogger();
  const started = Date.now();
  const gateway = await gatewayOn(`redis://127.0.0.1:${await freePort()}`, logs);
  expect(Date.now() - started).toBeLessThan(2_000);
  const { response } = await withoutUpstreamCalls(() =>
    gateway.execute({ query: CREATE, variables: { input: { customerId: '1987000000724207', idempotencyKey: 'k-1' } } }, CALLER_HEADERS),
  );
  const result = response.body.kind === 'single' ? response.body.singleResult : undefined;
  expect(result?.errors?.map((error) => error.extensions?.['code'])).toEqual(['SERVICE_UNAVAILABLE']);
  await gateway.stop();
  const unreachable = logs.lines().filter((line) => line.includes('Redis unreachable'));
  expect(unreachable).toHaveLength(1);
  expect(unreachable[0]).toContain('at start');
  // The refusal is an outage already said once: a warning per refused mutation, not an error with a stack.
  const refusals = logs.lines().filter((line) => line.includes('idempotency store'));
  expect(refusals).toHaveLength(1);
  expect(JSON.parse(refusals[0]!)).toMatchObject({ level: 40, idempotencyStore: 'unavailable' });
  expect(refusals[0]).not.toContain('"stack"');
  expect(gateway.redis?.status).toBe('end');
});
