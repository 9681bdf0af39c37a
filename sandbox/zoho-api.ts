/**
 * The emulated Zoho Payments v1 endpoints (the seeds): routing, Zoho's checks in Zoho's order
 * (token, account, scope, rate limit, arguments, resource), and the seeds' reply envelopes.
 */
import type { IncomingMessage } from 'node:http';
import { z } from 'zod';
import { SandboxError, invalidParameter } from './errors';
import type { EndpointName } from './faults';
import { parseJsonObject, success, validate, type Reply } from './http';
import { cardExpired, type Scope, type SandboxStore } from './store';

interface Route {
  pattern: RegExp;
  /** Endpoint name and required scope per method. */
  methods: Readonly<Partial<Record<string, { endpoint: EndpointName; scope: Scope }>>>;
}

const ROUTES: readonly Route[] = [
  {
    pattern: /^\/api\/v1\/paymentmethodsessions\/?$/,
    methods: { POST: { endpoint: 'createPaymentMethodSession', scope: 'CREATE' } },
  },
  {
    pattern: /^\/api\/v1\/paymentmethodsessions\/([^/]+)\/?$/,
    methods: { GET: { endpoint: 'retrievePaymentMethodSession', scope: 'READ' } },
  },
  {
    pattern: /^\/api\/v1\/paymentmethods\/([^/]+)\/?$/,
    methods: {
      GET: { endpoint: 'retrievePaymentMethod', scope: 'READ' },
      PUT: { endpoint: 'updatePaymentMethod', scope: 'UPDATE' },
      DELETE: { endpoint: 'deletePaymentMethod', scope: 'DELETE' },
    },
  },
];

/** Where a request goes: an endpoint, a method the path does not allow, or nowhere. */
export type RouteMatch =
  | { kind: 'endpoint'; endpoint: EndpointName; scope: Scope; id: string | undefined }
  | { kind: 'method_not_allowed'; allow: string[] }
  | { kind: 'not_found' };

export function matchRoute(method: string, pathname: string): RouteMatch {
  for (const route of ROUTES) {
    const match = route.pattern.exec(pathname);
    if (!match) continue;
    const target = route.methods[method];
    if (!target) return { kind: 'method_not_allowed', allow: Object.keys(route.methods) };
    return { kind: 'endpoint', ...target, id: match[1] === undefined ? undefined : decodePathSegment(match[1]) };
  }
  return { kind: 'not_found' };
}

/** A path segment decoded; a malformed escape stays as sent (and is then not a valid id). */
function decodePathSegment(segment: string): string {
  try {
    return decodeURIComponent(segment);
  } catch {
    return segment;
  }
}

const ZOHO_ID = /^\d{1,19}$/;
const TOKEN_HEADER = /^Zoho-oauthtoken (\S+)$/;

/** Zoho's checks before any endpoint runs; returns the account the call acts on. */
export function authorize(
  store: SandboxStore,
  req: IncomingMessage,
  query: URLSearchParams,
  scope: Scope,
): string {
  const token = TOKEN_HEADER.exec(req.headers.authorization?.trim() ?? '')?.[1];
  const grant = token === undefined ? undefined : store.grantOf(token);
  if (!grant) {
    throw new SandboxError(401, 'invalid_oauth_token', 'Invalid OAuth token. Send "Authorization: Zoho-oauthtoken <token>".');
  }
  const accountId = query.get('account_id');
  if (accountId === null || accountId === '') {
    throw new SandboxError(400, 'required_parameter_missing', 'account_id is required.');
  }
  if (!ZOHO_ID.test(accountId)) {
    throw new SandboxError(400, 'invalid_account_id', 'account_id must be the Zoho Payments account id (digits).');
  }
  if (accountId !== grant.accountId) {
    throw new SandboxError(400, 'invalid_account_id', 'The OAuth token has no access to this account_id.');
  }
  if (!grant.scopes.has(scope)) {
    throw new SandboxError(
      403,
      'oauth_scope_mismatch',
      `The OAuth token lacks the scope ZohoPay.paymentmethods.${scope} this API needs.`,
    );
  }
  const retryAfter = store.takeRateLimit(accountId);
  if (retryAfter !== undefined) {
    throw new SandboxError(
      429,
      'rate_limit_exceeded',
      `More than ${store.rateLimitPerMinute} requests per minute. Retry after ${retryAfter} seconds.`,
      { 'retry-after': String(retryAfter) },
    );
  }
  return accountId;
}

