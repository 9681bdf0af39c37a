/**
 * Environment variables -> one typed, validated configuration object, nested the way the gateway
 * uses it: `http` goes to the HTTP front (src/http/), `zoho` to the upstream layer, each part under
 * the names its consumer takes. Start-up fails fast on a bad value and says which variable is
 * wrong (see README.md, Configuration).
 */
import { z } from 'zod';
import { DEFAULT_RATE_BUDGET, type RateBudgetLimits } from './datasources/rate-budget';
import { DEFAULT_UPSTREAM_POLICY, type UpstreamPolicyOptions } from './datasources/upstream-policy';
import type { CorsOrigins } from './http/cors';

export type NodeEnv = 'development' | 'production' | 'test';
export type LogLevel = 'fatal' | 'error' | 'warn' | 'info' | 'debug' | 'trace' | 'silent';

export interface GatewayConfig {
  /** `production` turns off introspection, the explorer (GraphiQL) and stack traces. */
  nodeEnv: NodeEnv;
  /** pino log level. */
  logLevel: LogLevel;
  http: HttpConfig;
  zoho: ZohoConfig;
  /** The embedded sandbox, started when `zoho.apiUrl` is undefined (0 picks a free port). */
  sandbox: { port: number };
  /** Apollo GraphOS usage reporting, when APOLLO_KEY and APOLLO_GRAPH_REF are both set. */
  apollo: { key: string; graphRef: string } | undefined;
  /** The Redis every replica shares (src/redis/), when REDIS_URL is set; otherwise state stays in each process. */
  redis: RedisConfig | undefined;
}

/**
 * Where Redis is and how the gateway talks to it (src/redis/client.ts): REDIS_URL taken apart, so
 * that the password sits in one field that nothing logs, and the URL itself is kept nowhere.
 */
export interface RedisConfig {
  host: string;
  port: number;
  /** ACL user (`redis://user:password@host`); undefined for the `default` user. */
  username: string | undefined;
  /** A secret: never logged, never part of an error message. */
  password: string | undefined;
  /** The database number (the URL's path, e.g. `/2`; 0 by default). */
  db: number;
  /** `rediss://`: TLS, the server's certificate checked against the system's CAs (and NODE_EXTRA_CA_CERTS). */
  tls: boolean;
  /** Prepended to every key the gateway writes, so that several deployments can share one Redis. */
  keyPrefix: string;
  /** The most one Redis command may take, in ms: past it the command fails and what needed it falls back. */
  timeoutMs: number;
}

/** The HTTP front and the admin listener (src/http/). */
export interface HttpConfig {
  /** Port of `/graphql`, `/healthz`, `/readyz`. */
  port: number;
  /** Address both listeners bind (all interfaces by default). */
  host: string;
  /** Port of the admin listener: `/metrics`, `/healthz`, `/readyz`. */
  adminPort: number;
  /** Open client connections on `port`; past it new ones are refused (and logged) until some close. */
  maxConnections: number;
  /** How long both listeners keep an idle keep-alive connection, in ms. */
  keepAliveTimeoutMs: number;
  /** Origins a browser may call `/graphql` from: `*` any, or exactly these (none when empty). */
  corsOrigins: CorsOrigins;
  /** After SIGTERM: how long `/readyz` answers 503 while the gateway keeps serving, in ms. */
  shutdownDelayMs: number;
  /** Then: how long in-flight operations may take before their connections are closed, in ms. */
  shutdownGraceMs: number;
}

/** Zoho Payments and the gateway's calls to it (src/datasources/). */
export interface ZohoConfig {
  /** Base URL of the Zoho Payments API, ending in `/api/v1`; undefined means "the embedded sandbox". */
  apiUrl: string | undefined;
  /** Time limit for one upstream call from its turn on, retries included, in ms. */
  timeoutMs: number;
  /** Distinct upstream calls one GraphQL operation may make (method and path; retries do not count). */
  maxCallsPerOperation: number;
  /** Open connections to Zoho, across every caller (the HTTP client's pool). */
  maxSockets: number;
  /** The upstream policy (UpstreamPolicyOptions, under its own names); its timeout is `timeoutMs`. */
  policy: Omit<UpstreamPolicyOptions, 'timeoutMs'>;
  /** Calls to Zoho per account and per minute, and for tokens Zoho has not yet accepted (datasources/rate-budget.ts). */
  rateBudget: RateBudgetLimits;
}

/** ADMIN_PORT's default: the port Prometheus exporters (OpenTelemetry's among them) commonly use. */
export const DEFAULT_ADMIN_PORT = 9464;

/**
 * MAX_CONNECTIONS' default: far more than one process has in flight (about a thousand operations
 * a second of tens of ms each keep a few dozen open), with room for load balancers' and browsers'
 * idle keep-alive connections, and well inside the usual file-descriptor limits beside the
 * ZOHO_MAX_SOCKETS connections to Zoho.
 */
