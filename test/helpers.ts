/**
 * Shared test tooling: the gateway built exactly as in production (schema, resolvers, context,
 * datasource), a captured logger, the seeds' fixtures, and nock scopes that assert the headers
 * every upstream call must carry.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { Writable } from 'node:stream';
import type { ApolloServer } from '@apollo/server';
import { GraphQLError } from 'graphql';
import nock from 'nock';
import type { Fetcher } from '@apollo/utils.fetcher';
import { buildContext, type GatewayContext } from '../src/context';
import { createZohoHttpClient } from '../src/datasources/http-client';
import {
  DEFAULT_UPSTREAM_POLICY,
  UpstreamPolicy,
  type UpstreamPolicyOptions,
} from '../src/datasources/upstream-policy';
import { requestIdFrom, runInRequestScope } from '../src/http/request-scope';
import { MemoryIdempotencyStore } from '../src/idempotency/memory-store';
import type { IdempotencyStore } from '../src/idempotency/store';
import { createLogger, type Logger } from '../src/observability/logger';
import { createApolloServer } from '../src/server';

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
  /** The gateway's idempotency store (one per gateway, as in startGateway). */
  idempotencyStore: IdempotencyStore;
  stop: () => Promise<void>;
}

/**
 * The gateway in-process, executing operations without HTTP. Its upstream policy keeps the time
 * limit but, unless `upstreamPolicy` says otherwise, neither retries nor breaks the circuit: each
 * nock interceptor then answers exactly one call (test/hardening covers both).
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
  const zohoTimeoutMs = options.zohoTimeoutMs ?? 2000;
  const gatewayOptions = {
    zohoApiUrl: ZOHO_API_URL,
    zohoTimeoutMs,
    nodeEnv: options.nodeEnv ?? 'test',
    logger: logs.logger,
    now: () => NOW,
    fetcher: TEST_FETCHER,
    upstreamPolicy: new UpstreamPolicy({
      timeoutMs: zohoTimeoutMs,
      ...DEFAULT_UPSTREAM_POLICY,
      retries: 0,
      breakerThreshold: 0,
      ...options.upstreamPolicy,
    }),
    idempotencyStore: options.idempotencyStore ?? new MemoryIdempotencyStore(),
  };
  const apollo = createApolloServer(gatewayOptions);
  await apollo.start();
  let last: GatewayContext | undefined;
  return {
    apollo,
    logs,
    async execute(query, variables, headers = CALLER_HEADERS) {
      return runInRequestScope({ requestId: requestIdFrom(headers) }, async () => {
        const contextValue = buildContext(headers, gatewayOptions);
        last = contextValue;
        const response = await apollo.executeOperation({ query, variables }, { contextValue });
        if (response.body.kind !== 'single') throw new Error('expected a single result');
        return response.body.singleResult as OperationResult;
      });
    },
    lastUpstreamCalls: () => last?.upstreamCalls ?? [],
    idempotencyStore: gatewayOptions.idempotencyStore,
    stop: () => apollo.stop(),
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
