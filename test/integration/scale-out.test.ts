/**
 * Scale-out (issue 18): three real gateway processes (`src/main.ts`, each its own Redis client)
 * sharing one real redis-server and one sandbox process, over loopback. What the replicas share
 * through Redis (idempotency records, automatic persisted queries) and what happens when Redis
 * is killed mid-run and started again: no crash, reads and unkeyed mutations served, a keyed
 * mutation refused with SERVICE_UNAVAILABLE and Zoho not called, persisted queries falling back
 * to the full query, then recovery by itself; and three more replicas with a small per-account rate
 * budget, which together send Zoho no more than it. The sandbox's journal counts what reached "Zoho".
 */
import { createHash } from 'node:crypto';
import nock from 'nock';
import {
  LOOPBACK,
  eventually,
  metricsText,
  readyz,
  request,
  sandboxControl,
  settledLogs,
  startRealGateway,
  stopAllGateways,
  type RealGateway,
} from '../support/gateway-process';
import { startSandboxProcess, type SandboxProcess } from '../support/processes';
import { startRedisServer, stopAllRedisServers, type RedisServer } from '../support/redis-server';

jest.setTimeout(60_000);

const ACCOUNT_ID = '1000000001';
const CUSTOMER_ID = '1987000000724207';
const FULL = { authorization: 'Zoho-oauthtoken sandbox_full', 'x-zoho-account-id': ACCOUNT_ID };
const REDIS_TIMEOUT_MS = 250;

const CREATE = `mutation Create($input: CreatePaymentMethodSessionInput!) {
  createPaymentMethodSession(input: $input) { paymentMethodSession { id } userErrors { code } }
}`;
const SESSION = `query Session($id: ID!) { paymentMethodSession(id: $id) { id status customer { id } } }`;

interface Reply {
  status: number;
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  data?: Record<string, any> | null;
  errors?: Array<{ message: string; extensions?: { code?: string } }>;
}

let redis: RedisServer;
let sandbox: SandboxProcess;
let replicas: RealGateway[];

beforeAll(async () => {
  nock.enableNetConnect(LOOPBACK);
  try {
    [redis, sandbox] = await Promise.all([startRedisServer(), startSandboxProcess()]);
    const env = { REDIS_URL: redis.url, REDIS_KEY_PREFIX: 'scale-out:', REDIS_TIMEOUT_MS: String(REDIS_TIMEOUT_MS) };
    replicas = await Promise.all([1, 2, 3].map(() => startRealGateway(sandbox.apiUrl, env)));
  } catch (error) {
    await stopAllGateways();
    await stopAllRedisServers();
    throw error;
  }
}, 60_000);

afterAll(async () => {
  await stopAllGateways();
  await stopAllRedisServers();
});

async function post(gateway: RealGateway, body: Record<string, unknown>): Promise<Reply> {
  const reply = await request(gateway.url, {
    method: 'POST',
    headers: { 'content-type': 'application/json', accept: 'application/json', ...FULL },
    body: JSON.stringify(body),
  });
  return { status: reply.status, ...(JSON.parse(reply.text) as Omit<Reply, 'status'>) };
}

const control = (method: 'GET' | 'POST', path: string, body?: unknown) => sandboxControl(sandbox, method, path, body);

const creates = async () =>
  ((await control('GET', '/__sandbox/requests'))['requests'] as Array<{ endpoint: string }>).filter(
    (entry) => entry.endpoint === 'createPaymentMethodSession',
  ).length;

const create = (gateway: RealGateway, idempotencyKey?: string) =>
  post(gateway, { query: CREATE, variables: { input: { customerId: CUSTOMER_ID, description: 'scale-out', idempotencyKey } } });
const sessionIdOf = (reply: Reply): string | undefined => reply.data?.['createPaymentMethodSession']?.paymentMethodSession?.id;
const codesOf = (reply: Reply) => (reply.errors ?? []).map((error) => error.extensions?.code);

/** A persisted query (APQ): its hash, and the request bodies with and without its text. */
function persisted(query: string) {
  const extensions = { persistedQuery: { version: 1, sha256Hash: createHash('sha256').update(query).digest('hex') } };
  return { byHash: { extensions }, register: { query, extensions } };
}

beforeEach(async () => {
  // The outage test stops Redis and starts it again; if it fails in between, the next tests
  // must still have their Redis (the replicas' clients reconnect by themselves).
  await ensureRedis();
  await control('POST', '/__sandbox/reset', {});
});

async function ensureRedis(): Promise<void> {
  if (!redis.running) await redis.start();
}

