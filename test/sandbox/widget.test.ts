/**
 * The sandbox's widget (GET/POST /__sandbox/paymentmethodsessions/{id}/widget), over real HTTP:
 * - the form: HTML with no external resource, a strict CSP, standard autocomplete attributes and
 *   a label for every field, for a card and for a bank account, listing every test instrument;
 * - every test instrument completes a session through the widget exactly as through the control
 *   API's complete (same session status, same payment method);
 * - a mistake re-renders the form with the message on the field at fault, never the number; the
 *   HTML error pages answer the control API's statuses for the same session;
 * - the outcome page tells a framing page what happened (status and ids only), and return_url
 *   gives a redirect flow.
 */
import { TEST_ROUTING_NUMBER, listTestInstruments } from '../../sandbox/instruments';
import {
  ACCOUNT,
  ADA,
  CHARLES,
  FIXTURE_SUCCEEDED_SESSION,
  HOUR,
  OTHER_ACCOUNT,
  UNKNOWN_ID,
  useSandbox,
  type Json,
  type Reply,
} from './harness';

const h = useSandbox();

const widgetPath = (sessionId: string, query = `account_id=${ACCOUNT}`) => `/__sandbox/paymentmethodsessions/${sessionId}/widget?${query}`;
const getWidget = (sessionId: string, query?: string) => h.request('GET', widgetPath(sessionId, query), { token: null });
const postWidget = (sessionId: string, form: Record<string, string>, query?: string) =>
  h.request('POST', widgetPath(sessionId, query), {
    token: null,
    body: new URLSearchParams(form).toString(),
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
  });

const BILLING = { address_line1: '123 Main St', postal_code: '12345', country: 'US' };

/** The same card as a control API body and as the widget's form. */
function card(number: string): { body: Json; form: Record<string, string> } {
  const cvc = number.length === 15 ? '1234' : '123';
  return {
    body: { card: { number, expiry_month: '12', expiry_year: '30', cvc, card_holder_name: 'Charles' }, billing_address: BILLING },
    form: { method: 'card', number, expiry_month: '12', expiry_year: '30', cvc, card_holder_name: 'Charles', ...BILLING },
  };
}

/** The same bank account as a control API body and as the widget's form. */
function bank(accountNumber: string): { body: Json; form: Record<string, string> } {
  const fields = { routing_number: '110000000', account_number: accountNumber, account_holder_name: 'Ada', account_holder_type: 'company', account_type: 'savings' };
  return { body: { ach_debit: fields }, form: { method: 'ach_debit', ...fields } };
}

