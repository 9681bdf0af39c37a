/**
 * CORS for `/graphql` (README.md, Configuration: CORS_ORIGINS): which browser origins may call
 * the gateway. `*` allows any; a list allows exactly those origins, echoed back with
 * `Vary: Origin` (the reply depends on the Origin header, so caches must key on it); an empty
 * list allows none (no CORS header at all: a browser on another origin cannot read a reply).
 * Every allowed origin may read `X-Request-Id`. The headers are computed once per origin here,
 * never per request.
 */

/** `*`, or serialized origins such as `https://app.example.com` (config.ts checks their form). */
export type CorsOrigins = '*' | readonly string[];

export interface CorsPolicy {
  /** CORS headers of a `/graphql` reply to a request from `origin`, as a flat name, value list. */
  headers(origin: string | undefined): readonly string[];
  /**
   * CORS headers of a preflight (OPTIONS) from `origin` asking to send `requestedHeaders`. A
   * preflight from an origin that is not allowed gets none, so the browser refuses the call.
   */
  preflight(origin: string | undefined, requestedHeaders: string | undefined): string[];
}

const EXPOSE = ['access-control-expose-headers', 'x-request-id'];
/** What a preflight allows: the methods `/graphql` serves, for 10 minutes. */
const PREFLIGHT = ['access-control-allow-methods', 'GET, POST, OPTIONS', 'access-control-max-age', '600'];
const NONE: readonly string[] = [];

export function corsPolicy(origins: CorsOrigins): CorsPolicy {
  if (origins === '*') {
    const any = ['access-control-allow-origin', '*', ...EXPOSE];
    return {
      headers: () => any,
      preflight: (_origin, requested) =>
        requested === undefined
          ? [...any, ...PREFLIGHT]
          : [...any, ...PREFLIGHT, 'access-control-allow-headers', requested, 'vary', 'Access-Control-Request-Headers'],
    };
  }
  if (origins.length === 0) return { headers: () => NONE, preflight: () => [] };
  const varyOnly = ['vary', 'Origin'];
  const allowed = new Map(origins.map((origin) => [origin, ['access-control-allow-origin', origin, ...EXPOSE, 'vary', 'Origin']]));
  return {
    headers: (origin) => (origin === undefined ? varyOnly : (allowed.get(origin) ?? varyOnly)),
    preflight: (origin, requested) => {
      const headers = origin === undefined ? undefined : allowed.get(origin);
      if (!headers) return [...varyOnly];
      const base = ['access-control-allow-origin', origin as string, ...EXPOSE, ...PREFLIGHT];
      return requested === undefined
        ? [...base, 'vary', 'Origin']
        : [...base, 'access-control-allow-headers', requested, 'vary', 'Origin, Access-Control-Request-Headers'];
    },
  };
}
