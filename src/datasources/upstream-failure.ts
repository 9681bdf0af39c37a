/**
 * What can go wrong calling Zoho, as one typed value. The HTTP client, the datasource and the
 * upstream policy produce and read it by `kind`; errors/upstream.ts alone turns it into the
 * contract's error codes. Nothing here is ever sent to a client as it is.
 */
import type { ZohoEndpoint } from './endpoints';
import type { BudgetName } from './rate-budget';

/** Why the HTTP client got no usable reply: a log field and a metric label, never client text. */
export type TransportFailureReason =
  | 'refused' // nothing listens at ZOHO_API_URL's host and port
  | 'reset' // the connection broke mid-exchange (reset, closed early, socket hang up)
  | 'dns' // the host name did not resolve
  | 'tls' // the TLS handshake failed (certificate, protocol)
  | 'timeout' // the socket went idle for too long
  | 'redirect' // a 3xx: never followed (it would carry the caller's token elsewhere)
  | 'too_large' // the body passed the 1 MiB limit
  | 'proxy' // the egress proxy refused or failed the tunnel
  | 'other';

export const TRANSPORT_FAILURE_REASONS: readonly TransportFailureReason[] = [
  'refused',
  'reset',
  'dns',
  'tls',
  'timeout',
  'redirect',
  'too_large',
  'proxy',
  'other',
];

/** Thrown by the HTTP client (http-client.ts) when no usable reply arrived. */
export class UpstreamTransportError extends Error {
  override name = 'UpstreamTransportError';
  constructor(
    readonly reason: TransportFailureReason,
    message: string,
    /** The system's error code where there was one, e.g. `ECONNRESET`, `CERT_HAS_EXPIRED`. */
    readonly code?: string,
  ) {
    super(message);
  }
}

export type UpstreamFailure =
  /**
   * Zoho answered with a non-2xx status; `zohoCode`/`zohoMessage` from its JSON body when it had
   * one, `retryAfterSeconds` from a valid `Retry-After` (clamped, errors/upstream.ts).
   */
  | { kind: 'status'; status: number; zohoCode?: string; zohoMessage?: string; retryAfterSeconds?: number }
  /** A 2xx reply that is not what Zoho documents (not JSON, an error code, another shape). */
  | { kind: 'unexpected-reply'; status: number; zohoCode?: string }
  /** No usable reply at all. */
  | { kind: 'transport'; reason: TransportFailureReason; code?: string }
  /** ZOHO_TIMEOUT_MS ran out (retries and their waits included). */
  | { kind: 'timeout'; timeoutMs: number }
  /** Not sent: the caller's circuit, or the gateway-wide one, is open. */
  | { kind: 'circuit-open'; scope: 'caller' | 'gateway'; halfOpenAfterMs: number }
  /** Not sent: it waited longer than ZOHO_TIMEOUT_MS for one of its caller's concurrency slots. */
  | { kind: 'caller-busy'; waitedMs: number }
  /** Not sent: the operation already made ZOHO_MAX_CALLS_PER_OPERATION distinct calls. */
  | { kind: 'operation-limit'; limit: number }
  /** Not sent: Zoho rejected this caller's token (401) earlier in the same operation. */
  | { kind: 'token-rejected' }
  /** Not sent: the gateway's own budget of calls to Zoho is spent for now (rate-budget.ts). */
  | { kind: 'rate-budget'; budget: BudgetName; retryAfterSeconds: number }
  /** Not sent: the client disconnected. */
  | { kind: 'cancelled' };

/** One failed upstream call: what went wrong, on which endpoint. */
export class UpstreamError extends Error {
  override name = 'UpstreamError';
  constructor(
    readonly failure: UpstreamFailure,
    readonly endpoint: ZohoEndpoint,
  ) {
    super(`${endpoint}: ${failure.kind}`);
  }
}

/**
 * Whether a failure says Zoho itself is down or unreachable (the circuit breakers count these,
 * and reads are retried on them): a 5xx, a broken or refused connection, a time-out. A caller's
 * own 4xx, a 429, a redirect, an oversized body or a call the gateway never sent say nothing of
 * Zoho's health.
 */
export function isOutage(failure: UpstreamFailure): boolean {
  switch (failure.kind) {
    case 'status':
      return failure.status >= 500;
    case 'transport':
      return failure.reason !== 'redirect' && failure.reason !== 'too_large';
    case 'timeout':
      return true;
    default:
      return false;
  }
}
