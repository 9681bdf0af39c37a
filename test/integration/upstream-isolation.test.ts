/**
 * No tenant takes down another, and odd upstreams read as what they are (issue 14; contract.md,
 * "Additions of 2026-12", "Limits"). The gateway runs as production runs it (`src/main.ts` as a
 * process of its own, production mode, bound to 127.0.0.1) against Zoho stand-ins on loopback
 * (test/support/zoho-standin.ts) whose behaviour is set per caller (Authorization header) and per
 * id, and which count every call they receive.
 *
 * Three gateways, so that one scenario's circuits cannot colour another's:
 * - `shared`: one caller failing every call, and one caller whose replies take 1 s;
 * - `odd`: one id that always fails, and the odd replies (3xx, 2 MB, 404s of each kind, a huge
 *   Retry-After, an unbounded Zoho code);
 * - `outage`: Zoho failing for every caller (the gateway-wide circuit), with a short half-open time.
 */
import nock from 'nock';
import {
  LOOPBACK,
  eventually,
  graphql,
  metricsText,
  readyz,
  startRealGateway,
  stopAllGateways,
  type GraphQLReply,
  type RealGateway,
} from '../support/gateway-process';
import { customerIdFor, startZohoStandin, type ZohoStandin } from '../support/zoho-standin';

interface Caller {
  authorization: string;
  accountId: string;
  token: string;
}

let callerCount = 0;
/** A caller of its own (a token and an account) for every use: one test's circuits never touch another's. */
function newCaller(name: string): Caller {
  callerCount += 1;
  const n = String(callerCount).padStart(3, '0');
  const token = `1000.${name}${n}0f1e2d3c4b5a6978.8796a5b4c3d2e1f0${n}${name}`;
  return { token, authorization: `Zoho-oauthtoken ${token}`, accountId: String(70_000_000 + callerCount * 104_729) };
}

const READ = 'query Read($id: ID!) { paymentMethod(id: $id) { id customer { id } } }';
const READ_MANY = 'query ReadMany($ids: [ID!]!) { paymentMethods(ids: $ids) { id customer { id } } }';
const READ_SESSION = 'query Session($id: ID!) { paymentMethodSession(id: $id) { id status } }';
const DELETE = `mutation Delete($id: ID!) {
  deletePaymentMethod(input: { id: $id }) { deletedPaymentMethodId userErrors { field code message } }
}`;

const idOf = (n: number) => `1987${String(n).padStart(12, '0')}`;
const codesOf = (reply: GraphQLReply) => (reply.errors ?? []).map((error) => error.extensions?.['code']);

/** Whether a reply is a complete, error-free read of `id` with the caller's own data. */
function isCallersRead(reply: GraphQLReply, caller: Caller, id: string): boolean {
  return (
    reply.status === 200 &&
    reply.errors === undefined &&
    reply.data?.['paymentMethod']?.id === id &&
    reply.data?.['paymentMethod']?.customer?.id === customerIdFor(caller.authorization, caller.accountId)
  );
}

/**
 * `callers` each run `perCaller` reads, `concurrency` at a time (each read a new id); resolves
 * with every reply that is not a complete read of the caller's own data.
 */
async function runOthers(gateway: RealGateway, callers: Caller[], perCaller: number, concurrency: number, firstId: number) {
  const bad: Array<{ caller: string; reply: string }> = [];
  let ok = 0;
  await Promise.all(
    callers.map(async (caller, c) => {
      for (let start = 0; start < perCaller; start += concurrency) {
        const batch = Array.from({ length: Math.min(concurrency, perCaller - start) }, (_, k) => idOf(firstId + c * perCaller + start + k));
        const replies = await Promise.all(batch.map((id) => graphql(gateway, caller, READ, { id })));
        replies.forEach((reply, k) => {
          if (isCallersRead(reply, caller, batch[k] as string)) ok += 1;
          else bad.push({ caller: caller.token, reply: reply.text.slice(0, 300) });
        });
      }
    }),
  );
  return { ok, bad };
}

