/**
 * Resilience of the gateway when Zoho misbehaves, end to end: a real gateway (`startGateway`, on
 * an ephemeral loopback port, its HTTP served to node:http) in front of a real in-process sandbox
 * (`startSandbox`, port 0), with the sandbox's fault injection (sandbox/README.md, Faults) arranging
 * the trouble and its journal (`GET /__sandbox/requests`) counting every upstream call.
 *
 * It proves, for every fault, that:
 * - the caller gets the contract's code (README.md, Errors): UPSTREAM_TIMEOUT for
 *   a slow Zoho, answered at about the timeout and never after the latency; UPSTREAM_ERROR (with
 *   `upstreamStatus` where Zoho gave one) for 5xx, a dropped connection, malformed JSON or an
 *   unexpected shape; RATE_LIMITED with `retryAfterSeconds` for a 429 it does not wait out;
 * - retries happen only where allowed: a GET is retried `retries` times on 5xx and dropped
 *   connections, and once after a short `Retry-After`; malformed or misshapen 200s are not retried;
 *   POST, PUT and DELETE are never retried (a create makes at most one session); and the one
 *   timeout budget cuts retries short;
 * - the circuit opens after `breakerThreshold` consecutive outages (fails fast without calling
 *   Zoho; /readyz and /metrics show it), closes after a trial call that succeeds, re-opens after one
 *   that fails, and never opens for a caller's own 401/403/404/429;
 * - 20 concurrent operations under faults never give INTERNAL_SERVER_ERROR or an unhandled
 *   rejection, and the gateway stays up (/healthz and /readyz answer after every test);
 * - the per-operation log line lists every attempt (each retry its own entry, with its status) in
 *   `upstreamCalls`, and counts them in `upstreamCallCount`.
 *
 * Each test starts its own gateway (so circuit state never leaks between tests) with small
 * numbers: a 400 ms timeout where time-outs are the point, retries with a 10-50 ms backoff, a
 * 500 ms half-open delay. Time assertions have a margin of a second.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import vm from 'node:vm';
import nock from 'nock';
import { startSandbox, type RunningSandbox } from '../../sandbox/server';
import type { UpstreamPolicyOptions } from '../../src/datasources/upstream-policy';
import { GatewayMetrics } from '../../src/observability/metrics';
import type { Gateway } from '../../src/server';
import { captureLogger, startTestServer, testConfig } from '../helpers';
import { httpRequest, jsonOf, postGraphQL } from '../http-client';

jest.setTimeout(20_000);

const LOOPBACK = /^(127\.0\.0\.1|localhost)(:\d+)?$/;

// --- the sandbox's test data (sandbox/README.md) ------------------------------------------------

const ACCOUNT = '1000000001';
const CALLER = { Authorization: 'Zoho-oauthtoken sandbox_full', 'X-Zoho-Account-Id': ACCOUNT };
const READ_ONLY_CALLER = { Authorization: 'Zoho-oauthtoken sandbox_read', 'X-Zoho-Account-Id': ACCOUNT };
const UNKNOWN_TOKEN_CALLER = { Authorization: 'Zoho-oauthtoken not_a_sandbox_token', 'X-Zoho-Account-Id': ACCOUNT };
const CHARLES = '1987000000724207';
const FIXTURE_CARD = '1987000000724211';
const FIXTURE_ACH = '1987000000724212';
const FIXTURE_SESSION = '1987000000724209';
const MISSING_PAYMENT_METHOD = '1987000000999999999';
/** The sandbox numbers new sessions from here after a reset (sandbox/store.ts, FIRST_SESSION_ID). */
const FIRST_NEW_SESSION_ID = 1987000000800000n;

// --- timing ---------------------------------------------------------------------------------------

/** ZOHO_TIMEOUT_MS where time-outs are the point. */
const TIMEOUT_MS = 400;
/** ZOHO_TIMEOUT_MS elsewhere: room for a 1 s Retry-After, never reached otherwise. */
const RELAXED_TIMEOUT_MS = 2500;
/** What a noisy machine may add to any expected duration. */
const MARGIN_MS = 1000;
/** A latency fault well past TIMEOUT_MS + MARGIN_MS. */
const SLOW_MS = 2000;
const HALF_OPEN_AFTER_MS = 500;

/** Every test's policy unless it says otherwise: the defaults' shape, with small delays. */
const BASE_POLICY: Omit<UpstreamPolicyOptions, 'timeoutMs'> = {
  retries: 2,
  retryBaseDelayMs: 10,
  retryMaxDelayMs: 50,
  retryAfterMaxMs: 2000,
  breakerThreshold: 5,
  breakerHalfOpenAfterMs: HALF_OPEN_AFTER_MS,
  // One caller throughout: the gateway-wide circuit follows its circuit (test/integration/upstream-isolation covers many).
  breakerMinCallers: 1,
  maxConcurrencyPerCaller: 16,
};

// --- operations -----------------------------------------------------------------------------------

const READ_PAYMENT_METHOD = 'query ReadPaymentMethod($id: ID!) { paymentMethod(id: $id) { id status type } }';
const READ_SESSION = 'query ReadSession($id: ID!) { paymentMethodSession(id: $id) { id status } }';
const CREATE_SESSION = `mutation CreateSession($input: CreatePaymentMethodSessionInput!) {
  createPaymentMethodSession(input: $input) { paymentMethodSession { id status } userErrors { field code message } }
}`;
const UPDATE_CARD = `mutation UpdateCard($input: UpdatePaymentMethodInput!) {
  updatePaymentMethod(input: $input) { paymentMethod { id } userErrors { field code message } }
}`;
const DELETE_PAYMENT_METHOD = `mutation DeletePaymentMethod($input: DeletePaymentMethodInput!) {
  deletePaymentMethod(input: $input) { deletedPaymentMethodId userErrors { field code message } }
}`;

