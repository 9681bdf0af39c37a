/**
 * Test cards and test bank accounts, as Stripe's test numbers work: a few documented numbers give
 * outcomes other than success. Only the last four digits of a number ever leave this module.
 */

/** What completing a session with an instrument does. */
export interface InstrumentOutcome {
  /** `declined`: the session fails and no payment method is created. */
  result: 'attached' | 'declined';
  /** Status of the new payment method. */
  status: 'active' | 'expired' | 'blocked' | 'processing';
  /** Card checks forced to `fail`. */
  failedChecks: ReadonlyArray<'cvc_check' | 'postal_code_check' | 'address_line_check'>;
}

const SUCCESS: InstrumentOutcome = { result: 'attached', status: 'active', failedChecks: [] };

/** The test cards with an outcome other than success (README.md, Test cards). */
export const TEST_CARDS: Readonly<Record<string, InstrumentOutcome>> = {
  '4000000000000101': { ...SUCCESS, failedChecks: ['cvc_check'] },
  '4000000000000036': { ...SUCCESS, failedChecks: ['postal_code_check'] },
  '4000000000000028': { ...SUCCESS, failedChecks: ['address_line_check'] },
  '4000000000000069': { ...SUCCESS, status: 'expired' },
  '4000000000009979': { ...SUCCESS, status: 'blocked' },
  '4000000000000002': { ...SUCCESS, result: 'declined' },
};

/** The test bank account numbers with an outcome other than success (README.md). */
export const TEST_BANK_ACCOUNTS: Readonly<Record<string, InstrumentOutcome>> = {
  '000222222227': { ...SUCCESS, status: 'processing' },
  '000111111113': { ...SUCCESS, status: 'blocked' },
  '000111111116': { ...SUCCESS, result: 'declined' },
};

export const cardOutcome = (number: string): InstrumentOutcome => TEST_CARDS[number] ?? SUCCESS;
export const bankAccountOutcome = (number: string): InstrumentOutcome => TEST_BANK_ACCOUNTS[number] ?? SUCCESS;

/** A card number without the spaces and dashes people type; undefined when it is not 12-19 digits. */
export function normalizeCardNumber(raw: string): string | undefined {
  const digits = raw.replace(/[\s-]/g, '');
  return /^\d{12,19}$/.test(digits) ? digits : undefined;
}

/** The Luhn check every card number passes. */
export function passesLuhn(digits: string): boolean {
  let sum = 0;
  for (let i = 0; i < digits.length; i += 1) {
    let digit = Number(digits[digits.length - 1 - i]);
    if (i % 2 === 1) {
      digit *= 2;
      if (digit > 9) digit -= 9;
    }
    sum += digit;
  }
  return sum % 10 === 0;
}

/** The ABA checksum every US routing number passes: 3-7-1 weights, sum divisible by 10. */
export function passesAbaChecksum(routing: string): boolean {
  if (!/^\d{9}$/.test(routing)) return false;
  const weights = [3, 7, 1, 3, 7, 1, 3, 7, 1];
  const sum = weights.reduce((total, weight, i) => total + weight * Number(routing[i]), 0);
  return sum % 10 === 0;
}

export const lastFour = (digits: string): string => digits.slice(-4);

/** Numbers documented to succeed (README.md): listed for whoever has to type one in. */
export const SUCCEEDING_TEST_CARDS: readonly string[] = ['4242424242424242', '5555555555554444', '378282246310005'];
export const SUCCEEDING_TEST_BANK_ACCOUNTS: readonly string[] = ['000123456789'];
/** A routing number that passes the ABA checksum (any valid one works). */
export const TEST_ROUTING_NUMBER = '110000000';

/** One test instrument as the widget and the index list it. */
export interface ListedInstrument {
  number: string;
  /** What completing a session with it does, in words. */
  outcome: string;
}

/** What an outcome does, in words, for the lists. */
export function describeOutcome(outcome: InstrumentOutcome): string {
  if (outcome.result === 'declined') return 'declined: the session fails, no payment method';
  if (outcome.failedChecks.length > 0) return `saved, active; ${outcome.failedChecks.join(', ')} fails`;
  return outcome.status === 'active' ? 'saved, active' : `saved, the method is ${outcome.status}`;
}

/** Every test card and bank account: the succeeding ones first, then those of TEST_CARDS / TEST_BANK_ACCOUNTS. */
export function listTestInstruments(): { cards: ListedInstrument[]; bank_accounts: ListedInstrument[] } {
  const list = (succeeding: readonly string[], special: Readonly<Record<string, InstrumentOutcome>>) => [
    ...succeeding.map((number) => ({ number, outcome: describeOutcome(SUCCESS) })),
    ...Object.entries(special).map(([number, outcome]) => ({ number, outcome: describeOutcome(outcome) })),
  ];
  return { cards: list(SUCCEEDING_TEST_CARDS, TEST_CARDS), bank_accounts: list(SUCCEEDING_TEST_BANK_ACCOUNTS, TEST_BANK_ACCOUNTS) };
}
