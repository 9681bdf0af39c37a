/**
 * The gateway's HTTP client (src/datasources/http-client.ts) over real sockets on 127.0.0.1,
 * against stand-in servers of this file's own (test/support/): both framings at 1,000 calls in
 * flight, redirects, the body limit, each failure's reason, aborts, the egress proxy and
 * NODE_EXTRA_CA_CERTS (in a child process, since Node reads it only at start-up).
 */
import { spawn } from 'node:child_process';
import type http from 'node:http';
import path from 'node:path';
import nock from 'nock';
import { createZohoHttpClient, type ZohoHttpClient } from '../../src/datasources/http-client';
import { UpstreamTransportError, type TransportFailureReason } from '../../src/datasources/upstream-failure';
import { makeSelfSignedCert, type SelfSignedCert } from '../support/certs';
import { startConnectProxy } from '../support/connect-proxy';
import { refusedPort, reply, startStandIn, type Framing, type StandIn } from '../support/stand-in-server';

jest.setTimeout(60_000);

const REPO_ROOT = path.resolve(__dirname, '..', '..');
const MIB = 1024 * 1024;
const FRAMINGS: Framing[] = ['chunked', 'content-length'];

/** Closed after each test: servers, proxies and clients a test started. */
const cleanups: (() => unknown)[] = [];
function later<T>(value: T, close: (value: T) => unknown): T {
  cleanups.push(() => close(value));
  return value;
}
function client(
  baseURL: string,
  options: { maxSockets?: number; maxBodyBytes?: number; env?: NodeJS.ProcessEnv; freeSocketTimeoutMs?: number } = {},
): ZohoHttpClient {
  return later(createZohoHttpClient({ baseURL, maxSockets: options.maxSockets ?? 64, env: options.env ?? {}, ...options }), (c) => c.close());
}
async function standIn(handler: (req: http.IncomingMessage, res: http.ServerResponse) => void, tls?: SelfSignedCert): Promise<StandIn> {
  return later(await startStandIn(handler, tls ? { tls } : {}), (s) => s.close());
}

/** The rejection of `promise`, which must reject. */
async function rejection(promise: Promise<unknown>): Promise<Error> {
  try {
    await promise;
  } catch (error) {
    return error as Error;
  }
  throw new Error('expected a rejection, got a reply');
}
async function transportFailure(promise: Promise<unknown>): Promise<UpstreamTransportError> {
  const error = await rejection(promise);
  expect(error).toBeInstanceOf(UpstreamTransportError);
  return error as UpstreamTransportError;
}
const expectReason = async (promise: Promise<unknown>, reason: TransportFailureReason) =>
  expect((await transportFailure(promise)).reason).toBe(reason);

let cert: SelfSignedCert;

beforeAll(async () => {
  nock.enableNetConnect(/^(127\.0\.0\.1|localhost)(:\d+)?$/);
  // nock's interceptor stays in the path of let-through calls: it opens a socket per call
  // (ignoring the agent's pool and maxSockets) and breaks https-proxy-agent. This file tests
  // the client as production runs it, so nock is off here. It stays off: the next file in this
  // worker requires nock afresh, and an interceptor re-activated here would outlive this file's
  // nock and answer the next file's calls (its mock sockets then emit errors nobody listens to).
  // Every host below is 127.0.0.1 or a .invalid name, which never resolves.
  nock.restore();
  cert = await makeSelfSignedCert();
});
afterEach(async () => {
  for (const close of cleanups.splice(0).reverse()) await close();
});
afterAll(async () => {
  await cert?.remove();
});

