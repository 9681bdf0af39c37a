/**
 * The idempotency store every replica shares, in Redis (store.ts says what each call must do).
 * One Redis key per idempotency key (`idempotency:<scoped key hash>`, under REDIS_KEY_PREFIX),
 * holding either
 * - a claim, `c:<claimId>:<inputHash>`, that expires after its lease, or
 * - a record, `r:<inputHash>:<outcome as JSON>`, that expires IDEMPOTENCY_TTL_MS after completion.
 * Every step that reads and writes is one Lua script, so Redis runs it atomically: of two replicas
 * racing on one key exactly one gets the claim, and a late first holder of a lapsed claim never
 * overwrites its successor's. Nothing else is stored: no payload, token, card or account number.
 *
 * Any Redis failure (no connection, a timeout, an error reply: OOM under `noeviction` among them)
 * is an IdempotencyStoreUnavailableError: the mutation fails with SERVICE_UNAVAILABLE and Zoho is
 * not called. Memory is bounded by Redis itself (maxmemory), not here.
 */
import { randomUUID } from 'node:crypto';
import type { Redis } from 'ioredis';
import type { GatewayMetrics } from '../observability/metrics';
import { redisErrorText } from '../redis/client';
import {
  IDEMPOTENCY_TTL_MS,
  IdempotencyStoreUnavailableError,
  type ClaimResult,
  type IdempotencyOutcome,
  type IdempotencyStore,
} from './store';

/**
 * How often `settled` looks whether another replica's claim is still held: at first soon (most
 * calls take tens of ms), then less often, so a wait for a slow holder over the whole lease
 * costs Redis tens of reads, not thousands.
 */
export const SETTLED_POLL_MS = 25;
export const SETTLED_POLL_MAX_MS = 250;

/** KEYS[1] the key; ARGV: the claim's value, its lease in ms. Returns what holds the key, or nil once claimed. */
const CLAIM = `
local held = redis.call('GET', KEYS[1])
if held then return held end
redis.call('SET', KEYS[1], ARGV[1], 'PX', ARGV[2])
return false`;

/**
 * KEYS[1] the key; ARGV: the claim's prefix `c:<claimId>:`, the outcome's JSON (empty: release),
 * the record's TTL in ms. Acts only while the key still holds that claim.
 */
const SETTLE = `
local held = redis.call('GET', KEYS[1])
if not held or string.sub(held, 1, #ARGV[1]) ~= ARGV[1] then return 0 end
if ARGV[2] == '' then
  redis.call('DEL', KEYS[1])
else
  redis.call('SET', KEYS[1], 'r:' .. string.sub(held, #ARGV[1] + 1) .. ':' .. ARGV[2], 'PX', ARGV[3])
end
return 1`;

/** The client with this store's scripts defined on it (ioredis sends EVALSHA, and EVAL once after a Redis restart). */
type ScriptedRedis = Redis & {
  idempotencyClaim(key: string, claim: string, leaseMs: number): Promise<string | null>;
  idempotencySettle(key: string, claimPrefix: string, outcome: string, ttlMs: number): Promise<number>;
};

export interface RedisIdempotencyStoreOptions {
  /** How long a completed record is kept (default 24 h). */
  ttlMs?: number;
  /** Where failed commands are counted (`gateway_redis_failures_total{use="idempotency"}`). */
  metrics?: GatewayMetrics;
}

export class RedisIdempotencyStore implements IdempotencyStore {
  readonly ttlMs: number;
  readonly #redis: ScriptedRedis;
  readonly #metrics: GatewayMetrics | undefined;

  constructor(redis: Redis, options: RedisIdempotencyStoreOptions = {}) {
    this.ttlMs = options.ttlMs ?? IDEMPOTENCY_TTL_MS;
    this.#metrics = options.metrics;
    if (!('idempotencyClaim' in redis)) {
      redis.defineCommand('idempotencyClaim', { numberOfKeys: 1, lua: CLAIM });
      redis.defineCommand('idempotencySettle', { numberOfKeys: 1, lua: SETTLE });
    }
    this.#redis = redis as ScriptedRedis;
  }

