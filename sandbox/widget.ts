/**
 * A stand-in for Zoho's payment widget (contract.md, "For frontend teams"): at
 * `GET /__sandbox/paymentmethodsessions/{id}/widget?account_id=...` a plain HTML form where the
 * customer enters a test card or bank account, with no external resource (inline CSS, a strict
 * Content-Security-Policy, one nonce'd script that only tells an embedding page the outcome).
 * Its POST completes the session through completion.ts, exactly as the control API's `complete`
 * does, and answers an outcome page (or a 303 to `return_url`). Works with JavaScript off.
 *
 * What the customer typed never comes back: a form shown again after an error is refilled with
 * everything but the card number, the CVC and the account number, and messages name fields, never
 * values.
 */
import { randomBytes } from 'node:crypto';
import { completeSession } from './completion';
import { accountOf } from './control-api';
import { SandboxError } from './errors';
import { esc, instrumentTable, page, securityHeaders } from './html';
import type { Reply } from './http';
import { TEST_ROUTING_NUMBER, listTestInstruments } from './instruments';
import type { SandboxStore, StoredSession } from './store';

/** `/__sandbox/paymentmethodsessions/{id}/widget`; the id is the first group. */
export const WIDGET_PATH = /^\/__sandbox\/paymentmethodsessions\/([^/]+)\/widget\/?$/;

/** The widget's routes, for the index (index.ts). */
export const WIDGET_ROUTES = [
  {
    method: 'GET',
    path: '/__sandbox/paymentmethodsessions/{id}/widget?account_id=',
    body: '',
    does: 'the widget: an HTML form for a test card (method=ach_debit: a bank account); optional return_url (http or https) for a redirect flow, parent_origin for the only page that may frame it and hear the outcome',
  },
  {
    method: 'POST',
    path: '/__sandbox/paymentmethodsessions/{id}/widget?account_id=',
    body: 'the form (application/x-www-form-urlencoded)',
    does: 'completes the session as complete does; answers the outcome page, or a 303 to return_url with payment_method_session_id and status',
  },
] as const;

/** What `window.parent` receives from a framed outcome page (status and ids only). */
export const WIDGET_MESSAGE_SOURCE = 'zoho-sandbox-widget';

type Kind = 'card' | 'ach_debit';

/** A form field: its input name, label, and attributes (autocomplete, inputmode...). */
interface Field {
  name: string;
  label: string;
  attributes: Readonly<Record<string, string>>;
  /** Never written back into the form: what the customer typed stays with the customer. */
  secret?: boolean;
  /** A `<select>` with these options instead of an `<input>`. */
  options?: readonly string[];
  hint?: string;
}

const numeric = { inputmode: 'numeric' };

const CARD_FIELDS: readonly Field[] = [
  { name: 'card_holder_name', label: 'Name on card', attributes: { autocomplete: 'cc-name' } },
  { name: 'number', label: 'Card number', attributes: { autocomplete: 'cc-number', ...numeric, required: '', maxlength: '40' }, secret: true },
  { name: 'expiry_month', label: 'Expiry month (MM)', attributes: { autocomplete: 'cc-exp-month', ...numeric, maxlength: '2', placeholder: 'MM' }, hint: 'Default 12' },
  { name: 'expiry_year', label: 'Expiry year (YY)', attributes: { autocomplete: 'cc-exp-year', ...numeric, maxlength: '4', placeholder: 'YY' }, hint: 'Default three years ahead' },
  { name: 'cvc', label: 'Security code (CVC)', attributes: { autocomplete: 'cc-csc', ...numeric, maxlength: '4' }, secret: true },
  { name: 'address_line1', label: 'Billing address', attributes: { autocomplete: 'address-line1' } },
  { name: 'postal_code', label: 'Postal code', attributes: { autocomplete: 'postal-code', maxlength: '20' } },
  { name: 'country', label: 'Country (two letters)', attributes: { autocomplete: 'country', maxlength: '2', value: 'US' } },
];

