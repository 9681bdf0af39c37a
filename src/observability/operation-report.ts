/**
 * What every GraphQL operation leaves behind once it is answered: one structured log line (its
 * name, duration, outcome, error codes, the upstream calls it made: endpoint, method, path, status
 * and the failure cause when no usable reply came, never a URL query, header or body; and the
 * calls it was refused, by reason) and its metrics (metrics.ts), labelled by the operation's
 * type and root field (operation-shape.ts), never by its name. An operation with mutations adds
 * their audit (audit.ts): the caller's key and account, and per mutation its ids, idempotency key
 * and outcome.
 */
import type { ApolloServerPlugin } from '@apollo/server';
import type { GatewayContext } from '../context';
import type { GatewayMetrics } from './metrics';
import { operationShape } from './operation-shape';
import { afterReply } from '../http/request-scope';

export function operationReportPlugin(metrics?: GatewayMetrics): ApolloServerPlugin<GatewayContext> {
  return {
    async requestDidStart({ contextValue }) {
      const started = performance.now();
      return {
        async willSendResponse({ operationName, operation, document, schema, errors, response }) {
          const codes = [
            ...(errors ?? []).map((error) => error.extensions['code']),
            ...(response.body.kind === 'single' ? (response.body.singleResult.errors ?? []) : []).map(
              (error) => error.extensions?.['code'],
            ),
          ].filter((code): code is string => typeof code === 'string');
          const errorCodes = [...new Set(codes)];
          const outcome = errorCodes[0] ?? 'ok';
          const durationMs = performance.now() - started;
          // Once the reply is written: the caller waits for its reply, not for its log line.
          afterReply(() => {
            metrics?.recordOperation(operationShape(operation, document, schema), outcome, durationMs / 1000);
            contextValue.logger.info(
              {
                operationName: operationName ?? null,
                durationMs: Math.round(durationMs * 10) / 10,
                outcome: outcome === 'ok' ? 'ok' : 'error',
                errorCodes,
                upstreamCallCount: contextValue.upstreamCalls.length,
                upstreamCalls: contextValue.upstreamCalls.map((call) => ({
                  endpoint: call.endpoint,
                  method: call.method,
                  path: call.path,
                  status: call.status,
                  ...(call.failure && { failure: call.failure }),
                  ...(call.failureCode && { failureCode: call.failureCode }),
                  durationMs: Math.round(call.durationMs * 10) / 10,
                })),
                ...(contextValue.unsentCalls.length > 0 && { unsentCalls: contextValue.unsentCalls }),
                ...(contextValue.audit.mutations.length > 0 && {
                  callerKey: contextValue.audit.caller?.callerKey ?? null,
                  accountId: contextValue.audit.caller?.accountId ?? null,
                  mutations: contextValue.audit.mutations,
                }),
              },
              'graphql operation',
            );
          });
        },
      };
    },
  };
}