type Endpoint =
  | 'createPaymentMethodSession'
  | 'retrievePaymentMethodSession'
  | 'retrievePaymentMethod'
  | 'updatePaymentMethod'
  | 'deletePaymentMethod';

interface Operation {
  name: string;
  query: string;
  variables: Record<string, unknown>;
  /** The Zoho endpoint whose faults this operation meets. */
  endpoint: Endpoint;
  method: 'GET' | 'POST' | 'PUT' | 'DELETE';
  /** The root field. */
  field: string;
}

const READS: Operation[] = [
  {
    name: 'ReadPaymentMethod',
    query: READ_PAYMENT_METHOD,
    variables: { id: FIXTURE_CARD },
    endpoint: 'retrievePaymentMethod',
    method: 'GET',
    field: 'paymentMethod',
  },
  {
    name: 'ReadSession',
    query: READ_SESSION,
    variables: { id: FIXTURE_SESSION },
    endpoint: 'retrievePaymentMethodSession',
    method: 'GET',
    field: 'paymentMethodSession',
  },
];

const WRITES: Operation[] = [
  {
    name: 'CreateSession',
    query: CREATE_SESSION,
    variables: { input: { customerId: CHARLES, description: 'resilience' } },
    endpoint: 'createPaymentMethodSession',
    method: 'POST',
    field: 'createPaymentMethodSession',
  },
  {
    name: 'UpdateCard',
    query: UPDATE_CARD,
    variables: { input: { id: FIXTURE_CARD, card: { expiryMonth: 12, expiryYear: new Date().getUTCFullYear() + 5 } } },
    endpoint: 'updatePaymentMethod',
    method: 'PUT',
    field: 'updatePaymentMethod',
  },
  {
    name: 'DeletePaymentMethod',
    query: DELETE_PAYMENT_METHOD,
    variables: { input: { id: FIXTURE_ACH } },
    endpoint: 'deletePaymentMethod',
    method: 'DELETE',
    field: 'deletePaymentMethod',
  },
];

const [READ_PM, READ_SESSION_OP] = READS as [Operation, Operation];
const [CREATE_OP] = WRITES as [Operation, Operation, Operation];

// --- unhandled rejections ---------------------------------------------------------------------------

/*
 * Jest hands test code a copy of `process` whose events Node never emits; Node emits
 * 'unhandledRejection' on the real one, reached here through the main context.
 */
const realProcess = vm.runInThisContext('process') as NodeJS.Process;
const unhandledRejections: unknown[] = [];
const onUnhandledRejection = (reason: unknown) => {
  unhandledRejections.push(reason);
};

// --- the sandbox and the gateways ---------------------------------------------------------------

let sandbox: RunningSandbox;

interface TestGateway {
  running: Gateway;
  url: string;
  origin: string;
  logs: ReturnType<typeof captureLogger>;
}

const gateways: TestGateway[] = [];

/** A gateway on the sandbox with BASE_POLICY overridden by `policy`; stopped after the test. */
async function startTestGateway(
  policy: Partial<Omit<UpstreamPolicyOptions, 'timeoutMs'>> = {},
  zohoTimeoutMs = RELAXED_TIMEOUT_MS,
): Promise<TestGateway> {
  const logs = captureLogger();
  const running = await startTestServer(
    testConfig({ ZOHO_API_URL: sandbox.apiUrl, ZOHO_TIMEOUT_MS: String(zohoTimeoutMs), SHUTDOWN_GRACE_MS: '2000' }, { ...BASE_POLICY, ...policy }),
    { logger: logs.logger, upstreamName: 'resilience sandbox', metrics: new GatewayMetrics({ processMetrics: false }) },
  );
  const gateway = { running, url: running.url, origin: new URL(running.url).origin, logs };
  gateways.push(gateway);
  return gateway;
}

beforeAll(async () => {
  realProcess.on('unhandledRejection', onUnhandledRejection);
  nock.enableNetConnect(LOOPBACK);
  sandbox = await startSandbox({}, 0);
});

afterAll(async () => {
  await sandbox?.close();
  realProcess.off('unhandledRejection', onUnhandledRejection);
  expect(unhandledRejections).toEqual([]);
});

beforeEach(async () => {
  await control('POST', '/__sandbox/reset', {});
});

afterEach(async () => {
  // Whatever the test did to it, every gateway is still up and serving.
  const started = gateways.splice(0);
  try {
    for (const gateway of started) {
      const health = await httpRequest(`${gateway.origin}/healthz`);
      expect({ status: health.status, body: jsonOf(health) }).toEqual({ status: 200, body: { status: 'ok' } });
      const ready = await httpRequest(`${gateway.origin}/readyz`);
      expect(ready.status).toBe(200);
    }
    expect(unhandledRejections).toEqual([]);
  } finally {
    await Promise.all(started.map((gateway) => gateway.running.stop()));
  }
});

// --- helpers ----------------------------------------------------------------------------------

interface GraphQLErrorJson {
  message: string;
  path?: Array<string | number>;
  extensions?: Record<string, unknown>;
}

interface Result {
  status: number;
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  data: Record<string, any> | null | undefined;
  errors: GraphQLErrorJson[];
  codes: unknown[];
  /** From sending the request to the whole reply, as the client sees it. */
  elapsedMs: number;
}

/** One operation through the gateway over HTTP. No reply may ever be an internal error. */
async function run(gateway: TestGateway, operation: Operation, headers: Record<string, string> = CALLER): Promise<Result> {
  return gql(gateway, operation.query, operation.variables, headers);
}

