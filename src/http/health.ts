/**
 * `/healthz` (the process is up) and `/readyz` (it can serve: an upstream is configured and it is
 * not shutting down), as JSON replies. Both listeners answer them from this one state.
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
}): Health {
  const { zohoApiUrl, upstreamPolicy } = options;
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
        }),
      };
    },
    shuttingDown: () => {
      stopping = true;
    },
  };
}
