/**
 * The error codes of the public contract (docs: contract, Errors) and the factories that build
 * them. Resolvers and the datasource only ever throw what these factories build; `formatError`
 * (server.ts) masks anything else as an internal error.
 */
import { GraphQLError } from 'graphql';

/** `extensions.code` values this gateway produces. */
export const ErrorCode = {
  UNAUTHENTICATED: 'UNAUTHENTICATED',
  FORBIDDEN: 'FORBIDDEN',
  BAD_USER_INPUT: 'BAD_USER_INPUT',
  UPSTREAM_ERROR: 'UPSTREAM_ERROR',
  UPSTREAM_TIMEOUT: 'UPSTREAM_TIMEOUT',
  RATE_LIMITED: 'RATE_LIMITED',
  /**
   * Zoho answered 404. Queries turn it into null and mutations into a NOT_FOUND user error, so it
   * reaches a client only where neither applies.
   */
  NOT_FOUND: 'NOT_FOUND',
  /** The operation reached ZOHO_MAX_CALLS_PER_OPERATION: the fields past it are not loaded. */
  OPERATION_LIMIT_EXCEEDED: 'OPERATION_LIMIT_EXCEEDED',
  /** A dependency of the gateway itself (not Zoho) is down. */
  SERVICE_UNAVAILABLE: 'SERVICE_UNAVAILABLE',
  /** The client disconnected before the call was sent: no one reads it, but logs and metrics do. */
  CLIENT_DISCONNECTED: 'CLIENT_DISCONNECTED',
  INTERNAL_SERVER_ERROR: 'INTERNAL_SERVER_ERROR',
} as const;
export type ErrorCode = (typeof ErrorCode)[keyof typeof ErrorCode];

/** What Zoho told us about a failure, carried in `extensions` where Zoho gave it. */
export interface UpstreamDetails {
  upstreamStatus?: number;
  upstreamCode?: string;
}

function gatewayError(
  code: ErrorCode,
  message: string,
  extensions: Record<string, unknown> = {},
): GraphQLError {
  const defined = Object.fromEntries(Object.entries(extensions).filter(([, v]) => v !== undefined));
  return new GraphQLError(message, { extensions: { code, ...defined } });
}

export const unauthenticated = (message: string, upstream?: UpstreamDetails) =>
  gatewayError(ErrorCode.UNAUTHENTICATED, message, { ...upstream });

export const forbidden = (message: string, upstream?: UpstreamDetails) =>
  gatewayError(ErrorCode.FORBIDDEN, message, { ...upstream });

export const badUserInput = (message: string, extensions: Record<string, unknown> = {}) =>
  gatewayError(ErrorCode.BAD_USER_INPUT, message, extensions);

export const upstreamError = (message: string, upstream?: UpstreamDetails) =>
  gatewayError(ErrorCode.UPSTREAM_ERROR, message, { ...upstream });

export const upstreamTimeout = (timeoutMs: number) =>
  gatewayError(
    ErrorCode.UPSTREAM_TIMEOUT,
    `Zoho Payments did not answer within ${timeoutMs} ms (ZOHO_TIMEOUT_MS). Try again later.`,
  );

export const rateLimited = (retryAfterSeconds: number | undefined, upstream?: UpstreamDetails, message?: string) =>
  gatewayError(
    ErrorCode.RATE_LIMITED,
    message ??
      (retryAfterSeconds === undefined
        ? 'Zoho Payments rate limit reached. Slow down and try again later.'
        : `Zoho Payments rate limit reached. Try again in ${retryAfterSeconds} s.`),
    { retryAfterSeconds, ...upstream },
  );

export const operationLimitExceeded = (limit: number) =>
  gatewayError(
    ErrorCode.OPERATION_LIMIT_EXCEEDED,
    `This operation reached its limit of ${limit} calls to Zoho Payments (ZOHO_MAX_CALLS_PER_OPERATION), so this field was not loaded. Ask for fewer ids or aliases per operation.`,
  );

export const cancelled = () =>
  gatewayError(ErrorCode.CLIENT_DISCONNECTED, 'The client disconnected, so the call to Zoho Payments was not sent.');

export const upstreamNotFound = (message: string, upstream?: UpstreamDetails) =>
  gatewayError(ErrorCode.NOT_FOUND, message, { ...upstream });

/** A dependency of the gateway itself (such as the idempotency store) cannot serve: nothing was sent to Zoho. */
export const serviceUnavailable = (message: string) => gatewayError(ErrorCode.SERVICE_UNAVAILABLE, message);

/** A mutation waited the whole lease for the first call with its idempotency key, which still holds it. */
export const idempotentCallStillRunning = (waitedMs: number) =>
  gatewayError(
    ErrorCode.UPSTREAM_TIMEOUT,
    `Another call with this idempotencyKey is still running after ${waitedMs} ms. Retry with the same key and input later to get its outcome.`,
  );

/** The code of an error this module built, or undefined for anything else. */
export function errorCodeOf(error: unknown): ErrorCode | undefined {
  if (!(error instanceof GraphQLError)) return undefined;
  const code = error.extensions['code'];
  return typeof code === 'string' && code in ErrorCode ? (code as ErrorCode) : undefined;
}

