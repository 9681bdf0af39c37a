/**
 * The per-request context, built once per GraphQL request by one function: the caller's
 * credentials (from its own headers), a ZohoPaymentsAPI built from exactly those credentials, and
 * DataLoaders over that datasource. Nothing in it is shared with another request.
 *
 * Credentials are checked here but enforced on use: an operation that never reaches Zoho (such as
 * introspection, or the router's `_service` query) needs none, while the first resolver that
 * touches `dataSources` or `loaders` without valid credentials fails with UNAUTHENTICATED (token)
 * or BAD_USER_INPUT (account id), before any upstream call.
 */
import type { IncomingHttpHeaders } from 'node:http';
import type { Fetcher } from '@apollo/utils.fetcher';
import type { GraphQLError } from 'graphql';
import { credentialsFromHeaders, type ZohoCredentials } from './credentials';
import { ZohoPaymentsAPI, type UnsentCall, type UpstreamCall } from './datasources/ZohoPaymentsAPI';
import { createLoaders, type Loaders } from './datasources/loaders';
import { OperationGuard } from './datasources/operation-guard';
import type { Logger } from './observability/logger';
import type { GatewayMetrics } from './observability/metrics';
import { currentRequestScope, requestIdFrom } from './http/request-scope';
import type { UpstreamPolicy } from './datasources/upstream-policy';
import { RequestIdempotency, idempotencyLeaseMs } from './idempotency/idempotency';
import type { IdempotencyStore } from './idempotency/store';
import type { OperationAudit } from './observability/audit';

export interface GatewayContext {
  /** This request's id (request-scope.ts): logged, sent upstream, in every error. */
  readonly requestId: string;
  /** This request's logger. */
  logger: Logger;
  /** This request's datasources; reading it without valid credentials throws the credentials error. */
  readonly dataSources: { zohoPayments: ZohoPaymentsAPI };
  /** This request's DataLoaders; reading it without valid credentials throws the credentials error. */
  readonly loaders: Loaders;
  /** The upstream calls this request made so far. */
  readonly upstreamCalls: UpstreamCall[];
  /** The upstream calls this request asked for that the gateway did not send (limits, circuits, disconnect). */
  readonly unsentCalls: UnsentCall[];
  /** The current time, for checks such as "expiry already past" (a fixed clock in tests). */
  now: () => Date;
  /** Idempotency of this request's mutations, scoped to the caller's account; reading it without valid credentials throws the credentials error. */
  readonly idempotency: RequestIdempotency;
  /** Who made this request's mutations and what came of each, for its log line (observability/audit.ts). */
  readonly audit: OperationAudit;
}

/** What building a context needs from the application (shared, holding no request data). */
export interface ContextDependencies {
  zohoApiUrl: string;
  zohoTimeoutMs: number;
  /** The HTTP client's fetch (http-client.ts), shared by every request. */
  fetcher: Fetcher;
  logger: Logger;
  now?: () => Date;
  /** Timeout, retries and circuit breaker, shared by every request. */
  upstreamPolicy?: UpstreamPolicy;
  /** Where upstream calls are counted. */
  metrics?: GatewayMetrics;
  /** Distinct Zoho calls one operation may make (ZOHO_MAX_CALLS_PER_OPERATION). */
  maxCallsPerOperation?: number;
  /** Idempotency records, shared by every request (without one, a mutation with a key is refused). */
  idempotencyStore?: IdempotencyStore;
}

/** ZOHO_MAX_CALLS_PER_OPERATION's default (config.ts), for gateways built without the config. */
export const DEFAULT_MAX_CALLS_PER_OPERATION = 200;

/** What the transport knows of one request. */
export interface RequestLifecycle {
  /** Aborted when the client disconnects before its reply is written. */
  signal?: AbortSignal;
}

/** The one function that builds a request's context from its headers. */
export function buildContext(
  headers: IncomingHttpHeaders,
  deps: ContextDependencies,
  lifecycle: RequestLifecycle = {},
): GatewayContext {
  const credentials = credentialsFromHeaders(headers);
  const requestId = currentRequestScope()?.requestId ?? requestIdFrom(headers);
  const logger = deps.logger;
  const now = deps.now ?? (() => new Date());
  if (!('accountId' in credentials)) return new UnauthenticatedContext(credentials, requestId, logger, now);
  return new CallerContext(credentials, requestId, logger, now, deps, lifecycle.signal);
}

