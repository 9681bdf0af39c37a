/**
 * src/config.ts: environment -> a typed, validated configuration that fails fast and names the
 * variable that is wrong (contract.md, Configuration).
 */
import { ConfigError, loadConfig } from '../../src/config';
import { DEFAULT_UPSTREAM_POLICY } from '../../src/datasources/upstream-policy';

function configErrorOf(env: NodeJS.ProcessEnv): ConfigError {
  try {
    loadConfig(env);
  } catch (error) {
    expect(error).toBeInstanceOf(ConfigError);
    return error as ConfigError;
  }
  throw new Error(`loadConfig accepted ${JSON.stringify(env)}`);
}

describe('loadConfig', () => {
  test('defaults: PORT 4000, ZOHO_TIMEOUT_MS 10000, NODE_ENV development, the embedded sandbox on 4010, the upstream limits', () => {
    expect(loadConfig({})).toEqual({
      nodeEnv: 'development',
      logLevel: 'info',
      http: { port: 4000, host: '0.0.0.0', adminPort: 9464, corsOrigins: '*', maxConnections: 1024, keepAliveTimeoutMs: 65_000, shutdownDelayMs: 0, shutdownGraceMs: 22_000 },
      zoho: {
        apiUrl: undefined,
        timeoutMs: 10_000,
        maxCallsPerOperation: 200,
        maxSockets: 256,
        // The upstream policy's own defaults, under its own names, for what no variable sets.
        policy: { ...DEFAULT_UPSTREAM_POLICY, retries: 2, breakerThreshold: 5, breakerHalfOpenAfterMs: 10_000, breakerMinCallers: 3, maxConcurrencyPerCaller: 16 },
        // Zoho's published limit per account, and the small budget of tokens it has not accepted yet.
        rateBudget: { perMinute: 600, unverifiedPerMinute: 60 },
      },
      sandbox: { port: 4010 },
      apollo: undefined,
      redis: undefined,
    });
  });

  test('HOST: where the gateway listens; an address or host name, nothing else', () => {
    expect(loadConfig({ HOST: '127.0.0.1' }).http.host).toBe('127.0.0.1');
    expect(loadConfig({ HOST: '::' }).http.host).toBe('::');
    expect(loadConfig({ HOST: 'gateway.internal' }).http.host).toBe('gateway.internal');
    for (const bad of ['127.0.0.1 8080', 'http://0.0.0.0', 'a/b']) expect(configErrorOf({ HOST: bad }).message).toContain('HOST');
  });

  describe('CORS_ORIGINS', () => {
    test('default: any origin (*) outside production, none in production', () => {
      expect(loadConfig({}).http.corsOrigins).toBe('*');
      expect(loadConfig({ NODE_ENV: 'test' }).http.corsOrigins).toBe('*');
      expect(loadConfig({ NODE_ENV: 'production', ZOHO_API_URL: 'https://payments.zoho.com/api/v1' }).http.corsOrigins).toEqual([]);
    });

    test('comma-separated origins, spaces and repeats ignored; * alone; in production too', () => {
      expect(loadConfig({ CORS_ORIGINS: 'https://app.example.com, http://localhost:3000 ,https://app.example.com' }).http.corsOrigins).toEqual([
        'https://app.example.com',
        'http://localhost:3000',
      ]);
      expect(loadConfig({ CORS_ORIGINS: ' * ' }).http.corsOrigins).toBe('*');
      const production = { NODE_ENV: 'production', ZOHO_API_URL: 'https://payments.zoho.com/api/v1' };
      expect(loadConfig({ ...production, CORS_ORIGINS: 'https://app.example.com' }).http.corsOrigins).toEqual(['https://app.example.com']);
      expect(loadConfig({ ...production, CORS_ORIGINS: '*' }).http.corsOrigins).toBe('*');
    });

    test.each([
      ['a path', 'https://app.example.com/', 'write https://app.example.com'],
      ['a path', 'https://app.example.com/graphql', 'write https://app.example.com'],
      ['upper case', 'https://App.Example.com', 'write https://app.example.com'],
      ['a default port', 'https://app.example.com:443', 'write https://app.example.com'],
      ['no scheme', 'app.example.com', 'is not an origin:'],
      ['another scheme', 'ftp://files.example.com', 'is not an origin:'],
      ['* in a list', '*, https://app.example.com', 'set it alone'],
      ['only commas', ' , ,', 'comma-separated list of origins'],
    ])('%s (%j) is refused at start, saying what to write', (_what, value, hint) => {
      const error = configErrorOf({ CORS_ORIGINS: value });
      expect(error.message).toContain('CORS_ORIGINS');
      expect(error.message).toContain(hint);
    });

    test('named with the other bad variables in one error', () => {
      const error = configErrorOf({ CORS_ORIGINS: 'nope', PORT: 'abc' });
      expect(error.message).toContain('CORS_ORIGINS');
      expect(error.message).toContain('PORT');
    });
  });

  describe('SHUTDOWN_DELAY_MS and SHUTDOWN_GRACE_MS', () => {
    const PRODUCTION = { NODE_ENV: 'production', ZOHO_API_URL: 'https://payments.zoho.com/api/v1' };

    test('the delay: 5 s in production (load balancers must see /readyz 503), none otherwise; any explicit value', () => {
      expect(loadConfig(PRODUCTION).http.shutdownDelayMs).toBe(5000);
      expect(loadConfig({}).http.shutdownDelayMs).toBe(0);
      expect(loadConfig({ NODE_ENV: 'test' }).http.shutdownDelayMs).toBe(0);
      expect(loadConfig({ ...PRODUCTION, SHUTDOWN_DELAY_MS: '0' }).http.shutdownDelayMs).toBe(0);
      expect(loadConfig({ SHUTDOWN_DELAY_MS: '15000' }).http.shutdownDelayMs).toBe(15_000);
    });

    test("the grace period's default lets an update's GET and PUT both take ZOHO_TIMEOUT_MS, whatever it is", () => {
      for (const timeoutMs of [1, 2500, 10_000, 120_000]) {
        const { http, zoho } = loadConfig({ ZOHO_TIMEOUT_MS: String(timeoutMs) });
        expect(zoho.timeoutMs).toBe(timeoutMs);
        expect(http.shutdownGraceMs).toBeGreaterThanOrEqual(2 * timeoutMs);
        expect(http.shutdownGraceMs).toBe(2 * timeoutMs + 2000);
      }
      expect(loadConfig(PRODUCTION).http.shutdownGraceMs).toBe(22_000);
    });

    test('an explicit grace period is kept as it is, even below twice ZOHO_TIMEOUT_MS (main.ts warns then)', () => {
      expect(loadConfig({ SHUTDOWN_GRACE_MS: '500', ZOHO_TIMEOUT_MS: '10000' }).http.shutdownGraceMs).toBe(500);
      expect(loadConfig({ SHUTDOWN_GRACE_MS: '0' }).http.shutdownGraceMs).toBe(0);
    });

    test.each([
      ['SHUTDOWN_DELAY_MS', '-1'],
      ['SHUTDOWN_DELAY_MS', '600001'],
      ['SHUTDOWN_DELAY_MS', 'soon'],
      ['SHUTDOWN_GRACE_MS', '600001'],
      ['SHUTDOWN_GRACE_MS', '2.5'],
    ])('%s=%j is refused, naming it', (variable, value) => {
      expect(configErrorOf({ [variable]: value }).message).toContain(variable);
    });
  });

  test('bad resilience, shutdown and GraphOS settings fail fast, naming the variable', () => {
    expect(configErrorOf({ ZOHO_RETRIES: '9' }).message).toContain('ZOHO_RETRIES');
    expect(configErrorOf({ ZOHO_RETRIES: '-1' }).message).toContain('ZOHO_RETRIES');
    expect(configErrorOf({ ZOHO_BREAKER_THRESHOLD: 'many' }).message).toContain('ZOHO_BREAKER_THRESHOLD');
    expect(configErrorOf({ ZOHO_BREAKER_HALF_OPEN_MS: '5' }).message).toContain('ZOHO_BREAKER_HALF_OPEN_MS');
    expect(configErrorOf({ SHUTDOWN_GRACE_MS: '1.5' }).message).toContain('SHUTDOWN_GRACE_MS');
    expect(configErrorOf({ APOLLO_KEY: 'service:payments:abc123' }).message).toContain('APOLLO_GRAPH_REF');
    expect(configErrorOf({ APOLLO_GRAPH_REF: 'payments@current' }).message).toContain('APOLLO_KEY');
    expect(configErrorOf({ APOLLO_KEY: 'k', APOLLO_GRAPH_REF: 'two words' }).message).toContain('APOLLO_GRAPH_REF');
    // The key is a secret: an error about it never repeats it.
    expect(configErrorOf({ APOLLO_KEY: 'service:payments:abc123' }).message).not.toContain('abc123');
  });

  test('empty variables count as unset', () => {
    expect(loadConfig({ PORT: '', ZOHO_API_URL: '', ZOHO_TIMEOUT_MS: '', NODE_ENV: '' })).toEqual(loadConfig({}));
  });

  test('valid overrides are read and typed', () => {
    expect(
      loadConfig({
        PORT: '8080',
        HOST: '127.0.0.1',
        ADMIN_PORT: '9100',
        MAX_CONNECTIONS: '20000',
        KEEP_ALIVE_TIMEOUT_MS: '620000',
        ZOHO_API_URL: 'https://payments.zoho.eu/api/v1',
        ZOHO_TIMEOUT_MS: '2500',
        NODE_ENV: 'production',
        LOG_LEVEL: 'warn',
        ZOHO_RETRIES: '0',
        ZOHO_BREAKER_THRESHOLD: '3',
        ZOHO_BREAKER_HALF_OPEN_MS: '2500',
        ZOHO_BREAKER_MIN_CALLERS: '5',
        ZOHO_MAX_CALLS_PER_OPERATION: '50',
        ZOHO_MAX_CONCURRENCY_PER_CALLER: '4',
        ZOHO_MAX_SOCKETS: '1024',
        ZOHO_RATE_LIMIT_PER_MINUTE: '300',
        ZOHO_UNVERIFIED_RATE_LIMIT_PER_MINUTE: '20',
        SHUTDOWN_DELAY_MS: '15000',
        SHUTDOWN_GRACE_MS: '30000',
        APOLLO_KEY: 'service:payments:abc123',
        APOLLO_GRAPH_REF: 'payments@current',
        REDIS_URL: 'rediss://gateway:s3cret@redis.internal:6380/2',
        REDIS_KEY_PREFIX: 'payments-eu:',
        REDIS_TIMEOUT_MS: '100',
      }),
    ).toEqual({
      nodeEnv: 'production',
      logLevel: 'warn',
      http: { port: 8080, host: '127.0.0.1', adminPort: 9100, corsOrigins: [], maxConnections: 20_000, keepAliveTimeoutMs: 620_000, shutdownDelayMs: 15_000, shutdownGraceMs: 30_000 },
      zoho: {
        apiUrl: 'https://payments.zoho.eu/api/v1',
        timeoutMs: 2500,
        maxCallsPerOperation: 50,
        maxSockets: 1024,
        policy: { ...DEFAULT_UPSTREAM_POLICY, retries: 0, breakerThreshold: 3, breakerHalfOpenAfterMs: 2500, breakerMinCallers: 5, maxConcurrencyPerCaller: 4 },
        rateBudget: { perMinute: 300, unverifiedPerMinute: 20 },
      },
      sandbox: { port: 4010 },
      apollo: { key: 'service:payments:abc123', graphRef: 'payments@current' },
      redis: { host: 'redis.internal', port: 6380, username: 'gateway', password: 's3cret', db: 2, tls: true, keyPrefix: 'payments-eu:', timeoutMs: 100 },
    });
    expect(loadConfig({ NODE_ENV: 'test', PORT: '0', ADMIN_PORT: '0', SANDBOX_PORT: '0' })).toMatchObject({
      nodeEnv: 'test',
      http: { port: 0, adminPort: 0 },
      sandbox: { port: 0 },
    });
    expect(loadConfig({ ZOHO_API_URL: 'http://127.0.0.1:4010/api/v1' }).zoho.apiUrl).toBe('http://127.0.0.1:4010/api/v1');
  });

  test('a trailing slash is stripped from ZOHO_API_URL', () => {
    expect(loadConfig({ ZOHO_API_URL: 'https://payments.zoho.in/api/v1/' }).zoho.apiUrl).toBe('https://payments.zoho.in/api/v1');
    expect(loadConfig({ ZOHO_API_URL: 'https://payments.zoho.com.au/api/v1//' }).zoho.apiUrl).toBe(
      'https://payments.zoho.com.au/api/v1',
    );
  });

  test.each([
    ['PORT', 'abc'],
    ['PORT', '70000'],
    ['PORT', '-1'],
    ['PORT', '80.5'],
    ['SANDBOX_PORT', '65536'],
    ['ADMIN_PORT', '65536'],
    ['ADMIN_PORT', 'metrics'],
    ['MAX_CONNECTIONS', '0'],
    ['MAX_CONNECTIONS', '2.5'],
    ['MAX_CONNECTIONS', 'unlimited'],
    ['MAX_CONNECTIONS', '1000001'],
    ['KEEP_ALIVE_TIMEOUT_MS', '999'],
    ['KEEP_ALIVE_TIMEOUT_MS', 'forever'],
    ['ZOHO_TIMEOUT_MS', '0'],
    ['ZOHO_TIMEOUT_MS', 'soon'],
    ['ZOHO_API_URL', 'ftp://x'],
    ['ZOHO_API_URL', 'not a url'],
    ['NODE_ENV', 'staging'],
    ['LOG_LEVEL', 'loud'],
    ['ZOHO_MAX_CALLS_PER_OPERATION', '0'],
    ['ZOHO_MAX_CALLS_PER_OPERATION', '10001'],
    ['ZOHO_MAX_CALLS_PER_OPERATION', '2.5'],
    ['ZOHO_MAX_CALLS_PER_OPERATION', 'all'],
    ['ZOHO_MAX_CONCURRENCY_PER_CALLER', '0'],
    ['ZOHO_MAX_CONCURRENCY_PER_CALLER', '1001'],
    ['ZOHO_MAX_CONCURRENCY_PER_CALLER', 'x'],
    ['ZOHO_MAX_SOCKETS', '0'],
    ['ZOHO_MAX_SOCKETS', '10001'],
    ['ZOHO_MAX_SOCKETS', '-5'],
    ['ZOHO_BREAKER_MIN_CALLERS', '0'],
    ['ZOHO_BREAKER_MIN_CALLERS', '10001'],
    ['ZOHO_BREAKER_MIN_CALLERS', 'some'],
    ['ZOHO_RATE_LIMIT_PER_MINUTE', '0'],
    ['ZOHO_RATE_LIMIT_PER_MINUTE', '100000001'],
    ['ZOHO_RATE_LIMIT_PER_MINUTE', '1.5'],
    ['ZOHO_RATE_LIMIT_PER_MINUTE', 'lots'],
    ['ZOHO_UNVERIFIED_RATE_LIMIT_PER_MINUTE', '0'],
    ['ZOHO_UNVERIFIED_RATE_LIMIT_PER_MINUTE', '-1'],
    ['ZOHO_UNVERIFIED_RATE_LIMIT_PER_MINUTE', '100000001'],
  ])('%s=%j is a ConfigError that names %s', (variable, value) => {
    const error = configErrorOf({ [variable]: value });
    expect(error.name).toBe('ConfigError');
    expect(error.message).toContain(variable);
  });

  test('several bad variables are all named in one error', () => {
    const error = configErrorOf({ PORT: 'abc', NODE_ENV: 'staging', ZOHO_TIMEOUT_MS: '0' });
    for (const variable of ['PORT', 'NODE_ENV', 'ZOHO_TIMEOUT_MS']) expect(error.message).toContain(variable);
  });

  test('a good variable is not named as bad', () => {
    const error = configErrorOf({ PORT: '8080', NODE_ENV: 'staging' });
    expect(error.message).toContain('NODE_ENV');
    expect(error.message).not.toContain('PORT');
  });

  test('the upstream limits accept their bounds', () => {
    const low = loadConfig({
      ZOHO_MAX_CALLS_PER_OPERATION: '1',
      ZOHO_MAX_CONCURRENCY_PER_CALLER: '1',
      ZOHO_MAX_SOCKETS: '1',
      ZOHO_BREAKER_MIN_CALLERS: '1',
      ZOHO_RATE_LIMIT_PER_MINUTE: '1',
      ZOHO_UNVERIFIED_RATE_LIMIT_PER_MINUTE: '1',
    });
    expect(low.zoho).toMatchObject({
      maxCallsPerOperation: 1,
      maxSockets: 1,
      policy: { maxConcurrencyPerCaller: 1, breakerMinCallers: 1 },
      rateBudget: { perMinute: 1, unverifiedPerMinute: 1 },
    });
    const high = loadConfig({
      ZOHO_MAX_CALLS_PER_OPERATION: '10000',
      ZOHO_MAX_CONCURRENCY_PER_CALLER: '1000',
      ZOHO_MAX_SOCKETS: '10000',
      ZOHO_BREAKER_MIN_CALLERS: '10000',
      // What the bench sets (bench/processes.ts) is well inside the bound.
      ZOHO_RATE_LIMIT_PER_MINUTE: '100000000',
      ZOHO_UNVERIFIED_RATE_LIMIT_PER_MINUTE: '10000000',
    });
    expect(high.zoho).toMatchObject({
      maxCallsPerOperation: 10_000,
      maxSockets: 10_000,
      policy: { maxConcurrencyPerCaller: 1000, breakerMinCallers: 10_000 },
      rateBudget: { perMinute: 100_000_000, unverifiedPerMinute: 10_000_000 },
    });
  });

  test('a bad upstream limit is named, and a good one next to it is not', () => {
    const error = configErrorOf({ ZOHO_MAX_CALLS_PER_OPERATION: '0', ZOHO_MAX_SOCKETS: '64' });
    expect(error.message).toContain('ZOHO_MAX_CALLS_PER_OPERATION');
    expect(error.message).not.toContain('ZOHO_MAX_SOCKETS');
  });

  describe('production requires an https:// ZOHO_API_URL (every call carries a token); http:// only to loopback', () => {
    test.each([
      'http://payments.zoho.com/api/v1',
      'http://10.0.0.7:8080/api/v1',
      'http://zoho-proxy.internal/api/v1',
      // Looks like loopback, is a public name.
      'http://127.0.0.1.nip.io/api/v1',
      'http://localhost.example.com/api/v1',
    ])('%s is refused in production', (url) => {
      const error = configErrorOf({ NODE_ENV: 'production', ZOHO_API_URL: url });
      expect(error.message).toContain('ZOHO_API_URL');
      expect(error.message).toContain('https://');
      // Outside production it is accepted as it is (local stand-ins, corporate test set-ups).
      expect(loadConfig({ NODE_ENV: 'development', ZOHO_API_URL: url }).zoho.apiUrl).toBe(url);
    });

    test.each([
      'https://payments.zoho.com/api/v1',
      'https://payments.zoho.eu/api/v1',
      'http://127.0.0.1:4010/api/v1',
      'http://127.10.20.30:4010/api/v1',
      'http://localhost:4010/api/v1',
      'http://[::1]:4010/api/v1',
    ])('%s is allowed in production', (url) => {
      expect(loadConfig({ NODE_ENV: 'production', ZOHO_API_URL: url })).toMatchObject({ nodeEnv: 'production', zoho: { apiUrl: url } });
    });
  });

  test('production without ZOHO_API_URL is a ConfigError: the sandbox is never a production upstream', () => {
    const error = configErrorOf({ NODE_ENV: 'production' });
    expect(error.message).toContain('ZOHO_API_URL is required when NODE_ENV=production');
    expect(loadConfig({ NODE_ENV: 'production', ZOHO_API_URL: 'https://payments.zoho.com/api/v1' }).nodeEnv).toBe('production');
  });

  describe('REDIS_URL, REDIS_KEY_PREFIX, REDIS_TIMEOUT_MS', () => {
    test('unset: no Redis (state stays in each process); set: taken apart, with the prefix and timeout defaults', () => {
      expect(loadConfig({ REDIS_KEY_PREFIX: 'x:' }).redis).toBeUndefined();
      expect(loadConfig({ REDIS_URL: 'redis://redis.internal' }).redis).toEqual({
        host: 'redis.internal',
        port: 6379,
        username: undefined,
        password: undefined,
        db: 0,
        tls: false,
        keyPrefix: 'zoho-gateway:',
        timeoutMs: 250,
      });
      // `:password@` alone is the `default` user's password (requirepass); percent-encoding is decoded.
      expect(loadConfig({ REDIS_URL: 'rediss://:p%40ss%3Aword@[::1]:7000/' }).redis).toMatchObject({
        host: '::1',
        port: 7000,
        username: undefined,
        password: 'p@ss:word',
        tls: true,
      });
    });

    test.each([
      ['http://user:hunter2secret@cache.example.net:6379', 'redis:// or rediss://'],
      ['redis://user:hunter2secret@cache.example.net:6379/not-a-db', 'database number'],
      ['redis://user:hunter2secret@cache.example.net:6379?tls=true', 'no query'],
      ['redis://user:hunter2secret@:6379', 'redis:// or rediss://'],
      ['hunter2secret', 'redis:// or rediss://'],
      ['redis://user:hunter2secret%zz@cache.example.net', 'percent-encoding'],
    ])('%s is a start-up error that names REDIS_URL and never prints the password', (url, says) => {
      const error = configErrorOf({ REDIS_URL: url });
      expect(error.message).toContain('REDIS_URL');
      expect(error.message).toContain(says);
      expect(error.message).not.toContain('hunter2secret');
      expect(error.message).not.toContain('cache.example.net');
    });

    test('a bad prefix or timeout is named', () => {
      expect(configErrorOf({ REDIS_KEY_PREFIX: 'has space' }).message).toContain('REDIS_KEY_PREFIX');
      expect(configErrorOf({ REDIS_TIMEOUT_MS: '0' }).message).toContain('REDIS_TIMEOUT_MS');
    });
  });
});
