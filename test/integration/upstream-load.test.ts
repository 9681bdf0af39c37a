/**
 * The gateway under production's load, as production runs it: `src/main.ts` as a process of its
 * own (its own HTTP client, agents and pool; no nock in it), in production mode, against a Zoho
 * stand-in on loopback (test/support/zoho-standin.ts) that answers with
 * `Transfer-Encoding: chunked` (as Zoho may) or with `Content-Length` (as the embedded sandbox does).
 *
 * 1,000 GraphQL operations at once, from 30 callers (30 tokens, 30 accounts), each reading two
 * payment methods of its own: every operation must succeed, and nothing may cross between
 * callers. Every reply holds the caller's data (the stand-in derives each payment method's
 * customer from the Authorization header and account id it was asked with), and every upstream
 * call carried the token and account id of the operation that caused it (the stand-in's journal,
 * matched by id: each id is asked for by one operation only). On node-fetch 2.7, past 64 calls in
 * flight against a chunked upstream, 536 of 600 reads failed (issue 14).
 */
import http from 'node:http';
import nock from 'nock';
import {
  LOOPBACK,
  graphql,
  readyz,
  startRealGateway,
  stopAllGateways,
  type GraphQLReply,
  type RealGateway,
} from '../support/gateway-process';
import { customerIdFor, customerNameFor, startZohoStandin, type Framing, type ZohoStandin } from '../support/zoho-standin';

const CALLERS = Array.from({ length: 30 }, (_, i) => ({
  authorization: `Zoho-oauthtoken 1000.load${String(i).padStart(2, '0')}a1b2c3d4e5f6.f6e5d4c3b2a1load${String(i).padStart(2, '0')}`,
  accountId: String(60_000_000 + i * 7919),
}));
const OPERATIONS = 1000;
const IDS_PER_OPERATION = 2;
const PER_CALLER = 16;

const QUERY = `query Load($ids: [ID!]!) {
  paymentMethods(ids: $ids) { id status customer { id name } details { ... on CardDetails { last4 } } }
}`;

/** Operation `op`'s ids: unique to it, so the journal tells which operation each upstream call served. */
const idsOf = (op: number) => Array.from({ length: IDS_PER_OPERATION }, (_, k) => `1987${String(op * IDS_PER_OPERATION + k).padStart(12, '0')}`);
const callerOf = (op: number) => CALLERS[op % CALLERS.length] as (typeof CALLERS)[number];

const arms: Record<Framing, { standin?: ZohoStandin; gateway?: RealGateway }> = { chunked: {}, 'content-length': {} };

beforeAll(async () => {
  nock.enableNetConnect(LOOPBACK);
  await Promise.all(
    (['chunked', 'content-length'] as const).map(async (framing) => {
      const standin = await startZohoStandin({ framing });
      // A little of Zoho's latency, so that hundreds of calls really are in flight at once.
      standin.when({ delayMs: 25 });
      arms[framing].standin = standin;
      arms[framing].gateway = await startRealGateway(standin.apiUrl, {
        NODE_ENV: 'production',
        ZOHO_TIMEOUT_MS: '10000',
        ZOHO_RETRIES: '2',
        ZOHO_MAX_CONCURRENCY_PER_CALLER: String(PER_CALLER),
        ZOHO_MAX_CALLS_PER_OPERATION: '200',
      });
    }),
  );
}, 60_000);

afterAll(async () => {
  await stopAllGateways();
  await Promise.all(Object.values(arms).map((arm) => arm.standin?.close()));
  nock.disableNetConnect();
});

describe.each(['chunked', 'content-length'] as const)('1,000 operations at once over 30 callers, Zoho answering %s', (framing) => {
  test('zero failures, zero cross-talk', async () => {
    const { standin, gateway } = arms[framing] as { standin: ZohoStandin; gateway: RealGateway };
    const agent = new http.Agent({ keepAlive: true, maxSockets: OPERATIONS });
    let replies: GraphQLReply[];
    try {
      replies = await Promise.all(
        Array.from({ length: OPERATIONS }, (_, op) => graphql(gateway, callerOf(op), QUERY, { ids: idsOf(op) }, agent)),
      );
    } finally {
      agent.destroy();
    }

    // Every operation answered, completely, with no error.
    const failed = replies
      .map((reply, op) => ({ op, status: reply.status, errors: reply.errors, text: reply.text.slice(0, 300) }))
      .filter(({ status, errors }) => status !== 200 || errors !== undefined);
    expect(failed.slice(0, 5)).toEqual([]);
    expect(failed).toHaveLength(0);

    // Every reply is the asking caller's: its ids, its customer.
    const crossed: number[] = [];
    replies.forEach((reply, op) => {
      const { authorization, accountId } = callerOf(op);
      const methods = reply.data?.['paymentMethods'] as Array<{ id: string; customer: { id: string; name: string }; details: { last4: string } }>;
      const expected = idsOf(op).map((id) => ({
        id,
        status: 'ACTIVE',
        customer: { id: customerIdFor(authorization, accountId), name: customerNameFor(authorization, accountId) },
        details: { last4: id.slice(-4) },
      }));
      if (JSON.stringify(methods) !== JSON.stringify(expected)) crossed.push(op);
    });
    expect(crossed).toEqual([]);

    // Every upstream call carried the token and account of the operation that asked for its id,
    // and each id was asked for exactly once (no failure, so no retry).
    const journal = standin.journal;
    const wrongCaller = journal.filter((entry) => {
      const op = Math.floor(Number(entry.id?.slice(4)) / IDS_PER_OPERATION);
      const caller = callerOf(op);
      return entry.method !== 'GET' || entry.authorization !== caller.authorization || entry.accountId !== caller.accountId;
    });
    expect(wrongCaller.slice(0, 5)).toEqual([]);
    expect(journal).toHaveLength(OPERATIONS * IDS_PER_OPERATION);
    expect(new Set(journal.map((entry) => entry.id)).size).toBe(OPERATIONS * IDS_PER_OPERATION);
    expect(journal.every((entry) => entry.outcome === 200)).toBe(true);

    // The load really went past the 64 calls in flight where node-fetch broke, and no caller
    // ever had more than its ZOHO_MAX_CONCURRENCY_PER_CALLER calls at Zoho.
    expect(standin.maxInFlight()).toBeGreaterThan(64);
    for (const caller of CALLERS) expect(standin.maxInFlight(caller.authorization)).toBeLessThanOrEqual(PER_CALLER);

    // Nothing failed, so nothing opened.
    expect(await readyz(gateway)).toMatchObject({ httpStatus: 200, status: 'ready', circuit: 'closed' });
  }, 60_000);
});
