/**
 * The in-memory idempotency store on its own (src/idempotency/memory-store.ts): the store contract
 * every store meets (test/support/idempotency-store-contract.ts, which the Redis store's suite
 * runs too), then, on an injected clock, the exact lease and 24-hour TTL boundaries, the bound
 * and what it does when full.
 */
import { IDEMPOTENCY_MAX_KEYS, MemoryIdempotencyStore } from '../../src/idempotency/memory-store';
import { IDEMPOTENCY_TTL_MS, IdempotencyStoreFullError, IdempotencyStoreUnavailableError } from '../../src/idempotency/store';
import { CONTRACT_TTL_MS, describeIdempotencyStoreContract } from '../support/idempotency-store-contract';

describeIdempotencyStoreContract('MemoryIdempotencyStore', () => new MemoryIdempotencyStore({ ttlMs: CONTRACT_TTL_MS }));

const LEASE = 5_000;
const created = (resourceId: string) => ({ kind: 'created', resourceId }) as const;

function store(options: { maxKeys?: number } = {}) {
  let now = 1_000_000;
  const s = new MemoryIdempotencyStore({ ...options, now: () => now });
  return { s, advance: (ms: number) => (now += ms) };
}

async function claimed(s: MemoryIdempotencyStore, key: string, hash = 'h'): Promise<string> {
  const result = await s.claim(key, hash, LEASE);
  if (result.state !== 'claimed') throw new Error(`expected a claim of ${key}, got ${result.state}`);
  return result.claimId;
}

describe('MemoryIdempotencyStore, on an injected clock', () => {
  it('a claim lapses exactly at its lease end; its first holder can then neither complete nor release the new claim', async () => {
    const { s, advance } = store();
    const first = await claimed(s, 'k');
    advance(LEASE - 1);
    expect((await s.claim('k', 'h', LEASE)).state).toBe('in-flight');
    advance(1);
    const second = await claimed(s, 'k');
    expect(second).not.toBe(first);
    await s.complete('k', first, created('late'));
    await s.release('k', first);
    expect((await s.claim('k', 'h', LEASE)).state).toBe('in-flight');
    await s.complete('k', second, created('on-time'));
    await expect(s.claim('k', 'h', LEASE)).resolves.toEqual({ state: 'completed', record: { inputHash: 'h', outcome: created('on-time') } });
  });

  it('keeps a record for 24 hours from its completion, then forgets it', async () => {
    const { s, advance } = store();
    await s.complete('k', await claimed(s, 'k'), created('1'));
    advance(IDEMPOTENCY_TTL_MS - 1);
    expect((await s.claim('k', 'h', LEASE)).state).toBe('completed');
    advance(1);
    expect((await s.claim('k', 'h', LEASE)).state).toBe('claimed');
  });

  it(`is bounded (default ${IDEMPOTENCY_MAX_KEYS} keys): when full it refuses a new key with a typed error, never evicting a live record`, async () => {
    expect(new MemoryIdempotencyStore().maxKeys).toBe(IDEMPOTENCY_MAX_KEYS);
    const { s, advance } = store({ maxKeys: 3 });
    await s.complete('a', await claimed(s, 'a'), created('1'));
    advance(10);
    await s.complete('b', await claimed(s, 'b'), created('2'));
    await claimed(s, 'c');
    const refusal = await s.claim('d', 'h', LEASE).then(
      () => undefined,
      (error: unknown) => error,
    );
    expect(refusal).toBeInstanceOf(IdempotencyStoreFullError);
    expect(refusal).toBeInstanceOf(IdempotencyStoreUnavailableError);
    expect((refusal as IdempotencyStoreFullError).maxKeys).toBe(3);
    // Every key it holds is still answered as before.
    expect((await s.claim('a', 'h', LEASE)).state).toBe('completed');
    expect((await s.claim('b', 'h', LEASE)).state).toBe('completed');
    expect((await s.claim('c', 'h', LEASE)).state).toBe('in-flight');
    expect(s.size).toBe(3);
  });

  it('when full, makes room from expired records and lapsed claims only', async () => {
    const { s, advance } = store({ maxKeys: 2 });
    await s.complete('old', await claimed(s, 'old'), created('1'));
    advance(IDEMPOTENCY_TTL_MS - LEASE);
    await claimed(s, 'stuck');
    await expect(s.claim('new', 'h', LEASE)).rejects.toBeInstanceOf(IdempotencyStoreFullError);
    advance(LEASE); // 'old' expires and 'stuck' lapses at once
    await claimed(s, 'new');
    await claimed(s, 'newer');
    expect(s.size).toBe(2);
  });
});
