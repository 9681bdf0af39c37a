/**
 * Shutdown, with real processes: the gateway (`src/main.ts`, what `npm start` runs) and the Zoho
 * Payments sandbox (`sandbox/main.ts`) each run as their own process, and a signal is sent to
 * the gateway while clients are connected.
 *
 * It proves that:
 * - the drain load balancers see (SHUTDOWN_DELAY_MS): after SIGTERM `/readyz` answers 503 at
 *   once on both listeners while `/graphql` is still served, on new connections and on a
 *   kept-alive one; then new connections are refused, the idle kept-alive one is closed, an
 *   operation in flight (the sandbox's latency fault) still gets its real answer, with
 *   `Connection: close`, and the process exits 0 after it;
 * - a second SIGTERM, and a SIGINT, during the drain do not cut it short: they are logged, the
 *   operation in flight still gets its answer, and the exit is 0;
 * - SIGTERM while operations wait on a slow Zoho (no delay): every in-flight
 *   operation completes with its full data, the process exits with code 0 (not killed by the
 *   signal) after those operations completed and long before SHUTDOWN_GRACE_MS, its log says
 *   `shutting down`, and while it drains a new client is refused (connection refused) or told
 *   503 `shutting down` by /readyz;
 * - the drain is bounded: with SHUTDOWN_GRACE_MS=500 and a Zoho that answers in 20 s, the process
 *   exits 0 within the grace period plus a margin, and the in-flight client sees its connection
 *   closed (not a hang);
 * - an idle gateway on the embedded sandbox (no ZOHO_API_URL) exits 0 promptly on SIGTERM and on
 *   SIGINT, and the embedded sandbox's port is closed afterwards;
 * - clients holding idle keep-alive connections (one that closes when the server does, one that
 *   never closes its side, and a pre-connected one that never sent a request) do not hold the exit
 *   up: they are closed at once; nor does a connection that never sends a request and never
 *   closes its side: it is closed as soon as nothing is in flight.
 *
 * One sandbox process serves the file (reset before each test); each test starts its own gateway.
 * Time limits are generous: the suite runs on shared, noisy machines.
 */
import http from 'node:http';
import net from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';
import nock from 'nock';
import { httpRequest, jsonOf, postGraphQL, rawConnection, rawRequest, type HttpReply } from '../http-client';
import {
  LOOPBACK,
  startGatewayProcess,
  startSandboxProcess,
  stopAllProcesses,
  waitForStdout,
  type GatewayProcess,
  type ManagedProcess,
  type SandboxProcess,
} from '../support/processes';

jest.setTimeout(30_000);

const ACCOUNT_ID = '1000000001';
const FULL = { Authorization: 'Zoho-oauthtoken sandbox_full', 'X-Zoho-Account-Id': ACCOUNT_ID };
const FIXTURE_CARD = '1987000000724211';

/** Every field of a payment method the fixture card has, so "full data" means all of it. */
const PAYMENT_METHOD = `query PaymentMethod($id: ID!) {
  paymentMethod(id: $id) {
    id
    type
    status
    currency
    createdAt
    updatedAt
    customer { id name email }
    details {
      ... on CardDetails { cardholderName last4 expiryMonth expiryYear checks { cvc postalCode addressLine } }
    }
    billingAddress { name addressLine1 city state country postalCode }
  }
}`;

let sandbox: SandboxProcess;

beforeAll(async () => {
  nock.enableNetConnect(LOOPBACK);
  try {
    sandbox = await startSandboxProcess();
  } catch (error) {
    await stopAllProcesses();
    throw error;
  }
}, 60_000);

afterAll(async () => {
  await stopAllProcesses();
});

beforeEach(async () => {
  await control('POST', '/__sandbox/reset', {});
});

// --- helpers --------------------------------------------------------------------------------

/** A request to the sandbox's control API; fails the test unless it answers 2xx. */
async function control<T = Record<string, unknown>>(method: 'GET' | 'POST', path: string, body?: unknown): Promise<T> {
  const reply = await httpRequest(`${sandbox.origin}${path}`, {
    method,
    ...(body !== undefined && { headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) }),
    agent: new http.Agent({ keepAlive: false }),
  });
  if (reply.status >= 300) throw new Error(`${method} ${path} -> ${reply.status}: ${reply.text}`);
  return jsonOf<T>(reply);
}

