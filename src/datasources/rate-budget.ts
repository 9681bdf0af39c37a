/**
 * The gateway's own budget of calls to Zoho (docs/operations.md, "Rate budget"), drawn by
 * the upstream policy before each attempt it sends (retries included: Zoho counts each one).
 *
 * - A call whose token Zoho has accepted for its account (AcceptedTokens, by caller key) draws
 *   on that account's budget: `perMinute` per account per minute, Zoho's published limit by
 *   default. The account id alone is an unauthenticated header: a made-up token with someone
 *   else's account id must not spend that account's budget.
 * - Any other call draws on one unverified budget for the whole gateway (`unverifiedPerMinute`):
 *   made-up tokens can spend only that.
 * - "Accepted" is a 2xx, or a 404 whose Zoho code says the id was looked for in the account
 *   (`resource_does_not_exist`, `invalid_payment_session`): both need the token good for that
 *   account. Any other error proves nothing: a real token sent with someone else's account id
 *   gets a 400 (`invalid_account_id`), so a 400 accepted would let any Zoho customer spend
 *   another account's budget. A 401 forgets the token; a 403, a 429 and a 5xx forget nothing.
 *
 * The counters live in rate-limiter-flexible's limiters: in memory (per process) by default; in
 * Redis (shared by every replica) when a client is given, each behind a short timeout with an
 * in-memory insurance limiter, so that an unreachable or slow Redis turns the budget into a
 * per-process one (logged once, and a gauge) instead of holding calls or refusing them. The
 * Redis keys are `<keyPrefix>rate-budget:account:<account id>` and
 * `<keyPrefix>rate-budget:unverified`: no token, no caller key.
 */
import type { Redis } from 'ioredis';
import {
  RLWrapperTimeouts,
  RateLimiterMemory,
  RateLimiterRedis,
  RateLimiterRes,
  type IRateLimiterOptions,
  type RateLimiterAbstract,
} from 'rate-limiter-flexible';
import type { Logger } from '../observability/logger';
import { AcceptedTokens } from './accepted-tokens';

/** The two budgets a call can draw on. */
export type BudgetName = 'account' | 'unverified';
export const BUDGET_NAMES: readonly BudgetName[] = ['account', 'unverified'];

/** The budgets' sizes, as config.ts reads them. */
export interface RateBudgetLimits {
  /** Calls per Zoho account per minute with tokens Zoho accepted (ZOHO_RATE_LIMIT_PER_MINUTE). */
  perMinute: number;
  /** Calls per minute, for the whole gateway, with tokens not yet accepted (ZOHO_UNVERIFIED_RATE_LIMIT_PER_MINUTE). */
  unverifiedPerMinute: number;
}

/** Zoho's published limit (600 requests a minute per account), and a tenth of it for unverified tokens. */
export const DEFAULT_RATE_BUDGET: RateBudgetLimits = { perMinute: 600, unverifiedPerMinute: 60 };

/** How long a draw waits for Redis before the per-process budget answers it. */
export const DEFAULT_REDIS_TIMEOUT_MS = 250;

export interface RateBudgetOptions extends RateBudgetLimits {
  /** Shared by every replica when given (the gateway's one client: no offline queue, a short command timeout). */
  redis?: Redis;
  /** Prepended to the budget's Redis keys (default none: the gateway's client already adds REDIS_KEY_PREFIX to every key). */
  keyPrefix?: string;
  /** How long a draw waits for Redis, in ms, before the per-process budget answers. */
  redisTimeoutMs?: number;
  /** Where the fall-back to the per-process budget, and the recovery, are said. */
  logger?: Logger;
  /** Who Zoho has accepted (default: a new, bounded, in-process map). */
  acceptedTokens?: AcceptedTokens;
}

/** Who a call is for, as the budget sees it. */
export interface BudgetCaller {
  /** A hash of token and account (credentials.ts). */
  callerKey: string;
  accountId: string;
}

/** What drawing on the budget gave: a point of one budget, or a refusal with the wait. */
export type BudgetDraw =
  | { admitted: true; budget: BudgetName; key: string }
  | { admitted: false; budget: BudgetName; retryAfterSeconds: number };

/** One minute: the window of both budgets. */
const WINDOW_SECONDS = 60;

/** The Zoho codes of a 404 that only a token good for the account can get (the id was looked for there). */
const NOT_FOUND_IN_ACCOUNT = new Set(['resource_does_not_exist', 'invalid_payment_session']);

/** Whether Zoho's error reply proves the token good for its account (see the module's comment). */
export function errorReplyAcceptsToken(status: number, zohoCode: string | undefined): boolean {
  return status === 404 && zohoCode !== undefined && NOT_FOUND_IN_ACCOUNT.has(zohoCode);
}

/** The per-process limiter that answers while Redis does not; it says when it is used. */
class InsuranceLimiter extends RateLimiterMemory {
  constructor(
    options: IRateLimiterOptions,
    private readonly onUse: () => void,
  ) {
    super(options);
  }

  override consume(key: string | number, points?: number, options?: Record<string, unknown>): Promise<RateLimiterRes> {
    this.onUse();
    return super.consume(key, points, options);
  }
}