async function gql(
  gateway: TestGateway,
  query: string,
  variables: Record<string, unknown>,
  headers: Record<string, string> = CALLER,
): Promise<Result> {
  const started = performance.now();
  const reply = await postGraphQL(gateway.url, { query, variables }, headers);
  const elapsedMs = performance.now() - started;
  const body = jsonOf<{ data?: Result['data']; errors?: GraphQLErrorJson[] }>(reply);
  const errors = body.errors ?? [];
  const codes = errors.map((error) => error.extensions?.['code']);
  expect(codes).not.toContain('INTERNAL_SERVER_ERROR');
  return { status: reply.status, data: body.data, errors, codes, elapsedMs };
}

/** A control API call to the sandbox; fails the test unless it answers 200. */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
async function control(method: 'GET' | 'POST', path: string, body?: unknown): Promise<Record<string, any>> {
  const reply = await httpRequest(`${sandbox.origin}${path}`, {
    method,
    headers: { 'content-type': 'application/json' },
    ...(body !== undefined && { body: JSON.stringify(body) }),
  });
  expect(reply.status).toBe(200);
  return jsonOf(reply);
}

type FaultSpec =
  | { type: 'latency'; latency_ms: number }
  | { type: 'status'; status: 500 | 502 | 503 }
  | { type: 'rate_limit'; retry_after: number }
  | { type: 'drop' }
  | { type: 'malformed_json' }
  | { type: 'unexpected_shape' };

async function fault(endpoint: Endpoint | '*', count: number, spec: FaultSpec): Promise<void> {
  await control('POST', '/__sandbox/faults', { endpoint, count, ...spec });
}

interface JournalEntry {
  endpoint: Endpoint;
  method: string;
  path: string;
  status: number | 'dropped';
  fault: string | null;
  at: string;
}

/** The sandbox's journal: every call that reached an emulated endpoint (of `endpoint`, if given). */
async function journal(endpoint?: Endpoint): Promise<JournalEntry[]> {
  const entries = (await control('GET', '/__sandbox/requests')).requests as JournalEntry[];
  return endpoint ? entries.filter((entry) => entry.endpoint === endpoint) : entries;
}

/** The remaining uses of the queued faults: how many calls have not met them yet. */
async function remainingFaults(): Promise<number[]> {
  const { faults } = await control('GET', '/__sandbox/faults');
  return (faults as Array<{ remaining: number }>).map((queued) => queued.remaining);
}

/**
 * Waits until the journal holds `count` entries: a call held by a latency fault is journaled only
 * when its latency is over, and must land before the next test resets the journal.
 */
async function journalReaches(count: number, withinMs = SLOW_MS + 3000): Promise<JournalEntry[]> {
  const deadline = Date.now() + withinMs;
  for (;;) {
    const entries = await journal();
    if (entries.length >= count || Date.now() > deadline) return entries;
    await sleep(50);
  }
}

/** How the journal shows a fault's reply. */
const journaled = (spec: FaultSpec): number | 'dropped' =>
  spec.type === 'drop' ? 'dropped' : spec.type === 'status' ? spec.status : spec.type === 'rate_limit' ? 429 : 200;

/** How the operation log shows a fault's reply. */
const logged = (spec: FaultSpec): number | 'error' => {
  const status = journaled(spec);
  return status === 'dropped' ? 'error' : status;
};

interface UpstreamCallLog {
  endpoint: string;
  method: string;
  path: string;
  status: number | 'error';
  durationMs: number;
}

interface OperationLog {
  operationName: string | null;
  outcome: string;
  errorCodes: string[];
  upstreamCallCount: number;
  upstreamCalls: UpstreamCallLog[];
  requestId?: string;
}

/** The one 'graphql operation' log line of the gateway's operation `name` (its only one). */
function operationLog(gateway: TestGateway, name: string): OperationLog {
  const lines = gateway.logs
    .lines()
    .map((line) => JSON.parse(line) as Record<string, unknown>)
    .filter((line) => line['msg'] === 'graphql operation' && line['operationName'] === name);
  expect(lines).toHaveLength(1);
  return lines[0] as unknown as OperationLog;
}

/** Every 'graphql operation' log line of the gateway, oldest first. */
function operationLogs(gateway: TestGateway): OperationLog[] {
  return gateway.logs
    .lines()
    .map((line) => JSON.parse(line) as Record<string, unknown>)
    .filter((line) => line['msg'] === 'graphql operation') as unknown as OperationLog[];
}

async function readyz(gateway: TestGateway): Promise<Record<string, unknown>> {
  const reply = await httpRequest(`${gateway.origin}/readyz`);
  expect(reply.status).toBe(200);
  return jsonOf(reply);
}

async function metricsText(gateway: TestGateway): Promise<string> {
  const reply = await httpRequest(`${gateway.running.adminUrl}/metrics`);
  expect(reply.status).toBe(200);
  return reply.text;
}

/** The value of one series in the exposition, e.g. `zoho_circuit_state{state="open"}`; undefined when absent. */
function metricValue(text: string, series: string): number | undefined {
  const line = text.split('\n').find((each) => each.startsWith(`${series} `));
  return line === undefined ? undefined : Number(line.slice(series.length + 1));
}

/** zoho_upstream_requests_total of one endpoint, by status. */
function upstreamCallsInMetrics(text: string, endpoint: Endpoint): Record<string, number> {
  const prefix = `zoho_upstream_requests_total{endpoint="${endpoint}",status="`;
  return Object.fromEntries(
    text
      .split('\n')
      .filter((line) => line.startsWith(prefix))
      .map((line) => {
        const [status = '', value = ''] = line.slice(prefix.length).split('"} ');
        return [status, Number(value)];
      }),
  );
}

