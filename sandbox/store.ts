/**
 * The sandbox's state: tokens, and per account its customers, payment methods and sessions. Pure
 * data and Zoho's rules, no HTTP. Objects are kept in Zoho's own field names; `view*` functions
 * turn them into the JSON the seeds document.
 */
import { SandboxError, resourceDoesNotExist } from './errors';

export const SCOPES = ['CREATE', 'READ', 'UPDATE', 'DELETE'] as const;
export type Scope = (typeof SCOPES)[number];

export interface TokenGrant {
  accountId: string;
  scopes: ReadonlySet<Scope>;
}

export interface StoredCustomer {
  customer_id: string;
  customer_name?: string;
  customer_email?: string;
}

export type CardCheckResult = 'pass' | 'fail' | 'unavailable' | 'unchecked';

export interface StoredCard {
  card_holder_name?: string;
  last_four_digits: string;
  /** "MM" */
  expiry_month: string;
  /** "YY" */
  expiry_year: string;
  card_checks: { address_line_check: CardCheckResult; postal_code_check: CardCheckResult; cvc_check: CardCheckResult };
}

export interface StoredAchDebit {
  account_holder_name?: string;
  routing_number?: string;
  account_holder_type?: string;
  bank_name?: string;
  account_type?: string;
  last_four_digits: string;
}

export interface StoredBillingAddress {
  name?: string;
  address_line1?: string;
  address_line2?: string;
  city?: string;
  state?: string;
  country: string;
  postal_code?: string;
}

export type PaymentMethodStatus = 'active' | 'expired' | 'blocked' | 'processing' | 'deleted';

export interface StoredPaymentMethod {
  payment_method_id: string;
  customer_id: string;
  type: 'card' | 'ach_debit';
  card?: StoredCard;
  ach_debit?: StoredAchDebit;
  status: PaymentMethodStatus;
  currency?: string;
  billing_address?: StoredBillingAddress;
  createdAtMs: number;
  modifiedAtMs: number;
}

export type SessionStatus = 'created' | 'succeeded' | 'failed' | 'expired';

export interface StoredSession {
  payment_method_session_id: string;
  customer_id: string;
  description?: string;
  status: SessionStatus;
  createdAtMs: number;
  payment_method_id?: string;
}

interface AccountState {
  customers: Map<string, StoredCustomer>;
  paymentMethods: Map<string, StoredPaymentMethod>;
  sessions: Map<string, StoredSession>;
  /** Fixed one-minute window of the rate limit. */
  window: { startMs: number; count: number };
}

export interface StoreOptions {
  /** The clock, in epoch milliseconds. */
  now?: () => number;
  /** How `created_time` / `last_modified_time` are sent (the seeds' examples carry seconds). */
  timeUnit?: 'seconds' | 'milliseconds';
  /** A session not completed within this time reads `expired`. */
  sessionTtlMs?: number;
}

/** Zoho's limit of payment methods per customer (contract.md: `customer_max_payment_methods`). */
export const MAX_PAYMENT_METHODS_PER_CUSTOMER = 100;

/** First ids handed out: sessions get 16 digits, payment methods 19 (past 2^53). */
const FIRST_SESSION_ID = 1987000000800000n;
const FIRST_PAYMENT_METHOD_ID = 1987000000000800000n;

export class SandboxStore {
  readonly now: () => number;
  readonly timeUnit: 'seconds' | 'milliseconds';
  readonly sessionTtlMs: number;
  #tokens = new Map<string, TokenGrant>();
  #accounts = new Map<string, AccountState>();
  #nextSessionId = FIRST_SESSION_ID;
  #nextPaymentMethodId = FIRST_PAYMENT_METHOD_ID;
  /** Requests per minute per account; 0 is no limit. */
  rateLimitPerMinute = 0;
  /**
   * Strict mode (README.md, Strict mode): as Zoho, a session for a customer the account does not
   * know is `resource_does_not_exist`. Off, such a customer is registered on the spot.
   */
  strict = true;

  constructor(options: StoreOptions = {}) {
    this.now = options.now ?? Date.now;
    this.timeUnit = options.timeUnit ?? 'seconds';
    this.sessionTtlMs = options.sessionTtlMs ?? 60 * 60 * 1000;
  }

