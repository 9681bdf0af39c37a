/**
 * Units, without HTTP: the instrument checks of sandbox/instruments.ts (Luhn, ABA checksum, card
 * number normalisation, the test-number tables), cardExpired at month boundaries, SandboxStore's
 * ids, per-account state, customers (strict mode refuses unknown ones, lenient registers them),
 * session expiry (read from the clock) and statuses; and a fast-check property: for random
 * valid card numbers, completing a session (the control API's handler, called directly) keeps
 * only the last four digits, so the full number appears in no reply and no stored object.
 */
import fc from 'fast-check';
import { handleControl } from '../../sandbox/control-api';
import { SandboxError } from '../../sandbox/errors';
import {
  TEST_BANK_ACCOUNTS,
  TEST_CARDS,
  bankAccountOutcome,
  cardOutcome,
  normalizeCardNumber,
  passesAbaChecksum,
  passesLuhn,
} from '../../sandbox/instruments';
import { createSandbox } from '../../sandbox/server';
import { MAX_PAYMENT_METHODS_PER_CUSTOMER, SandboxStore, cardExpired } from '../../sandbox/store';
import { ACCOUNT, HOUR, OTHER_ACCOUNT, START, withLuhnDigit, type Json } from './harness';

const digitString = (minLength: number, maxLength: number) => fc.string({ unit: fc.constantFrom(...'0123456789'), minLength, maxLength });

describe('passesLuhn', () => {
  it('accepts every README test card and well-known valid numbers', () => {
    for (const number of ['4242424242424242', '5555555555554444', '378282246310005', '6011111111111117', ...Object.keys(TEST_CARDS)]) {
      expect(passesLuhn(number)).toBe(true);
    }
  });

  it('rejects a number with a wrong check digit or one digit changed', () => {
    expect(passesLuhn('4242424242424241')).toBe(false);
    expect(passesLuhn('4242424242424252')).toBe(false);
    expect(passesLuhn('5555555555554443')).toBe(false);
  });

  it('property: exactly one check digit completes any digit string (the same one this test computes)', () => {
    fc.assert(
      fc.property(digitString(11, 18), (body) => {
        const valid = [...'0123456789'].filter((d) => passesLuhn(body + d));
        expect(valid).toEqual([withLuhnDigit(body).slice(-1)]);
      }),
    );
  });
});

describe('passesAbaChecksum', () => {
  it.each([['110000000'], ['021000021'], ['026009593'], ['011000015']])('%s passes', (routing) => {
    expect(passesAbaChecksum(routing)).toBe(true);
  });

  it.each([['110000001'], ['021000022'], ['11000000'], ['1100000000'], ['11000000a'], [''], ['000000000 ']])('%j fails', (routing) => {
    expect(passesAbaChecksum(routing)).toBe(false);
  });

  it('property: 3-7-1 weights, sum divisible by 10', () => {
    fc.assert(
      fc.property(digitString(9, 9), (routing) => {
        const weights = [3, 7, 1, 3, 7, 1, 3, 7, 1];
        const sum = weights.reduce((total, w, i) => total + w * Number(routing[i]), 0);
        expect(passesAbaChecksum(routing)).toBe(sum % 10 === 0);
      }),
    );
  });
});

describe('normalizeCardNumber', () => {
  it.each([
    ['4242424242424242', '4242424242424242'],
    ['4242 4242 4242 4242', '4242424242424242'],
    ['4242-4242-4242-4242', '4242424242424242'],
    [' 3782 822463 10005 ', '378282246310005'],
    ['424242424242', '424242424242'], // 12 digits, the shortest
    ['4242424242424242424', '4242424242424242424'], // 19, the longest
  ])('%j → %s', (raw, digits) => {
    expect(normalizeCardNumber(raw)).toBe(digits);
  });

  it.each([['42424242424'], ['42424242424242424242'], ['4242 4242 4242 424x'], ['4242.4242.4242.4242'], [''], ['   ']])('%j → undefined', (raw) => {
    expect(normalizeCardNumber(raw)).toBeUndefined();
  });
});