async function circuitGauge(gateway: TestGateway): Promise<Record<string, number | undefined>> {
  const text = await metricsText(gateway);
  return Object.fromEntries(
    ['closed', 'half-open', 'open'].map((state) => [state, metricValue(text, `zoho_circuit_state{state="${state}"}`)]),
  );
}

async function expectCircuit(gateway: TestGateway, state: 'closed' | 'open'): Promise<void> {
  expect((await readyz(gateway))['circuit']).toBe(state);
  expect(gateway.running.upstreamPolicy.circuitState).toBe(state);
  expect(await circuitGauge(gateway)).toEqual({
    closed: state === 'closed' ? 1 : 0,
    'half-open': 0,
    open: state === 'open' ? 1 : 0,
  });
}

/** How many sessions the sandbox created since the reset (its ids are sequential from FIRST_NEW_SESSION_ID). */
function sessionsCreatedSinceReset(): number {
  let count = 0;
  for (;;) {
    try {
      sandbox.store.getSession(ACCOUNT, String(FIRST_NEW_SESSION_ID + BigInt(count)));
      count += 1;
    } catch {
      return count;
    }
  }
}

const FIVE_XX_AND_DROP: Array<[string, FaultSpec]> = [
  ['500', { type: 'status', status: 500 }],
  ['502 (an HTML page)', { type: 'status', status: 502 }],
  ['503', { type: 'status', status: 503 }],
  ['a dropped connection', { type: 'drop' }],
];

// --- a slow upstream --------------------------------------------------------------------------

describe('a slow Zoho', () => {
  test('a GET slower than the timeout fails with UPSTREAM_TIMEOUT at about the timeout, not after the latency, and is not retried', async () => {
    const gateway = await startTestGateway({}, TIMEOUT_MS);
    await fault('retrievePaymentMethod', 3, { type: 'latency', latency_ms: SLOW_MS });

    const result = await run(gateway, READ_PM);

    expect(result.codes).toEqual(['UPSTREAM_TIMEOUT']);
    expect(result.errors[0]?.path).toEqual(['paymentMethod']);
    expect(result.data).toEqual({ paymentMethod: null });
    expect(result.elapsedMs).toBeGreaterThanOrEqual(TIMEOUT_MS - 20);
    expect(result.elapsedMs).toBeLessThan(TIMEOUT_MS + MARGIN_MS);
    // Only one call reached Zoho (the other two slow replies are still queued), and once its latency
    // is over the journal shows exactly that one.
    expect(await remainingFaults()).toEqual([2]);
    const entries = await journalReaches(1);
    await sleep(100);
    expect(await journal()).toHaveLength(1);
    expect(entries.map((e) => [e.endpoint, e.fault])).toEqual([['retrievePaymentMethod', 'latency']]);

    const log = operationLog(gateway, 'ReadPaymentMethod');
    expect(log.errorCodes).toEqual(['UPSTREAM_TIMEOUT']);
    expect(log.upstreamCallCount).toBe(1);
    expect(log.upstreamCalls.map((c) => [c.endpoint, c.method, c.status])).toEqual([['retrievePaymentMethod', 'GET', 'error']]);
  });

  test('a GET slower than usual but within the timeout succeeds', async () => {
    const gateway = await startTestGateway({}, TIMEOUT_MS);
    await fault('retrievePaymentMethod', 1, { type: 'latency', latency_ms: 100 });

    const result = await run(gateway, READ_PM);

    expect(result.errors).toEqual([]);
    expect(result.data).toEqual({ paymentMethod: { id: FIXTURE_CARD, status: 'ACTIVE', type: 'CARD' } });
    expect(result.elapsedMs).toBeGreaterThanOrEqual(95);
    expect((await journal()).map((e) => [e.endpoint, e.status, e.fault])).toEqual([['retrievePaymentMethod', 200, 'latency']]);
    expect(operationLog(gateway, 'ReadPaymentMethod')).toMatchObject({ outcome: 'ok', upstreamCallCount: 1 });
  });

  test('a POST slower than the timeout fails with UPSTREAM_TIMEOUT, is not retried, and Zoho holds exactly one new session', async () => {
    const gateway = await startTestGateway({}, TIMEOUT_MS);
    await fault('createPaymentMethodSession', 3, { type: 'latency', latency_ms: SLOW_MS });

    const result = await run(gateway, CREATE_OP);

    expect(result.codes).toEqual(['UPSTREAM_TIMEOUT']);
    expect(result.elapsedMs).toBeLessThan(TIMEOUT_MS + MARGIN_MS);
    expect(await remainingFaults()).toEqual([2]);
    // The slow call still reaches Zoho's handler once its latency is over: one session, never two.
    const entries = await journalReaches(1);
    await sleep(100);
    expect(entries.map((e) => [e.endpoint, e.status])).toEqual([['createPaymentMethodSession', 200]]);
    expect(await journal()).toHaveLength(1);
    expect(sessionsCreatedSinceReset()).toBe(1);
    expect(operationLog(gateway, 'CreateSession').upstreamCallCount).toBe(1);
  });
});

// --- the budget covers retries ----------------------------------------------------------------------

