/**
 * How the gateway calls Zoho, shared by every request of one gateway. It holds timing, counts
 * and failure state keyed by caller (a hash of token and account), never request data.
 *
 * In the order a call meets them:
 *
 * - **Gateway-wide circuit.** Open while at least `breakerMinCallers` distinct callers' own
 *   circuits have opened within the last `breakerHalfOpenAfterMs`: Zoho is failing for many
 *   callers, so every caller fails fast. One caller, or one resource, can never open it alone.
 * - **Per-caller bulkhead.** At most `maxConcurrencyPerCaller` calls of one caller in flight;
 *   more wait their turn, first come first served. A call that waits longer than `timeoutMs`
 *   fails as RATE_LIMITED; a call whose client disconnected stops waiting. Waiting is the
 *   gateway's, not Zoho's: it never counts toward a circuit, and the time budget starts after it.
 * - **Time budget.** `timeoutMs` per call from its turn on, retries and their waits included.
 * - **Rate budget** (rate-budget.ts), before each attempt that would be sent, retries included:
 *   one point of the account's budget, or of the unverified one. Over budget, the call fails as
 *   RATE_LIMITED and is not sent; that is the gateway's own limit, not an outage, so no circuit
 *   sees it (it is drawn before the caller's circuit, whose half-open trial would otherwise take
 *   the refusal for a success). A caller whose circuit is open draws nothing until its trial is
 *   due; a call the circuit refuses after drawing (a race) gives its point back.
 * - **Retries, for reads only.** A GET that meets an outage (5xx, broken connection) is tried
 *   again after a jittered exponential backoff; a 429 whose `Retry-After` is short (at most
 *   `retryAfterMaxMs`, and within the budget) after exactly that wait. Writes are never retried:
 *   a retried create could make two sessions.
 * - **Per-caller circuit.** After `breakerThreshold` consecutive outages of one caller, that
 *   caller's calls fail fast for `breakerHalfOpenAfterMs`; then one trial call decides. Only
 *   outages count: a caller's own 4xx, 429, a redirect or an oversized reply never do.
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
  type CircuitBreakerPolicy,
  type IBackoff,
  type IPolicy,
  type IRetryBackoffContext,
} from 'cockatiel';
import type { ZohoEndpoint } from './endpoints';
import type { RateBudget } from './rate-budget';
import { UpstreamError, isOutage, type UpstreamFailure } from './upstream-failure';

export interface UpstreamPolicyOptions {
  /** The whole time one upstream call may take from its turn on, retries included (ZOHO_TIMEOUT_MS). */
  timeoutMs: number;
  /** How many times a failed GET is tried again (0 turns retries off). */
  retries: number;
  /** The first retry's backoff ceiling, in ms; it doubles per retry, with full jitter. */
  retryBaseDelayMs: number;
  /** The longest backoff between two tries, in ms. */
  retryMaxDelayMs: number;
  /** The longest `Retry-After` a read waits out itself before trying again, in ms. */
  retryAfterMaxMs: number;
  /** Consecutive outages of one caller that open that caller's circuit (0 turns the breakers off). */
  breakerThreshold: number;
  /** How long an open circuit fails fast before a trial call, in ms. */
  breakerHalfOpenAfterMs: number;
  /** Callers whose circuits opened within `breakerHalfOpenAfterMs` that open the gateway-wide circuit. */
  breakerMinCallers: number;
  /** Calls one caller may have in flight; more wait their turn (ZOHO_MAX_CONCURRENCY_PER_CALLER). */
  maxConcurrencyPerCaller: number;
}

export const DEFAULT_UPSTREAM_POLICY: Omit<UpstreamPolicyOptions, 'timeoutMs'> = {
  retries: 2,
  retryBaseDelayMs: 100,
  retryMaxDelayMs: 1000,
  retryAfterMaxMs: 2000,
  breakerThreshold: 5,
  breakerHalfOpenAfterMs: 10_000,
  breakerMinCallers: 3,
  maxConcurrencyPerCaller: 16,
};

/** The gateway-wide circuit's state as metrics and /readyz show it. */
export type CircuitStateName = 'closed' | 'open' | 'half-open';

/** Whether a call only reads (and so may be retried). */
export type CallKind = 'read' | 'write';

