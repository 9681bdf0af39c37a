/**
 * The Zoho Payments v1 REST API, for exactly one caller.
 *
 * A new instance is built for every GraphQL request (context.ts) from that request's credentials,
 * which it keeps in private, read-only fields: no state of one request can reach another. It
 * speaks HTTP only: it adds the credentials, unwraps Zoho's envelope, checks each reply's shape
 * and returns Zoho's own JSON (zoho-types.ts). Every failure is first a typed UpstreamError
 * (upstream-failure.ts), which the shared policy reads; at this class's edge it becomes the
 * contract's GraphQL error (errors/upstream.ts). It knows nothing of the GraphQL schema.
 */
import {
  RESTDataSource,
  type AugmentedRequest,
  type DataSourceRequest,
  type RequestDeduplicationPolicy,
  type RequestOptions,
} from '@apollo/datasource-rest';
import type { Fetcher, FetcherRequestInit, FetcherResponse } from '@apollo/utils.fetcher';
import type { KeyValueCache } from '@apollo/utils.keyvaluecache';
import type { GraphQLError } from 'graphql';
import type { z } from 'zod';
import type { ZohoCredentials } from '../credentials';
import { errorCodeOf, errorFromUpstreamFailure, parseRetryAfter, zohoErrorBody } from '../errors';
import type { Logger } from '../observability/logger';
import { REQUEST_ID_HEADER } from '../http/request-scope';
import { ZOHO_ENDPOINTS, endpointPath, type ZohoEndpoint } from './endpoints';
import { OperationGuard } from './operation-guard';
import { UpstreamError, UpstreamTransportError, type TransportFailureReason, type UpstreamFailure } from './upstream-failure';
import { DEFAULT_UPSTREAM_POLICY, UpstreamPolicy } from './upstream-policy';
import {
  zohoEnvelopeSchema,
  zohoPaymentMethodEnvelopeSchema,
  zohoPaymentMethodSessionEnvelopeSchema,
  type ZohoCreatePaymentMethodSessionRequest,
  type ZohoPaymentMethod,
  type ZohoPaymentMethodSession,
  type ZohoUpdatePaymentMethodRequest,
} from './zoho-types';

export type { ZohoEndpoint } from './endpoints';

/** What one upstream call (one HTTP exchange: each retry is its own) did, for logs and metrics. */
export interface UpstreamCall {
  endpoint: ZohoEndpoint;
  method: string;
  /** The URL's path, e.g. `/api/v1/paymentmethods/123`, without the query (which holds the account id). */
  path: string;
  status: number | 'error';
  durationMs: number;
  /** Why no usable reply came, when none did (refused, reset, tls, redirect, too_large...). */
  failure?: TransportFailureReason | 'aborted';
  /** The system's code for it, when there is one (ECONNREFUSED, CERT_HAS_EXPIRED...): for operators. */
  failureCode?: string;
}

/** A call the gateway did not send (a limit, an open circuit, a gone client), for logs and metrics. */
export interface UnsentCall {
  endpoint: ZohoEndpoint;
  reason: 'circuit_open' | 'caller_busy' | 'rate_budget' | 'operation_limit' | 'token_rejected' | 'cancelled';
}

export interface ZohoPaymentsAPIOptions {
  /** Base URL ending in `/api/v1`, e.g. `https://payments.zoho.com/api/v1`. */
  baseURL: string;
  credentials: ZohoCredentials;
  /** Time limit of one upstream call, retries included (the policy enforces it; errors quote it). */
  timeoutMs: number;
  /** Timeout, retries, per-caller concurrency and circuits, shared by every request of the gateway. */
  policy?: UpstreamPolicy;
  /** What this operation may still send (one per request): call budget, 401 latch, disconnect. */
  guard?: OperationGuard;
  /** This request's id, sent to Zoho as `X-Request-Id`. */
  requestId?: string;
  /**
   * The HTTP client (http-client.ts), shared across requests: it holds connection pools only,
   * never request data. Required: RESTDataSource's own default would be node-fetch.
   */
  fetch: Fetcher;
  logger?: Logger;
  onUpstreamCall?: (call: UpstreamCall) => void;
  onUnsentCall?: (call: UnsentCall) => void;
}

/**
 * A cache that stores nothing. RESTDataSource's HTTP cache is keyed by URL, not by token, so a
 * shared cache could hand one caller's data to another; every request also sets `skipCache`.
 */