export const DEFAULT_MAX_CONNECTIONS = 1024;

/**
 * KEEP_ALIVE_TIMEOUT_MS' default: longer than the idle timeout of the load balancer in front (AWS
 * ALB's default and nginx's upstream keep-alive are 60 s), so that the balancer closes an idle
 * connection first and never sends a request on one the gateway is closing at that very moment
 * (which the balancer would report as a 502).
 */
export const DEFAULT_KEEP_ALIVE_TIMEOUT_MS = 65_000;

/** SHUTDOWN_DELAY_MS' default in production: time for load balancers to see `/readyz` 503 and stop sending. */
export const PRODUCTION_SHUTDOWN_DELAY_MS = 5000;
/**
 * SHUTDOWN_GRACE_MS' default is twice ZOHO_TIMEOUT_MS (an update is a GET then a PUT, each up to
 * ZOHO_TIMEOUT_MS) plus this, for the resolvers and the reply themselves.
 */
export const SHUTDOWN_GRACE_MARGIN_MS = 2000;

/** REDIS_KEY_PREFIX's default: the gateway's keys sort together and apart from anything else in that Redis. */
export const DEFAULT_REDIS_KEY_PREFIX = 'zoho-gateway:';
/**
 * REDIS_TIMEOUT_MS' default: a Redis command on a healthy network answers in about a millisecond,
 * so 250 ms means Redis is down or overloaded; a request then waits at most this long on it.
 */
export const DEFAULT_REDIS_TIMEOUT_MS = 250;

const port = z.coerce.number().int().min(0).max(65535);
const milliseconds = z.coerce.number().int().min(0).max(600_000);

const envSchema = z.object({
  PORT: port.default(4000),
  HOST: z
    .string()
    .regex(/^[0-9A-Za-z.:-]{1,253}$/, 'must be an address or host name to listen on, such as 0.0.0.0, 127.0.0.1 or ::')
    .default('0.0.0.0'),
  ADMIN_PORT: port.default(DEFAULT_ADMIN_PORT),
  CORS_ORIGINS: z.string().optional(),
  MAX_CONNECTIONS: z.coerce.number().int().min(1).max(1_000_000).default(DEFAULT_MAX_CONNECTIONS),
  KEEP_ALIVE_TIMEOUT_MS: z.coerce.number().int().min(1000).max(3_600_000).default(DEFAULT_KEEP_ALIVE_TIMEOUT_MS),
  ZOHO_API_URL: z
    .url({ protocol: /^https?$/, error: 'must be an http(s) URL such as https://payments.zoho.com/api/v1' })
    .optional(),
  SANDBOX_PORT: port.default(4010),
  ZOHO_TIMEOUT_MS: z.coerce.number().int().min(1).max(120_000).default(10_000),
  NODE_ENV: z.enum(['development', 'production', 'test']).default('development'),
  LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
  ZOHO_RETRIES: z.coerce.number().int().min(0).max(5).default(DEFAULT_UPSTREAM_POLICY.retries),
  ZOHO_BREAKER_THRESHOLD: z.coerce.number().int().min(0).max(1000).default(DEFAULT_UPSTREAM_POLICY.breakerThreshold),
  ZOHO_BREAKER_HALF_OPEN_MS: z.coerce.number().int().min(100).max(600_000).default(DEFAULT_UPSTREAM_POLICY.breakerHalfOpenAfterMs),
  ZOHO_BREAKER_MIN_CALLERS: z.coerce.number().int().min(1).max(10_000).default(DEFAULT_UPSTREAM_POLICY.breakerMinCallers),
  ZOHO_MAX_CALLS_PER_OPERATION: z.coerce.number().int().min(1).max(10_000).default(200),
  ZOHO_MAX_CONCURRENCY_PER_CALLER: z.coerce.number().int().min(1).max(1000).default(DEFAULT_UPSTREAM_POLICY.maxConcurrencyPerCaller),
  ZOHO_MAX_SOCKETS: z.coerce.number().int().min(1).max(10_000).default(256),
  // Far above any real account's limit: the bench sets 10,000,000 to take the budget out of its way.
  ZOHO_RATE_LIMIT_PER_MINUTE: z.coerce.number().int().min(1).max(100_000_000).default(DEFAULT_RATE_BUDGET.perMinute),
  ZOHO_UNVERIFIED_RATE_LIMIT_PER_MINUTE: z.coerce
    .number()
    .int()
    .min(1)
    .max(100_000_000)
    .default(DEFAULT_RATE_BUDGET.unverifiedPerMinute),
  // Their defaults depend on NODE_ENV and ZOHO_TIMEOUT_MS (loadConfig).
  SHUTDOWN_DELAY_MS: milliseconds.optional(),
  SHUTDOWN_GRACE_MS: milliseconds.optional(),
  APOLLO_KEY: z.string().min(1).optional(),
  APOLLO_GRAPH_REF: z.string().regex(/^[^@\s]+(@[^@\s]+)?$/, 'must be a graph ref such as my-graph@current').optional(),
  // Taken apart by redisUrlFrom (its problems never quote the URL: it may hold a password).
  REDIS_URL: z.string().optional(),
  REDIS_KEY_PREFIX: z
    .string()
    .regex(/^[\x21-\x7e]{1,64}$/, 'must be 1 to 64 printable ASCII characters without spaces, such as zoho-gateway:')
    .default(DEFAULT_REDIS_KEY_PREFIX),
  REDIS_TIMEOUT_MS: z.coerce.number().int().min(10).max(10_000).default(DEFAULT_REDIS_TIMEOUT_MS),
});

