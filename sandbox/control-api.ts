/**
 * The control API under `/__sandbox/` (README.md): reset, seed, customers, tokens, completing a
 * session as the customer would, the clock, strict mode, fault injection, the rate limit and the
 * request journal.
 */
import { z } from 'zod';
import type { SandboxClock } from './clock';
import { SandboxError, invalidParameter } from './errors';
import { faultSchema, type FaultQueue, type Journal } from './faults';
import { parseJsonObject, success, validate, type Reply } from './http';
import { completeSession } from './completion';
import { SCOPES, type SandboxStore } from './store';
import { billingAddressBody } from './zoho-api';

const digits = z.string().regex(/^\d{1,19}$/);
const text = z.string().max(1000);
const checkResult = z.enum(['pass', 'fail', 'unavailable', 'unchecked']);
/** Seconds below 10^11, milliseconds otherwise (the contract's rule for Zoho's timestamps). */
const timestamp = z.number().int().nonnegative().transform((t) => (t < 1e11 ? t * 1000 : t));

const seedPaymentMethod = z.object({
  payment_method_id: digits.optional(),
  customer_id: digits,
  customer_name: text.optional(),
  customer_email: text.optional(),
  type: z.enum(['card', 'ach_debit']),
  card: z
    .object({
      card_holder_name: text.optional(),
      last_four_digits: z.string().regex(/^\d{4}$/),
      expiry_month: z.string().regex(/^(0[1-9]|1[0-2])$/),
      expiry_year: z.string().regex(/^\d{2}$/),
      card_checks: z
        .object({ address_line_check: checkResult, postal_code_check: checkResult, cvc_check: checkResult })
        .default({ address_line_check: 'pass', postal_code_check: 'pass', cvc_check: 'pass' }),
    })
    .optional(),
  ach_debit: z
    .object({
      account_holder_name: text.optional(),
      routing_number: z.string().regex(/^\d{9}$/).optional(),
      account_holder_type: z.enum(['individual', 'company']).optional(),
      bank_name: text.optional(),
      account_type: text.optional(),
      last_four_digits: z.string().regex(/^\d{4}$/),
    })
    .optional(),
  status: z.enum(['active', 'expired', 'blocked', 'processing', 'deleted']).default('active'),
  currency: z.string().regex(/^[A-Z]{3}$/).optional(),
  billing_address: billingAddressBody.optional(),
  created_time: timestamp.optional(),
  last_modified_time: timestamp.optional(),
});

const seedSession = z.object({
  payment_method_session_id: digits.optional(),
  customer_id: digits,
  description: text.optional(),
  status: z.enum(['created', 'succeeded', 'failed', 'expired']).default('created'),
  created_time: timestamp.optional(),
  payment_method_id: digits.optional(),
  /** The seeds' shape of a completed session: the partial payment method, of which the id counts. */
  payment_method: z.object({ payment_method_id: digits }).optional(),
});

export const seedSchema = z.object({
  account_id: digits,
  customers: z
    .array(z.object({ customer_id: digits, customer_name: text.optional(), customer_email: text.optional() }))
    .default([]),
  payment_methods: z
    .array(
      seedPaymentMethod
        .refine((pm) => pm.type !== 'card' || pm.card !== undefined, { message: 'required for type card', path: ['card'] })
        .refine((pm) => pm.type !== 'ach_debit' || pm.ach_debit !== undefined, {
          message: 'required for type ach_debit',
          path: ['ach_debit'],
        }),
    )
    .default([]),
  payment_method_sessions: z.array(seedSession).default([]),
});
/** What `POST /__sandbox/seed` takes: Zoho-shaped objects (the seeds' JSON). */
export type SeedInput = z.input<typeof seedSchema>;

const tokenBody = z.object({
  token: z.string().regex(/^\S{1,2048}$/),
  account_id: digits,
  scopes: z
    .array(z.string().transform((s) => s.replace(/^ZohoPay\.paymentmethods\./, '')).pipe(z.enum(SCOPES)))
    .default([...SCOPES]),
});

const rateLimitBody = z.object({ requests_per_minute: z.number().int().min(0).max(1_000_000) });

const strictBody = z.strictObject({ strict: z.boolean() });

