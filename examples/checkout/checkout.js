// The example checkout (a plain browser ES module, no bundler, no dependency): creates a payment
// method session through the gateway, frames the sandbox's widget for it, and once the widget
// says it is done (postMessage, from the sandbox's origin only) reads the session back through
// GraphQL and shows the saved payment method or the decline. Everything on the page is written
// with textContent: nothing the gateway or the widget answers is ever parsed as HTML.
/* global document, window, fetch, URL, URLSearchParams */

const CREATE_SESSION = `mutation CreatePaymentMethodSession($input: CreatePaymentMethodSessionInput!) {
  createPaymentMethodSession(input: $input) {
    paymentMethodSession { id status }
    userErrors { field code message }
  }
}`;

const READ_SESSION = `query PaymentMethodSession($id: ID!) {
  paymentMethodSession(id: $id) {
    id
    status
    paymentMethod {
      id
      type
      status
      details {
        __typename
        ... on CardDetails { last4 expiryMonth expiryYear }
        ... on AchDebitDetails { last4 bankName }
      }
    }
  }
}`;

/** What the widget posts to its parent (sandbox/widget.ts). */
const WIDGET_SOURCE = 'zoho-sandbox-widget';

const $ = (id) => document.getElementById(id);

/** Where the gateway and the sandbox are (serve.ts); undefined, with what to do shown, when it cannot be read. */
async function loadConfig() {
  try {
    const response = await fetch('/config.json');
    if (!response.ok) throw new Error(`HTTP ${response.status}`);
    return await response.json();
  } catch (error) {
    show('form-error', `Cannot read /config.json (${error.message}): serve this page with \`npm run checkout\` (examples/checkout/serve.ts) and reload it.`);
    return undefined;
  }
}

const config = await loadConfig();
// Without a config the button stays disabled and no message is heard: the page has said why.
const sandboxOrigin = config ? new URL(config.sandboxUrl).origin : undefined;
/** The session whose widget is open; a message about any other is ignored. */
let currentSession;

if (config) {
  $('gateway-url').textContent = config.gatewayUrl;
  $('token').value = config.token;
  $('account-id').value = config.accountId;
  $('customer-id').value = config.customerId;
  $('start-button').disabled = false;
}

/** One GraphQL operation with the caller's headers; GraphQL errors become an Error with their codes. */
async function graphql(query, variables) {
  let response;
  try {
    response = await fetch(config.gatewayUrl, {
      method: 'POST',
      headers: {
        'content-type': 'application/json',
        authorization: `Zoho-oauthtoken ${$('token').value.trim()}`,
        'x-zoho-account-id': $('account-id').value.trim(),
      },
      body: JSON.stringify({ query, variables }),
    });
  } catch {
    // fetch says only "Failed to fetch" for a gateway that is down and for a CORS refusal alike.
    throw new Error(`Cannot reach the gateway at ${config.gatewayUrl}: is \`npm start\` running, and does CORS_ORIGINS allow ${window.location.origin}?`);
  }
  const body = await response.json().catch(() => undefined);
  if (!body) throw new Error(`The gateway answered HTTP ${response.status} without a GraphQL reply.`);
  if (body.errors?.length) {
    throw new Error(body.errors.map((e) => `${e.message}${e.extensions?.code ? ` (${e.extensions.code})` : ''}`).join('; '));
  }
  return body.data;
}

function show(id, text) {
  const element = $(id);
  element.textContent = text ?? '';
  element.hidden = !text;
}

function clearErrors() {
  show('form-error', '');
  show('customer-id-error', '');
  $('customer-id').removeAttribute('aria-invalid');
}

$('start').addEventListener('submit', async (event) => {
  event.preventDefault();
  clearErrors();
  $('result').hidden = true;
  $('start-button').disabled = true;
  try {
    const { createPaymentMethodSession: payload } = await graphql(CREATE_SESSION, {
      input: { customerId: $('customer-id').value.trim(), description: 'Example checkout' },
    });
    // userErrors are the caller's mistakes: each goes next to the field its path names.
    for (const error of payload.userErrors) {
      if (error.field?.join('.') === 'input.customerId') {
        show('customer-id-error', error.message);
        $('customer-id').setAttribute('aria-invalid', 'true');
      } else {
        show('form-error', error.message);
      }
    }
    if (!payload.paymentMethodSession) return;
    openWidget(payload.paymentMethodSession.id);
  } catch (error) {
    show('form-error', error.message);
  } finally {
    $('start-button').disabled = false;
  }
});

function openWidget(sessionId) {
  currentSession = sessionId;
  // parent_origin: only this page may frame the widget, and only it hears the outcome.
  const query = new URLSearchParams({ account_id: $('account-id').value.trim(), parent_origin: window.location.origin });
  const frame = $('widget');
  frame.src = `${sandboxOrigin}/__sandbox/paymentmethodsessions/${encodeURIComponent(sessionId)}/widget?${query}`;
  frame.dataset.sessionId = sessionId;
  $('widget-section').hidden = false;
}

window.addEventListener('message', async (event) => {
  // Only the sandbox's widget may say a session is done, and only about the session it shows.
  if (!sandboxOrigin || event.origin !== sandboxOrigin || event.source !== $('widget').contentWindow) return;
  const data = event.data;
  if (!data || data.source !== WIDGET_SOURCE || data.sessionId !== currentSession) return;
  try {
    // What the widget says is a hint; the session's state is read from the gateway.
    const { paymentMethodSession: session } = await graphql(READ_SESSION, { id: data.sessionId });
    if (!session) throw new Error(`Session ${data.sessionId} does not exist.`);
    showResult(session);
  } catch (error) {
    show('form-error', error.message);
  }
});

function showResult(session) {
  const result = $('result');
  result.dataset.status = session.status;
  result.dataset.sessionId = session.id;
  const method = session.paymentMethod;
  const details = method?.details;
  if (session.status === 'SUCCEEDED' && method) {
    result.dataset.paymentMethodId = method.id;
    result.dataset.last4 = details.last4 ?? '';
    if (details.__typename === 'CardDetails') {
      const month = String(details.expiryMonth).padStart(2, '0');
      show('result-title', `Saved: card ending ${details.last4}`);
      show('result-detail', `Expires ${month}/${details.expiryYear}. Payment method ${method.id}, status ${method.status}.`);
    } else if (details.__typename === 'AchDebitDetails') {
      show('result-title', `Saved: bank account ending ${details.last4}`);
      show('result-detail', `${details.bankName ?? 'Bank'}. Payment method ${method.id}, status ${method.status}.`);
    } else {
      show('result-title', 'Saved: another kind of payment method');
      show('result-detail', `Payment method ${method.id}, status ${method.status}.`);
    }
  } else if (session.status === 'FAILED') {
    show('result-title', 'Declined');
    show('result-detail', `The payment method was declined: session ${session.id} is ${session.status}. Try another card or account.`);
  } else {
    show('result-title', `The session is ${session.status}`);
    show('result-detail', 'Start again to add a payment method.');
  }
  result.hidden = false;
}
