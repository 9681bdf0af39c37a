/**
 * What one GraphQL operation may still send to Zoho, shared by every upstream call of that
 * operation (one per request, built in context.ts):
 *
 * - at most `maxCalls` distinct calls (method and path: a retry is the same call, and so is a
 *   second read of one id), whatever asks for them: aliases, list ids, `_entities`, nested loads;
 * - nothing more once Zoho has rejected the caller's token (401): every further call would be a
 *   401 too, and each one spends the account's rate limit;
 * - nothing more once the client has gone (its connection closed).
 *
 * A call refused here is never sent: it fails with an UpstreamError the resolvers report at
 * their own field, so the rest of the operation is still answered.
 */
import type { ZohoEndpoint } from './endpoints';
import { UpstreamError } from './upstream-failure';

export class OperationGuard {
  readonly #maxCalls: number;
  readonly #signal: AbortSignal | undefined;
  readonly #calls = new Set<string>();
  #tokenRejected = false;

  constructor(options: { maxCalls: number; signal?: AbortSignal }) {
    this.#maxCalls = options.maxCalls;
    this.#signal = options.signal;
  }

  /** Aborted when the client disconnects: what waits for a turn stops waiting. */
  get signal(): AbortSignal | undefined {
    return this.#signal;
  }

  /** How many distinct calls the operation has made so far. */
  get distinctCalls(): number {
    return this.#calls.size;
  }

  /** Throws when the call must not go out; otherwise counts it (once per method and path). */
  admit(endpoint: ZohoEndpoint, method: string, path: string): void {
    this.assertStillWanted(endpoint);
    const key = `${method} ${path}`;
    if (this.#calls.has(key)) return;
    if (this.#calls.size >= this.#maxCalls) {
      throw new UpstreamError({ kind: 'operation-limit', limit: this.#maxCalls }, endpoint);
    }
    this.#calls.add(key);
  }

  /**
   * Throws when a call admitted earlier must no longer go out: the client has gone, or Zoho has
   * since rejected the token. Checked again just before sending, since a call may have waited
   * for its caller's turn meanwhile.
   */
  assertStillWanted(endpoint: ZohoEndpoint): void {
    if (this.#signal?.aborted) throw new UpstreamError({ kind: 'cancelled' }, endpoint);
    if (this.#tokenRejected) throw new UpstreamError({ kind: 'token-rejected' }, endpoint);
  }

  /** Zoho answered 401: the caller's token is no good for the rest of this operation. */
  rejectToken(): void {
    this.#tokenRejected = true;
  }
}
