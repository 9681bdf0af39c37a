/**
 * How the gateway calls Zoho when Zoho misbehaves, with cockatiel's policies, shared by every
 * request of one gateway (they hold timing and failure counts only, never request data):
 *
 * - **Timeout.** One budget per upstream call, ZOHO_TIMEOUT_MS, covering its retries and their
 *   waits; when it runs out the call is aborted and fails with UPSTREAM_TIMEOUT.
 * - **Retries, for reads only.** A GET that meets a 5xx or a broken connection is tried again
 *   after a jittered exponential backoff; a 429 whose `Retry-After` is short (at most
 *   `retryAfterMaxMs`, and within the budget) is tried again after exactly that wait, and a longer
 *   one is passed to the caller as RATE_LIMITED with `retryAfterSeconds`. POST, PUT and DELETE are never retried: a retried create could
 *   make two sessions.
 * - **Circuit breaker.** After `breakerThreshold` consecutive outages (5xx, no connection, time-out)
 *   every call fails fast with UPSTREAM_ERROR for `breakerHalfOpenAfterMs`; then one trial call
 *   decides whether it closes again. A caller's own 4xx or 429 never counts.
 */
import {
  BrokenCircuitError,
  CircuitState,
  ConsecutiveBreaker,
  DelegateBackoff,
  ExponentialBackoff,
  TaskCancelledError,
  TimeoutStrategy,
  circuitBreaker,
  handleWhen,
  retry,
  timeout,
  wrap,
  type IBackoff,
  type IRetryBackoffContext,
} from 'cockatiel';
import { GraphQLError } from 'graphql';
import { ErrorCode, upstreamError, upstreamTimeout } from '../errors';

export interface UpstreamPolicyOptions {
  /** The whole time one upstream call may take, retries included (ZOHO_TIMEOUT_MS). */
  timeoutMs: number;
  /** How many times a failed GET is tried again (0 turns retries off). */
  retries: number;
  /** The first retry's backoff ceiling, in ms; it doubles per retry, with full jitter. */
  retryBaseDelayMs: number;
  /** The longest backoff between two tries, in ms. */
  retryMaxDelayMs: number;
  /** The longest `Retry-After` a read waits out itself before trying again, in ms. */
  retryAfterMaxMs: number;
  /** Consecutive outages that open the circuit (0 turns the breaker off). */
  breakerThreshold: number;
  /** How long an open circuit fails fast before a trial call, in ms. */
  breakerHalfOpenAfterMs: number;
}

export const DEFAULT_UPSTREAM_POLICY: Omit<UpstreamPolicyOptions, 'timeoutMs'> = {
  retries: 2,
  retryBaseDelayMs: 100,
  retryMaxDelayMs: 1000,
  retryAfterMaxMs: 2000,
  breakerThreshold: 5,
  breakerHalfOpenAfterMs: 10_000,
};

/** The circuit's state as metrics and /readyz show it. */
export type CircuitStateName = 'closed' | 'open' | 'half-open';

/** Whether a call only reads (and so may be retried). */
export type CallKind = 'read' | 'write';

/** Zoho is down or unreachable: a 5xx, a broken connection or an aborted (timed-out) call. */
function isOutage(error: Error): boolean {
  if (error instanceof GraphQLError) {
    const status = error.extensions['upstreamStatus'];
    return error.extensions['code'] === ErrorCode.UPSTREAM_ERROR && (status === undefined || (typeof status === 'number' && status >= 500));
  }
  // Not a reply at all: a refused or reset connection, DNS, or the abort of a timed-out call.
  return !(error instanceof BrokenCircuitError) && !(error instanceof TaskCancelledError);
}

/** A 429's wait, in ms, when Zoho said how long. */
function retryAfterMs(error: unknown): number | undefined {
  if (!(error instanceof GraphQLError) || error.extensions['code'] !== ErrorCode.RATE_LIMITED) return undefined;
  const seconds = error.extensions['retryAfterSeconds'];
  return typeof seconds === 'number' ? seconds * 1000 : undefined;
}

