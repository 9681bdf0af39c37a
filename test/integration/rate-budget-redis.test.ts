/**
 * The rate budget shared through a real Redis (test/support/redis-server.ts), as replicas share
 * it: two gateways in this process, each with its own ioredis client (configured as the gateway's
 * is: no offline queue, no retries per request, a short command timeout), over one Redis server,
 * with Zoho in nock counting the calls that reach it. Then Redis is killed mid-run (the budget
 * falls back to per process, says so once, and a gauge shows it) and started again on the same
 * port (the shared budget resumes by itself).
 */
import { randomBytes } from 'node:crypto';
import { Redis, type RedisOptions } from 'ioredis';
import nock from 'nock';
import { createGateway, type Gateway } from '../../src/server';
import { startRedisServer, stopAllRedisServers, type RedisServer } from '../support/redis-server';
import {
  ACCOUNT_ID,
  AUTHORIZATION,
  NOW,
  TEST_FETCHER,
  TOKEN,
  ZOHO_ORIGIN,
  captureLogger,
  seed,
  testConfig,
  type OperationResult,
} from '../helpers';

const PM_ID = '1987000000724211';
const PAYMENT_METHOD = `query ($id: ID!) { paymentMethod(id: $id) { id } }`;
const FALLBACK_WARNING = 'Redis does not answer the rate budget';
const RECOVERED = 'Redis answers the rate budget again';

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

interface Replica {
  gateway: Gateway;
  client: Redis;
  logs: ReturnType<typeof captureLogger>;
  read: () => Promise<OperationResult>;
  metrics: () => Promise<string>;
}

let redis: RedisServer;
const replicas: Replica[] = [];
/** A test's own client for admin commands (CLIENT PAUSE), disconnected after it whatever happened. */
let admin: Redis | undefined;

beforeAll(async () => {
  redis = await startRedisServer();
});

// A test that stops Redis and fails before it starts it again must not fail the next ones.
beforeEach(async () => {
  if (!redis.running) await redis.start();
});

afterEach(async () => {
  admin?.disconnect();
  admin = undefined;
  await Promise.all(replicas.splice(0).map(async ({ gateway, client }) => {
    await gateway.stop();
    client.disconnect();
  }));
});

afterAll(async () => {
  await stopAllRedisServers();
});

async function until(what: string, condition: () => boolean, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await sleep(20);
  }
}

/** One replica: a gateway with its own Redis client, sharing the budget under `keyPrefix`. */
async function replica(keyPrefix: string, perMinute: number, clientOptions: RedisOptions = {}): Promise<Replica> {
  const client = new Redis(redis.url, {
    enableOfflineQueue: false,
    maxRetriesPerRequest: 0,
    commandTimeout: 250,
    lazyConnect: false,
    ...clientOptions,
  });
  // Connection errors while Redis is down are expected here; the budget's own log says what matters.
  client.on('error', () => undefined);
  await until('the Redis client to connect', () => client.status === 'ready');
  const logs = captureLogger();
  const config = testConfig(
    { ZOHO_RATE_LIMIT_PER_MINUTE: String(perMinute), ZOHO_UNVERIFIED_RATE_LIMIT_PER_MINUTE: '100' },
    { retries: 0, breakerThreshold: 0 },
  );
  const gateway = await createGateway(config, {
    logger: logs.logger,
    now: () => NOW,
    fetcher: TEST_FETCHER,
    rateBudgetRedis: { client, keyPrefix },
  });
  const made: Replica = {
    gateway,
    client,
    logs,
    async read() {
      const { response } = await gateway.execute(
        { query: PAYMENT_METHOD, variables: { id: PM_ID } },
        { authorization: AUTHORIZATION, 'x-zoho-account-id': ACCOUNT_ID },
      );
      if (response.body.kind !== 'single') throw new Error('expected a single result');
      return response.body.singleResult as OperationResult;
    },
    metrics: async () => (await gateway.metrics.exposition()).body,
  };
  replicas.push(made);
  return made;
}

/** Zoho (nock) answers every read of PM_ID by the test caller (method, path, exact query, headers) and counts them. */
function countingZoho(): { calls: () => number } {
  let calls = 0;
  nock(ZOHO_ORIGIN, { reqheaders: { authorization: AUTHORIZATION, accept: 'application/json' } })
    .get(`/api/v1/paymentmethods/${PM_ID}`)
    .query({ account_id: ACCOUNT_ID })
    .reply(() => {
      calls++;
      return [200, seed('retrieve-payment-method.response')];
    })
    .persist();
  return { calls: () => calls };
}

/** How the results came out: served, or refused by the rate budget (anything else fails the test). */
function tally(results: OperationResult[]): { served: number; refused: number } {
  let served = 0;
  let refused = 0;
  for (const { data, errors } of results) {
    if (!errors && data?.['paymentMethod']?.id === PM_ID) served++;
    else if (errors?.length === 1 && errors[0]?.extensions?.['code'] === 'RATE_LIMITED') refused++;
    else throw new Error(`unexpected result: ${JSON.stringify({ data, errors })}`);
  }
  return { served, refused };
}

const linesWith = (replica: Replica, text: string) => replica.logs.lines().filter((line) => line.includes(text));
const newPrefix = () => `test-${randomBytes(4).toString('hex')}:`;