const GATEWAY_SETTINGS = {
  NODE_ENV: 'production',
  ZOHO_RETRIES: '2',
  ZOHO_BREAKER_THRESHOLD: '5',
  ZOHO_BREAKER_MIN_CALLERS: '3',
  ZOHO_MAX_CONCURRENCY_PER_CALLER: '16',
  ZOHO_MAX_CALLS_PER_OPERATION: '200',
};

let shared: { standin: ZohoStandin; gateway: RealGateway };
let odd: { standin: ZohoStandin; elsewhere: ZohoStandin; gateway: RealGateway };
let outage: { standin: ZohoStandin; gateway: RealGateway };
const OUTAGE_HALF_OPEN_MS = 3000;

beforeAll(async () => {
  nock.enableNetConnect(LOOPBACK);
  const [sharedStandin, oddStandin, elsewhere, outageStandin] = await Promise.all([
    startZohoStandin({ framing: 'chunked' }),
    startZohoStandin({ framing: 'chunked' }),
    startZohoStandin({ framing: 'content-length' }),
    startZohoStandin({ framing: 'chunked' }),
  ]);
  const [sharedGateway, oddGateway, outageGateway] = await Promise.all([
    // A per-call time limit of 3 s: a slow caller's 1 s replies fit; a turn waited behind
    // another caller's 100 calls would not.
    startRealGateway(sharedStandin.apiUrl, { ...GATEWAY_SETTINGS, ZOHO_TIMEOUT_MS: '3000', ZOHO_BREAKER_HALF_OPEN_MS: '30000' }),
    startRealGateway(oddStandin.apiUrl, { ...GATEWAY_SETTINGS, ZOHO_TIMEOUT_MS: '5000', ZOHO_BREAKER_HALF_OPEN_MS: '30000' }),
    startRealGateway(outageStandin.apiUrl, {
      ...GATEWAY_SETTINGS,
      ZOHO_TIMEOUT_MS: '5000',
      ZOHO_BREAKER_HALF_OPEN_MS: String(OUTAGE_HALF_OPEN_MS),
    }),
  ]);
  shared = { standin: sharedStandin, gateway: sharedGateway };
  odd = { standin: oddStandin, elsewhere, gateway: oddGateway };
  outage = { standin: outageStandin, gateway: outageGateway };
}, 60_000);

afterAll(async () => {
  await stopAllGateways();
  await Promise.all([shared, odd, outage].flatMap((s) => (s ? [s.standin.close()] : [])));
  await odd?.elsewhere.close();
  nock.disableNetConnect();
});

