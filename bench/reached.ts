/**
 * Whether the replies an arm counted as throughput reached Zoho (bench/README.md): a limit, an
 * open circuit or a cache that answers fast is not the path being measured. The sandbox counts
 * the calls it answered by account (sandbox-process.ts); a run compares its counts before and
 * after with the replies it counted.
 */
import type { AccountCounts } from './sandbox-process';

export interface Reached {
  /** Zoho calls the sandbox answered 2xx for the arm's accounts during the run. */
  upstreamCalls: number;
  /**
   * Replies counted that did not reach Zoho: the arm's fewest calls per reply times its replies,
   * less the calls the sandbox answered, in replies (0 when every reply reached it).
   */
  notReached: number;
  /** How many of the arm's accounts the sandbox answered at least once (each caller really called). */
  accountsReached: number;
}

/**
 * Each counted request was sent after `before` and answered before `after`, so its calls fall
 * between them; calls of requests abandoned at the end of a warm-up may fall there too (at most
 * one request per connection), never fewer.
 */
export function reachedZoho(
  replies: number,
  callsPerReply: number,
  accounts: readonly string[],
  before: Readonly<Record<string, AccountCounts>>,
  after: Readonly<Record<string, AccountCounts>>,
): Reached {
  let upstreamCalls = 0;
  let accountsReached = 0;
  for (const account of accounts) {
    const calls = (after[account]?.ok ?? 0) - (before[account]?.ok ?? 0);
    upstreamCalls += calls;
    if (calls > 0) accountsReached += 1;
  }
  const missing = replies * callsPerReply - upstreamCalls;
  return { upstreamCalls, notReached: missing > 0 ? Math.ceil(missing / callsPerReply) : 0, accountsReached };
}