/** Resolves once every queued fault has been taken, i.e. the calls it was meant for reached the sandbox. */
async function untilFaultsTaken(timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const { faults } = await control<{ faults: unknown[] }>('GET', '/__sandbox/faults');
    if (faults.length === 0) return;
    if (Date.now() > deadline) {
      throw new Error(`the upstream calls did not reach the sandbox within ${timeoutMs} ms; faults left: ${JSON.stringify(faults)}`);
    }
    await sleep(25);
  }
}

/** `url` with `localhost` replaced by 127.0.0.1: the gateway listens on IPv4, and a refusal must be its own. */
function ipv4(url: string): string {
  return url.replace('//localhost:', '//127.0.0.1:');
}

/** What a request came to: a reply (status and JSON body) or a socket error (its code). */
type Outcome = { status: number; body: unknown } | { error: string };

async function outcomeOf(request: Promise<HttpReply>): Promise<Outcome> {
  try {
    const reply = await request;
    let body: unknown = reply.text;
    try {
      body = JSON.parse(reply.text);
    } catch {
      // not JSON: kept as text
    }
    return { status: reply.status, body };
  } catch (error) {
    const { code, message } = error as NodeJS.ErrnoException;
    return { error: code ?? message };
  }
}

/** A GET on a new connection (never a pooled one). */
function freshGet(url: string): Promise<Outcome> {
  return outcomeOf(httpRequest(url, { agent: new http.Agent({ keepAlive: false }), timeoutMs: 5_000 }));
}

/** Sends `signal` and resolves with how the process ended and how long after the signal it did. */
async function signalAndWait(
  proc: ManagedProcess,
  signal: NodeJS.Signals,
): Promise<{ code: number | null; signal: NodeJS.Signals | null; sentAt: number; exitedAt: number }> {
  const sentAt = Date.now();
  expect(proc.child.kill(signal)).toBe(true);
  const ended = await proc.exited;
  return { ...ended, sentAt, exitedAt: Date.now() };
}

/** The gateway's JSON log lines (pino), in order. */
function logLines(proc: ManagedProcess): Array<Record<string, unknown>> {
  return proc.stdout
    .split('\n')
    .filter((line) => line.startsWith('{') && line.endsWith('}'))
    .map((line) => JSON.parse(line) as Record<string, unknown>);
}

function loggedShuttingDown(stdout: string, signal: NodeJS.Signals): boolean {
  return stdout
    .split('\n')
    .some((line) => line.startsWith('{') && line.includes('"shutting down"') && line.includes(`"${signal}"`));
}

/** pino levels: 50 error, 60 fatal. */
function errorLogs(proc: ManagedProcess): Array<Record<string, unknown>> {
  return logLines(proc).filter((line) => typeof line['level'] === 'number' && line['level'] >= 50);
}

/** Resolves once the server's side of `socket` has ended (a FIN, a reset, or the socket closed). */
function endedBy(socket: net.Socket): Promise<void> {
  return new Promise<void>((resolve) => {
    socket.once('end', () => resolve());
    socket.once('close', () => resolve());
  });
}

function startGatewayOnSandbox(env: Record<string, string>): Promise<GatewayProcess> {
  return startGatewayProcess({ ZOHO_API_URL: sandbox.apiUrl, ZOHO_RETRIES: '0', LOG_LEVEL: 'info', ...env });
}

// --- the tests ------------------------------------------------------------------------------