function expectHtmlPage(reply: Reply, status: number): void {
  expect(reply.status).toBe(status);
  expect(reply.headers['content-type']).toBe('text/html; charset=utf-8');
  const csp = String(reply.headers['content-security-policy']);
  expect(csp).toContain("default-src 'none'");
  expect(csp).toContain("style-src 'unsafe-inline'");
  expect(csp).toContain('frame-ancestors *');
  expect(csp).toMatch(/form-action 'self'/);
  // No external resource: nothing the page would load from anywhere, inline style only.
  expect(reply.text).not.toMatch(/<(link|img|iframe|object|embed)\b/i);
  expect(reply.text).not.toMatch(/<script[^>]*\bsrc=/i);
  expect(reply.text).not.toMatch(/(src|href|action)="(https?:)?\/\//i);
  expect(reply.text).not.toMatch(/@import|url\(/i);
}

/** Each `<input>`/`<select>` of the page as its attributes (name -> value; a bare attribute is ''). */
function controls(html: string): Array<Record<string, string>> {
  return [...html.matchAll(/<(input|select)\b([^>]*)>/g)].map((match) =>
    Object.fromEntries([...(match[2] as string).matchAll(/([a-z-]+)(?:="([^"]*)")?/g)].map((a) => [a[1] as string, a[2] ?? ''])),
  );
}

const labelsFor = (html: string): string[] => [...html.matchAll(/<label for="([^"]+)">/g)].map((m) => m[1] as string);

/** The session and its payment method as Zoho's endpoints read them, without ids and times. */
async function outcomeOf(sessionId: string): Promise<Json> {
  const session = (await h.zoho('GET', `paymentmethodsessions/${sessionId}`)).json().payment_method_session;
  const methodId = session.payment_method?.payment_method_id as string | undefined;
  const method = methodId ? (await h.zoho('GET', `paymentmethods/${methodId}`)).json().payment_method : undefined;
  const strip = (object: Json | undefined, ...keys: string[]) =>
    object && Object.fromEntries(Object.entries(object).filter(([key]) => !keys.includes(key)));
  return {
    session: { ...strip(session, 'payment_method_session_id', 'created_time', 'payment_method'), method: strip(session.payment_method, 'payment_method_id') },
    method: strip(method, 'payment_method_id', 'created_time', 'last_modified_time'),
  };
}

let warnings: jest.SpyInstance;
beforeEach(() => {
  warnings = jest.spyOn(process, 'emitWarning');
});
afterEach(() => {
  // A sandbox that had to warn hit a bug (and a warning could carry what the customer typed).
  expect(warnings).not.toHaveBeenCalled();
  warnings.mockRestore();
});

describe('the form', () => {
  it('for a card: HTML with no external resource, standard autocomplete attributes and a label for every field', async () => {
    const sessionId = await h.createSession();

    const reply = await getWidget(sessionId);

    expectHtmlPage(reply, 200);
    const fields = controls(reply.text).filter((c) => c.type !== 'hidden');
    const byAutocomplete = Object.fromEntries(fields.map((c) => [c.autocomplete, c]));
    for (const autocomplete of ['cc-name', 'cc-number', 'cc-exp-month', 'cc-exp-year', 'cc-csc', 'postal-code']) {
      expect(byAutocomplete).toHaveProperty([autocomplete]);
    }
    for (const numeric of ['cc-number', 'cc-exp-month', 'cc-exp-year', 'cc-csc']) expect(byAutocomplete[numeric]?.inputmode).toBe('numeric');
    expect(labelsFor(reply.text).sort()).toEqual(fields.map((c) => c.id).sort());
    expect(reply.text).toMatch(new RegExp(`<form method="post" action="\\?account_id=${ACCOUNT}"`));
    expect(reply.text).toContain(sessionId);
  });

  it('for a bank account (method=ach_debit): holder name, routing and account number, account and holder type, each labelled', async () => {
    const sessionId = await h.createSession();

    const reply = await getWidget(sessionId, `account_id=${ACCOUNT}&method=ach_debit`);

    expectHtmlPage(reply, 200);
    const fields = controls(reply.text).filter((c) => c.type !== 'hidden');
    expect(fields.map((c) => c.name)).toEqual(['account_holder_name', 'routing_number', 'account_number', 'account_type', 'account_holder_type']);
    expect(labelsFor(reply.text).sort()).toEqual(fields.map((c) => c.id).sort());
    expect(reply.text).toContain('<option selected>checking</option><option>savings</option>');
    expect(reply.text).toContain('<input type="hidden" name="method" value="ach_debit">');
  });

  it('lists every test card on the card form and every test bank account on the bank form', async () => {
    const sessionId = await h.createSession();
    const { cards, bank_accounts: accounts } = listTestInstruments();

    const cardPage = (await getWidget(sessionId)).text;
    const bankPage = (await getWidget(sessionId, `account_id=${ACCOUNT}&method=ach_debit`)).text;

    expect(cards.length).toBeGreaterThan(6);
    for (const item of cards) expect(cardPage).toContain(`<code>${item.number}</code></td><td>${item.outcome}`);
    for (const item of accounts) expect(bankPage).toContain(`<code>${item.number}</code></td><td>${item.outcome}`);
    expect(bankPage).toContain('110000000');
  });
});

describe('every test instrument: the widget completes a session exactly as the control API does', () => {
  const { cards, bank_accounts: accounts } = listTestInstruments();
  const cases = [
    ...cards.map((item) => ({ ...item, kind: 'card', ...card(item.number) })),
    ...accounts.map((item) => ({ ...item, kind: 'bank account', ...bank(item.number) })),
    // "any other valid number"
    { number: '6011111111111117', outcome: 'saved, active', kind: 'card', ...card('6011111111111117') },
  ];

  it.each(cases)('$kind $number ($outcome)', async ({ number, outcome, kind, body, form }) => {
    const viaControl = await h.createSession(CHARLES);
    const viaWidget = await h.createSession(CHARLES);

    expect((await h.complete(viaControl, body)).status).toBe(200);
    const reply = await postWidget(viaWidget, form);

    expectHtmlPage(reply, 200);
    const expected = await outcomeOf(viaControl);
    expect(await outcomeOf(viaWidget)).toEqual(expected);
    const declined = outcome.startsWith('declined');
    expect(expected.session.status).toBe(declined ? 'failed' : 'succeeded');
    if (declined) {
      expect(reply.text).toContain(`The ${kind} was declined: the session failed.`);
    } else {
      expect(reply.text).toContain(`${kind === 'card' ? 'Card' : 'Bank account'} ending ${number.slice(-4)} saved`);
    }
    expect(reply.text).not.toContain(number);
  });
});

describe('a mistake in the form', () => {
  it.each([
    ['a number that fails the Luhn check', { number: '4242424242424241' }, 'number', /^Card number: a card number of 12 to 19 digits that passes the Luhn check/],
    ['no number', { number: '' }, 'number', /^Card number is required/],
    ['an expiry already past', { number: '6011111111111117', expiry_month: '10', expiry_year: '26' }, 'expiry_year', /an expiry that has not passed/],
    ['a month that is no month', { number: '6011111111111117', expiry_month: '13' }, 'expiry_month', /MM, 01 to 12/],
    ['a CVC of letters', { number: '6011111111111117', cvc: 'abc' }, 'cvc', /3 or 4 digits/],
    ['a country that is no code', { number: '6011111111111117', country: 'usa' }, 'country', /two-letter ISO 3166/],
  ])('%s: the form again (400) with the message on its field, without the number', async (_, change, field, message) => {
    const sessionId = await h.createSession();
    const form = { ...card('6011111111111117').form, ...change };

    const reply = await postWidget(sessionId, form);

    expectHtmlPage(reply, 400);
    const errorOf = new RegExp(`<input id="f-${field}"[^>]*aria-invalid="true" aria-describedby="f-${field}-error[^"]*">[\\s\\S]*?<p class="error" role="alert" id="f-${field}-error">([^<]*)</p>`);
    expect(reply.text).toMatch(errorOf);
    expect(errorOf.exec(reply.text)?.[1]).toMatch(message);
    expect(reply.text.match(/role="alert"/g)).toHaveLength(1);
    if (form.number) expect(reply.text).not.toContain(form.number);
    expect(reply.text).not.toMatch(/name="(number|cvc)"[^>]*value=/);
    // What is not secret comes back, so the customer need not type it again.
    expect(reply.text).toContain('name="card_holder_name" type="text" autocomplete="cc-name" value="Charles"');
    // Nothing happened to the session: it can still be completed.
    expect((await h.zoho('GET', `paymentmethodsessions/${sessionId}`)).json().payment_method_session.status).toBe('created');
    expectHtmlPage(await postWidget(sessionId, card('4242424242424242').form), 200);
  });

  it('the message next to a field names it by its label, never by the API\'s path', async () => {
    const sessionId = await h.createSession();

    const reply = await postWidget(sessionId, { ...card('6011111111111117').form, cvc: 'abc' });

    expectHtmlPage(reply, 400);
    expect(reply.text).toContain('<p class="error" role="alert" id="f-cvc-error">Security code (CVC): 3 or 4 digits.</p>');
    expect(reply.text).not.toMatch(/card\.cvc|Invalid value for/);
  });

  it('a country typed in lower case is upper-cased: `us` saves the card with billing country US', async () => {
    const sessionId = await h.createSession();

    const reply = await postWidget(sessionId, { ...card('6011111111111117').form, country: 'us' });

    expectHtmlPage(reply, 200);
    const methodId = (await h.zoho('GET', `paymentmethodsessions/${sessionId}`)).json().payment_method_session.payment_method.payment_method_id;
    expect((await h.zoho('GET', `paymentmethods/${methodId}`)).json().payment_method.billing_address.country).toBe('US');
  });

  it('what the form gives back and the query it posts to are escaped: markup typed into a field or a parameter never comes back raw', async () => {
    const sessionId = await h.createSession();
    const markup = `<script>alert(1)</script>"'&`;
    const form = { ...card('6011111111111117').form, card_holder_name: markup, address_line1: markup, city: markup, state: markup, postal_code: markup, expiry_year: '1' };
    const query = `account_id=${ACCOUNT}&x=${encodeURIComponent('"><img src=x onerror=alert(1)>')}`;

    const reply = await postWidget(sessionId, form, query);

    expectHtmlPage(reply, 400);
    expect(reply.text).not.toContain('<script>alert(1)');
    expect(reply.text).not.toContain('"><img');
    expect(reply.text).not.toContain(`"'&`);
    // The holder name came back escaped, so the customer need not type it again.
    expect(reply.text).toContain('value="&#60;script&#62;alert(1)&#60;/script&#62;&#34;&#39;&#38;"');
  });

  it.each([
    ['a routing number that fails the ABA checksum', { routing_number: '110000001' }, 'routing_number', /9-digit ABA routing number/],
    ['an account number too long', { account_number: '123456789012345678' }, 'account_number', /4 to 17 digits/],
  ])('bank account, %s: the form again with the message on its field, never the account number', async (_, change, field, message) => {
    const sessionId = await h.createSession(ADA);
    const form: Record<string, string> = { ...bank('000987654321').form, ...change };

    const reply = await postWidget(sessionId, form, `account_id=${ACCOUNT}&method=ach_debit`);

    expectHtmlPage(reply, 400);
    expect(reply.text).toMatch(new RegExp(`id="f-${field}-error">[^<]*${message.source}`));
    if (field === 'routing_number') expect(reply.text).toContain(`such as ${TEST_ROUTING_NUMBER}`);
    expect(reply.text).not.toContain(form['account_number']);
    expect(reply.text).not.toMatch(/name="account_number"[^>]*value=/);
  });
});

describe('error pages: the control API\'s statuses, as HTML', () => {
  const cases: Array<[string, () => Promise<{ sessionId: string; query: string }>]> = [
    ['an unknown session', async () => ({ sessionId: UNKNOWN_ID, query: `account_id=${ACCOUNT}` })],
    ['a session of another account', async () => ({ sessionId: await h.createSession(), query: `account_id=${OTHER_ACCOUNT}` })],
    ['an expired session', async () => {
      const sessionId = await h.createSession();
      h.now += 2 * HOUR;
      return { sessionId, query: `account_id=${ACCOUNT}` };
    }],
    ['no account_id', async () => ({ sessionId: await h.createSession(), query: '' })],
    ['an account_id that is not digits', async () => ({ sessionId: await h.createSession(), query: 'account_id=abc' })],
  ];

  it.each(cases)('%s: GET and POST answer the status and code complete answers', async (_, setUp) => {
    const { sessionId, query } = await setUp();
    const control = await h.request('POST', `/__sandbox/paymentmethodsessions/${sessionId}/complete?${query}`, { token: null, body: card('4242424242424242').body });
    expect(control.status).toBeGreaterThanOrEqual(400);
    const { code, message } = control.json();

    for (const reply of [await getWidget(sessionId, query), await postWidget(sessionId, card('4242424242424242').form, query)]) {
      expectHtmlPage(reply, control.status);
      expect(reply.text).toContain(`data-code="${code}"`);
      expect(reply.text).toContain(message.replace(/'/g, '&#39;'));
      expect(reply.text).not.toContain('<form');
      expect(reply.text).not.toContain('4242424242424242');
    }
  });

  const NEW_SESSION = 'Create a new session through the gateway (createPaymentMethodSession)';
  const hintOf = (reply: Reply) => /<p class="muted" id="error-hint">([^<]*)<\/p>/.exec(reply.text)?.[1] ?? '';

  it.each(cases.slice(0, 3))('%s: the page says to create a new session', async (_, setUp) => {
    const { sessionId, query } = await setUp();

    expect(hintOf(await getWidget(sessionId, query))).toContain(NEW_SESSION);
  });

  it.each<[string, string, RegExp]>([
    ['no account_id', '', /widget URL&#39;s query[^<]*account_id/],
    ['an account_id that is not digits', 'account_id=abc', /widget URL&#39;s query[^<]*account_id/],
    ['a return_url that is no http URL', `account_id=${ACCOUNT}&return_url=javascript%3Aalert(1)`, /widget URL&#39;s query[^<]*return_url/],
    ['a parent_origin that is no origin', `account_id=${ACCOUNT}&parent_origin=shop.example`, /widget URL&#39;s query[^<]*parent_origin/],
  ])('%s: the page says to fix the query, not to create a new session', async (_, query, hint) => {
    const reply = await getWidget(await h.createSession(), query);

    expectHtmlPage(reply, 400);
    expect(hintOf(reply)).toMatch(hint);
    expect(reply.text).not.toContain(NEW_SESSION);
  });

  it('a method other than GET or POST, and a body too large: the page says what to change in the request, not to create a new session', async () => {
    const sessionId = await h.createSession();
    const put = await h.request('PUT', widgetPath(sessionId), { token: null });
    const large = await h.request('POST', widgetPath(sessionId), {
      token: null,
      body: `number=${'4'.repeat(1024 * 1024 + 1)}`,
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
    });

    expect(hintOf(put)).toContain('GET (the form)');
    expectHtmlPage(large, 400);
    expect(large.text).toContain('data-code="invalid_json"');
    expect(hintOf(large)).toContain('under 1 MB');
    for (const reply of [put, large]) expect(reply.text).not.toContain(NEW_SESSION);
  });

  it('a method other than GET or POST is 405 with Allow', async () => {
    const reply = await h.request('PUT', widgetPath(await h.createSession()), { token: null });

    expectHtmlPage(reply, 405);
    expect(reply.headers['allow']).toBe('GET, POST');
  });
});

const messageOf = (reply: Reply): Json => {
  const attribute = /<div id="widget-message" hidden data-message="([^"]*)"/.exec(reply.text)?.[1] ?? '';
  return JSON.parse(attribute.replace(/&#(\d+);/g, (_, code: string) => String.fromCharCode(Number(code)))) as Json;
};

describe('a session already completed: its outcome again, never an error page', () => {
  const methodIdOf = async (sessionId: string) =>
    (await h.zoho('GET', `paymentmethodsessions/${sessionId}`)).json().payment_method_session.payment_method?.payment_method_id as string | undefined;

  it('saved: a second POST (a double click on Save, a reload of the outcome page) and a GET (a reload of the frame) answer the outcome with its message; no second payment method', async () => {
    const sessionId = await h.createSession();
    const first = await postWidget(sessionId, card('4242424242424242').form);
    const methodId = await methodIdOf(sessionId);
    const created = jest.spyOn(h.sandbox.store, 'putPaymentMethod');

    const again = await postWidget(sessionId, card('5555555555554444').form);
    const reloaded = await getWidget(sessionId);

    for (const reply of [first, again, reloaded]) {
      expectHtmlPage(reply, 200);
      expect(reply.text).toContain('<h1 id="outcome" data-status="succeeded">Card ending 4242 saved</h1>');
      expect(messageOf(reply)).toEqual({ source: 'zoho-sandbox-widget', sessionId, status: 'succeeded', paymentMethodId: methodId });
      expect(reply.text).not.toContain('<form');
    }
    expect(created).not.toHaveBeenCalled();
    created.mockRestore();
    expect(await methodIdOf(sessionId)).toBe(methodId);
    expect(again.text).not.toContain('5555555555554444');
  });

  it('a bank account saved: the outcome names a bank account whatever the query says', async () => {
    const sessionId = await h.createSession(ADA);
    await postWidget(sessionId, bank('000123456789').form, `account_id=${ACCOUNT}&method=ach_debit`);

    const reloaded = await getWidget(sessionId);

    expectHtmlPage(reloaded, 200);
    expect(reloaded.text).toContain('Bank account ending 6789 saved');
  });

  it('the fixtures\' completed session and a failed one: GET and POST answer the outcome (the form is ignored, nothing changes)', async () => {
    const failed = await h.createSession();
    await h.complete(failed, card('4000000000000002').body);
    const fixtureMethod = await methodIdOf(FIXTURE_SUCCEEDED_SESSION);

    for (const reply of [await getWidget(failed), await postWidget(failed, card('4242424242424242').form)]) {
      expectHtmlPage(reply, 200);
      expect(messageOf(reply)).toEqual({ source: 'zoho-sandbox-widget', sessionId: failed, status: 'failed' });
      expect(reply.text).toContain('<h1 id="outcome" data-status="failed">Declined</h1>');
    }
    for (const reply of [await getWidget(FIXTURE_SUCCEEDED_SESSION), await postWidget(FIXTURE_SUCCEEDED_SESSION, card('4242424242424242').form)]) {
      expectHtmlPage(reply, 200);
      expect(messageOf(reply)).toEqual({ source: 'zoho-sandbox-widget', sessionId: FIXTURE_SUCCEEDED_SESSION, status: 'succeeded', paymentMethodId: fixtureMethod });
    }
    expect((await h.zoho('GET', `paymentmethodsessions/${failed}`)).json().payment_method_session.status).toBe('failed');
    expect(await methodIdOf(FIXTURE_SUCCEEDED_SESSION)).toBe(fixtureMethod);
  });

  it('return_url: a POST again is the same 303 with the outcome; a GET shows the outcome page', async () => {
    const sessionId = await h.createSession();
    const query = `account_id=${ACCOUNT}&return_url=${encodeURIComponent('http://shop.example:8080/done')}`;
    const first = await postWidget(sessionId, card('4242424242424242').form, query);

    const again = await postWidget(sessionId, card('4242424242424242').form, query);
    const shown = await getWidget(sessionId, query);

    expect(first.status).toBe(303);
    expect(again.status).toBe(303);
    expect(again.headers.location).toBe(first.headers.location);
    expectHtmlPage(shown, 200);
    expect(messageOf(shown)).toMatchObject({ sessionId, status: 'succeeded' });
  });

  it('an expired session is still the error page', async () => {
    const sessionId = await h.createSession();
    h.now += 2 * HOUR;

    const reply = await getWidget(sessionId);

    expectHtmlPage(reply, 400);
    expect(reply.text).toContain('data-code="invalid_payment_session"');
    expect(reply.text).not.toContain('widget-message');
  });
});

describe('what the outcome page tells an embedding page', () => {
  const nonceOf = (reply: Reply) => /script-src 'nonce-([^']+)'/.exec(String(reply.headers['content-security-policy']))?.[1];
  const targetOf = (reply: Reply) => /data-target-origin="([^"]*)"/.exec(reply.text)?.[1];

  it('saved: postMessage to the parent with the session id, status and payment method id only, from a nonce\'d script', async () => {
    const sessionId = await h.createSession();

    const reply = await postWidget(sessionId, card('4242424242424242').form);

    const methodId = (await h.zoho('GET', `paymentmethodsessions/${sessionId}`)).json().payment_method_session.payment_method.payment_method_id;
    expect(messageOf(reply)).toEqual({ source: 'zoho-sandbox-widget', sessionId, status: 'succeeded', paymentMethodId: methodId });
    expect(reply.text).toContain(`<script nonce="${nonceOf(reply)}">`);
    expect(reply.text).toContain("window.parent.postMessage(JSON.parse(holder.getAttribute('data-message')), holder.getAttribute('data-target-origin'))");
    // Told no parent: any page may frame it and hear the outcome.
    expect(targetOf(reply)).toBe('*');
    expect(reply.headers['content-security-policy']).toContain('frame-ancestors *;');
    // A fresh nonce per page.
    expect(nonceOf(await getWidget(await h.createSession()))).not.toBe(nonceOf(reply));
  });

  it('parent_origin: only that origin may frame the form and the outcome, and only it is told', async () => {
    const sessionId = await h.createSession();
    const query = `account_id=${ACCOUNT}&parent_origin=${encodeURIComponent('http://shop.example:8080/checkout?x=1')}`;

    const form = await getWidget(sessionId, query);
    const reply = await postWidget(sessionId, card('4242424242424242').form, query);

    expect(form.headers['content-security-policy']).toContain('frame-ancestors http://shop.example:8080;');
    expect(form.text).toContain('parent_origin=http%3A%2F%2Fshop.example%3A8080');
    expect(reply.status).toBe(200);
    expect(reply.headers['content-security-policy']).toContain('frame-ancestors http://shop.example:8080;');
    expect(targetOf(reply)).toBe('http://shop.example:8080');
  });

  it.each(['javascript:alert(1)', '*', 'shop.example'])('parent_origin %s is refused (400) before anything happens', async (parentOrigin) => {
    const sessionId = await h.createSession();
    const reply = await postWidget(sessionId, card('4242424242424242').form, `account_id=${ACCOUNT}&parent_origin=${encodeURIComponent(parentOrigin)}`);

    expectHtmlPage(reply, 400);
    expect(reply.text).toContain('parent_origin');
    expect((await h.zoho('GET', `paymentmethodsessions/${sessionId}`)).json().payment_method_session.status).toBe('created');
  });

  it.each<[string, string]>([
    ['parent_origin', 'http://a;sandbox'],
    ['parent_origin', 'http://a,b'],
    ['parent_origin', "http://a'b"],
    ['parent_origin', 'http://a%3Bb'],
    ['return_url', 'http://a;sandbox/done'],
    ['return_url', "https://shop'x.example/done"],
  ])('%s %s: a host the CSP header cannot hold is refused (400), and no header carries it', async (name, value) => {
    const sessionId = await h.createSession();
    const query = `account_id=${ACCOUNT}&${name}=${encodeURIComponent(value)}`;

    for (const reply of [await getWidget(sessionId, query), await postWidget(sessionId, card('4242424242424242').form, query)]) {
      expectHtmlPage(reply, 400);
      expect(reply.text).toContain(`Invalid value for ${name}: its host may hold only letters, digits, dots and hyphens`);
      const csp = String(reply.headers['content-security-policy']);
      expect(csp).not.toMatch(/sandbox|\ba[;,']|script-src \*/);
      expect(csp.split(';').map((d) => d.trim().split(' ')[0])).toEqual(['default-src', 'style-src', 'script-src', 'form-action', 'frame-ancestors', 'base-uri']);
    }
    expect((await h.zoho('GET', `paymentmethodsessions/${sessionId}`)).json().payment_method_session.status).toBe('created');
  });

  it.each(['http://127.0.0.1:4020', 'http://[::1]:4020', 'https://shop-1.example'])('parent_origin %s (a host name or an IP, with a port) is taken', async (origin) => {
    const reply = await getWidget(await h.createSession(), `account_id=${ACCOUNT}&parent_origin=${encodeURIComponent(origin)}`);

    expect(reply.status).toBe(200);
    expect(reply.headers['content-security-policy']).toContain(`frame-ancestors ${origin};`);
  });

  it('declined: status failed, no payment method id', async () => {
    const sessionId = await h.createSession();

    const reply = await postWidget(sessionId, card('4000000000000002').form);

    expect(messageOf(reply)).toEqual({ source: 'zoho-sandbox-widget', sessionId, status: 'failed' });
    expect(reply.text).toContain('<h1 id="outcome" data-status="failed">Declined</h1>');
  });

  it('return_url: a 303 to it, with payment_method_session_id and status added, and form-action allowing its origin', async () => {
    const sessionId = await h.createSession();
    const query = `account_id=${ACCOUNT}&return_url=${encodeURIComponent('http://shop.example:8080/done?order=7')}`;

    const form = await getWidget(sessionId, query);
    const reply = await postWidget(sessionId, card('4242424242424242').form, query);

    expect(form.headers['content-security-policy']).toContain("form-action 'self' http://shop.example:8080;");
    expect(form.text).toContain(`action="?account_id=${ACCOUNT}&#38;return_url=http%3A%2F%2Fshop.example%3A8080%2Fdone%3Forder%3D7"`);
    expect(reply.status).toBe(303);
    expect(reply.headers.location).toBe(`http://shop.example:8080/done?order=7&payment_method_session_id=${sessionId}&status=succeeded`);
    expect(reply.headers['content-security-policy']).toContain("form-action 'self' http://shop.example:8080;");
  });

  it("return_url that already has a status: the widget's values replace it (a return page reading get('status') sees the outcome)", async () => {
    const sessionId = await h.createSession();
    const query = `account_id=${ACCOUNT}&return_url=${encodeURIComponent('https://shop.example/done?status=x&payment_method_session_id=1&order=7#frag')}`;

    const reply = await postWidget(sessionId, card('4000000000000002').form, query);

    expect(reply.status).toBe(303);
    const location = new URL(String(reply.headers.location));
    expect(location.searchParams.getAll('status')).toEqual(['failed']);
    expect(location.searchParams.getAll('payment_method_session_id')).toEqual([sessionId]);
    expect(location.searchParams.get('order')).toBe('7');
    expect(location.hash).toBe('#frag');
  });

  it.each(['javascript:alert(1)', 'data:text/html,x', '/relative', 'not a url'])('return_url %s is refused (400) before anything happens', async (returnUrl) => {
    const sessionId = await h.createSession();
    const query = `account_id=${ACCOUNT}&return_url=${encodeURIComponent(returnUrl)}`;

    const reply = await postWidget(sessionId, card('4242424242424242').form, query);

    expectHtmlPage(reply, 400);
    expect(reply.text).toContain('return_url: an absolute http or https URL');
    expect(reply.text).not.toContain(returnUrl.replace(/[<>&"']/g, ''));
    expect((await h.zoho('GET', `paymentmethodsessions/${sessionId}`)).json().payment_method_session.status).toBe('created');
  });
});

describe('the numbers never leave the sandbox', () => {
  it('neither the card number nor the CVC appears in the outcome, the session, the payment method or the journal', async () => {
    const sessionId = await h.createSession();
    const number = '6011 1111 1111 1117';

    const reply = await postWidget(sessionId, { ...card(number).form, cvc: '987' });

    expect(reply.text).toContain('Card ending 1117 saved');
    const session = (await h.zoho('GET', `paymentmethodsessions/${sessionId}`)).text;
    const methodId = JSON.parse(session).payment_method_session.payment_method.payment_method_id as string;
    const texts = [reply.text, session, (await h.zoho('GET', `paymentmethods/${methodId}`)).text, (await h.control('GET', 'requests')).text];
    for (const text of texts) {
      expect(text).not.toContain('6011111111111117');
      expect(text).not.toContain(number);
      // The CVC as a number of its own (ids hold "1987...", and the script's nonce is random).
      expect(text.replace(/nonce="[^"]*"/, '')).not.toMatch(/(?<![\d])987(?![\d])/);
    }
  });

  it('nor the bank account number', async () => {
    const sessionId = await h.createSession(ADA);

    const reply = await postWidget(sessionId, bank('000987654321').form);

    expect(reply.text).toContain('Bank account ending 4321 saved');
    const session = (await h.zoho('GET', `paymentmethodsessions/${sessionId}`)).json().payment_method_session;
    const method = (await h.zoho('GET', `paymentmethods/${session.payment_method.payment_method_id}`)).text;
    for (const text of [reply.text, JSON.stringify(session), method]) expect(text).not.toContain('000987654321');
  });
});
