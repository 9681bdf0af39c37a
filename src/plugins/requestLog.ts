/**
 * One structured log line per GraphQL operation: its name, duration, outcome and the upstream
 * calls it made (method, path and status only: never a URL query, header or body).
 */
import type { ApolloServerPlugin } from '@apollo/server';
import type { GatewayContext } from '../context';

export function requestLogPlugin(): ApolloServerPlugin<GatewayContext> {
  return {
    async requestDidStart({ contextValue }) {
      const started = performance.now();
      return {
        async willSendResponse({ operationName, errors, response }) {
          const codes = [
            ...(errors ?? []).map((error) => error.extensions['code']),
            ...(response.body.kind === 'single' ? (response.body.singleResult.errors ?? []) : []).map(
              (error) => error.extensions?.['code'],
            ),
          ].filter((code): code is string => typeof code === 'string');
          contextValue.logger.info(
            {
              operationName: operationName ?? null,
              durationMs: Math.round((performance.now() - started) * 10) / 10,
              outcome: codes.length === 0 ? 'ok' : 'error',
              errorCodes: [...new Set(codes)],
              upstreamCalls: contextValue.upstreamCalls.map((call) => ({
                method: call.method,
                path: call.path,
                status: call.status,
                durationMs: Math.round(call.durationMs * 10) / 10,
              })),
            },
            'graphql operation',
          );
        },
      };
    },
  };
}