describe.each(FRAMINGS)('replies framed %s', (framing) => {
  test('1,000 calls in flight over 64 sockets: every one answered with its own reply, on reused sockets', async () => {
    const server = await standIn((req, res) => {
      // Written over several ticks, so chunked replies really arrive in pieces.
      const body = JSON.stringify({ echo: req.url, pad: 'x'.repeat(2000) });
      setImmediate(() => reply(res, framing, body, 4));
    });
    const api = client(`${server.origin}/api/v1`, { maxSockets: 64 });
    const results = await Promise.allSettled(
      Array.from({ length: 1000 }, async (_, i) => {
        const response = await api.fetch(`${server.origin}/api/v1/paymentmethods/${i}?account_id=${i}`, {
          method: 'GET',
          headers: { accept: 'application/json' },
        });
        return { i, status: response.status, body: JSON.parse(await response.text()) as { echo: string } };
      }),
    );
    const failures = results.filter((r) => r.status === 'rejected');
    expect(failures).toEqual([]);
    for (const result of results) {
      if (result.status !== 'fulfilled') continue;
      const { i, status, body } = result.value;
      expect(status).toBe(200);
      expect(body.echo).toBe(`/api/v1/paymentmethods/${i}?account_id=${i}`);
    }
    expect(server.requests).toBe(1000);
    // At most the pool's size: 1,000 calls went over 64 connections or fewer.
    expect(server.connections).toBeGreaterThan(0);
    expect(server.connections).toBeLessThanOrEqual(64);
    // Kept alive between bursts too: later calls go over the pooled sockets, not new ones.
    const pooled = server.connections;
    await new Promise((resolve) => setTimeout(resolve, 20));
    for (let i = 0; i < 10; i += 1) expect((await api.fetch(`${server.origin}/api/v1/again/${i}`)).status).toBe(200);
    expect(server.connections).toBe(pooled);
  });

  test('a body of exactly the limit is accepted; one byte more is refused as too_large', async () => {
    const server = await standIn((req, res) => {
      const size = Number(new URL(req.url ?? '/', 'http://x').searchParams.get('size'));
      reply(res, framing, Buffer.alloc(size, 'a'), 16);
    });
    const api = client(server.origin); // the default limit, 1 MiB
    const exact = await api.fetch(`${server.origin}/body?size=${MIB}`);
    expect((await exact.text()).length).toBe(MIB);
    await expectReason(api.fetch(`${server.origin}/body?size=${MIB + 1}`), 'too_large');
    // A smaller configured limit holds the same way.
    const small = client(server.origin, { maxBodyBytes: 100 });
    expect(await (await small.fetch(`${server.origin}/body?size=100`)).text()).toBe('a'.repeat(100));
    await expectReason(small.fetch(`${server.origin}/body?size=101`), 'too_large');
  });

  test('the server destroying the socket mid-body is a reset', async () => {
    const server = await standIn((_req, res) => {
      res.writeHead(200, framing === 'content-length' ? { 'content-length': 1000 } : {});
      res.write('{"partial":');
      setTimeout(() => res.socket?.destroy(), 20);
    });
    await expectReason(client(server.origin).fetch(`${server.origin}/x`), 'reset');
  });
});

test('a 200 MB chunked stream is refused after about the limit, without reading it all', async () => {
  let written = 0;
  let serverSawClose!: () => void;
  const closed = new Promise<void>((resolve) => (serverSawClose = resolve));
  const server = await standIn((_req, res) => {
    res.writeHead(200, { 'content-type': 'application/json' });
    const piece = Buffer.alloc(64 * 1024, 'z');
    const pump = () => {
      // Respects back-pressure: the server writes only as fast as the client reads.
      while (written < 200 * MIB && !res.destroyed) {
        written += piece.length;
        if (!res.write(piece)) return void res.once('drain', pump);
      }
      res.end();
    };
    res.on('close', () => serverSawClose());
    pump();
  });
  const heapBefore = process.memoryUsage().heapUsed;
  await expectReason(client(server.origin).fetch(`${server.origin}/huge`), 'too_large');
  await closed;
  // The client stopped at 1 MiB; what the server got out is that plus the sockets' buffers.
  expect(written).toBeLessThan(32 * MIB);
  expect(process.memoryUsage().heapUsed - heapBefore).toBeLessThan(64 * MIB);
});

