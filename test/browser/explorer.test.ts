/**
 * The explorer in a real headless Chromium (contract.md, "For frontend teams"): the gateway built
 * by the composition root (createGateway) on the embedded sandbox, as `npm start` builds it
 * (startEmbeddedSandbox, its `explorer` options), and `/graphql` opened in a browser.
 *
 * It proves that GraphiQL renders from the gateway's own origin with the sandbox credentials in
 * its headers editor and the example operations (examples/operations/) as tabs, the payment
 * method first; that running that example returns the fixture card through the gateway's
 * operation limits, and so does GraphiQL's introspection (the documentation explorer shows the
 * schema); that the page makes no request to another host, throws no error and breaks no rule of
 * its Content-Security-Policy, which itself refuses other hosts and injected scripts; and that it
 * loads with every other host blocked (offline). Apollo Sandbox is a link to this endpoint.
 */
import { readdirSync } from 'node:fs';
import path from 'node:path';
import nock from 'nock';
import type { Browser, Page, Request } from 'playwright-core';
import { startEmbeddedSandbox, type EmbeddedSandbox } from '../../sandbox/embedded';
import { createGateway, type Gateway } from '../../src/server';
import { captureLogger, testConfig } from '../helpers';
import { launchBrowser, openWatchedPage, type WatchedPage } from '../support/browser';
import { LOOPBACK, startNpmStartProcess, stopAllProcesses } from '../support/processes';

jest.setTimeout(30_000);

/** The fixture card (sandbox/fixtures.ts): Charles's card ending 3212, expiring 01/30. */
const FIXTURE_CARD = { id: '1987000000724211', cardholderName: 'Charles', last4: '3212', expiryMonth: 1, expiryYear: 2030 };
const EXAMPLES = readdirSync(path.resolve(__dirname, '..', '..', 'examples', 'operations'))
  .filter((file) => file.endsWith('.graphql'))
  .map((file) => path.basename(file, '.graphql'));

let browser: Browser;
let embedded: EmbeddedSandbox;
let gateway: Gateway;
const opened: WatchedPage[] = [];

beforeAll(async () => {
  nock.enableNetConnect(LOOPBACK);
  embedded = await startEmbeddedSandbox(0);
  gateway = await createGateway(testConfig({ NODE_ENV: 'development', ZOHO_API_URL: embedded.sandbox.apiUrl }), {
    logger: captureLogger('warn').logger,
    explorer: embedded.explorer,
    upstreamName: 'embedded sandbox',
  });
  await gateway.listen();
  browser = await launchBrowser();
}, 60_000);

afterAll(async () => {
  await browser?.close();
  await gateway?.stop();
  await embedded?.sandbox.close();
});

// Each test starts from the sandbox's fixtures: the example mutations a test runs change its state.
beforeEach(() => {
  embedded.sandbox.reset();
});

afterEach(async () => {
  for (const watched of opened.splice(0)) await watched.context.close();
});

/** A watched page that also records what its Content-Security-Policy refused. */
async function open(): Promise<WatchedPage & { violations: () => Promise<string[]> }> {
  const watched = await openWatchedPage(browser, [gateway.url]);
  opened.push(watched);
  await watched.page.setViewportSize({ width: 1400, height: 1000 });
  await watched.context.addInitScript(() => {
    const seen: string[] = [];
    (window as unknown as { cspViolations: string[] }).cspViolations = seen;
    document.addEventListener('securitypolicyviolation', (event) => seen.push(`${event.effectiveDirective} ${event.blockedURI}`));
  });
  const violations = () => watched.page.evaluate(() => (window as unknown as { cspViolations: string[] }).cspViolations);
  return { ...watched, violations };
}

/** Monaco draws text with non-breaking spaces; this is what a reader sees. */
async function textOf(page: Page, selector: string): Promise<string> {
  return (await page.locator(selector).first().innerText()).replace(/\u00a0/g, ' ');
}

async function openExplorer(page: Page): Promise<void> {
  await page.goto(gateway.url);
  await page.locator('.graphiql-query-editor .view-lines').first().waitFor({ state: 'visible' });
}

