/**
 * The default path a newcomer takes: `npm start` (`src/main.ts`) with no ZOHO_API_URL, run as a
 * real process, serves the gateway on the embedded Zoho Payments sandbox.
 *
 * It proves that:
 * - stdout shows the gateway's URL, the test token `sandbox_full`, the account `1000000001` and
 *   an example operation, and the printed example, sent as printed (URL, headers, body), returns
 *   the fixture card 1987000000724211 (last four 3212);
 * - the printed control API URL reaches the embedded sandbox, so a session can be completed and
 *   read back through the gateway;
 * - `GET /graphql` from a browser opens the explorer (GraphiQL from the gateway's own origin)
 *   with those headers and the example operations of examples/operations/ as tabs, the payment
 *   method first with the printed example's variables; `/readyz` names the embedded sandbox as
 *   upstream; the banner says the URL opens GraphiQL and that Apollo Sandbox is a link in it;
 * - with NODE_ENV=production and no ZOHO_API_URL it refuses to start (exit code not 0, stderr
 *   says ZOHO_API_URL is required); with PORT in use it exits with one line saying so;
 * - a request that once crashed it (an `_entities` call mixing a failing Zoho call and an unknown
 *   type) leaves it up;
 * - SIGTERM stops it with exit code 0;
 * - `npm start` itself (npm, then the gateway: the script `exec`s node, so no shell or tsx sits
 *   between them) stops on Ctrl-C (SIGINT to its process group, as a terminal sends it) and on
 *   SIGTERM to npm's pid alone (npm passes it on): the gateway drains and exits 0, npm exits 0,
 *   and nothing of the group is left running.
 *
 * One gateway process serves the file (PORT=0 and SANDBOX_PORT=0: free ports, as printed); the
 * `npm start` tests start their own.
 */
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import nock from 'nock';
import { httpRequest, jsonOf, postGraphQL } from '../http-client';
import {
  LOOPBACK,
  ProcessStartError,
  processGroup,
  startGatewayProcess,
  startNpmStartProcess,
  stopAllProcesses,
  waitForStdout,
  type GatewayProcess,
} from '../support/processes';

jest.setTimeout(30_000);

const FIXTURE_CARD = '1987000000724211';
const OPEN_SESSION = '1987000000724210';
/** The last line of the banner (sandbox/embedded.ts): once it is out, the banner is complete. */
const BANNER_END = /Complete a session as a customer would, and inject faults: (http:\/\/\S+)\/__sandbox\/ /;

let gateway: GatewayProcess;
let stdout: string;

beforeAll(async () => {
  nock.enableNetConnect(LOOPBACK);
  try {
    gateway = await startGatewayProcess();
    stdout = await waitForStdout(gateway, (out) => BANNER_END.test(out) && out.includes('gateway ready at'));
  } catch (error) {
    await stopAllProcesses();
    throw error;
  }
}, 60_000);

afterAll(async () => {
  await stopAllProcesses();
});

/** The printed curl example: its URL, its `-H` headers and its `-d` body, as a shell would pass them. */
function printedExample(): { url: string; headers: Record<string, string>; body: string } {
  const start = stdout.indexOf('  curl -s ');
  expect(start).toBeGreaterThan(-1);
  const lines: string[] = [];
  for (const line of stdout.slice(start).split('\n')) {
    lines.push(line.replace(/\\$/, ''));
    if (!line.endsWith('\\')) break;
  }
  const command = lines.join(' ');
  const url = /curl -s (\S+)/.exec(command)?.[1];
  const headers = Object.fromEntries(
    [...command.matchAll(/-H '([^':]+): ([^']*)'/g)].map((match) => [match[1] as string, match[2] as string]),
  );
  const body = /-d '([^']*)'/.exec(command)?.[1];
  if (!url || !body) throw new Error(`no curl example with a URL and a body in:\n${stdout}`);
  return { url, headers, body };
}