/** The last instant an ISO 8601 date can show (9999-12-31T23:59:59.999Z). */
const MAX_MOMENT_MS = 253_402_300_799_999;
/**
 * A moment for the clock: ISO 8601 with a time zone, or a number read as Zoho's timestamps are
 * (seconds below 10^11, milliseconds otherwise), so that a seeds' created_time can be pasted as is.
 */
const moment = z.union([
  z.iso.datetime({ offset: true }).transform((text) => Date.parse(text)),
  timestamp,
]).pipe(z.number().max(MAX_MOMENT_MS));

const setClockBody = z.strictObject({ now: moment, frozen: z.boolean().optional() });
const freezeClockBody = z.strictObject({ now: moment.optional() });
const ADVANCE_UNITS_MS = { ms: 1, seconds: 1000, minutes: 60_000, hours: 3_600_000, days: 86_400_000 } as const;
const duration = z.number().int().nonnegative().optional();
const advanceClockBody = z
  .strictObject({ ms: duration, seconds: duration, minutes: duration, hours: duration, days: duration })
  .refine((body) => Object.values(body).filter((n) => n !== undefined).length === 1, {
    message: 'exactly one of ms, seconds, minutes, hours or days',
  });

const CLOCK_EXPECTED: Readonly<Record<string, string>> = {
  now: 'an ISO 8601 date-time with a time zone (2024-02-26T12:31:12Z), or Unix seconds or milliseconds',
  'the request body': 'exactly one of ms, seconds, minutes, hours or days, a whole number of at least 0',
};

export interface ControlDeps {
  clock: SandboxClock;
  store: SandboxStore;
  faults: FaultQueue;
  journal: Journal;
  /** Restores the start-up state (credentials and, unless asked not to, the fixtures). */
  reset: (withFixtures: boolean) => void;
}

/** What a control route's handler gets: the path's `{id}` (when it has one), the query and the raw body. */
interface ControlRequest {
  id: string;
  query: URLSearchParams;
  bodyText: string;
}

/** One route of the control API: what the index (index-page.ts) lists and handleControl serves. */
export interface ControlRoute {
  method: 'GET' | 'POST' | 'PUT' | 'DELETE';
  /** After `/__sandbox/`; `{id}` stands for one path segment (a session id). */
  path: string;
  /** Query parameters it reads, as shown in the index (`account_id=`), or ''. */
  query: string;
  /** The JSON body it takes, in words, or '' for none. */
  body: string;
  /** What it does. */
  does: string;
  handle: (deps: ControlDeps, request: ControlRequest) => Reply;
}

const clockReply = (deps: ControlDeps) => success({ clock: deps.clock.view() });

/**
 * The control API, declared once: handleControl serves exactly these routes, and the index lists
 * exactly these, so neither can drift from the other.
 */
