/**
 * The idempotency race with real concurrent requests: the gateway as its own process (`npm start`
 * with ZOHO_API_URL at the sandbox, its in-memory idempotency store built by startGateway) and the
 * sandbox as its own process, over loopback sockets. The sandbox holds the one POST for a while (a
 * latency fault), so every other request with the same key arrives while the first is in flight;
 * the sandbox's journal counts what reached "Zoho".
 */
import { randomBytes } from 'node:crypto';
import nock from 'nock';
import { jsonOf, postGraphQL } from '../http-client';
import { sandboxControl } from '../support/gateway-process';
import { LOOPBACK, startGatewayProcess, startSandboxProcess, stopAllProcesses, type GatewayProcess, type SandboxProcess } from '../support/processes';

jest.setTimeout(30_000);

const ACCOUNT_ID = '1000000001';
const CUSTOMER_ID = '1987000000724207';
const FULL = { Authorization: 'Zoho-oauthtoken sandbox_full', 'X-Zoho-Account-Id': ACCOUNT_ID };
/** A token added per test with the CREATE scope only: it may create a session, not read one. */
const CREATE_ONLY_TOKEN = 'race_create_only';
const CREATE_ONLY = { Authorization: `Zoho-oauthtoken ${CREATE_ONLY_TOKEN}`, 'X-Zoho-Account-Id': ACCOUNT_ID };
const POST_LATENCY_MS = 800;

const CREATE = `mutation Create($input: CreatePaymentMethodSessionInput!) {
  createPaymentMethodSession(input: $input) {
    paymentMethodSession { id status customer { id } }
    userErrors { field code message }
  }
}`;

interface Reply {
  data?: { createPaymentMethodSession: { paymentMethodSession: { id: string } | null; userErrors: Array<{ code: string }> } } | null;
  errors?: Array<{ extensions?: { code?: string } }>;
}
interface JournalEntry {
  endpoint: string;
  method: string;
  account_id?: string;
}

let sandbox: SandboxProcess;
let gateway: GatewayProcess;

beforeAll(async () => {
  nock.enableNetConnect(LOOPBACK);
  try {
    sandbox = await startSandboxProcess();
    gateway = await startGatewayProcess({ ZOHO_API_URL: sandbox.apiUrl, HOST: '127.0.0.1', LOG_LEVEL: 'info' });
  } catch (error) {
    await stopAllProcesses();
    throw error;
  }
}, 60_000);

afterAll(() => stopAllProcesses());

beforeEach(async () => {
  await control('POST', '/__sandbox/reset', {});
  await control('POST', '/__sandbox/tokens', { token: CREATE_ONLY_TOKEN, account_id: ACCOUNT_ID, scopes: ['CREATE'] });
  await control('POST', '/__sandbox/faults', { endpoint: 'createPaymentMethodSession', type: 'latency', latency_ms: POST_LATENCY_MS, count: 1 });
});

const control = (method: 'GET' | 'POST', path: string, body?: unknown) => sandboxControl(sandbox, method, path, body);

const journal = async (endpoint: string) =>
  ((await control('GET', '/__sandbox/requests'))['requests'] as JournalEntry[]).filter((entry) => entry.endpoint === endpoint);

async function create(idempotencyKey: string, headers: Record<string, string> = FULL, description = 'race'): Promise<Reply> {
  const reply = await postGraphQL(gateway.url, { query: CREATE, variables: { input: { customerId: CUSTOMER_ID, description, idempotencyKey } } }, headers);
  expect(reply.status).toBe(200);
  return jsonOf<Reply>(reply);
}

const sessionIdOf = (reply: Reply) => reply.data?.createPaymentMethodSession.paymentMethodSession?.id;
const delay = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** Resolves once the POST is at the sandbox, held by the latency fault (which it used up on arrival). */
async function postHeldAtSandbox(): Promise<void> {
  for (let i = 0; i < 200; i += 1) {
    if (((await control('GET', '/__sandbox/faults'))['faults'] as unknown[]).length === 0) return;
    await delay(10);
  }
  throw new Error('the POST never reached the sandbox');
}