describe('one caller, or one resource, never opens the circuit for the others', () => {
  test('a caller whose every call fails: the others all succeed, the gateway-wide circuit stays closed, and its own calls stop', async () => {
    const { standin, gateway } = shared;
    const failing = newCaller('fail');
    const others = Array.from({ length: 5 }, () => newCaller('other'));
    standin.when({ authorization: failing.authorization, reply: { kind: 'status', status: 500 } });

    // 50 operations of the failing caller, 5 at a time, while 5 others read 20 ids each.
    const circuits: unknown[] = [];
    const hammer = (async () => {
      const replies: GraphQLReply[] = [];
      for (let batch = 0; batch < 10; batch++) {
        replies.push(...(await Promise.all(Array.from({ length: 5 }, (_, k) => graphql(gateway, failing, READ, { id: idOf(900 + batch * 5 + k) })))));
        circuits.push((await readyz(gateway))['circuit']);
      }
      return replies;
    })();
    const [failed, result] = await Promise.all([hammer, runOthers(gateway, others, 20, 4, 1000)]);

    expect(result.bad).toEqual([]);
    expect(result.ok).toBe(100);
    expect(circuits.every((state) => state === 'closed')).toBe(true);
    expect(await readyz(gateway)).toMatchObject({ httpStatus: 200, circuit: 'closed' });
    // Every one of its operations failed as an upstream error, never as something else.
    for (const reply of failed) expect(codesOf(reply)).toEqual(['UPSTREAM_ERROR']);

    // Its own circuit opened: far fewer Zoho calls than its 50 operations (each up to 3 tries)...
    const sent = standin.calls({ authorization: failing.authorization });
    expect(sent).toBeLessThan(50);
    // ...and now its calls fail fast, without reaching Zoho.
    const more = await Promise.all(Array.from({ length: 10 }, (_, k) => graphql(gateway, failing, READ, { id: idOf(990 + k) })));
    for (const reply of more) expect(codesOf(reply)).toEqual(['UPSTREAM_ERROR']);
    expect(standin.calls({ authorization: failing.authorization })).toBe(sent);
    // While another caller still gets through.
    const after = others[0] as Caller;
    expect(isCallersRead(await graphql(gateway, after, READ, { id: idOf(1999) }), after, idOf(1999))).toBe(true);
  }, 60_000);

  test('one payment method id that always fails, read several times at once by one caller: the others are unaffected', async () => {
    const { standin, gateway } = odd;
    const broken = idOf(5_000_000);
    const reader = newCaller('brkn');
    const others = Array.from({ length: 5 }, () => newCaller('other'));
    standin.when({ id: broken, reply: { kind: 'status', status: 500 } });

    const [brokenReads, result] = await Promise.all([
      (async () => {
        const replies: GraphQLReply[] = [];
        for (let round = 0; round < 3; round++) {
          replies.push(...(await Promise.all(Array.from({ length: 8 }, () => graphql(gateway, reader, READ, { id: broken })))));
        }
        return replies;
      })(),
      runOthers(gateway, others, 20, 4, 5_000_100),
    ]);

    for (const reply of brokenReads) expect(codesOf(reply)).toEqual(['UPSTREAM_ERROR']);
    expect(result.bad).toEqual([]);
    expect(result.ok).toBe(100);
    expect(await readyz(gateway)).toMatchObject({ httpStatus: 200, circuit: 'closed' });
    // And the others can still read right after.
    const after = others[1] as Caller;
    expect(isCallersRead(await graphql(gateway, after, READ, { id: idOf(5_000_999) }), after, idOf(5_000_999))).toBe(true);
  }, 60_000);

  test("a caller whose replies take 1 s, with a 100-id query in flight: the other callers' operations all succeed", async () => {
    const { standin, gateway } = shared;
    const slow = newCaller('slow');
    const others = Array.from({ length: 5 }, () => newCaller('other'));
    standin.when({ authorization: slow.authorization, delayMs: 1000 });

    const wide = graphql(gateway, slow, READ_MANY, { ids: Array.from({ length: 100 }, (_, k) => idOf(20_000 + k)) });
    // The slow caller's calls are at Zoho before the others start.
    expect(await eventually(() => standin.inFlight(slow.authorization) > 0, 5_000, 20)).toBe(true);
    const result = await runOthers(gateway, others, 20, 4, 30_000);
    const wideReply = await wide;

    // No UPSTREAM_TIMEOUT, no RATE_LIMITED, nothing else: every other operation is a complete read.
    expect(result.bad).toEqual([]);
    expect(result.ok).toBe(100);
    // The slow caller never had more than its ZOHO_MAX_CONCURRENCY_PER_CALLER calls at Zoho.
    expect(standin.maxInFlight(slow.authorization)).toBeLessThanOrEqual(16);
    // Its own operation answered (waiting its turn may make some of its ids RATE_LIMITED, never another caller's).
    expect(wideReply.status).toBe(200);
    for (const code of codesOf(wideReply)) expect(['RATE_LIMITED', 'UPSTREAM_TIMEOUT']).toContain(code);
    expect(await readyz(gateway)).toMatchObject({ httpStatus: 200, circuit: 'closed' });
  }, 60_000);
});