describe('three replicas sharing one Redis', () => {
  it('a create with one idempotencyKey, sent to each replica (twice at once while the first is in flight), makes one Zoho call and one session', async () => {
    const key = `scale-out-${Date.now()}`;
    await control('POST', '/__sandbox/faults', { endpoint: 'createPaymentMethodSession', type: 'latency', latency_ms: 600, count: 1 });
    const first = create(replicas[0]!, key);
    // The POST is at the sandbox (the fault, used up on arrival, is gone) before the others are sent.
    expect(await eventually(async () => ((await control('GET', '/__sandbox/faults'))['faults'] as unknown[]).length === 0, 5_000, 10)).toBe(true);
    const concurrent = await Promise.all([first, create(replicas[1]!, key), create(replicas[2]!, key)]);
    const retried = [];
    for (const replica of replicas) retried.push(await create(replica, key));

    const replies = [...concurrent, ...retried];
    expect(replies.map(codesOf)).toEqual(Array(6).fill([]));
    const ids = new Set(replies.map(sessionIdOf));
    expect(ids.size).toBe(1);
    expect([...ids][0]).toMatch(/^\d{16,19}$/);
    expect(await creates()).toBe(1);
  });

  it('a query registered on replica 1 (APQ: its text and hash) is served by its hash alone on replicas 2 and 3', async () => {
    const query = `query Registered${Date.now()} { __typename }`;
    const apq = persisted(query);
    // Not known yet, anywhere: the hash alone is PERSISTED_QUERY_NOT_FOUND.
    expect(codesOf(await post(replicas[1]!, apq.byHash))).toEqual(['PERSISTED_QUERY_NOT_FOUND']);
    expect((await post(replicas[0]!, apq.register)).data).toEqual({ __typename: 'Query' });
    for (const replica of replicas.slice(1)) {
      const reply = await post(replica, apq.byHash);
      expect({ errors: reply.errors, data: reply.data }).toEqual({ errors: undefined, data: { __typename: 'Query' } });
    }
  });

  it('Redis killed mid-run: no crash, reads and unkeyed mutations served, a keyed one SERVICE_UNAVAILABLE without a Zoho call, APQ falls back; then it recovers by itself', async () => {
    const before = await create(replicas[0]!);
    const sessionId = sessionIdOf(before) as string;
    expect(sessionId).toMatch(/^\d+$/);
    const apq = persisted(`query WhileDown${Date.now()} { __typename }`);
    await post(replicas[0]!, apq.register);

    await redis.stop();
    for (const replica of replicas) {
      expect(await eventually(async () => (await readyz(replica))['redis'] === 'down', 5_000)).toBe(true);
      // Still ready: reads need no Redis, and every replica shares that one Redis.
      expect(await readyz(replica)).toMatchObject({ httpStatus: 200, status: 'ready', redis: 'down' });
    }
    const callsBefore = await creates();
    for (const [index, replica] of replicas.entries()) {
      const read = await post(replica, { query: SESSION, variables: { id: sessionId } });
      expect({ errors: read.errors, id: read.data?.['paymentMethodSession']?.id }).toEqual({ errors: undefined, id: sessionId });

      const started = Date.now();
      const keyed = await create(replica, `while-down-${Date.now()}`);
      expect(Date.now() - started).toBeLessThan(REDIS_TIMEOUT_MS + 3_000);
      expect(codesOf(keyed)).toEqual(['SERVICE_UNAVAILABLE']);
      expect(keyed.data?.['createPaymentMethodSession'] ?? null).toBeNull();

      if (index === 0) {
        // The replica it was registered on knows it: served by its hash from memory.
        expect((await post(replica, apq.byHash)).data).toEqual({ __typename: 'Query' });
      } else {
        // The others fall back to the client sending the query: not found by hash, then served
        // with its text, and known by hash from then on, Redis or not.
        expect(codesOf(await post(replica, apq.byHash))).toEqual(['PERSISTED_QUERY_NOT_FOUND']);
        expect((await post(replica, apq.register)).data).toEqual({ __typename: 'Query' });
        expect((await post(replica, apq.byHash)).data).toEqual({ __typename: 'Query' });
      }
    }
    expect(await creates()).toBe(callsBefore);
    expect(sessionIdOf(await create(replicas[1]!))).toMatch(/^\d+$/);
    expect(await creates()).toBe(callsBefore + 1);

    await redis.start();
    for (const [index, replica] of replicas.entries()) {
      let reply: Reply | undefined;
      const recovered = await eventually(async () => {
        reply = await create(replica, `after-${Date.now()}`);
        return sessionIdOf(reply) !== undefined;
      }, 5_000, 100);
      expect({ recovered, errors: reply?.errors }).toEqual({ recovered: true, errors: undefined });
      expect(await readyz(replica)).toMatchObject({ httpStatus: 200, redis: 'up' });
      expect(replica.child.exitCode).toBeNull();
      const metrics = await metricsText(replica);
      expect(metrics).toMatch(/^gateway_redis_up 1$/m);
      expect(metrics).toMatch(/^gateway_redis_failures_total\{use="idempotency"\} [1-9]/m);
      // Replica 1 served the query from memory: it asked Redis nothing; the others' misses and registrations failed.
      if (index === 0) expect(metrics).not.toMatch(/^gateway_redis_failures_total\{use="persisted_queries"\} [1-9]/m);
      else expect(metrics).toMatch(/^gateway_redis_failures_total\{use="persisted_queries"\} [1-9]/m);
      expect(metrics).toMatch(/^gateway_redis_failures_total\{use="rate_budget"\} [1-9]/m);
      expect(metrics).toMatch(/^zoho_rate_budget_fallback 0$/m);
    }
    // Each replica said so once per transition: connected, unreachable, recovered; and its rate
    // budget (drawn by the read each one served meanwhile) fell back to per process, then shared again.
    for (const replica of replicas) {
      const lines = (await settledLogs(replica, 10_000)).filter((line) => String(line['msg']).startsWith('Redis '));
      expect(lines.map((line) => String(line['msg']).split(':')[0])).toEqual([
        'Redis connected',
        'Redis unreachable',
        'Redis does not answer the rate budget (unreachable, or slower than its timeout)',
        'Redis recovered',
        'Redis answers the rate budget again',
      ]);
      expect(lines[1]).toMatchObject({ level: 40, redis: { host: '127.0.0.1', port: redis.port } });
    }
  });
});