describe('the one timeout budget covers retries and their waits', () => {
  test('503s whose retries and backoffs would overrun the budget: answered close to the timeout, retries cut short', async () => {
    // Eight retries with backoffs of up to 400 ms each would take seconds; the budget is 400 ms.
    const retries = 8;
    const gateway = await startTestGateway({ retries, retryBaseDelayMs: 200, retryMaxDelayMs: 400, breakerThreshold: 0 }, TIMEOUT_MS);
    await fault('retrievePaymentMethod', 20, { type: 'status', status: 503 });

    const result = await run(gateway, READ_PM);

    expect(['UPSTREAM_TIMEOUT', 'UPSTREAM_ERROR']).toContain(result.codes[0]);
    expect(result.codes).toHaveLength(1);
    expect(result.elapsedMs).toBeLessThan(TIMEOUT_MS + MARGIN_MS);
    const calls = (await journal()).length;
    expect(calls).toBeGreaterThanOrEqual(1);
    expect(calls).toBeLessThan(retries + 1);
    // Once answered, no retry of this operation goes out any more.
    await sleep(500);
    expect(await journal()).toHaveLength(calls);
    const log = operationLog(gateway, 'ReadPaymentMethod');
    expect(log.upstreamCalls.filter((c) => c.status === 503)).toHaveLength(calls);
  });

  test('a retry whose backoff outlives the budget never goes out, and the metrics count only calls that did', async () => {
    // The budget (400 ms) runs out during the backoff (up to 1 s) after the first 503.
    const gateway = await startTestGateway({ retries: 2, retryBaseDelayMs: 1000, retryMaxDelayMs: 1000, breakerThreshold: 0 }, TIMEOUT_MS);
    await fault('retrievePaymentMethod', 5, { type: 'status', status: 503 });

    const result = await run(gateway, READ_PM);

    expect(result.codes).toEqual(['UPSTREAM_TIMEOUT']);
    expect(result.elapsedMs).toBeLessThan(TIMEOUT_MS + MARGIN_MS);
    // Past the longest backoff: whatever the policy still does for this operation is over.
    await sleep(1000 + 300);
    const calls = (await journal()).length;
    expect(calls).toBeGreaterThanOrEqual(1);
    expect(calls).toBeLessThanOrEqual(2);
    expect(operationLog(gateway, 'ReadPaymentMethod').upstreamCallCount).toBe(calls);
    // zoho_upstream_requests_total is "HTTP calls to Zoho Payments": exactly the journal's calls.
    expect(upstreamCallsInMetrics(await metricsText(gateway), 'retrievePaymentMethod')).toEqual({ 503: calls });
  });

  test('a 503 then a slow retry: UPSTREAM_TIMEOUT at about the timeout, not after the retry\'s latency', async () => {
    const gateway = await startTestGateway({}, TIMEOUT_MS);
    await fault('retrievePaymentMethod', 1, { type: 'status', status: 503 });
    await fault('retrievePaymentMethod', 1, { type: 'latency', latency_ms: SLOW_MS });

    const result = await run(gateway, READ_PM);

    expect(result.codes).toEqual(['UPSTREAM_TIMEOUT']);
    expect(result.elapsedMs).toBeLessThan(TIMEOUT_MS + MARGIN_MS);
    const entries = await journalReaches(2);
    await sleep(100);
    expect(entries.map((e) => [e.status, e.fault])).toEqual([
      [503, 'status'],
      [200, 'latency'],
    ]);
    expect(await journal()).toHaveLength(2);
    const log = operationLog(gateway, 'ReadPaymentMethod');
    expect(log.upstreamCalls.map((c) => c.status)).toEqual([503, 'error']);
    expect(log.upstreamCallCount).toBe(2);
  });
});

// --- 5xx and dropped connections on reads ----------------------------------------------------

describe.each(READS.map((op) => [op.field, op] as const))('5xx and dropped connections on a read (%s)', (_field, operation) => {
  test.each(FIVE_XX_AND_DROP)('%s on `retries` tries, then success: retried, the data comes back', async (_name, spec) => {
    const gateway = await startTestGateway();
    await fault(operation.endpoint, BASE_POLICY.retries, spec);

    const result = await run(gateway, operation);

    expect(result.errors).toEqual([]);
    expect(result.data?.[operation.field]).toMatchObject({ id: operation.variables['id'] });
    const entries = await journal();
    expect(entries.map((e) => [e.endpoint, e.method, e.status])).toEqual([
      [operation.endpoint, 'GET', journaled(spec)],
      [operation.endpoint, 'GET', journaled(spec)],
      [operation.endpoint, 'GET', 200],
    ]);
    const log = operationLog(gateway, operation.name);
    expect(log.outcome).toBe('ok');
    expect(log.upstreamCallCount).toBe(BASE_POLICY.retries + 1);
    expect(log.upstreamCalls.map((c) => [c.endpoint, c.method, c.status])).toEqual([
      [operation.endpoint, 'GET', logged(spec)],
      [operation.endpoint, 'GET', logged(spec)],
      [operation.endpoint, 'GET', 200],
    ]);
    expect(new Set(log.upstreamCalls.map((c) => c.path)).size).toBe(1);
  });

  test.each(FIVE_XX_AND_DROP)('%s on every try: UPSTREAM_ERROR after exactly retries + 1 calls', async (_name, spec) => {
    const gateway = await startTestGateway();
    await fault(operation.endpoint, 5, spec);

    const result = await run(gateway, operation);

    expect(result.codes).toEqual(['UPSTREAM_ERROR']);
    expect(result.data).toEqual({ [operation.field]: null });
    // Zoho's status and code where it gave them: 500/503 send {"code": "error"}, 502 an HTML page.
    expect(result.errors[0]?.extensions?.['upstreamStatus']).toBe(spec.type === 'status' ? spec.status : undefined);
    expect(result.errors[0]?.extensions?.['upstreamCode']).toBe(spec.type === 'status' && spec.status !== 502 ? 'error' : undefined);
    expect(await journal()).toHaveLength(BASE_POLICY.retries + 1);
    expect(await remainingFaults()).toEqual([5 - (BASE_POLICY.retries + 1)]);
    const log = operationLog(gateway, operation.name);
    expect(log.errorCodes).toEqual(['UPSTREAM_ERROR']);
    expect(log.upstreamCallCount).toBe(BASE_POLICY.retries + 1);
    expect(log.upstreamCalls.map((c) => c.status)).toEqual(Array(BASE_POLICY.retries + 1).fill(logged(spec)));
  });
});

