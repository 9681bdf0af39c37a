/**
 * The one place that maps every upstream outcome (a Zoho reply, no reply, a call the gateway did
 * not send) to the contract's error codes.
 */
import { GraphQLError } from 'graphql';
import { ZOHO_ENDPOINTS, type ZohoEndpoint } from '../datasources/endpoints';
import type { UpstreamError } from '../datasources/upstream-failure';
import { redactSecrets } from '../observability/redaction';
import {
  badUserInput,
  forbidden,
  rateLimited,
  unauthenticated,
  upstreamError,
  upstreamNotFound,
  upstreamTimeout,
  operationLimitExceeded,
  cancelled,
  type UpstreamDetails,
} from './codes';

/** The longest `Retry-After` passed on, in seconds (a day): a larger one is a broken header. */
export const MAX_RETRY_AFTER_SECONDS = 86_400;
/** The longest Zoho `code` passed on as `upstreamCode`: Zoho's own are short identifiers. */
export const MAX_UPSTREAM_CODE_LENGTH = 64;


/** Zoho's `code` and `message` from an error body, when the body is Zoho's JSON envelope. */
export function zohoErrorBody(body: unknown): { code?: string; message?: string } {
  if (typeof body !== 'object' || body === null) return {};
  const { code, message } = body as Record<string, unknown>;
  return {
    code: typeof code === 'string' || typeof code === 'number' ? String(code) : undefined,
    message: typeof message === 'string' ? message : undefined,
  };
}

/** Zoho's `code`, made safe to pass on as `upstreamCode`: redacted like a message, at most 64 characters. */
export function safeUpstreamCode(code: string | undefined, secrets: readonly string[] = []): string | undefined {
  if (code === undefined) return undefined;
  return safeUpstreamMessage(code, secrets)?.slice(0, MAX_UPSTREAM_CODE_LENGTH);
}

/**
 * A message from Zoho, made safe to pass on: bounded in length, with the given secrets (the
 * caller's token) and anything shaped like an OAuth token, a card or a routing number masked.
 */
export function safeUpstreamMessage(message: string | undefined, secrets: readonly string[] = []): string | undefined {
  if (message === undefined) return undefined;
  // Then any other long run of digits (8 or more), such as a bank account number, which has no
  // checksum to recognise it by: Zoho's text about a caller's data is not the gateway's to repeat.
  return redactSecrets(message, secrets)
    .replace(/(?<![\d•])\d{8,}(?!\d)/g, (digits) => `••••${digits.slice(-4)}`)
    .slice(0, 300);
}

/** The HTTP-date forms of RFC 9110: IMF-fixdate, and the obsolete RFC 850 and asctime forms. */
const HTTP_DATE =
  /^(?:(?:Mon|Tue|Wed|Thu|Fri|Sat|Sun), \d{2} [A-Z][a-z]{2} \d{4} \d{2}:\d{2}:\d{2} GMT|[A-Z][a-z]+, \d{2}-[A-Z][a-z]{2}-\d{2} \d{2}:\d{2}:\d{2} GMT|[A-Z][a-z]{2} [A-Z][a-z]{2} [ \d]\d \d{2}:\d{2}:\d{2} \d{4})$/;

/** `Retry-After` as whole seconds (at most a day): delta-seconds or an HTTP date; undefined when absent or bad. */
export function parseRetryAfter(value: string | null | undefined, now: number = Date.now()): number | undefined {
  if (!value) return undefined;
  const trimmed = value.trim();
  // Digits beyond a day's worth are a day: no need to read 10^23 exactly.
  if (/^\d+$/.test(trimmed)) {
    const digits = trimmed.replace(/^0+(?=\d)/, '');
    return digits.length > 6 ? MAX_RETRY_AFTER_SECONDS : Math.min(Number(digits), MAX_RETRY_AFTER_SECONDS);
  }
  if (!HTTP_DATE.test(trimmed)) return undefined;
  const date = Date.parse(trimmed);
  if (Number.isNaN(date)) return undefined;
  return Math.min(MAX_RETRY_AFTER_SECONDS, Math.max(0, Math.ceil((date - now) / 1000)));
}

/** Zoho's codes that mean "no such id" on a 404, per resource (anything else is not "not found"). */
const NOT_FOUND_CODES: Record<(typeof ZOHO_ENDPOINTS)[ZohoEndpoint]['resource'], readonly string[]> = {
  paymentMethod: ['resource_does_not_exist'],
  paymentMethodSession: ['resource_does_not_exist', 'invalid_payment_session'],
};

/**
 * Maps a non-2xx Zoho reply to the contract's error; `endpoint` says which codes mean "no such id"
 * and which scope a 403 lacked.
 */
