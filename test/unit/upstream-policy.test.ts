/**
 * The upstream policy on its own (src/datasources/upstream-policy.ts): each caller's turns, the
 * time budget that starts after the turn, each caller's circuit, the gateway-wide circuit that
 * only several failing callers open, and where each attempt draws on the rate budget. The
 * attempts are plain functions: what goes over the wire is the HTTP client's and the
 * datasource's tests' concern.
 */
import { UpstreamError, type UpstreamFailure } from '../../src/datasources/upstream-failure';
import {
  DEFAULT_UPSTREAM_POLICY,
  UpstreamPolicy,
  type CircuitStateName,
  type PolicyCall,
  type UpstreamPolicyOptions,
} from '../../src/datasources/upstream-policy';
import { createRateBudget, type RateBudget } from '../../src/datasources/rate-budget';

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

function policy(options: Partial<UpstreamPolicyOptions> = {}, rateBudget?: RateBudget): UpstreamPolicy {
  return new UpstreamPolicy(
    {
      ...DEFAULT_UPSTREAM_POLICY,
      timeoutMs: 1000,
      retries: 0,
      maxConcurrencyPerCaller: 4,
      breakerThreshold: 3,
      breakerHalfOpenAfterMs: 300,
      breakerMinCallers: 2,
      ...options,
    },
    rateBudget,
  );
}

const read = (callerKey: string, signal?: AbortSignal): PolicyCall => ({
  callerKey,
  accountId: '23137556',
  endpoint: 'retrievePaymentMethod',
  kind: 'read',
  ...(signal && { signal }),
});

const outage = (): never => {
  throw new UpstreamError({ kind: 'status', status: 503 }, 'retrievePaymentMethod');
};

/** The failure a call ended with (fails the test when it succeeds or throws anything else). */
async function failureOf(promise: Promise<unknown>): Promise<UpstreamFailure> {
  const error: unknown = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(UpstreamError);
  return (error as UpstreamError).failure;
}

/** A call that holds its slot until released (released before it starts: it returns at once). */
function heldCall(p: UpstreamPolicy, callerKey: string) {
  let resolveAttempt: (() => void) | undefined;
  let released = false;
  let started = false;
  const done = p.execute(read(callerKey), () => {
    started = true;
    return new Promise<void>((resolve) => {
      resolveAttempt = resolve;
      if (released) resolve();
    });
  });
  const release = () => {
    released = true;
    resolveAttempt?.();
  };
  return { done, release, started: () => started };
}

