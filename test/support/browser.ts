/**
 * A real headless Chromium for the browser tests (test/browser/): Debian's `chromium` package
 * (`.ci/run` installs it with apt), driven by playwright-core through `executablePath`, so no
 * browser is downloaded. One browser per test file (start it in beforeAll, close it in afterAll);
 * each test opens its own context, which has its own cookies and storage.
 *
 * The flags are the ones this kind of machine needs: as root Chromium needs --no-sandbox, and
 * without the background-networking flags it keeps trying to reach Google's hosts, which a closed
 * network refuses.
 */
import { existsSync } from 'node:fs';
import { chromium, type Browser, type BrowserContext, type Page, type Request } from 'playwright-core';

/** Where Debian installs Chromium; CHROMIUM_PATH overrides it. */
export const CHROMIUM_PATH = process.env['CHROMIUM_PATH'] ?? '/usr/bin/chromium';

/** Short, so that a broken page fails its test in seconds rather than at Jest's timeout. */
export const BROWSER_TIMEOUT_MS = 10_000;

export async function launchBrowser(): Promise<Browser> {
  if (!existsSync(CHROMIUM_PATH)) {
    throw new Error(`No Chromium at ${CHROMIUM_PATH}: install Debian's chromium package (bash .ci/run does) or set CHROMIUM_PATH.`);
  }
  return chromium.launch({
    executablePath: CHROMIUM_PATH,
    headless: true,
    timeout: 30_000,
    args: [
      '--no-sandbox',
      '--disable-gpu',
      '--disable-dev-shm-usage',
      '--disable-quic',
      '--no-first-run',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
      '--disable-default-apps',
      '--disable-extensions',
    ],
  });
}

export interface WatchedPage {
  context: BrowserContext;
  page: Page;
  /** Every request the page made, in order (URL and method). */
  requests: Array<{ url: string; method: string }>;
  /** Requests whose origin is none of the allowed ones. */
  foreignRequests(): string[];
  /** Errors thrown by the page's scripts and console errors. */
  pageErrors: string[];
}

/**
 * A new context and page that records every request (and the page's errors). `allowedOrigins`
 * are the origins the page may talk to (e.g. the gateway's and the sandbox's); `data:`, `blob:`
 * and `about:` URLs are the page's own.
 */
export async function openWatchedPage(browser: Browser, allowedOrigins: string[]): Promise<WatchedPage> {
  const context = await browser.newContext();
  context.setDefaultTimeout(BROWSER_TIMEOUT_MS);
  context.setDefaultNavigationTimeout(BROWSER_TIMEOUT_MS);
  const page = await context.newPage();
  const requests: Array<{ url: string; method: string }> = [];
  const pageErrors: string[] = [];
  const record = (request: Request) => requests.push({ url: request.url(), method: request.method() });
  context.on('request', record);
  page.on('pageerror', (error) => pageErrors.push(error.message));
  page.on('console', (message) => {
    if (message.type() === 'error') pageErrors.push(message.text());
  });
  const allowed = new Set(allowedOrigins.map((origin) => new URL(origin).origin));
  return {
    context,
    page,
    requests,
    pageErrors,
    foreignRequests: () =>
      requests
        .map((request) => request.url)
        .filter((url) => !/^(data|blob|about):/.test(url) && !allowed.has(new URL(url).origin)),
  };
}
