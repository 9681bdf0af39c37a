/**
 * The one place that maps every upstream outcome (a Zoho reply, no reply, a call the gateway did
 * not send) to the contract's error codes.
 */
import { GraphQLError } from 'graphql';
import { redactSecrets } from '../redaction';
import {
  badUserInput,
  forbidden,
  rateLimited,
  unauthenticated,
  upstreamError,
  upstreamNotFound,
  upstreamTimeout,
  type UpstreamDetails,
} from './codes';

/** Zoho's `code` and `message` from an error body, when the body is Zoho's JSON envelope. */
export function zohoErrorBody(body: unknown): { code?: string; message?: string } {
  if (typeof body !== 'object' || body === null) return {};
  const { code, message } = body as Record<string, unknown>;
  return {
    code: typeof code === 'string' || typeof code === 'number' ? String(code) : undefined,
    message: typeof message === 'string' ? message : undefined,
  };
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

/** `Retry-After` as whole seconds: delta-seconds or an HTTP date; undefined when absent or bad. */
export function parseRetryAfter(value: string | null | undefined, now: number = Date.now()): number | undefined {
  if (!value) return undefined;
  const trimmed = value.trim();
  if (/^\d+$/.test(trimmed)) return Number(trimmed);
  if (!HTTP_DATE.test(trimmed)) return undefined;
  const date = Date.parse(trimmed);
  if (Number.isNaN(date)) return undefined;
  return Math.max(0, Math.ceil((date - now) / 1000));
}

/**
 * Maps a non-2xx Zoho reply to the contract's error. `body` is the parsed JSON envelope when
 * Zoho sent one, or the raw text otherwise.
 */
export function errorFromUpstreamResponse(
  status: number,
  body: unknown,
  retryAfter?: string | null,
  secrets: readonly string[] = [],
): GraphQLError {
  const zoho = zohoErrorBody(body);
  const upstream: UpstreamDetails = { upstreamStatus: status, upstreamCode: zoho.code };
  const said = safeUpstreamMessage(zoho.message, secrets)?.trim();
  const because = said ? `: ${said}${/[.!?]$/.test(said) ? '' : '.'}` : '.';

  if (status === 401) {
    return unauthenticated(
      `Zoho Payments rejected the OAuth token${because} Send a valid, unexpired token as "Authorization: Zoho-oauthtoken <token>".`,
      upstream,
    );
  }
  if (status === 403) {
    return forbidden(
      `The OAuth token lacks the Zoho Payments scope this operation needs (ZohoPay.paymentmethods.*)${because}`,
      upstream,
    );
  }
  if (status === 429) return rateLimited(parseRetryAfter(retryAfter), upstream);
  // Only Zoho's own "not found" counts: a bare 404 (an HTML page, an empty body) means the
  // request never reached the API, e.g. a wrong ZOHO_API_URL, and must not read as "no such id".
  if (zoho.code === 'resource_does_not_exist' || (status === 404 && zoho.code !== undefined)) {
    return upstreamNotFound(`Zoho Payments found no such resource${because}`, upstream);
  }
  if (status === 404) {
    return upstreamError(
      'Zoho Payments answered 404 without its JSON error body: check that ZOHO_API_URL ends in /api/v1.',
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
 * Maps a failure to get any HTTP reply at all (refused or reset connection, DNS, an aborted call)
 * to the contract's error. GraphQLErrors built here pass through unchanged. A call aborted
 * because its time ran out is reported by the upstream policy as UPSTREAM_TIMEOUT; with a
 * `timeoutMs`, an abort is reported so here too.
 */
export function errorFromFetchFailure(error: unknown, timeoutMs?: number): GraphQLError {
  if (error instanceof GraphQLError) return error;
  const name = error instanceof Error ? error.name : '';
  if (timeoutMs !== undefined && (name === 'AbortError' || name === 'TimeoutError')) return upstreamTimeout(timeoutMs);
  return upstreamError('Zoho Payments could not be reached. Try again later.');
}

/** A reply whose status says success but whose body is not what Zoho documents. */
export const unexpectedUpstreamReply = (what: string, upstream?: UpstreamDetails) =>
  upstreamError(
    `Zoho Payments sent an unexpected reply to ${what}. Try again later; if it persists, check that ZOHO_API_URL points at Zoho Payments' /api/v1.`,
    upstream,
  );