describe('the number of retries is the `retries` option', () => {
  test.each([0, 1, 4])('retries: %i makes exactly retries + 1 calls, each counted in the metrics', async (retries) => {
    const gateway = await startTestGateway({ retries, breakerThreshold: 0 });
    await fault('retrievePaymentMethod', 10, { type: 'status', status: 503 });

    const result = await run(gateway, READ_PM);

    expect(result.codes).toEqual(['UPSTREAM_ERROR']);
    expect(await journal()).toHaveLength(retries + 1);
    expect(operationLog(gateway, 'ReadPaymentMethod').upstreamCallCount).toBe(retries + 1);
    const text = await metricsText(gateway);
    expect(metricValue(text, 'zoho_upstream_requests_total{endpoint="retrievePaymentMethod",status="503"}')).toBe(retries + 1);
  });
});

// --- malformed and misshapen 200s --------------------------------------------------------------

describe('a 200 that is not what Zoho documents', () => {
  const cases = [READ_PM, READ_SESSION_OP, CREATE_OP].flatMap((operation) =>
    (['malformed_json', 'unexpected_shape'] as const).map((type) => [`${type} on ${operation.field}`, operation, type] as const),
  );

  test.each(cases)('%s: UPSTREAM_ERROR after exactly one call (not retried)', async (_name, operation, type) => {
    const gateway = await startTestGateway();
    await fault(operation.endpoint, 3, { type });

    const result = await run(gateway, operation);

    expect(result.codes).toEqual(['UPSTREAM_ERROR']);
    expect(result.errors[0]?.path).toEqual([operation.field]);
    expect((await journal()).map((e) => [e.endpoint, e.status, e.fault])).toEqual([[operation.endpoint, 200, type]]);
    expect(await remainingFaults()).toEqual([2]);
    const log = operationLog(gateway, operation.name);
    expect(log.upstreamCallCount).toBe(1);
    expect(log.upstreamCalls.map((c) => [c.endpoint, c.status])).toEqual([[operation.endpoint, 200]]);
  });
});

// --- writes are never retried -------------------------------------------------------------------

describe.each(WRITES.map((op) => [`${op.method} (${op.field})`, op] as const))('%s is never retried', (_name, operation) => {
  test.each(FIVE_XX_AND_DROP)('%s: UPSTREAM_ERROR after exactly one call', async (_faultName, spec) => {
    const gateway = await startTestGateway();
    await fault(operation.endpoint, 3, spec);

    const result = await run(gateway, operation);

    expect(result.codes).toEqual(['UPSTREAM_ERROR']);
    expect(result.errors[0]?.path).toEqual([operation.field]);
    expect(result.errors[0]?.extensions?.['upstreamStatus']).toBe(spec.type === 'status' ? spec.status : undefined);
    const writes = await journal(operation.endpoint);
    expect(writes.map((e) => [e.method, e.status])).toEqual([[operation.method, journaled(spec)]]);
    expect(await remainingFaults()).toEqual([2]);
    const log = operationLog(gateway, operation.name);
    expect(log.upstreamCalls.filter((c) => c.method === operation.method).map((c) => c.status)).toEqual([logged(spec)]);
    expect(log.upstreamCallCount).toBe(operation.method === 'PUT' ? 2 : 1); // PUT reads the method's type first
    if (operation.method === 'POST') expect(sessionsCreatedSinceReset()).toBe(0);
  });

  test('429 with Retry-After: 1 is not waited out: RATE_LIMITED after exactly one call', async () => {
    const gateway = await startTestGateway();
    await fault(operation.endpoint, 3, { type: 'rate_limit', retry_after: 1 });

    const result = await run(gateway, operation);

    expect(result.codes).toEqual(['RATE_LIMITED']);
    expect(result.errors[0]?.extensions).toMatchObject({ retryAfterSeconds: 1, upstreamStatus: 429 });
    expect(result.elapsedMs).toBeLessThan(MARGIN_MS);
    expect((await journal(operation.endpoint)).map((e) => e.status)).toEqual([429]);
    expect(await remainingFaults()).toEqual([2]);
    if (operation.method === 'POST') expect(sessionsCreatedSinceReset()).toBe(0);
  });
});

// --- 429 on reads ----------------------------------------------------------------------------------

