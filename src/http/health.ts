/**
 * `/healthz` (the process is up) and `/readyz` (it can serve: an upstream is configured and it is
 * not shutting down), as JSON replies. Both listeners answer them from this one state.
 *
 * Redis down is not unreadiness: the gateway still serves reads and mutations without a key, and
 * every replica shares that one Redis (taking them all out would serve nothing). `/readyz` says
 * `redis: "down"` and stays 200.
 */
import type { UpstreamPolicy } from '../datasources/upstream-policy';

/** A finished JSON reply: its status and body. */
export interface JsonReply {
  status: number;
  body: string;
}

export interface Health {
  healthz(): JsonReply;
  readyz(): JsonReply;
  /** From now on `/readyz` answers 503 "shutting down" (the drain's first step). */
  shuttingDown(): void;
}

const HEALTHY: JsonReply = { status: 200, body: JSON.stringify({ status: 'ok' }) };
const SHUTTING_DOWN: JsonReply = { status: 503, body: JSON.stringify({ status: 'not ready', reason: 'shutting down' }) };
const NO_UPSTREAM: JsonReply = { status: 503, body: JSON.stringify({ status: 'not ready', reason: 'ZOHO_API_URL is not configured' }) };

export function createHealth(options: {
  /** Zoho's base URL; undefined when none is configured. */
  zohoApiUrl: string | undefined;
  /** How `/readyz` names the upstream (default: the URL's origin). */
  upstreamName?: string;
  upstreamPolicy: UpstreamPolicy;
  /** The Redis connection, when REDIS_URL is set: its state is reported, never a reason for 503. */
  redis?: { readonly up: boolean } | undefined;
}): Health {
  const { zohoApiUrl, upstreamPolicy, redis } = options;
  const upstream = options.upstreamName ?? (zohoApiUrl && new URL(zohoApiUrl).origin);
  let stopping = false;
  return {
    healthz: () => HEALTHY,
    readyz: () => {
      if (stopping) return SHUTTING_DOWN;
      if (!zohoApiUrl) return NO_UPSTREAM;
      return {
        status: 200,
        body: JSON.stringify({
          status: 'ready',
          upstream,
          // The gateway-wide circuit: "open" means Zoho is failing for many callers and every call fails fast.
          circuit: upstreamPolicy.circuitState,
          // Callers whose own circuit is open (their calls fail fast; others' are unaffected).
          openCallerCircuits: upstreamPolicy.openCallerCircuits,
          ...(redis && { redis: redis.up ? 'up' : 'down' }),
        }),
      };
    },
    shuttingDown: () => {
      stopping = true;
    },
  };
}