/** One upstream call as the policy sees it. */
export interface PolicyCall {
  /** Who the call is for: a hash of its token and account (credentials.ts), never the token. */
  callerKey: string;
  /** The account the call is for: its rate budget, once Zoho has accepted the caller's token. */
  accountId: string;
  endpoint: ZohoEndpoint;
  kind: CallKind;
  /** Aborted when the client has gone: a call still waiting for its turn stops waiting. */
  signal?: AbortSignal;
}

/**
 * Callers idle (nothing in flight or waiting) for longer than this, and longer than the half-open
 * wait, are forgotten, circuit and all: every new token is a new caller, so the map must not
 * grow with them. What is lost is a closed circuit's count of recent outages.
 */
const IDLE_CALLER_MS = 60_000;
/** Idle callers are swept once this many are kept, and again each time the count doubles. */
const FIRST_CALLER_SWEEP_AT = 10_000;

interface Waiter {
  grant: () => void;
  refuse: (failure: UpstreamFailure) => void;
}

/** Everything the policy keeps about one caller. */
class CallerState {
  active = 0;
  readonly waiting: Waiter[] = [];
  lastUsed = Date.now();
  /** Run inside `read` or `write`, around each attempt (after its draw on the rate budget). */
  readonly circuit: CircuitBreakerPolicy;
  readonly read: IPolicy;
  readonly write: IPolicy;

  constructor(circuit: CircuitBreakerPolicy, budget: IPolicy, retryReads: IPolicy) {
    this.circuit = circuit;
    this.read = wrap(budget, retryReads);
    this.write = budget;
  }

  get idle(): boolean {
    return this.active === 0 && this.waiting.length === 0;
  }
}

/** The error a failure came as, when it is one of ours. */
const failureOf = (error: unknown): UpstreamFailure | undefined =>
  error instanceof UpstreamError ? error.failure : undefined;

/** A 429's wait, in ms, when Zoho said how long. */
function retryAfterMs(error: unknown): number | undefined {
  const failure = failureOf(error);
  if (failure?.kind !== 'status' || failure.status !== 429 || failure.retryAfterSeconds === undefined) return undefined;
  return failure.retryAfterSeconds * 1000;
}

export class UpstreamPolicy {
  readonly #options: UpstreamPolicyOptions;
  readonly #callers = new Map<string, CallerState>();
  /** When each caller's circuit last opened, while it is open. */
  readonly #openCallers = new Map<string, number>();
  readonly #budget: IPolicy;
  readonly #retryReads: IPolicy;
  #nextSweepAt = FIRST_CALLER_SWEEP_AT;
  #gatewayState: CircuitStateName = 'closed';
  #listeners: Array<(state: CircuitStateName) => void> = [];
  #callerListeners: Array<(open: number) => void> = [];
  readonly #rateBudget: RateBudget | undefined;

