/**
 * Shared test tooling: the gateway built exactly as in production (createGateway, from a
 * configuration loadConfig reads), a captured logger, the seeds' fixtures, and nock scopes that
 * assert the headers every upstream call must carry.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { Writable } from 'node:stream';
import type { ApolloServer } from '@apollo/server';
import { GraphQLError } from 'graphql';
import nock from 'nock';
import type { Fetcher } from '@apollo/utils.fetcher';
import { loadConfig, type GatewayConfig } from '../src/config';
import type { GatewayContext } from '../src/context';
import { createZohoHttpClient } from '../src/datasources/http-client';
import type { UpstreamPolicyOptions } from '../src/datasources/upstream-policy';
import { createLogger, type Logger } from '../src/observability/logger';
import type { IdempotencyStore } from '../src/idempotency/store';
import { createGateway, type Gateway, type GatewayDependencies } from '../src/server';
import { ROOMY_RATE_BUDGET } from './support/rate-budget';

export const ZOHO_ORIGIN = 'https://payments.zoho.com';
export const ZOHO_API_URL = `${ZOHO_ORIGIN}/api/v1`;
export const TOKEN = '1000.41d9f2a0c2d1.8fcc7b1e125f';
export const AUTHORIZATION = `Zoho-oauthtoken ${TOKEN}`;
export const ACCOUNT_ID = '23137556';
export const CALLER_HEADERS = { authorization: AUTHORIZATION, 'x-zoho-account-id': ACCOUNT_ID };

/**
 * The gateway's own HTTP client (http-client.ts), as production uses it: nock intercepts the
 * node:http calls it makes. One per test file; its idle sockets never hold the process.
 */
export const TEST_FETCHER: Fetcher = createZohoHttpClient({ baseURL: ZOHO_API_URL, maxSockets: 64 }).fetch;

/** A fixed clock for the resolvers: 2026-11-24, so "expiry already past" is deterministic. */
export const NOW = new Date('2026-11-24T12:00:00Z');

/** A seeds example (test/fixtures/seeds), parsed afresh on every call. */
export function seed<T = Record<string, unknown>>(name: string): T {
  return JSON.parse(readFileSync(path.join(__dirname, 'fixtures', 'seeds', `${name}.json`), 'utf8')) as T;
}

/** A logger whose JSON lines are kept in memory. */
export function captureLogger(level = 'debug'): { logger: Logger; lines: () => string[]; text: () => string } {
  const chunks: string[] = [];
  const stream = new Writable({
    write(chunk: Buffer, _enc, done) {
      chunks.push(chunk.toString());
      done();
    },
  });
  const logger = createLogger({ level }, stream);
  const lines = () => chunks.join('').split('\n').filter(Boolean);
  return { logger, lines, text: () => chunks.join('') };
}

/**
 * A nock scope for Zoho that only matches calls carrying this caller's Authorization header and a
 * JSON Accept header; each interceptor still names its method, path and exact query.
 */
export function zoho(authorization: string = AUTHORIZATION): nock.Scope {
  return nock(ZOHO_ORIGIN, { reqheaders: { authorization, accept: 'application/json' } });
}

/** A GraphQL result as a client reads it (JSON: tests index into `data` freely). */
export interface OperationResult {
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  data?: Record<string, any> | null;
  errors?: ReadonlyArray<{ message: string; path?: ReadonlyArray<string | number>; extensions?: Record<string, unknown> }>;
}

export interface TestGateway {
  apollo: ApolloServer<GatewayContext>;
  logs: ReturnType<typeof captureLogger>;
  /** Runs one operation as a caller with the given headers (default: the test caller). */
  execute: (query: string, variables?: Record<string, unknown>, headers?: Record<string, string>) => Promise<OperationResult>;
  /** The upstream calls the last operation made. */
  lastUpstreamCalls: () => GatewayContext['upstreamCalls'];
  /** The gateway's idempotency store (one per gateway). */
  idempotencyStore: IdempotencyStore;
  stop: () => Promise<void>;
}

