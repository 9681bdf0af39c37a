/**
 * A Zoho Payments stand-in for the tests that check what production will do: a plain node:http
 * server on 127.0.0.1 (port 0), not the embedded sandbox (sandbox/ is the product's emulator, with
 * state, scopes and a control API). It answers the seeds' endpoints under `/api/v1`
 * (GET/PUT/DELETE `/paymentmethods/{id}`, POST `/paymentmethodsessions`,
 * GET `/paymentmethodsessions/{id}`) with the seeds' JSON envelopes, and can misbehave the ways
 * Zoho and the networks in front of it do:
 *
 * - framing per server or per rule: `chunked` (the body in several `res.write` pieces, no
 *   Content-Length: Node then sends `Transfer-Encoding: chunked`) or `content-length`;
 * - rules keyed by the caller's Authorization header, and optionally by id and method: a delay, a
 *   5xx, a redirect, a huge streamed body, a 404 of each kind, a 429 with any `Retry-After`, an
 *   error body with a given `code`. Without a matching rule a call succeeds.
 *
 * Every success is derived from the caller, so a test can tell whose data a reply holds: the
 * payment method's `customer_id` and `customer_name` are a deterministic function of the
 * Authorization header and the `account_id` query (`customerIdFor`), and its
 * `payment_method_id` is the id asked for. Every request is journalled (method, path, query,
 * authorization, account id) and counted: calls per (authorization, method, path), and the most
 * calls in flight per authorization and overall.
 */
import { createHash } from 'node:crypto';
import http from 'node:http';
import type { AddressInfo, Socket } from 'node:net';

export type Framing = 'chunked' | 'content-length';

/** What a matching call gets instead of a success (a delay alone still answers success). */
export type StandinReply =
  /**
   * Success; `paymentMethod` replaces fields of the payment method that GET and PUT answer (a
   * field set to undefined is left out), e.g. a type Zoho added later or an odd currency.
   */
  | { kind: 'success'; paymentMethod?: Record<string, unknown> }
  /** A status with Zoho's error body `{"code": code, "message": message}` (code defaults to `error`). */
  | { kind: 'status'; status: number; code?: string; message?: string }
  /** A 3xx to `location` (another server, say), with a small JSON body. */
  | { kind: 'redirect'; location: string; status?: 301 | 302 | 303 | 307 | 308 }
  /** A 200 whose body is `bytes` long (JSON that opens like a payment method), streamed in pieces. */
  | { kind: 'huge'; bytes: number }
  /**
   * A 404: Zoho's own "no such id" (`resource_does_not_exist`), an HTML page (a load balancer's,
   * or a wrong path), or Zoho's JSON with another code (`invalid_payment_session`, `url_not_found`).
   */
  | { kind: 'not-found'; variant: 'resource_does_not_exist' | 'html' | { code: string } }
  /** A 429 with this `Retry-After` header, verbatim. */
  | { kind: 'rate-limit'; retryAfter: string }
  /** The connection closed without a reply. */
  | { kind: 'drop' };

export interface StandinRule {
  /** Only calls whose Authorization header is exactly this. */
  authorization?: string;
  /** Only calls for this resource id (the path's last segment). */
  id?: string;
  method?: 'GET' | 'POST' | 'PUT' | 'DELETE';
  /** Wait this long before answering. */
  delayMs?: number;
  reply?: StandinReply;
  /** This rule's framing (default: the server's). */
  framing?: Framing;
}

export interface JournalEntry {
  method: string;
  /** The path, without the query, e.g. `/api/v1/paymentmethods/123`. */
  path: string;
  /** The query parameters as sent. */
  query: Record<string, string>;
  authorization: string | undefined;
  accountId: string | undefined;
  /** The resource id of the path, when it has one. */
  id: string | undefined;
  /** What the stand-in did: the status it sent, or `dropped`. */
  outcome: number | 'dropped' | 'aborted';
  at: number;
}

export interface ZohoStandin {
  /** e.g. `http://127.0.0.1:41234/api/v1`: ZOHO_API_URL for the gateway. */
  readonly apiUrl: string;
  /** e.g. `http://127.0.0.1:41234`. */
  readonly origin: string;
  /** Every request so far, oldest first. */
  readonly journal: readonly JournalEntry[];
  /** The framing of replies that no rule sets. */
  framing: Framing;
  /** Adds a rule; the newest matching rule wins. Returns a function that removes it. */
  when(rule: StandinRule): () => void;
  /** Forgets every rule. */
  clearRules(): void;
  /** Calls per (authorization, method, path); `path` may be a full path or just the id. */
  calls(filter?: { authorization?: string; method?: string; path?: string; id?: string }): number;
  /** The most calls in flight at once: overall, or for one Authorization header. */
  maxInFlight(authorization?: string): number;
  /** Calls in flight now (overall, or for one Authorization header). */
  inFlight(authorization?: string): number;
  /** Forgets rules, the journal and every counter (the framing stays). */
  reset(): void;
  /** Stops listening and destroys every open socket (keep-alive ones included). */
  close(): Promise<void>;
}