  /** Forgets everything: tokens, accounts, the rate limit, strict mode (back to on). */
  clear(): void {
    this.#tokens.clear();
    this.#accounts.clear();
    this.#nextSessionId = FIRST_SESSION_ID;
    this.#nextPaymentMethodId = FIRST_PAYMENT_METHOD_ID;
    this.rateLimitPerMinute = 0;
    this.strict = true;
  }

  // --- tokens and accounts ---------------------------------------------------------------------

  addToken(token: string, accountId: string, scopes: Iterable<Scope>): void {
    this.#tokens.set(token, { accountId, scopes: new Set(scopes) });
    this.#account(accountId);
  }

  grantOf(token: string): TokenGrant | undefined {
    return this.#tokens.get(token);
  }

  /** Counts one request against the account's limit; the seconds to wait when over it. */
  takeRateLimit(accountId: string): number | undefined {
    if (this.rateLimitPerMinute <= 0) return undefined;
    const { window } = this.#account(accountId);
    const now = this.now();
    if (now - window.startMs >= 60_000) {
      window.startMs = now;
      window.count = 0;
    }
    window.count += 1;
    if (window.count <= this.rateLimitPerMinute) return undefined;
    return Math.max(1, Math.ceil((window.startMs + 60_000 - now) / 1000));
  }

  // --- customers ----------------------------------------------------------------------------------

  putCustomer(accountId: string, customer: StoredCustomer): StoredCustomer {
    this.#account(accountId).customers.set(customer.customer_id, customer);
    return customer;
  }

  customerOf(accountId: string, customerId: string): StoredCustomer | undefined {
    return this.#account(accountId).customers.get(customerId);
  }

  /** The account's customers, in the order they were registered. */
  customersOf(accountId: string): StoredCustomer[] {
    return [...this.#account(accountId).customers.values()];
  }

  /**
   * Registers a customer id not seen before, without a name or email: an object seeded for a
   * customer implies the customer (in Zoho, no payment method exists without one).
   */
  #registerCustomer(accountId: string, customerId: string): void {
    if (!this.customerOf(accountId, customerId)) this.putCustomer(accountId, { customer_id: customerId });
  }

  // --- sessions -------------------------------------------------------------------------------------

  createSession(accountId: string, input: { customer_id: string; description?: string }): StoredSession {
    if (this.strict && !this.customerOf(accountId, input.customer_id)) throw resourceDoesNotExist('customer');
    this.#registerCustomer(accountId, input.customer_id);
    const session: StoredSession = {
      payment_method_session_id: this.#newSessionId(accountId),
      customer_id: input.customer_id,
      ...(input.description !== undefined && { description: input.description }),
      status: 'created',
      createdAtMs: this.now(),
    };
    this.#account(accountId).sessions.set(session.payment_method_session_id, session);
    return session;
  }

  /** Stores a session as given (seeding); a missing id is generated. */
  putSession(accountId: string, session: Omit<StoredSession, 'payment_method_session_id'> & { payment_method_session_id?: string }): StoredSession {
    this.#registerCustomer(accountId, session.customer_id);
    const stored: StoredSession = {
      ...session,
      payment_method_session_id: session.payment_method_session_id ?? this.#newSessionId(accountId),
    };
    this.#account(accountId).sessions.set(stored.payment_method_session_id, stored);
    return stored;
  }

  getSession(accountId: string, id: string): StoredSession {
    const session = this.#account(accountId).sessions.get(id);
    if (!session) throw resourceDoesNotExist('payment method session');
    return session;
  }

  /**
   * The status a session reads with now: a `created` one is `expired` from `sessionTtlMs` after its
   * creation on. Computed at every read, so that setting the clock back un-expires it, as it does
   * a card (statusOf).
   */
  sessionStatusOf(session: StoredSession): SessionStatus {
    if (session.status === 'created' && this.now() - session.createdAtMs >= this.sessionTtlMs) return 'expired';
    return session.status;
  }

