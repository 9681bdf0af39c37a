/**
 * The in-memory idempotency store on its own (src/idempotency/memory-store.ts), on an injected
 * clock: the claim, its lease, the 24-hour TTL, the bound and what it does when full. The same
 * behaviour is what a Redis store must give (store.ts).
 */
import { IDEMPOTENCY_MAX_KEYS, MemoryIdempotencyStore } from '../../src/idempotency/memory-store';
import { IDEMPOTENCY_TTL_MS, IdempotencyStoreFullError, IdempotencyStoreUnavailableError } from '../../src/idempotency/store';

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

describe('MemoryIdempotencyStore', () => {
  it('claims a new key once: a second claim sees it in flight, with the first input hash', async () => {
    const { s } = store();
    await claimed(s, 'k', 'h1');
    await expect(s.claim('k', 'h2', LEASE)).resolves.toEqual({ state: 'in-flight', inputHash: 'h1' });
  });

  it('completes a claim into a record that later claims read back', async () => {
    const { s } = store();
    const claimId = await claimed(s, 'k', 'h1');
    await s.complete('k', claimId, created('123'));
    await expect(s.claim('k', 'h1', LEASE)).resolves.toEqual({ state: 'completed', record: { inputHash: 'h1', outcome: created('123') } });
  });

  it('a released key is free again', async () => {
    const { s } = store();
    await s.release('k', await claimed(s, 'k'));
    await expect(s.claim('k', 'h', LEASE)).resolves.toEqual({ state: 'claimed', claimId: expect.any(String) });
  });

  it('a claim lapses after its lease; its first holder can then neither complete nor release the new claim', async () => {
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

  it('settled() resolves when the claim completes or is released, at the lease end, or on its timeout; at once when nothing is held', async () => {
    const real = new MemoryIdempotencyStore();
    await expect(real.settled('free', 10_000)).resolves.toBeUndefined();

    const a = await claimed(real, 'a');
    let started = Date.now();
    const waitA = real.settled('a', 10_000);
    await real.complete('a', a, created('1'));
    await expect(waitA).resolves.toBeUndefined();

    const b = await claimed(real, 'b');
    const waitB = real.settled('b', 10_000);
    await real.release('b', b);
    await expect(waitB).resolves.toBeUndefined();
    expect(Date.now() - started).toBeLessThan(1_000);

    await real.claim('c', 'h', 60_000);
    started = Date.now();
    await real.settled('c', 100);
    expect(Date.now() - started).toBeGreaterThanOrEqual(90);

    await real.claim('d', 'h', 150);
    started = Date.now();
    await real.settled('d', 10_000);
    expect(Date.now() - started).toBeGreaterThanOrEqual(140);
    expect(Date.now() - started).toBeLessThan(1_000);
    expect((await real.claim('d', 'h', 150)).state).toBe('claimed');
  });
});
