/**
 * The error codes a client can meet, as typed lists with what each means to a frontend:
 * `extensions.code` of a GraphQL error (the gateway's own codes, then Apollo Server's protocol
 * codes) and `UserError.code` of a mutation's `userErrors`. test/client/error-codes.test.ts checks
 * them against src/errors/codes.ts, Apollo Server's `ApolloServerErrorCode` and the schema's
 * `UserErrorCode`, and the `satisfies` below against the generated types, so they cannot drift.
 */
import type { UserErrorCode } from './generated/graphql';

/** The gateway's own `extensions.code` values (src/errors/codes.ts). */
export const GATEWAY_ERROR_CODES = {
  UNAUTHENTICATED: 'No or malformed `Authorization` token, or Zoho refused it (401): sign in to Zoho again.',
  FORBIDDEN: 'Zoho answered 403: the token lacks the scope (`ZohoPay.paymentmethods.*`) this operation needs.',
  BAD_USER_INPUT:
    'A query argument is invalid (an id that is not 1-19 digits, more than 100 ids) or the `X-Zoho-Account-Id` header is missing, malformed or refused.',
  UPSTREAM_ERROR: 'Zoho failed (5xx, a malformed or unexpected reply), cannot be reached, or a circuit is open: retry later.',
  UPSTREAM_TIMEOUT: 'Zoho did not answer within `ZOHO_TIMEOUT_MS`: retry (with the same `idempotencyKey` for a mutation).',
  RATE_LIMITED: 'Too many calls for this account: wait `extensions.retryAfterSeconds` (when given), then retry.',
  NOT_FOUND: 'Zoho answered 404 where neither null nor a user error applies.',
  OPERATION_LIMIT_EXCEEDED: 'The operation reached `ZOHO_MAX_CALLS_PER_OPERATION` calls to Zoho: ask for fewer ids or aliases.',
  SERVICE_UNAVAILABLE: 'A dependency of the gateway itself is down (e.g. its idempotency store); Zoho was not called: retry later.',
  CLIENT_DISCONNECTED: 'The client left before the call was sent; seen in logs and metrics, never by a client still listening.',
  INTERNAL_SERVER_ERROR: 'Anything unexpected; the message is masked. Quote `extensions.requestId` when reporting it.',
} as const satisfies Record<string, string>;

/** Apollo Server's own codes: the request itself is wrong, before any resolver runs. */
export const PROTOCOL_ERROR_CODES = {
  GRAPHQL_PARSE_FAILED: 'The document is not valid GraphQL syntax.',
  GRAPHQL_VALIDATION_FAILED:
    'The document does not validate against the schema, or exceeds a limit (depth, cost, aliases, tokens, upstream calls): HTTP 400.',
  BAD_REQUEST: 'The HTTP request is malformed (body over 100 kB, not JSON, a GET without the CSRF header): HTTP 400 or 413.',
  PERSISTED_QUERY_NOT_FOUND: 'The persisted query hash is unknown: send the query with it (persisted-query links do this by themselves).',
  PERSISTED_QUERY_NOT_SUPPORTED: 'Persisted queries are off on this server.',
  OPERATION_RESOLUTION_FAILURE: 'The request names an operation the document does not hold, or holds several without naming one.',
} as const satisfies Record<string, string>;

/** `UserError.code`: what the caller can fix, reported as data on `userErrors` with the input field's path. */
export const USER_ERROR_CODES = {
  INVALID: 'The value is not acceptable (a past expiry, a malformed id or key); show the message on the field.',
  NOT_FOUND: 'The payment method or customer the input names does not exist.',
  TYPE_MISMATCH: "The input does not fit the payment method's type (`card` for an ACH account, `achDebit` for a card).",
  REQUIRED: 'Something must be given (e.g. at least one of `card`, `achDebit`, `billingAddress`).',
  UNKNOWN: "Zoho refused the input for a reason it does not document; show Zoho's message.",
  IDEMPOTENCY_CONFLICT: 'The `idempotencyKey` was already used with another input: use a new key for a new request.',
} as const satisfies Record<UserErrorCode, string>;

export type GatewayErrorCode = keyof typeof GATEWAY_ERROR_CODES;
export type ProtocolErrorCode = keyof typeof PROTOCOL_ERROR_CODES;
/** Every `extensions.code` a client can meet. */
export type ErrorCode = GatewayErrorCode | ProtocolErrorCode;
export type { UserErrorCode };

/** What each `extensions.code` means. */
export const ERROR_CODES: Readonly<Record<ErrorCode, string>> = { ...GATEWAY_ERROR_CODES, ...PROTOCOL_ERROR_CODES };

/** The codes after which the same request may succeed later (after `retryAfterSeconds` for RATE_LIMITED). */
export const RETRYABLE_ERROR_CODES: ReadonlySet<ErrorCode> = new Set<ErrorCode>([
  'UPSTREAM_ERROR',
  'UPSTREAM_TIMEOUT',
  'RATE_LIMITED',
  'SERVICE_UNAVAILABLE',
]);

/** Narrows `extensions.code` (unknown JSON) to a code this list knows; a code added later is `false`, so keep a default branch. */
export function isErrorCode(value: unknown): value is ErrorCode {
  return typeof value === 'string' && Object.hasOwn(ERROR_CODES, value);
}
