/**
 * The example checkout (examples/checkout/) in a real headless Chromium, against the gateway
 * (createGateway, over HTTP) on the sandbox, each on its own loopback origin as in development:
 * the page creates a session through GraphQL, frames the sandbox's widget, the customer types a
 * test card or bank account into the frame, and the page shows what the gateway then reads back
 * (the saved method's last four digits, or the decline). No request leaves the three origins, and
 * no script error or CSP violation happens on the way. The widget alone, with JavaScript off,
 * still completes a session as a plain form.
 */
import type { Browser, FrameLocator, Page } from 'playwright-core';
import nock from 'nock';
import { startCheckoutServer, type CheckoutServer } from '../../examples/checkout/serve';
import { SANDBOX_TOKEN } from '../../sandbox/embedded';
import { DEFAULT_FIXTURES, SANDBOX_ACCOUNT_ID } from '../../sandbox/fixtures';
import { startSandbox, type RunningSandbox } from '../../sandbox/server';
import { createLogger } from '../../src/observability/logger';
import type { Gateway } from '../../src/server';
import { startTestServer, testConfig } from '../helpers';
import { jsonOf, postGraphQL } from '../http-client';
import { BROWSER_TIMEOUT_MS, launchBrowser, openWatchedPage, type WatchedPage } from '../support/browser';
import { LOOPBACK } from '../support/processes';

const ACCOUNT = '1000000001';
const CALLER = { authorization: 'Zoho-oauthtoken sandbox_full', 'x-zoho-account-id': ACCOUNT };

let sandbox: RunningSandbox | undefined;
let gateway: Gateway | undefined;
let checkout: CheckoutServer | undefined;
let browser: Browser | undefined;
let watched: WatchedPage | undefined;

const started = <T>(value: T | undefined, what: string): T => {
  if (value === undefined) throw new Error(`${what} is not started`);
  return value;
};

beforeAll(async () => {
  nock.enableNetConnect(LOOPBACK);
  sandbox = await startSandbox({ strict: true }, 0);
  gateway = await startTestServer(testConfig({ ZOHO_API_URL: sandbox.apiUrl, ZOHO_TIMEOUT_MS: '5000' }), {
    logger: createLogger({ level: 'silent' }),
  });
  checkout = await startCheckoutServer({ port: 0, gatewayUrl: gateway.url, sandboxUrl: sandbox.origin });
  browser = await launchBrowser();
}, 40_000);

afterAll(async () => {
  await browser?.close();
  await checkout?.close();
  await gateway?.stop();
  await sandbox?.close();
  nock.disableNetConnect();
});

beforeEach(async () => {
  started(sandbox, 'the sandbox').reset();
  watched = await openWatchedPage(started(browser, 'the browser'), [
    started(checkout, 'the checkout').url,
    started(gateway, 'the gateway').url,
    started(sandbox, 'the sandbox').origin,
  ]);
});

afterEach(async () => {
  const page = started(watched, 'the page');
  await page.context.close();
  // After the flow: nothing went elsewhere, and no script failed (a CSP violation logs an error too).
  expect(page.foreignRequests()).toEqual([]);
  expect(page.pageErrors).toEqual([]);
});

async function gql(query: string, variables: Record<string, unknown>): Promise<Record<string, unknown>> {
  const reply = await postGraphQL(started(gateway, 'the gateway').url, { query, variables }, CALLER);
  const body = jsonOf<{ data: Record<string, unknown>; errors?: unknown }>(reply);
  expect(body.errors).toBeUndefined();
  return body.data;
}

/** Opens the checkout, starts a session for the fixture customer, and returns the widget's frame. */
async function startCheckout(page: Page): Promise<{ frame: FrameLocator; sessionId: string }> {
  await page.goto(started(checkout, 'the checkout').url);
  await page.locator('#start-button:enabled').click();
  const iframe = page.locator('#widget[data-session-id]');
  await iframe.waitFor();
  const sessionId = (await iframe.getAttribute('data-session-id')) as string;
  expect(sessionId).toMatch(/^\d{16}$/);
  const frame = page.frameLocator('#widget');
  await frame.getByLabel('Card number').waitFor();
  return { frame, sessionId };
}