describe('429 on a read', () => {
  test('Retry-After: 1 is waited out (about 1 s), then the retry succeeds: 2 calls', async () => {
    const gateway = await startTestGateway();
    await fault('retrievePaymentMethod', 1, { type: 'rate_limit', retry_after: 1 });

    const result = await run(gateway, READ_PM);

    expect(result.errors).toEqual([]);
    expect(result.data?.['paymentMethod']).toMatchObject({ id: FIXTURE_CARD });
    expect(result.elapsedMs).toBeGreaterThanOrEqual(950);
    expect(result.elapsedMs).toBeLessThan(1000 + MARGIN_MS);
    const entries = await journal();
    expect(entries.map((e) => e.status)).toEqual([429, 200]);
    const [first, second] = entries as [JournalEntry, JournalEntry];
    expect(Date.parse(second.at) - Date.parse(first.at)).toBeGreaterThanOrEqual(950);
    const log = operationLog(gateway, 'ReadPaymentMethod');
    expect(log.upstreamCalls.map((c) => c.status)).toEqual([429, 200]);
    expect(log.upstreamCallCount).toBe(2);
  });

  test.each([
    [30, 'far longer than retryAfterMaxMs'],
    [3, 'just over retryAfterMaxMs (2 s)'],
  ])('Retry-After: %i (%s): RATE_LIMITED at once, retryAfterSeconds passed on, 1 call', async (retryAfter) => {
    const gateway = await startTestGateway();
    await fault('retrievePaymentMethod', 3, { type: 'rate_limit', retry_after: retryAfter });

    const result = await run(gateway, READ_PM);

    expect(result.codes).toEqual(['RATE_LIMITED']);
    expect(result.errors[0]?.extensions).toMatchObject({
      retryAfterSeconds: retryAfter,
      upstreamStatus: 429,
      upstreamCode: 'rate_limit_exceeded',
    });
    expect(result.elapsedMs).toBeLessThan(MARGIN_MS);
    expect((await journal()).map((e) => e.status)).toEqual([429]);
    expect(await remainingFaults()).toEqual([2]);
    expect(operationLog(gateway, 'ReadPaymentMethod').upstreamCalls.map((c) => c.status)).toEqual([429]);
  });

  test('Retry-After not shorter than the timeout: RATE_LIMITED at once, 1 call', async () => {
    // A 1 s wait is within retryAfterMaxMs, but not within a 400 ms budget.
    const gateway = await startTestGateway({}, TIMEOUT_MS);
    await fault('retrievePaymentMethod', 3, { type: 'rate_limit', retry_after: 1 });

    const result = await run(gateway, READ_PM);

    expect(result.codes).toEqual(['RATE_LIMITED']);
    expect(result.errors[0]?.extensions?.['retryAfterSeconds']).toBe(1);
    expect(result.elapsedMs).toBeLessThan(TIMEOUT_MS + MARGIN_MS);
    expect(await journal()).toHaveLength(1);
  });
});

// --- the circuit breaker -----------------------------------------------------------------------------

describe('the circuit breaker', () => {
  const THRESHOLD = 3;

  /** A gateway whose circuit has just opened: one read met THRESHOLD 503s (its retries included). */
  async function openedCircuit(): Promise<TestGateway> {
    const gateway = await startTestGateway({ retries: THRESHOLD - 1, breakerThreshold: THRESHOLD });
    await expectCircuit(gateway, 'closed');
    await fault('retrievePaymentMethod', THRESHOLD, { type: 'status', status: 503 });
    const result = await run(gateway, READ_PM);
    expect(result.codes).toEqual(['UPSTREAM_ERROR']);
    expect(result.errors[0]?.extensions?.['upstreamStatus']).toBe(503);
    expect(await journal()).toHaveLength(THRESHOLD);
    await expectCircuit(gateway, 'open');
    return gateway;
  }

  test('opens after breakerThreshold consecutive outages; then fails fast with UPSTREAM_ERROR and no upstream call', async () => {
    const gateway = await openedCircuit();

    // Another endpoint, and no fault queued: the open circuit answers without calling Zoho.
    const result = await run(gateway, READ_SESSION_OP);

    expect(result.codes).toEqual(['UPSTREAM_ERROR']);
    expect(result.errors[0]?.extensions?.['upstreamStatus']).toBeUndefined();
    expect(result.errors[0]?.message).toMatch(/circuit open/);
    expect(result.elapsedMs).toBeLessThan(MARGIN_MS);
    expect(await journal()).toHaveLength(THRESHOLD);
    expect(operationLog(gateway, 'ReadSession')).toMatchObject({ errorCodes: ['UPSTREAM_ERROR'], upstreamCallCount: 0, upstreamCalls: [] });

    // Writes fail fast too.
    const create = await run(gateway, CREATE_OP);
    expect(create.codes).toEqual(['UPSTREAM_ERROR']);
    expect(await journal()).toHaveLength(THRESHOLD);
    expect(sessionsCreatedSinceReset()).toBe(0);
    await expectCircuit(gateway, 'open');
  });

  test('after breakerHalfOpenAfterMs, a trial call that succeeds closes it', async () => {
    const gateway = await openedCircuit();
    await sleep(HALF_OPEN_AFTER_MS + 100);

    const trial = await run(gateway, READ_SESSION_OP);

    expect(trial.errors).toEqual([]);
    expect(trial.data?.['paymentMethodSession']).toMatchObject({ id: FIXTURE_SESSION });
    expect(await journal()).toHaveLength(THRESHOLD + 1);
    await expectCircuit(gateway, 'closed');
    const next = await run(gateway, READ_PM);
    expect(next.errors).toEqual([]);
    expect(await journal()).toHaveLength(THRESHOLD + 2);
  });

  test('a trial call that fails re-opens it (one call, not retried), and it fails fast again', async () => {
    const gateway = await openedCircuit();
    await sleep(HALF_OPEN_AFTER_MS + 100);
    await fault('retrievePaymentMethod', 5, { type: 'status', status: 503 });

    const trial = await run(gateway, READ_PM);

    expect(trial.codes).toEqual(['UPSTREAM_ERROR']);
    expect(await journal()).toHaveLength(THRESHOLD + 1);
    await expectCircuit(gateway, 'open');
    const next = await run(gateway, READ_SESSION_OP);
    expect(next.codes).toEqual(['UPSTREAM_ERROR']);
    expect(await journal()).toHaveLength(THRESHOLD + 1);
    expect(operationLogs(gateway).map((log) => log.upstreamCallCount)).toEqual([THRESHOLD, 1, 0]);
  });

  test('a caller\'s own 401, 403, 404 and 429 never open it, however many', async () => {
    const gateway = await startTestGateway({ retries: THRESHOLD - 1, breakerThreshold: THRESHOLD });
    const rounds = THRESHOLD * 2;

    for (let i = 0; i < rounds; i += 1) {
      const unauthenticated = await run(gateway, READ_PM, UNKNOWN_TOKEN_CALLER);
      expect(unauthenticated.codes).toEqual(['UNAUTHENTICATED']);
      expect(unauthenticated.errors[0]?.extensions?.['upstreamStatus']).toBe(401);
    }
    for (let i = 0; i < rounds; i += 1) {
      const forbidden = await gql(gateway, DELETE_PAYMENT_METHOD, { input: { id: FIXTURE_CARD } }, READ_ONLY_CALLER);
      expect(forbidden.codes).toEqual(['FORBIDDEN']);
      expect(forbidden.errors[0]?.extensions?.['upstreamStatus']).toBe(403);
    }
    for (let i = 0; i < rounds; i += 1) {
      const missing = await gql(gateway, READ_PAYMENT_METHOD, { id: MISSING_PAYMENT_METHOD });
      expect(missing).toMatchObject({ errors: [], data: { paymentMethod: null } });
    }
    await fault('retrievePaymentMethod', rounds, { type: 'rate_limit', retry_after: 30 });
    for (let i = 0; i < rounds; i += 1) {
      expect((await run(gateway, READ_PM)).codes).toEqual(['RATE_LIMITED']);
    }

    // Every one of them reached Zoho, once (none retried, none failed fast) ...
    const entries = await journal();
    expect(entries.map((e) => e.status)).toEqual([
      ...Array(rounds).fill(401),
      ...Array(rounds).fill(403),
      ...Array(rounds).fill(404),
      ...Array(rounds).fill(429),
    ]);
    // ... and the circuit is still closed: the next call goes through.
    await expectCircuit(gateway, 'closed');
    const ok = await run(gateway, READ_PM);
    expect(ok.errors).toEqual([]);
    expect(await journal()).toHaveLength(rounds * 4 + 1);
  });
});