describe("a caller's turns (ZOHO_MAX_CONCURRENCY_PER_CALLER)", () => {
  test('at most maxConcurrencyPerCaller calls of one caller run at once; the rest wait, first come first served', async () => {
    const p = policy();
    const held = Array.from({ length: 4 }, () => heldCall(p, 'alice'));
    const waiting = Array.from({ length: 3 }, () => heldCall(p, 'alice'));
    await sleep(20);
    expect(held.map((h) => h.started())).toEqual([true, true, true, true]);
    expect(waiting.map((w) => w.started())).toEqual([false, false, false]);

    held[0]!.release();
    await sleep(20);
    expect(waiting.map((w) => w.started())).toEqual([true, false, false]);
    held[1]!.release();
    await sleep(20);
    expect(waiting.map((w) => w.started())).toEqual([true, true, false]);
    [...held.slice(2), ...waiting].forEach((h) => h.release());
    await Promise.all([...held, ...waiting].map((h) => h.done));
  });

  test("one caller's full turns never hold up another caller", async () => {
    const p = policy();
    const held = Array.from({ length: 4 }, () => heldCall(p, 'alice'));
    await expect(p.execute(read('bob'), async () => 'bob served')).resolves.toBe('bob served');
    held.forEach((h) => h.release());
    await Promise.all(held.map((h) => h.done));
  });

  test('a call that waits longer than timeoutMs for its turn fails as caller-busy, and is never run', async () => {
    const p = policy({ timeoutMs: 150 });
    const held = Array.from({ length: 4 }, () => heldCall(p, 'alice'));
    let ran = false;
    const started = performance.now();
    const failure = await failureOf(
      p.execute(read('alice'), async () => {
        ran = true;
      }),
    );
    expect(failure).toMatchObject({ kind: 'caller-busy' });
    expect(performance.now() - started).toBeGreaterThanOrEqual(140);
    expect(ran).toBe(false);
    held.forEach((h) => h.release());
    await Promise.all(held.map((h) => h.done));
    // Its place in the queue is gone: the next call runs at once.
    await expect(p.execute(read('alice'), async () => 'next')).resolves.toBe('next');
  });

  test('the time budget starts at the turn: a call that waited most of it still gets all of it', async () => {
    const p = policy({ timeoutMs: 300 });
    const held = Array.from({ length: 4 }, () => heldCall(p, 'alice'));
    const waited = p.execute(read('alice'), async () => {
      await sleep(200);
      return 'answered';
    });
    await sleep(200);
    held.forEach((h) => h.release());
    // 200 ms waiting + 200 ms running: past timeoutMs in all, within it from the turn on.
    await expect(waited).resolves.toBe('answered');
    await Promise.all(held.map((h) => h.done));
  });

  test('a waiting call whose client disconnects stops waiting (cancelled), is never run, and frees its place', async () => {
    const p = policy();
    const held = Array.from({ length: 4 }, () => heldCall(p, 'alice'));
    const client = new AbortController();
    let ran = false;
    const gone = p.execute(read('alice', client.signal), async () => {
      ran = true;
    });
    const after = p.execute(read('alice'), async () => 'after');
    await sleep(10);
    client.abort();
    expect(await failureOf(gone)).toEqual({ kind: 'cancelled' });
    held[0]!.release();
    await expect(after).resolves.toBe('after');
    expect(ran).toBe(false);
    held.slice(1).forEach((h) => h.release());
    await Promise.all(held.map((h) => h.done));
  });

  test("waiting for a turn never counts toward the caller's circuit, nor against the call's budget", async () => {
    // Slots held for 3/4 of the budget: the next four calls wait that long, then run as long, and
    // are answered; the four after them would wait past the budget, so they are caller-busy.
    const p = policy({ timeoutMs: 200, breakerThreshold: 1 });
    const slow = () => p.execute(read('alice'), () => sleep(150).then(() => 'answered'));
    const outcomes = await Promise.all(
      Array.from({ length: 12 }, () => slow().then((value) => value, (error: unknown) => (error as UpstreamError).failure.kind)),
    );
    expect(outcomes).toEqual([...Array(8).fill('answered'), ...Array(4).fill('caller-busy')]);
    expect(p.openCallerCircuits).toBe(0);
    await expect(p.execute(read('alice'), async () => 'still closed')).resolves.toBe('still closed');
  });
});

