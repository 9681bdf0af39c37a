/**
 * Masking: every error a client sees goes through formatGatewayError (Apollo's formatError). The
 * contract's codes pass as they are, with secrets masked in their messages and the request id
 * attached; anything else is logged and answered as a generic internal error.
 */
import { GraphQLError, type GraphQLFormattedError } from 'graphql';
import { currentRequestScope } from '../http/request-scope';
import type { Logger } from '../observability/logger';
import { redactSecrets } from '../observability/redaction';
import { ErrorCode } from './codes';

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

/**
 * Every error a client sees: the contract's codes as they are, anything unexpected behind a
 * generic message (and logged); secrets masked in every message; the request id attached.
 */
export function formatGatewayError(
  formatted: GraphQLFormattedError,
  error: unknown,
  logger: Logger,
  production: boolean,
): GraphQLFormattedError {
  const scope = currentRequestScope();
  const requestId = scope?.requestId;
  const code = clientErrorCode(error) ?? formatted.extensions?.['code'];
  if (typeof code === 'string' && PUBLIC_CODES.has(code) && code !== ErrorCode.INTERNAL_SERVER_ERROR) {
    const stacktrace = formatted.extensions?.['stacktrace'];
    const message = redactSecrets(formatted.message, scope?.secrets);
    return {
      ...formatted,
      message: production ? withoutSuggestions(message) : message,
      extensions: {
        ...formatted.extensions,
        code,
        ...(Array.isArray(stacktrace) && { stacktrace: stacktrace.map((line) => redactSecrets(String(line), scope?.secrets)) }),
        ...(requestId && { requestId }),
      },
    };
  }
  logger.error({ err: error, path: formatted.path }, 'unexpected error while executing an operation');
  return {
    message: 'Internal server error',
    ...(formatted.path && { path: formatted.path }),
    ...(formatted.locations && { locations: formatted.locations }),
    extensions: { code: ErrorCode.INTERNAL_SERVER_ERROR, ...(requestId && { requestId }) },
  };
}

/**
 * The code of an error that is about the request, though raised without one: Apollo's client
 * errors (a persisted query's hash that does not match, a bad `extensions` field) mark themselves
 * with an HTTP 4xx status; graphql-js's argument coercion at execution (a null variable for a
 * non-null argument with a default) is a GraphQLError of its own, not a resolver's.
 */
function clientErrorCode(error: unknown): string | undefined {
  if (!(error instanceof GraphQLError)) return undefined;
  const code = error.extensions['code'];
  if (typeof code === 'string' && code !== ErrorCode.INTERNAL_SERVER_ERROR) return undefined;
  const status = (error.extensions['http'] as { status?: unknown } | undefined)?.status;
  if (typeof status === 'number' && status >= 400 && status < 500) return 'BAD_REQUEST';
  // graphql-js raises the coercion error itself, then wraps it with the field's path.
  const raised = error.originalError ?? error;
  const fromGraphQL = raised instanceof GraphQLError && !raised.originalError;
  if (fromGraphQL && /^Argument "[^"]+" (of non-null type|has invalid value)/.test(error.message)) {
    return ErrorCode.BAD_USER_INPUT;
  }
  return undefined;
}

/**
 * A message without graphql-js's "Did you mean …?" hints, which map the schema for a stranger.
 * Apollo's plugin and GraphQL Armor clean validation errors; variable coercion errors (an enum
 * value or input field misspelt in the variables) carry them too.
 */
function withoutSuggestions(message: string): string {
  return message.replace(/\s*Did you mean [^?]*\?/g, '').replace(/\s*\[Suggestion hidden\]\??/g, '');
}
