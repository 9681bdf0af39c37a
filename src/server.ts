/**
 * The composition root: `createGateway(config, deps)` builds the whole gateway from config.ts's
 * one configuration (the schema and Apollo Server with its production safeguards, the upstream
 * policy, the HTTP client, the metrics, the HTTP front and the admin listener of src/http/), and
 * is what main.ts and the tests run. `deps` are what a caller swaps (the logger, the upstream
 * fetcher, the clock, the metrics registry, what the explorer opens with). No business logic
 * lives here.
 */
import type { IncomingHttpHeaders, Server } from 'node:http';
import { ApolloServer, type GraphQLRequest, type GraphQLResponse } from '@apollo/server';
import { ApolloServerPluginDisableSuggestions } from '@apollo/server/plugin/disableSuggestions';
import {
  ApolloServerPluginCacheControlDisabled,
  ApolloServerPluginLandingPageDisabled,
  ApolloServerPluginUsageReportingDisabled,
} from '@apollo/server/plugin/disabled';
import { ApolloServerPluginInlineTrace } from '@apollo/server/plugin/inlineTrace';
import { ApolloServerPluginUsageReporting } from '@apollo/server/plugin/usageReporting';
import type { Fetcher } from '@apollo/utils.fetcher';
import type { Redis } from 'ioredis';
import type { GatewayConfig } from './config';
import { buildContext, type ContextDependencies, type GatewayContext } from './context';
import { createZohoHttpClient } from './datasources/http-client';
import { UpstreamPolicy } from './datasources/upstream-policy';
import { createRateBudget, type RateBudget } from './datasources/rate-budget';
import { createAdminListener } from './http/admin';
import { createHttpFront } from './http/app';
import { corsPolicy } from './http/cors';
import { createExplorer, type ExplorerOptions } from './http/explorer';
import { createHealth } from './http/health';
import { drain } from './http/drain';
import { ADMIN_MAX_CONNECTIONS, createServer, listen } from './http/listener';
import { upstreamCallEstimatePlugin } from './http/upstream-call-estimate';
import { KnownOperationTypesRule } from './http/known-operation-types';
import type { Logger } from './observability/logger';
import { GatewayMetrics } from './observability/metrics';
import { operationLimits } from './http/operation-limits';
import { operationReportPlugin } from './observability/operation-report';
import { requestScopeFrom, runInRequestScope } from './http/request-scope';
import { MemoryIdempotencyStore } from './idempotency/memory-store';
import { RedisIdempotencyStore } from './idempotency/redis-store';
import type { IdempotencyStore } from './idempotency/store';
import { connectRedis, type RedisConnection } from './redis/client';
import { RedisPersistedQueryCache } from './redis/persisted-query-cache';
import { buildSchema } from './schema';
import { formatGatewayError } from './errors/masking';

/** What a caller of createGateway provides or swaps; everything else comes from the config. */
export interface GatewayDependencies {
  logger: Logger;
  /** Upstream HTTP client; default: http-client.ts over a keep-alive pool of `config.zoho.maxSockets`. */
  fetcher?: Fetcher;
  /** The clock the resolvers use; a fixed one in tests. */
  now?: () => Date;
  /** Where metrics go (default: a new registry, with the process's own metrics). */
  metrics?: GatewayMetrics;
  /**
   * What the explorer (GraphiQL at `GET /graphql` from a browser, outside production) opens with:
   * the headers to send, set only for the embedded sandbox, whose test credentials are public
   * (placeholders otherwise); its tabs are examples/operations/.
   */
  explorer?: ExplorerOptions;
  /** How /readyz names the upstream, e.g. "embedded sandbox" (default: the URL's origin). */
  upstreamName?: string;
  /** Where usage reports go when `config.apollo` is set (default: Apollo GraphOS, over fetch). */
  usageReporting?: { fetcher?: Fetcher; endpointUrl?: string };
  /** Idempotency records of mutations with an `idempotencyKey` (default: in Redis with REDIS_URL, else in memory, at most IDEMPOTENCY_MAX_KEYS). */
  idempotencyStore?: IdempotencyStore;
  /**
   * The Redis the rate budget is shared through by every replica (the gateway's one client, and
   * its key prefix); without it, the budget is per process.
   */
  rateBudgetRedis?: { client: Redis; keyPrefix?: string };
}

