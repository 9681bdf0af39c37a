/**
 * The rate budget (src/datasources/rate-budget.ts, contract.md: ZOHO_RATE_LIMIT_PER_MINUTE), in
 * memory, through the gateway with Zoho in nock: which budget each call draws on, what a refusal
 * looks like, and that a refused call never reaches Zoho. The budgets are small, so every test
 * stays inside one minute's window: no clock is needed, and none is waited on. Where the policy
 * draws (retries, turns, circuits) is in upstream-policy.test.ts; the Redis-backed budget in
 * test/integration/rate-budget-redis.test.ts.
 */
import { randomBytes } from 'node:crypto';
import { AcceptedTokens } from '../../src/datasources/accepted-tokens';
import { createRateBudget } from '../../src/datasources/rate-budget';
import { createGateway, type Gateway } from '../../src/server';
import {
  ACCOUNT_ID,
  AUTHORIZATION,
  NOW,
  TEST_FETCHER,
  captureLogger,
  seed,
  testConfig,
  withoutUpstreamCalls,
  zoho,
  type OperationResult,
} from '../helpers';

const PM_ID = '1987000000724211';
const OTHER_ACCOUNT_ID = '46000000991';
const PAYMENT_METHOD = `query ($id: ID!) { paymentMethod(id: $id) { id } }`;

const newAuthorization = () => `Zoho-oauthtoken 1000.${randomBytes(12).toString('hex')}.${randomBytes(12).toString('hex')}`;

interface BudgetGateway {
  gateway: Gateway;
  logs: ReturnType<typeof captureLogger>;
  /** Reads PM_ID as this caller. */
  read: (authorization?: string, accountId?: string) => Promise<OperationResult>;
  /** The gateway's /metrics text. */
  metrics: () => Promise<string>;
}

let running: Gateway | undefined;
afterEach(async () => {
  await running?.stop();
  running = undefined;
});

/** The gateway as production builds it, with these budgets, no retries and no circuits. */
async function budgetGateway(perMinute: number, unverifiedPerMinute: number): Promise<BudgetGateway> {
  const logs = captureLogger();
  const config = testConfig(
    { ZOHO_RATE_LIMIT_PER_MINUTE: String(perMinute), ZOHO_UNVERIFIED_RATE_LIMIT_PER_MINUTE: String(unverifiedPerMinute) },
    { retries: 0, breakerThreshold: 0 },
  );
  const gateway = await createGateway(config, { logger: logs.logger, now: () => NOW, fetcher: TEST_FETCHER });
  running = gateway;
  return {
    gateway,
    logs,
    async read(authorization = AUTHORIZATION, accountId = ACCOUNT_ID) {
      const { response } = await gateway.execute(
        { query: PAYMENT_METHOD, variables: { id: PM_ID } },
        { authorization, 'x-zoho-account-id': accountId },
      );
      if (response.body.kind !== 'single') throw new Error('expected a single result');
      return response.body.singleResult as OperationResult;
    },
    metrics: async () => (await gateway.metrics.exposition()).body,
  };
}

/** Zoho answers `times` reads of PM_ID by this caller (method, path, exact query and headers). */
function zohoAnswers(times: number, authorization = AUTHORIZATION, accountId = ACCOUNT_ID, status = 200): void {
  const reply =
    status === 200 ? seed('retrieve-payment-method.response') : { code: 'invalid_oauthtoken', message: 'Invalid OAuth token.' };
  zoho(authorization).get(`/api/v1/paymentmethods/${PM_ID}`).query({ account_id: accountId }).times(times).reply(status, reply);
}

async function expectServed(result: Promise<OperationResult>): Promise<void> {
  const { data, errors } = await result;
  expect(errors).toBeUndefined();
  expect(data?.['paymentMethod']).toEqual({ id: PM_ID });
}

/** The operation is refused by the rate budget, without any call to Zoho (and no interceptor is left); its extensions. */
async function expectRefusedUnsent(result: () => Promise<OperationResult>, variable: string): Promise<Record<string, unknown>> {
  const { errors } = await withoutUpstreamCalls(result);
  expect(errors).toHaveLength(1);
  const error = errors![0]!;
  expect(error.extensions).toMatchObject({ code: 'RATE_LIMITED' });
  expect(error.message).toContain(variable);
  const retryAfter = error.extensions!['retryAfterSeconds'];
  expect(Number.isInteger(retryAfter)).toBe(true);
  expect(retryAfter).toBeGreaterThanOrEqual(1);
  expect(retryAfter).toBeLessThanOrEqual(60);
  return error.extensions!;
}

