/**
 * The Zoho Payments v1 REST API, for exactly one caller.
 *
 * A new instance is built for every GraphQL request (context.ts) from that request's token and
 * account id, which it keeps in private, read-only fields: no state of one request can reach
 * another. It speaks HTTP only: it adds the credentials, unwraps Zoho's envelope, checks each
 * reply's shape and returns Zoho's own JSON (zoho-types.ts), and turns every failure into the
 * contract's error codes (errors.ts). It knows nothing of the GraphQL schema.
 */
import http from 'node:http';
import https from 'node:https';
import {
  RESTDataSource,
  type AugmentedRequest,
  type DataSourceRequest,
  type RequestDeduplicationPolicy,
  type RequestOptions,
} from '@apollo/datasource-rest';
import type { Fetcher, FetcherResponse } from '@apollo/utils.fetcher';
import type { KeyValueCache } from '@apollo/utils.keyvaluecache';
import type { GraphQLError } from 'graphql';
import nodeFetch from 'node-fetch';
import type { z } from 'zod';
import {
  errorCodeOf,
  errorFromFetchFailure,
  errorFromUpstreamResponse,
  unexpectedUpstreamReply,
  zohoErrorBody,
} from '../errors';
import type { Logger } from '../logger';
import { callerSecretsFrom, type ZohoCredentials } from '../credentials';
import { REQUEST_ID_HEADER } from '../request-scope';
import type { OperationGuard } from './operation-guard';
import { DEFAULT_UPSTREAM_POLICY, UpstreamPolicy, type CallKind } from './upstream-policy';
import {
  zohoEnvelopeSchema,
  zohoPaymentMethodEnvelopeSchema,
  zohoPaymentMethodSessionEnvelopeSchema,
  type ZohoCreatePaymentMethodSessionRequest,
  type ZohoPaymentMethod,
  type ZohoPaymentMethodSession,
  type ZohoUpdatePaymentMethodRequest,
} from './zoho-types';

/** The Zoho endpoints this datasource calls, named as the seeds name them (metrics label them so). */
export type ZohoEndpoint =
  | 'createPaymentMethodSession'
  | 'retrievePaymentMethodSession'
  | 'retrievePaymentMethod'
  | 'updatePaymentMethod'
  | 'deletePaymentMethod';

/** What one upstream call (one HTTP exchange: each retry is its own) did, for logs and metrics. */
export interface UpstreamCall {
  endpoint: ZohoEndpoint;
  method: string;
  /** The URL's path, e.g. `/api/v1/paymentmethods/123`, without the query (which holds the account id). */
  path: string;
  status: number | 'error';
  durationMs: number;
}

export interface ZohoPaymentsAPIOptions {
  /** Base URL ending in `/api/v1`, e.g. `https://payments.zoho.com/api/v1`. */
  baseURL: string;
  credentials: ZohoCredentials;
  /** Time limit of one upstream call, retries included (the policy enforces it; errors quote it). */
  timeoutMs: number;
  /** Timeout, retries and circuit breaker, shared by every request of the gateway. */
  policy?: UpstreamPolicy;
  /** This request's id, sent to Zoho as `X-Request-Id`. */
  requestId?: string;
  /** Shared across requests: holds connection pools only, never request data. */
  fetch?: Fetcher;
  logger?: Logger;
  onUpstreamCall?: (call: UpstreamCall) => void;
  /** This operation's call budget, 401 latch and client disconnect (operation-guard.ts). */
  guard?: OperationGuard;
}

/**
 * The HTTP client shared by every request's datasource: node-fetch over keep-alive agents, so
 * upstream connections are reused across requests. It carries no credentials or data.
 */