/**
 * The context of a request with well-formed credentials. Its datasource and loaders are built on
 * first use: an operation that calls no one (`{ __typename }`, introspection, `_service`) never
 * builds them. The getters live on the prototype and what they build in an object the context
 * holds, so Apollo Server's shallow copy of a context (executeOperation) shares it: one
 * datasource and one set of loaders per request, whichever copy built them.
 */
class CallerContext implements GatewayContext {
  readonly upstreamCalls: UpstreamCall[] = [];
  readonly unsentCalls: UnsentCall[] = [];
  private readonly lazy: {
    built?: { dataSources: { zohoPayments: ZohoPaymentsAPI }; loaders: Loaders };
    idempotency?: RequestIdempotency;
  } = {};
  /** Who made this request's mutations: the caller's key is hashed only when a mutation's log line reads it. */
  readonly audit: OperationAudit;

  constructor(
    private readonly credentials: ZohoCredentials,
    readonly requestId: string,
    public logger: Logger,
    readonly now: () => Date,
    private readonly deps: ContextDependencies,
    private readonly signal: AbortSignal | undefined,
  ) {
    this.audit = {
      caller: {
        accountId: credentials.accountId,
        get callerKey() {
          return credentials.callerKey;
        },
      },
      mutations: [],
    };
  }

  get dataSources(): { zohoPayments: ZohoPaymentsAPI } {
    return this.build().dataSources;
  }

  get loaders(): Loaders {
    return this.build().loaders;
  }

  /** Built on first use too: only a mutation reads it. */
  get idempotency(): RequestIdempotency {
    this.lazy.idempotency ??= new RequestIdempotency({
      store: this.deps.idempotencyStore,
      accountId: this.credentials.accountId,
      leaseMs: idempotencyLeaseMs(this.deps.zohoTimeoutMs),
      logger: this.logger,
      signal: this.signal,
    });
    return this.lazy.idempotency;
  }

  private build(): { dataSources: { zohoPayments: ZohoPaymentsAPI }; loaders: Loaders } {
    if (this.lazy.built) return this.lazy.built;
    const { deps, upstreamCalls, unsentCalls } = this;
    const { metrics } = deps;
    const zohoPayments = new ZohoPaymentsAPI({
      baseURL: deps.zohoApiUrl,
      credentials: this.credentials,
      timeoutMs: deps.zohoTimeoutMs,
      policy: deps.upstreamPolicy,
      requestId: this.requestId,
      fetch: deps.fetcher,
      logger: this.logger,
      // One per operation: its call budget, the 401 latch and the client's disconnect.
      guard: new OperationGuard({
        maxCalls: deps.maxCallsPerOperation ?? DEFAULT_MAX_CALLS_PER_OPERATION,
        signal: this.signal,
      }),
      onUpstreamCall: (call) => {
        upstreamCalls.push(call);
        metrics?.recordUpstreamCall(call);
      },
      onUnsentCall: (call) => {
        unsentCalls.push(call);
        metrics?.recordUnsentCall(call);
      },
    });
    this.lazy.built = { dataSources: { zohoPayments }, loaders: createLoaders(zohoPayments) };
    return this.lazy.built;
  }
}

/**
 * The context of a request without valid credentials: reaching for Zoho throws the credentials
 * error. The getters live on the prototype, so Apollo Server's shallow copy of the context does
 * not trigger them.
 */
class UnauthenticatedContext implements GatewayContext {
  readonly upstreamCalls: UpstreamCall[] = [];
  readonly unsentCalls: UnsentCall[] = [];
  readonly audit: OperationAudit = { caller: undefined, mutations: [] };

  constructor(
    readonly credentialsError: GraphQLError,
    readonly requestId: string,
    readonly logger: Logger,
    readonly now: () => Date,
  ) {}

  get dataSources(): never {
    throw this.credentialsError;
  }

  get loaders(): never {
    throw this.credentialsError;
  }

  get idempotency(): never {
    throw this.credentialsError;
  }
}