export const CONTROL_ROUTES: readonly ControlRoute[] = [
  {
    method: 'GET', path: 'health', query: '', body: '',
    does: 'is the sandbox up: {"status": "ok"}',
    handle: () => ({ status: 200, body: { status: 'ok' } }),
  },
  {
    method: 'POST', path: 'reset', query: '', body: '{} or {"fixtures": false}',
    does: 'back to the start-up state: credentials, clock, strict mode and (unless fixtures is false) the fixtures',
    handle: (deps, { bodyText }) => {
      const body = parseJsonObject(bodyText);
      deps.reset(body['fixtures'] !== false);
      return success();
    },
  },
  {
    method: 'POST', path: 'seed', query: '',
    body: '{"account_id", "customers": [...], "payment_methods": [...], "payment_method_sessions": [...]} (Zoho-shaped)',
    does: 'stores customers, payment methods and sessions in one account (all or nothing)',
    handle: ({ store }, { bodyText }) => success(seed(store, validate(seedSchema, parseJsonObject(bodyText)))),
  },
  {
    method: 'GET', path: 'customers', query: 'account_id=', body: '',
    does: 'the customers the account knows',
    handle: ({ store }, { query }) => {
      const accountId = accountOf(query);
      return success({ account_id: accountId, customers: store.customersOf(accountId) });
    },
  },
  {
    method: 'POST', path: 'tokens', query: '', body: '{"token", "account_id", "scopes": ["READ", ...]}',
    does: 'adds a token for an account (all four scopes by default)',
    handle: ({ store }, { bodyText }) => {
      const body = validate(tokenBody, parseJsonObject(bodyText));
      store.addToken(body.token, body.account_id, body.scopes);
      return success({ token: { account_id: body.account_id, scopes: body.scopes.map((s) => `ZohoPay.paymentmethods.${s}`) } });
    },
  },
  {
    method: 'POST', path: 'paymentmethodsessions/{id}/complete', query: 'account_id=',
    body: '{"card": {"number", "expiry_month", "expiry_year", "cvc", "card_holder_name"}} or {"ach_debit": {"routing_number", "account_number", ...}}, optional "billing_address", "currency"',
    does: 'completes a created session as the customer would, with a test card or bank account (no token)',
    handle: ({ store }, { id, query, bodyText }) => {
      const accountId = accountOf(query);
      const result = completeSession(store, accountId, id, () => parseJsonObject(bodyText));
      return success({ payment_method_session: store.viewSession(accountId, result) });
    },
  },
  {
    method: 'POST', path: 'paymentmethodsessions/{id}/expire', query: 'account_id=', body: '',
    does: 'expires a created session now',
    handle: ({ store }, { id, query }) => {
      const accountId = accountOf(query);
      return success({ payment_method_session: store.viewSession(accountId, store.expireSession(accountId, id)) });
    },
  },
  {
    method: 'GET', path: 'clock', query: '', body: '',
    does: 'the clock: now, frozen, real_time',
    handle: clockReply,
  },
  {
    method: 'PUT', path: 'clock', query: '', body: '{"now": <ISO 8601 or Unix seconds/ms>, "frozen": true|false}',
    does: 'sets the clock (frozen: stops it there; false: runs from there)',
    handle: (deps, { bodyText }) => {
      const body = validate(setClockBody, parseJsonObject(bodyText), CLOCK_EXPECTED);
      if (body.frozen === false) deps.clock.resume();
      if (body.frozen === true) deps.clock.freeze(body.now);
      else deps.clock.set(body.now);
      return clockReply(deps);
    },
  },
  {
    method: 'POST', path: 'clock/freeze', query: '', body: '{} or {"now": <moment>}',
    does: 'stops the clock where it is (or at now)',
    handle: (deps, { bodyText }) => {
      deps.clock.freeze(validate(freezeClockBody, parseJsonObject(bodyText), CLOCK_EXPECTED).now);
      return clockReply(deps);
    },
  },
  {
    method: 'POST', path: 'clock/resume', query: '', body: '',
    does: 'a frozen clock runs again from where it stopped',
    handle: (deps) => {
      deps.clock.resume();
      return clockReply(deps);
    },
  },
  {
    method: 'POST', path: 'clock/advance', query: '', body: 'one of {"ms"|"seconds"|"minutes"|"hours"|"days": n}',
    does: 'moves the clock forward',
    handle: (deps, { bodyText }) => {
      const body = validate(advanceClockBody, parseJsonObject(bodyText), CLOCK_EXPECTED);
      const [unit, amount] = Object.entries(body).find(([, n]) => n !== undefined) as [keyof typeof ADVANCE_UNITS_MS, number];
      const target = deps.clock.now() + amount * ADVANCE_UNITS_MS[unit];
      if (target > MAX_MOMENT_MS) throw invalidParameter(unit, 'an amount that keeps the clock before the year 10000');
      deps.clock.set(target);
      return clockReply(deps);
    },
  },
  {
    method: 'DELETE', path: 'clock', query: '', body: '',
    does: 'back to real time, running',
    handle: (deps) => {
      deps.clock.reset();
      return clockReply(deps);
    },
  },
  {
    method: 'GET', path: 'strict', query: '', body: '',
    does: 'whether strict mode is on',
    handle: ({ store }) => success({ strict: store.strict }),
  },
  {
    method: 'PUT', path: 'strict', query: '', body: '{"strict": true|false}',
    does: 'turns strict mode on or off until the next reset',
    handle: ({ store }, { bodyText }) => {
      store.strict = validate(strictBody, parseJsonObject(bodyText)).strict;
      return success({ strict: store.strict });
    },
  },
  {
    method: 'POST', path: 'faults', query: '', body: '{"endpoint", "count", "type": "latency"|"status"|"rate_limit"|"drop"|"malformed_json"|"unexpected_shape", ...}',
    does: 'queues a fault for the next calls of an emulated endpoint',
    handle: ({ faults }, { bodyText }) => success({ fault: faults.add(validate(faultSchema, parseJsonObject(bodyText))) }),
  },
  {
    method: 'GET', path: 'faults', query: '', body: '',
    does: 'the faults still queued, with their remaining counts',
    handle: ({ faults }) => success({ faults: faults.list() }),
  },
  {
    method: 'DELETE', path: 'faults', query: '', body: '',
    does: 'clears every queued fault',
    handle: ({ faults }) => {
      faults.clear();
      return success();
    },
  },
  {
    method: 'PUT', path: 'rate-limit', query: '', body: '{"requests_per_minute": 600} (0 = off)',
    does: 'sets the per-account rate limit of the emulated endpoints',
    handle: ({ store }, { bodyText }) => {
      store.rateLimitPerMinute = validate(rateLimitBody, parseJsonObject(bodyText)).requests_per_minute;
      return success({ requests_per_minute: store.rateLimitPerMinute });
    },
  },
  {
    method: 'GET', path: 'requests', query: '', body: '',
    does: 'the journal of emulated-endpoint calls, oldest first (never a token or a body)',
    handle: ({ journal }) => success({ requests: journal.list() }),
  },
  {
    method: 'DELETE', path: 'requests', query: '', body: '',
    does: 'clears the journal',
    handle: ({ journal }) => {
      journal.clear();
      return success();
    },
  },
];