describe('SHUTDOWN_DELAY_MS: the drain load balancers see', () => {
  test('/readyz is 503 at once while /graphql is still served on new and kept-alive connections; then new connections are refused, and the operation in flight gets its answer', async () => {
    const DELAY_MS = 2_000;
    const LATENCY_MS = 4_000;
    const gateway = await startGatewayOnSandbox({ SHUTDOWN_DELAY_MS: String(DELAY_MS), SHUTDOWN_GRACE_MS: '10000', ZOHO_TIMEOUT_MS: '10000' });
    const operation = JSON.stringify({ query: PAYMENT_METHOD, variables: { id: FIXTURE_CARD } });
    const graphqlRequest = () => rawRequest('POST', '/graphql', { 'Content-Type': 'application/json', ...FULL }, operation);
    const fullData = { data: { paymentMethod: expect.objectContaining({ id: FIXTURE_CARD, details: expect.objectContaining({ last4: '3212' }) }) } };

    // A client with a kept-alive connection (as a load balancer keeps them), one request done.
    const kept = await rawConnection(ipv4(gateway.origin));
    kept.send(rawRequest('GET', '/healthz'));
    expect(await kept.reply()).toMatchObject({ status: 200, headers: { connection: 'keep-alive' } });
    // An operation that Zoho answers slowly, in flight on a connection of its own.
    await control('POST', '/__sandbox/faults', { endpoint: 'retrievePaymentMethod', type: 'latency', latency_ms: LATENCY_MS, count: 1 });
    const slow = await rawConnection(ipv4(gateway.origin));
    slow.send(graphqlRequest());
    await untilFaultsTaken(1_500);

    const sentAt = Date.now();
    expect(gateway.child.kill('SIGTERM')).toBe(true);
    const exited = gateway.exited.then((ended) => ({ ...ended, exitedAt: Date.now() }));
    // The signal is handled within moments: /readyz turns 503 on both listeners.
    for (const origin of [gateway.origin, gateway.adminOrigin]) {
      let readyz = await freshGet(`${ipv4(origin)}/readyz`);
      while ('status' in readyz && readyz.status === 200 && Date.now() - sentAt < 1_000) readyz = await freshGet(`${ipv4(origin)}/readyz`);
      expect(readyz).toEqual({ status: 503, body: { status: 'not ready', reason: 'shutting down' } });
    }
    // ...while it still serves, for SHUTDOWN_DELAY_MS: a new connection, and the kept-alive one.
    const fresh = await postGraphQL(ipv4(gateway.url), { query: PAYMENT_METHOD, variables: { id: FIXTURE_CARD } }, FULL, new http.Agent());
    expect({ status: fresh.status, body: jsonOf(fresh) }).toEqual({ status: 200, body: fullData });
    kept.send(graphqlRequest());
    const onKept = await kept.reply();
    expect({ status: onKept.status, body: JSON.parse(onKept.body) as unknown }).toEqual({ status: 200, body: fullData });
    // Still keep-alive: the balancer may go on using the connection until it has taken the gateway out.
    expect(onKept.headers['connection']).toBe('keep-alive');
    await expect(freshGet(`${ipv4(gateway.origin)}/healthz`)).resolves.toEqual({ status: 200, body: { status: 'ok' } });
    const servedUntil = Date.now();
    expect(servedUntil - sentAt).toBeLessThan(DELAY_MS);

    // After the delay: no new connections; the idle kept-alive one is closed.
    await sleep(DELAY_MS - (Date.now() - sentAt) + 300);
    await expect(freshGet(`${ipv4(gateway.origin)}/healthz`)).resolves.toEqual({ error: 'ECONNREFUSED' });
    await kept.ended;
    // Probes still read 503 on the admin listener until the process exits.
    await expect(freshGet(`${ipv4(gateway.adminOrigin)}/readyz`)).resolves.toEqual({ status: 503, body: { status: 'not ready', reason: 'shutting down' } });

    // The operation in flight gets its real answer, asking the client to close, and the connection ends with it.
    const answered = await slow.reply(LATENCY_MS + 2_000);
    const answeredAt = Date.now();
    expect({ status: answered.status, body: JSON.parse(answered.body) as unknown }).toEqual({ status: 200, body: fullData });
    expect(answered.headers['connection']).toBe('close');
    await slow.ended;
    const ended = await exited;
    expect({ code: ended.code, signal: ended.signal }).toEqual({ code: 0, signal: null });
    expect(ended.exitedAt).toBeGreaterThanOrEqual(answeredAt);
    expect(ended.exitedAt - sentAt).toBeGreaterThanOrEqual(LATENCY_MS - 1_000);
    expect(errorLogs(gateway)).toEqual([]);
    expect(logLines(gateway)).toContainEqual(expect.objectContaining({ msg: 'shutting down', signal: 'SIGTERM', shutdownDelayMs: DELAY_MS }));
  });

  test('a second SIGTERM, and a SIGINT, during the drain are logged and do not cut it short', async () => {
    const LATENCY_MS = 2_500;
    const gateway = await startGatewayOnSandbox({ SHUTDOWN_DELAY_MS: '500', SHUTDOWN_GRACE_MS: '10000', ZOHO_TIMEOUT_MS: '10000' });
    await control('POST', '/__sandbox/faults', { endpoint: 'retrievePaymentMethod', type: 'latency', latency_ms: LATENCY_MS, count: 1 });
    const operation = outcomeOf(postGraphQL(gateway.url, { query: PAYMENT_METHOD, variables: { id: FIXTURE_CARD } }, FULL, new http.Agent()));
    await untilFaultsTaken(1_500);

    expect(gateway.child.kill('SIGTERM')).toBe(true);
    await waitForStdout(gateway, (out) => loggedShuttingDown(out, 'SIGTERM'));
    expect(gateway.child.kill('SIGTERM')).toBe(true);
    await sleep(300);
    // In the grace period now (past the 500 ms delay), with the operation still in flight.
    expect(gateway.child.kill('SIGINT')).toBe(true);
    const outcome = await operation;
    expect(outcome).toEqual({ status: 200, body: { data: { paymentMethod: expect.objectContaining({ id: FIXTURE_CARD }) } } });
    const ended = await gateway.exited;
    expect({ code: ended.code, signal: ended.signal }).toEqual({ code: 0, signal: null });
    const lines = logLines(gateway);
    expect(lines.filter((line) => line['msg'] === 'shutting down')).toEqual([expect.objectContaining({ signal: 'SIGTERM' })]);
    for (const signal of ['SIGTERM', 'SIGINT']) {
      expect(lines).toContainEqual(expect.objectContaining({ signal, msg: `${signal} while shutting down (on SIGTERM): the drain goes on; SIGKILL stops the process at once` }));
    }
    expect(errorLogs(gateway)).toEqual([]);
  });
});