describe('Zoho failing for every caller', () => {
  test('the gateway-wide circuit opens within a few seconds and fails fast; after ZOHO_BREAKER_HALF_OPEN_MS, with Zoho healthy again, calls succeed', async () => {
    const { standin, gateway } = outage;
    const callers = Array.from({ length: 6 }, () => newCaller('down'));
    standin.when({ reply: { kind: 'status', status: 500 } });
    expect(await readyz(gateway)).toMatchObject({ circuit: 'closed' });

    // Each caller reads, one operation at a time, until /readyz says open (bounded: 20 each, 10 s).
    const started = Date.now();
    let open = false;
    let openedAfterMs = Number.POSITIVE_INFINITY;
    let n = 0;
    await Promise.all([
      ...callers.map(async (caller) => {
        for (let i = 0; i < 20 && !open && Date.now() - started < 10_000; i++) {
          await graphql(gateway, caller, READ, { id: idOf(40_000 + n++) });
        }
      }),
      (async () => {
        open = await eventually(async () => (await readyz(gateway))['circuit'] === 'open', 10_000, 50);
        openedAfterMs = Date.now() - started;
      })(),
    ]);
    expect(open).toBe(true);
    expect(openedAfterMs).toBeLessThan(5_000);

    // Open: every caller fails fast with UPSTREAM_ERROR, one that never failed too, and Zoho hears nothing.
    const before = standin.journal.length;
    const newcomer = newCaller('new');
    const fast = await Promise.all([...callers, newcomer].map((caller, k) => graphql(gateway, caller, READ, { id: idOf(49_000 + k) })));
    for (const reply of fast) expect(codesOf(reply)).toEqual(['UPSTREAM_ERROR']);
    expect(standin.journal.length).toBe(before);

    // Zoho recovers; once the half-open time has passed, calls go out again and succeed.
    standin.clearRules();
    await new Promise((resolve) => setTimeout(resolve, OUTAGE_HALF_OPEN_MS));
    const recovered = await eventually(
      async () => {
        const replies = await Promise.all(callers.map((caller, k) => graphql(gateway, caller, READ, { id: idOf(50_000 + k) })));
        return replies.every((reply, k) => isCallersRead(reply, callers[k] as Caller, idOf(50_000 + k)));
      },
      OUTAGE_HALF_OPEN_MS + 5_000,
      250,
    );
    expect(recovered).toBe(true);
    expect(isCallersRead(await graphql(gateway, newcomer, READ, { id: idOf(51_000) }), newcomer, idOf(51_000))).toBe(true);
    expect(standin.journal.length).toBeGreaterThan(before);
    expect(await readyz(gateway)).toMatchObject({ httpStatus: 200, circuit: 'closed' });
  }, 60_000);
});

/** Every string value anywhere in a log line. */
function stringsOf(value: unknown): string[] {
  if (typeof value === 'string') return [value];
  if (Array.isArray(value)) return value.flatMap(stringsOf);
  if (typeof value === 'object' && value !== null) return Object.values(value).flatMap(stringsOf);
  return [];
}

/** The gateway's log lines written since `from` (an index into its logs) that name `cause`. */
const linesNaming = (gateway: RealGateway, from: number, cause: string) =>
  gateway.logs().slice(from).filter((line) => stringsOf(line).includes(cause));

/** The count of `zoho_upstream_failures_total` with this cause (all endpoints). */
async function failuresWithCause(gateway: RealGateway, cause: string): Promise<number> {
  let total = 0;
  for (const line of (await metricsText(gateway)).split('\n')) {
    const match = /^zoho_upstream_failures_total\{([^}]*)\} (\d+)/.exec(line);
    if (match && new RegExp(`\\bcause="${cause}"`).test(match[1] as string)) total += Number(match[2]);
  }
  return total;
}