/** A caller's customer id: 19 digits derived from its Authorization header and account id. */
export function customerIdFor(authorization: string, accountId: string): string {
  const digest = createHash('sha256').update(`${authorization}\n${accountId}`).digest();
  // 18 digits from the digest behind a leading 1: always 19 digits, never a leading zero.
  return `1${(digest.readBigUInt64BE(0) % 10n ** 18n).toString().padStart(18, '0')}`;
}

/** A caller's customer name, derived like its id (for a second, human-readable check). */
export function customerNameFor(authorization: string, accountId: string): string {
  return `caller-${createHash('sha256').update(`${accountId}\n${authorization}`).digest('hex').slice(0, 12)}`;
}

/** The payment method the stand-in answers for `id` to this caller: the seeds' card, made the caller's. */
export function paymentMethodFor(id: string, authorization: string, accountId: string): Record<string, unknown> {
  return {
    payment_method_id: id,
    customer_id: customerIdFor(authorization, accountId),
    customer_name: customerNameFor(authorization, accountId),
    customer_email: 'charles@example.com',
    type: 'card',
    card: {
      card_holder_name: 'Charles',
      last_four_digits: id.slice(-4).padStart(4, '0'),
      expiry_month: '01',
      expiry_year: '40',
      card_checks: { address_line_check: 'pass', postal_code_check: 'pass', cvc_check: 'pass' },
    },
    status: 'active',
    currency: 'USD',
    created_time: 1708950672,
    last_modified_time: 1708950672,
  };
}

/** The id of a session the stand-in creates (the seeds' session id for the first one, then counting up). */
const FIRST_SESSION_ID = 1987000000724209n;

type Route =
  | { endpoint: 'retrievePaymentMethod' | 'updatePaymentMethod' | 'deletePaymentMethod'; id: string }
  | { endpoint: 'createPaymentMethodSession'; id: undefined }
  | { endpoint: 'retrievePaymentMethodSession'; id: string };