test('GraphiQL renders with the sandbox credentials and the example operations as tabs, from this origin only', async () => {
  const watched = await open();
  const { page } = watched;
  const warnings: string[] = [];
  page.on('console', (message) => {
    if (message.type() === 'warning') warnings.push(message.text());
  });
  await openExplorer(page);

  // The operation editor holds the payment method example, its tab first.
  const tabs = (await page.locator('.graphiql-tab').allInnerTexts()).map((text) => text.trim());
  expect(tabs[0]).toBe('PaymentMethod');
  expect([...tabs].sort()).toEqual([...EXAMPLES].sort());
  expect(await page.locator('.graphiql-tab-active').innerText()).toBe('PaymentMethod');
  expect(await textOf(page, '.graphiql-query-editor .view-lines')).toContain('query PaymentMethod($id: ID!)');

  // The editor tools below the operation: one shows at a time.
  const toolEditor = '.graphiql-editor-tool .graphiql-editor:not(.hidden) .view-lines';
  await page.getByRole('button', { name: 'Headers' }).click();
  await page.locator(toolEditor).filter({ hasText: 'Authorization' }).waitFor();
  expect(JSON.parse(await textOf(page, toolEditor))).toEqual({ Authorization: 'Zoho-oauthtoken sandbox_full', 'X-Zoho-Account-Id': '1000000001' });

  // Each tab has its own example's variables.
    await page.getByRole('button', { name: 'Variables' }).click();
  await page.locator(toolEditor).filter({ hasText: FIXTURE_CARD.id }).waitFor();
  expect(JSON.parse(await textOf(page, toolEditor))).toEqual({ id: FIXTURE_CARD.id });
  // With the keyboard: GraphiQL's tabs can be dragged, and Playwright's first mouse click on one is lost.
  await page.locator('.graphiql-tab-button').nth(tabs.indexOf('PaymentMethods')).focus();
  await page.keyboard.press('Enter');
  await page.locator(toolEditor).filter({ hasText: '"ids"' }).waitFor();
  expect(JSON.parse(await textOf(page, toolEditor))).toEqual({ ids: ['1987000000724211', '1987000000724212'] });
  expect(await textOf(page, '.graphiql-query-editor .view-lines')).toContain('query PaymentMethods(');

  // Apollo Sandbox is a link to this very endpoint, which loads nothing until clicked.
  const link = page.getByRole('link', { name: /Open in Apollo Sandbox/ });
  await expect(link.isVisible()).resolves.toBe(true);
  expect(await link.getAttribute('href')).toBe(`https://studio.apollographql.com/sandbox/explorer?endpoint=${encodeURIComponent(gateway.url)}`);

  // Monaco's language workers run (from blob: URLs), rather than falling back to the page's thread.
  if (page.workers().length === 0) await page.waitForEvent('worker');
  expect(page.workers().map((worker) => worker.url())).toEqual(expect.arrayContaining([expect.stringMatching(/^blob:/)]));
  expect(warnings.filter((text) => /worker/i.test(text))).toEqual([]);

  expect(watched.foreignRequests()).toEqual([]);
  expect(watched.pageErrors).toEqual([]);
  expect(await watched.violations()).toEqual([]);
  // What GraphiQL asked the gateway: the page, then introspection (POST) through the operation limits.
  expect(watched.requests.filter((request) => !request.url.startsWith('blob:'))).toEqual([
    { url: gateway.url, method: 'GET' },
    { url: gateway.url, method: 'POST' },
  ]);
});

test('coming back (GraphiQL has saved its tabs): the same example tabs, the payment method active, and no empty tab', async () => {
  const watched = await open();
  const { page } = watched;
  await openExplorer(page);
  const first = (await page.locator('.graphiql-tab').allInnerTexts()).map((text) => text.trim());
  for (let visit = 0; visit < 2; visit++) {
    await page.reload();
    await page.locator('.graphiql-query-editor .view-lines').first().waitFor({ state: 'visible' });
    expect((await page.locator('.graphiql-tab').allInnerTexts()).map((text) => text.trim())).toEqual(first);
    expect(await page.locator('.graphiql-tab-active').innerText()).toBe('PaymentMethod');
    expect(await textOf(page, '.graphiql-query-editor .view-lines')).toContain('query PaymentMethod($id: ID!)');
  }
  expect(watched.pageErrors).toEqual([]);
});

test('running the payment method example shows the fixture card; the documentation explorer shows the schema', async () => {
  const watched = await open();
  const { page } = watched;
  await openExplorer(page);

  await page.locator('.graphiql-execute-button').click();
  const result = page.locator('.graphiql-response .view-lines');
  await result.filter({ hasText: FIXTURE_CARD.last4 }).waitFor();
  const shown = await textOf(page, '.graphiql-response .view-lines');
  for (const [field, value] of Object.entries(FIXTURE_CARD)) expect(shown).toContain(`"${field}": ${JSON.stringify(value)}`);
  expect(shown).toContain('"__typename": "CardDetails"');
  expect(shown).not.toContain('"errors"');

  // Introspection passed the limits: the documentation explorer lists the root types and the fields.
  await page.getByRole('button', { name: 'Show Documentation Explorer' }).click();
  const docs = page.locator('.graphiql-doc-explorer');
  await docs.getByText('Query', { exact: true }).click();
  await docs.getByText('paymentMethodSession', { exact: true }).waitFor();
  expect(await docs.innerText()).toContain('paymentMethods');

  expect(watched.foreignRequests()).toEqual([]);
  expect(watched.pageErrors).toEqual([]);
  expect(await watched.violations()).toEqual([]);
});

test("a newcomer offline: plain `npm start` (the real process), the banner's URL opens the explorer, and its first example answers the card", async () => {
  const npmStart = await startNpmStartProcess();
  try {
    expect(npmStart.stdout).toContain(npmStart.url);
    const watched = await openWatchedPage(browser, [npmStart.url]);
    opened.push(watched);
    const { page, context } = watched;
    await context.route('**/*', (route) => (LOOPBACK.test(new URL(route.request().url()).host) ? route.continue() : route.abort('internetdisconnected')));
    await page.goto(npmStart.url);
    await page.locator('.graphiql-query-editor .view-lines').first().waitFor({ state: 'visible' });
    await page.locator('.graphiql-execute-button').click();
    await page.locator('.graphiql-response .view-lines').filter({ hasText: FIXTURE_CARD.last4 }).waitFor();
    expect(watched.foreignRequests()).toEqual([]);
    expect(watched.pageErrors).toEqual([]);
  } finally {
    await stopAllProcesses();
  }
});