/** The checkout's result once the widget has told it the session is done. */
async function resultOf(page: Page): Promise<{ status: string | null; last4: string | null; title: string; detail: string }> {
  const result = page.locator('#result[data-status]');
  await result.waitFor();
  return {
    status: await result.getAttribute('data-status'),
    last4: await result.getAttribute('data-last4'),
    title: (await page.locator('#result-title').textContent()) ?? '',
    detail: (await page.locator('#result-detail').textContent()) ?? '',
  };
}

/** Three years ahead of the sandbox's clock (real time here), so the card never expires under the test. */
const EXPIRY_YEAR = String(new Date().getUTCFullYear() + 3);

const SESSION = `query S($id: ID!) { paymentMethodSession(id: $id) { status paymentMethod { id type details {
  ... on CardDetails { last4 } ... on AchDebitDetails { last4 } } } } }`;

describe('the example checkout in Chromium', () => {
  it('a card: typed into the framed widget, saved, and shown with its last four digits read through GraphQL', async () => {
    const { page } = started(watched, 'the page');
    const { frame, sessionId } = await startCheckout(page);

    await frame.getByLabel('Name on card').fill('Charles');
    await frame.getByLabel('Card number').fill('4242 4242 4242 4242');
    await frame.getByLabel('Expiry month (MM)').fill('12');
    await frame.getByLabel('Expiry year (YY)').fill(EXPIRY_YEAR.slice(-2));
    await frame.getByLabel('Security code (CVC)').fill('123');
    await frame.getByLabel('Postal code').fill('12345');
    await frame.getByRole('button', { name: 'Save card' }).click();

    expect(await frame.locator('#outcome').textContent()).toBe('Card ending 4242 saved');
    const result = await resultOf(page);
    expect(result).toEqual({ status: 'SUCCEEDED', last4: '4242', title: 'Saved: card ending 4242', detail: expect.stringContaining(`Expires 12/${EXPIRY_YEAR}`) });
    const data = await gql(SESSION, { id: sessionId });
    expect(data['paymentMethodSession']).toMatchObject({ status: 'SUCCEEDED', paymentMethod: { type: 'CARD', details: { last4: '4242' } } });
    // The page read it from the gateway: a create, then a read of the session.
    const graphqlCalls = started(watched, 'the page').requests.filter((r) => r.url === started(gateway, 'the gateway').url && r.method === 'POST');
    expect(graphqlCalls).toHaveLength(2);
  });

  it('the frame reloaded after the card was saved: the widget shows the outcome again and tells the checkout, which reads the session again', async () => {
    const { page } = started(watched, 'the page');
    const { frame } = await startCheckout(page);
    await frame.getByLabel('Card number').fill('4242 4242 4242 4242');
    await frame.getByRole('button', { name: 'Save card' }).click();
    expect(await resultOf(page)).toMatchObject({ status: 'SUCCEEDED', last4: '4242' });
    const graphqlCalls = () => started(watched, 'the page').requests.filter((r) => r.url === started(gateway, 'the gateway').url && r.method === 'POST');
    expect(graphqlCalls()).toHaveLength(2);

    const readAgain = page.waitForResponse((r) => r.url() === started(gateway, 'the gateway').url && r.request().method() === 'POST');
    await page.evaluate("(() => { const widget = document.getElementById('widget'); widget.src = widget.src; })()");

    expect((await readAgain).status()).toBe(200);
    expect(graphqlCalls()).toHaveLength(3);
    expect(await frame.locator('#outcome').textContent()).toBe('Card ending 4242 saved');
    expect(await resultOf(page)).toMatchObject({ status: 'SUCCEEDED', last4: '4242', title: 'Saved: card ending 4242' });
    expect(await frame.locator('form').count()).toBe(0);
  });

  it('an ACH account: the widget\'s bank form, saved, and shown with its last four digits', async () => {
    const { page } = started(watched, 'the page');
    const { frame, sessionId } = await startCheckout(page);

    await frame.getByRole('link', { name: 'Use a bank account (ACH) instead' }).click();
    await frame.getByLabel('Account holder name').fill('Ada');
    await frame.getByLabel('Routing number').fill('110000000');
    await frame.getByLabel('Account number').fill('000123456789');
    await frame.getByLabel('Account type').selectOption('savings');
    await frame.getByRole('button', { name: 'Save bank account' }).click();

    expect(await frame.locator('#outcome').textContent()).toBe('Bank account ending 6789 saved');
    const result = await resultOf(page);
    expect(result).toMatchObject({ status: 'SUCCEEDED', last4: '6789', title: 'Saved: bank account ending 6789' });
    expect(result.detail).toContain('Sandbox Test Bank');
    const data = await gql(SESSION, { id: sessionId });
    expect(data['paymentMethodSession']).toMatchObject({ status: 'SUCCEEDED', paymentMethod: { type: 'ACH_DEBIT', details: { last4: '6789' } } });
  });

  it('a declined card: the widget says so, the checkout shows the decline, and the session is FAILED through GraphQL', async () => {
    const { page } = started(watched, 'the page');
    const { frame, sessionId } = await startCheckout(page);

    await frame.getByLabel('Card number').fill('4000000000000002');
    await frame.getByRole('button', { name: 'Save card' }).click();

    expect(await frame.locator('#outcome').textContent()).toBe('Declined');
    expect(await frame.locator('main').textContent()).toContain('declined: the session failed');
    const result = await resultOf(page);
    expect(result).toMatchObject({ status: 'FAILED', last4: null, title: 'Declined' });
    expect(await gql(SESSION, { id: sessionId })).toEqual({ paymentMethodSession: { status: 'FAILED', paymentMethod: null } });
  });

  it('a message that does not come from the sandbox\'s origin is ignored', async () => {
    const { page } = started(watched, 'the page');
    const { frame, sessionId } = await startCheckout(page);

    // The checkout's own window claims the session succeeded: not the sandbox's origin.
    await page.evaluate(`window.postMessage({ source: 'zoho-sandbox-widget', sessionId: '${sessionId}', status: 'succeeded' }, '*')`);
    await frame.getByLabel('Card number').fill('4000000000000002');
    await frame.getByRole('button', { name: 'Save card' }).click();

    expect(await resultOf(page)).toMatchObject({ status: 'FAILED' });
    // A create and one read, the widget's: the forged message made no read of its own.
    const graphqlCalls = started(watched, 'the page').requests.filter((r) => r.url === started(gateway, 'the gateway').url && r.method === 'POST');
    expect(graphqlCalls).toHaveLength(2);
  });

  it('a mistake in the widget is shown on its field, and a second try saves the card', async () => {
    const { page } = started(watched, 'the page');
    const { frame } = await startCheckout(page);

    await frame.getByLabel('Card number').fill('4242 4242 4242 4241');
    await frame.getByRole('button', { name: 'Save card' }).click();
    expect(await frame.locator('#f-number-error').textContent()).toContain('passes the Luhn check');
    expect(await frame.getByLabel('Card number').inputValue()).toBe('');
    await frame.getByLabel('Card number').fill('5555 5555 5555 4444');
    await frame.getByRole('button', { name: 'Save card' }).click();

    expect(await resultOf(page)).toMatchObject({ status: 'SUCCEEDED', last4: '4444' });
    // The form shown again is a 400 (the widget's status for a mistake), which Chromium logs; nothing else.
    const errors = started(watched, 'the page').pageErrors;
    expect(errors).toEqual(['Failed to load resource: the server responded with a status of 400 (Bad Request)']);
    errors.length = 0;
  });

  it('a customer the account does not know: the NOT_FOUND user error is shown next to the customer id, and no widget opens', async () => {
    const { page } = started(watched, 'the page');
    await page.goto(started(checkout, 'the checkout').url);

    await page.getByLabel('Customer id').fill('1987000000999999');
    await page.locator('#start-button:enabled').click();

    const error = page.locator('#customer-id-error:not([hidden])');
    await error.waitFor();
    expect(await error.textContent()).toMatch(/customer/i);
    expect(await page.getByLabel('Customer id').getAttribute('aria-invalid')).toBe('true');
    expect(await page.locator('#widget-section').isHidden()).toBe(true);
  });
});