/** The gateway, built and started (Apollo Server), not yet listening. */
export interface Gateway {
  readonly apollo: ApolloServer<GatewayContext>;
  readonly metrics: GatewayMetrics;
  readonly upstreamPolicy: UpstreamPolicy;
  /** The budget of calls to Zoho per account (and for unverified tokens), drawn before each call. */
  readonly rateBudget: RateBudget;
  /** Where mutations' idempotency records are kept: one store per gateway, shared by every request. */
  readonly idempotencyStore: IdempotencyStore;
  /**
   * The gateway's one Redis client (src/redis/client.ts) when REDIS_URL is set: whatever else
   * shares state across replicas uses this one, never a client of its own. Closed by drain/stop.
   */
  readonly redis: Redis | undefined;
  /** The gateway's port: `/graphql`, `/healthz`, `/readyz`. */
  readonly httpServer: Server;
  /** The admin listener: `/metrics`, `/healthz`, `/readyz`. */
  readonly adminServer: Server;
  /**
   * Listens on `config.http.port` and `adminPort`, both on `host` (0 picks a free port); rejects
   * with a ListenError (listener.ts) naming the setting when one cannot bind.
   */
  listen(): Promise<void>;
  /** e.g. `http://localhost:4000/graphql` (once listening). */
  readonly url: string;
  /** The admin listener's origin, e.g. `http://localhost:9464` (once listening). */
  readonly adminUrl: string;
  /**
   * Runs one operation in-process as the HTTP front would, without HTTP: in the request's scope,
   * with the context built from `headers` by the same function.
   */
  execute(request: GraphQLRequest, headers: IncomingHttpHeaders): Promise<{ response: GraphQLResponse; context: GatewayContext }>;
  /**
   * What SIGTERM starts (drain.ts): `/readyz` 503 at once, serving on for
   * `config.http.shutdownDelayMs`, then no new connections and in-flight operations finishing
   * for at most `shutdownGraceMs`; then Apollo Server, the HTTP client and the admin listener
   * stop. Resolves once everything is closed, with how many operations were cut. Called again,
   * it returns the same drain.
   */
  drain(): Promise<{ cut: number }>;
  /** The drain without its delay (tests, a fatal error): stops accepting at once. */
  stop(): Promise<void>;
}