  /** The account's sessions that can still be completed (created, not expired), oldest first. */
  openSessionsOf(accountId: string): StoredSession[] {
    return [...this.#account(accountId).sessions.values()].filter((session) => this.sessionStatusOf(session) === 'created');
  }

  /** A session that can still be completed: `created`, not expired. */
  openSession(accountId: string, id: string): StoredSession {
    const session = this.getSession(accountId, id);
    const status = this.sessionStatusOf(session);
    if (status !== 'created') {
      throw new SandboxError(
        400,
        'invalid_payment_session',
        `The payment method session is ${status}; only a created session can be completed.`,
      );
    }
    return session;
  }

  expireSession(accountId: string, id: string): StoredSession {
    const session = this.getSession(accountId, id);
    const status = this.sessionStatusOf(session);
    if (status !== 'created') {
      throw new SandboxError(400, 'invalid_payment_session', `The payment method session is already ${status}.`);
    }
    session.status = 'expired';
    return session;
  }

  /**
   * Completes a `created` session as the customer would in Zoho's widget: attaches a new payment
   * method (status `succeeded`) or, when `method` is undefined (a declined instrument), fails it.
   */
  completeSession(
    accountId: string,
    id: string,
    method: Omit<StoredPaymentMethod, 'payment_method_id' | 'customer_id' | 'createdAtMs' | 'modifiedAtMs'> | undefined,
  ): StoredSession {
    const session = this.openSession(accountId, id);
    if (!method) {
      session.status = 'failed';
      return session;
    }
    const live = [...this.#account(accountId).paymentMethods.values()].filter(
      (pm) => pm.customer_id === session.customer_id && pm.status !== 'deleted',
    );
    if (live.length >= MAX_PAYMENT_METHODS_PER_CUSTOMER) {
      throw new SandboxError(
        400,
        'customer_max_payment_methods',
        `The customer already has ${MAX_PAYMENT_METHODS_PER_CUSTOMER} payment methods.`,
      );
    }
    const stored = this.putPaymentMethod(accountId, { ...method, customer_id: session.customer_id });
    session.status = 'succeeded';
    session.payment_method_id = stored.payment_method_id;
    return session;
  }

  // --- payment methods -------------------------------------------------------------------------

  /** Stores a payment method as given (seeding, completing a session); a missing id is generated. */
  putPaymentMethod(
    accountId: string,
    method: Omit<StoredPaymentMethod, 'payment_method_id' | 'createdAtMs' | 'modifiedAtMs'> &
      Partial<Pick<StoredPaymentMethod, 'payment_method_id' | 'createdAtMs' | 'modifiedAtMs'>>,
  ): StoredPaymentMethod {
    this.#registerCustomer(accountId, method.customer_id);
    const now = this.now();
    const stored: StoredPaymentMethod = {
      ...method,
      payment_method_id: method.payment_method_id ?? this.#newPaymentMethodId(accountId),
      createdAtMs: method.createdAtMs ?? now,
      modifiedAtMs: method.modifiedAtMs ?? method.createdAtMs ?? now,
    };
    this.#account(accountId).paymentMethods.set(stored.payment_method_id, stored);
    return stored;
  }

  getPaymentMethod(accountId: string, id: string): StoredPaymentMethod {
    const method = this.#account(accountId).paymentMethods.get(id);
    if (!method) throw resourceDoesNotExist('payment method');
    return method;
  }

  /** A payment method that can still change: not deleted. */
  #livePaymentMethod(accountId: string, id: string): StoredPaymentMethod {
    const method = this.getPaymentMethod(accountId, id);
    if (method.status === 'deleted') throw resourceDoesNotExist('payment method');
    return method;
  }

  updatePaymentMethod(
    accountId: string,
    id: string,
    update: {
      type: 'card' | 'ach_debit';
      card?: { expiry_month: string; expiry_year: string };
      ach_debit?: { account_holder_type: string };
      billing_address?: StoredBillingAddress;
    },
  ): StoredPaymentMethod {
    const method = this.#livePaymentMethod(accountId, id);
    if (update.type !== method.type) {
      throw new SandboxError(
        400,
        'payment_method_type_mismatch',
        `The payment method is of type ${method.type}, not ${update.type}.`,
      );
    }
    if (update.card && method.card) {
      method.card = { ...method.card, ...update.card };
      // A card renewed with a future expiry is usable again.
      if (method.status === 'expired' && !cardExpired(method.card, this.now())) method.status = 'active';
    }
    if (update.ach_debit && method.ach_debit) method.ach_debit = { ...method.ach_debit, ...update.ach_debit };
    if (update.billing_address) method.billing_address = update.billing_address;
    method.modifiedAtMs = this.now();
    return method;
  }