describe('odd upstreams', () => {
  test('a 302 is UPSTREAM_ERROR, never followed (the redirect target receives nothing); the log line and the metric name the cause', async () => {
    const { standin, elsewhere, gateway } = odd;
    const caller = newCaller('redir');
    const id = idOf(60_001);
    standin.when({
      authorization: caller.authorization,
      reply: { kind: 'redirect', status: 302, location: `${elsewhere.apiUrl}/paymentmethods/${id}?account_id=${caller.accountId}` },
    });
    const logsFrom = gateway.logs().length;
    const metricBefore = await failuresWithCause(gateway, 'redirect');

    const reply = await graphql(gateway, caller, READ, { id });

    expect(codesOf(reply)).toEqual(['UPSTREAM_ERROR']);
    expect(reply.data?.['paymentMethod']).toBeNull();
    expect(elsewhere.journal).toEqual([]);
    expect(reply.text).not.toContain(elsewhere.origin);
    expect(await eventually(() => linesNaming(gateway, logsFrom, 'redirect').length > 0, 10_000)).toBe(true);
    expect(await failuresWithCause(gateway, 'redirect')).toBeGreaterThan(metricBefore);
  });

  test.each(['chunked', 'content-length'] as const)(
    'a 2 MB body (%s) is UPSTREAM_ERROR; the log line and the metric say too_large',
    async (framing) => {
      const { standin, gateway } = odd;
      const caller = newCaller('huge');
      standin.when({ authorization: caller.authorization, reply: { kind: 'huge', bytes: 2 * 1024 * 1024 }, framing });
      const logsFrom = gateway.logs().length;
      const metricBefore = await failuresWithCause(gateway, 'too_large');

      const reply = await graphql(gateway, caller, READ, { id: idOf(60_002) });

      expect(codesOf(reply)).toEqual(['UPSTREAM_ERROR']);
      expect(reply.data?.['paymentMethod']).toBeNull();
      expect(reply.text).not.toContain('too_large');
      expect(reply.text.length).toBeLessThan(2_000);
      expect(await eventually(() => linesNaming(gateway, logsFrom, 'too_large').length > 0, 10_000)).toBe(true);
      expect(await failuresWithCause(gateway, 'too_large')).toBeGreaterThan(metricBefore);
    },
  );

  test.each([
    ['an HTML page', 'html' as const],
    ['a JSON code other than resource_does_not_exist (url_not_found)', { code: 'url_not_found' }],
    ['invalid_payment_session, which means "no such id" on a session only', { code: 'invalid_payment_session' }],
  ])('a 404 with %s: a read is UPSTREAM_ERROR (not null), a delete UPSTREAM_ERROR (not NOT_FOUND)', async (_what, variant) => {
    const { standin, gateway } = odd;
    const caller = newCaller('nf');
    standin.when({ authorization: caller.authorization, reply: { kind: 'not-found', variant } });

    const read = await graphql(gateway, caller, READ, { id: idOf(60_003) });
    expect(codesOf(read)).toEqual(['UPSTREAM_ERROR']);
    expect(read.errors?.[0]?.path).toEqual(['paymentMethod']);
    // Zoho's own 404 made it (not an open circuit): the call reached the stand-in.
    expect(standin.calls({ authorization: caller.authorization, method: 'GET' })).toBeGreaterThanOrEqual(1);

    const removed = await graphql(gateway, caller, DELETE, { id: idOf(60_004) });
    expect(codesOf(removed)).toEqual(['UPSTREAM_ERROR']);
    expect(removed.data?.['deletePaymentMethod'] ?? null).toBeNull();
    expect(removed.text).not.toContain('NOT_FOUND');
    expect(standin.calls({ authorization: caller.authorization, method: 'DELETE' })).toBe(1);
  });

  test('a 404 on a session whose code is not Zoho\'s "no such id" is UPSTREAM_ERROR', async () => {
    const { standin, gateway } = odd;
    const caller = newCaller('nfs');
    standin.when({ authorization: caller.authorization, reply: { kind: 'not-found', variant: 'html' } });
    expect(codesOf(await graphql(gateway, caller, READ_SESSION, { id: idOf(60_005) }))).toEqual(['UPSTREAM_ERROR']);
    standin.when({ authorization: caller.authorization, reply: { kind: 'not-found', variant: { code: 'url_not_found' } } });
    expect(codesOf(await graphql(gateway, caller, READ_SESSION, { id: idOf(60_006) }))).toEqual(['UPSTREAM_ERROR']);
    expect(standin.calls({ authorization: caller.authorization, id: idOf(60_005) })).toBeGreaterThanOrEqual(1);
    expect(standin.calls({ authorization: caller.authorization, id: idOf(60_006) })).toBeGreaterThanOrEqual(1);
  });

  test('resource_does_not_exist still reads as null and deletes as NOT_FOUND; invalid_payment_session on a session read is null', async () => {
    const { standin, gateway } = odd;
    const caller = newCaller('gone');
    standin.when({ authorization: caller.authorization, reply: { kind: 'not-found', variant: 'resource_does_not_exist' } });

    const read = await graphql(gateway, caller, READ, { id: idOf(60_007) });
    expect(read.errors).toBeUndefined();
    expect(read.data).toEqual({ paymentMethod: null });

    const removed = await graphql(gateway, caller, DELETE, { id: idOf(60_008) });
    expect(removed.errors).toBeUndefined();
    expect(removed.data?.['deletePaymentMethod']).toMatchObject({
      deletedPaymentMethodId: null,
      userErrors: [expect.objectContaining({ code: 'NOT_FOUND' })],
    });

    const session = await graphql(gateway, caller, READ_SESSION, { id: idOf(60_009) });
    expect(session.errors).toBeUndefined();
    expect(session.data).toEqual({ paymentMethodSession: null });

    standin.when({ authorization: caller.authorization, reply: { kind: 'not-found', variant: { code: 'invalid_payment_session' } } });
    const invalid = await graphql(gateway, caller, READ_SESSION, { id: idOf(60_010) });
    expect(invalid.errors).toBeUndefined();
    expect(invalid.data).toEqual({ paymentMethodSession: null });
  });

  test.each(['100000000000000000000000', '86401'])('a Retry-After of %s gives retryAfterSeconds 86400', async (retryAfter) => {
    const { standin, gateway } = odd;
    const caller = newCaller('slowdn');
    standin.when({ authorization: caller.authorization, reply: { kind: 'rate-limit', retryAfter } });

    const reply = await graphql(gateway, caller, READ, { id: idOf(60_011) });

    expect(codesOf(reply)).toEqual(['RATE_LIMITED']);
    expect(reply.errors?.[0]?.extensions?.['retryAfterSeconds']).toBe(86400);
  });

  test("a Zoho code of 500 characters, or one holding the caller's token, reaches the client as at most 64 characters, the token masked", async () => {
    const { standin, gateway } = odd;
    const long = newCaller('code');
    standin.when({ authorization: long.authorization, reply: { kind: 'status', status: 400, code: 'x'.repeat(500) } });
    const longReply = await graphql(gateway, long, READ, { id: idOf(60_012) });
    expect(longReply.errors).toHaveLength(1);
    const longCode = longReply.errors?.[0]?.extensions?.['upstreamCode'];
    expect(typeof longCode).toBe('string');
    expect((longCode as string).length).toBeLessThanOrEqual(64);
    expect(longReply.text).not.toContain('x'.repeat(65));

    const leaky = newCaller('leak');
    standin.when({ authorization: leaky.authorization, reply: { kind: 'status', status: 400, code: `bad_token_${leaky.token}`, message: `token ${leaky.token} is bad` } });
    const leakyReply = await graphql(gateway, leaky, READ, { id: idOf(60_013) });
    expect(leakyReply.errors).toHaveLength(1);
    const leakyCode = leakyReply.errors?.[0]?.extensions?.['upstreamCode'];
    expect(typeof leakyCode).toBe('string');
    expect((leakyCode as string).length).toBeLessThanOrEqual(64);
    // No part of the token survives (not even the part a cut at 64 characters would leave).
    for (let i = 0; i + 12 <= leaky.token.length; i += 4) expect(leakyReply.text).not.toContain(leaky.token.slice(i, i + 12));
  });

  test('a refused connection: UPSTREAM_ERROR to the client, `refused` in the log line and the metric, never to the client', async () => {
    // A port that was free a moment ago: nothing listens there.
    const closed = await startZohoStandin();
    const apiUrl = closed.apiUrl;
    await closed.close();
    const gateway = await startRealGateway(apiUrl, { ...GATEWAY_SETTINGS, ZOHO_TIMEOUT_MS: '3000', ZOHO_RETRIES: '0', ZOHO_BREAKER_HALF_OPEN_MS: '30000' });
    try {
      const reply = await graphql(gateway, newCaller('refu'), READ, { id: idOf(60_014) });
      expect(codesOf(reply)).toEqual(['UPSTREAM_ERROR']);
      expect(reply.text).not.toMatch(/refused|ECONNREFUSED/);
      expect(await eventually(() => linesNaming(gateway, 0, 'refused').length > 0, 10_000)).toBe(true);
      expect(await failuresWithCause(gateway, 'refused')).toBeGreaterThan(0);
    } finally {
      await gateway.stop();
    }
  }, 40_000);
});