function errorFromUpstreamStatus(
  reply: { status: number; zohoCode?: string; zohoMessage?: string; retryAfterSeconds?: number },
  secrets: readonly string[],
  endpoint: ZohoEndpoint,
): GraphQLError {
  const { status } = reply;
  const upstream: UpstreamDetails = { upstreamStatus: status, upstreamCode: safeUpstreamCode(reply.zohoCode, secrets) };
  const said = safeUpstreamMessage(reply.zohoMessage, secrets)?.trim();
  const because = said ? `: ${said}${/[.!?]$/.test(said) ? '' : '.'}` : '.';

  if (status === 401) {
    return unauthenticated(
      `Zoho Payments rejected the OAuth token${because} Send a valid, unexpired token as "Authorization: Zoho-oauthtoken <token>".`,
      upstream,
    );
  }
  if (status === 403) {
    return forbidden(
      `The OAuth token lacks the Zoho Payments scope this operation needs (${ZOHO_ENDPOINTS[endpoint].scope})${because}`,
      upstream,
    );
  }
  if (status === 429) return rateLimited(reply.retryAfterSeconds, upstream);
  // Only Zoho's own "no such id" counts: any other 404 (an HTML page, an empty body, another
  // code) means the request never reached the resource, e.g. a wrong ZOHO_API_URL path.
  if (status === 404 && reply.zohoCode !== undefined && NOT_FOUND_CODES[ZOHO_ENDPOINTS[endpoint].resource].includes(reply.zohoCode)) {
    return upstreamNotFound(`Zoho Payments found no such resource${because}`, upstream);
  }
  if (status === 404) {
    return upstreamError(
      'Zoho Payments answered 404 without saying the resource does not exist: check that ZOHO_API_URL ends in /api/v1.',
      upstream,
    );
  }
  if (status === 400 || status === 422) {
    return badUserInput(`Zoho Payments rejected the request${because}`, { ...upstream });
  }
  if (status >= 500) {
    return upstreamError(`Zoho Payments failed (HTTP ${status}). Try again later.`, upstream);
  }
  return upstreamError(`Zoho Payments answered with an unexpected HTTP ${status}${because}`, upstream);
}

/**
 * The contract's error for any failed upstream call (UpstreamError, datasources/upstream-failure.ts).
 * Why no reply came (refused, TLS, redirect, too large...) is for logs and metrics only: the
 * client reads UPSTREAM_ERROR and a message that says what to do.
 */
export function errorFromUpstreamFailure(error: UpstreamError, secrets: readonly string[] = []): GraphQLError {
  const { failure, endpoint } = error;
  switch (failure.kind) {
    case 'status':
      return errorFromUpstreamStatus(failure, secrets, endpoint);
    case 'unexpected-reply':
      return unexpectedUpstreamReply(ZOHO_ENDPOINTS[endpoint].what, {
        upstreamStatus: failure.status,
        upstreamCode: safeUpstreamCode(failure.zohoCode, secrets),
      });
    case 'transport':
      return upstreamError(
        "Zoho Payments could not be reached, or sent no usable reply. Try again later; if it persists, give the gateway's operator this error's requestId: the cause is in the gateway's log.",
      );
    case 'timeout':
      return upstreamTimeout(failure.timeoutMs);
    case 'circuit-open':
      return upstreamError(
        `Zoho Payments is failing${failure.scope === 'caller' ? ' for this caller' : ''}, so the gateway is not calling it for up to ${Math.ceil(failure.halfOpenAfterMs / 1000)} s (circuit open). Try again later.`,
      );
    case 'caller-busy':
      return rateLimited(1, undefined, `Too many of this caller's calls to Zoho Payments are in flight at once (ZOHO_MAX_CONCURRENCY_PER_CALLER); this one waited ${failure.waitedMs} ms for its turn. Try again in 1 s.`);
    case 'rate-budget':
      return rateLimited(
        failure.retryAfterSeconds,
        undefined,
        failure.budget === 'account'
          ? `This account's budget of calls to Zoho Payments (ZOHO_RATE_LIMIT_PER_MINUTE, shared by all its callers) is spent for this minute, so the gateway did not call Zoho. Try again in ${failure.retryAfterSeconds} s.`
          : `The gateway's budget of calls to Zoho Payments for tokens Zoho has not yet accepted (ZOHO_UNVERIFIED_RATE_LIMIT_PER_MINUTE) is spent for this minute, so the gateway did not call Zoho. Try again in ${failure.retryAfterSeconds} s.`,
      );
    case 'operation-limit':
      return operationLimitExceeded(failure.limit);
    case 'token-rejected':
      return unauthenticated(
        'Zoho Payments rejected the OAuth token earlier in this operation, so the gateway sent it no further. Send a valid, unexpired token as "Authorization: Zoho-oauthtoken <token>".',
      );
    case 'cancelled':
      return cancelled();
  }
}

/** A reply whose status says success but whose body is not what Zoho documents. */
export const unexpectedUpstreamReply = (what: string, upstream?: UpstreamDetails) =>
  upstreamError(
    `Zoho Payments sent an unexpected reply to ${what}. Try again later; if it persists, check that ZOHO_API_URL points at Zoho Payments' /api/v1.`,
    upstream,
  );
