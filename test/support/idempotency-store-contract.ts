/**
 * What every idempotency store must do (src/idempotency/store.ts), as one suite that each store's
 * test file runs on its own store: test/unit/idempotency-store.test.ts (in memory) and
 * test/integration/idempotency-redis-store.test.ts (a real Redis). On the real clock, with short
 * leases and TTLs and margins around each, so that the same assertions hold for both.
 */
import type { IdempotencyOutcome, IdempotencyStore } from '../../src/idempotency/store';

/** A claim's lease and a record's TTL in this suite. */
export const CONTRACT_LEASE_MS = 1_000;
export const CONTRACT_TTL_MS = 2_000;

const created = (resourceId: string) => ({ kind: 'created', resourceId }) as const;
const delay = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

let keys = 0;
/** A key no other test of the run has used (the Redis store's keys outlive one test). */
const freshKey = () => `contract-${process.pid}-${Date.now()}-${++keys}`;

async function claimed(s: IdempotencyStore, key: string, hash = 'h', leaseMs = CONTRACT_LEASE_MS): Promise<string> {
  const result = await s.claim(key, hash, leaseMs);
  if (result.state !== 'claimed') throw new Error(`expected a claim of ${key}, got ${result.state}`);
  return result.claimId;
}

/** `store()` gives a store with a record TTL of CONTRACT_TTL_MS; it may give the same one each time. */
export function describeIdempotencyStoreContract(name: string, store: () => IdempotencyStore): void {
  describe(`${name}: the idempotency store contract (store.ts)`, () => {
    it('claims a new key once: a second claim sees it in flight, with the first input hash', async () => {
      const s = store();
      const key = freshKey();
      await claimed(s, key, 'h1');
      await expect(s.claim(key, 'h2', CONTRACT_LEASE_MS)).resolves.toEqual({ state: 'in-flight', inputHash: 'h1' });
    });

    it.each<IdempotencyOutcome>([
      created('1987000000724207'),
      { kind: 'updated', resourceId: 'pm_1' },
      { kind: 'deleted', resourceId: 'pm_2' },
      {
        kind: 'user-errors',
        userErrors: [
          { field: ['input', 'card', 'expiryMonth'], code: 'INVALID' },
          { field: null, code: 'UNKNOWN' },
        ],
      },
    ])('completes a claim into a record that later claims read back exactly: %j', async (outcome) => {
      const s = store();
      const key = freshKey();
      await s.complete(key, await claimed(s, key, 'h1'), outcome);
      await expect(s.claim(key, 'h1', CONTRACT_LEASE_MS)).resolves.toEqual({ state: 'completed', record: { inputHash: 'h1', outcome } });
      // Another input hash sees the first one's (the caller answers IDEMPOTENCY_CONFLICT).
      await expect(s.claim(key, 'h2', CONTRACT_LEASE_MS)).resolves.toEqual({ state: 'completed', record: { inputHash: 'h1', outcome } });
    });

    it('a released key is free again; other keys are untouched', async () => {
      const s = store();
      const [key, other] = [freshKey(), freshKey()];
      await claimed(s, other);
      await s.release(key, await claimed(s, key));
      await expect(s.claim(key, 'h', CONTRACT_LEASE_MS)).resolves.toEqual({ state: 'claimed', claimId: expect.any(String) });
      expect((await s.claim(other, 'h', CONTRACT_LEASE_MS)).state).toBe('in-flight');
    });

    it('a claim lapses after its lease; its first holder can then neither complete nor release the new claim', async () => {
      const s = store();
      const key = freshKey();
      const first = await claimed(s, key);
      await delay(CONTRACT_LEASE_MS / 3);
      expect((await s.claim(key, 'h', CONTRACT_LEASE_MS)).state).toBe('in-flight');
      await delay(CONTRACT_LEASE_MS);
      const second = await claimed(s, key, 'h', 10_000);
      expect(second).not.toBe(first);
      await s.complete(key, first, created('late'));
      await s.release(key, first);
      expect((await s.claim(key, 'h', CONTRACT_LEASE_MS)).state).toBe('in-flight');
      await s.complete(key, second, created('on-time'));
      await expect(s.claim(key, 'h', CONTRACT_LEASE_MS)).resolves.toEqual({ state: 'completed', record: { inputHash: 'h', outcome: created('on-time') } });
    });

    it('keeps a record for its TTL from its completion, then forgets it', async () => {
      const s = store();
      const key = freshKey();
      await s.complete(key, await claimed(s, key), created('1'));
      await delay(CONTRACT_TTL_MS / 3);
      expect((await s.claim(key, 'h', CONTRACT_LEASE_MS)).state).toBe('completed');
      await delay(CONTRACT_TTL_MS);
      expect((await s.claim(key, 'h', CONTRACT_LEASE_MS)).state).toBe('claimed');
    });

    it('settled() resolves at once when nothing is held, when the claim completes or is released, at the lease end, or on its timeout', async () => {
      const s = store();
      let started = Date.now();
      await s.settled(freshKey(), 10_000);
      expect(Date.now() - started).toBeLessThan(1_000);

      const a = freshKey();
      const claimA = await claimed(s, a, 'h', 10_000);
      started = Date.now();
      const waitA = s.settled(a, 10_000);
      await delay(50);
      await s.complete(a, claimA, created('1'));
      await waitA;
      const b = freshKey();
      const claimB = await claimed(s, b, 'h', 10_000);
      const waitB = s.settled(b, 10_000);
      await s.release(b, claimB);
      await waitB;
      expect(Date.now() - started).toBeLessThan(1_000);
      // A completed record is not a claim: nothing to wait for.
      started = Date.now();
      await s.settled(a, 10_000);
      expect(Date.now() - started).toBeLessThan(1_000);

      const c = freshKey();
      await claimed(s, c, 'h', 60_000);
      started = Date.now();
      await s.settled(c, 150);
      expect(Date.now() - started).toBeGreaterThanOrEqual(140);
      expect(Date.now() - started).toBeLessThan(1_000);

      const d = freshKey();
      // The lease starts within the claim (with Redis, at its SET): time it from before the claim,
      // so that the lower bound cannot count time spent in the claim's round trip.
      const claimedAt = performance.now();
      await claimed(s, d, 'h', 200);
      await s.settled(d, 10_000);
      expect(performance.now() - claimedAt).toBeGreaterThanOrEqual(150);
      expect(performance.now() - claimedAt).toBeLessThan(1_000);
      expect((await s.claim(d, 'h', 200)).state).toBe('claimed');
    });

    it("settled() ends when the waiting call's signal aborts (its client left), and at once when it already has; the claim stays held", async () => {
      const s = store();
      const key = freshKey();
      await claimed(s, key, 'h', 60_000);
      const leaving = new AbortController();
      let started = Date.now();
      const wait = s.settled(key, 30_000, leaving.signal);
      await delay(100);
      leaving.abort();
      await wait;
      expect(Date.now() - started).toBeLessThan(1_000);
      started = Date.now();
      await s.settled(key, 30_000, leaving.signal);
      expect(Date.now() - started).toBeLessThan(1_000);
      expect((await s.claim(key, 'h', 60_000)).state).toBe('in-flight');
    });
  });
}