describe('npm start with no ZOHO_API_URL: the gateway on the embedded sandbox', () => {
  test('stdout shows the gateway URL, the test token, the account and an example operation', () => {
    expect(gateway.url).toMatch(/^http:\/\/localhost:\d+\/graphql$/);
    expect(stdout).toContain(`Zoho Payments GraphQL gateway: ${gateway.url}`);
    expect(stdout).toContain('Authorization: Zoho-oauthtoken sandbox_full');
    expect(stdout).toContain('X-Zoho-Account-Id: 1000000001');
    expect(stdout).toContain('query PaymentMethod($id: ID!)');
    expect(stdout).toContain(FIXTURE_CARD);
    // The structured log line says the same, and names the upstream.
    const ready = stdout
      .split('\n')
      .filter((line) => line.startsWith('{'))
      .map((line) => JSON.parse(line) as Record<string, unknown>)
      .find((log) => typeof log['msg'] === 'string' && log['msg'].startsWith('gateway ready at'));
    expect(ready).toMatchObject({ url: gateway.url, adminUrl: gateway.adminOrigin, upstream: 'embedded sandbox', msg: `gateway ready at ${gateway.url}` });
  });

  test('the printed example, sent with the printed headers, returns the fixture card ending 3212', async () => {
    const example = printedExample();
    expect(example.url).toBe(gateway.url);
    expect(example.headers).toEqual({
      'content-type': 'application/json',
      Authorization: 'Zoho-oauthtoken sandbox_full',
      'X-Zoho-Account-Id': '1000000001',
    });
    const reply = await httpRequest(example.url, { method: 'POST', headers: example.headers, body: example.body });
    expect(reply.status).toBe(200);
    const body = jsonOf<{ data?: { paymentMethod: Record<string, unknown> }; errors?: unknown }>(reply);
    expect(body.errors).toBeUndefined();
    expect(body.data?.paymentMethod).toMatchObject({
      id: FIXTURE_CARD,
      type: 'CARD',
      status: 'ACTIVE',
      currency: 'USD',
      customer: { id: '1987000000724207', name: 'Charles', email: 'charles@example.com' },
      details: { cardholderName: 'Charles', last4: '3212', expiryMonth: 1, expiryYear: 2030 },
      billingAddress: { city: 'Detroit', country: 'US' },
    });
  });

  test('the printed control API reaches the embedded sandbox: a session completed there reads SUCCEEDED', async () => {
    const origin = BANNER_END.exec(stdout)?.[1] as string;
    expect(origin).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    const completed = await httpRequest(`${origin}/__sandbox/paymentmethodsessions/${OPEN_SESSION}/complete?account_id=1000000001`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ card: { number: '4242424242424242', cvc: '123' } }),
    });
    expect(completed.status).toBe(200);
    const reply = await httpRequest(gateway.url, {
      method: 'POST',
      headers: {
        'content-type': 'application/json',
        Authorization: 'Zoho-oauthtoken sandbox_full',
        'X-Zoho-Account-Id': '1000000001',
      },
      body: JSON.stringify({
        query: `query($id: ID!) { paymentMethodSession(id: $id) { status customer { id } paymentMethod { type details { ... on CardDetails { last4 } } } } }`,
        variables: { id: OPEN_SESSION },
      }),
    });
    expect(reply.text).not.toContain('4242424242424242');
    expect(jsonOf(reply)).toEqual({
      data: {
        paymentMethodSession: {
          status: 'SUCCEEDED',
          customer: { id: '1987000000724300' },
          paymentMethod: { type: 'CARD', details: { last4: '4242' } },
        },
      },
    });
  });

  test('GET /graphql from a browser opens GraphiQL with the test headers and the example operations', async () => {
    const page = await httpRequest(gateway.url, { headers: { accept: 'text/html' } });
    expect(page.status).toBe(200);
    expect(page.headers['content-type']).toMatch(/^text\/html/);
    expect(page.text).toContain('YogaGraphiQL.renderYogaGraphiQL(');
    expect(page.text).not.toContain('embeddable-sandbox');

    const options = /renderYogaGraphiQL\(\s*window\.document\.querySelector\('#root'\),\s*(\{.*\}),\s*\)/.exec(page.text)?.[1];
    expect(options).toBeDefined();
    const { headers, defaultTabs } = JSON.parse(options as string) as {
      headers: string;
      defaultTabs: Array<{ query: string; variables: string; headers: string }>;
    };
    const sandboxHeaders = { Authorization: 'Zoho-oauthtoken sandbox_full', 'X-Zoho-Account-Id': '1000000001' };
    expect(JSON.parse(headers)).toEqual(sandboxHeaders);
    expect(defaultTabs.map((tab) => JSON.parse(tab.headers) as unknown)).toEqual(defaultTabs.map(() => sandboxHeaders));
    // The first tab is the payment method example, with the printed example's variables.
    const [first] = defaultTabs;
    expect(first?.query).toBe(readFileSync(path.resolve(__dirname, '..', '..', 'examples', 'operations', 'PaymentMethod.graphql'), 'utf8'));
    expect(JSON.parse(first?.variables ?? '')).toEqual((JSON.parse(printedExample().body) as { variables: unknown }).variables);
    expect(JSON.parse(first?.variables ?? '')).toEqual({ id: FIXTURE_CARD });
    expect(defaultTabs).toHaveLength(readdirSync(path.resolve(__dirname, '..', '..', 'examples', 'operations')).filter((file) => file.endsWith('.graphql')).length);

    expect(stdout).toMatch(/Open the URL above in a browser: GraphiQL, served by the gateway itself \(it works offline\)/);
    expect(stdout).toContain('"Open in Apollo Sandbox" link');
  });

  test('/readyz says ready with upstream "embedded sandbox"; /healthz says ok', async () => {
    const ready = await httpRequest(`${gateway.origin}/readyz`);
    expect(ready.status).toBe(200);
    expect(jsonOf(ready)).toEqual({ status: 'ready', upstream: 'embedded sandbox', circuit: 'closed', openCallerCircuits: 0 });
    const health = await httpRequest(`${gateway.origin}/healthz`);
    expect(health.status).toBe(200);
    expect(jsonOf(health)).toEqual({ status: 'ok' });
  });

  test('NODE_ENV=production with no ZOHO_API_URL: the process exits non-zero and says ZOHO_API_URL is required', async () => {
    const started = startGatewayProcess({ NODE_ENV: 'production' });
    await expect(started).rejects.toBeInstanceOf(ProcessStartError);
    const failure = (await started.catch((error: unknown) => error)) as ProcessStartError;
    expect(failure.exitCode).not.toBe(0);
    expect(failure.exitCode).not.toBeNull();
    expect(failure.stderr).toMatch(/ZOHO_API_URL is required/);
    expect(failure.stdout).not.toContain('sandbox_full');
  });

  test('a PORT already in use: the process exits non-zero with one line that says to change PORT, no stack trace', async () => {
    const port = new URL(gateway.origin).port;
    const started = startGatewayProcess({ PORT: port });
    const failure = (await started.catch((error: unknown) => error)) as ProcessStartError;
    expect(failure).toBeInstanceOf(ProcessStartError);
    expect(failure.exitCode).not.toBe(0);
    expect(failure.exitCode).not.toBeNull();
    expect(failure.stderr).toContain(`Could not serve the gateway on port ${port}`);
    expect(failure.stderr).toContain('EADDRINUSE');
    expect(failure.stderr).toContain('Set PORT to a free port');
    expect(failure.stderr).not.toMatch(/^\s+at /m);
  });

  test('an ADMIN_PORT already in use: the process exits non-zero with one line that says to change ADMIN_PORT', async () => {
    const adminPort = new URL(gateway.adminOrigin).port;
    const failure = (await startGatewayProcess({ ADMIN_PORT: adminPort }).catch((error: unknown) => error)) as ProcessStartError;
    expect(failure).toBeInstanceOf(ProcessStartError);
    expect(failure.exitCode).not.toBe(0);
    expect(failure.exitCode).not.toBeNull();
    expect(failure.stderr).toContain(`Could not serve the admin listener (/metrics) on port ${adminPort}`);
    expect(failure.stderr).toContain('EADDRINUSE');
    expect(failure.stderr).toContain('Set ADMIN_PORT to a free port');
    expect(failure.stderr).not.toMatch(/^\s+at /m);
  });

  test('an _entities call with a rejected token and an unknown __typename is a BAD_USER_INPUT error, and the process stays up', async () => {
    // Before the representations were checked up front, representation 0 started a Zoho call, the
    // unknown type threw, and the call's 401 rejected with no listener: the process died.
    const reply = await postGraphQL(
      `${gateway.origin}/graphql`,
      {
        query: 'query ($r: [_Any!]!) { _entities(representations: $r) { __typename } }',
        variables: { r: [{ __typename: 'PaymentMethod', id: FIXTURE_CARD }, { __typename: 'Nope', id: '1' }] },
      },
      { authorization: 'Zoho-oauthtoken not_a_sandbox_token', 'x-zoho-account-id': '1000000001' },
    );
    expect(jsonOf(reply)).toMatchObject({ data: null, errors: [{ path: ['_entities'], extensions: { code: 'BAD_USER_INPUT' } }] });
    await new Promise((resolve) => setTimeout(resolve, 300));
    expect((await httpRequest(`${gateway.origin}/healthz`)).status).toBe(200);
    expect(gateway.child.exitCode).toBeNull();
  });

  test('SIGTERM stops it (gateway and embedded sandbox) with exit code 0', async () => {
    // It has no request in flight: well under 5 s is enough to drain and close both servers.
    await expect(gateway.stop('SIGTERM', 5_000)).resolves.toBe(0);
  });
});