/**
 * A fresh key with no digits: the log line redacts any digit run that could be a card number, and
 * a 13-digit timestamp passes the card check one time in ten (the key would then not match).
 */
function lettersOnly(): string {
  return randomBytes(8).toString('hex').replace(/[0-9]/g, (digit) => 'ghijklmnop'[Number(digit)] as string);
}

/** The gateway's audit entries so far for `idempotencyKey` (from its JSON log lines on stdout). */
function auditOutcomes(idempotencyKey: string): string[] {
  return gateway.stdout
    .split('\n')
    .filter((line) => line.startsWith('{') && line.includes('"graphql operation"'))
    .flatMap((line) => ((JSON.parse(line) as { mutations?: Array<{ idempotencyKey?: string; outcome: string }> }).mutations ?? []))
    .filter((entry) => entry.idempotencyKey === idempotencyKey)
    .map((entry) => entry.outcome);
}

describe('concurrent identical creates with one idempotencyKey (real processes)', () => {
  it('make exactly one POST at the sandbox; every caller gets the one session, the others by reading it back', async () => {
    const key = `race-${lettersOnly()}-same`;
    const first = create(key);
    await postHeldAtSandbox();
    const replies = await Promise.all([first, ...Array.from({ length: 7 }, () => create(key))]);

    expect(replies.map((reply) => reply.errors)).toEqual(Array(8).fill(undefined));
    const ids = new Set(replies.map(sessionIdOf));
    expect(ids.size).toBe(1);
    expect([...ids][0]).toMatch(/^\d{16,19}$/);
    expect(await journal('createPaymentMethodSession')).toHaveLength(1);
    expect(await journal('retrievePaymentMethodSession')).toHaveLength(7);
    // One audit record says created, the other seven replayed.
    // The gateway writes its logs in batches (at least every 250 ms): wait up to 10 s on a loaded machine.
    for (let i = 0; i < 500 && auditOutcomes(key).length < 8; i += 1) await delay(20);
    expect(auditOutcomes(key).sort()).toEqual(['created', ...Array(7).fill('replayed')].sort());
  });

  it("a waiting caller whose token may not read the session gets Zoho's 403, never the session another token created", async () => {
    const key = `race-${lettersOnly()}-tokens`;
    const first = create(key, FULL);
    await postHeldAtSandbox();
    const [full, createOnly] = await Promise.all([first, create(key, CREATE_ONLY)]);

    expect(sessionIdOf(full)).toMatch(/^\d{16,19}$/);
    expect(createOnly.data).toBeNull();
    expect(createOnly.errors?.map((error) => error.extensions?.code)).toEqual(['FORBIDDEN']);
    expect(JSON.stringify(createOnly)).not.toContain(sessionIdOf(full) as string);
    expect(await journal('createPaymentMethodSession')).toHaveLength(1);
  });

  it('while the first is in flight, the same key with another input is IDEMPOTENCY_CONFLICT at once; other keys write on their own', async () => {
    const key = `race-${lettersOnly()}-conflict`;
    const first = create(key);
    await postHeldAtSandbox();
    const started = Date.now();
    const conflict = await create(key, FULL, 'another description');
    expect(Date.now() - started).toBeLessThan(POST_LATENCY_MS / 2);
    expect(conflict.data?.createPaymentMethodSession).toEqual({
      paymentMethodSession: null,
      userErrors: [expect.objectContaining({ field: ['input', 'idempotencyKey'], code: 'IDEMPOTENCY_CONFLICT' })],
    });
    const [firstReply, a, b] = await Promise.all([first, create(`${key}-a`), create(`${key}-b`)]);
    expect(new Set([sessionIdOf(firstReply), sessionIdOf(a), sessionIdOf(b)]).size).toBe(3);
    expect(await journal('createPaymentMethodSession')).toHaveLength(3);
  });
});
