/**
 * The callers whose token Zoho has accepted for their account, by caller key (a hash of token and
 * account, credentials.ts): never a token. The rate budget (rate-budget.ts) reads it to choose
 * the account's budget or the unverified one.
 *
 * Bounded twice: an entry is forgotten an hour after its last acceptance (a Zoho OAuth access
 * token lives one hour: past that it must prove itself again), and the oldest entry goes once
 * `maxEntries` are kept. A forgotten caller only draws its next call from the unverified budget.
 */

/** How long an acceptance is remembered: a Zoho access token's lifetime. */
export const ACCEPTED_TOKEN_TTL_MS = 3_600_000;
/** Callers remembered at most (about 100 bytes each). */
export const MAX_ACCEPTED_TOKENS = 100_000;

export interface AcceptedTokensOptions {
  ttlMs?: number;
  maxEntries?: number;
  /** The clock, in ms (a test's own). */
  now?: () => number;
}

export class AcceptedTokens {
  /** Caller key -> when Zoho last accepted it; the Map's order is acceptance order, oldest first. */
  readonly #acceptedAt = new Map<string, number>();
  readonly #ttlMs: number;
  readonly #maxEntries: number;
  readonly #now: () => number;

  constructor(options: AcceptedTokensOptions = {}) {
    this.#ttlMs = options.ttlMs ?? ACCEPTED_TOKEN_TTL_MS;
    this.#maxEntries = options.maxEntries ?? MAX_ACCEPTED_TOKENS;
    this.#now = options.now ?? Date.now;
  }

  /** Whether Zoho accepted this caller's token within the last hour. */
  has(callerKey: string): boolean {
    const acceptedAt = this.#acceptedAt.get(callerKey);
    if (acceptedAt === undefined) return false;
    if (this.#now() - acceptedAt < this.#ttlMs) return true;
    this.#acceptedAt.delete(callerKey);
    return false;
  }

  /** Zoho accepted the token (again): remembered for another hour, as the newest entry. */
  accept(callerKey: string): void {
    this.#acceptedAt.delete(callerKey);
    this.#acceptedAt.set(callerKey, this.#now());
    if (this.#acceptedAt.size > this.#maxEntries) {
      const oldest = this.#acceptedAt.keys().next().value;
      if (oldest !== undefined) this.#acceptedAt.delete(oldest);
    }
  }

  /** Zoho rejected the token (401): its next call proves itself again. */
  forget(callerKey: string): void {
    this.#acceptedAt.delete(callerKey);
  }

  /** How many callers are remembered now. */
  get size(): number {
    return this.#acceptedAt.size;
  }
}