function apolloServer(
  config: GatewayConfig,
  deps: GatewayDependencies,
  metrics: GatewayMetrics,
  redis: RedisConnection | undefined,
): ApolloServer<GatewayContext> {
  const production = config.nodeEnv === 'production';
  const limits = operationLimits({ production });
  const usageReporting = config.apollo && { ...config.apollo, ...deps.usageReporting };
  return new ApolloServer<GatewayContext>({
    schema: buildSchema(),
    introspection: !production,
    includeStacktraceInErrorResponses: !production,
    csrfPrevention: true,
    allowBatchedHttpRequests: false,
    validationRules: [KnownOperationTypesRule, ...limits.validationRules],
    parseOptions: limits.parseOptions,
    // Shared by every replica through Redis; without it, Apollo's in-memory default.
    ...(redis && { persistedQueries: { cache: new RedisPersistedQueryCache(redis.client, metrics) } }),
    // main.ts owns SIGTERM/SIGINT: it stops the gateway, then the embedded sandbox, then exits.
    stopOnTerminationSignals: false,
    logger: deps.logger,
    ...(usageReporting && { apollo: { key: usageReporting.key, graphRef: usageReporting.graphRef } }),
    plugins: [
      // The explorer (explorer.ts) is served by the HTTP front, before Apollo, outside production.
      ApolloServerPluginLandingPageDisabled(),
      ...(production ? [ApolloServerPluginDisableSuggestions()] : []),
      // Payment data is never cacheable, so no per-field cache hints: Apollo's default cache-control
      // plugin wraps every field's resolver to compute them (startGateway sends \`no-store\` itself).
      ApolloServerPluginCacheControlDisabled(),
      ...limits.plugins,
      // Refuses before any call what the document and variables already show is over the budget.
      upstreamCallEstimatePlugin({ maxCalls: config.zoho.maxCallsPerOperation }),
      // Federated traces for the router (ftv1): timings only, error messages masked, no variables.
      ApolloServerPluginInlineTrace({ includeErrors: { masked: true } }),
      usageReporting
        ? ApolloServerPluginUsageReporting({
            sendVariableValues: { none: true },
            sendHeaders: { none: true },
            sendErrors: { masked: true },
            ...(usageReporting.fetcher && { fetcher: usageReporting.fetcher }),
            ...(usageReporting.endpointUrl && { endpointUrl: usageReporting.endpointUrl, sendReportsImmediately: true }),
          })
        : ApolloServerPluginUsageReportingDisabled(),
      operationReportPlugin(metrics),
    ],
    formatError: (formatted, error) => formatGatewayError(formatted, error, deps.logger, production),
  });
}