  /** Without a rate budget (a datasource built alone), calls draw on none. */
  constructor(options: UpstreamPolicyOptions, rateBudget?: RateBudget) {
    this.#options = options;
    this.#rateBudget = rateBudget;
    const { timeoutMs, retries, retryBaseDelayMs, retryMaxDelayMs, retryAfterMaxMs } = options;

    const exponential = new ExponentialBackoff({ initialDelay: retryBaseDelayMs, maxDelay: retryMaxDelayMs });
    const backoff = new DelegateBackoff<IRetryBackoffContext<unknown>, IBackoff<unknown>>((context, previous) => {
      const next = previous ? previous.next(context) : exponential.next();
      const error = 'error' in context.result ? context.result.error : undefined;
      return { delay: retryAfterMs(error) ?? next.duration, state: next };
    });
    this.#retryReads = retry(
      handleWhen((error) => {
        const failure = failureOf(error);
        if (!failure) return false;
        // A 429 is retried only when Zoho said when, soon, and within the budget.
        if (failure.kind === 'status' && failure.status === 429) {
          const wait = retryAfterMs(error);
          return wait !== undefined && wait <= retryAfterMaxMs && wait < timeoutMs;
        }
        return isOutage(failure);
      }),
      { maxAttempts: retries, backoff },
    );
    // No abort once the call has returned: its reply is read by then, and an abort would only
    // build a DOMException (with its stack) per call: a third of the policy's cost (bench/README.md).
    this.#budget = timeout(timeoutMs, { strategy: TimeoutStrategy.Aggressive, abortOnReturn: false });
  }

  /** The gateway-wide circuit's state now ("half-open" is never shown: trials are per caller). */
  get circuitState(): CircuitStateName {
    this.#refreshGatewayState();
    return this.#gatewayState;
  }

  /** How many callers the policy keeps state for now (bounded: idle ones are swept). */
  get knownCallers(): number {
    return this.#callers.size;
  }

  /** How many callers' own circuits are open now. */
  get openCallerCircuits(): number {
    return this.#openCallers.size;
  }

  /** Calls `listener` with the number of open caller circuits whenever it changes. */
  onCallerCircuitsChange(listener: (open: number) => void): void {
    this.#callerListeners.push(listener);
  }

  /** Calls `listener` whenever the gateway-wide circuit changes state. */
  onCircuitStateChange(listener: (state: CircuitStateName) => void): void {
    this.#listeners.push(listener);
  }

  /**
   * Runs one upstream call under the policy. `attempt` gets the signal that aborts it when the
   * budget runs out; it may run several times for a read, and must throw UpstreamError for every
   * failure. Failures come out as UpstreamError: `timeout` when the budget ran out,
   * `circuit-open` while a circuit is open, `caller-busy` after too long a wait for a turn,
   * `rate-budget` when the rate budget is spent, `cancelled` when the client went away first.
   */
  async execute<T>(call: PolicyCall, attempt: (signal: AbortSignal) => Promise<T>): Promise<T> {
    const caller = this.#caller(call.callerKey);
    const refuse = (failure: UpstreamFailure) => new UpstreamError(failure, call.endpoint);
    if (caller.circuit.state === CircuitState.Closed && this.circuitState === 'open') {
      throw refuse({ kind: 'circuit-open', scope: 'gateway', halfOpenAfterMs: this.#options.breakerHalfOpenAfterMs });
    }
    await this.#takeTurn(caller, call, refuse);
    try {
      const policy = call.kind === 'read' ? caller.read : caller.write;
      return await policy.execute(({ signal }) => {
        // cockatiel may start one more try after the budget ran out during a backoff: it never goes out.
        if (signal.aborted) throw new TaskCancelledError();
        if (!this.#rateBudget) return caller.circuit.execute(() => attempt(signal), signal);
        return this.#attemptWithinRateBudget(this.#rateBudget, caller, call, signal, attempt, refuse);
      });
    } catch (error) {
      if (error instanceof TaskCancelledError) throw refuse({ kind: 'timeout', timeoutMs: this.#options.timeoutMs });
      if (error instanceof BrokenCircuitError) {
        throw refuse({ kind: 'circuit-open', scope: 'caller', halfOpenAfterMs: this.#options.breakerHalfOpenAfterMs });
      }
      throw error;
    } finally {
      this.#release(caller);
    }
  }

  /**
   * One attempt, once it has drawn its point: refused when the budget is spent, the point given
   * back when the caller's circuit refuses it. What Zoho answers tells the budget whether it
   * accepted the token.
   */
  async #attemptWithinRateBudget<T>(
    rateBudget: RateBudget,
    caller: CallerState,
    call: PolicyCall,
    signal: AbortSignal,
    attempt: (signal: AbortSignal) => Promise<T>,
    refuse: (failure: UpstreamFailure) => UpstreamError,
  ): Promise<T> {
    // An open circuit that is not due for its trial refuses without drawing: no Redis round trip
    // (a draw and a give-back) before failing fast.
    const openedAt = this.#openCallers.get(call.callerKey);
    if (caller.circuit.state === CircuitState.Open && openedAt !== undefined && Date.now() - openedAt < this.#options.breakerHalfOpenAfterMs) {
      throw new BrokenCircuitError();
    }
    const draw = await rateBudget.draw(call);
    if (!draw.admitted) throw refuse({ kind: 'rate-budget', budget: draw.budget, retryAfterSeconds: draw.retryAfterSeconds });
    if (signal.aborted) {
      // The time budget ran out while Redis answered: nothing is sent.
      rateBudget.giveBack(draw);
      throw new TaskCancelledError();
    }
    let sent = false;
    try {
      const result = await caller.circuit.execute(() => {
        sent = true;
        return attempt(signal);
      }, signal);
      rateBudget.tokenAccepted(call.callerKey);
      return result;
    } catch (error) {
      const failure = failureOf(error);
      // Refused by the open circuit, or by the attempt itself before sending (the client gone, a 401 meanwhile).
      if (!sent || failure?.kind === 'cancelled' || failure?.kind === 'token-rejected') rateBudget.giveBack(draw);
      if (failure?.kind === 'status') rateBudget.errorReply(call.callerKey, failure.status, failure.zohoCode);
      throw error;
    }
  }

  /** Waits for one of the caller's concurrency slots (at most timeoutMs, and only while the client is there). */
  #takeTurn(caller: CallerState, call: PolicyCall, refuse: (failure: UpstreamFailure) => UpstreamError): Promise<void> | void {
    caller.lastUsed = Date.now();
    if (call.signal?.aborted) throw refuse({ kind: 'cancelled' });
    if (caller.active < this.#options.maxConcurrencyPerCaller) {
      caller.active++;
      return;
    }
    const queuedAt = performance.now();
    return new Promise<void>((resolve, reject) => {
      const leave = () => {
        clearTimeout(timer);
        call.signal?.removeEventListener('abort', onAbort);
        const index = caller.waiting.indexOf(waiter);
        if (index !== -1) caller.waiting.splice(index, 1);
      };
      const waiter: Waiter = {
        grant: () => {
          leave();
          resolve();
        },
        refuse: (failure) => {
          leave();
          reject(refuse(failure));
        },
      };
      const onAbort = () => waiter.refuse({ kind: 'cancelled' });
      const timer = setTimeout(
        () => waiter.refuse({ kind: 'caller-busy', waitedMs: Math.round(performance.now() - queuedAt) }),
        this.#options.timeoutMs,
      );
      call.signal?.addEventListener('abort', onAbort, { once: true });
      caller.waiting.push(waiter);
    });
  }

  /** Frees a slot: the longest-waiting call of the same caller takes it. */
  #release(caller: CallerState): void {
    caller.lastUsed = Date.now();
    const next = caller.waiting[0];
    if (next) next.grant();
    else caller.active--;
  }

  #caller(callerKey: string): CallerState {
    const known = this.#callers.get(callerKey);
    if (known) return known;
    if (this.#callers.size >= this.#nextSweepAt) this.#sweepIdleCallers();
    const { breakerThreshold, breakerHalfOpenAfterMs } = this.#options;
    const circuit = circuitBreaker(
      handleWhen((error) => {
        const failure = failureOf(error);
        return failure !== undefined && isOutage(failure);
      }),
      {
        halfOpenAfter: breakerHalfOpenAfterMs,
        breaker: new ConsecutiveBreaker(breakerThreshold > 0 ? breakerThreshold : Number.POSITIVE_INFINITY),
      },
    );
    circuit.onStateChange((state) => {
      const before = this.#openCallers.size;
      if (state === CircuitState.Open) this.#openCallers.set(callerKey, Date.now());
      else if (state === CircuitState.Closed) this.#openCallers.delete(callerKey);
      if (this.#openCallers.size !== before) this.#callerListeners.forEach((listener) => listener(this.#openCallers.size));
      this.#refreshGatewayState();
    });
    const state = new CallerState(circuit, this.#budget, this.#retryReads);
    this.#callers.set(callerKey, state);
    return state;
  }

  #sweepIdleCallers(): void {
    const before = Date.now() - Math.max(IDLE_CALLER_MS, this.#options.breakerHalfOpenAfterMs);
    const open = this.#openCallers.size;
    for (const [key, state] of this.#callers) {
      if (state.idle && state.lastUsed < before) {
        this.#callers.delete(key);
        this.#openCallers.delete(key);
      }
    }
    if (this.#openCallers.size !== open) this.#callerListeners.forEach((listener) => listener(this.#openCallers.size));
    // A sweep costs one pass over the map: the next waits until it has doubled (amortised O(1)).
    this.#nextSweepAt = Math.max(FIRST_CALLER_SWEEP_AT, this.#callers.size * 2);
  }

  /** Recomputes the gateway-wide circuit from the callers' recent openings; tells listeners of a change. */
  #refreshGatewayState(): void {
    // The common case, checked on every call: too few open circuits to open the gateway's.
    if (this.#openCallers.size < this.#options.breakerMinCallers && this.#gatewayState === 'closed') return;
    const since = Date.now() - this.#options.breakerHalfOpenAfterMs;
    let recent = 0;
    for (const openedAt of this.#openCallers.values()) if (openedAt > since) recent++;
    const next: CircuitStateName = recent >= this.#options.breakerMinCallers ? 'open' : 'closed';
    if (next === this.#gatewayState) return;
    this.#gatewayState = next;
    this.#listeners.forEach((listener) => listener(next));
  }
}