  deletePaymentMethod(accountId: string, id: string): void {
    const method = this.#livePaymentMethod(accountId, id);
    method.status = 'deleted';
    method.modifiedAtMs = this.now();
  }

  // --- the JSON Zoho sends ---------------------------------------------------------------------

  /** A time as Zoho sends it. */
  time(ms: number): number {
    return this.timeUnit === 'seconds' ? Math.floor(ms / 1000) : ms;
  }

  /** The status a payment method reads with now: an active card past its expiry is `expired`. */
  statusOf(method: StoredPaymentMethod): PaymentMethodStatus {
    if (method.status === 'active' && method.card && cardExpired(method.card, this.now())) return 'expired';
    return method.status;
  }

  /** `payment_method` as retrieve and update return it, in the seeds' field order. */
  viewPaymentMethod(accountId: string, method: StoredPaymentMethod): Record<string, unknown> {
    const customer = this.customerOf(accountId, method.customer_id);
    return {
      payment_method_id: method.payment_method_id,
      customer_id: method.customer_id,
      ...(customer?.customer_name !== undefined && { customer_name: customer.customer_name }),
      ...(customer?.customer_email !== undefined && { customer_email: customer.customer_email }),
      type: method.type,
      ...(method.card && { card: method.card }),
      ...(method.ach_debit && { ach_debit: method.ach_debit }),
      status: this.statusOf(method),
      ...(method.currency !== undefined && { currency: method.currency }),
      ...(method.billing_address && { billing_address: method.billing_address }),
      created_time: this.time(method.createdAtMs),
      last_modified_time: this.time(method.modifiedAtMs),
    };
  }

  /** `payment_method_session` as create returns it: no status (as in the seeds). */
  viewCreatedSession(session: StoredSession): Record<string, unknown> {
    return {
      payment_method_session_id: session.payment_method_session_id,
      customer_id: session.customer_id,
      ...(session.description !== undefined && { description: session.description }),
      created_time: this.time(session.createdAtMs),
    };
  }

  /** `payment_method_session` as retrieve returns it, with the partial payment method once it has one. */
  viewSession(accountId: string, session: StoredSession): Record<string, unknown> {
    const method = session.payment_method_id
      ? this.#account(accountId).paymentMethods.get(session.payment_method_id)
      : undefined;
    return {
      payment_method_session_id: session.payment_method_session_id,
      customer_id: session.customer_id,
      ...(session.description !== undefined && { description: session.description }),
      status: this.sessionStatusOf(session),
      created_time: this.time(session.createdAtMs),
      ...(method && {
        payment_method: {
          payment_method_id: method.payment_method_id,
          type: method.type,
          status: this.statusOf(method),
          created_time: this.time(method.createdAtMs),
        },
      }),
    };
  }

  // --- internals -------------------------------------------------------------------------------

  #account(accountId: string): AccountState {
    let account = this.#accounts.get(accountId);
    if (!account) {
      account = { customers: new Map(), paymentMethods: new Map(), sessions: new Map(), window: { startMs: 0, count: 0 } };
      this.#accounts.set(accountId, account);
    }
    return account;
  }

  #newSessionId(accountId: string): string {
    return this.#unusedId('session', this.#account(accountId).sessions);
  }

  #newPaymentMethodId(accountId: string): string {
    return this.#unusedId('paymentMethod', this.#account(accountId).paymentMethods);
  }

  /** The next id of a sequence that no object of the account holds yet (seeds may hold any id). */
  #unusedId(sequence: 'session' | 'paymentMethod', taken: ReadonlyMap<string, unknown>): string {
    for (;;) {
      const id = String(sequence === 'session' ? this.#nextSessionId++ : this.#nextPaymentMethodId++);
      if (!taken.has(id)) return id;
    }
  }
}

/** True once the last day of the card's expiry month has passed (UTC). */
export function cardExpired(card: Pick<StoredCard, 'expiry_month' | 'expiry_year'>, nowMs: number): boolean {
  const month = Number(card.expiry_month);
  const year = 2000 + Number(card.expiry_year);
  // Date.UTC(year, month) is the first instant of the month after the expiry month.
  return nowMs >= Date.UTC(year, month);
}