// --- concurrency -----------------------------------------------------------------------------------

describe('20 operations in parallel while faults are active', () => {
  test('never an internal error or an unhandled rejection; every error is a contract code; the gateway stays up', async () => {
    const gateway = await startTestGateway({ breakerThreshold: 5 }, TIMEOUT_MS);
    const LATENCY_MS = 1200;
    await fault('retrievePaymentMethod', 4, { type: 'status', status: 503 });
    await fault('retrievePaymentMethod', 2, { type: 'drop' });
    await fault('retrievePaymentMethodSession', 2, { type: 'latency', latency_ms: LATENCY_MS });
    await fault('retrievePaymentMethodSession', 2, { type: 'malformed_json' });
    await fault('createPaymentMethodSession', 1, { type: 'status', status: 502 });
    await fault('createPaymentMethodSession', 1, { type: 'unexpected_shape' });
    await fault('updatePaymentMethod', 2, { type: 'rate_limit', retry_after: 30 });
    await fault('deletePaymentMethod', 1, { type: 'drop' });

    const [readPm, readSession, create, update, remove] = [READ_PM, READ_SESSION_OP, ...WRITES] as [
      Operation,
      Operation,
      Operation,
      Operation,
      Operation,
    ];
    const batch = [
      ...Array<Operation>(6).fill(readPm),
      ...Array<Operation>(5).fill(readSession),
      ...Array<Operation>(3).fill(create),
      ...Array<Operation>(3).fill(update),
      ...Array<Operation>(3).fill(remove),
    ];
    expect(batch).toHaveLength(20);

    const results = await Promise.all(batch.map((operation) => run(gateway, operation)));

    const codes = results.flatMap((result) => result.codes);
    for (const result of results) {
      expect(result.status).toBe(200);
      expect(result.elapsedMs).toBeLessThan(TIMEOUT_MS + MARGIN_MS * 2);
    }
    expect(codes.length).toBeGreaterThan(0);
    for (const code of codes) expect(['UPSTREAM_ERROR', 'UPSTREAM_TIMEOUT', 'RATE_LIMITED']).toContain(code);
    expect(operationLogs(gateway)).toHaveLength(20);

    // The slow calls that reached Zoho (an open circuit may have spared some) land in the journal
    // once their latency is over; then nothing is in flight.
    const { faults: queued } = await control('GET', '/__sandbox/faults');
    const latencyLeft = (queued as Array<{ fault: { type: string }; remaining: number }>)
      .filter((q) => q.fault.type === 'latency')
      .reduce((sum, q) => sum + q.remaining, 0);
    const latencyTaken = 2 - latencyLeft;
    const latencyLanded = async () => (await journal()).filter((e) => e.fault === 'latency').length;
    const deadline = Date.now() + LATENCY_MS + 3000;
    while ((await latencyLanded()) < latencyTaken && Date.now() < deadline) await sleep(50);
    expect(await latencyLanded()).toBe(latencyTaken);

    const health = await httpRequest(`${gateway.origin}/healthz`);
    expect(health.status).toBe(200);
    expect(unhandledRejections).toEqual([]);
    // And it serves again once Zoho is well (after the half-open delay, should the circuit be open).
    sandbox.faults.clear();
    await sleep(HALF_OPEN_AFTER_MS + 100);
    const after = await run(gateway, READ_PM);
    expect(after.errors).toEqual([]);
  });
});