  async claim(key: string, inputHash: string, leaseMs: number): Promise<ClaimResult> {
    const claimId = randomUUID();
    let held: string | null;
    try {
      held = await this.#command(() => this.#redis.idempotencyClaim(redisKey(key), `c:${claimId}:${inputHash}`, leaseMs));
    } catch (error) {
      // A timed-out claim may still have run in Redis, its reply lost: left alone, it would hold
      // the key for the whole lease and the caller's retry would wait for nobody. Free it, best
      // effort: SETTLE deletes only this claim, and Redis runs it after the claim on the connection.
      this.#redis.idempotencySettle(redisKey(key), `c:${claimId}:`, '', this.ttlMs).catch(() => undefined);
      throw error;
    }
    if (held === null) return { state: 'claimed', claimId };
    const parsed = parseValue(held);
    if (!parsed) throw this.#unavailable('an idempotency key holds a value this gateway cannot read');
    return parsed.kind === 'claim'
      ? { state: 'in-flight', inputHash: parsed.inputHash }
      : { state: 'completed', record: { inputHash: parsed.inputHash, outcome: parsed.outcome } };
  }

  async complete(key: string, claimId: string, outcome: IdempotencyOutcome): Promise<void> {
    await this.#command(() => this.#redis.idempotencySettle(redisKey(key), `c:${claimId}:`, JSON.stringify(outcome), this.ttlMs));
  }

  async release(key: string, claimId: string): Promise<void> {
    await this.#command(() => this.#redis.idempotencySettle(redisKey(key), `c:${claimId}:`, '', this.ttlMs));
  }

  /**
   * Polls until the key holds no claim, or `timeoutMs`. A Redis failure ends the wait at once: the
   * caller's next claim then meets it and answers SERVICE_UNAVAILABLE.
   */
  async settled(key: string, timeoutMs: number, signal?: AbortSignal): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    let pollMs = SETTLED_POLL_MS;
    for (;;) {
      if (signal?.aborted) return;
      let held: string | null;
      try {
        held = await this.#redis.get(redisKey(key));
      } catch {
        this.#metrics?.recordRedisFailure('idempotency');
        return;
      }
      if (held === null || !held.startsWith('c:')) return;
      const left = deadline - Date.now();
      if (left <= 0) return;
      await new Promise<void>((resolve) => {
        const wake = () => {
          clearTimeout(timer);
          signal?.removeEventListener('abort', wake);
          resolve();
        };
        const timer = setTimeout(wake, Math.min(pollMs, left));
        signal?.addEventListener('abort', wake, { once: true });
      });
      pollMs = Math.min(pollMs * 2, SETTLED_POLL_MAX_MS);
    }
  }

  async #command<T>(run: () => Promise<T>): Promise<T> {
    try {
      return await run();
    } catch (error) {
      this.#metrics?.recordRedisFailure('idempotency');
      throw this.#unavailable(redisErrorText(error, undefined));
    }
  }

  #unavailable(why: string): IdempotencyStoreUnavailableError {
    return new IdempotencyStoreUnavailableError(`The idempotency store (Redis) failed: ${why}`);
  }
}

const redisKey = (key: string) => `idempotency:${key}`;

type StoredValue = { kind: 'claim'; inputHash: string } | { kind: 'record'; inputHash: string; outcome: IdempotencyOutcome };

/** A claim `c:<claimId>:<inputHash>` or a record `r:<inputHash>:<outcome JSON>` (hashes and ids hold no colon). */
function parseValue(value: string): StoredValue | undefined {
  if (value.startsWith('c:')) {
    const inputHash = value.slice(value.indexOf(':', 2) + 1);
    return value.indexOf(':', 2) > 0 ? { kind: 'claim', inputHash } : undefined;
  }
  if (!value.startsWith('r:')) return undefined;
  const colon = value.indexOf(':', 2);
  if (colon < 0) return undefined;
  try {
    const outcome = JSON.parse(value.slice(colon + 1)) as IdempotencyOutcome;
    return { kind: 'record', inputHash: value.slice(2, colon), outcome };
  } catch {
    return undefined;
  }
}
