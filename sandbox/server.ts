/**
 * The sandbox's HTTP server: the emulated Zoho endpoints under `/api/v1/`, the control API under
 * `/__sandbox/` (with its index, index-page.ts, and the widget, widget.ts), and fault injection in front of the endpoints. Imports nothing from `src/`.
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';
import { SandboxClock } from './clock';
import { handleControl, seed, seedSchema } from './control-api';
import { SandboxError } from './errors';
import { DEFAULT_FIXTURES, SANDBOX_TOKENS, SANDBOX_ACCOUNT_ID } from './fixtures';
import { FaultQueue, Journal, type EndpointName, type Fault } from './faults';
import { errorReply, readBody, send, type Reply } from './http';
import { handleIndex } from './index-page';
import { SandboxStore, type StoreOptions } from './store';
import { WIDGET_PATH, handleWidget } from './widget';
import { authorize, handleEndpoint, matchRoute } from './zoho-api';

export interface SandboxOptions extends StoreOptions {
  /** Load the fixtures at start and on reset (default true). */
  fixtures?: boolean;
  /** Requests per minute per account; 0 (default) is no limit. */
  rateLimitPerMinute?: number;
  /**
   * Strict mode at start and after reset (default true, as Zoho): unknown body fields and unknown
   * customers are refused (README.md, Strict mode).
   */
  strict?: boolean;
}

export interface Sandbox {
  server: http.Server;
  /** The sandbox's time: `options.now` (real time by default) until the control API moves it. */
  clock: SandboxClock;
  store: SandboxStore;
  faults: FaultQueue;
  journal: Journal;
  /** Back to the start-up state. */
  reset: (withFixtures?: boolean) => void;
}

export interface RunningSandbox extends Sandbox {
  /** e.g. `http://127.0.0.1:4010` */
  origin: string;
  /** The base URL the gateway takes as ZOHO_API_URL: `<origin>/api/v1`. */
  apiUrl: string;
  close: () => Promise<void>;
}

const CONTROL_PREFIX = '/__sandbox/';

export function createSandbox(options: SandboxOptions = {}): Sandbox {
  const clock = new SandboxClock(options.now);
  const store = new SandboxStore({ ...options, now: () => clock.now() });
  const faults = new FaultQueue();
  const journal = new Journal();

  const reset = (withFixtures = options.fixtures ?? true) => {
    store.clear();
    faults.clear();
    journal.clear();
    clock.reset();
    store.rateLimitPerMinute = options.rateLimitPerMinute ?? 0;
    store.strict = options.strict ?? true;
    for (const [token, scopes] of Object.entries(SANDBOX_TOKENS)) store.addToken(token, SANDBOX_ACCOUNT_ID, scopes);
    if (withFixtures) seed(store, seedSchema.parse(DEFAULT_FIXTURES));
  };
  reset();

  const server = http.createServer((req, res) => {
    handle(req, res).catch((error: unknown) => {
      // A handler bug: Zoho's generic 500, never a stack trace.
      if (!res.headersSent) send(res, { status: 500, body: { code: 'error', message: 'Internal error.' } });
      else res.destroy();
      if (!(error instanceof SandboxError)) process.emitWarning(`sandbox: ${String(error)}`);
    });
  });
  server.keepAliveTimeout = 65_000;

  async function handle(req: http.IncomingMessage, res: http.ServerResponse): Promise<void> {
    let url: URL;
    try {
      url = new URL(req.url ?? '/', 'http://sandbox.invalid');
    } catch {
      // A request target the URL parser refuses (`GET http://[`) is the client's mistake, not a bug of ours.
      send(res, errorReply(new SandboxError(400, 'error', 'The request target is not a valid URL.')));
      return;
    }
    const method = req.method ?? 'GET';
    const bodyPromise = readBody(req);
    // Read now, awaited later (after a latency fault, say): a body that fails meanwhile is handled.
    bodyPromise.catch(() => undefined);

    if ((url.pathname === '/__sandbox' || url.pathname === CONTROL_PREFIX) && method === 'GET') {
      await bodyPromise.catch(() => '');
      send(res, handleIndex(store, req.headers.accept));
      return;
    }
    const widget = WIDGET_PATH.exec(url.pathname);
    if (widget) {
      send(res, await handleWidget(store, method, widget[1] as string, url.searchParams, () => bodyPromise));
      return;
    }
    if (url.pathname.startsWith(CONTROL_PREFIX)) {
      send(res, await replyOrError(async () =>
        handleControl({ clock, store, faults, journal, reset }, method, url.pathname.slice(CONTROL_PREFIX.length), url.searchParams, await bodyPromise),
      ));
      return;
    }

    const route = matchRoute(method, url.pathname);
    if (route.kind === 'not_found') {
      await bodyPromise.catch(() => '');
      send(res, { status: 404, body: 'Not Found' });
      return;
    }
    if (route.kind === 'method_not_allowed') {
      await bodyPromise.catch(() => '');
      send(res, errorReply(new SandboxError(405, 'method_not_allowed', `${method} is not allowed here.`, { allow: route.allow.join(', ') })));
      return;
    }

    const accountId = url.searchParams.get('account_id');
    const entry = { endpoint: route.endpoint, method, path: url.pathname, account_id: accountId };
    const fault = faults.take(route.endpoint, accountId ?? undefined);
    if (fault?.type === 'latency') await sleep(fault.latency_ms);
    if (fault?.type === 'drop') {
      journal.record({ ...entry, status: 'dropped', fault: 'drop', at: new Date(store.now()).toISOString() });
      req.socket.destroy();
      return;
    }
    const faultReply = fault && fault.type !== 'latency' ? replyForFault(fault, route.endpoint) : undefined;
    const reply =
      faultReply ??
      (await replyOrError(async () => {
        const account = authorize(store, req, url.searchParams, route.scope);
        return handleEndpoint(store, route.endpoint, account, route.id, await bodyPromise);
      }));
    await bodyPromise.catch(() => '');
    journal.record({ ...entry, status: reply.status, fault: fault?.type ?? null, at: new Date(store.now()).toISOString() });
    send(res, reply);
  }

  return { server, clock, store, faults, journal, reset };
}