describe("each caller's circuit, and the gateway-wide one", () => {
  test("breakerThreshold consecutive outages open that caller's circuit only: it fails fast, others are served", async () => {
    const p = policy();
    for (let i = 0; i < 3; i++) expect(await failureOf(p.execute(read('alice'), async () => outage()))).toMatchObject({ kind: 'status' });
    let called = false;
    expect(
      await failureOf(
        p.execute(read('alice'), async () => {
          called = true;
        }),
      ),
    ).toMatchObject({ kind: 'circuit-open', scope: 'caller' });
    expect(called).toBe(false);
    expect(p.openCallerCircuits).toBe(1);
    expect(p.circuitState).toBe('closed');
    await expect(p.execute(read('bob'), async () => 'bob served')).resolves.toBe('bob served');
  });

  test("a caller's 4xx, 429 and transport refusals that say nothing of Zoho's health never open it", async () => {
    const p = policy({ breakerThreshold: 1 });
    const failures: UpstreamFailure[] = [
      { kind: 'status', status: 401 },
      { kind: 'status', status: 404, zohoCode: 'resource_does_not_exist' },
      { kind: 'status', status: 429, retryAfterSeconds: 30 },
      { kind: 'transport', reason: 'redirect' },
      { kind: 'transport', reason: 'too_large' },
      { kind: 'unexpected-reply', status: 200 },
    ];
    for (const failure of failures) {
      await failureOf(
        p.execute(read('alice'), async () => {
          throw new UpstreamError(failure, 'retrievePaymentMethod');
        }),
      );
    }
    expect(p.openCallerCircuits).toBe(0);
    await expect(p.execute(read('alice'), async () => 'served')).resolves.toBe('served');
  });

  test("a caller's circuit half-opens after breakerHalfOpenAfterMs: one good trial closes it", async () => {
    const p = policy();
    for (let i = 0; i < 3; i++) await failureOf(p.execute(read('alice'), async () => outage()));
    await sleep(350);
    await expect(p.execute(read('alice'), async () => 'recovered')).resolves.toBe('recovered');
    expect(p.openCallerCircuits).toBe(0);
  });

  test('breakerMinCallers failing callers open the gateway-wide circuit: a healthy caller then fails fast without a call, until the openings age out', async () => {
    const p = policy();
    const states: CircuitStateName[] = [];
    p.onCircuitStateChange((state) => states.push(state));
    for (const caller of ['alice', 'bob']) {
      for (let i = 0; i < 3; i++) await failureOf(p.execute(read(caller), async () => outage()));
    }
    expect(p.openCallerCircuits).toBe(2);
    expect(p.circuitState).toBe('open');
    let called = false;
    expect(
      await failureOf(
        p.execute(read('carol'), async () => {
          called = true;
        }),
      ),
    ).toMatchObject({ kind: 'circuit-open', scope: 'gateway' });
    expect(called).toBe(false);

    await sleep(350);
    expect(p.circuitState).toBe('closed');
    await expect(p.execute(read('carol'), async () => 'carol served')).resolves.toBe('carol served');
    expect(states).toEqual(['open', 'closed']);
  });

  test('one caller failing alone never opens the gateway-wide circuit, however long it fails', async () => {
    const p = policy({ breakerMinCallers: 2 });
    for (let round = 0; round < 3; round++) {
      for (let i = 0; i < 5; i++) await failureOf(p.execute(read('alice'), async () => outage()));
      await sleep(320);
    }
    expect(p.circuitState).toBe('closed');
  });

  test('a read is retried on an outage, within one turn; a write is never retried', async () => {
    const p = policy({ retries: 2, retryBaseDelayMs: 1, retryMaxDelayMs: 5, breakerThreshold: 0 });
    let reads = 0;
    await expect(
      p.execute(read('alice'), async () => {
        reads++;
        if (reads < 3) outage();
        return 'third time';
      }),
    ).resolves.toBe('third time');
    let writes = 0;
    await failureOf(
      p.execute({ callerKey: 'alice', accountId: '23137556', endpoint: 'deletePaymentMethod', kind: 'write' }, async () => {
        writes++;
        return outage();
      }),
    );
    expect({ reads, writes }).toEqual({ reads: 3, writes: 1 });
  });
});

