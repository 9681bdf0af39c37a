/**
 * The sandbox's index (GET /__sandbox/, the URL npm start's banner prints), over real HTTP: JSON
 * for a client, HTML for a browser, listing every route under /__sandbox/, the test instruments
 * and the widgets of the open sessions. What handleControl serves and what the index lists are
 * the same set: every method on every listed path, and on paths not listed, answers
 * `url_not_found` exactly when the index does not list it.
 */
import { CONTROL_ROUTES } from '../../sandbox/control-api';
import { instrumentTable } from '../../sandbox/html';
import { listTestInstruments } from '../../sandbox/instruments';
import { WIDGET_ROUTES } from '../../sandbox/widget';
import { ACCOUNT, FIXTURE_OPEN_SESSION, useSandbox, type Json } from './harness';

const h = useSandbox();

const BROWSER_ACCEPT = 'text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8';
const index = (accept?: string, path = '/__sandbox/') => h.request('GET', path, { token: null, headers: accept ? { accept } : {} });

const controlPath = (route: { path: string; query: string }) => `/__sandbox/${route.path}${route.query ? `?${route.query}` : ''}`;

describe('GET /__sandbox/ for a client: JSON', () => {
  it.each([undefined, '*/*', 'application/json'])('Accept %s: every control route, the widget, the instruments, the credentials', async (accept) => {
    const reply = await index(accept);

    expect(reply.status).toBe(200);
    expect(reply.headers['content-type']).toMatch(/^application\/json/);
    expect(reply.headers.vary).toBe('Accept');
    const body = reply.json();
    expect(body.code).toBe(0);
    const listed = (body.routes as Json[]).map((r) => `${r.method} ${r.path}`);
    for (const route of CONTROL_ROUTES) expect(listed).toContain(`${route.method} ${controlPath(route)}`);
    for (const route of WIDGET_ROUTES) expect(listed).toContain(`${route.method} ${route.path}`);
    expect(listed).toContain('GET /__sandbox/');
    expect(new Set(listed).size).toBe(listed.length);
    for (const route of body.routes as Json[]) expect(route.does).toEqual(expect.any(String));
    expect(body.test_instruments).toEqual({ ...listTestInstruments(), routing_number: '110000000' });
    expect(body.widget.open_sessions).toEqual([
      { payment_method_session_id: FIXTURE_OPEN_SESSION, customer_id: expect.any(String), widget: `/__sandbox/paymentmethodsessions/${FIXTURE_OPEN_SESSION}/widget?account_id=${ACCOUNT}` },
    ]);
    expect(body.credentials.tokens.map((t: Json) => t.token)).toEqual(['sandbox_full', 'sandbox_read']);
  });

  it.each(['text/html;q=0', 'application/json, text/html;q=0.5', 'text/html;q=0, */*'])(
    'Accept %s: JSON, as negotiated by q-values (text/html named is not text/html preferred)',
    async (accept) => {
      const reply = await index(accept);

      expect(reply.headers['content-type']).toMatch(/^application\/json/);
      expect(reply.json().code).toBe(0);
    },
  );

  it('/__sandbox without the slash is the same index', async () => {
    expect((await index(undefined, '/__sandbox')).json()).toEqual((await index()).json());
  });
});