const ACH_FIELDS: readonly Field[] = [
  { name: 'account_holder_name', label: 'Account holder name', attributes: { autocomplete: 'name' } },
  { name: 'routing_number', label: 'Routing number', attributes: { ...numeric, required: '', maxlength: '20', autocomplete: 'off' }, hint: `e.g. ${TEST_ROUTING_NUMBER}` },
  { name: 'account_number', label: 'Account number', attributes: { ...numeric, required: '', maxlength: '40', autocomplete: 'off' }, secret: true },
  { name: 'account_type', label: 'Account type', attributes: {}, options: ['checking', 'savings'] },
  { name: 'account_holder_type', label: 'Account holder type', attributes: {}, options: ['individual', 'company'] },
];

const FIELDS: Readonly<Record<Kind, readonly Field[]>> = { card: CARD_FIELDS, ach_debit: ACH_FIELDS };

/** The widget at `sessionId`; `readBody` is only awaited for a POST. */
export async function handleWidget(
  store: SandboxStore,
  method: string,
  sessionId: string,
  query: URLSearchParams,
  readBody: () => Promise<string>,
): Promise<Reply> {
  const nonce = randomBytes(16).toString('base64');
  try {
    if (method !== 'GET' && method !== 'POST') {
      return errorPage(405, 'Method not allowed', `${method} is not allowed here: GET shows the form, POST submits it.`, nonce, undefined, { allow: 'GET, POST' });
    }
    const accountId = accountOf(query);
    const returnUrl = absoluteHttpUrlOf(query, 'return_url');
    const parentOrigin = absoluteHttpUrlOf(query, 'parent_origin')?.origin;
    // The session first (404), as the control API checks it. One already completed answers its
    // outcome again, for GET and POST alike and whatever the form says: a second click on Save, a
    // reload of the outcome page (the browser posts again) or of the frame must not tell the
    // customer to start over when the card was saved, and the embedding page still hears the outcome.
    const existing = store.getSession(accountId, sessionId);
    const existingStatus = store.sessionStatusOf(existing);
    if (existingStatus === 'succeeded' || existingStatus === 'failed') {
      const saved = existing.payment_method_id === undefined ? undefined : store.getPaymentMethod(accountId, existing.payment_method_id);
      const kind: Kind = (saved?.type ?? query.get('method')) === 'ach_debit' ? 'ach_debit' : 'card';
      const context: PageContext = { sessionId, accountId, kind, returnUrl, parentOrigin, query, nonce };
      return outcomePage(store, context, existing, method === 'POST');
    }
    // Then a session that is not open (expired): the error page.
    store.openSession(accountId, sessionId);
    const form = method === 'POST' ? new URLSearchParams(await readBody()) : undefined;
    const kind: Kind = (form?.get('method') ?? query.get('method')) === 'ach_debit' ? 'ach_debit' : 'card';
    const context: PageContext = { sessionId, accountId, kind, returnUrl, parentOrigin, query, nonce };
    if (!form) return formPage(context, new URLSearchParams(), undefined);
    let session: StoredSession;
    try {
      session = completeSession(store, accountId, sessionId, () => bodyFrom(kind, form));
    } catch (error) {
      if (error instanceof SandboxError && error.status === 400 && error.field !== undefined) return formPage(context, form, error);
      throw error;
    }
    return outcomePage(store, context, session, true);
  } catch (error) {
    if (!(error instanceof SandboxError)) throw error;
    return errorPage(error.status, titleOf(error), error.message, nonce, error.code);
  }
}

interface PageContext {
  sessionId: string;
  accountId: string;
  kind: Kind;
  returnUrl: URL | undefined;
  /**
   * `parent_origin`: the origin of the page that frames the widget. Given, only that page may
   * frame it (`frame-ancestors`) and only it gets the outcome's message; without it, any page.
   */
  parentOrigin: string | undefined;
  /** The widget's own query (account_id, method, return_url, parent_origin), kept in links and the form's action. */
  query: URLSearchParams;
  nonce: string;
}