describe('the test-number tables (README: Test cards, Test bank accounts)', () => {
  it('cards', () => {
    expect(cardOutcome('4242424242424242')).toEqual({ result: 'attached', status: 'active', failedChecks: [] });
    expect(cardOutcome('4000000000000101').failedChecks).toEqual(['cvc_check']);
    expect(cardOutcome('4000000000000036').failedChecks).toEqual(['postal_code_check']);
    expect(cardOutcome('4000000000000028').failedChecks).toEqual(['address_line_check']);
    expect(cardOutcome('4000000000000069').status).toBe('expired');
    expect(cardOutcome('4000000000009979').status).toBe('blocked');
    expect(cardOutcome('4000000000000002').result).toBe('declined');
    expect(Object.keys(TEST_CARDS)).toHaveLength(6);
  });

  it('bank accounts', () => {
    expect(bankAccountOutcome('000123456789')).toEqual({ result: 'attached', status: 'active', failedChecks: [] });
    expect(bankAccountOutcome('000222222227').status).toBe('processing');
    expect(bankAccountOutcome('000111111113').status).toBe('blocked');
    expect(bankAccountOutcome('000111111116').result).toBe('declined');
    expect(Object.keys(TEST_BANK_ACCOUNTS)).toHaveLength(3);
  });
});

describe('cardExpired: true once the last day of the expiry month has passed (UTC)', () => {
  it.each<[string, string, string, boolean]>([
    ['01', '30', '2030-01-31T23:59:59.999Z', false],
    ['01', '30', '2030-02-01T00:00:00.000Z', true],
    ['12', '26', '2026-12-31T23:59:59.999Z', false], // December rolls over into next year
    ['12', '26', '2027-01-01T00:00:00.000Z', true],
    ['02', '28', '2028-02-29T23:59:59.999Z', false], // leap day
    ['02', '28', '2028-03-01T00:00:00.000Z', true],
    ['11', '26', '2026-11-24T12:00:00.000Z', false], // the tests' "now" (START)
    ['10', '26', '2026-11-24T12:00:00.000Z', true],
    ['01', '00', '1999-12-31T00:00:00.000Z', false], // YY is 20YY
  ])('%s/%s at %s → %s', (month, year, at, expired) => {
    expect(cardExpired({ expiry_month: month, expiry_year: year }, Date.parse(at))).toBe(expired);
  });

  it('property: expired exactly from the first instant of the following month', () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 12 }), fc.integer({ min: 0, max: 99 }), fc.integer({ min: -100_000, max: 100_000 }), (month, yy, offsetMs) => {
        const boundary = Date.UTC(2000 + yy, month); // month is 1-based: this is the next month's first instant
        const card = { expiry_month: String(month).padStart(2, '0'), expiry_year: String(yy).padStart(2, '0') };
        expect(cardExpired(card, boundary + offsetMs)).toBe(offsetMs >= 0);
      }),
    );
  });
});

