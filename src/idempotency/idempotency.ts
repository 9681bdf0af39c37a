/**
 * Idempotent mutations (README.md, "Idempotent mutations").
 *
 * A mutation with an `idempotencyKey` claims the key in the gateway's store (store.ts) before it
 * sends Zoho anything, then records what came of it:
 * - the key is scoped to the caller's account: the store's key is a hash of account and key;
 * - "the same input" is the same fingerprint: SHA-256 of canonical JSON (keys sorted, null and
 *   absent alike left out) of the mutation's name and its validated, normalised input without the
 *   key. A key first used by another mutation is a conflict like any other input;
 * - a replay of a success re-reads the resource with the replaying request's own datasource
 *   (its token), so a token Zoho refuses gets Zoho's answer; a replay of `userErrors` gives the
 *   same codes and fields;
 * - a failure (anything thrown: 5xx, timeout, open circuit, 401...) releases the key;
 * - a call that finds the key held by a call with the same input waits for it, at most the lease
 *   (the longest the first call can take); a claim still not completed by then has lapsed (its
 *   holder died) and the waiter takes the key over.
 */
import { createHash } from 'node:crypto';
import { cancelled, idempotentCallStillRunning, serviceUnavailable } from '../errors';
import type { Validated } from '../errors/validation';
import type { UserError, UserErrorCode } from '../generated/graphql';
import type { Logger } from '../observability/logger';
import {
  IdempotencyStoreFullError,
  IdempotencyStoreUnavailableError,
  type IdempotencyOutcome,
  type IdempotencyStore,
  type RecordedUserError,
} from './store';

/** Tries at recording a completed write's outcome, and the wait before the next (times the attempt). */
const RECORD_ATTEMPTS = 3;
const RECORD_RETRY_DELAY_MS = 50;

/** The mutations that take an `idempotencyKey`, and the outcome kind of each one's success. */
const SUCCESS_KIND = {
  createPaymentMethodSession: 'created',
  updatePaymentMethod: 'updated',
  deletePaymentMethod: 'deleted',
} as const;
export type IdempotentMutationName = keyof typeof SUCCESS_KIND;

/** 1 to 255 printable ASCII characters (space to tilde), compared exactly: no trimming, case-sensitive. */
const IDEMPOTENCY_KEY = /^[\x20-\x7e]{1,255}$/;
export const isIdempotencyKey = (value: unknown): value is string => typeof value === 'string' && IDEMPOTENCY_KEY.test(value);

/** Answers that replay a first call's outcome, for the audit (observability/audit.ts). */
const replays = new WeakSet<object>();
export const isReplay = (payload: object): boolean => replays.has(payload);
function markReplayed<P extends object>(payload: P): P {
  replays.add(payload);
  return payload;
}

/** A mutation input's validation, with its `idempotencyKey` checked too (all mistakes reported at once). */
export type ValidatedWithKey<T> = { ok: true; value: T; idempotencyKey: string | undefined } | { ok: false; userErrors: UserError[] };

export function withIdempotencyKey<T>(input: { idempotencyKey?: string | null }, valid: Validated<T>): ValidatedWithKey<T> {
  const key = input.idempotencyKey ?? undefined;
  const keyErrors: UserError[] =
    key === undefined || isIdempotencyKey(key)
      ? []
      : [
          {
            field: ['input', 'idempotencyKey'],
            code: 'INVALID',
            message: 'The idempotencyKey must be 1 to 255 printable ASCII characters (e.g. a UUID).',
          },
        ];
  if (!valid.ok) return { ok: false, userErrors: [...valid.userErrors, ...keyErrors] };
  if (keyErrors.length > 0) return { ok: false, userErrors: keyErrors };
  return { ok: true, value: valid.value, idempotencyKey: key };
}