test('a Content-Length over the limit is refused at the headers, before the body arrives', async () => {
  const server = await standIn((_req, res) => {
    res.writeHead(200, { 'content-length': 200 * MIB });
    res.write('{'); // and never more
  });
  const started = performance.now();
  await expectReason(client(server.origin).fetch(`${server.origin}/huge`), 'too_large');
  expect(performance.now() - started).toBeLessThan(2000);
});

test("a HEAD reply's Content-Length over the limit is not a body: accepted", async () => {
  const server = await standIn((_req, res) => {
    res.writeHead(200, { 'content-length': 2 * MIB }).end();
  });
  const response = await client(server.origin).fetch(`${server.origin}/x`, { method: 'HEAD' });
  expect(response.status).toBe(200);
  expect(await response.text()).toBe('');
});

describe('idle pooled sockets', () => {
  test("are closed by the client before a server's own idle close, while a slow reply on a busy socket is never cut", async () => {
    const server = await standIn((req, res) => {
      setTimeout(() => reply(res, 'content-length', '{"code":0}'), req.url === '/slow' ? 400 : 0);
    });
    const c = client(server.origin, { freeSocketTimeoutMs: 150 });
    // Busy for longer than the idle limit: answered all the same.
    await expect(c.fetch(`${server.origin}/slow`).then((r) => r.status)).resolves.toBe(200);
    // At once: the same pooled connection.
    await c.fetch(`${server.origin}/fast`);
    expect(server.connections).toBe(1);
    // Idle past the limit: the client closed it, so the next call opens a new one.
    await new Promise((resolve) => setTimeout(resolve, 300));
    await c.fetch(`${server.origin}/fast`);
    expect(server.connections).toBe(2);
  });
});

describe('redirects are never followed', () => {
  test.each([301, 302, 303, 307, 308])('%i: rejected as redirect, and the Location gets no request', async (status) => {
    const elsewhere = await standIn((_req, res) => reply(res, 'content-length', '{}'));
    const server = await standIn((_req, res) => {
      res.writeHead(status, { location: `${elsewhere.origin}/steal?account_id=123` }).end();
    });
    const failure = await transportFailure(
      client(server.origin).fetch(`${server.origin}/api/v1/paymentmethods/1?account_id=123`, {
        headers: { authorization: 'Zoho-oauthtoken secret-token' },
      }),
    );
    expect(failure.reason).toBe('redirect');
    expect(failure.message).toContain(String(status));
    expect(failure.message).not.toMatch(/account_id|123|steal|secret-token|127\.0\.0\.1/);
    expect(elsewhere.requests).toBe(0);
  });
});

describe('failures are classified', () => {
  test('a port with nothing listening: refused', async () => {
    const port = await refusedPort();
    const failure = await transportFailure(client(`http://127.0.0.1:${port}`).fetch(`http://127.0.0.1:${port}/x?account_id=42`));
    expect(failure).toMatchObject({ reason: 'refused', code: 'ECONNREFUSED' });
    expect(failure.message).not.toContain('account_id');
  });

  test('a self-signed TLS server, its CA unknown to the client: tls', async () => {
    const server = await standIn((_req, res) => reply(res, 'content-length', '{}'), cert);
    const failure = await transportFailure(client(server.origin).fetch(`${server.origin}/x`));
    expect(failure.reason).toBe('tls');
    expect(failure.code).toMatch(/SELF_SIGNED/);
    expect(server.requests).toBe(0);
  });

  test('a URL on another origin than baseURL is not called', async () => {
    const other = await standIn((_req, res) => reply(res, 'content-length', '{}'));
    const base = await standIn((_req, res) => reply(res, 'content-length', '{}'));
    await expectReason(client(base.origin).fetch(`${other.origin}/x`), 'other');
    expect(other.requests).toBe(0);
  });
});

