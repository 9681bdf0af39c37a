/**
 * Where idempotency records live, as an interface: memory-store.ts keeps them in one process; a
 * Redis store (shared by every replica) implements the same four calls:
 *
 * - `claim`: `SET <key> <claim> NX PX <leaseMs>`, and on failure `GET <key>` (or both in one Lua
 *   script), so that of two replicas racing on one key exactly one gets `claimed`;
 * - `complete` / `release`: a compare-and-set script that acts only while the value is still the
 *   caller's own claim (its `claimId`), so a claim that lapsed and was taken over is never
 *   overwritten by its first, late holder;
 * - `settled`: polling `GET` (or a keyspace notification) until the key is no longer a claim.
 *
 * A store keeps, per key, the fingerprint of the input and the outcome's kind with the resource
 * id: never a payload, a token, a card or an account number (the key itself is a hash,
 * idempotency.ts).
 */

/** How long a completed record is kept (docs/api.md: "within 24 hours" of the first call). */
export const IDEMPOTENCY_TTL_MS = 24 * 60 * 60 * 1000;

/** A user error as a record keeps it: its code and input path, never its message (which may quote Zoho). */
export interface RecordedUserError {
  field: string[] | null;
  code: string;
}

/** What the first call came to: as much as a replay needs, and no more. */
export type IdempotencyOutcome =
  /** The write was made: the id of the session created, or of the payment method updated or deleted. */
  | { kind: 'created' | 'updated' | 'deleted'; resourceId: string }
  /** The first call answered with these user errors (Zoho, or the gateway after its first read, refused it). */
  | { kind: 'user-errors'; userErrors: RecordedUserError[] };

/** A completed record. */
export interface IdempotencyRecord {
  /** The fingerprint of the mutation and its normalised input (idempotency.ts, inputFingerprint). */
  inputHash: string;
  outcome: IdempotencyOutcome;
}

/** What `claim` found. */
export type ClaimResult =
  /** No live record or claim held the key: it is now the caller's, until it completes or releases it, or the lease lapses. */
  | { state: 'claimed'; claimId: string }
  /** The key has a completed record (at most a TTL old). */
  | { state: 'completed'; record: IdempotencyRecord }
  /** Another call holds the key right now, for this input fingerprint. */
  | { state: 'in-flight'; inputHash: string };

export interface IdempotencyStore {
  /**
   * Atomically: claims `key` for a call with input fingerprint `inputHash` when no live record or
   * claim holds it; otherwise says what holds it. A claim lapses `leaseMs` after it was made
   * unless it is completed or released first. Rejects with IdempotencyStoreFullError when the key
   * is new and the store has no room for it (a key it already holds is still answered).
   */
  claim(key: string, inputHash: string, leaseMs: number): Promise<ClaimResult>;
  /** Turns the caller's claim into a record of `outcome`, kept for the store's TTL; a no-op when the claim is no longer the caller's. */
  complete(key: string, claimId: string, outcome: IdempotencyOutcome): Promise<void>;
  /** Frees the key, when the claim is still the caller's: the first call failed, and a retry may try again. */
  release(key: string, claimId: string): Promise<void>;
  /**
   * Resolves once the claim on `key` is completed, released or lapsed, or after `timeoutMs`, or
   * when `signal` aborts (the waiting call's client left), whichever comes first.
   */
  settled(key: string, timeoutMs: number, signal?: AbortSignal): Promise<void>;
}

/** The store cannot serve (a Redis store: unreachable, or refusing writes): a call with a key is refused, Zoho not called. */
export class IdempotencyStoreUnavailableError extends Error {
  override name = 'IdempotencyStoreUnavailableError';
}

/** The store holds as many live keys as it may: a new key is refused (live records are never evicted). */
export class IdempotencyStoreFullError extends IdempotencyStoreUnavailableError {
  override name = 'IdempotencyStoreFullError';
  constructor(readonly maxKeys: number) {
    super(`The idempotency store holds its maximum of ${maxKeys} live keys.`);
  }
}