describe('GET /__sandbox/ for a browser: HTML', () => {
  it.each(['text/html', 'application/json;q=0.5, text/html', 'TEXT/HTML'])('Accept %s: HTML', async (accept) => {
    expect((await index(accept)).headers['content-type']).toBe('text/html; charset=utf-8');
  });

  it('lists every route and every test instrument, with no external resource', async () => {
    const reply = await index(BROWSER_ACCEPT);

    expect(reply.status).toBe(200);
    expect(reply.headers['content-type']).toBe('text/html; charset=utf-8');
    expect(reply.headers['content-security-policy']).toContain("default-src 'none'");
    expect(reply.text).not.toMatch(/<(link|img|iframe)\b|<script[^>]*\bsrc=|="https?:\/\//i);
    const rows = [...reply.text.matchAll(/<tr><td>([A-Z]+)<\/td><td><code>([^<]+)<\/code>/g)].map((m) => `${m[1]} ${m[2]?.replace(/&#(\d+);/g, (_, c: string) => String.fromCharCode(Number(c)))}`);
    const json = (await index()).json();
    expect(rows).toEqual((json.routes as Json[]).map((r) => `${r.method} ${r.path}`));
    const { cards, bank_accounts: accounts } = listTestInstruments();
    for (const item of [...cards, ...accounts]) expect(reply.text).toContain(`<code>${item.number}</code>`);
  });

  it('the test instruments are the same table as the widget\'s (one helper), every cell escaped', async () => {
    const html = (await index(BROWSER_ACCEPT)).text;
    const widget = (await h.request('GET', `/__sandbox/paymentmethodsessions/${FIXTURE_OPEN_SESSION}/widget?account_id=${ACCOUNT}`, { token: null })).text;
    const bankWidget = (await h.request('GET', `/__sandbox/paymentmethodsessions/${FIXTURE_OPEN_SESSION}/widget?account_id=${ACCOUNT}&method=ach_debit`, { token: null })).text;
    const tbodyOf = (text: string, after: string) => /<tbody>(.*?)<\/tbody>/.exec(text.slice(text.indexOf(after)))?.[1];
    const { cards, bank_accounts: accounts } = listTestInstruments();

    expect(html).toContain(instrumentTable(cards, 'number', 'test-cards'));
    expect(html).toContain(instrumentTable(accounts, 'account number', 'test-bank-accounts'));
    expect(tbodyOf(widget, '<summary>Test cards')).toBe(tbodyOf(html, 'id="test-cards"'));
    expect(tbodyOf(bankWidget, '<summary>Test bank accounts')).toBe(tbodyOf(html, 'id="test-bank-accounts"'));
    expect(instrumentTable([{ number: '<b>1</b>', outcome: '"&' }], '<i>', 'x"y')).toBe(
      '<table id="x&#34;y"><thead><tr><th>&#60;i&#62;</th><th>outcome</th></tr></thead><tbody><tr><td><code>&#60;b&#62;1&#60;/b&#62;</code></td><td>&#34;&#38;</td></tr></tbody></table>',
    );
  });

  it('links the widget of every open session, and the link opens it', async () => {
    const sessionId = await h.createSession();

    const reply = await index(BROWSER_ACCEPT);

    const links = [...reply.text.matchAll(/<li><a href="([^"]+)">(\d+)<\/a>/g)].map((m) => [m[1]?.replace(/&#38;/g, '&'), m[2]]);
    expect(links.map((l) => l[1])).toEqual([FIXTURE_OPEN_SESSION, sessionId]);
    const widget = await h.request('GET', links[1]?.[0] as string, { token: null });
    expect(widget.status).toBe(200);
    expect(widget.text).toContain(`session <span id="session-id">${sessionId}</span>`);
  });
});

describe('what handleControl serves is what the index lists', () => {
  const METHODS = ['GET', 'POST', 'PUT', 'DELETE', 'PATCH'];
  /** Paths near the listed ones that are not control routes. */
  const UNLISTED = ['nothing', 'clock/rewind', 'paymentmethodsessions', `paymentmethodsessions/${FIXTURE_OPEN_SESSION}/cancel`, 'health/deep', 'fault', 'requests/1'];

  it('every method on every listed path and on nearby unlisted ones: url_not_found exactly when not listed', async () => {
    const listed = new Set(((await index()).json().routes as Json[]).map((r) => `${r.method} ${String(r.path).replace(/\?.*$/, '')}`));
    const paths = [...new Set([...CONTROL_ROUTES.map((r) => r.path.replace('{id}', FIXTURE_OPEN_SESSION)), ...UNLISTED])];
    const mismatches: string[] = [];
    for (const path of paths) {
      for (const method of METHODS) {
        const reply = await h.request(method, `/__sandbox/${path}?account_id=${ACCOUNT}`, { token: null, body: '{}' });
        const served = !(reply.status === 404 && reply.json().code === 'url_not_found');
        const isListed = listed.has(`${method} /__sandbox/${path.replace(FIXTURE_OPEN_SESSION, '{id}')}`);
        if (served !== isListed) mismatches.push(`${method} ${path}: ${served ? 'served' : 'not served'}, ${isListed ? 'listed' : 'not listed'}`);
      }
    }
    expect(mismatches).toEqual([]);
    // The check above ran over every control route and saw some refused.
    expect(listed.size).toBe(CONTROL_ROUTES.length + WIDGET_ROUTES.length + 1);
  });
});