/** Each route's path as a pattern (`{id}`: one segment), compiled once. */
const MATCHERS = CONTROL_ROUTES.map((route) => ({
  route,
  pattern: new RegExp(`^${route.path.replace(/[.*+?^$()|[\]\\]/g, '\\$&').replace('{id}', '([^/]+)')}$`),
}));

/** Handles `/__sandbox/...`; `path` is what follows the prefix (a trailing slash is ignored). */
export function handleControl(deps: ControlDeps, method: string, path: string, query: URLSearchParams, bodyText: string): Reply {
  const trimmed = path.replace(/\/+$/, '');
  for (const { route, pattern } of MATCHERS) {
    if (route.method !== method) continue;
    const match = pattern.exec(trimmed);
    if (match) return route.handle(deps, { id: match[1] ?? '', query, bodyText });
  }
  throw new SandboxError(404, 'url_not_found', `No control endpoint ${method} /__sandbox/${path}.`);
}

/**
 * Stores Zoho-shaped objects in one account (already validated as a whole, so a bad seed stores
 * nothing); returns them as Zoho would send them.
 */
export function seed(store: SandboxStore, input: z.output<typeof seedSchema>) {
  const { account_id: accountId } = input;
  const customers = input.customers.map((customer) => store.putCustomer(accountId, customer));
  const methods = input.payment_methods.map((pm) => {
    if (pm.customer_name !== undefined || pm.customer_email !== undefined) {
      store.putCustomer(accountId, { customer_id: pm.customer_id, customer_name: pm.customer_name, customer_email: pm.customer_email });
    }
    const stored = store.putPaymentMethod(accountId, {
      payment_method_id: pm.payment_method_id,
      customer_id: pm.customer_id,
      type: pm.type,
      ...(pm.type === 'card' ? { card: pm.card } : { ach_debit: pm.ach_debit }),
      status: pm.status,
      currency: pm.currency,
      billing_address: pm.billing_address,
      createdAtMs: pm.created_time,
      modifiedAtMs: pm.last_modified_time,
    });
    return store.viewPaymentMethod(accountId, stored);
  });
  const sessions = input.payment_method_sessions.map((s) => {
    const stored = store.putSession(accountId, {
      payment_method_session_id: s.payment_method_session_id,
      customer_id: s.customer_id,
      description: s.description,
      status: s.status,
      createdAtMs: s.created_time ?? store.now(),
      payment_method_id: s.payment_method_id ?? s.payment_method?.payment_method_id,
    });
    return store.viewSession(accountId, stored);
  });
  return { account_id: accountId, customers, payment_methods: methods, payment_method_sessions: sessions };
}

export function accountOf(query: URLSearchParams): string {
  const accountId = query.get('account_id');
  if (!accountId) throw new SandboxError(400, 'required_parameter_missing', 'account_id is required.');
  if (!/^\d{1,19}$/.test(accountId)) throw new SandboxError(400, 'invalid_account_id', 'account_id must be digits.');
  return accountId;
}