/** `return_url` or `parent_origin`: absent, or an absolute http(s) URL (anything else could run script on a click). */
function absoluteHttpUrlOf(query: URLSearchParams, name: 'return_url' | 'parent_origin'): URL | undefined {
  const raw = query.get(name);
  if (raw === null || raw === '') return undefined;
  let url: URL | undefined;
  try {
    url = new URL(raw);
  } catch {
    url = undefined;
  }
  if (!url || (url.protocol !== 'http:' && url.protocol !== 'https:')) {
    throw new SandboxError(400, 'invalid_parameter', `Invalid value for ${name}: an absolute http or https URL.`);
  }
  // Its origin goes into the Content-Security-Policy header (frame-ancestors, form-action), and the
  // URL parser takes `;`, `,` or `'` in a host (`http://a;sandbox` would add a directive).
  if (!SAFE_ORIGIN.test(url.origin)) {
    throw new SandboxError(
      400,
      'invalid_parameter',
      `Invalid value for ${name}: its host may hold only letters, digits, dots and hyphens (or be an IPv6 address in brackets), with an optional port.`,
    );
  }
  return url;
}

/** An http(s) origin that is safe in a CSP source list: a plain host name or IP, an optional port. */
const SAFE_ORIGIN = /^https?:\/\/(?:[A-Za-z0-9.-]+|\[[0-9A-Fa-f:.]+\])(?::\d+)?$/;

/**
 * The completion body (completion.ts) from the form: empty fields are absent, so that the
 * control API's defaults and its "is required" apply alike. The billing address is sent when a
 * postal code or an address line is given (its country then defaults to the form's US).
 */
function bodyFrom(kind: Kind, form: URLSearchParams): Record<string, unknown> {
  const value = (name: string): string | undefined => {
    const text = form.get(name)?.trim();
    return text ? text : undefined;
  };
  if (kind === 'ach_debit') {
    return {
      ach_debit: {
        routing_number: value('routing_number'),
        account_number: value('account_number'),
        account_holder_name: value('account_holder_name'),
        account_holder_type: value('account_holder_type'),
        account_type: value('account_type'),
      },
    };
  }
  const postalCode = value('postal_code');
  const addressLine = value('address_line1');
  return {
    card: {
      number: value('number'),
      expiry_month: value('expiry_month'),
      expiry_year: value('expiry_year'),
      cvc: value('cvc'),
      card_holder_name: value('card_holder_name'),
    },
    ...((postalCode !== undefined || addressLine !== undefined) && {
      // Upper-cased: `us` is what people type for the two-letter code the API takes as `US`.
      billing_address: { country: value('country')?.toUpperCase(), postal_code: postalCode, address_line1: addressLine },
    }),
  };
}

/** The input a completion error's field (`card.number`, `billing_address.country`) belongs to. */
const inputOf = (field: string): string => field.slice(field.lastIndexOf('.') + 1);

/**
 * A completion error as the customer reads it next to its field: the field's label, not the API's
 * path (`Invalid value for card.cvc: 3 or 4 digits.` is `Security code (CVC): 3 or 4 digits.`).
 */
function messageFor(field: Field, error: SandboxError): string {
  const path = error.field ?? '';
  const invalid = `Invalid value for ${path}: `;
  if (path && error.message.startsWith(invalid)) return `${field.label}: ${error.message.slice(invalid.length)}`;
  return path ? error.message.split(path).join(field.label) : error.message;
}