/** Every environment variable the gateway reads. */
export const CONFIG_VARIABLES: readonly string[] = Object.keys(envSchema.shape);

/** Thrown when the environment holds a value the gateway cannot run with. */
export class ConfigError extends Error {
  override name = 'ConfigError';
}

/** Reads and validates the configuration; throws a ConfigError naming each bad variable. */
export function loadConfig(env: NodeJS.ProcessEnv = process.env): GatewayConfig {
  // An empty variable counts as unset, as shells and .env files commonly leave them.
  const present = Object.fromEntries(Object.entries(env).filter(([, value]) => value !== ''));
  const parsed = envSchema.safeParse(present);
  const problems = parsed.success ? [] : parsed.error.issues.map((issue) => `${issue.path.join('.')}: ${issue.message}`);
  const corsOrigins = corsOriginsFrom(present['CORS_ORIGINS']);
  if (typeof corsOrigins === 'object' && 'problem' in corsOrigins) problems.push(`CORS_ORIGINS: ${corsOrigins.problem}`);
  const redisUrl = redisUrlFrom(present['REDIS_URL']);
  if (redisUrl && 'problem' in redisUrl) problems.push(`REDIS_URL: ${redisUrl.problem}`);
  if (!parsed.success || problems.length > 0) throw new ConfigError(`Invalid configuration. ${problems.join('; ')}`);
  const { data } = parsed;
  const { ZOHO_API_URL, NODE_ENV, APOLLO_KEY, APOLLO_GRAPH_REF } = data;
  if (Boolean(APOLLO_KEY) !== Boolean(APOLLO_GRAPH_REF)) {
    throw new ConfigError(
      'Invalid configuration. APOLLO_KEY and APOLLO_GRAPH_REF go together: set both to report usage to Apollo GraphOS, or neither.',
    );
  }
  if (!ZOHO_API_URL && NODE_ENV === 'production') {
    // The sandbox is a development tool with public test credentials: never a production upstream.
    throw new ConfigError(
      'Invalid configuration. ZOHO_API_URL is required when NODE_ENV=production (e.g. https://payments.zoho.com/api/v1); the embedded sandbox is for development only.',
    );
  }
  if (ZOHO_API_URL && NODE_ENV === 'production' && !isHttpsOrLoopback(ZOHO_API_URL)) {
    // Every upstream call carries a caller's OAuth token: never in clear text over a network.
    throw new ConfigError(
      'Invalid configuration. ZOHO_API_URL must be an https:// URL when NODE_ENV=production (e.g. https://payments.zoho.com/api/v1): every call carries an OAuth token. Plain http:// is allowed only to a loopback host (local tests).',
    );
  }
  const production = NODE_ENV === 'production';
  return {
    nodeEnv: NODE_ENV,
    logLevel: data.LOG_LEVEL,
    http: {
      port: data.PORT,
      host: data.HOST,
      adminPort: data.ADMIN_PORT,
      maxConnections: data.MAX_CONNECTIONS,
      keepAliveTimeoutMs: data.KEEP_ALIVE_TIMEOUT_MS,
      // Browsers anywhere may call a development gateway; a production one names its frontends.
      corsOrigins: (corsOrigins as CorsOrigins | undefined) ?? (production ? [] : '*'),
      shutdownDelayMs: data.SHUTDOWN_DELAY_MS ?? (production ? PRODUCTION_SHUTDOWN_DELAY_MS : 0),
      shutdownGraceMs: data.SHUTDOWN_GRACE_MS ?? 2 * data.ZOHO_TIMEOUT_MS + SHUTDOWN_GRACE_MARGIN_MS,
    },
    zoho: {
      apiUrl: ZOHO_API_URL?.replace(/\/+$/, ''),
      timeoutMs: data.ZOHO_TIMEOUT_MS,
      maxCallsPerOperation: data.ZOHO_MAX_CALLS_PER_OPERATION,
      maxSockets: data.ZOHO_MAX_SOCKETS,
      policy: {
        ...DEFAULT_UPSTREAM_POLICY,
        retries: data.ZOHO_RETRIES,
        breakerThreshold: data.ZOHO_BREAKER_THRESHOLD,
        breakerHalfOpenAfterMs: data.ZOHO_BREAKER_HALF_OPEN_MS,
        breakerMinCallers: data.ZOHO_BREAKER_MIN_CALLERS,
        maxConcurrencyPerCaller: data.ZOHO_MAX_CONCURRENCY_PER_CALLER,
      },
      rateBudget: {
        perMinute: data.ZOHO_RATE_LIMIT_PER_MINUTE,
        unverifiedPerMinute: data.ZOHO_UNVERIFIED_RATE_LIMIT_PER_MINUTE,
      },
    },
    sandbox: { port: data.SANDBOX_PORT },
    apollo: APOLLO_KEY && APOLLO_GRAPH_REF ? { key: APOLLO_KEY, graphRef: APOLLO_GRAPH_REF } : undefined,
    redis:
      redisUrl && !('problem' in redisUrl)
        ? { ...redisUrl, keyPrefix: data.REDIS_KEY_PREFIX, timeoutMs: data.REDIS_TIMEOUT_MS }
        : undefined,
  };
}