const NO_HTTP_CACHE: KeyValueCache = {
  get: async () => undefined,
  set: async () => undefined,
  delete: async () => undefined,
};

/**
 * RESTDataSource's HTTP cache without the cache: every call goes to the HTTP client as it is.
 * With nothing ever stored (NO_HTTP_CACHE, skipCache), HTTPCache only built an HTTP cache policy
 * of each reply, and cloned a reply it deemed storable, for nothing. One per HTTP client.
 */
interface UncachedHttp {
  /** What RESTDataSource calls on its HTTPCache (its other members are the cache's). */
  fetch(url: URL, request?: FetcherRequestInit): Promise<{ response: FetcherResponse }>;
}
const uncachedHttp = new WeakMap<Fetcher, UncachedHttp>();
function uncachedHttpFor(fetch: Fetcher): UncachedHttp {
  let http = uncachedHttp.get(fetch);
  if (!http) {
    http = { fetch: async (url, request = {}) => ({ response: await fetch(url.toString(), request) }) };
    uncachedHttp.set(fetch, http);
  }
  return http;
}

/**
 * The base URL with its trailing slash, and its path (`/api/v1/`), worked out once per base URL
 * rather than once per request: a gateway passes the same string to every request's datasource,
 * so the last one is kept and compared (the same string object compares at once).
 */
let lastBase: { given: string; baseURL: string; basePath: string } | undefined;
function normalisedBase(given: string): { baseURL: string; basePath: string } {
  if (lastBase?.given !== given) {
    const baseURL = given.endsWith('/') ? given : `${given}/`;
    lastBase = { given, baseURL, basePath: new URL(baseURL).pathname };
  }
  return lastBase;
}

/** Every call goes out (see requestDeduplicationPolicyFor); one object for all. */
const DO_NOT_DEDUPLICATE: RequestDeduplicationPolicy = Object.freeze({ policy: 'do-not-deduplicate' });

const USER_AGENT = 'zoho-payments-graphql-gateway';

/** The unsent-call reason of a failure the gateway raised itself, if it is one. */
const UNSENT_REASONS: Partial<Record<UpstreamError['failure']['kind'], UnsentCall['reason']>> = {
  'circuit-open': 'circuit_open',
  'caller-busy': 'caller_busy',
  'rate-budget': 'rate_budget',
  'operation-limit': 'operation_limit',
  'token-rejected': 'token_rejected',
  cancelled: 'cancelled',
};

export class ZohoPaymentsAPI extends RESTDataSource {
  override baseURL: string;
  readonly #credentials: ZohoCredentials;
  readonly #policy: UpstreamPolicy;
  readonly #guard: OperationGuard;
  readonly #requestId: string | undefined;
  /** The base URL's path, e.g. `/api/v1/`: logs show each call's full path, never its query. */
  readonly #basePath: string;
  readonly #onUpstreamCall: ((call: UpstreamCall) => void) | undefined;
  readonly #onUnsentCall: ((call: UnsentCall) => void) | undefined;
  /** Whether each call gets a debug line (decided once: the line's text is not built otherwise). */
  readonly #debugCalls: boolean;

  constructor(options: ZohoPaymentsAPIOptions) {
    super({ fetch: options.fetch, logger: options.logger, cache: NO_HTTP_CACHE });
    this.httpCache = uncachedHttpFor(options.fetch) as unknown as ZohoPaymentsAPI['httpCache'];
    const { baseURL, basePath } = normalisedBase(options.baseURL);
    this.baseURL = baseURL;
    this.#basePath = basePath;
    this.#credentials = options.credentials;
    // Without a shared policy (a datasource built alone), the time limit still holds; nothing else.
    this.#policy =
      options.policy ??
      new UpstreamPolicy({ ...DEFAULT_UPSTREAM_POLICY, timeoutMs: options.timeoutMs, retries: 0, breakerThreshold: 0 });
    this.#guard = options.guard ?? new OperationGuard({ maxCalls: Number.POSITIVE_INFINITY });
    this.#requestId = options.requestId;
    this.#onUpstreamCall = options.onUpstreamCall;
    this.#onUnsentCall = options.onUnsentCall;
    this.#debugCalls = options.logger?.isLevelEnabled('debug') ?? false;
  }

  /** `GET /paymentmethods/{id}`; null when Zoho has no such payment method. */
  async getPaymentMethod(id: string): Promise<ZohoPaymentMethod | null> {
    const reply = await this.#nullWhenNotFound(this.#call('retrievePaymentMethod', id, zohoPaymentMethodEnvelopeSchema));
    return reply ? reply.payment_method : null;
  }