describe('SIGTERM with operations in flight', () => {
  test('every in-flight operation completes with its data, new clients are turned away, and the process exits 0 after them', async () => {
    const gateway = await startGatewayOnSandbox({ SHUTDOWN_GRACE_MS: '10000', ZOHO_TIMEOUT_MS: '10000' });

    // What the fixture card reads as when nothing is slow: every in-flight operation must return exactly this.
    const baseline = jsonOf<{ data?: { paymentMethod: Record<string, unknown> }; errors?: unknown }>(
      await postGraphQL(gateway.url, { query: PAYMENT_METHOD, variables: { id: FIXTURE_CARD } }, FULL, new http.Agent()),
    );
    expect(baseline.errors).toBeUndefined();
    expect(baseline.data?.paymentMethod).toMatchObject({ id: FIXTURE_CARD, type: 'CARD', details: { last4: '3212' } });
    await control('POST', '/__sandbox/reset', {});

    const N = 5;
    const LATENCY_MS = 2_000;
    await control('POST', '/__sandbox/faults', { endpoint: 'retrievePaymentMethod', type: 'latency', latency_ms: LATENCY_MS, count: N });
    const operations = Array.from({ length: N }, () =>
      outcomeOf(postGraphQL(gateway.url, { query: PAYMENT_METHOD, variables: { id: FIXTURE_CARD } }, FULL, new http.Agent())).then(
        (outcome) => ({ outcome, doneAt: Date.now() }),
      ),
    );
    // All N have reached Zoho (each took one use of the fault) and now wait LATENCY_MS there.
    await untilFaultsTaken(1_500);

    const sentAt = Date.now();
    expect(gateway.child.kill('SIGTERM')).toBe(true);
    const exited = gateway.exited.then((ended) => ({ ...ended, exitedAt: Date.now() }));

    // Draining: a new client is refused, or /readyz tells it the gateway is going away.
    await waitForStdout(gateway, (out) => loggedShuttingDown(out, 'SIGTERM'));
    const readyz = await freshGet(`${ipv4(gateway.origin)}/readyz`);
    const probedAt = Date.now();
    expect([{ error: 'ECONNREFUSED' }, { status: 503, body: { status: 'not ready', reason: 'shutting down' } }]).toContainEqual(readyz);

    const done = await Promise.all(operations);
    const ended = await exited;

    for (const { outcome } of done) {
      expect(outcome).toEqual({ status: 200, body: { data: { paymentMethod: baseline.data?.paymentMethod } } });
    }
    const firstDone = Math.min(...done.map((op) => op.doneAt));
    const lastDone = Math.max(...done.map((op) => op.doneAt));
    // The operations were still in flight when the signal came and when the probe was turned away...
    expect(firstDone).toBeGreaterThan(sentAt);
    expect(firstDone).toBeGreaterThanOrEqual(probedAt);
    // ...and the process exited 0 after they completed, and long before the 10 s grace period.
    expect({ code: ended.code, signal: ended.signal }).toEqual({ code: 0, signal: null });
    expect(ended.exitedAt).toBeGreaterThanOrEqual(lastDone);
    expect(ended.exitedAt - lastDone).toBeLessThan(3_000);
    expect(ended.exitedAt - sentAt).toBeLessThan(7_000);

    expect(logLines(gateway)).toContainEqual(expect.objectContaining({ msg: 'shutting down', signal: 'SIGTERM' }));
    expect(errorLogs(gateway)).toEqual([]);
    // Zoho saw exactly the N slow calls, each answered 200.
    const { requests } = await control<{ requests: Array<Record<string, unknown>> }>('GET', '/__sandbox/requests');
    expect(requests.map(({ endpoint, status, fault }) => ({ endpoint, status, fault }))).toEqual(
      Array.from({ length: N }, () => ({ endpoint: 'retrievePaymentMethod', status: 200, fault: 'latency' })),
    );
  });

  test("a keyed create whose client left is still in flight: the drain waits for its Zoho write, its record and its audit line before exiting", async () => {
    const gateway = await startGatewayOnSandbox({ SHUTDOWN_GRACE_MS: '10000', ZOHO_TIMEOUT_MS: '10000' });
    await control('POST', '/__sandbox/reset', {});
    const LATENCY_MS = 2_500;
    await control('POST', '/__sandbox/faults', { endpoint: 'createPaymentMethodSession', type: 'latency', latency_ms: LATENCY_MS, count: 1 });
    const body = JSON.stringify({
      query: 'mutation Create($input: CreatePaymentMethodSessionInput!) { createPaymentMethodSession(input: $input) { paymentMethodSession { id } } }',
      variables: { input: { customerId: '1987000000724207', description: 'left during the drain', idempotencyKey: 'drain-left-1' } },
    });
    const req = http.request(`${gateway.origin}/graphql`, {
      method: 'POST',
      agent: false,
      headers: { ...FULL, 'content-type': 'application/json', 'content-length': String(Buffer.byteLength(body)) },
    });
    req.on('error', () => undefined); // the test destroys it
    const closed = new Promise<void>((resolve) => req.on('close', () => resolve()));
    req.end(body);
    // The POST is at Zoho (the fault is used up on arrival); the client leaves, then SIGTERM.
    await untilFaultsTaken(3_000);
    req.destroy();
    await closed;
    const sentAt = Date.now();
    expect(gateway.child.kill('SIGTERM')).toBe(true);
    const ended = await gateway.exited;

    expect({ code: ended.code, signal: ended.signal }).toEqual({ code: 0, signal: null });
    // It exited after Zoho's reply, not at once with the create cut under it (the latency runs
    // from the request's arrival at the sandbox, a moment before sentAt: a margin of 1 s, with a
    // latency of 2.5 s so that the bound stays well above an exit at once)...
    expect(Date.now() - sentAt).toBeGreaterThanOrEqual(LATENCY_MS - 1000);
    const { requests } = await control<{ requests: Array<Record<string, unknown>> }>('GET', '/__sandbox/requests');
    expect(requests.map(({ endpoint, status }) => ({ endpoint, status }))).toEqual([{ endpoint: 'createPaymentMethodSession', status: 200 }]);
    // ...and the operation finished its work: recorded, and audited as created.
    const operation = logLines(gateway).find((line) => line['msg'] === 'graphql operation');
    expect(operation).toMatchObject({ mutations: [expect.objectContaining({ outcome: 'created' })] });
    expect(errorLogs(gateway)).toEqual([]);
  });

  test('the drain is bounded: SHUTDOWN_GRACE_MS=500 with a 20 s Zoho call -> exit 0 within seconds, the client sees its connection closed', async () => {
    const GRACE_MS = 500;
    const gateway = await startGatewayOnSandbox({ SHUTDOWN_GRACE_MS: String(GRACE_MS), ZOHO_TIMEOUT_MS: '30000' });
    await control('POST', '/__sandbox/faults', { endpoint: 'retrievePaymentMethod', type: 'latency', latency_ms: 20_000, count: 1 });

    const operation = outcomeOf(
      httpRequest(gateway.url, {
        method: 'POST',
        headers: { 'content-type': 'application/json', ...FULL },
        body: JSON.stringify({ query: PAYMENT_METHOD, variables: { id: FIXTURE_CARD } }),
        agent: new http.Agent(),
        // Far past the bound: if the gateway never closed the connection, this would say so.
        timeoutMs: 25_000,
      }),
    ).then((outcome) => ({ outcome, doneAt: Date.now() }));
    await untilFaultsTaken(1_500);

    const ended = await signalAndWait(gateway, 'SIGTERM');
    const { outcome, doneAt } = await operation;

    expect({ code: ended.code, signal: ended.signal }).toEqual({ code: 0, signal: null });
    // It waited for the grace period (the operation was in flight), then stopped waiting.
    expect(ended.exitedAt - ended.sentAt).toBeGreaterThanOrEqual(GRACE_MS - 50);
    expect(ended.exitedAt - ended.sentAt).toBeLessThan(6_000);
    // The client was cut off (no reply), promptly, not left hanging until its own time-out.
    expect([{ error: 'ECONNRESET' }, { error: 'socket hang up' }]).toContainEqual(outcome);
    expect(doneAt - ended.sentAt).toBeLessThan(6_000);
    expect(logLines(gateway)).toContainEqual(expect.objectContaining({ msg: 'shutting down', signal: 'SIGTERM' }));
  });
});