const lastLogLine = (logs: BudgetGateway['logs']): Record<string, unknown> => {
  const operations = logs.lines().filter((line) => line.includes('"graphql operation"'));
  return JSON.parse(operations.at(-1)!) as Record<string, unknown>;
};

describe('through the gateway (Zoho in nock)', () => {
  test("an accepted token draws on its account's budget: past ZOHO_RATE_LIMIT_PER_MINUTE the call is RATE_LIMITED, Zoho is not called, and log and metrics say why", async () => {
    const g = await budgetGateway(3, 2);
    // The first call proves the token (from the unverified budget), the next three are the account's.
    zohoAnswers(4);
    for (let i = 0; i < 4; i++) await expectServed(g.read());
    await expectRefusedUnsent(() => g.read(), 'ZOHO_RATE_LIMIT_PER_MINUTE');
    expect(lastLogLine(g.logs)).toMatchObject({
      errorCodes: ['RATE_LIMITED'],
      upstreamCallCount: 0,
      unsentCalls: [{ endpoint: 'retrievePaymentMethod', reason: 'rate_budget' }],
    });
    const metrics = await g.metrics();
    expect(metrics).toContain('zoho_rate_budget_rejections_total{budget="account"} 1');
    expect(metrics).toContain('zoho_rate_budget_rejections_total{budget="unverified"} 0');
    expect(metrics).toContain('zoho_upstream_unsent_total{endpoint="retrievePaymentMethod",reason="rate_budget"} 1');
    expect(metrics).toContain('zoho_upstream_requests_total{endpoint="retrievePaymentMethod",status="200"} 4');
  });

  test("a new token's first call draws on the unverified budget, not on its account's", async () => {
    const g = await budgetGateway(3, 1);
    zohoAnswers(1);
    await expectServed(g.read());
    // Same account, a token Zoho has not seen accept: the unverified budget (1) is spent.
    await expectRefusedUnsent(() => g.read(newAuthorization()), 'ZOHO_UNVERIFIED_RATE_LIMIT_PER_MINUTE');
    expect(await g.metrics()).toContain('zoho_rate_budget_rejections_total{budget="unverified"} 1');
    // The accepted token still has its account's whole budget.
    zohoAnswers(3);
    for (let i = 0; i < 3; i++) await expectServed(g.read());
    await expectRefusedUnsent(() => g.read(), 'ZOHO_RATE_LIMIT_PER_MINUTE');
  });

  test("made-up tokens with an account's id spend only the unverified budget, never that account's", async () => {
    const g = await budgetGateway(3, 3);
    zohoAnswers(1);
    await expectServed(g.read());
    const madeUp = [newAuthorization(), newAuthorization()];
    for (const authorization of madeUp) {
      zohoAnswers(1, authorization, ACCOUNT_ID, 401);
      const { errors } = await g.read(authorization);
      expect(errors?.[0]?.extensions).toMatchObject({ code: 'UNAUTHENTICATED' });
    }
    await expectRefusedUnsent(() => g.read(newAuthorization()), 'ZOHO_UNVERIFIED_RATE_LIMIT_PER_MINUTE');
    zohoAnswers(3);
    for (let i = 0; i < 3; i++) await expectServed(g.read());
    await expectRefusedUnsent(() => g.read(), 'ZOHO_RATE_LIMIT_PER_MINUTE');
  });

  test('two accounts have budgets of their own', async () => {
    const g = await budgetGateway(2, 2);
    const other = newAuthorization();
    zohoAnswers(3);
    for (let i = 0; i < 3; i++) await expectServed(g.read());
    await expectRefusedUnsent(() => g.read(), 'ZOHO_RATE_LIMIT_PER_MINUTE');
    zohoAnswers(3, other, OTHER_ACCOUNT_ID);
    for (let i = 0; i < 3; i++) await expectServed(g.read(other, OTHER_ACCOUNT_ID));
    await expectRefusedUnsent(() => g.read(other, OTHER_ACCOUNT_ID), 'ZOHO_RATE_LIMIT_PER_MINUTE');
  });

  test('a 401 does not make a token accepted', async () => {
    const g = await budgetGateway(10, 2);
    const madeUp = newAuthorization();
    zohoAnswers(2, madeUp, ACCOUNT_ID, 401);
    for (let i = 0; i < 2; i++) expect((await g.read(madeUp)).errors?.[0]?.extensions).toMatchObject({ code: 'UNAUTHENTICATED' });
    // Had a 401 proved it, this call would draw on the account's budget (10) and go out.
    await expectRefusedUnsent(() => g.read(madeUp), 'ZOHO_UNVERIFIED_RATE_LIMIT_PER_MINUTE');
  });

  test('a 401 forgets a token Zoho accepted before: its next call draws on the unverified budget', async () => {
    const g = await budgetGateway(10, 1);
    zohoAnswers(1);
    await expectServed(g.read());
    // Revoked meanwhile: this call is the account's (the token was accepted), and Zoho says 401.
    zohoAnswers(1, AUTHORIZATION, ACCOUNT_ID, 401);
    expect((await g.read()).errors?.[0]?.extensions).toMatchObject({ code: 'UNAUTHENTICATED' });
    await expectRefusedUnsent(() => g.read(), 'ZOHO_UNVERIFIED_RATE_LIMIT_PER_MINUTE');
  });

  test('refusals never open a circuit: one over-budget caller is not an outage', async () => {
    const logs = captureLogger();
    const config = testConfig(
      { ZOHO_RATE_LIMIT_PER_MINUTE: '1', ZOHO_UNVERIFIED_RATE_LIMIT_PER_MINUTE: '1' },
      { retries: 0, breakerThreshold: 1, breakerMinCallers: 1 },
    );
    const gateway = await createGateway(config, { logger: logs.logger, now: () => NOW, fetcher: TEST_FETCHER });
    running = gateway;
    const read = () =>
      gateway.execute({ query: PAYMENT_METHOD, variables: { id: PM_ID } }, { authorization: AUTHORIZATION, 'x-zoho-account-id': ACCOUNT_ID });
    zohoAnswers(2);
    await read();
    await read();
    await withoutUpstreamCalls(async () => {
      for (let i = 0; i < 5; i++) await read();
    });
    // One counted failure would have opened this caller's circuit, and with it the gateway's.
    expect(gateway.upstreamPolicy.openCallerCircuits).toBe(0);
    expect(gateway.upstreamPolicy.circuitState).toBe('closed');
    expect((await gateway.metrics.exposition()).body).toContain('zoho_rate_budget_rejections_total{budget="account"} 5');
  });
});