describe('abort', () => {
  test('during a slow reply: AbortError within ~100 ms, and the socket is closed', async () => {
    let serverSawClose!: () => void;
    const closed = new Promise<void>((resolve) => (serverSawClose = resolve));
    const server = await standIn((_req, res) => {
      res.writeHead(200, {});
      res.write('{"slow":');
      res.on('close', () => serverSawClose());
      // The rest would come after 10 s.
      const timer = setTimeout(() => res.end('1}'), 10_000);
      res.on('close', () => clearTimeout(timer));
    });
    const controller = new AbortController();
    const pending = client(server.origin).fetch(`${server.origin}/slow`, { signal: controller.signal });
    await new Promise((resolve) => setTimeout(resolve, 100));
    const abortedAt = performance.now();
    controller.abort();
    const error = await rejection(pending);
    expect(performance.now() - abortedAt).toBeLessThan(100);
    expect(error.name).toBe('AbortError');
    await closed;
  });

  test('while queued for a socket (maxSockets 1): AbortError, and the call is never sent', async () => {
    const held: http.ServerResponse[] = [];
    const server = await standIn((req, res) => {
      if (req.url === '/hold') held.push(res);
      else reply(res, 'content-length', JSON.stringify({ echo: req.url }));
    });
    const api = client(server.origin, { maxSockets: 1 });
    const first = api.fetch(`${server.origin}/hold`);
    while (held.length === 0) await new Promise((resolve) => setTimeout(resolve, 5));
    const controller = new AbortController();
    const queued = api.fetch(`${server.origin}/queued`, { signal: controller.signal });
    await new Promise((resolve) => setTimeout(resolve, 50));
    const abortedAt = performance.now();
    controller.abort();
    const error = await rejection(queued);
    expect(performance.now() - abortedAt).toBeLessThan(100);
    expect(error.name).toBe('AbortError');
    // The held call completes, and the pool's one socket still serves the next call.
    held[0]!.writeHead(200, { 'content-length': 2 }).end('{}');
    expect((await first).status).toBe(200);
    expect(await (await api.fetch(`${server.origin}/after`)).text()).toBe('{"echo":"/after"}');
    expect(server.requests).toBe(2); // /hold and /after; /queued never went out
    expect(server.connections).toBe(1);
  });

  test('an already aborted signal: AbortError, nothing sent', async () => {
    const server = await standIn((_req, res) => reply(res, 'content-length', '{}'));
    const error = await rejection(client(server.origin).fetch(`${server.origin}/x`, { signal: AbortSignal.abort() }));
    expect(error.name).toBe('AbortError');
    expect(server.requests).toBe(0);
  });
});

describe('egress proxy', () => {
  test('HTTP_PROXY: an http:// target goes through the tunnel, which is kept alive', async () => {
    const proxy = later(await startConnectProxy(), (p) => p.close());
    const server = await standIn((req, res) => reply(res, 'chunked', JSON.stringify({ echo: req.url })));
    const api = client(server.origin, { maxSockets: 4, env: { HTTP_PROXY: proxy.url } });
    expect(api.proxy).toBe(`${proxy.url}/`);
    for (let i = 0; i < 20; i += 1) {
      expect(await (await api.fetch(`${server.origin}/n/${i}`)).text()).toBe(`{"echo":"/n/${i}"}`);
    }
    expect(proxy.tunnels).toBe(1);
    expect(proxy.targets).toEqual([`127.0.0.1:${server.port}`]);
    expect(server.requests).toBe(20);
  });

  test('HTTPS_PROXY with credentials: the proxy in use is reported without them', async () => {
    const proxy = later(await startConnectProxy(), (p) => p.close());
    const api = client('https://payments.zoho.invalid/api/v1', {
      env: { HTTPS_PROXY: proxy.url.replace('http://', 'http://corp-user:s3cret@') },
    });
    expect(api.proxy).toBe(`${proxy.url}/`);
  });

  test('NO_PROXY: a listed host bypasses the proxy', async () => {
    const proxy = later(await startConnectProxy(), (p) => p.close());
    const server = await standIn((_req, res) => reply(res, 'content-length', '{}'));
    const api = client(server.origin, { env: { HTTP_PROXY: proxy.url, HTTPS_PROXY: proxy.url, NO_PROXY: 'localhost,127.0.0.1' } });
    expect(api.proxy).toBeUndefined();
    expect((await api.fetch(`${server.origin}/x`)).status).toBe(200);
    expect(proxy.connects).toBe(0);
  });

  test('a proxy answering 403 to CONNECT: reason proxy, and the target gets nothing', async () => {
    const proxy = later(await startConnectProxy({ refuseWith: 403 }), (p) => p.close());
    const server = await standIn((_req, res) => reply(res, 'content-length', '{}'), cert);
    const failure = await transportFailure(
      client(server.origin, { env: { HTTPS_PROXY: proxy.url } }).fetch(`${server.origin}/x?account_id=1`, {
        headers: { authorization: 'Zoho-oauthtoken secret-token' },
      }),
    );
    expect(failure.reason).toBe('proxy');
    expect(failure.message).toContain('403');
    expect(failure.message).not.toMatch(/secret-token|account_id/);
    expect(proxy.connects).toBe(1);
    expect(server.requests).toBe(0);
  });

  test('a proxy that is down: reason proxy', async () => {
    const port = await refusedPort();
    const failure = await transportFailure(
      client('https://payments.zoho.invalid', { env: { HTTPS_PROXY: `http://127.0.0.1:${port}` } }).fetch('https://payments.zoho.invalid/x'),
    );
    expect(failure).toMatchObject({ reason: 'proxy', code: 'ECONNREFUSED' });
  });
});