describe('an idle gateway on the embedded sandbox (npm start, no ZOHO_API_URL)', () => {
  test.each(['SIGTERM', 'SIGINT'] as const)('%s -> exit 0 promptly, and the embedded sandbox port is closed', async (signal) => {
    const gateway = await startGatewayProcess({ SANDBOX_PORT: '0', SHUTDOWN_GRACE_MS: '10000' });
    const stdout = await waitForStdout(gateway, (out) => /embedded Zoho Payments sandbox at http:\/\/\S+\/api\/v1 /.test(out));
    const embeddedOrigin = /embedded Zoho Payments sandbox at (http:\/\/\S+)\/api\/v1 /.exec(stdout)?.[1] as string;
    // Both serve before the signal, so the refusals below are the shutdown's doing.
    await expect(freshGet(`${embeddedOrigin}/__sandbox/health`)).resolves.toEqual({ status: 200, body: { status: 'ok' } });
    await expect(freshGet(`${ipv4(gateway.origin)}/healthz`)).resolves.toEqual({ status: 200, body: { status: 'ok' } });

    const ended = await signalAndWait(gateway, signal);
    expect({ code: ended.code, signal: ended.signal }).toEqual({ code: 0, signal: null });
    // Promptly: nothing is in flight, so it does not wait out the 10 s grace period.
    expect(ended.exitedAt - ended.sentAt).toBeLessThan(5_000);
    expect(logLines(gateway)).toContainEqual(expect.objectContaining({ msg: 'shutting down', signal }));
    expect(errorLogs(gateway)).toEqual([]);

    await expect(freshGet(`${embeddedOrigin}/__sandbox/health`)).resolves.toEqual({ error: 'ECONNREFUSED' });
    await expect(freshGet(`${ipv4(gateway.origin)}/healthz`)).resolves.toEqual({ error: 'ECONNREFUSED' });
  });
});