  /** `PUT /paymentmethods/{id}`: the payment method as it is after the change. */
  async updatePaymentMethod(id: string, body: ZohoUpdatePaymentMethodRequest): Promise<ZohoPaymentMethod> {
    const reply = await this.#call('updatePaymentMethod', id, zohoPaymentMethodEnvelopeSchema, body);
    return reply.payment_method;
  }

  /** `DELETE /paymentmethods/{id}`. */
  async deletePaymentMethod(id: string): Promise<void> {
    await this.#call('deletePaymentMethod', id, zohoEnvelopeSchema);
  }

  /** `POST /paymentmethodsessions`: the new session (Zoho's reply carries no status). */
  async createPaymentMethodSession(body: ZohoCreatePaymentMethodSessionRequest): Promise<ZohoPaymentMethodSession> {
    const reply = await this.#call('createPaymentMethodSession', undefined, zohoPaymentMethodSessionEnvelopeSchema, body);
    return reply.payment_method_session;
  }

  /** `GET /paymentmethodsessions/{id}`; null when Zoho has no such session. */
  async getPaymentMethodSession(id: string): Promise<ZohoPaymentMethodSession | null> {
    const reply = await this.#nullWhenNotFound(
      this.#call('retrievePaymentMethodSession', id, zohoPaymentMethodSessionEnvelopeSchema),
    );
    return reply ? reply.payment_method_session : null;
  }

  /** The one place that adds credentials: every call of this instance carries this caller's. */
  protected override willSendRequest(_path: string, request: AugmentedRequest): void {
    request.headers['authorization'] = this.#credentials.authorization;
    request.headers['accept'] = 'application/json';
    // Names the gateway in Zoho's logs and support tickets (never the caller).
    request.headers['user-agent'] = USER_AGENT;
    request.params.set('account_id', this.#credentials.accountId);
    if (this.#requestId) request.headers[REQUEST_ID_HEADER] = this.#requestId;
    request.skipCache = true;
  }

  /**
   * Every call goes out: the request's DataLoaders already fetch each id once, and a retried GET
   * must really go out again (RESTDataSource would otherwise replay the first, failed, promise).
   */
  protected override requestDeduplicationPolicyFor(): RequestDeduplicationPolicy {
    return DO_NOT_DEDUPLICATE;
  }

  /** Reads the body as text and parses JSON itself, so a malformed body is data, not a crash. */
  protected override async parseBody(response: FetcherResponse): Promise<object | string> {
    const text = await response.text();
    if (text.trim() === '') return '';
    try {
      const parsed: unknown = JSON.parse(text);
      return typeof parsed === 'object' && parsed !== null ? parsed : text;
    } catch {
      return text;
    }
  }

  /**
   * A non-2xx reply, as a typed failure. Thrown, not returned: RESTDataSource throws whatever this
   * yields, and the policy must read the failure before anything becomes a GraphQL error.
   */
  protected override async errorFromResponse({
    response,
    parsedBody,
  }: {
    response: FetcherResponse;
    parsedBody: unknown;
  }): Promise<GraphQLError> {
    const zoho = zohoErrorBody(parsedBody);
    throw new ZohoErrorReply({
      kind: 'status',
      status: response.status,
      zohoCode: zoho.code,
      zohoMessage: zoho.message,
      retryAfterSeconds: parseRetryAfter(response.headers.get('retry-after')),
    });
  }

  /**
   * No tracing here: #call times each exchange, and RESTDataSource's own trace logs the whole URL
   * in development, and the URL's query holds the account id.
   */
  protected override trace<TResult>(_url: URL, _request: RequestOptions, fn: () => Promise<TResult>): Promise<TResult> {
    return fn();
  }

  #report(call: UpstreamCall): void {
    this.#onUpstreamCall?.(call);
    if (this.#debugCalls) {
      this.logger.debug(
        `zoho ${call.method} ${call.path} -> ${call.status}${call.failure ? ` (${call.failure})` : ''} (${call.durationMs.toFixed(1)} ms)`,
      );
    }
  }

  /**
   * One Zoho call: admitted by the operation's guard, run under the shared policy (its caller's
   * turn, the time budget, retries for reads, the circuits), its reply unwrapped. Every failure
   * leaves as the contract's GraphQL error.
   */
  async #call<S extends z.ZodType>(endpoint: ZohoEndpoint, id: string | undefined, schema: S, body?: object): Promise<z.infer<S>> {
    const { method } = ZOHO_ENDPOINTS[endpoint];
    const path = endpointPath(endpoint, id);
    try {
      this.#guard.admit(endpoint, method, path);
      const { parsedBody, status } = await this.#policy.execute(
        {
          callerKey: this.#credentials.callerKey,
          accountId: this.#credentials.accountId,
          endpoint,
          kind: method === 'GET' ? 'read' : 'write',
          signal: this.#guard.signal,
        },
        async (signal) => {
          // It may have waited for its turn: the client may have gone, or a 401 come, meanwhile.
          this.#guard.assertStillWanted(endpoint);
          const request: DataSourceRequest =
            method === 'GET' || body === undefined ? { method, signal } : { method, body, signal };
          const started = performance.now();
          try {
            const result = await this.fetch<unknown>(path, request);
            const status = result.response.status;
            this.#report({ endpoint, method, path: this.#basePath + path, status, durationMs: performance.now() - started });
            return { parsedBody: result.parsedBody, status };
          } catch (error) {
            const failed = asUpstreamError(error, endpoint);
            const { failure } = failed;
            // Latched here, before the caller's slot passes to a waiting call of this operation.
            if (failure.kind === 'status' && failure.status === 401) this.#guard.rejectToken();
            this.#report({
              endpoint,
              method,
              path: this.#basePath + path,
              status: failure.kind === 'status' ? failure.status : 'error',
              durationMs: performance.now() - started,
              ...(failure.kind === 'transport' && { failure: isAbort(error) ? 'aborted' : failure.reason }),
              ...(failure.kind === 'transport' && failure.code && { failureCode: failure.code }),
            });
            throw failed;
          }
        },
      );
      return this.#unwrap(parsedBody, status, schema, endpoint);
    } catch (error) {
      if (!(error instanceof UpstreamError)) throw error;
      const unsent = UNSENT_REASONS[error.failure.kind];
      if (unsent) this.#onUnsentCall?.({ endpoint, reason: unsent });
      throw errorFromUpstreamFailure(error, this.#credentials.secrets);
    }
  }

  /** Zoho's envelope, in one place: `code` 0 means success, and the payload must have its shape. */
  #unwrap<S extends z.ZodType>(body: unknown, status: number, schema: S, endpoint: ZohoEndpoint): z.infer<S> {
    const zoho = zohoErrorBody(body);
    if (zoho.code !== undefined && zoho.code !== '0') {
      // A 2xx reply that still reports an error.
      throw new UpstreamError({ kind: 'unexpected-reply', status, zohoCode: zoho.code }, endpoint);
    }
    const parsed = schema.safeParse(body);
    if (!parsed.success) {
      // Only paths, never values: a reply may hold personal data.
      this.logger.warn?.(
        `Zoho reply to ${ZOHO_ENDPOINTS[endpoint].what} has an unexpected shape at: ${parsed.error.issues.map((i) => i.path.join('.') || '(root)').join(', ')}`,
      );
      throw new UpstreamError({ kind: 'unexpected-reply', status, zohoCode: zoho.code }, endpoint);
    }
    return parsed.data;
  }

  async #nullWhenNotFound<T>(reply: Promise<T>): Promise<T | null> {
    try {
      return await reply;
    } catch (error) {
      if (errorCodeOf(error) === 'NOT_FOUND') return null;
      throw error;
    }
  }
}

const isAbort = (error: unknown): boolean =>
  error instanceof Error && (error.name === 'AbortError' || error.name === 'TimeoutError');

/** A non-2xx reply, thrown by errorFromResponse and typed by #call with its endpoint. */
class ZohoErrorReply extends Error {
  constructor(readonly failure: Extract<UpstreamFailure, { kind: 'status' }>) {
    super(`Zoho answered HTTP ${failure.status}`);
  }
}

/** Any failure of one HTTP exchange as a typed UpstreamError (an abort is the budget's: the policy reports it). */
function asUpstreamError(error: unknown, endpoint: ZohoEndpoint): UpstreamError {
  if (error instanceof ZohoErrorReply) return new UpstreamError(error.failure, endpoint);
  if (error instanceof UpstreamError) return error;
  if (error instanceof UpstreamTransportError) return new UpstreamError({ kind: 'transport', reason: error.reason, code: error.code }, endpoint);
  return new UpstreamError({ kind: 'transport', reason: isAbort(error) ? 'timeout' : 'other' }, endpoint);
}