describe('the checkout says what to do when it cannot start', () => {
  /** The port of a server that was just closed: nothing listens there. */
  async function closedPort(): Promise<number> {
    const probe = await startCheckoutServer({ port: 0 });
    const port = Number(new URL(probe.url).port);
    await probe.close();
    return port;
  }

  it('a gateway that is down: the message names the gateway, `npm start` and CORS_ORIGINS, not "Failed to fetch"', async () => {
    const watchedPage = started(watched, 'the page');
    const deadGateway = `http://127.0.0.1:${await closedPort()}/graphql`;
    const offline = await startCheckoutServer({ port: 0, gatewayUrl: deadGateway, sandboxUrl: started(sandbox, 'the sandbox').origin });
    try {
      await watchedPage.page.goto(offline.url);
      await watchedPage.page.locator('#start-button:enabled').click();

      const error = watchedPage.page.locator('#form-error:not([hidden])');
      await error.waitFor();
      expect(await error.textContent()).toBe(
        `Cannot reach the gateway at ${deadGateway}: is \`npm start\` running, and does CORS_ORIGINS allow ${offline.url}?`,
      );
      expect(await watchedPage.page.locator('#widget-section').isHidden()).toBe(true);
      expect(await watchedPage.page.locator('#start-button').isEnabled()).toBe(true);
    } finally {
      await offline.close();
    }
    // The refused requests went to the dead gateway and the other checkout only; Chromium logs the refusal.
    const allowed = new Set([new URL(deadGateway).origin, offline.url]);
    expect(watchedPage.requests.filter((r) => !allowed.has(new URL(r.url).origin))).toEqual([]);
    watchedPage.requests.length = 0;
    expect(watchedPage.pageErrors.every((e) => e.includes('ERR_CONNECTION_REFUSED'))).toBe(true);
    watchedPage.pageErrors.length = 0;
  });

  it('a /config.json that cannot be read: the message says to serve the page with `npm run checkout`, and the button stays disabled', async () => {
    const { page, pageErrors } = started(watched, 'the page');
    await page.route('**/config.json', (route) => route.fulfill({ status: 500, body: 'no' }));

    await page.goto(started(checkout, 'the checkout').url);

    const error = page.locator('#form-error:not([hidden])');
    await error.waitFor();
    expect(await error.textContent()).toBe('Cannot read /config.json (HTTP 500): serve this page with `npm run checkout` (examples/checkout/serve.ts) and reload it.');
    expect(await page.locator('#start-button').isDisabled()).toBe(true);
    expect(pageErrors).toEqual(['Failed to load resource: the server responded with a status of 500 (Internal Server Error)']);
    pageErrors.length = 0;
  });
});

