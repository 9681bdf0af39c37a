/**
 * `GET /__sandbox/`, the URL `npm start`'s banner prints: what the sandbox offers, read from the
 * tables that serve it (CONTROL_ROUTES, WIDGET_ROUTES, the test instruments), never written out
 * again here. A browser (`Accept: text/html`) gets an HTML page with links to the widget of every
 * open session of the test account; any other client the same as JSON.
 */
import { randomBytes } from 'node:crypto';
import { CONTROL_ROUTES } from './control-api';
import { SANDBOX_ACCOUNT_ID, SANDBOX_TOKENS } from './fixtures';
import { esc, instrumentTable, page } from './html';
import { success, type Reply } from './http';
import { TEST_ROUTING_NUMBER, listTestInstruments } from './instruments';
import type { SandboxStore } from './store';
import { WIDGET_ROUTES } from './widget';

/** The index's own route, listed with the others. */
export const INDEX_ROUTE = {
  method: 'GET',
  path: '/__sandbox/',
  body: '',
  does: 'this index: HTML for a browser (Accept: text/html), JSON otherwise',
} as const;

export interface ListedRoute {
  method: string;
  /** The full path, with the query it reads (`?account_id=`). */
  path: string;
  body: string;
  does: string;
}

/** Every route under /__sandbox/: the index, the widget and the control API. */
export function listedRoutes(): ListedRoute[] {
  return [
    INDEX_ROUTE,
    ...WIDGET_ROUTES,
    ...CONTROL_ROUTES.map((route) => ({
      method: route.method,
      path: `/__sandbox/${route.path}${route.query ? `?${route.query}` : ''}`,
      body: route.body,
      does: route.does,
    })),
  ].map(({ method, path, body, does }) => ({ method, path, body, does }));
}

const widgetUrl = (sessionId: string) =>
  `/__sandbox/paymentmethodsessions/${encodeURIComponent(sessionId)}/widget?account_id=${SANDBOX_ACCOUNT_ID}`;

const HOW_TO_OPEN_THE_WIDGET =
  'Create a session (createPaymentMethodSession through the gateway, or POST /api/v1/paymentmethodsessions), then open ' +
  '/__sandbox/paymentmethodsessions/{id}/widget?account_id={account id} in a browser or an iframe: the customer enters a test ' +
  'card or bank account, and a framed widget posts {source: "zoho-sandbox-widget", sessionId, status} to its parent.';

interface Negotiation {
  mediaType(available: string[]): string | undefined;
}
// negotiator, as src/http/explorer.ts decides its landing page (it ships no types).
// eslint-disable-next-line @typescript-eslint/no-require-imports
const Negotiator = require('negotiator') as new (request: { headers: Record<string, string | undefined> }) => Negotiation;

/**
 * HTML when the client prefers it to JSON by the Accept header's q-values (`text/html;q=0` is a
 * refusal, not a request); JSON first, so `*\/*` and no Accept at all get JSON.
 */
export const prefersHtml = (accept: string | undefined): boolean =>
  !!accept && new Negotiator({ headers: { accept } }).mediaType(['application/json', 'text/html']) === 'text/html';

export function handleIndex(store: SandboxStore, accept: string | undefined): Reply {
  const routes = listedRoutes();
  const instruments = listTestInstruments();
  const openSessions = store.openSessionsOf(SANDBOX_ACCOUNT_ID).map((session) => ({
    payment_method_session_id: session.payment_method_session_id,
    customer_id: session.customer_id,
    widget: widgetUrl(session.payment_method_session_id),
  }));
  const credentials = {
    account_id: SANDBOX_ACCOUNT_ID,
    tokens: Object.entries(SANDBOX_TOKENS).map(([token, scopes]) => ({ token, scopes: scopes.map((s) => `ZohoPay.paymentmethods.${s}`) })),
  };
  if (!prefersHtml(accept)) {
    const reply = success({
      routes,
      widget: { path: WIDGET_ROUTES[0].path, how: HOW_TO_OPEN_THE_WIDGET, open_sessions: openSessions },
      test_instruments: { ...instruments, routing_number: TEST_ROUTING_NUMBER },
      credentials,
    });
    return { ...reply, headers: { vary: 'Accept' } };
  }
  const main = `
<main class="wide">
  <h1>Zoho Payments sandbox</h1>
  <p>The emulated Zoho endpoints are under <code>/api/v1/</code>; this is the sandbox's own control API, which needs no token. sandbox/README.md says more.</p>
  <h2>Credentials</h2>
  <p>Account <code>${esc(credentials.account_id)}</code>; tokens ${credentials.tokens
    .map((t) => `<code>${esc(t.token)}</code> (${t.scopes.length === 4 ? 'all four scopes' : t.scopes.map(esc).join(', ')})`)
    .join(', ')}, sent as <code>Authorization: Zoho-oauthtoken &lt;token&gt;</code>.</p>
  <h2>The widget</h2>
  <p>${esc(HOW_TO_OPEN_THE_WIDGET)}</p>
  ${
    openSessions.length
      ? `<p>Open sessions of account ${SANDBOX_ACCOUNT_ID}:</p><ul id="open-sessions">${openSessions
          .map((s) => `<li><a href="${esc(s.widget)}">${esc(s.payment_method_session_id)}</a> (customer ${esc(s.customer_id)})</li>`)
          .join('')}</ul>`
      : `<p id="open-sessions">Account ${SANDBOX_ACCOUNT_ID} has no open session: create one first.</p>`
  }
  <h2>Routes</h2>
  <table id="routes">
    <thead><tr><th>method</th><th>path</th><th>body</th><th>what it does</th></tr></thead>
    <tbody>${routes
      .map((r) => `<tr><td>${esc(r.method)}</td><td><code>${esc(r.path)}</code></td><td>${r.body ? `<code>${esc(r.body)}</code>` : ''}</td><td>${esc(r.does)}</td></tr>`)
      .join('')}</tbody>
  </table>
  <h2>Test cards</h2>
  ${instrumentTable(instruments.cards, 'number', 'test-cards')}
  <p class="muted">Any other number that passes the Luhn check is saved, active. Expiry defaults to 12 and three years ahead.</p>
  <h2>Test bank accounts (routing number <code>${TEST_ROUTING_NUMBER}</code>, or any valid one)</h2>
  ${instrumentTable(instruments.bank_accounts, 'account number', 'test-bank-accounts')}
</main>`;
  const reply = page(200, 'Control API', main, randomBytes(16).toString('base64'), "'none'");
  return { ...reply, headers: { ...reply.headers, vary: 'Accept' } };
}