function routeOf(method: string, path: string): Route | undefined {
  const pm = /^\/api\/v1\/paymentmethods\/([^/]+)$/.exec(path);
  if (pm) {
    const id = decodeURIComponent(pm[1] as string);
    if (method === 'GET') return { endpoint: 'retrievePaymentMethod', id };
    if (method === 'PUT') return { endpoint: 'updatePaymentMethod', id };
    if (method === 'DELETE') return { endpoint: 'deletePaymentMethod', id };
    return undefined;
  }
  if (path === '/api/v1/paymentmethodsessions' && method === 'POST') return { endpoint: 'createPaymentMethodSession', id: undefined };
  const session = /^\/api\/v1\/paymentmethodsessions\/([^/]+)$/.exec(path);
  if (session && method === 'GET') return { endpoint: 'retrievePaymentMethodSession', id: decodeURIComponent(session[1] as string) };
  return undefined;
}

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/** Starts a stand-in on 127.0.0.1 and a free port. */
export async function startZohoStandin(options: { framing?: Framing } = {}): Promise<ZohoStandin> {
  let rules: StandinRule[] = [];
  let journal: JournalEntry[] = [];
  let inFlightBy = new Map<string, number>();
  let maxInFlightBy = new Map<string, number>();
  let inFlightAll = 0;
  let maxInFlightAll = 0;
  let nextSession = FIRST_SESSION_ID;
  const sockets = new Set<Socket>();

  const matching = (method: string, authorization: string | undefined, id: string | undefined) => {
    for (let i = rules.length - 1; i >= 0; i--) {
      const rule = rules[i] as StandinRule;
      if (rule.authorization !== undefined && rule.authorization !== authorization) continue;
      if (rule.id !== undefined && rule.id !== id) continue;
      if (rule.method !== undefined && rule.method !== method) continue;
      return rule;
    }
    return undefined;
  };

  const server = http.createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://standin.invalid');
    const method = req.method ?? 'GET';
    const authorization = req.headers.authorization;
    const accountId = url.searchParams.get('account_id') ?? undefined;
    const route = routeOf(method, url.pathname);
    const id = route?.id;
    const who = authorization ?? '(none)';

    const entry: JournalEntry = {
      method,
      path: url.pathname,
      query: Object.fromEntries(url.searchParams),
      authorization,
      accountId,
      id,
      outcome: 'aborted',
      at: Date.now(),
    };
    journal.push(entry);
    const generation = journal;

    // In flight from the request's arrival to its reply's end (or the connection's close).
    inFlightAll += 1;
    maxInFlightAll = Math.max(maxInFlightAll, inFlightAll);
    const mine = (inFlightBy.get(who) ?? 0) + 1;
    inFlightBy.set(who, mine);
    maxInFlightBy.set(who, Math.max(maxInFlightBy.get(who) ?? 0, mine));
    let done = false;
    const finish = () => {
      if (done) return;
      done = true;
      // After a reset, the counters are new ones: this call no longer counts.
      if (generation !== journal) return;
      inFlightAll -= 1;
      inFlightBy.set(who, (inFlightBy.get(who) ?? 1) - 1);
    };
    res.once('finish', finish);
    res.once('close', finish);

    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      void (async () => {
        const rule = matching(method, authorization, id);
        if (rule?.delayMs) await sleep(rule.delayMs);
        if (res.destroyed) return;
        const framing = rule?.framing ?? standin.framing;
        const reply = rule?.reply ?? { kind: 'success' };
        const body = Buffer.concat(chunks).toString('utf8');
        await answer(res, { reply, framing, route, authorization: authorization ?? '', accountId: accountId ?? '', body, entry });
      })().catch(() => res.destroy());
    });
  });
  server.keepAliveTimeout = 65_000;
  server.on('connection', (socket) => {
    sockets.add(socket);
    socket.once('close', () => sockets.delete(socket));
  });

  interface Answer {
    reply: StandinReply;
    framing: Framing;
    route: Route | undefined;
    authorization: string;
    accountId: string;
    body: string;
    entry: JournalEntry;
  }

  async function answer(res: http.ServerResponse, a: Answer): Promise<void> {
    const { reply, framing, route, entry } = a;
    const send = (status: number, text: string, headers: Record<string, string> = {}) => {
      entry.outcome = status;
      writeBody(res, status, { 'content-type': 'application/json', ...headers }, text, framing);
    };
    switch (reply.kind) {
      case 'drop':
        entry.outcome = 'dropped';
        res.socket?.destroy();
        return;
      case 'status':
        send(reply.status, JSON.stringify({ code: reply.code ?? 'error', message: reply.message ?? `HTTP ${reply.status} from the stand-in.` }));
        return;
      case 'redirect':
        send(reply.status ?? 302, JSON.stringify({ code: 'moved', message: 'See Location.' }), { location: reply.location });
        return;
      case 'rate-limit':
        send(429, JSON.stringify({ code: 'rate_limit_exceeded', message: 'Too many requests.' }), { 'retry-after': reply.retryAfter });
        return;
      case 'not-found':
        if (reply.variant === 'html') {
          entry.outcome = 404;
          writeBody(res, 404, { 'content-type': 'text/html' }, '<html><head><title>404 Not Found</title></head><body><h1>Not Found</h1></body></html>', framing);
        } else {
          const code = reply.variant === 'resource_does_not_exist' ? 'resource_does_not_exist' : reply.variant.code;
          send(404, JSON.stringify({ code, message: 'The requested resource does not exist.' }));
        }
        return;
      case 'huge':
        entry.outcome = 200;
        await streamHuge(res, reply.bytes, framing);
        return;
      case 'success':
        break;
    }
    if (!route) {
      send(404, JSON.stringify({ code: 'url_not_found', message: 'No such endpoint on the stand-in.' }));
      return;
    }
    const { authorization, accountId } = a;
    const patch = reply.kind === 'success' ? (reply.paymentMethod ?? {}) : {};
    switch (route.endpoint) {
      case 'retrievePaymentMethod':
        send(200, JSON.stringify({ code: 0, message: 'success', payment_method: { ...paymentMethodFor(route.id, authorization, accountId), ...patch } }));
        return;
      case 'updatePaymentMethod': {
        const update = parseObject(a.body);
        const method = { ...paymentMethodFor(route.id, authorization, accountId), ...patch };
        if (update['billing_address']) method['billing_address'] = update['billing_address'];
        send(200, JSON.stringify({ code: 0, message: 'success', payment_method: method }));
        return;
      }
      case 'deletePaymentMethod':
        send(200, JSON.stringify({ code: 0, message: 'Payment method deleted' }));
        return;
      case 'createPaymentMethodSession': {
        const input = parseObject(a.body);
        const sessionId = String(nextSession++);
        send(
          200,
          JSON.stringify({
            code: 0,
            message: 'success',
            payment_method_session: {
              payment_method_session_id: sessionId,
              customer_id: typeof input['customer_id'] === 'string' ? input['customer_id'] : customerIdFor(authorization, accountId),
              ...(typeof input['description'] === 'string' && { description: input['description'] }),
              created_time: 1708950672,
            },
          }),
        );
        return;
      }
      case 'retrievePaymentMethodSession':
        send(
          200,
          JSON.stringify({
            code: 0,
            message: 'success',
            payment_method_session: {
              payment_method_session_id: route.id,
              customer_id: customerIdFor(authorization, accountId),
              status: 'succeeded',
              payment_method: { payment_method_id: '1987000000724215', type: 'card', status: 'active', created_time: 1708950672 },
            },
          }),
        );
        return;
    }
  }

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      server.off('error', reject);
      resolve();
    });
  });
  const origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;

  const standin: ZohoStandin = {
    apiUrl: `${origin}/api/v1`,
    origin,
    get journal() {
      return journal;
    },
    framing: options.framing ?? 'chunked',
    when(rule) {
      rules.push(rule);
      return () => {
        rules = rules.filter((r) => r !== rule);
      };
    },
    clearRules() {
      rules = [];
    },
    calls(filter = {}) {
      return journal.filter(
        (e) =>
          (filter.authorization === undefined || e.authorization === filter.authorization) &&
          (filter.method === undefined || e.method === filter.method) &&
          (filter.path === undefined || e.path === filter.path) &&
          (filter.id === undefined || e.id === filter.id),
      ).length;
    },
    maxInFlight(authorization) {
      return authorization === undefined ? maxInFlightAll : (maxInFlightBy.get(authorization) ?? 0);
    },
    inFlight(authorization) {
      return authorization === undefined ? inFlightAll : (inFlightBy.get(authorization) ?? 0);
    },
    reset() {
      rules = [];
      journal = [];
      inFlightBy = new Map();
      maxInFlightBy = new Map();
      inFlightAll = 0;
      maxInFlightAll = 0;
    },
    close() {
      return new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
        for (const socket of sockets) socket.destroy();
      });
    },
  };
  return standin;
}

