/**
 * The rate budget's settings for tests and tools that measure something else: far above what any
 * of them sends in a minute. Many tests use a new token per call (isolation, leaks, fuzzing), and
 * each token's first call draws on the small unverified budget (contract.md), whose default of 60
 * a minute would refuse them. The rate budget's own tests set small ones.
 */
export const ROOMY_RATE_BUDGET: Readonly<Record<'ZOHO_RATE_LIMIT_PER_MINUTE' | 'ZOHO_UNVERIFIED_RATE_LIMIT_PER_MINUTE', string>> = {
  ZOHO_RATE_LIMIT_PER_MINUTE: '1000000',
  ZOHO_UNVERIFIED_RATE_LIMIT_PER_MINUTE: '1000000',
};