describe('the per-account rate budget, shared by three replicas through Redis', () => {
  const BUDGET = 6;
  let budgeted: RealGateway[];

  beforeAll(async () => {
    // Before the top-level beforeEach: these replicas start on a running Redis too.
    await ensureRedis();
    // Their own replicas: a small account budget, the unverified one large enough for each
    // replica's first call (the one that shows Zoho accepts the token there).
    const env = {
      REDIS_URL: redis.url,
      REDIS_KEY_PREFIX: 'scale-out-budget:',
      ZOHO_RATE_LIMIT_PER_MINUTE: String(BUDGET),
      ZOHO_UNVERIFIED_RATE_LIMIT_PER_MINUTE: '100',
    };
    budgeted = await Promise.all([1, 2, 3].map(() => startRealGateway(sandbox.apiUrl, env)));
  }, 60_000);

  it('30 reads of one account spread over the replicas: Zoho gets 3 (one unverified per replica) plus the budget, the rest are RATE_LIMITED without a call', async () => {
    const sessionId = sessionIdOf(await create(replicas[0]!)) as string;
    expect(sessionId).toMatch(/^\d+$/);
    const reads = async () =>
      ((await control('GET', '/__sandbox/requests'))['requests'] as Array<{ endpoint: string }>).filter(
        (entry) => entry.endpoint === 'retrievePaymentMethodSession',
      ).length;
    const before = await reads();

    const replies: Reply[] = [];
    for (let round = 0; round < 10; round++) {
      for (const replica of budgeted) replies.push(await post(replica, { query: SESSION, variables: { id: sessionId } }));
    }
    const served = replies.filter((reply) => reply.data?.['paymentMethodSession']?.id === sessionId);
    const refused = replies.filter((reply) => codesOf(reply).includes('RATE_LIMITED'));
    expect({ served: served.length, refused: refused.length }).toEqual({ served: 3 + BUDGET, refused: 30 - 3 - BUDGET });
    for (const reply of refused) {
      const retryAfter = (reply.errors?.[0]?.extensions as { retryAfterSeconds?: number } | undefined)?.retryAfterSeconds;
      expect(retryAfter).toBeGreaterThanOrEqual(1);
      expect(retryAfter).toBeLessThanOrEqual(60);
    }
    // Counted where it matters: at "Zoho".
    expect((await reads()) - before).toBe(3 + BUDGET);
    // Every replica refused some: the budget is the account's, not each replica's own 6.
    for (const replica of budgeted) {
      expect(await metricsText(replica)).toMatch(/^zoho_rate_budget_rejections_total\{budget="account"\} [1-9]/m);
    }
  });
});
