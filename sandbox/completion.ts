/**
 * Completing a session as the customer would in Zoho's widget: what the customer entered (a card
 * or a bank account) is checked (Luhn, ABA, expiry), the test instruments give their outcomes
 * (instruments.ts), and the session gets its payment method or fails. One function, so that the
 * control API's `complete` and the widget's form complete a session exactly alike.
 */
import { z } from 'zod';
import { invalidParameter } from './errors';
import { validate } from './http';
import {
  bankAccountOutcome,
  cardOutcome,
  lastFour,
  normalizeCardNumber,
  passesAbaChecksum,
  passesLuhn,
  TEST_ROUTING_NUMBER,
} from './instruments';
import { cardExpired, type SandboxStore, type StoredPaymentMethod, type StoredSession } from './store';
import { billingAddressBody } from './zoho-api';

const text = z.string().max(1000);

const completeBody = z.object({
  card: z
    .object({
      number: z.string().max(40),
      expiry_month: z.string().regex(/^(0?[1-9]|1[0-2])$/).optional(),
      expiry_year: z.string().regex(/^(\d{2}|\d{4})$/).optional(),
      cvc: z.string().regex(/^\d{3,4}$/).optional(),
      card_holder_name: text.optional(),
    })
    .optional(),
  ach_debit: z
    .object({
      routing_number: z.string().max(20),
      account_number: z.string().max(40),
      account_holder_name: text.optional(),
      account_holder_type: z.enum(['individual', 'company']).default('individual'),
      account_type: z.enum(['checking', 'savings']).default('checking'),
      bank_name: text.default('Sandbox Test Bank'),
    })
    .optional(),
  billing_address: billingAddressBody.optional(),
  currency: z.string().regex(/^[A-Z]{3}$/).default('USD'),
});

const EXPECTED: Readonly<Record<string, string>> = {
  'card.number': 'a card number of 12 to 19 digits',
  'card.expiry_month': 'MM, 01 to 12',
  'card.expiry_year': 'YY or YYYY',
  'card.cvc': '3 or 4 digits',
  'ach_debit.account_holder_type': 'individual or company',
  'ach_debit.account_type': 'checking or savings',
  'billing_address.country': 'a two-letter ISO 3166 country code such as US',
  currency: 'a three-letter ISO 4217 code such as USD',
};

/**
 * Completes session `id` of `accountId` with what `input` returns (read only once the session is
 * known to exist and be open: 404, then invalid_payment_session, then the body's own errors).
 */
export function completeSession(store: SandboxStore, accountId: string, id: string, input: () => unknown): StoredSession {
  store.openSession(accountId, id);
  const method = paymentMethodFrom(validate(completeBody, input(), EXPECTED), store.now());
  return store.completeSession(accountId, id, method);
}

/**
 * The payment method the customer's card or bank account becomes: only the last four digits of
 * the number are kept. Undefined for a declined instrument (the session fails).
 */
function paymentMethodFrom(
  body: z.output<typeof completeBody>,
  nowMs: number,
): Omit<StoredPaymentMethod, 'payment_method_id' | 'customer_id' | 'createdAtMs' | 'modifiedAtMs'> | undefined {
  if ((body.card === undefined) === (body.ach_debit === undefined)) {
    throw invalidParameter('card', 'exactly one of card or ach_debit');
  }
  const common = { currency: body.currency, ...(body.billing_address && { billing_address: body.billing_address }) };
  if (body.card) {
    const number = normalizeCardNumber(body.card.number);
    if (!number || !passesLuhn(number)) throw invalidParameter('card.number', 'a card number of 12 to 19 digits that passes the Luhn check');
    const now = new Date(nowMs);
    const expiry = {
      expiry_month: (body.card.expiry_month ?? '12').padStart(2, '0'),
      expiry_year: (body.card.expiry_year ?? String(now.getUTCFullYear() + 3)).slice(-2),
    };
    if (cardExpired(expiry, nowMs)) throw invalidParameter('card.expiry_year', 'an expiry that has not passed');
    const outcome = cardOutcome(number);
    if (outcome.result === 'declined') return undefined;
    const address = body.billing_address;
    const check = (name: 'cvc_check' | 'postal_code_check' | 'address_line_check', given: boolean, missing: 'unchecked' | 'unavailable') =>
      outcome.failedChecks.includes(name) ? 'fail' : given ? 'pass' : missing;
    return {
      type: 'card',
      card: {
        ...(body.card.card_holder_name !== undefined && { card_holder_name: body.card.card_holder_name }),
        last_four_digits: lastFour(number),
        ...expiry,
        card_checks: {
          address_line_check: check('address_line_check', Boolean(address?.address_line1), 'unavailable'),
          postal_code_check: check('postal_code_check', Boolean(address?.postal_code), 'unavailable'),
          cvc_check: check('cvc_check', body.card.cvc !== undefined, 'unchecked'),
        },
      },
      status: outcome.status,
      ...common,
    };
  }
  const ach = body.ach_debit as NonNullable<typeof body.ach_debit>;
  if (!passesAbaChecksum(ach.routing_number)) {
    throw invalidParameter('ach_debit.routing_number', `a 9-digit ABA routing number such as ${TEST_ROUTING_NUMBER}`);
  }
  const accountNumber = ach.account_number.replace(/[\s-]/g, '');
  if (!/^\d{4,17}$/.test(accountNumber)) throw invalidParameter('ach_debit.account_number', '4 to 17 digits');
  const outcome = bankAccountOutcome(accountNumber);
  if (outcome.result === 'declined') return undefined;
  return {
    type: 'ach_debit',
    ach_debit: {
      ...(ach.account_holder_name !== undefined && { account_holder_name: ach.account_holder_name }),
      routing_number: ach.routing_number,
      account_holder_type: ach.account_holder_type,
      bank_name: ach.bank_name,
      account_type: ach.account_type,
      last_four_digits: lastFour(accountNumber),
    },
    status: outcome.status,
    ...common,
  };
}