function formPage(context: PageContext, form: URLSearchParams, error: SandboxError | undefined): Reply {
  const { kind, sessionId } = context;
  const fields = FIELDS[kind];
  const atFault = error?.field === undefined ? undefined : fields.find((field) => field.name === inputOf(error.field as string));
  const other = kind === 'card' ? 'ach_debit' : 'card';
  const otherQuery = new URLSearchParams(context.query);
  otherQuery.set('method', other);
  const instruments = listTestInstruments();
  const listed = kind === 'card' ? instruments.cards : instruments.bank_accounts;
  const body = `
<main>
  <h1>${kind === 'card' ? 'Save a card' : 'Save a bank account'}</h1>
  <p class="muted">Zoho Payments sandbox: payment method session <span id="session-id">${esc(sessionId)}</span>. Test numbers only.</p>
  <p><a href="?${esc(otherQuery.toString())}">${kind === 'card' ? 'Use a bank account (ACH) instead' : 'Use a card instead'}</a></p>
  ${error && !atFault ? `<p class="error" role="alert" id="form-error">${esc(error.message)}</p>` : ''}
  <form method="post" action="?${esc(context.query.toString())}" novalidate>
    <input type="hidden" name="method" value="${kind}">
    ${fields.map((field) => fieldHtml(field, form, field === atFault ? error : undefined, error !== undefined)).join('\n    ')}
    <button type="submit">${kind === 'card' ? 'Save card' : 'Save bank account'}</button>
  </form>
  <details${error ? '' : ' open'}>
    <summary>${kind === 'card' ? 'Test cards' : `Test bank accounts (routing number ${TEST_ROUTING_NUMBER})`}</summary>
    ${instrumentTable(listed, 'number')}
  </details>
</main>`;
  return page(error ? 400 : 200, kind === 'card' ? 'Save a card' : 'Save a bank account', body, context.nonce, formAction(context.returnUrl), context.parentOrigin);
}

function fieldHtml(field: Field, form: URLSearchParams, error: SandboxError | undefined, submitted: boolean): string {
  const id = `f-${field.name}`;
  const errorId = `${id}-error`;
  // After a submit the form shows what was sent (never a secret); before, the field's default.
  const sent = submitted && !field.secret ? (form.get(field.name) ?? '') : undefined;
  const attributes = { ...field.attributes, ...(sent !== undefined && { value: sent }) };
  const described = [error ? errorId : '', field.hint ? `${id}-hint` : ''].filter(Boolean).join(' ');
  const aria = `${error ? ' aria-invalid="true"' : ''}${described ? ` aria-describedby="${described}"` : ''}`;
  const control = field.options
    ? `<select id="${id}" name="${field.name}"${aria}>${field.options
        .map((option) => `<option${(sent ?? field.options?.[0]) === option ? ' selected' : ''}>${option}</option>`)
        .join('')}</select>`
    : `<input id="${id}" name="${field.name}" type="text"${Object.entries(attributes)
        .map(([name, value]) => (name === 'required' ? ` ${name}` : ` ${name}="${esc(value)}"`))
        .join('')}${aria}>`;
  return `<div class="field${error ? ' invalid' : ''}">
      <label for="${id}">${esc(field.label)}</label>
      ${control}${field.hint ? `\n      <small id="${id}-hint" class="muted">${esc(field.hint)}</small>` : ''}${
        error ? `\n      <p class="error" role="alert" id="${errorId}">${esc(messageFor(field, error))}</p>` : ''
      }
    </div>`;
}

