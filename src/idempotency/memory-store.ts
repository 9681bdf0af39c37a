/**
 * The idempotency store of one gateway process: two maps, bounded, with the TTL read from an
 * injectable clock. Records are forgotten when the process stops, and are not shared with other
 * replicas (issue 18's Redis store is).
 *
 * Full: when `maxKeys` live records and claims are held, a claim of a new key is refused with
 * IdempotencyStoreFullError (the mutation fails with SERVICE_UNAVAILABLE and Zoho is not called)
 * rather than evicting a live record, which would let a retry within its 24 hours write twice.
 * Keys already held are still answered, and room comes back as records reach their TTL.
 */
import { randomUUID } from 'node:crypto';
import {
  IDEMPOTENCY_TTL_MS,
  IdempotencyStoreFullError,
  type ClaimResult,
  type IdempotencyOutcome,
  type IdempotencyRecord,
  type IdempotencyStore,
} from './store';

/**
 * The default bound on live keys. A record is about 250 bytes (a 43-character key hash, a
 * 43-character input hash, an id, a kind), so the bound is about 25 MB; at 24 hours each, it
 * holds a sustained 1.15 keyed mutations a second. More needs the Redis store, or `maxKeys`.
 */
export const IDEMPOTENCY_MAX_KEYS = 100_000;

export interface MemoryIdempotencyStoreOptions {
  /** Live records and claims the store holds at most (default IDEMPOTENCY_MAX_KEYS). */
  maxKeys?: number;
  /** How long a completed record is kept, from its completion (default 24 h). */
  ttlMs?: number;
  /** The clock of TTLs and leases, in ms (default Date.now; a settable one in tests). */
  now?: () => number;
}

interface Claim {
  claimId: string;
  inputHash: string;
  lapsesAt: number;
}

interface StoredRecord extends IdempotencyRecord {
  expiresAt: number;
}

export class MemoryIdempotencyStore implements IdempotencyStore {
  readonly maxKeys: number;
  readonly ttlMs: number;
  readonly #now: () => number;
  /** In completion order, so expiry sweeps from the front (every record has the same TTL). */
  readonly #records = new Map<string, StoredRecord>();
  /** Calls in flight: few, whatever the number of records. */
  readonly #claims = new Map<string, Claim>();
  readonly #waiters = new Map<string, Set<() => void>>();

  constructor(options: MemoryIdempotencyStoreOptions = {}) {
    this.maxKeys = options.maxKeys ?? IDEMPOTENCY_MAX_KEYS;
    this.ttlMs = options.ttlMs ?? IDEMPOTENCY_TTL_MS;
    this.#now = options.now ?? Date.now;
  }

  /** Live records and claims held now. */
  get size(): number {
    this.#sweep();
    return this.#records.size + this.#claims.size;
  }

  async claim(key: string, inputHash: string, leaseMs: number): Promise<ClaimResult> {
    const now = this.#now();
    this.#sweepRecords(now);
    const record = this.#records.get(key);
    if (record && record.expiresAt > now) return { state: 'completed', record: { inputHash: record.inputHash, outcome: record.outcome } };
    if (record) this.#records.delete(key);
    const held = this.#claims.get(key);
    if (held && held.lapsesAt > now) return { state: 'in-flight', inputHash: held.inputHash };
    if (held) this.#claims.delete(key);
    if (this.#records.size + this.#claims.size >= this.maxKeys) {
      this.#sweepClaims(now);
      if (this.#records.size + this.#claims.size >= this.maxKeys) throw new IdempotencyStoreFullError(this.maxKeys);
    }
    const claimId = randomUUID();
    this.#claims.set(key, { claimId, inputHash, lapsesAt: now + leaseMs });
    return { state: 'claimed', claimId };
  }

  async complete(key: string, claimId: string, outcome: IdempotencyOutcome): Promise<void> {
    const held = this.#claims.get(key);
    if (!held || held.claimId !== claimId) return;
    this.#claims.delete(key);
    this.#records.set(key, { inputHash: held.inputHash, outcome, expiresAt: this.#now() + this.ttlMs });
    this.#wake(key);
  }

  async release(key: string, claimId: string): Promise<void> {
    const held = this.#claims.get(key);
    if (!held || held.claimId !== claimId) return;
    this.#claims.delete(key);
    this.#wake(key);
  }

  settled(key: string, timeoutMs: number, signal?: AbortSignal): Promise<void> {
    const held = this.#claims.get(key);
    const now = this.#now();
    if (!held || held.lapsesAt <= now || signal?.aborted) return Promise.resolve();
    return new Promise<void>((resolve) => {
      const waiters = this.#waiters.get(key) ?? new Set<() => void>();
      this.#waiters.set(key, waiters);
      const done = () => {
        clearTimeout(timer);
        signal?.removeEventListener('abort', done);
        waiters.delete(done);
        if (waiters.size === 0 && this.#waiters.get(key) === waiters) this.#waiters.delete(key);
        resolve();
      };
      // Wakes at the lease's end too: a lapsed claim fires no event.
      const timer = setTimeout(done, Math.max(0, Math.min(timeoutMs, held.lapsesAt - now)));
      waiters.add(done);
      signal?.addEventListener('abort', done, { once: true });
    });
  }

  #wake(key: string): void {
    for (const done of [...(this.#waiters.get(key) ?? [])]) done();
  }

  #sweep(): void {
    const now = this.#now();
    this.#sweepRecords(now);
    this.#sweepClaims(now);
  }

  /** Drops expired records from the front: amortised O(1) per claim. */
  #sweepRecords(now: number): void {
    for (const [key, record] of this.#records) {
      if (record.expiresAt > now) break;
      this.#records.delete(key);
    }
  }

  /** Drops lapsed claims (a call that never completed): only when the store is full, and there are few. */
  #sweepClaims(now: number): void {
    for (const [key, held] of this.#claims) {
      if (held.lapsesAt <= now) {
        this.#claims.delete(key);
        this.#wake(key);
      }
    }
  }
}