describe('accepted tokens', () => {
  test('remembered for an hour from their last acceptance, then forgotten', () => {
    let now = 0;
    const accepted = new AcceptedTokens({ now: () => now });
    accepted.accept('alice');
    now = 3_599_999;
    expect(accepted.has('alice')).toBe(true);
    accepted.accept('alice');
    now += 3_599_999;
    expect(accepted.has('alice')).toBe(true);
    now += 1;
    expect(accepted.has('alice')).toBe(false);
    expect(accepted.size).toBe(0);
  });

  test('bounded: past maxEntries the oldest acceptance goes first', () => {
    const accepted = new AcceptedTokens({ maxEntries: 2 });
    accepted.accept('alice');
    accepted.accept('bob');
    accepted.accept('alice');
    accepted.accept('carol');
    expect([accepted.has('alice'), accepted.has('bob'), accepted.has('carol')]).toEqual([true, false, true]);
    expect(accepted.size).toBe(2);
  });

  test('which of Zoho\'s replies prove a token, and a 401 forgets it', async () => {
    const tokens = new AcceptedTokens();
    const budget = createRateBudget({ perMinute: 100, unverifiedPerMinute: 100, acceptedTokens: tokens });
    const proves = (status: number, zohoCode?: string) => {
      tokens.forget('caller');
      budget.errorReply('caller', status, zohoCode);
      return tokens.has('caller');
    };
    // Only an id looked for in the account: a 404 with the codes of "no such id".
    expect([proves(404, 'resource_does_not_exist'), proves(404, 'invalid_payment_session')]).toEqual([true, true]);
    // A real token with someone else's account id gets a 400 invalid_account_id: it proves nothing,
    // nor does any other 4xx, a 404 without those codes (a wrong ZOHO_API_URL path), or a 5xx.
    expect([proves(400, 'invalid_account_id'), proves(400, 'invalid_parameter'), proves(404), proves(404, 'error'), proves(409), proves(422)]).toEqual([
      false, false, false, false, false, false,
    ]);
    expect([401, 403, 429, 500, 503].map((status) => proves(status))).toEqual([false, false, false, false, false]);
    budget.tokenAccepted('caller');
    budget.errorReply('caller', 403);
    expect(tokens.has('caller')).toBe(true);
    budget.errorReply('caller', 401);
    expect(tokens.has('caller')).toBe(false);
    // And the draw follows: accepted, the account's budget; otherwise the unverified one.
    expect(await budget.draw({ callerKey: 'caller', accountId: ACCOUNT_ID })).toMatchObject({ admitted: true, budget: 'unverified' });
    budget.tokenAccepted('caller');
    expect(await budget.draw({ callerKey: 'caller', accountId: ACCOUNT_ID })).toMatchObject({ admitted: true, budget: 'account', key: ACCOUNT_ID });
  });
});