/** The outcome of a completed session; `redirect` (a POST): a 303 to return_url when there is one. */
function outcomePage(store: SandboxStore, context: PageContext, session: StoredSession, redirect: boolean): Reply {
  const { sessionId, accountId, kind, returnUrl, parentOrigin, nonce } = context;
  const status = store.sessionStatusOf(session);
  const method = session.payment_method_id === undefined ? undefined : store.getPaymentMethod(accountId, session.payment_method_id);
  if (returnUrl && redirect) {
    const target = new URL(returnUrl);
    // Set, not appended: a return_url that already has a `status` must not keep it first.
    target.searchParams.set('payment_method_session_id', sessionId);
    target.searchParams.set('status', status);
    const location = target.toString();
    return {
      status: 303,
      body: `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>Redirecting</title></head><body><p><a href="${esc(location)}">Continue</a></p></body></html>`,
      headers: { ...securityHeaders(nonce, formAction(returnUrl), parentOrigin), location },
    };
  }
  const what = kind === 'card' ? 'Card' : 'Bank account';
  const last4 = method?.card?.last_four_digits ?? method?.ach_debit?.last_four_digits;
  const message = {
    source: WIDGET_MESSAGE_SOURCE,
    sessionId,
    status,
    ...(method && { paymentMethodId: method.payment_method_id }),
  };
  const body = method
    ? `
<main>
  <h1 id="outcome" data-status="${status}">${what} ending ${esc(last4 ?? '')} saved</h1>
  <p>Payment method <code>${esc(method.payment_method_id)}</code> (status ${esc(store.statusOf(method))}) is attached to session <code>${esc(sessionId)}</code>, which has ${esc(status)}.</p>
</main>`
    : `
<main>
  <h1 id="outcome" data-status="${status}">Declined</h1>
  <p>The ${kind === 'card' ? 'card' : 'bank account'} was declined: the session failed. Session <code>${esc(sessionId)}</code> has no payment method.</p>
</main>`;
  // The message and its target ride in data attributes (escaped as HTML) so the script itself is a
  // constant; the target is the parent's origin when the widget was told it, any page otherwise.
  const script = `<div id="widget-message" hidden data-message="${esc(JSON.stringify(message))}" data-target-origin="${esc(parentOrigin ?? '*')}"></div>
<script nonce="${nonce}">
  if (window.parent !== window) {
    var holder = document.getElementById('widget-message');
    window.parent.postMessage(JSON.parse(holder.getAttribute('data-message')), holder.getAttribute('data-target-origin'));
  }
</script>`;
  return page(200, method ? `${what} saved` : 'Declined', body + script, nonce, formAction(undefined), parentOrigin);
}

function titleOf(error: SandboxError): string {
  if (error.status === 404) return 'No such payment method session';
  if (error.code === 'invalid_payment_session') return 'This session cannot be completed';
  return 'The widget cannot be shown';
}

/**
 * What the reader of an error page can do about it: only a session that does not exist or can no
 * longer be completed calls for a new one; a bad query or request is fixed where it is.
 */
function whatToDo(status: number, code: string | undefined): string {
  if (status === 404 || code === 'invalid_payment_session') {
    return 'Create a new session through the gateway (createPaymentMethodSession) and open its widget.';
  }
  if (status === 405) return 'Open the widget with GET (the form) and submit the form with POST.';
  if (code === 'required_parameter_missing' || code === 'invalid_account_id' || code === 'invalid_parameter') {
    return "Fix the widget URL's query and open it again: account_id (the account's id, digits), and optionally return_url (an absolute http or https URL) and parent_origin (the embedding page's origin, http or https).";
  }
  if (code === 'invalid_json') return "Submit the widget's own form again (application/x-www-form-urlencoded, under 1 MB).";
  if (code === 'customer_max_payment_methods') return 'Delete one of the customer\'s payment methods through the gateway, then submit the form again: the session is still open.';
  return 'The message above says what went wrong.';
}

function errorPage(status: number, title: string, message: string, nonce: string, code?: string, headers: Record<string, string> = {}): Reply {
  const body = `
<main>
  <h1>${esc(title)}</h1>
  <p class="error" id="error" data-code="${esc(code ?? '')}">${esc(message)}</p>
  <p class="muted" id="error-hint">HTTP ${status}${code ? `, ${esc(code)}` : ''}. ${esc(whatToDo(status, code))}</p>
</main>`;
  const reply = page(status, title, body, nonce, formAction(undefined));
  return { ...reply, headers: { ...reply.headers, ...headers } };
}

/** `form-action`: the widget itself, and the return URL's origin (a 303 after a POST is checked too). */
const formAction = (returnUrl: URL | undefined) => `'self'${returnUrl ? ` ${returnUrl.origin}` : ''}`;