describe('keep-alive clients', () => {
  test('idle keep-alive connections (and a pre-connected one) do not hold the exit up: they are closed at once', async () => {
    const GRACE_MS = 10_000;
    const gateway = await startGatewayOnSandbox({ SHUTDOWN_GRACE_MS: String(GRACE_MS), ZOHO_TIMEOUT_MS: '10000' });
    const port = Number(new URL(gateway.origin).port);
    const clients: net.Socket[] = [];
    try {
      // Raw sockets, not an http.Agent: under nock's interceptor an agent's requests go out with
      // `Connection: close`, so no agent here ever holds a real keep-alive connection.
      // 1. A keep-alive client: one operation, then it keeps the connection, idle, for the next one.
      const body = JSON.stringify({ query: PAYMENT_METHOD, variables: { id: FIXTURE_CARD } });
      const polite = await keepAliveClient(port, false, [
        'POST /graphql HTTP/1.1',
        `Host: 127.0.0.1:${port}`,
        'Connection: keep-alive',
        'Content-Type: application/json',
        `Authorization: ${FULL.Authorization}`,
        `X-Zoho-Account-Id: ${ACCOUNT_ID}`,
        `Content-Length: ${Buffer.byteLength(body)}`,
        '',
        body,
      ]);
      clients.push(polite.socket);
      expect(polite.head).toMatch(/^HTTP\/1\.1 200 OK\r\n/);
      expect(polite.head).toMatch(/\r\nConnection: keep-alive\r\n/i);
      expect(JSON.parse(polite.body)).toMatchObject({ data: { paymentMethod: { id: FIXTURE_CARD } } });

      // 2. A client that got a keep-alive reply and never closes its side, even once the server has.
      const stubborn = await keepAliveClient(port, true, ['GET /healthz HTTP/1.1', `Host: 127.0.0.1:${port}`, 'Connection: keep-alive', '', '']);
      clients.push(stubborn.socket);
      expect(stubborn.head).toMatch(/^HTTP\/1\.1 200 OK\r\n/);
      expect(stubborn.head).toMatch(/\r\nConnection: keep-alive\r\n/i);
      expect(JSON.parse(stubborn.body)).toEqual({ status: 'ok' });

      // 3. A connection opened and never used (as browsers pre-connect), which closes when the server does.
      const preconnected = net.connect({ host: '127.0.0.1', port });
      clients.push(preconnected);
      preconnected.on('error', () => undefined);
      const preconnectedEnded = endedBy(preconnected);
      await new Promise<void>((resolve) => preconnected.once('connect', () => resolve()));

      const ended = await signalAndWait(gateway, 'SIGTERM');
      expect({ code: ended.code, signal: ended.signal }).toEqual({ code: 0, signal: null });
      // Nothing was in flight: it neither waited out the 10 s grace period nor the gateway's 5 s
      // keep-alive time-out (counted from the last reply, just before the signal).
      expect(ended.exitedAt - ended.sentAt).toBeLessThan(4_000);
      // Each client saw its connection end.
      await Promise.all([polite.ended, stubborn.ended, preconnectedEnded]);
      expect(errorLogs(gateway)).toEqual([]);
    } finally {
      for (const socket of clients) socket.destroy();
    }
  });

  test('a connection that never sends a request and never closes its side does not hold the exit: it is closed once nothing is in flight', async () => {
    const GRACE_MS = 10_000;
    const gateway = await startGatewayOnSandbox({ SHUTDOWN_GRACE_MS: String(GRACE_MS), ZOHO_TIMEOUT_MS: '10000' });
    const port = Number(new URL(gateway.origin).port);
    // allowHalfOpen: it sees the server's end but never ends its own side.
    const silent = net.connect({ host: '127.0.0.1', port, allowHalfOpen: true });
    try {
      silent.on('error', () => undefined);
      const silentEnded = endedBy(silent);
      await new Promise<void>((resolve) => silent.once('connect', () => resolve()));

      const ended = await signalAndWait(gateway, 'SIGTERM');
      expect({ code: ended.code, signal: ended.signal }).toEqual({ code: 0, signal: null });
      // Nothing was in flight: neither the grace period nor the connection's own time limit (10 s for its headers) was waited out.
      expect(ended.exitedAt - ended.sentAt).toBeLessThan(4_000);
      await silentEnded;
      expect(errorLogs(gateway)).toEqual([]);
    } finally {
      silent.destroy();
    }
  });
});