test('two replicas sharing one Redis together never exceed the account budget; its keys hold no token', async () => {
  const keyPrefix = newPrefix();
  const [a, b] = [await replica(keyPrefix, 5), await replica(keyPrefix, 5)];
  const zoho = countingZoho();
  // Each replica learns the token is accepted from its own first call (the unverified budget).
  tally([await a.read(), await b.read()]);
  const results = await Promise.all(Array.from({ length: 20 }, (_, i) => (i % 2 === 0 ? a : b).read()));
  expect(tally(results)).toEqual({ served: 5, refused: 15 });
  expect(zoho.calls()).toBe(2 + 5);

  const keys = (await a.client.keys(`${keyPrefix}*`)).sort();
  expect(keys).toEqual([`${keyPrefix}rate-budget:account:${ACCOUNT_ID}`, `${keyPrefix}rate-budget:unverified`]);
  expect((await a.client.keys('*')).filter((key) => key.includes(TOKEN))).toEqual([]);
  for (const r of [a, b]) {
    expect(await r.metrics()).toContain('zoho_rate_budget_fallback 0');
    expect(linesWith(r, FALLBACK_WARNING)).toEqual([]);
  }
  nock.cleanAll();
});

test('Redis down: calls are served from a per-process budget (said once, and a gauge), at once; Redis back: the shared budget resumes', async () => {
  const keyPrefix = newPrefix();
  const [a, b] = [await replica(keyPrefix, 3), await replica(keyPrefix, 3)];
  const zoho = countingZoho();
  tally([await a.read(), await b.read()]);

  await redis.stop();
  await until('both clients to see Redis gone', () => a.client.status !== 'ready' && b.client.status !== 'ready');
  for (const r of [a, b]) {
    const started = performance.now();
    const results = [];
    for (let i = 0; i < 8; i++) results.push(await r.read());
    // No call waits on the dead Redis: eight operations in less than eight of the budget's
    // timeouts (250 ms) together, so on average each one below it.
    expect(performance.now() - started).toBeLessThan(8 * 250);
    // Each replica keeps its own budget of 3: together they serve 6, as the docs say they may.
    expect(tally(results)).toEqual({ served: 3, refused: 5 });
    expect(linesWith(r, FALLBACK_WARNING)).toHaveLength(1);
    expect(JSON.parse(linesWith(r, FALLBACK_WARNING)[0]!)).toMatchObject({ level: 40 });
    expect(r.gateway.rateBudget.fallback).toBe(true);
    expect(await r.metrics()).toContain('zoho_rate_budget_fallback 1');
  }
  expect(zoho.calls()).toBe(2 + 6);

  await redis.start();
  await until('both clients to reconnect', () => a.client.status === 'ready' && b.client.status === 'ready');
  // The restarted Redis kept nothing: the shared window starts again, and holds across both replicas.
  const results = [];
  for (let i = 0; i < 6; i++) results.push(await (i % 2 === 0 ? a : b).read());
  expect(tally(results)).toEqual({ served: 3, refused: 3 });
  expect(zoho.calls()).toBe(2 + 6 + 3);
  for (const r of [a, b]) {
    expect(r.gateway.rateBudget.fallback).toBe(false);
    expect(linesWith(r, RECOVERED)).toHaveLength(1);
    expect(linesWith(r, FALLBACK_WARNING)).toHaveLength(1);
    expect(await r.metrics()).toContain('zoho_rate_budget_fallback 0');
    expect(r.logs.text()).not.toContain(TOKEN);
  }
  nock.cleanAll();
}, 30_000);

test('Redis slow (paused): a draw waits at most its timeout, then the per-process budget answers; the shared budget resumes after', async () => {
  const keyPrefix = newPrefix();
  // A client without a command timeout of its own: the budget's bounds the wait by itself.
  const a = await replica(keyPrefix, 3, { commandTimeout: undefined });
  const zoho = countingZoho();
  tally([await a.read()]);
  // Redis holds every client's commands for 4 s (longer than the bound below): connected, but answering nothing.
  const pausing = new Redis(redis.url, { enableOfflineQueue: false, maxRetriesPerRequest: 0 });
  admin = pausing;
  pausing.on('error', () => undefined);
  await until('the admin client to connect', () => pausing.status === 'ready');
  await pausing.call('CLIENT', 'PAUSE', '4000', 'ALL');
  const started = performance.now();
  const slow = await a.read();
  const waitedMs = performance.now() - started;
  tally([slow]);
  // The budget's own timeout (250 ms), not Redis's pause (4 s), bounds the wait.
  expect(waitedMs).toBeGreaterThanOrEqual(200);
  expect(waitedMs).toBeLessThan(2000);
  expect(a.gateway.rateBudget.fallback).toBe(true);
  expect(linesWith(a, FALLBACK_WARNING)).toHaveLength(1);

  // The pause holds this PING too (PAUSE ALL holds every client's commands): it answers when the pause ends.
  await expect(pausing.ping()).resolves.toBe('PONG');
  await a.read();
  expect(a.gateway.rateBudget.fallback).toBe(false);
  expect(linesWith(a, RECOVERED)).toHaveLength(1);
  expect(zoho.calls()).toBe(3);
  nock.cleanAll();
}, 30_000);