/** Starts a sandbox on `port` (0 picks a free one) and `host` (loopback by default). */
export async function startSandbox(options: SandboxOptions = {}, port = 4010, host = '127.0.0.1'): Promise<RunningSandbox> {
  const sandbox = createSandbox(options);
  await new Promise<void>((resolve, reject) => {
    sandbox.server.once('error', reject);
    sandbox.server.listen(port, host, () => {
      sandbox.server.off('error', reject);
      resolve();
    });
  });
  const address = sandbox.server.address() as AddressInfo;
  const shownHost = address.family === 'IPv6' ? `[${address.address}]` : address.address;
  const origin = `http://${shownHost === '0.0.0.0' ? '127.0.0.1' : shownHost}:${address.port}`;
  return {
    ...sandbox,
    origin,
    apiUrl: `${origin}/api/v1`,
    close: () =>
      new Promise<void>((resolve) => {
        sandbox.server.close(() => resolve());
        sandbox.server.closeAllConnections();
      }),
  };
}

async function replyOrError(run: () => Promise<Reply> | Reply): Promise<Reply> {
  try {
    return await run();
  } catch (error) {
    if (error instanceof SandboxError) return errorReply(error);
    throw error;
  }
}

/** What an injected fault answers (README.md, Faults). */
function replyForFault(fault: Exclude<Fault, { type: 'latency' | 'drop' }>, endpoint: EndpointName): Reply {
  switch (fault.type) {
    case 'status':
      return fault.status === 502
        ? { status: 502, body: '<html><body><h1>502 Bad Gateway</h1></body></html>', headers: { 'content-type': 'text/html' } }
        : { status: fault.status, body: { code: 'error', message: fault.status === 503 ? 'Service unavailable.' : 'Internal error.' } };
    case 'rate_limit':
      return errorReply(
        new SandboxError(429, 'rate_limit_exceeded', `Too many requests. Retry after ${fault.retry_after} seconds.`, {
          'retry-after': String(fault.retry_after),
        }),
      );
    case 'malformed_json': {
      const key = endpoint.includes('Session') ? 'payment_method_session' : 'payment_method';
      return { status: 200, body: `{"code":0,"message":"success","${key}":{"${key}_id":"19870`, headers: { 'content-type': 'application/json;charset=UTF-8' } };
    }
    case 'unexpected_shape':
      return { status: 200, body: { code: 0, message: 'success' } };
  }
}