const digits = z.string().regex(ZOHO_ID);
const optionalText = (max: number) => z.string().max(max).optional();

/**
 * The endpoints' bodies, built with `object`: z.object (unknown fields are dropped in silence)
 * or z.strictObject (strict mode: an unknown field, at any depth, is refused). One declaration
 * for both, so the two modes can never take different arguments.
 */
function zohoBodies(object: typeof z.strictObject) {
  const billingAddress = object({
    name: optionalText(200),
    address_line1: optionalText(500),
    address_line2: optionalText(500),
    city: optionalText(200),
    state: optionalText(200),
    country: z.string().regex(/^[A-Z]{2}$/),
    postal_code: optionalText(20),
  });
  return {
    billingAddress,
    createSession: object({
      customer_id: digits,
      description: optionalText(1000),
    }),
    update: object({
      type: z.enum(['card', 'ach_debit']),
      card: object({ expiry_month: z.string().regex(/^(0[1-9]|1[0-2])$/), expiry_year: z.string().regex(/^\d{2}$/) }).optional(),
      ach_debit: object({ account_holder_type: z.enum(['individual', 'company']) }).optional(),
      billing_address: billingAddress.optional(),
    }),
  };
}

const LENIENT_BODIES = zohoBodies(z.object);
const STRICT_BODIES = zohoBodies(z.strictObject);
const bodiesFor = (store: SandboxStore) => (store.strict ? STRICT_BODIES : LENIENT_BODIES);

/** A billing address as the update endpoint takes it (the control API's completion takes it too). */
export const billingAddressBody = LENIENT_BODIES.billingAddress;
type UpdateBody = z.infer<typeof LENIENT_BODIES.update>;

/** What each field must be, for `invalid_parameter` messages. */
const EXPECTED: Readonly<Record<string, string>> = {
  customer_id: 'the customer id (digits)',
  description: 'text of at most 1000 characters',
  type: 'card or ach_debit',
  'card.expiry_month': 'MM, 01 to 12',
  'card.expiry_year': 'YY, two digits',
  'ach_debit.account_holder_type': 'individual or company',
  'billing_address.country': 'a two-letter ISO 3166 country code such as US',
};

/** Runs one emulated endpoint after `authorize`; the body is the raw request text. */
export function handleEndpoint(
  store: SandboxStore,
  endpoint: EndpointName,
  accountId: string,
  id: string | undefined,
  bodyText: string,
): Reply {
  // Zoho's order: the body (JSON, then required, then well-formed arguments), then the path's id.
  if (endpoint === 'createPaymentMethodSession') {
    const body = validate(bodiesFor(store).createSession, parseJsonObject(bodyText), EXPECTED);
    return success({ payment_method_session: store.viewCreatedSession(store.createSession(accountId, body)) });
  }
  const update = endpoint === 'updatePaymentMethod' ? validate(bodiesFor(store).update, parseJsonObject(bodyText), EXPECTED) : undefined;
  if (id === undefined || !ZOHO_ID.test(id)) {
    throw invalidParameter(endpoint === 'retrievePaymentMethodSession' ? 'payment_method_session_id' : 'payment_method_id', 'digits');
  }
  switch (endpoint) {
    case 'retrievePaymentMethodSession':
      return success({ payment_method_session: store.viewSession(accountId, store.getSession(accountId, id)) });
    case 'retrievePaymentMethod':
      return success({ payment_method: store.viewPaymentMethod(accountId, store.getPaymentMethod(accountId, id)) });
    case 'updatePaymentMethod': {
      const change = update as UpdateBody;
      if (change.card && change.type !== 'card') throw invalidParameter('card', 'only for type card');
      if (change.ach_debit && change.type !== 'ach_debit') throw invalidParameter('ach_debit', 'only for type ach_debit');
      if (change.card && cardExpired(change.card, store.now())) {
        throw invalidParameter('card.expiry_year', 'an expiry that has not passed');
      }
      return success({ payment_method: store.viewPaymentMethod(accountId, store.updatePaymentMethod(accountId, id, change)) });
    }
    case 'deletePaymentMethod':
      store.deletePaymentMethod(accountId, id);
      return success({}, 'Payment method deleted');
  }
}