describe('the checkout server', () => {
  it('/config.json gives the sandbox\'s test credentials and first fixture customer, from the sandbox\'s own constants', async () => {
    const reply = await fetch(`${started(checkout, 'the checkout').url}/config.json`);

    expect(await reply.json()).toEqual({
      gatewayUrl: started(gateway, 'the gateway').url,
      sandboxUrl: started(sandbox, 'the sandbox').origin,
      token: SANDBOX_TOKEN,
      accountId: SANDBOX_ACCOUNT_ID,
      customerId: DEFAULT_FIXTURES.customers?.[0]?.customer_id,
    });
    expect([SANDBOX_TOKEN, SANDBOX_ACCOUNT_ID, DEFAULT_FIXTURES.customers?.[0]?.customer_id]).toEqual(['sandbox_full', ACCOUNT, '1987000000724207']);
  });
});

describe('the widget alone, with JavaScript disabled', () => {
  it('renders and completes the session as a plain form', async () => {
    const running = started(sandbox, 'the sandbox');
    const created = await gql('mutation C($input: CreatePaymentMethodSessionInput!) { createPaymentMethodSession(input: $input) { paymentMethodSession { id } } }', {
      input: { customerId: '1987000000724207' },
    });
    const sessionId = (created['createPaymentMethodSession'] as { paymentMethodSession: { id: string } }).paymentMethodSession.id;
    const context = await started(browser, 'the browser').newContext({ javaScriptEnabled: false });
    context.setDefaultTimeout(BROWSER_TIMEOUT_MS);
    const urls: string[] = [];
    context.on('request', (request) => urls.push(request.url()));
    try {
      const page = await context.newPage();
      await page.goto(`${running.origin}/__sandbox/paymentmethodsessions/${sessionId}/widget?account_id=${ACCOUNT}`);

      await page.getByLabel('Card number').fill('4242424242424242');
      await page.getByLabel('Security code (CVC)').fill('123');
      await page.getByRole('button', { name: 'Save card' }).click();

      expect(await page.locator('#outcome').textContent()).toBe('Card ending 4242 saved');
      expect(await gql(SESSION, { id: sessionId })).toMatchObject({ paymentMethodSession: { status: 'SUCCEEDED', paymentMethod: { details: { last4: '4242' } } } });
      expect(urls.filter((url) => new URL(url).origin !== running.origin)).toEqual([]);
    } finally {
      await context.close();
    }
  });
});