function parseObject(text: string): Record<string, unknown> {
  try {
    const parsed: unknown = JSON.parse(text);
    return typeof parsed === 'object' && parsed !== null ? (parsed as Record<string, unknown>) : {};
  } catch {
    return {};
  }
}

/** Writes a whole body: with Content-Length in one piece, or chunked in (up to) four pieces. */
function writeBody(res: http.ServerResponse, status: number, headers: Record<string, string>, text: string, framing: Framing): void {
  const bytes = Buffer.from(text, 'utf8');
  if (framing === 'content-length') {
    res.writeHead(status, { ...headers, 'content-length': String(bytes.length) });
    res.end(bytes);
    return;
  }
  // No Content-Length and several writes: Node frames the body as Transfer-Encoding: chunked.
  res.writeHead(status, headers);
  const piece = Math.max(1, Math.ceil(bytes.length / 4));
  for (let offset = 0; offset < bytes.length; offset += piece) res.write(bytes.subarray(offset, offset + piece));
  res.end();
}

/** A 200 of `total` bytes, streamed in 64 KiB pieces with backpressure; stops when the reader goes. */
async function streamHuge(res: http.ServerResponse, total: number, framing: Framing): Promise<void> {
  const head = Buffer.from('{"code":0,"message":"success","payment_method":{"payment_method_id":"1","padding":"');
  const tail = Buffer.from('"}}');
  const padding = Math.max(0, total - head.length - tail.length);
  res.writeHead(200, { 'content-type': 'application/json', ...(framing === 'content-length' && { 'content-length': String(head.length + padding + tail.length) }) });
  const piece = Buffer.alloc(64 * 1024, 'x');
  const write = (chunk: Buffer) =>
    new Promise<boolean>((resolve) => {
      if (res.destroyed) {
        resolve(false);
        return;
      }
      if (res.write(chunk)) resolve(true);
      else {
        const onDrain = () => {
          res.off('close', onClose);
          resolve(true);
        };
        const onClose = () => {
          res.off('drain', onDrain);
          resolve(false);
        };
        res.once('drain', onDrain);
        res.once('close', onClose);
      }
    });
  if (!(await write(head))) return;
  for (let left = padding; left > 0; left -= piece.length) {
    if (!(await write(left >= piece.length ? piece : piece.subarray(0, left)))) return;
  }
  res.end(tail);
}
