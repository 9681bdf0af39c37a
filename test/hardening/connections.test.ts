/**
 * Hardening: client connections, over real sockets to a gateway listening on 127.0.0.1
 * (createGateway; Zoho is not called: the operations are `{ __typename }`).
 *
 * It proves that:
 * - a connection that never finishes its headers (a slowloris, dripping a header a second) and
 *   one that never sends a byte are closed within 20 s (408), while requests on other
 *   connections go on being served;
 * - past MAX_CONNECTIONS open connections, new ones are refused (closed at once, no reply), one
 *   log line says so however many are refused, the admin listener still answers, and a
 *   connection is served again once one of the others has closed;
 * - both listeners keep an idle connection 65 s by default (`Keep-Alive: timeout=65`, longer than
 *   a load balancer's 60 s; KEEP_ALIVE_TIMEOUT_MS), and give a request 10 s for its headers and
 *   30 s in all.
 */
import nock from 'nock';
import { CONNECTION_TIMEOUTS } from '../../src/http/listener';
import type { Gateway } from '../../src/server';
import { captureLogger, startTestServer, testConfig } from '../helpers';
import { httpRequest, jsonOf, postGraphQL, rawConnection, rawRequest, type RawConnection } from '../http-client';

const started: Gateway[] = [];

async function gateway(env: Record<string, string> = {}): Promise<{ gw: Gateway; logs: ReturnType<typeof captureLogger>; origin: string }> {
  const logs = captureLogger('info');
  const gw = await startTestServer(testConfig(env), { logger: logs.logger });
  started.push(gw);
  return { gw, logs, origin: new URL(gw.url).origin };
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** Polls until `check` holds (or fails the test after `timeoutMs`). */
async function until(check: () => Promise<boolean> | boolean, timeoutMs = 5_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`not within ${timeoutMs} ms`);
    await sleep(20);
  }
}

const openConnections = (gw: Gateway) =>
  new Promise<number>((resolve, reject) => gw.httpServer.getConnections((error, count) => (error ? reject(error) : resolve(count))));

beforeAll(() => {
  nock.enableNetConnect('127.0.0.1');
});

afterAll(async () => {
  await Promise.all(started.map((gw) => gw.stop()));
  nock.disableNetConnect();
});

test('a connection that never finishes its headers, or never sends a byte, is closed within 20 s while other requests are served', async () => {
  const { gw, origin } = await gateway();
  const startedAt = Date.now();
  const slowloris = await rawConnection(origin);
  slowloris.send('POST /graphql HTTP/1.1\r\nHost: 127.0.0.1\r\n');
  // Bytes keep coming, so this is the headers' time limit at work, not an idle timeout.
  let header = 0;
  const drip = setInterval(() => slowloris.send(`X-Drip-${(header += 1)}: 1\r\n`), 1000);
  const silent = await rawConnection(origin);
  const closedAfter = (connection: RawConnection) => connection.ended.then(() => Date.now() - startedAt);
  const closed = Promise.all([closedAfter(slowloris), closedAfter(silent)]);
  let done = false;
  void closed.then(() => {
    done = true;
  });

  const served: number[] = [];
  try {
    while (!done && Date.now() - startedAt < 25_000) {
      served.push((await postGraphQL(gw.url, { query: '{ __typename }' })).status);
      await sleep(250);
    }
  } finally {
    clearInterval(drip);
  }
  const [slowlorisMs, silentMs] = await closed;
  for (const ms of [slowlorisMs, silentMs]) {
    expect(ms).toBeGreaterThanOrEqual(CONNECTION_TIMEOUTS.headersTimeoutMs - 500);
    expect(ms).toBeLessThanOrEqual(20_000);
  }
  // Node tells them why before it closes.
  expect((await slowloris.reply()).status).toBe(408);
  expect((await silent.reply()).status).toBe(408);
  expect(header).toBeGreaterThanOrEqual(8);
  // Every other request was served all along.
  expect(served.length).toBeGreaterThan(10);
  expect(new Set(served)).toEqual(new Set([200]));
}, 30_000);

test('past MAX_CONNECTIONS new connections are refused and logged once; the admin listener still answers; then served again once below', async () => {
  const MAX = 3;
  const { gw, logs, origin } = await gateway({ MAX_CONNECTIONS: String(MAX) });
  const held: RawConnection[] = [];
  try {
    for (let i = 0; i < MAX; i += 1) held.push(await rawConnection(origin));
    await until(async () => (await openConnections(gw)) === MAX);

    const refused: RawConnection[] = [];
    for (let i = 0; i < 4; i += 1) {
      const connection = await rawConnection(origin);
      refused.push(connection);
      connection.send(rawRequest('GET', '/healthz'));
      // Closed by the gateway without a reply.
      await expect(connection.reply(5_000)).rejects.toThrow(/ended before a reply/);
    }
    const limitLines = () =>
      logs
        .lines()
        .map((line) => JSON.parse(line) as { msg: string; level: number; listener?: string; maxConnections?: number })
        .filter((line) => line.msg.includes('the limit (MAX_CONNECTIONS)'));
    expect(limitLines()).toEqual([expect.objectContaining({ level: 40, listener: 'PORT', maxConnections: MAX })]);
    expect(limitLines()[0]?.msg).toBe(`PORT: ${MAX} connections open, the limit (MAX_CONNECTIONS): new connections are refused until some close`);

    // Probes and Prometheus are not starved: the admin listener has its own connections.
    const ready = await httpRequest(`${gw.adminUrl}/readyz`);
    expect({ status: ready.status, body: jsonOf(ready) }).toMatchObject({ status: 200, body: { status: 'ready' } });

    // One of the held connections goes: a new one is served.
    held.shift()?.close();
    await until(async () => (await openConnections(gw)) < MAX);
    const served = await rawConnection(origin);
    held.push(served);
    served.send(rawRequest('GET', '/healthz'));
    expect(await served.reply()).toMatchObject({ status: 200, body: JSON.stringify({ status: 'ok' }) });
    expect(limitLines()).toHaveLength(1);
  } finally {
    for (const connection of held) connection.close();
  }
});

test.each([
  [{}, 65],
  [{ KEEP_ALIVE_TIMEOUT_MS: '620000' }, 620],
])('both listeners: 10 s for the headers, 30 s for the whole request, idle keep-alive connections kept (%j: %d s)', async (env, seconds) => {
  const { gw, origin } = await gateway(env);
  for (const server of [gw.httpServer, gw.adminServer]) {
    expect({
      headersTimeout: server.headersTimeout,
      requestTimeout: server.requestTimeout,
      keepAliveTimeout: server.keepAliveTimeout,
    }).toEqual({ headersTimeout: 10_000, requestTimeout: 30_000, keepAliveTimeout: seconds * 1000 });
  }
  for (const [base, path] of [
    [origin, '/graphql'],
    [gw.adminUrl, '/metrics'],
  ] as const) {
    const connection = await rawConnection(base);
    try {
      connection.send(
        path === '/graphql'
          ? rawRequest('POST', path, { 'content-type': 'application/json' }, JSON.stringify({ query: '{ __typename }' }))
          : rawRequest('GET', path),
      );
      const first = await connection.reply();
      expect(first.status).toBe(200);
      expect(first.headers['keep-alive']).toBe(`timeout=${seconds}`);
      // The same connection carries the next request.
      connection.send(rawRequest('GET', '/healthz'));
      expect((await connection.reply()).status).toBe(200);
    } finally {
      connection.close();
    }
  }
});