/**
 * The configuration of a gateway in a test, as loadConfig reads it from the environment:
 * NODE_ENV=test, on 127.0.0.1 and free ports (PORT, ADMIN_PORT), with Zoho's origin (nock) as upstream,
 * a rate budget no test reaches unless it sets its own (ROOMY_RATE_BUDGET), plus `env`
 * (`ZOHO_API_URL: ''` for none); `policy` sets what no variable does (backoffs, in ms).
 */
export function testConfig(env: Record<string, string> = {}, policy: Partial<Omit<UpstreamPolicyOptions, 'timeoutMs'>> = {}): GatewayConfig {
  const config = loadConfig({ NODE_ENV: 'test', HOST: '127.0.0.1', PORT: '0', ADMIN_PORT: '0', ZOHO_API_URL, ...ROOMY_RATE_BUDGET, ...env });
  return { ...config, zoho: { ...config.zoho, policy: { ...config.zoho.policy, ...policy } } };
}

/** createGateway(config, deps), listening (its `url` set); the caller stops it. */
export async function startTestServer(config: GatewayConfig, deps: GatewayDependencies): Promise<Gateway> {
  const gateway = await createGateway(config, deps);
  try {
    await gateway.listen();
  } catch (error) {
    await gateway.stop();
    throw error;
  }
  return gateway;
}

/**
 * The gateway in-process (createGateway, not listening), executing operations without HTTP
 * (`Gateway.execute`). Its upstream policy keeps the time limit but, unless `upstreamPolicy`
 * says otherwise, neither retries nor breaks the circuit: each nock interceptor then answers
 * exactly one call (test/hardening covers both).
 */
export async function createTestGateway(
  options: {
    nodeEnv?: 'development' | 'production' | 'test';
    zohoTimeoutMs?: number;
    upstreamPolicy?: Partial<Omit<UpstreamPolicyOptions, 'timeoutMs'>>;
    /** Default: a new in-memory store on the real clock. */
    idempotencyStore?: IdempotencyStore;
  } = {},
): Promise<TestGateway> {
  const logs = captureLogger();
  const config = testConfig(
    { NODE_ENV: options.nodeEnv ?? 'test', ZOHO_TIMEOUT_MS: String(options.zohoTimeoutMs ?? 2000) },
    { retries: 0, breakerThreshold: 0, ...options.upstreamPolicy },
  );
  const gateway = await createGateway(config, {
    logger: logs.logger,
    now: () => NOW,
    fetcher: TEST_FETCHER,
    ...(options.idempotencyStore && { idempotencyStore: options.idempotencyStore }),
  });
  let last: GatewayContext | undefined;
  return {
    apollo: gateway.apollo,
    logs,
    async execute(query, variables, headers = CALLER_HEADERS) {
      const { response, context } = await gateway.execute({ query, variables }, headers);
      last = context;
      if (response.body.kind !== 'single') throw new Error('expected a single result');
      return response.body.singleResult as OperationResult;
    },
    lastUpstreamCalls: () => last?.upstreamCalls ?? [],
    idempotencyStore: gateway.idempotencyStore,
    stop: () => gateway.stop(),
  };
}

/** The GraphQLError a promise rejects with (fails the test when it resolves or throws anything else). */
export async function rejection(promise: Promise<unknown>): Promise<GraphQLError> {
  const error: unknown = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(GraphQLError);
  return error as GraphQLError;
}

/** Runs `fn` with a trap on Zoho's origin for every method and path; fails the test if the gateway called Zoho at all. */
export async function withoutUpstreamCalls<T>(fn: () => Promise<T>): Promise<T> {
  const calls: string[] = [];
  const trap = nock(ZOHO_ORIGIN).persist();
  for (const method of ['GET', 'POST', 'PUT', 'PATCH', 'DELETE']) {
    trap
      .intercept(() => true, method)
      .query(true)
      .reply(500, (uri) => {
        calls.push(`${method} ${uri}`);
        return { code: 'error', message: 'the gateway must not call Zoho here' };
      });
  }
  try {
    return await fn();
  } finally {
    nock.cleanAll();
    expect(calls).toEqual([]);
  }
}