describe('SandboxStore', () => {
  let now = START;
  /** A store whose account knows customers 1 and 7 (strict mode, the default, refuses any other). */
  const newStore = () => {
    const store = new SandboxStore({ now: () => now });
    for (const customerId of ['1', '7']) store.putCustomer(ACCOUNT, { customer_id: customerId });
    return store;
  };
  beforeEach(() => {
    now = START;
  });

  it('hands out session ids of 16 digits and payment method ids of 19 digits, past 2^53', () => {
    const store = newStore();
    const session = store.createSession(ACCOUNT, { customer_id: '1' });
    const method = store.putPaymentMethod(ACCOUNT, { customer_id: '1', type: 'ach_debit', ach_debit: { last_four_digits: '1234' }, status: 'active' });

    expect(session.payment_method_session_id).toMatch(/^\d{16}$/);
    expect(method.payment_method_id).toMatch(/^\d{19}$/);
    expect(BigInt(method.payment_method_id) > 2n ** 53n).toBe(true);
    expect(store.createSession(ACCOUNT, { customer_id: '1' }).payment_method_session_id).not.toBe(session.payment_method_session_id);
  });

  it('never hands out an id already seeded in the account', () => {
    const store = newStore();
    store.putSession(ACCOUNT, { payment_method_session_id: '1987000000800000', customer_id: '1', status: 'created', createdAtMs: now });

    expect(store.createSession(ACCOUNT, { customer_id: '1' }).payment_method_session_id).toBe('1987000000800001');
  });

  it('keeps state per account: another account cannot see an id', () => {
    const store = newStore();
    const session = store.createSession(ACCOUNT, { customer_id: '1' });

    expect(() => store.getSession(OTHER_ACCOUNT, session.payment_method_session_id)).toThrow(SandboxError);
    expect(() => store.getSession(OTHER_ACCOUNT, session.payment_method_session_id)).toThrow('does not exist');
    expect(store.getSession(ACCOUNT, session.payment_method_session_id)).toBe(session);
  });

  it('a created session expires one hour after creation', () => {
    const store = newStore();
    const { payment_method_session_id: id } = store.createSession(ACCOUNT, { customer_id: '1' });

    now = START + HOUR - 1;
    expect(store.sessionStatusOf(store.getSession(ACCOUNT, id))).toBe('created');
    now = START + HOUR;
    expect(store.sessionStatusOf(store.getSession(ACCOUNT, id))).toBe('expired');
    expect(() => store.openSession(ACCOUNT, id)).toThrow(expect.objectContaining({ code: 'invalid_payment_session' }));
  });

  it('session expiry is read from the clock, not stored: a clock set back before the hour un-expires it', () => {
    const store = newStore();
    const { payment_method_session_id: id } = store.createSession(ACCOUNT, { customer_id: '1' });
    now = START + 2 * HOUR;
    expect(store.viewSession(ACCOUNT, store.getSession(ACCOUNT, id)).status).toBe('expired');

    now = START + HOUR - 1;

    expect(store.viewSession(ACCOUNT, store.getSession(ACCOUNT, id)).status).toBe('created');
    expect(store.openSession(ACCOUNT, id).payment_method_session_id).toBe(id);
  });

  it('a session expired on request stays expired whatever the clock', () => {
    const store = newStore();
    const { payment_method_session_id: id } = store.createSession(ACCOUNT, { customer_id: '1' });

    store.expireSession(ACCOUNT, id);
    now = START - HOUR;

    expect(store.sessionStatusOf(store.getSession(ACCOUNT, id))).toBe('expired');
  });

  it('strict (the default): a session for a customer the account does not know is resource_does_not_exist, and registers nothing', () => {
    const store = newStore();
    expect(store.strict).toBe(true);

    expect(() => store.createSession(ACCOUNT, { customer_id: '2' })).toThrow(
      expect.objectContaining({ status: 404, code: 'resource_does_not_exist', message: 'The customer does not exist.' }),
    );
    // Known in one account is unknown in another.
    expect(() => store.createSession(OTHER_ACCOUNT, { customer_id: '1' })).toThrow(expect.objectContaining({ code: 'resource_does_not_exist' }));
    expect(store.customerOf(ACCOUNT, '2')).toBeUndefined();
    expect(store.customersOf(OTHER_ACCOUNT)).toEqual([]);
  });

  it('not strict: an unknown customer is registered, without a name or email', () => {
    const store = newStore();
    store.strict = false;

    store.createSession(OTHER_ACCOUNT, { customer_id: '2' });

    expect(store.customersOf(OTHER_ACCOUNT)).toEqual([{ customer_id: '2' }]);
  });

  it('a seeded payment method or session registers its customer in either mode (no method exists without one)', () => {
    const store = newStore();
    store.putPaymentMethod(OTHER_ACCOUNT, { customer_id: '3', type: 'ach_debit', ach_debit: { last_four_digits: '1234' }, status: 'active' });
    store.putSession(OTHER_ACCOUNT, { customer_id: '4', status: 'created', createdAtMs: now });

    expect(store.customersOf(OTHER_ACCOUNT).map((c) => c.customer_id)).toEqual(['3', '4']);
    expect(store.createSession(OTHER_ACCOUNT, { customer_id: '3' }).customer_id).toBe('3');
  });

  it('clear() forgets the customers and puts strict back on', () => {
    const store = newStore();
    store.strict = false;

    store.clear();

    expect(store.strict).toBe(true);
    expect(store.customersOf(ACCOUNT)).toEqual([]);
  });

  it('times are sent in seconds, or milliseconds when asked', () => {
    expect(newStore().time(START + 999)).toBe(START / 1000);
    expect(new SandboxStore({ timeUnit: 'milliseconds' }).time(START + 999)).toBe(START + 999);
  });

  it(`completing fails with customer_max_payment_methods at ${MAX_PAYMENT_METHODS_PER_CUSTOMER} live methods; deleted ones do not count`, () => {
    const store = newStore();
    const card = { type: 'card' as const, card: { last_four_digits: '4242', expiry_month: '12', expiry_year: '30', card_checks: { address_line_check: 'pass' as const, postal_code_check: 'pass' as const, cvc_check: 'pass' as const } }, status: 'active' as const };
    const ids = Array.from({ length: 100 }, () => store.putPaymentMethod(ACCOUNT, { ...card, customer_id: '7' }).payment_method_id);
    const { payment_method_session_id: id } = store.createSession(ACCOUNT, { customer_id: '7' });

    expect(() => store.completeSession(ACCOUNT, id, card)).toThrow(expect.objectContaining({ code: 'customer_max_payment_methods', status: 400 }));

    store.deletePaymentMethod(ACCOUNT, ids[0] as string);
    expect(store.completeSession(ACCOUNT, id, card).status).toBe('succeeded');
  });

  it('statusOf: an active card past its expiry reads expired; other statuses stay', () => {
    const store = newStore();
    const method = store.putPaymentMethod(ACCOUNT, {
      customer_id: '1',
      type: 'card',
      card: { last_four_digits: '4242', expiry_month: '11', expiry_year: '26', card_checks: { address_line_check: 'pass', postal_code_check: 'pass', cvc_check: 'pass' } },
      status: 'active',
    });

    expect(store.statusOf(method)).toBe('active');
    now = Date.UTC(2026, 11, 1);
    expect(store.statusOf(method)).toBe('expired');
    method.status = 'blocked';
    expect(store.statusOf(method)).toBe('blocked');
  });
});