const REDIS_URL_EXPECTED =
  'must be a redis:// or rediss:// URL such as rediss://gateway:password@redis.internal:6379 (user and password optional; a path, if any, is the database number)';

/**
 * REDIS_URL taken apart. A problem names what is wrong, never the value: the URL may hold a
 * password, and start-up errors go to stderr and the orchestrator's event log.
 */
function redisUrlFrom(value: string | undefined): Omit<RedisConfig, 'keyPrefix' | 'timeoutMs'> | { problem: string } | undefined {
  if (value === undefined) return undefined;
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    return { problem: REDIS_URL_EXPECTED };
  }
  if (url.protocol !== 'redis:' && url.protocol !== 'rediss:') return { problem: REDIS_URL_EXPECTED };
  if (url.hostname === '') return { problem: `${REDIS_URL_EXPECTED}: the host is missing` };
  if (url.search !== '' || url.hash !== '') return { problem: `${REDIS_URL_EXPECTED}: no query or fragment` };
  const path = url.pathname.replace(/^\//, '');
  if (!/^(?:\d{1,2})?$/.test(path)) return { problem: `${REDIS_URL_EXPECTED}: the path must be a database number such as /0` };
  let username: string;
  let password: string;
  try {
    username = decodeURIComponent(url.username);
    password = decodeURIComponent(url.password);
  } catch {
    return { problem: `${REDIS_URL_EXPECTED}: the user or password is not valid percent-encoding` };
  }
  return {
    // WHATWG URL keeps an IPv6 address's brackets; a socket wants it bare.
    host: url.hostname.replace(/^\[|\]$/g, ''),
    port: url.port === '' ? 6379 : Number(url.port),
    username: username === '' ? undefined : username,
    password: password === '' ? undefined : password,
    db: path === '' ? 0 : Number(path),
    tls: url.protocol === 'rediss:',
  };
}

/**
 * CORS_ORIGINS: `*`, or comma-separated origins, each exactly as a browser sends it in `Origin`
 * (scheme, host and port only, lower case, no path and no trailing slash), so that comparing
 * the header with the list is a plain lookup.
 */
function corsOriginsFrom(value: string | undefined): CorsOrigins | { problem: string } | undefined {
  if (value === undefined) return undefined;
  const entries = value
    .split(',')
    .map((entry) => entry.trim())
    .filter((entry) => entry !== '');
  if (entries.length === 0) return { problem: 'must be * or a comma-separated list of origins such as https://app.example.com' };
  if (entries.includes('*')) return entries.length === 1 ? '*' : { problem: '* allows every origin: set it alone, not in a list' };
  for (const entry of entries) {
    const origin = originOf(entry);
    if (origin !== entry) {
      const expected = origin ? ` (write ${origin})` : '';
      return { problem: `"${entry}" is not an origin${expected}: scheme, host and port only, such as https://app.example.com` };
    }
  }
  return [...new Set(entries)];
}

/** The serialized origin of an http(s) URL, or undefined. */
function originOf(text: string): string | undefined {
  try {
    const url = new URL(text);
    return url.protocol === 'http:' || url.protocol === 'https:' ? url.origin : undefined;
  } catch {
    return undefined;
  }
}

/** Whether a URL is https, or http to this machine only (127.0.0.0/8, ::1, localhost). */
function isHttpsOrLoopback(url: string): boolean {
  const { protocol, hostname } = new URL(url);
  if (protocol === 'https:') return true;
  return hostname === 'localhost' || hostname === '[::1]' || /^127(?:\.\d{1,3}){3}$/.test(hostname);
}