export class RateBudget {
  readonly #accepted: AcceptedTokens;
  readonly #limiters: Record<BudgetName, RateLimiterAbstract>;
  readonly #shared: boolean;
  readonly #logger: Logger | undefined;
  /** How many draws the insurance limiters answered: a draw during which it did not move was Redis's. */
  #insuranceUses = 0;
  #fallback = false;
  #rejectionListeners: Array<(budget: BudgetName) => void> = [];
  #fallbackListeners: Array<(fallback: boolean) => void> = [];
  #redisFailureListeners: Array<() => void> = [];

  constructor(options: RateBudgetOptions) {
    const { redis, logger } = options;
    const keyPrefix = options.keyPrefix ?? '';
    this.#accepted = options.acceptedTokens ?? new AcceptedTokens();
    this.#logger = logger;
    this.#shared = redis !== undefined;
    // rate-limiter-flexible joins its keyPrefix and a key with ':'.
    const limiter = (points: number, limiterPrefix: string): RateLimiterAbstract => {
      const limits = { points, duration: WINDOW_SECONDS, keyPrefix: `${keyPrefix}${limiterPrefix}` };
      if (!redis) return new RateLimiterMemory(limits);
      const insuranceLimiter = new InsuranceLimiter(limits, () => this.#insuranceUsed());
      return new RLWrapperTimeouts({
        // No insurance of its own: the wrapper's answers both a Redis error and a timeout, once.
        limiter: new RateLimiterRedis({ ...limits, storeClient: redis, useRedisPackage: false, rejectIfRedisNotReady: true }),
        timeoutMs: options.redisTimeoutMs ?? DEFAULT_REDIS_TIMEOUT_MS,
        insuranceLimiter,
      });
    };
    this.#limiters = {
      account: limiter(options.perMinute, 'rate-budget:account'),
      unverified: limiter(options.unverifiedPerMinute, 'rate-budget'),
    };
  }

  /** Whether the budget is per process now because Redis does not answer (always false without Redis). */
  get fallback(): boolean {
    return this.#fallback;
  }

  /** Calls `listener` with the budget each time a call is refused. */
  onRejection(listener: (budget: BudgetName) => void): void {
    this.#rejectionListeners.push(listener);
  }

  /** Calls `listener` when the budget falls back to per process (true) and when Redis answers again (false). */
  onFallbackChange(listener: (fallback: boolean) => void): void {
    this.#fallbackListeners.push(listener);
  }

  /** Calls `listener` for each draw Redis did not answer (an error or its timeout), which the per-process budget answered. */
  onRedisFailure(listener: () => void): void {
    this.#redisFailureListeners.push(listener);
  }

  /** Draws one point for a call about to be sent: from its account's budget once Zoho accepted its token. */
  async draw(caller: BudgetCaller): Promise<BudgetDraw> {
    const budget: BudgetName = this.#accepted.has(caller.callerKey) ? 'account' : 'unverified';
    const key = budget === 'account' ? caller.accountId : 'unverified';
    const insuranceUsesBefore = this.#insuranceUses;
    try {
      await this.#limiters[budget].consume(key);
      return { admitted: true, budget, key };
    } catch (error) {
      // Anything but a refusal is a bug: the insurance limiter answers whatever Redis does not.
      if (!(error instanceof RateLimiterRes)) throw error;
      this.#rejectionListeners.forEach((listener) => listener(budget));
      return { admitted: false, budget, retryAfterSeconds: Math.max(1, Math.ceil(error.msBeforeNext / 1000)) };
    } finally {
      if (this.#shared && this.#insuranceUses === insuranceUsesBefore) this.#redisAnswered();
    }
  }

  /** Returns a drawn point whose call was not sent after all (its circuit was open). */
  giveBack(draw: Extract<BudgetDraw, { admitted: true }>): void {
    this.#limiters[draw.budget].reward(draw.key).catch(() => undefined);
  }

  /** Zoho answered this caller's call with a 2xx: its token is good for its account. */
  tokenAccepted(callerKey: string): void {
    this.#accepted.accept(callerKey);
  }

  /** Zoho answered this caller's call with an error status: a 401 forgets the token, a 404 of an id looked for in the account proves it. */
  errorReply(callerKey: string, status: number, zohoCode?: string): void {
    if (status === 401) this.#accepted.forget(callerKey);
    else if (errorReplyAcceptsToken(status, zohoCode)) this.#accepted.accept(callerKey);
  }

  #insuranceUsed(): void {
    this.#insuranceUses++;
    this.#redisFailureListeners.forEach((listener) => listener());
    if (this.#fallback) return;
    this.#fallback = true;
    this.#logger?.warn(
      { rateBudget: 'per-process' },
      'Redis does not answer the rate budget (unreachable, or slower than its timeout): each replica keeps its own budget until it does',
    );
    this.#fallbackListeners.forEach((listener) => listener(true));
  }

  #redisAnswered(): void {
    if (!this.#fallback) return;
    this.#fallback = false;
    this.#logger?.info({ rateBudget: 'shared' }, 'Redis answers the rate budget again: the budget is shared by every replica');
    this.#fallbackListeners.forEach((listener) => listener(false));
  }
}

/** The gateway's rate budget: in Redis when a client is given, in memory otherwise. */
export function createRateBudget(options: RateBudgetOptions): RateBudget {
  return new RateBudget(options);
}