describe('only the last four digits are kept (property, no HTTP)', () => {
  it('for random valid card numbers, typed with spaces or dashes, the reply and the stored method hold only the last four', () => {
    const sandbox = createSandbox({ now: () => START });
    const deps = { clock: sandbox.clock, store: sandbox.store, faults: sandbox.faults, journal: sandbox.journal, reset: sandbox.reset };
    let customer = 0;
    // Real card numbers start 3-6, so a number cannot hide inside an id (1987…) or a timestamp.
    const cardNumber = fc
      .tuple(fc.constantFrom('3', '4', '5', '6'), fc.integer({ min: 10, max: 17 }).chain((n) => digitString(n, n)))
      .map(([first, rest]) => withLuhnDigit(first + rest))
      .filter((n) => cardOutcome(n).result !== 'declined');
    const typed = (number: string) => fc.constantFrom('', ' ', '-').map((sep) => number.replace(/(\d{4})(?=\d)/g, `$1${sep}`));

    fc.assert(
      fc.property(cardNumber.chain((n) => fc.tuple(fc.constant(n), typed(n))), ([number, asTyped]) => {
        customer += 1; // a fresh customer each run: at most 100 methods per customer
        sandbox.store.putCustomer(ACCOUNT, { customer_id: String(customer) });
        const session = sandbox.store.createSession(ACCOUNT, { customer_id: String(customer) });
        const reply = handleControl(
          deps,
          'POST',
          `paymentmethodsessions/${session.payment_method_session_id}/complete`,
          new URLSearchParams({ account_id: ACCOUNT }),
          JSON.stringify({ card: { number: asTyped, cvc: '123' }, billing_address: { country: 'US', postal_code: '12345' } }),
        );

        expect(reply.status).toBe(200);
        const paymentMethodId = (reply.body as Json).payment_method_session.payment_method.payment_method_id as string;
        const stored = sandbox.store.getPaymentMethod(ACCOUNT, paymentMethodId);
        const view = sandbox.store.viewPaymentMethod(ACCOUNT, stored);
        expect((view.card as Json).last_four_digits).toBe(number.slice(-4));
        for (const text of [JSON.stringify(reply.body), JSON.stringify(stored), JSON.stringify(view)]) {
          expect(text).not.toContain(number);
          expect(text).not.toContain(asTyped);
        }
      }),
      { numRuns: 300 },
    );
  });
});
