/**
 * Builds the ApolloServer and the HTTP app around it (`/graphql`, `/healthz`, `/readyz`).
 * No business logic lives here.
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { ApolloServer, type ApolloServerPlugin } from '@apollo/server';
import { ApolloServerPluginDisableSuggestions } from '@apollo/server/plugin/disableSuggestions';
import { ApolloServerPluginDrainHttpServer } from '@apollo/server/plugin/drainHttpServer';
import { ApolloServerPluginLandingPageDisabled } from '@apollo/server/plugin/disabled';
import { ApolloServerPluginLandingPageLocalDefault } from '@apollo/server/plugin/landingPage/default';
import { expressMiddleware } from '@as-integrations/express5';
import type { Fetcher } from '@apollo/utils.fetcher';
import cors from 'cors';
import express from 'express';
import type { GraphQLFormattedError } from 'graphql';
import { buildContext, type GatewayContext } from './context';
import { createZohoFetcher } from './datasources/ZohoPaymentsAPI';
import { ErrorCode } from './errors';
import type { Logger } from './logger';
import { requestLogPlugin } from './plugins/requestLog';
import { buildSchema } from './schema';

export interface GatewayOptions {
  zohoApiUrl: string | undefined;
  zohoTimeoutMs: number;
  nodeEnv: 'development' | 'production' | 'test';
  logger: Logger;
  /** Upstream HTTP client; defaults to node-fetch over keep-alive agents. */
  fetcher?: Fetcher;
  /** The clock the resolvers use; a fixed one in tests. */
  now?: () => Date;
  /**
   * What Apollo Sandbox (the landing page) opens with: an example operation and the headers to
   * send. Set only for the embedded sandbox, whose test credentials are public.
   */
  landingPage?: { document?: string; variables?: Record<string, unknown>; headers?: Record<string, string> };
  /** How /readyz names the upstream, e.g. "embedded sandbox" (default: the URL's origin). */
  upstreamName?: string;
}

/** Codes a client may see as they are; any other error is masked as an internal error. */
const PUBLIC_CODES = new Set<string>([
  ...Object.values(ErrorCode),
  'GRAPHQL_PARSE_FAILED',
  'GRAPHQL_VALIDATION_FAILED',
  'BAD_REQUEST',
  'PERSISTED_QUERY_NOT_FOUND',
  'PERSISTED_QUERY_NOT_SUPPORTED',
  'OPERATION_RESOLUTION_FAILURE',
]);

export function createApolloServer(options: GatewayOptions, plugins: ApolloServerPlugin<GatewayContext>[] = []) {
  const production = options.nodeEnv === 'production';
  return new ApolloServer<GatewayContext>({
    schema: buildSchema(),
    introspection: !production,
    includeStacktraceInErrorResponses: !production,
    csrfPrevention: true,
    allowBatchedHttpRequests: false,
    // main.ts owns SIGTERM/SIGINT: it stops the gateway, then the embedded sandbox, then exits.
    stopOnTerminationSignals: false,
    logger: options.logger,
    plugins: [
      production
        ? ApolloServerPluginLandingPageDisabled()
        : ApolloServerPluginLandingPageLocalDefault({ embed: true, ...options.landingPage }),
      ...(production ? [ApolloServerPluginDisableSuggestions()] : []),
      requestLogPlugin(),
      ...plugins,
    ],
    formatError: (formatted, error) => maskUnexpected(formatted, error, options.logger),
  });
}

/** Keeps the contract's errors; hides anything unexpected behind a generic message (and logs it). */
function maskUnexpected(formatted: GraphQLFormattedError, error: unknown, logger: Logger): GraphQLFormattedError {
  const code = formatted.extensions?.['code'];
  if (typeof code === 'string' && PUBLIC_CODES.has(code) && code !== ErrorCode.INTERNAL_SERVER_ERROR) {
    return formatted;
  }
  logger.error({ err: error, path: formatted.path }, 'unexpected error while executing an operation');
  return {
    message: 'Internal server error',
    ...(formatted.path && { path: formatted.path }),
    ...(formatted.locations && { locations: formatted.locations }),
    extensions: { code: ErrorCode.INTERNAL_SERVER_ERROR },
  };
}

export interface RunningGateway {
  url: string;
  httpServer: http.Server;
  apollo: ApolloServer<GatewayContext>;
  stop: () => Promise<void>;
}

/** Starts the gateway's HTTP server on `port` (0 picks a free one). */
export async function startGateway(options: GatewayOptions, port: number, host = '0.0.0.0'): Promise<RunningGateway> {
  const app = express();
  app.disable('x-powered-by');
  const httpServer = http.createServer(app);
  const apollo = createApolloServer(options, [ApolloServerPluginDrainHttpServer({ httpServer })]);
  await apollo.start();

  const { zohoApiUrl } = options;
  const fetcher = options.fetcher ?? createZohoFetcher();

  app.get('/healthz', (_req, res) => {
    res.json({ status: 'ok' });
  });
  app.get('/readyz', (_req, res) => {
    if (zohoApiUrl) res.json({ status: 'ready', upstream: options.upstreamName ?? new URL(zohoApiUrl).origin });
    else res.status(503).json({ status: 'not ready', reason: 'ZOHO_API_URL is not configured' });
  });
  app.use(
    '/graphql',
    cors(),
    express.json({ limit: '100kb' }),
    expressMiddleware(apollo, {
      context: async ({ req }) => {
        if (!zohoApiUrl) throw new Error('ZOHO_API_URL is not configured');
        return buildContext(req.headers, {
          zohoApiUrl,
          zohoTimeoutMs: options.zohoTimeoutMs,
          fetcher,
          logger: options.logger,
          now: options.now,
        });
      },
    }),
  );

  try {
    await new Promise<void>((resolve, reject) => {
      httpServer.once('error', reject);
      httpServer.listen(port, host, () => {
        httpServer.off('error', reject);
        resolve();
      });
    });
  } catch (error) {
    // E.g. EADDRINUSE: nothing is listening, so stop Apollo and let the caller say what to change.
    await apollo.stop();
    throw error;
  }
  const address = httpServer.address() as AddressInfo;
  const shownHost = host === '0.0.0.0' || host === '::' ? 'localhost' : host;
  return {
    url: `http://${shownHost}:${address.port}/graphql`,
    httpServer,
    apollo,
    stop: () => apollo.stop(),
  };
}