export class UpstreamPolicy {
  readonly #options: UpstreamPolicyOptions;
  readonly #breaker;
  readonly #read;
  readonly #write;
  #listeners: Array<(state: CircuitStateName) => void> = [];

  constructor(options: UpstreamPolicyOptions) {
    this.#options = options;
    const { timeoutMs, retries, retryBaseDelayMs, retryMaxDelayMs, retryAfterMaxMs, breakerThreshold, breakerHalfOpenAfterMs } =
      options;

    this.#breaker = circuitBreaker(handleWhen(isOutage), {
      halfOpenAfter: breakerHalfOpenAfterMs,
      breaker: new ConsecutiveBreaker(breakerThreshold > 0 ? breakerThreshold : Number.POSITIVE_INFINITY),
    });
    this.#breaker.onStateChange((state) => {
      const name = stateName(state);
      this.#listeners.forEach((listener) => listener(name));
    });

    const exponential = new ExponentialBackoff({ initialDelay: retryBaseDelayMs, maxDelay: retryMaxDelayMs });
    const backoff = new DelegateBackoff<IRetryBackoffContext<unknown>, IBackoff<unknown>>((context, previous) => {
      const next = previous ? previous.next(context) : exponential.next();
      const error = 'error' in context.result ? context.result.error : undefined;
      return { delay: retryAfterMs(error) ?? next.duration, state: next };
    });
    const retryReads = retry(
      handleWhen((error) => {
        if (error instanceof BrokenCircuitError || error instanceof TaskCancelledError) return false;
        const wait = retryAfterMs(error);
        // A 429 is retried only when Zoho said when, soon, and within the budget.
        if (error instanceof GraphQLError && error.extensions['code'] === ErrorCode.RATE_LIMITED) {
          return wait !== undefined && wait <= retryAfterMaxMs && wait < timeoutMs;
        }
        return isOutage(error);
      }),
      { maxAttempts: retries, backoff },
    );
    // No abort once the call has returned: its reply is read by then, and an abort would only
    // build a DOMException (with its stack) per call: a third of the policy's cost (bench/README.md).
    const budget = timeout(timeoutMs, { strategy: TimeoutStrategy.Aggressive, abortOnReturn: false });
    this.#read = wrap(budget, retryReads, this.#breaker);
    this.#write = wrap(budget, this.#breaker);
  }

  /** The circuit's state now. */
  get circuitState(): CircuitStateName {
    return stateName(this.#breaker.state);
  }

  /** Calls `listener` whenever the circuit changes state. */
  onCircuitStateChange(listener: (state: CircuitStateName) => void): void {
    this.#listeners.push(listener);
  }

  /**
   * Runs one upstream call under the policy. `attempt` gets the signal that aborts it when the
   * budget runs out; it may run several times for a read. Failures come out as the contract's
   * errors: UPSTREAM_TIMEOUT when the budget ran out, UPSTREAM_ERROR while the circuit is open.
   */
  async execute<T>(kind: CallKind, attempt: (signal: AbortSignal) => Promise<T>): Promise<T> {
    const policy = kind === 'read' ? this.#read : this.#write;
    try {
      return await policy.execute(({ signal }) => {
        // cockatiel may start one more try after the budget ran out during a backoff: it never goes out.
        if (signal.aborted) throw new TaskCancelledError();
        return attempt(signal);
      });
    } catch (error) {
      if (error instanceof TaskCancelledError) throw upstreamTimeout(this.#options.timeoutMs);
      if (error instanceof BrokenCircuitError) {
        throw upstreamError(
          `Zoho Payments is failing, so the gateway is not calling it for up to ${Math.ceil(this.#options.breakerHalfOpenAfterMs / 1000)} s (circuit open). Try again later.`,
        );
      }
      throw error;
    }
  }
}

function stateName(state: CircuitState): CircuitStateName {
  if (state === CircuitState.Closed) return 'closed';
  if (state === CircuitState.HalfOpen) return 'half-open';
  return 'open';
}