/**
 * A raw HTTP/1.1 client on its own connection: sends `lines` (CRLF-joined), resolves with the
 * reply's head and body (by its Content-Length), and leaves the connection open.
 */
async function keepAliveClient(
  port: number,
  allowHalfOpen: boolean,
  lines: string[],
): Promise<{ socket: net.Socket; head: string; body: string; ended: Promise<void> }> {
  const socket = net.connect({ host: '127.0.0.1', port, allowHalfOpen });
  socket.on('error', () => undefined);
  const ended = endedBy(socket);
  let text = '';
  socket.setEncoding('utf8').on('data', (chunk: string) => {
    text += chunk;
  });
  socket.write(lines.join('\r\n'));
  const deadline = Date.now() + 10_000;
  for (;;) {
    const split = text.indexOf('\r\n\r\n');
    if (split >= 0) {
      const head = text.slice(0, split);
      const length = Number(/\r\ncontent-length: (\d+)/i.exec(head)?.[1] ?? NaN);
      const body = text.slice(split + 4);
      if (Buffer.byteLength(body) >= length) return { socket, head: `${head}\r\n`, body, ended };
    }
    if (Date.now() > deadline) throw new Error(`no complete reply within 10 s: ${JSON.stringify(text)}`);
    await sleep(20);
  }
}
