/**
 * src/config.ts: environment -> a typed, validated configuration that fails fast and names the
 * variable that is wrong (contract.md, Configuration).
 */
import { ConfigError, loadConfig } from '../../src/config';

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
  test('defaults: PORT 4000, ZOHO_TIMEOUT_MS 10000, NODE_ENV development, the embedded sandbox on 4010', () => {
    expect(loadConfig({})).toEqual({
      port: 4000,
      zohoApiUrl: undefined,
      sandboxPort: 4010,
      zohoTimeoutMs: 10_000,
      nodeEnv: 'development',
      logLevel: 'info',
      zohoRetries: 2,
      zohoBreakerThreshold: 5,
      zohoBreakerHalfOpenMs: 10_000,
      shutdownGraceMs: 10_000,
      apollo: undefined,
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
        ZOHO_API_URL: 'https://payments.zoho.eu/api/v1',
        ZOHO_TIMEOUT_MS: '2500',
        NODE_ENV: 'production',
        LOG_LEVEL: 'warn',
        ZOHO_RETRIES: '0',
        ZOHO_BREAKER_THRESHOLD: '3',
        ZOHO_BREAKER_HALF_OPEN_MS: '2500',
        SHUTDOWN_GRACE_MS: '30000',
        APOLLO_KEY: 'service:payments:abc123',
        APOLLO_GRAPH_REF: 'payments@current',
      }),
    ).toEqual({
      port: 8080,
      zohoApiUrl: 'https://payments.zoho.eu/api/v1',
      sandboxPort: 4010,
      zohoTimeoutMs: 2500,
      nodeEnv: 'production',
      logLevel: 'warn',
      zohoRetries: 0,
      zohoBreakerThreshold: 3,
      zohoBreakerHalfOpenMs: 2500,
      shutdownGraceMs: 30_000,
      apollo: { key: 'service:payments:abc123', graphRef: 'payments@current' },
    });
    expect(loadConfig({ NODE_ENV: 'test', PORT: '0', SANDBOX_PORT: '0' })).toMatchObject({ nodeEnv: 'test', port: 0, sandboxPort: 0 });
    expect(loadConfig({ ZOHO_API_URL: 'http://127.0.0.1:4010/api/v1' }).zohoApiUrl).toBe('http://127.0.0.1:4010/api/v1');
  });

  test('a trailing slash is stripped from ZOHO_API_URL', () => {
    expect(loadConfig({ ZOHO_API_URL: 'https://payments.zoho.in/api/v1/' }).zohoApiUrl).toBe('https://payments.zoho.in/api/v1');
    expect(loadConfig({ ZOHO_API_URL: 'https://payments.zoho.com.au/api/v1//' }).zohoApiUrl).toBe(
      'https://payments.zoho.com.au/api/v1',
    );
  });

  test.each([
    ['PORT', 'abc'],
    ['PORT', '70000'],
    ['PORT', '-1'],
    ['PORT', '80.5'],
    ['SANDBOX_PORT', '65536'],
    ['ZOHO_TIMEOUT_MS', '0'],
    ['ZOHO_TIMEOUT_MS', 'soon'],
    ['ZOHO_API_URL', 'ftp://x'],
    ['ZOHO_API_URL', 'not a url'],
    ['NODE_ENV', 'staging'],
    ['LOG_LEVEL', 'loud'],
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

  test('production without ZOHO_API_URL is a ConfigError: the sandbox is never a production upstream', () => {
    const error = configErrorOf({ NODE_ENV: 'production' });
    expect(error.message).toContain('ZOHO_API_URL is required when NODE_ENV=production');
    expect(loadConfig({ NODE_ENV: 'production', ZOHO_API_URL: 'https://payments.zoho.com/api/v1' }).nodeEnv).toBe('production');
  });
});