describe('the rate budget (rate-budget.ts), drawn before each attempt', () => {
  /** A budget in memory: `unverifiedPerMinute` is what these callers, never accepted, draw on. */
  const budget = (unverifiedPerMinute: number) => createRateBudget({ perMinute: 100, unverifiedPerMinute });

  test('each attempt draws a point, retries included; a retry over budget is refused and not sent', async () => {
    const p = policy({ retries: 2, retryBaseDelayMs: 1, retryMaxDelayMs: 1 }, budget(2));
    let attempts = 0;
    const failure = await failureOf(
      p.execute(read('alice'), async () => {
        attempts++;
        return outage();
      }),
    );
    expect(attempts).toBe(2);
    expect(failure).toMatchObject({ kind: 'rate-budget', budget: 'unverified' });
  });

  test('a call waiting for its turn draws nothing', async () => {
    const p = policy({ maxConcurrencyPerCaller: 1 }, budget(2));
    const held = heldCall(p, 'alice');
    // Its client goes away while it waits for alice's one slot.
    const gone = new AbortController();
    const waiting = failureOf(p.execute(read('alice', gone.signal), async () => 'never'));
    await sleep(10);
    gone.abort();
    expect(await waiting).toMatchObject({ kind: 'cancelled' });
    held.release();
    await held.done;
    // The held call took one point, the one that waited none: one is left.
    await expect(p.execute(read('bob'), async () => 'bob')).resolves.toBe('bob');
    expect(await failureOf(p.execute(read('carol'), async () => 'never'))).toMatchObject({ kind: 'rate-budget' });
  });

  test("a real token sent with someone else's account id (Zoho: 400 invalid_account_id) never draws on that account's budget", async () => {
    const rateBudget = createRateBudget({ perMinute: 100, unverifiedPerMinute: 3 });
    const draw = jest.spyOn(rateBudget, 'draw');
    const p = policy({ breakerThreshold: 0 }, rateBudget);
    const wrongAccount = async (): Promise<never> => {
      throw new UpstreamError({ kind: 'status', status: 400, zohoCode: 'invalid_account_id' }, 'retrievePaymentMethod');
    };
    for (let i = 0; i < 3; i++) expect(await failureOf(p.execute(read('mallory'), wrongAccount))).toMatchObject({ kind: 'status', status: 400 });
    // Still unverified: the fourth call is refused by the unverified budget, not drawn from the account's.
    expect(await failureOf(p.execute(read('mallory'), wrongAccount))).toMatchObject({ kind: 'rate-budget', budget: 'unverified' });
    expect(draw).toHaveBeenCalledTimes(4);
    const budgets = await Promise.all(draw.mock.results.map((result) => result.value as Promise<{ budget: string }>));
    expect(budgets.map((drawn) => drawn.budget)).toEqual(['unverified', 'unverified', 'unverified', 'unverified']);
  });

  test('a call its open circuit refuses draws no point (no round trip to a shared budget) and is not sent', async () => {
    const rateBudget = budget(3);
    const draw = jest.spyOn(rateBudget, 'draw');
    const p = policy({ breakerThreshold: 2, breakerHalfOpenAfterMs: 10_000 }, rateBudget);
    for (let i = 0; i < 2; i++) await failureOf(p.execute(read('alice'), async () => outage()));
    expect(p.openCallerCircuits).toBe(1);
    expect(draw).toHaveBeenCalledTimes(2);
    let sent = 0;
    for (let i = 0; i < 5; i++) {
      const refused = await failureOf(p.execute(read('alice'), async () => (sent++, 'never')));
      expect(refused).toMatchObject({ kind: 'circuit-open', scope: 'caller' });
    }
    expect(sent).toBe(0);
    expect(draw).toHaveBeenCalledTimes(2);
    // Two points went to the outages, none to the five calls the circuit refused.
    await expect(p.execute(read('bob'), async () => 'bob')).resolves.toBe('bob');
    expect(await failureOf(p.execute(read('carol'), async () => 'never'))).toMatchObject({ kind: 'rate-budget' });
  });

  test("a refusal is not the half-open circuit's trial: the circuit stays open", async () => {
    const p = policy({ breakerThreshold: 2, breakerHalfOpenAfterMs: 50, breakerMinCallers: 5 }, budget(2));
    for (let i = 0; i < 2; i++) await failureOf(p.execute(read('alice'), async () => outage()));
    expect(p.openCallerCircuits).toBe(1);
    await sleep(80);
    let ran = false;
    const failure = await failureOf(
      p.execute(read('alice'), async () => {
        ran = true;
        return 'trial';
      }),
    );
    expect(failure).toMatchObject({ kind: 'rate-budget' });
    expect(ran).toBe(false);
    // Had cockatiel seen the refusal as its trial's outcome, it would have closed the circuit.
    expect(p.openCallerCircuits).toBe(1);
  });
});

describe('the callers it keeps', () => {
  afterEach(() => jest.restoreAllMocks());

  test('once 10,000 are kept, callers idle for a minute are forgotten (every new token is a new caller); one with a call in flight is kept', async () => {
    const p = policy();
    const busy = heldCall(p, 'busy');
    for (let i = 0; i < 9_999; i++) await p.execute(read(`token-${i}`), async () => undefined);
    expect(p.knownCallers).toBe(10_000);

    const now = Date.now();
    jest.spyOn(Date, 'now').mockReturnValue(now + 61_000);
    await p.execute(read('newcomer'), async () => undefined);
    // Swept: the 9,999 idle ones; kept: the busy caller and the newcomer.
    expect(p.knownCallers).toBe(2);
    busy.release();
    await busy.done;
  });

  test('callers seen within the minute are never forgotten, and the next sweep waits until the count has doubled', async () => {
    const p = policy();
    for (let i = 0; i < 10_000; i++) await p.execute(read(`token-${i}`), async () => undefined);
    await p.execute(read('one more'), async () => undefined);
    expect(p.knownCallers).toBe(10_001);
  });
});