export function createZohoFetcher(): Fetcher {
  const httpAgent = new http.Agent({ keepAlive: true, maxSockets: 64 });
  const httpsAgent = new https.Agent({ keepAlive: true, maxSockets: 64 });
  return (url, init) =>
    nodeFetch(url, {
      ...init,
      agent: (parsed: URL) => (parsed.protocol === 'http:' ? httpAgent : httpsAgent),
    } as Parameters<typeof nodeFetch>[1]) as unknown as Promise<FetcherResponse>;
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

export class ZohoPaymentsAPI extends RESTDataSource {
  override baseURL: string;
  readonly #credentials: ZohoCredentials;
  readonly #policy: UpstreamPolicy;
  readonly #requestId: string | undefined;
  readonly #onUpstreamCall: ((call: UpstreamCall) => void) | undefined;
  /** Whether each call gets a debug line (decided once: the line's text is not built otherwise). */
  readonly #debugCalls: boolean;

  constructor(options: ZohoPaymentsAPIOptions) {
    super({ fetch: options.fetch, logger: options.logger, cache: NO_HTTP_CACHE });
    this.baseURL = options.baseURL.endsWith('/') ? options.baseURL : `${options.baseURL}/`;
    this.#credentials = options.credentials;
    // Without a shared policy (a datasource built alone), the time limit still holds; nothing else.
    this.#policy =
      options.policy ??
      new UpstreamPolicy({ ...DEFAULT_UPSTREAM_POLICY, timeoutMs: options.timeoutMs, retries: 0, breakerThreshold: 0 });
    this.#requestId = options.requestId;
    this.#onUpstreamCall = options.onUpstreamCall;
    this.#debugCalls = options.logger?.isLevelEnabled('debug') ?? false;
  }

  /** `GET /paymentmethods/{id}`; null when Zoho has no such payment method. */
  async getPaymentMethod(id: string): Promise<ZohoPaymentMethod | null> {
    const reply = await this.#nullWhenNotFound(
      this.#call('GET', `paymentmethods/${encodeURIComponent(id)}`, zohoPaymentMethodEnvelopeSchema, 'retrieve a payment method'),
    );
    return reply ? reply.payment_method : null;
  }

  /** `PUT /paymentmethods/{id}`: the payment method as it is after the change. */
  async updatePaymentMethod(id: string, body: ZohoUpdatePaymentMethodRequest): Promise<ZohoPaymentMethod> {
    const reply = await this.#call(
      'PUT',
      `paymentmethods/${encodeURIComponent(id)}`,
      zohoPaymentMethodEnvelopeSchema,
      'update a payment method',
      body,
    );
    return reply.payment_method;
  }

  /** `DELETE /paymentmethods/{id}`. */
  async deletePaymentMethod(id: string): Promise<void> {
    await this.#call('DELETE', `paymentmethods/${encodeURIComponent(id)}`, zohoEnvelopeSchema, 'delete a payment method');
  }

  /** `POST /paymentmethodsessions`: the new session (Zoho's reply carries no status). */
  async createPaymentMethodSession(body: ZohoCreatePaymentMethodSessionRequest): Promise<ZohoPaymentMethodSession> {
    const reply = await this.#call(
      'POST',
      'paymentmethodsessions',
      zohoPaymentMethodSessionEnvelopeSchema,
      'create a payment method session',
      body,
    );
    return reply.payment_method_session;
  }

  /** `GET /paymentmethodsessions/{id}`; null when Zoho has no such session. */
  async getPaymentMethodSession(id: string): Promise<ZohoPaymentMethodSession | null> {
    const reply = await this.#nullWhenNotFound(
      this.#call(
        'GET',
        `paymentmethodsessions/${encodeURIComponent(id)}`,
        zohoPaymentMethodSessionEnvelopeSchema,
        'retrieve a payment method session',
      ),
    );
    return reply ? reply.payment_method_session : null;
  }

  /** The one place that adds credentials: every call of this instance carries this caller's. */
  protected override willSendRequest(_path: string, request: AugmentedRequest): void {
    request.headers['authorization'] = this.#credentials.authorization;
    request.headers['accept'] = 'application/json';
    request.params.set('account_id', this.#credentials.accountId);
    if (this.#requestId) request.headers[REQUEST_ID_HEADER] = this.#requestId;
    request.skipCache = true;
  }

  /**
   * Every call goes out: the request's DataLoaders already fetch each id once, and a retried GET
   * must really go out again (RESTDataSource would otherwise replay the first, failed, promise).
   */
  protected override requestDeduplicationPolicyFor(): RequestDeduplicationPolicy {
    return { policy: 'do-not-deduplicate' };
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

  /** Every non-2xx reply becomes one of the contract's errors (errors.ts holds the table). */
  protected override async errorFromResponse({
    response,
    parsedBody,
  }: {
    response: FetcherResponse;
    parsedBody: unknown;
  }): Promise<GraphQLError> {
    const secrets = callerSecretsFrom({ authorization: this.#credentials.authorization });
    return errorFromUpstreamResponse(response.status, parsedBody, response.headers.get('retry-after'), secrets);
  }

  /** Times each call and reports it by path (never by URL: the query holds the account id). */
  protected override async trace<TResult>(
    url: URL,
    request: RequestOptions,
    fn: () => Promise<TResult>,
  ): Promise<TResult> {
    const started = performance.now();
    const method = request.method ?? 'GET';
    const path = url.pathname;
    const endpoint = endpointOf(method, path);
    try {
      const result = await fn();
      const status = (result as { response?: FetcherResponse }).response?.status ?? 0;
      this.#report({ endpoint, method, path, status, durationMs: performance.now() - started });
      return result;
    } catch (error) {
      const status = typeof (error as GraphQLError).extensions?.['upstreamStatus'] === 'number'
        ? ((error as GraphQLError).extensions['upstreamStatus'] as number)
        : 'error';
      this.#report({ endpoint, method, path, status, durationMs: performance.now() - started });
      throw error;
    }
  }

  #report(call: UpstreamCall): void {
    this.#onUpstreamCall?.(call);
    if (this.#debugCalls) this.logger.debug(`zoho ${call.method} ${call.path} -> ${call.status} (${call.durationMs.toFixed(1)} ms)`);
  }

  /**
   * One Zoho call under the shared policy (time limit, retries for reads, circuit breaker), with
   * every failure turned into the contract's error before the policy sees it.
   */
  async #call<S extends z.ZodType>(
    method: 'GET' | 'POST' | 'PUT' | 'DELETE',
    path: string,
    schema: S,
    what: string,
    body?: object,
  ): Promise<z.infer<S>> {
    const kind: CallKind = method === 'GET' ? 'read' : 'write';
    const { parsedBody, status } = await this.#policy.execute(kind, async (signal) => {
      const request: DataSourceRequest =
        method === 'GET' || body === undefined ? { method, signal } : { method, body, signal };
      try {
        const result = await this.fetch<unknown>(path, request);
        return { parsedBody: result.parsedBody, status: result.response.status };
      } catch (error) {
        throw errorFromFetchFailure(error);
      }
    });
    return this.#unwrap(parsedBody, status, schema, what);
  }

  /** Zoho's envelope, in one place: `code` 0 means success, and the payload must have its shape. */
  #unwrap<S extends z.ZodType>(body: unknown, status: number, schema: S, what: string): z.infer<S> {
    const zoho = zohoErrorBody(body);
    if (zoho.code !== undefined && zoho.code !== '0') {
      // A 2xx reply that still reports an error.
      throw unexpectedUpstreamReply(what, { upstreamStatus: status, upstreamCode: zoho.code });
    }
    const parsed = schema.safeParse(body);
    if (!parsed.success) {
      // Only paths, never values: a reply may hold personal data.
      this.logger.warn?.(
        `Zoho reply to ${what} has an unexpected shape at: ${parsed.error.issues.map((i) => i.path.join('.') || '(root)').join(', ')}`,
      );
      throw unexpectedUpstreamReply(what, { upstreamStatus: status, upstreamCode: zoho.code });
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

/** Which documented endpoint a method and path are (for the metrics' `endpoint` label). */
function endpointOf(method: string, path: string): ZohoEndpoint {
  const session = /\/paymentmethodsessions(?:\/|$)/.test(path);
  if (session) return method === 'POST' ? 'createPaymentMethodSession' : 'retrievePaymentMethodSession';
  if (method === 'PUT') return 'updatePaymentMethod';
  if (method === 'DELETE') return 'deletePaymentMethod';
  return 'retrievePaymentMethod';
}