test('the page loads and runs the example with every other host blocked (offline)', async () => {
  const watched = await open();
  const { page, context } = watched;
  const blocked: string[] = [];
  await context.route('**/*', (route) => {
    const url = new URL(route.request().url());
    if (LOOPBACK.test(url.host)) return route.continue();
    blocked.push(url.href);
    return route.abort('internetdisconnected');
  });
  await openExplorer(page);
  await page.locator('.graphiql-execute-button').click();
  await page.locator('.graphiql-response .view-lines').filter({ hasText: FIXTURE_CARD.last4 }).waitFor();
  expect(blocked).toEqual([]);
  expect(watched.pageErrors).toEqual([]);
});

test("the page's Content-Security-Policy refuses other hosts and injected scripts", async () => {
  const watched = await open();
  const { page } = watched;
  await openExplorer(page);
  // 192.0.2.1 is TEST-NET-1: nothing answers there; the browser must not even try.
  const fetched = await page.evaluate(() =>
    fetch('http://192.0.2.1/graphql').then(
      () => 'sent',
      () => 'refused',
    ),
  );
  expect(fetched).toBe('refused');
  await page.evaluate(() => {
    const script = document.createElement('script');
    script.textContent = 'window.injected = true';
    document.body.append(script);
  });
  expect(await page.evaluate(() => (window as unknown as { injected?: boolean }).injected)).toBeUndefined();
  expect(await watched.violations()).toEqual(['connect-src http://192.0.2.1/graphql', 'script-src-elem inline']);
  expect(watched.foreignRequests()).toEqual([]);
});

function operationNameOf(request: Request): string | undefined {
  return request.method() === 'POST' ? (request.postDataJSON() as { operationName?: string } | null)?.operationName : undefined;
}

// Last: its mutations change the sandbox's state (a session created, a method updated and deleted).
test('every example tab runs within the operation limits and answers data without errors', async () => {
  const watched = await open();
  const { page } = watched;
  /** What the gateway answered the page, by operation name. */
  type Answer = { data?: Record<string, { userErrors?: unknown[] } | null>; errors?: unknown[] };
  const answered = new Map<string, { status: number; body: Answer }>();
  /** Every answer being read: awaited before the assertions, so the last one is not missed. */
  const reading: Array<Promise<void>> = [];
  /** The operations the page has sent, so that a click is repeated only while nothing was. */
  const sent = new Set<string>();
  page.on('request', (request) => {
    const operationName = operationNameOf(request);
    if (operationName) sent.add(operationName);
  });
  page.on('response', (response) => {
    const operationName = operationNameOf(response.request());
    if (operationName && operationName !== 'IntrospectionQuery') {
      reading.push(response.json().then((body: Answer) => void answered.set(operationName, { status: response.status(), body })));
    }
  });
  await openExplorer(page);
  const tabs = (await page.locator('.graphiql-tab').allInnerTexts()).map((text) => text.trim());
  for (const [index, name] of tabs.entries()) {
    await page.locator('.graphiql-tab-button').nth(index).focus();
    await page.keyboard.press('Enter');
    await page.locator('.graphiql-tab-active').filter({ hasText: name }).waitFor();
    // The editor shows the tab's operation before it runs (GraphiQL runs the operation it last parsed).
    await page.locator('.graphiql-query-editor .view-lines').filter({ hasText: new RegExp(`(query|mutation)\\s${name}\\(`) }).waitFor();
    // GraphiQL names the operation to run a moment after a tab opens; a click before that answers
    // "Cannot infer operation" in the page and sends nothing, so the click is repeated, but only
    // while nothing was sent: a second click on a running operation is GraphiQL's stop button.
    for (let attempt = 1; attempt <= 5 && !sent.has(name); attempt += 1) {
      const request = page.waitForRequest((r) => operationNameOf(r) === name, { timeout: 1_000 }).catch(() => undefined);
      await page.locator('.graphiql-execute-button').click();
      await request;
    }
    expect(sent.has(name)).toBe(true);
    await page.locator('.graphiql-response .view-lines').filter({ hasText: '"data"' }).waitFor();
  }
  await Promise.all(reading);
  expect([...answered.keys()].sort()).toEqual([...EXAMPLES].sort());
  for (const [name, { status, body }] of answered) {
    expect([name, status, body.errors]).toEqual([name, 200, undefined]);
    // Mutations answer their payload with no user error; reads answer their object.
    for (const value of Object.values(body.data ?? {})) expect([name, value?.userErrors ?? []]).toEqual([name, []]);
    expect(Object.values(body.data ?? {})).not.toContain(null);
  }
  expect(watched.foreignRequests()).toEqual([]);
  expect(watched.pageErrors).toEqual([]);
});
