/**
 * Redis as production runs it: `rediss://` (TLS, a throwaway certificate trusted through
 * NODE_EXTRA_CA_CERTS, test/support/certs.ts) and an ACL user with a password, the `default`
 * user off, and that user limited as docs/deploy/kubernetes/redis.yaml limits it. The gateway as
 * its own process (`src/main.ts`) against the sandbox process: keyed mutations work through that
 * Redis, and the URL's password reaches no log line, nor stderr, neither when it is right, nor
 * when it is wrong, nor when the URL is malformed.
 */
import nock from 'nock';
import { Redis } from 'ioredis';
import { scopedKey } from '../../src/idempotency/idempotency';
import { makeSelfSignedCert, type SelfSignedCert } from '../support/certs';
import { LOOPBACK, readyz, request, settledLogs, startRealGateway, stopAllGateways, type RealGateway } from '../support/gateway-process';
import { ProcessStartError, startGatewayProcess, startSandboxProcess, type SandboxProcess } from '../support/processes';
import { startRedisServer, stopAllRedisServers, type RedisServer } from '../support/redis-server';

jest.setTimeout(40_000);

const PASSWORD = 'acl-Pa55word-never-logged';
const WRONG_PASSWORD = 'wrong-Pa55word-never-logged';
const ACCOUNT_ID = '1000000001';
const FULL = { authorization: 'Zoho-oauthtoken sandbox_full', 'x-zoho-account-id': ACCOUNT_ID };
const CREATE = `mutation Create($input: CreatePaymentMethodSessionInput!) {
  createPaymentMethodSession(input: $input) { paymentMethodSession { id } userErrors { code } }
}`;

let cert: SelfSignedCert;
let redis: RedisServer;
let sandbox: SandboxProcess;

beforeAll(async () => {
  nock.enableNetConnect(LOOPBACK);
  cert = await makeSelfSignedCert();
  [redis, sandbox] = await Promise.all([
    startRedisServer({
      tls: { certFile: cert.certPath, keyFile: cert.keyPath },
      // The ACL docs/deploy/kubernetes/redis.yaml gives the gateway: its prefix's keys only, no @dangerous command but INFO.
      args: ['--user', 'default', 'off', '--user', 'gateway', 'on', `>${PASSWORD}`, '~tls-acl:*', '+@all', '-@dangerous', '+info'],
    }),
    startSandboxProcess(),
  ]);
}, 40_000);

afterAll(async () => {
  await stopAllGateways();
  await stopAllRedisServers();
  await cert?.remove();
});

const urlWith = (password: string) => redis.url.replace('rediss://', `rediss://gateway:${encodeURIComponent(password)}@`);

function gatewayWith(password: string): Promise<RealGateway> {
  return startRealGateway(sandbox.apiUrl, { REDIS_URL: urlWith(password), REDIS_KEY_PREFIX: 'tls-acl:', NODE_EXTRA_CA_CERTS: cert.certPath });
}

async function create(gateway: RealGateway, idempotencyKey: string) {
  const reply = await request(gateway.url, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...FULL },
    body: JSON.stringify({ query: CREATE, variables: { input: { customerId: '1987000000724207', idempotencyKey } } }),
  });
  return JSON.parse(reply.text) as {
    data?: { createPaymentMethodSession: { paymentMethodSession: { id: string } | null } } | null;
    errors?: Array<{ extensions?: { code?: string } }>;
  };
}

/** Everything the process wrote, once its batched log lines are out. */
async function everythingWritten(gateway: RealGateway): Promise<string> {
  await settledLogs(gateway, 10_000);
  return `${gateway.stdout()}\n${gateway.stderr()}`;
}

describe('rediss:// with an ACL user', () => {
  it('keyed mutations go through Redis over TLS (the record is there, under the prefix); the password is in no log line', async () => {
    const gateway = await gatewayWith(PASSWORD);
    expect(await readyz(gateway)).toMatchObject({ httpStatus: 200, redis: 'up' });
    const key = `tls-${Date.now()}`;
    const first = await create(gateway, key);
    const again = await create(gateway, key);
    const id = first.data?.createPaymentMethodSession.paymentMethodSession?.id;
    expect(id).toMatch(/^\d+$/);
    expect(again.data?.createPaymentMethodSession.paymentMethodSession?.id).toBe(id);

    const raw = new Redis({ host: 'localhost', port: redis.port, username: 'gateway', password: PASSWORD, tls: { ca: cert.cert }, lazyConnect: true });
    try {
      await raw.connect();
      expect(await raw.get(`tls-acl:idempotency:${scopedKey(ACCOUNT_ID, key)}`)).toMatch(/^r:[\w-]+:\{"kind":"created"/);
    } finally {
      raw.disconnect();
    }

    const written = await everythingWritten(gateway);
    expect(written).toContain('Redis connected');
    expect(written).not.toContain(PASSWORD);
    expect(written).not.toContain(encodeURIComponent(PASSWORD));
    await gateway.stop();
  });

  it('a wrong password: the gateway starts and serves, keyed mutations are SERVICE_UNAVAILABLE, and the log says why without the password', async () => {
    const gateway = await gatewayWith(WRONG_PASSWORD);
    expect(await readyz(gateway)).toMatchObject({ httpStatus: 200, status: 'ready', redis: 'down' });
    const reply = await create(gateway, `wrong-${Date.now()}`);
    expect(reply.errors?.map((error) => error.extensions?.code)).toEqual(['SERVICE_UNAVAILABLE']);

    const written = await everythingWritten(gateway);
    const unreachable = gateway.logs().find((line) => String(line['msg']).startsWith('Redis unreachable'));
    expect(unreachable).toMatchObject({ redis: { host: 'localhost', port: redis.port, tls: true }, cause: expect.stringMatching(/WRONGPASS/) });
    expect(written).not.toContain(WRONG_PASSWORD);
    await gateway.stop();
  });

  it('a malformed REDIS_URL stops start-up with an error that names REDIS_URL and not the password', async () => {
    const error: unknown = await startGatewayProcess({
      HOST: '127.0.0.1',
      ZOHO_API_URL: sandbox.apiUrl,
      REDIS_URL: `redis://gateway:${PASSWORD}@localhost:${redis.port}/not-a-database`,
    }).then(
      () => undefined,
      (failure: unknown) => failure,
    );
    expect(error).toBeInstanceOf(ProcessStartError);
    const failure = error as ProcessStartError;
    expect(failure.exitCode).toBe(1);
    expect(failure.stderr).toContain('REDIS_URL');
    expect(`${failure.stdout}${failure.stderr}`).not.toContain(PASSWORD);
  });
});