describe('npm start itself: signals reach the gateway, and nothing is left running', () => {
  /** The gateway's log says it drained on `signal`. */
  const drainedOn = (proc: GatewayProcess, signal: string) =>
    proc.stdout.split('\n').some((line) => line.startsWith('{') && line.includes('"shutting down"') && line.includes(`"${signal}"`));

  test.each([
    ['Ctrl-C (SIGINT to the process group, as a terminal sends it)', 'SIGINT', 'group'],
    ["SIGTERM to npm's pid alone", 'SIGTERM', 'npm'],
  ] as const)('%s: the gateway drains and exits, npm exits 0, and the whole group is gone', async (_how, signal, target) => {
    const npm = await startNpmStartProcess();
    const group = npm.pgid as number;
    // npm, and the gateway it started: exec leaves no shell (nor tsx) in between.
    const running = processGroup(group);
    expect(running.map((each) => each.pid)).toContain(npm.pid);
    expect(running.filter((each) => each.pid !== npm.pid)).toEqual([
      { pid: expect.any(Number), command: expect.stringMatching(/node --import tsx src\/main\.ts$/) },
    ]);
    expect((await httpRequest(`${npm.origin}/healthz`)).status).toBe(200);

    if (target === 'group') process.kill(-group, signal);
    else expect(npm.child.kill(signal)).toBe(true);
    const ended = await npm.exited;
    expect({ code: ended.code, signal: ended.signal }).toEqual({ code: 0, signal: null });
    expect(drainedOn(npm, signal)).toBe(true);
    expect(processGroup(group)).toEqual([]);
    await expect(httpRequest(`${npm.origin}/healthz`, { timeoutMs: 2_000 })).rejects.toMatchObject({ code: 'ECONNREFUSED' });
  }, 40_000);
});