// --- in a child process: settings Node reads at start-up ----------------------------------------

interface ChildResult {
  status?: number;
  text?: string;
  reason?: string;
  code?: string;
}
const PROXY_AND_CA_VARIABLES = ['NODE_EXTRA_CA_CERTS', 'HTTPS_PROXY', 'https_proxy', 'HTTP_PROXY', 'http_proxy', 'NO_PROXY', 'no_proxy', 'ALL_PROXY', 'all_proxy'];

function fetchInChild(url: string, env: Record<string, string>): Promise<ChildResult> {
  const childEnv: NodeJS.ProcessEnv = { ...process.env };
  for (const name of PROXY_AND_CA_VARIABLES) delete childEnv[name];
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--import', 'tsx', path.join('test', 'support', 'fetch-once.ts'), url], {
      cwd: REPO_ROOT,
      env: { ...childEnv, ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    child.on('error', reject);
    child.on('close', (code) => {
      const line = stdout.trim().split('\n').pop() ?? '';
      try {
        resolve(JSON.parse(line) as ChildResult);
      } catch {
        reject(new Error(`fetch-once exited ${code}: ${stdout}\n${stderr}`));
      }
    });
  });
}

describe('NODE_EXTRA_CA_CERTS (in a child process)', () => {
  test('without it a self-signed server fails as tls; with its certificate, 200', async () => {
    const server = await standIn((req, res) => reply(res, 'content-length', JSON.stringify({ echo: req.url })), cert);
    const url = `${server.origin}/api/v1/ping`;
    expect(await fetchInChild(url, {})).toMatchObject({ reason: 'tls' });
    expect(await fetchInChild(url, { NODE_EXTRA_CA_CERTS: cert.certPath })).toEqual({ status: 200, text: '{"echo":"/api/v1/ping"}' });
  });

  test('with HTTPS_PROXY too: the https call goes through the tunnel and verifies against the extra CA', async () => {
    const proxy = later(await startConnectProxy(), (p) => p.close());
    const server = await standIn((req, res) => reply(res, 'chunked', JSON.stringify({ echo: req.url })), cert);
    const result = await fetchInChild(`${server.origin}/via-proxy`, { NODE_EXTRA_CA_CERTS: cert.certPath, HTTPS_PROXY: proxy.url });
    expect(result).toEqual({ status: 200, text: '{"echo":"/via-proxy"}' });
    expect(proxy.tunnels).toBe(1);
    expect(proxy.targets).toEqual([`127.0.0.1:${server.port}`]);
  });
});
