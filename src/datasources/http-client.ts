/**
 * The HTTP client behind RESTDataSource: a thin fetcher over node:http / node:https.
 *
 * Why not node-fetch: 2.7 fails calls that reuse a keep-alive socket when the upstream answers
 * chunked at more than 64 calls in flight (ERR_STREAM_PREMATURE_CLOSE). Why not undici: nock 14
 * (the unit tests) does not see `undici.request`, and the global `fetch` costs about 3x the CPU
 * per call (bench/http-client-cpu.ts). Why no WHATWG Response: RESTDataSource and its HTTPCache
 * touch only a handful of members (status, ok, statusText, url, headers.get/has/iteration,
 * text/json, clone), so a plain object is enough and cheaper.
 *
 * What it guarantees: one keep-alive pool per client, shared by every caller and holding no
 * credentials or data; the whole body is read before `fetch` resolves (so the caller's signal and
 * the size limit cover it); no redirect is ever followed; a body over `maxBodyBytes` is refused
 * without being buffered; every failure is an UpstreamTransportError with a reason, whose message
 * names no query string and no header; an abort rejects with an error named 'AbortError'.
 */
import http from 'node:http';
import https from 'node:https';
import type { Fetcher, FetcherHeaders, FetcherRequestInit, FetcherResponse } from '@apollo/utils.fetcher';
import { HttpsProxyAgent } from 'https-proxy-agent';
import { getProxyForUrl } from 'proxy-from-env';
import { UpstreamTransportError, type TransportFailureReason } from './upstream-failure';

export interface ZohoHttpClientOptions {
  /** ZOHO_API_URL: the only origin this client calls, and the one the proxy decision is made for. */
  baseURL: string;
  /** Sockets per origin (the keep-alive pool's size); calls past it wait for a free socket. */
  maxSockets: number;
  /** Largest reply body accepted, in bytes. Default 1 MiB (docs/api.md, "Limits"). */
  maxBodyBytes?: number;
  /** How long a pooled socket may sit idle before the client closes it. Default 4 s. */
  freeSocketTimeoutMs?: number;
  /** Where HTTPS_PROXY / HTTP_PROXY / NO_PROXY are read from, once, at creation. Default process.env. */
  env?: NodeJS.ProcessEnv;
}

export interface ZohoHttpClient {
  fetch: Fetcher;
  /** Destroys the pooled sockets (at shutdown; calls made after it open new ones). */
  close(): void;
  /** The egress proxy in use for baseURL, without credentials (for a start-up log line), or undefined. */
  readonly proxy: string | undefined;
}

export const DEFAULT_MAX_BODY_BYTES = 1024 * 1024;
const DEFAULT_FREE_SOCKET_TIMEOUT_MS = 4000;

export function createZohoHttpClient(options: ZohoHttpClientOptions): ZohoHttpClient {
  const base = new URL(options.baseURL);
  if (base.protocol !== 'http:' && base.protocol !== 'https:') {
    throw new Error(`ZOHO_API_URL must be http:// or https://, not ${base.protocol}`);
  }
  const secure = base.protocol === 'https:';
  const maxBodyBytes = options.maxBodyBytes ?? DEFAULT_MAX_BODY_BYTES;
  const proxyUrl = proxyFor(base, options.env ?? process.env);
  // Keep-alive, so connections (and TLS sessions) are reused across calls and callers.
  // An idle socket is closed after 4 s, before a server's own idle close (Node's default is 5 s,
  // the embedded sandbox's too): reusing a socket the server is closing resets the call, and a
  // write is never retried. (The agent applies `timeout` to free sockets only.)
  const agentOptions = {
    keepAlive: true,
    maxSockets: options.maxSockets,
    timeout: options.freeSocketTimeoutMs ?? DEFAULT_FREE_SOCKET_TIMEOUT_MS,
  };
  const agent: http.Agent = proxyUrl
    ? new HttpsProxyAgent(proxyUrl, agentOptions)
    : secure
      ? new https.Agent(agentOptions)
      : new http.Agent(agentOptions);
  const target: Target = {
    origin: base.origin,
    request: secure ? https.request : http.request,
    protocol: base.protocol,
    // URL keeps IPv6 brackets; node:http wants the bare address.
    hostname: base.hostname.replace(/^\[|\]$/g, ''),
    port: base.port === '' ? (secure ? 443 : 80) : Number(base.port),
    agent,
    viaProxy: proxyUrl !== undefined,
    maxBodyBytes,
  };
  return {
    fetch: (url, init) => send(target, url, init),
    close: () => agent.destroy(),
    proxy: proxyUrl === undefined ? undefined : withoutCredentials(proxyUrl),
  };
}