/** JSON with object keys sorted and null or undefined members left out, so that equal inputs give equal text. */
export function canonicalJson(value: unknown): string {
  if (value === null || value === undefined) return 'null';
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(',')}]`;
  if (typeof value === 'object') {
    const members = Object.keys(value)
      .filter((key) => (value as Record<string, unknown>)[key] !== undefined && (value as Record<string, unknown>)[key] !== null)
      .sort()
      .map((key) => `${JSON.stringify(key)}:${canonicalJson((value as Record<string, unknown>)[key])}`);
    return `{${members.join(',')}}`;
  }
  return JSON.stringify(value);
}

const sha256 = (text: string) => createHash('sha256').update(text).digest('base64url');

/** "The same input": the mutation's name and its validated, normalised input (without the key). */
export const inputFingerprint = (mutation: IdempotentMutationName, input: unknown): string =>
  sha256(canonicalJson({ mutation, input }));

/** The store's key for a caller's key: scoped to the account, and never the client's text itself. */
export const scopedKey = (accountId: string, idempotencyKey: string): string => sha256(`${accountId}\n${idempotencyKey}`);

/**
 * How long a claim is held at most: the longest one mutation can take. An update makes two calls
 * in a row (GET, then PUT), each of which may wait ZOHO_TIMEOUT_MS for its caller's turn and then
 * run for ZOHO_TIMEOUT_MS; one second more for the rest.
 */
export const idempotencyLeaseMs = (zohoTimeoutMs: number): number => 4 * zohoTimeoutMs + 1000;

/** What runs a mutation with a key needs to know of that mutation. */
export interface IdempotentMutation<P extends { userErrors: UserError[] }> {
  mutation: IdempotentMutationName;
  /** The input, validated, with its key. */
  valid: { value: unknown; idempotencyKey: string | undefined };
  /** The first call: reads and writes at Zoho, and answers. May throw (then nothing is stored). */
  perform: () => Promise<P>;
  /** The id a successful answer is about (the session created, the method updated or deleted). */
  resourceIdOf: (payload: P) => string | undefined;
  /** A replay of a success: the resource read back with this request's own token. */
  replay: (resourceId: string) => Promise<P>;
  /** An answer made of user errors (a replay's, or a conflict). */
  withUserErrors: (userErrors: UserError[]) => P;
}

/** One request's view of idempotency: the gateway's store, scoped to this caller's account. */
export class RequestIdempotency {
  readonly #store: IdempotencyStore | undefined;
  readonly #accountId: string;
  readonly #leaseMs: number;
  readonly #logger: Logger;
  /** Aborted when the client disconnects: a call waiting for another call's key stops waiting. */
  readonly #signal: AbortSignal | undefined;

  constructor(options: { store: IdempotencyStore | undefined; accountId: string; leaseMs: number; logger: Logger; signal?: AbortSignal }) {
    this.#store = options.store;
    this.#accountId = options.accountId;
    this.#leaseMs = options.leaseMs;
    this.#logger = options.logger;
    this.#signal = options.signal;
  }

  /** Runs a mutation: at once without a key; with one, at most once per key and input. */
  async run<P extends { userErrors: UserError[] }>(m: IdempotentMutation<P>): Promise<P> {
    const { idempotencyKey } = m.valid;
    if (idempotencyKey === undefined) return m.perform();
    const store = this.#store;
    if (!store) throw serviceUnavailable('This gateway keeps no idempotency records, so a mutation with an idempotencyKey is refused. Retry without the key, or ask its operator.');
    const key = scopedKey(this.#accountId, idempotencyKey);
    const inputHash = inputFingerprint(m.mutation, m.valid.value);
    const started = Date.now();
    for (;;) {
      const found = await this.#claim(store, key, inputHash);
      if (found.state === 'claimed') return this.#first(store, m, key, found.claimId);
      const heldFor = found.state === 'completed' ? found.record.inputHash : found.inputHash;
      if (heldFor !== inputHash) return m.withUserErrors([conflict(found.state === 'in-flight')]);
      if (found.state === 'completed') return markReplayed(await this.#replay(m, found.record.outcome));
      const waited = Date.now() - started;
      if (waited >= this.#leaseMs) throw idempotentCallStillRunning(waited);
      await this.#settledOrGone(store, key, this.#leaseMs - waited);
    }
  }

  /**
   * Waits for the call holding `key`, unless this call's client leaves first: then nothing of it
   * is sent (as for a call waiting for its turn), and the store stops polling for it.
   */
  async #settledOrGone(store: IdempotencyStore, key: string, timeoutMs: number): Promise<void> {
    if (this.#signal?.aborted) throw cancelled();
    await store.settled(key, timeoutMs, this.#signal);
    if (this.#signal?.aborted) throw cancelled();
  }

  async #claim(store: IdempotencyStore, key: string, inputHash: string) {
    try {
      return await store.claim(key, inputHash, this.#leaseMs);
    } catch (error) {
      if (error instanceof IdempotencyStoreFullError) {
        this.#logger.warn({ maxKeys: error.maxKeys }, 'idempotency store full: mutations with a new idempotencyKey are refused until records expire');
        throw serviceUnavailable(
          'The gateway cannot take a new idempotencyKey right now (its idempotency store is full); nothing was sent to Zoho Payments. Retry later, or without a key.',
        );
      }
      // Unavailable (Redis down or slow) is an outage the Redis client already logs once, and
      // metrics count: one warning line per refused mutation, no stack. Anything else is a bug.
      if (error instanceof IdempotencyStoreUnavailableError) {
        this.#logger.warn({ idempotencyStore: 'unavailable', reason: error.message }, 'idempotency store unavailable: a mutation with an idempotencyKey was refused, nothing sent to Zoho');
      } else this.#logger.error({ err: error }, 'idempotency store failed');
      throw serviceUnavailable("The gateway's idempotency store is unavailable; nothing was sent to Zoho Payments. Retry later, or without a key.");
    }
  }

  async #first<P extends { userErrors: UserError[] }>(store: IdempotencyStore, m: IdempotentMutation<P>, key: string, claimId: string): Promise<P> {
    let payload: P;
    try {
      payload = await m.perform();
    } catch (error) {
      await store.release(key, claimId).catch((failure: unknown) => this.#logger.error({ err: failure }, 'idempotency store: release failed'));
      throw error;
    }
    const resourceId = payload.userErrors.length > 0 ? undefined : m.resourceIdOf(payload);
    const outcome: IdempotencyOutcome | undefined =
      payload.userErrors.length > 0
        ? { kind: 'user-errors', userErrors: payload.userErrors.map(({ field, code }) => ({ field: field ?? null, code })) }
        : resourceId !== undefined
          ? { kind: SUCCESS_KIND[m.mutation], resourceId }
          : undefined;
    if (!outcome) {
      await store.release(key, claimId).catch((failure: unknown) => this.#logger.error({ err: failure }, 'idempotency store: release failed'));
      return payload;
    }
    // Zoho has written: a record lost here lets a retry after the lease write again, so a store
    // blip (Redis slower than its timeout once) is retried before the caller gets its answer.
    for (let attempt = 1; ; attempt++) {
      try {
        await store.complete(key, claimId, outcome);
        return payload;
      } catch (failure) {
        if (attempt >= RECORD_ATTEMPTS) {
          this.#logger.error(
            { err: failure, idempotencyKeyHash: key, outcome: outcome.kind },
            'idempotency store: recording the outcome failed; a retry with this key after its lease may write again',
          );
          return payload;
        }
        await new Promise((resolve) => setTimeout(resolve, RECORD_RETRY_DELAY_MS * attempt));
      }
    }
  }

  async #replay<P extends { userErrors: UserError[] }>(m: IdempotentMutation<P>, outcome: IdempotencyOutcome): Promise<P> {
    if (outcome.kind === 'user-errors') return m.withUserErrors(outcome.userErrors.map(replayedUserError));
    return m.replay(outcome.resourceId);
  }
}

const conflict = (inFlight: boolean): UserError => ({
  field: ['input', 'idempotencyKey'],
  code: 'IDEMPOTENCY_CONFLICT',
  message: inFlight
    ? 'This idempotencyKey is in use right now by a call with a different input. Use a new key for a new request.'
    : 'This idempotencyKey was already used in this Zoho Payments account within the last 24 hours with a different input (or by another mutation). Use a new key for a new request.',
});

/** What each replayed code says (a record keeps no message: the first one may quote Zoho). */
const REPLAYED: Record<Exclude<UserErrorCode, 'IDEMPOTENCY_CONFLICT'>, string> = {
  INVALID: 'a value was malformed or out of range for Zoho Payments',
  NOT_FOUND: 'the id names nothing in this Zoho Payments account',
  TYPE_MISMATCH: "the change did not fit the payment method's type",
  REQUIRED: 'a value that must be given was missing',
  UNKNOWN: 'Zoho Payments refused the input',
};

function replayedUserError(recorded: RecordedUserError): UserError {
  // A record written by a newer gateway (a shared store) may hold a code this one does not know.
  const code = (recorded.code in REPLAYED ? recorded.code : 'UNKNOWN') as keyof typeof REPLAYED;
  return {
    field: recorded.field,
    code,
    message: `The first call with this idempotencyKey was refused: ${REPLAYED[code]}. This is its answer, replayed; nothing was sent to Zoho Payments.`,
  };
}