/** Builds the gateway from the configuration and starts Apollo Server; `listen()` then serves it. */
export async function createGateway(config: GatewayConfig, deps: GatewayDependencies): Promise<Gateway> {
  const { logger } = deps;
  const { maxConnections, keepAliveTimeoutMs } = config.http;
  const httpServer = createServer({ listener: 'PORT', keepAliveTimeoutMs, maxConnections, limit: 'MAX_CONNECTIONS', logger });
  const adminServer = createServer({
    listener: 'ADMIN_PORT',
    keepAliveTimeoutMs,
    maxConnections: ADMIN_MAX_CONNECTIONS,
    limit: "the admin listener's own",
    logger,
  });
  const metrics = deps.metrics ?? new GatewayMetrics();
  // One connection per gateway, shared by every use; the gateway starts even when Redis is down.
  const redis = config.redis && (await connectRedis(config.redis, { logger, metrics }));
  const budgetRedis = deps.rateBudgetRedis ?? (redis && { client: redis.client });
  const rateBudget = createRateBudget({
    ...config.zoho.rateBudget,
    logger,
    ...(budgetRedis && { redis: budgetRedis.client, keyPrefix: budgetRedis.keyPrefix }),
    ...(config.redis && { redisTimeoutMs: config.redis.timeoutMs }),
  });
  rateBudget.onRejection((budget) => metrics.recordRateBudgetRejection(budget));
  rateBudget.onRedisFailure(() => metrics.recordRedisFailure('rate_budget'));
  rateBudget.onFallbackChange((fallback) => metrics.setRateBudgetFallback(fallback));
  const upstreamPolicy = new UpstreamPolicy({ timeoutMs: config.zoho.timeoutMs, ...config.zoho.policy }, rateBudget);
  // Created once per gateway, as the policy is: every request's mutations share its records.
  const idempotencyStore =
    deps.idempotencyStore ?? (redis ? new RedisIdempotencyStore(redis.client, { metrics }) : new MemoryIdempotencyStore());
  upstreamPolicy.onCallerCircuitsChange((open) => metrics.setOpenCallerCircuits(open));
  upstreamPolicy.onCircuitStateChange((state) => {
    metrics.setCircuitState(state);
    if (state === 'open') {
      logger.warn(
        { circuit: state, openCallerCircuits: upstreamPolicy.openCallerCircuits },
        'Zoho Payments is failing for many callers: gateway-wide circuit open, every call fails fast',
      );
    } else logger.info({ circuit: state }, `gateway-wide circuit ${state}`);
  });
  // The HTTP server is drained by drain.ts before Apollo Server stops (no drain plugin).
  const apollo = apolloServer(config, deps, metrics, redis);
  await apollo.start().catch(async (error: unknown) => {
    await redis?.close();
    throw error;
  });

  const zohoApiUrl = config.zoho.apiUrl;
  const httpClient =
    deps.fetcher || !zohoApiUrl ? undefined : createZohoHttpClient({ baseURL: zohoApiUrl, maxSockets: config.zoho.maxSockets });
  if (httpClient?.proxy) logger.info({ proxy: httpClient.proxy }, 'calls to Zoho Payments go through an egress proxy');
  const fetcher = deps.fetcher ?? httpClient?.fetch;
  // What every request's context shares (built once; buildContext adds the request's own parts).
  const contextDeps: ContextDependencies | undefined =
    zohoApiUrl && fetcher
      ? {
          zohoApiUrl,
          zohoTimeoutMs: config.zoho.timeoutMs,
          upstreamPolicy,
          metrics,
          fetcher,
          logger,
          now: deps.now,
          maxCallsPerOperation: config.zoho.maxCallsPerOperation,
          idempotencyStore,
        }
      : undefined;
  /** One operation's context; `signal` aborts when its client disconnects. */
  const contextFor = (headers: IncomingHttpHeaders, signal?: AbortSignal): GatewayContext => {
    if (!contextDeps) throw new Error('ZOHO_API_URL is not configured');
    return buildContext(headers, contextDeps, { signal });
  };

  const health = createHealth({ zohoApiUrl, upstreamName: deps.upstreamName, upstreamPolicy, redis });
  const front = createHttpFront({
    apollo,
    context: contextFor,
    health,
    cors: corsPolicy(config.http.corsOrigins),
    logger,
    // Production never builds it, so never loads its 9 MB module.
    ...(config.nodeEnv !== 'production' && { explorer: createExplorer(deps.explorer) }),
  });
  httpServer.on('request', front.listener);
  adminServer.on('request', createAdminListener({ health, metrics: () => metrics.exposition(), logger }));

  let stopping: Promise<{ cut: number }> | undefined;
  const shutDown = async (delayMs: number): Promise<{ cut: number }> => {
    const outcome = await drain({ server: httpServer, front, health, logger }, { delayMs, graceMs: config.http.shutdownGraceMs });
    // Apollo's own end (usage reports sent), then what served the operations.
    await apollo.stop();
    httpClient?.close();
    await redis?.close();
    // Probes and scrapes hold nothing that needs to finish: the admin listener closes last, at once.
    if (adminServer.listening) {
      const closed = new Promise((resolve) => adminServer.close(resolve));
      adminServer.closeAllConnections();
      await closed;
    }
    return outcome;
  };

  let origins: { url: string; adminUrl: string } | undefined;
  const listening = () => {
    if (!origins) throw new Error('the gateway is not listening yet: call listen() first');
    return origins;
  };
  return {
    apollo,
    metrics,
    upstreamPolicy,
    rateBudget,
    idempotencyStore,
    redis: redis?.client,
    httpServer,
    adminServer,
    get url() {
      return listening().url;
    },
    get adminUrl() {
      return listening().adminUrl;
    },
    async listen() {
      const { port, adminPort, host } = config.http;
      const origin = await listen(httpServer, port, host, 'PORT');
      const adminUrl = await listen(adminServer, adminPort, host, 'ADMIN_PORT').catch((error: unknown) => {
        httpServer.close();
        throw error;
      });
      origins = { url: `${origin}/graphql`, adminUrl };
    },
    async execute(request, headers) {
      return runInRequestScope(requestScopeFrom(headers), async () => {
        const context = contextFor(headers);
        const response = await apollo.executeOperation(request, { contextValue: context });
        return { response, context };
      });
    },
    drain: () => (stopping ??= shutDown(config.http.shutdownDelayMs)),
    stop: async () => {
      await (stopping ??= shutDown(0));
    },
  };
}