interface Target {
  origin: string;
  request: typeof http.request;
  protocol: string;
  hostname: string;
  port: number;
  agent: http.Agent;
  viaProxy: boolean;
  maxBodyBytes: number;
}

/**
 * proxy-from-env reads `process.env` only; to read another env (tests, or a config object), it is
 * swapped in for this one synchronous call, so nothing else can observe it.
 */
function proxyFor(base: URL, env: NodeJS.ProcessEnv): string | undefined {
  let found: string;
  if (env === process.env) {
    found = getProxyForUrl(base.href);
  } else {
    const saved = process.env;
    try {
      process.env = env;
      found = getProxyForUrl(base.href);
    } finally {
      process.env = saved;
    }
  }
  if (!found) return undefined;
  try {
    new URL(found);
  } catch {
    // Not the value: it may hold the proxy's password.
    throw new Error(`The ${base.protocol === 'https:' ? 'HTTPS_PROXY' : 'HTTP_PROXY'} (or ALL_PROXY) setting is not a valid URL`);
  }
  return found;
}

function withoutCredentials(proxyUrl: string): string {
  const url = new URL(proxyUrl);
  url.username = '';
  url.password = '';
  return url.href;
}

/** The request path of `url` when it is on the client's origin (a string test for RESTDataSource's normalised URLs). */
function pathOn(target: Target, url: string): string | undefined {
  const { origin } = target;
  if (url.startsWith(origin)) {
    const next = url.charCodeAt(origin.length);
    if (Number.isNaN(next)) return '/';
    if (next === 0x2f /* / */) return url.slice(origin.length).replace(/#.*$/s, '');
    if (next === 0x3f /* ? */) return `/${url.slice(origin.length)}`.replace(/#.*$/s, '');
  }
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    return undefined;
  }
  return parsed.origin === origin ? parsed.pathname + parsed.search : undefined;
}

function send(target: Target, url: string, init: FetcherRequestInit = {}): Promise<FetcherResponse> {
  return new Promise<FetcherResponse>((resolve, reject) => {
    const signal = init.signal as AbortSignal | undefined;
    if (signal?.aborted) {
      reject(abortError(signal));
      return;
    }
    const path = pathOn(target, url);
    if (path === undefined) {
      // The client carries the caller's token to one origin only.
      reject(new UpstreamTransportError('other', `refused to call outside ${target.origin}`, 'ERR_FOREIGN_ORIGIN'));
      return;
    }
    const method = init.method ?? 'GET';
    const body = init.body;
    const headers: Record<string, string | number> = { ...init.headers };
    if (body !== undefined && !hasHeader(headers, 'content-length')) {
      // A length, not chunked framing, as node-fetch sent: some servers refuse chunked requests.
      headers['content-length'] = Buffer.byteLength(body);
    }

    let settled = false;
    let tunnelUp = !target.viaProxy;
    let req: http.ClientRequest;
    const onAbort = () => {
      fail(abortError(signal));
    };
    function finish(): boolean {
      if (settled) return false;
      settled = true;
      signal?.removeEventListener('abort', onAbort);
      return true;
    }
    function fail(error: Error): void {
      if (!finish()) return;
      // Destroying the request destroys its socket: it never goes back to the pool half-read.
      req.destroy();
      reject(error);
    }
    function failWith(error: unknown): void {
      if (settled) return;
      const failure = classifyTransportError(error);
      // Before the tunnel is up, any failure is the proxy's (refused, reset, a non-200 CONNECT).
      fail(tunnelUp ? failure : new UpstreamTransportError('proxy', `egress proxy: ${failure.message}`, failure.code));
    }

    try {
      req = target.request({
        protocol: target.protocol,
        hostname: target.hostname,
        port: target.port,
        path,
        method,
        headers,
        agent: target.agent,
      });
    } catch (error) {
      // Invalid path or header characters: node:http's message names the header, never its value.
      reject(classifyTransportError(error));
      return;
    }
    signal?.addEventListener('abort', onAbort, { once: true });
    req.on('error', failWith);
    if (target.viaProxy) {
      // https-proxy-agent would replay the proxy's own reply as if it were Zoho's: refuse it here.
      req.once('proxyConnect', (connect: { statusCode?: number }) => {
        if (connect.statusCode !== 200) {
          fail(new UpstreamTransportError('proxy', `the egress proxy refused the tunnel (HTTP ${connect.statusCode ?? '?'})`));
        }
      });
      // The agent hands the request its socket once the tunnel is up (new, or reused from the pool).
      req.once('socket', () => {
        tunnelUp = true;
      });
    }
    req.on('response', (res) => {
      if (settled) {
        res.destroy();
        return;
      }
      const status = res.statusCode ?? 0;
      if (status >= 300 && status < 400) {
        // Never followed: the Location could take the caller's token elsewhere. Not quoted: it may hold a query.
        fail(new UpstreamTransportError('redirect', `the upstream answered HTTP ${status} (a redirect, not followed)`));
        return;
      }
      // A HEAD reply's Content-Length is the size of a body it does not send.
      const declared = method === 'HEAD' ? undefined : res.headers['content-length'];
      if (declared !== undefined && Number(declared) > target.maxBodyBytes) {
        fail(tooLarge(target.maxBodyBytes));
        return;
      }
      const chunks: Buffer[] = [];
      let received = 0;
      res.on('data', (chunk: Buffer) => {
        if (settled) return;
        received += chunk.length;
        if (received > target.maxBodyBytes) {
          fail(tooLarge(target.maxBodyBytes));
          return;
        }
        chunks.push(chunk);
      });
      res.on('end', () => {
        if (!finish()) return;
        const bodyBytes = chunks.length === 1 ? chunks[0]! : Buffer.concat(chunks, received);
        resolve(new ZohoResponse(urlWithoutQuery(target.origin, path), status, res.statusMessage ?? '', new ReplyHeaders(res.headers), bodyBytes));
      });
      res.on('error', failWith);
      // The socket closed before the body's end: a reset, whatever Node called it.
      res.on('close', () => {
        if (!res.complete) failWith(Object.assign(new Error('premature close'), { code: 'ERR_STREAM_PREMATURE_CLOSE' }));
      });
    });
    req.end(body);
  });
}

function hasHeader(headers: Record<string, unknown>, lowerCaseName: string): boolean {
  for (const name in headers) if (name.toLowerCase() === lowerCaseName) return true;
  return false;
}

function urlWithoutQuery(origin: string, path: string): string {
  const query = path.indexOf('?');
  return origin + (query === -1 ? path : path.slice(0, query));
}

function tooLarge(limit: number): UpstreamTransportError {
  return new UpstreamTransportError('too_large', `the reply body passed the limit of ${limit} bytes`);
}

/** What RESTDataSource's timeout handling (and the upstream policy) recognise: `name === 'AbortError'`. */
function abortError(signal: AbortSignal | undefined): Error {
  const error = new Error('the upstream call was aborted', { cause: signal?.reason });
  error.name = 'AbortError';
  return error;
}

// --- failure classification ---------------------------------------------------------------------

const RESET_CODES = new Set(['ECONNRESET', 'EPIPE', 'ERR_STREAM_PREMATURE_CLOSE', 'ECONNABORTED', 'UND_ERR_SOCKET']);
const DNS_CODES = new Set(['ENOTFOUND', 'EAI_AGAIN', 'EAI_FAIL', 'EAI_NONAME', 'EAI_NODATA']);
const TLS_CODES = new Set(['DEPTH_ZERO_SELF_SIGNED_CERT', 'SELF_SIGNED_CERT_IN_CHAIN', 'EPROTO']);
const TIMEOUT_CODES = new Set(['ETIMEDOUT', 'ESOCKETTIMEDOUT']);

const DESCRIPTIONS: Record<TransportFailureReason, string> = {
  refused: 'the connection was refused',
  reset: 'the connection broke before the reply was complete',
  dns: 'the host name did not resolve',
  tls: 'the TLS handshake failed',
  timeout: 'the connection timed out',
  redirect: 'the upstream answered with a redirect',
  too_large: 'the reply body was too large',
  proxy: 'the egress proxy failed the tunnel',
  other: 'the call failed',
};

/**
 * Turns whatever node:http, node:tls or the proxy agent threw into an UpstreamTransportError.
 * The message is built from the reason and the error's code only: Node's own messages can quote
 * a header's value (ERR_HTTP_INVALID_HEADER_VALUE) or a URL, and this one goes into logs.
 */
export function classifyTransportError(error: unknown): UpstreamTransportError {
  if (error instanceof UpstreamTransportError) return error;
  const code = codeOf(error);
  const message = error instanceof Error ? error.message : '';
  const reason = reasonFor(code, message);
  return new UpstreamTransportError(reason, code ? `${DESCRIPTIONS[reason]} (${code})` : DESCRIPTIONS[reason], code);
}

function codeOf(error: unknown): string | undefined {
  if (typeof error !== 'object' || error === null) return undefined;
  const code = (error as { code?: unknown }).code;
  // Only the shape of a code (ECONNRESET, ERR_TLS_..., HPE_...): a number or free text is not one.
  return typeof code === 'string' && /^[A-Z][A-Z0-9_]{1,63}$/.test(code) ? code : undefined;
}

function reasonFor(code: string | undefined, message: string): TransportFailureReason {
  if (code === 'ECONNREFUSED') return 'refused';
  if (code !== undefined) {
    if (RESET_CODES.has(code) || code.startsWith('HPE_')) return 'reset';
    if (DNS_CODES.has(code)) return 'dns';
    if (TIMEOUT_CODES.has(code)) return 'timeout';
    if (
      TLS_CODES.has(code) ||
      code.startsWith('CERT_') ||
      code.startsWith('UNABLE_TO_') ||
      code.startsWith('ERR_TLS_') ||
      code.startsWith('ERR_SSL_')
    ) {
      return 'tls';
    }
  }
  if (/socket hang up|premature close|^aborted$/i.test(message)) return 'reset';
  if (/Hostname\/IP does not match|certificate|SSL routines/i.test(message)) return 'tls';
  return 'other';
}

// --- the reply ----------------------------------------------------------------------------------

/** node:http's header object behind the FetcherHeaders interface (names are lower case already). */
class ReplyHeaders implements FetcherHeaders {
  readonly #headers: http.IncomingHttpHeaders;
  constructor(headers: http.IncomingHttpHeaders) {
    this.#headers = headers;
  }
  get(name: string): string | null {
    const value = this.#headers[name.toLowerCase()];
    if (value === undefined) return null;
    return Array.isArray(value) ? value.join(', ') : value;
  }
  has(name: string): boolean {
    return this.#headers[name.toLowerCase()] !== undefined;
  }
  set(name: string, value: string): void {
    this.#headers[name.toLowerCase()] = value;
  }
  append(name: string, value: string): void {
    const existing = this.get(name);
    this.set(name, existing === null ? value : `${existing}, ${value}`);
  }
  delete(name: string): void {
    delete this.#headers[name.toLowerCase()];
  }
  *entries(): IterableIterator<[string, string]> {
    for (const name of Object.keys(this.#headers)) {
      const value = this.get(name);
      if (value !== null) yield [name, value];
    }
  }
  *keys(): IterableIterator<string> {
    for (const [name] of this.entries()) yield name;
  }
  *values(): IterableIterator<string> {
    for (const [, value] of this.entries()) yield value;
  }
  [Symbol.iterator](): IterableIterator<[string, string]> {
    return this.entries();
  }
}

/** A reply whose body has been read in full. `url` has no query string (it holds the account id). */
class ZohoResponse implements FetcherResponse {
  readonly redirected = false;
  #bodyUsed = false;
  readonly #body: Buffer;
  constructor(
    readonly url: string,
    readonly status: number,
    readonly statusText: string,
    readonly headers: ReplyHeaders,
    body: Buffer,
  ) {
    this.#body = body;
  }
  get ok(): boolean {
    return this.status >= 200 && this.status < 300;
  }
  get bodyUsed(): boolean {
    return this.#bodyUsed;
  }
  async text(): Promise<string> {
    this.#bodyUsed = true;
    return this.#body.toString('utf8');
  }
  async json(): Promise<unknown> {
    return JSON.parse(await this.text()) as unknown;
  }
  async arrayBuffer(): Promise<ArrayBuffer> {
    this.#bodyUsed = true;
    const copy = new ArrayBuffer(this.#body.length);
    new Uint8Array(copy).set(this.#body);
    return copy;
  }
  /** HTTPCache clones a reply it deems storable (even with skipCache); the body is immutable, so shared. */
  clone(): ZohoResponse {
    const headers = new ReplyHeaders(Object.fromEntries(this.headers.entries()));
    return new ZohoResponse(this.url, this.status, this.statusText, headers, this.#body);
  }
}
