/**
 * Property tests (fast-check) for the mapping and input validation rules of contract.md:
 * timestamps in seconds or milliseconds, card expiry, enums, ids, mutation input validation, and
 * what may leave the gateway in an upstream message or a Retry-After.
 */
import fc from 'fast-check';
import { GraphQLError } from 'graphql';
import { parseRetryAfter, safeUpstreamMessage } from '../../src/errors';
import type { UpdatePaymentMethodInput } from '../../src/generated/graphql';
import type { Logger } from '../../src/observability/logger';
import {
  expiryMonthFromZoho,
  expiryMonthToZoho,
  expiryYearFromZoho,
  expiryYearToZoho,
  isExpiryPast,
} from '../../src/mapping/card-expiry';
import { resetUnknownEnumWarnings, toOptionalSchemaEnum, toSchemaEnum } from '../../src/mapping/enums';
import { SECONDS_THRESHOLD, zohoTime } from '../../src/mapping/zoho-time';
import {
  MAX_IDS_PER_QUERY,
  parseIdArgument,
  parseIdListArgument,
  validateCreatePaymentMethodSessionInput,
  validateDeletePaymentMethodInput,
  validateUpdatePaymentMethodInput,
} from '../../src/errors/validation';
import { NOW } from '../helpers';

const ID = /^\d{1,19}$/;
const MAX_DATE_MS = 8.64e15;

/** The error thrown by fn, or a failure when it throws nothing. */
function thrownBy(fn: () => unknown): unknown {
  try {
    fn();
  } catch (error) {
    return error;
  }
  throw new Error('expected a throw');
}

const codeOf = (error: unknown) => (error instanceof GraphQLError ? error.extensions['code'] : undefined);

const bigIntegers = (min: number, max: number) =>
  fc.bigInt({ min: BigInt(min), max: BigInt(max) }).map((n) => Number(n));

// ---------------------------------------------------------------------------------------------
describe('zohoTime: values below 10^11 are seconds, others milliseconds', () => {
  test('the threshold is 10^11', () => {
    expect(SECONDS_THRESHOLD).toBe(1e11);
    expect(zohoTime(1e11 - 1)?.getTime()).toBe((1e11 - 1) * 1000);
    expect(zohoTime(1e11)?.getTime()).toBe(1e11);
    expect(zohoTime(1708950672)?.toISOString()).toBe('2024-02-26T12:31:12.000Z');
    expect(zohoTime(1708950672000)?.toISOString()).toBe('2024-02-26T12:31:12.000Z');
  });

  test('any whole number of seconds below 10^11 is read as seconds, as a number or a digit string', () => {
    fc.assert(
      fc.property(bigIntegers(0, 1e11 - 1), (s) => {
        expect(zohoTime(s)?.getTime()).toBe(s * 1000);
        expect(zohoTime(String(s))?.getTime()).toBe(s * 1000);
      }),
    );
  });

  test('any millisecond value from 10^11 up to the last valid Date is read as milliseconds', () => {
    fc.assert(
      fc.property(bigIntegers(1e11, MAX_DATE_MS), (ms) => {
        expect(zohoTime(ms)?.getTime()).toBe(ms);
        expect(zohoTime(String(ms))?.getTime()).toBe(ms);
      }),
    );
  });

  test('over a realistic range (years 1973 to 2100), s and s*1000 are the same instant', () => {
    fc.assert(
      fc.property(bigIntegers(1e8, Date.UTC(2100, 0, 1) / 1000), (s) => {
        const fromSeconds = zohoTime(s);
        const fromMillis = zohoTime(s * 1000);
        expect(fromSeconds).not.toBeNull();
        expect(fromSeconds?.getTime()).toBe(fromMillis?.getTime());
      }),
    );
  });

  test('absent, negative, non-finite and out-of-range values are null, never an Invalid Date', () => {
    for (const value of [null, undefined, '', Number.NaN, Infinity, -Infinity, 'abc', MAX_DATE_MS + 1]) {
      expect(zohoTime(value)).toBeNull();
    }
    fc.assert(
      fc.property(fc.double({ max: -Number.MIN_VALUE, noNaN: true }), (negative) => {
        expect(zohoTime(negative)).toBeNull();
      }),
    );
    fc.assert(
      fc.property(fc.double({ min: MAX_DATE_MS + 1, noNaN: true }), (tooLate) => {
        expect(zohoTime(tooLate)).toBeNull();
      }),
    );
  });
});

// ---------------------------------------------------------------------------------------------
describe('card expiry between the schema (1-12, YYYY) and Zoho (MM, YY)', () => {
  const months = fc.integer({ min: 1, max: 12 });
  const years = fc.integer({ min: 2000, max: 2099 });

  test('a month goes to Zoho as exactly two digits and comes back unchanged', () => {
    fc.assert(
      fc.property(months, (month) => {
        const mm = expiryMonthToZoho(month);
        expect(mm).toMatch(/^\d{2}$/);
        expect(Number(mm)).toBe(month);
        expect(expiryMonthFromZoho(mm)).toBe(month);
        expect(expiryMonthFromZoho(month)).toBe(month);
      }),
    );
  });

  test('a year 2000-2099 goes to Zoho as exactly two digits and comes back as the same four-digit year', () => {
    fc.assert(
      fc.property(years, (year) => {
        const yy = expiryYearToZoho(year);
        expect(yy).toMatch(/^\d{2}$/);
        expect(expiryYearFromZoho(yy)).toBe(year);
        expect(expiryYearFromZoho(String(year))).toBe(year);
      }),
    );
  });

  test('Zoho\'s "YY" is 20YY and a four-digit year is taken as it is', () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 99 }), (yy) => {
        expect(expiryYearFromZoho(String(yy).padStart(2, '0'))).toBe(2000 + yy);
      }),
    );
    expect(expiryYearFromZoho('26')).toBe(2026);
    expect(expiryYearFromZoho('2031')).toBe(2031);
    expect(expiryYearFromZoho('202')).toBeUndefined();
    expect(expiryYearFromZoho('20261')).toBeUndefined();
    expect(expiryYearFromZoho('ab')).toBeUndefined();
  });

  test('anything that is not a month 1-12 is not a month', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: -1000, max: 1000 }).filter((m) => m < 1 || m > 12),
        (month) => {
          expect(expiryMonthFromZoho(month)).toBeUndefined();
          expect(expiryMonthFromZoho(String(month))).toBeUndefined();
        },
      ),
    );
    for (const raw of ['', 'ab', '1.5', '00', '13']) expect(expiryMonthFromZoho(raw)).toBeUndefined();
  });

  test('isExpiryPast agrees with "now is on or after the first instant of the month after the expiry" (UTC)', () => {
    const reference = (month: number, year: number, now: Date) => now.getTime() >= Date.UTC(year, month, 1);
    fc.assert(
      fc.property(
        months,
        fc.integer({ min: 1990, max: 2110 }),
        fc.date({ min: new Date('1995-01-01T00:00:00Z'), max: new Date('2105-12-31T23:59:59Z'), noInvalidDate: true }),
        (month, year, now) => {
          expect(isExpiryPast(month, year, now)).toBe(reference(month, year, now));
        },
      ),
    );
  });

  test('isExpiryPast around the month boundary: usable through the last millisecond of the month', () => {
    expect(isExpiryPast(11, 2026, new Date('2026-11-30T23:59:59.999Z'))).toBe(false);
    expect(isExpiryPast(11, 2026, new Date('2026-12-01T00:00:00.000Z'))).toBe(true);
    expect(isExpiryPast(12, 2026, new Date('2027-01-01T00:00:00.000Z'))).toBe(true);
    expect(isExpiryPast(12, 2026, new Date('2026-12-31T23:59:59.999Z'))).toBe(false);
  });
});

// ---------------------------------------------------------------------------------------------
describe('enums: case-insensitive, unknown -> fallback, warned once', () => {
  const STATUSES = ['ACTIVE', 'EXPIRED', 'BLOCKED', 'PROCESSING', 'DELETED'] as const;
  type Status = (typeof STATUSES)[number] | 'UNKNOWN';

  function spyLogger() {
    const warn = jest.fn();
    return { warn, logger: { warn } as unknown as Pick<Logger, 'warn'> };
  }

  /** A known value in random case, with optional surrounding whitespace. */
  const knownInAnyCase = fc
    .constantFrom(...STATUSES)
    .chain((value) =>
      fc
        .tuple(
          fc.array(fc.boolean(), { minLength: value.length, maxLength: value.length }),
          fc.constantFrom('', ' ', '\t', '  '),
          fc.constantFrom('', ' ', '\n'),
        )
        .map(([lower, before, after]) => ({
          value,
          raw: before + [...value].map((ch, i) => (lower[i] ? ch.toLowerCase() : ch)).join('') + after,
        })),
    );

  /** A string no known value matches, ignoring case and surrounding whitespace (ASCII). */
  const unknownValue = fc
    .string({ minLength: 1, maxLength: 40 })
    .filter((s) => !(STATUSES as readonly string[]).includes(s.trim().toUpperCase()));

  beforeEach(() => resetUnknownEnumWarnings());
  afterAll(() => resetUnknownEnumWarnings());

  test('a known value in any letter case maps to the schema value, without a warning', () => {
    fc.assert(
      fc.property(knownInAnyCase, ({ value, raw }) => {
        const { warn, logger } = spyLogger();
        expect(toSchemaEnum<Status>(raw, STATUSES, 'UNKNOWN', 'PaymentMethodStatus', logger)).toBe(value);
        expect(toOptionalSchemaEnum<Status>(raw, STATUSES, 'PaymentMethodStatus', logger)).toBe(value);
        expect(warn).not.toHaveBeenCalled();
      }),
    );
  });

  test('an unknown value maps to the fallback and is warned about once until reset', () => {
    fc.assert(
      fc.property(unknownValue, fc.integer({ min: 2, max: 5 }), (raw, times) => {
        resetUnknownEnumWarnings();
        const { warn, logger } = spyLogger();
        for (let i = 0; i < times; i += 1) {
          expect(toSchemaEnum<Status>(raw, STATUSES, 'UNKNOWN', 'PaymentMethodStatus', logger)).toBe('UNKNOWN');
        }
        expect(warn).toHaveBeenCalledTimes(1);
        expect(warn.mock.calls[0]?.[0]).toMatchObject({
          enum: 'PaymentMethodStatus',
          upstreamValue: raw.slice(0, 64),
          mappedTo: 'UNKNOWN',
        });

        resetUnknownEnumWarnings();
        expect(toSchemaEnum<Status>(raw, STATUSES, 'UNKNOWN', 'PaymentMethodStatus', logger)).toBe('UNKNOWN');
        expect(warn).toHaveBeenCalledTimes(2);
      }),
    );
  });

  test('the same unknown value in another letter case or with spaces around it is not warned about again', () => {
    fc.assert(
      fc.property(
        fc.stringMatching(/^[a-z][a-z_]{2,20}$/).filter((s) => !(STATUSES as readonly string[]).includes(s.toUpperCase())),
        fc.array(fc.constantFrom('lower', 'upper', 'padded'), { minLength: 1, maxLength: 5 }),
        (raw, variants) => {
          resetUnknownEnumWarnings();
          const { warn, logger } = spyLogger();
          toSchemaEnum(raw, STATUSES, 'UNKNOWN', 'PaymentMethodStatus', logger);
          for (const variant of variants) {
            const spelled = variant === 'upper' ? raw.toUpperCase() : variant === 'padded' ? ` ${raw} ` : raw;
            expect(toSchemaEnum(spelled, STATUSES, 'UNKNOWN', 'PaymentMethodStatus', logger)).toBe('UNKNOWN');
          }
          expect(warn).toHaveBeenCalledTimes(1);
        },
      ),
    );
  });

  test('the same unknown value of another enum is warned about separately', () => {
    const { warn, logger } = spyLogger();
    toSchemaEnum('pending_review', STATUSES, 'UNKNOWN', 'PaymentMethodStatus', logger);
    toSchemaEnum('pending_review', ['CREATED'] as const, 'UNKNOWN', 'PaymentMethodSessionStatus', logger);
    toSchemaEnum('pending_review', STATUSES, 'UNKNOWN', 'PaymentMethodStatus', logger);
    expect(warn).toHaveBeenCalledTimes(2);
  });

  test('optional enums: absent stays null silently; unknown becomes null, warned once', () => {
    fc.assert(
      fc.property(unknownValue, (raw) => {
        resetUnknownEnumWarnings();
        const { warn, logger } = spyLogger();
        for (const absent of [null, undefined, '']) {
          expect(toOptionalSchemaEnum(absent, STATUSES, 'AccountHolderType', logger)).toBeNull();
        }
        expect(warn).not.toHaveBeenCalled();
        expect(toOptionalSchemaEnum(raw, STATUSES, 'AccountHolderType', logger)).toBeNull();
        expect(toOptionalSchemaEnum(raw, STATUSES, 'AccountHolderType', logger)).toBeNull();
        expect(warn).toHaveBeenCalledTimes(1);
        expect(warn.mock.calls[0]?.[0]).toMatchObject({ enum: 'AccountHolderType', mappedTo: null });
      }),
    );
  });

  test('optional enums with an UNKNOWN fallback: absent stays null silently; unknown becomes UNKNOWN, warned once', () => {
    fc.assert(
      fc.property(unknownValue, knownInAnyCase, (raw, { value, raw: known }) => {
        resetUnknownEnumWarnings();
        const { warn, logger } = spyLogger();
        for (const absent of [null, undefined, '']) {
          expect(toOptionalSchemaEnum<Status>(absent, STATUSES, 'CardCheckResult', logger, 'UNKNOWN')).toBeNull();
        }
        expect(toOptionalSchemaEnum<Status>(known, STATUSES, 'CardCheckResult', logger, 'UNKNOWN')).toBe(value);
        expect(warn).not.toHaveBeenCalled();
        expect(toOptionalSchemaEnum<Status>(raw, STATUSES, 'CardCheckResult', logger, 'UNKNOWN')).toBe('UNKNOWN');
        expect(toOptionalSchemaEnum<Status>(raw, STATUSES, 'CardCheckResult', logger, 'UNKNOWN')).toBe('UNKNOWN');
        expect(warn).toHaveBeenCalledTimes(1);
        expect(warn.mock.calls[0]?.[0]).toMatchObject({ enum: 'CardCheckResult', upstreamValue: raw.slice(0, 64), mappedTo: 'UNKNOWN' });
      }),
    );
  });
});

// ---------------------------------------------------------------------------------------------
describe('ids: decimal strings of 1 to 19 digits, never parsed to a number', () => {
  const validId = fc.stringMatching(/^\d{1,19}$/);
  const invalidId = fc.oneof(
    fc.string().filter((s) => !ID.test(s)),
    fc.stringMatching(/^\d{20,30}$/),
    validId.map((id) => ` ${id}`),
    validId.map((id) => `${id}\n`),
    validId.map((id) => `-${id}`),
    validId.map((id) => `${id}.0`),
    validId.map((id) => `${id}e3`),
    fc.constantFrom('', '0x1F', '１２３', '١٢٣', '1_000', '+1', 'null', '12 34'),
  );

  test('any 1-19 digit string is accepted and returned unchanged (also past 2^53)', () => {
    fc.assert(
      fc.property(validId, (id) => {
        expect(parseIdArgument(id, 'id')).toBe(id);
        const valid = validateDeletePaymentMethodInput({ id });
        expect(valid).toEqual({ ok: true, value: { id } });
      }),
    );
    expect(parseIdArgument('9999999999999999999', 'id')).toBe('9999999999999999999');
    expect(parseIdArgument('0000000000000000001', 'id')).toBe('0000000000000000001');
  });

  test('anything else is a BAD_USER_INPUT error naming the argument', () => {
    fc.assert(
      fc.property(invalidId, (id) => {
        const error = thrownBy(() => parseIdArgument(id, 'id'));
        expect(error).toBeInstanceOf(GraphQLError);
        expect(codeOf(error)).toBe('BAD_USER_INPUT');
        expect((error as GraphQLError).message).toContain('"id"');
      }),
    );
  });

  test('an invalid id in a mutation input is an INVALID user error at its field path', () => {
    fc.assert(
      fc.property(invalidId, (id) => {
        expect(validateDeletePaymentMethodInput({ id })).toEqual({
          ok: false,
          userErrors: [{ field: ['input', 'id'], code: 'INVALID', message: expect.any(String) }],
        });
        const created = validateCreatePaymentMethodSessionInput({ customerId: id });
        expect(created.ok).toBe(false);
        if (!created.ok) expect(created.userErrors.map((e) => [e.field, e.code])).toEqual([[['input', 'customerId'], 'INVALID']]);
      }),
    );
  });

  test('lists: up to 100 valid ids come back in order; a bad id is an error in its own place, named by its index; more than 100 is refused', () => {
    fc.assert(
      fc.property(fc.array(validId, { maxLength: MAX_IDS_PER_QUERY }), (ids) => {
        expect(parseIdListArgument(ids, 'ids')).toEqual(ids);
      }),
    );
    fc.assert(
      fc.property(
        fc.array(validId, { maxLength: MAX_IDS_PER_QUERY - 1 }),
        invalidId,
        fc.nat(),
        (ids, bad, at) => {
          const index = at % (ids.length + 1);
          const withBad = [...ids.slice(0, index), bad, ...ids.slice(index)];
          const parsed = parseIdListArgument(withBad, 'ids');
          expect(parsed.filter((_, i) => i !== index)).toEqual(ids);
          const error = parsed[index];
          expect(codeOf(error)).toBe('BAD_USER_INPUT');
          expect((error as GraphQLError).message).toContain(`ids[${index}]`);
        },
      ),
    );
    fc.assert(
      fc.property(fc.array(validId, { minLength: MAX_IDS_PER_QUERY + 1, maxLength: 150 }), (ids) => {
        expect(codeOf(thrownBy(() => parseIdListArgument(ids, 'ids')))).toBe('BAD_USER_INPUT');
      }),
    );
  });
});

// ---------------------------------------------------------------------------------------------
describe('updatePaymentMethod input validation: user errors with field paths under ["input", ...]', () => {
  // NOW is 2026-11-24: 11/2026 is still valid, 10/2026 is past.
  const pastReference = (month: number, year: number) => NOW.getTime() >= Date.UTC(year, month, 1);

  test('card expiry: accepted exactly when the month is 1-12, the year 2000-2099 and the expiry not past', () => {
    fc.assert(
      fc.property(fc.integer({ min: -3, max: 16 }), fc.integer({ min: 1990, max: 2110 }), (month, year) => {
        const input: UpdatePaymentMethodInput = { id: '1987000000724211', card: { expiryMonth: month, expiryYear: year } };
        const result = validateUpdatePaymentMethodInput(input, NOW);
        const monthOk = month >= 1 && month <= 12;
        const yearOk = year >= 2000 && year <= 2099;
        if (monthOk && yearOk && !pastReference(month, year)) {
          expect(result).toEqual({ ok: true, value: { id: input.id, card: { expiryMonth: month, expiryYear: year } } });
          return;
        }
        expect(result.ok).toBe(false);
        if (result.ok) return;
        const fields = result.userErrors.map((e) => JSON.stringify(e.field));
        for (const error of result.userErrors) {
          expect(error.code).toBe('INVALID');
          expect(error.message).not.toBe('');
          expect([['input', 'card', 'expiryMonth'], ['input', 'card', 'expiryYear']]).toContainEqual(error.field);
        }
        if (!monthOk || !yearOk) {
          // One error per out-of-range field, and no "already past" on top of it.
          const outOfRange = [
            ...(monthOk ? [] : [JSON.stringify(['input', 'card', 'expiryMonth'])]),
            ...(yearOk ? [] : [JSON.stringify(['input', 'card', 'expiryYear'])]),
          ];
          expect([...fields].sort()).toEqual(outOfRange.sort());
        }
        if (monthOk && yearOk) {
          // In range but past: one error, on the year when the whole year is past, else on the month.
          const field = year < NOW.getUTCFullYear() ? 'expiryYear' : 'expiryMonth';
          expect(result.userErrors).toEqual([{ field: ['input', 'card', field], code: 'INVALID', message: expect.stringContaining('past') }]);
        }
      }),
    );
  });

  test('every user error of any update input points into the input, at a field the input has (or must have)', () => {
    const maybeId = fc.oneof(fc.stringMatching(/^\d{1,19}$/), fc.string({ maxLength: 25 }));
    const card = fc.record({ expiryMonth: fc.integer({ min: -2, max: 14 }), expiryYear: fc.integer({ min: 1999, max: 2101 }) });
    const achDebit = fc.record({ accountHolderType: fc.constantFrom('INDIVIDUAL', 'COMPANY') as fc.Arbitrary<'INDIVIDUAL' | 'COMPANY'> });
    const billingAddress = fc.record(
      {
        name: fc.option(fc.string({ maxLength: 300 })),
        city: fc.option(fc.string({ maxLength: 300 })),
        country: fc.oneof(fc.constantFrom('US', 'IN', 'DE'), fc.string({ maxLength: 4 })),
        postalCode: fc.option(fc.string({ maxLength: 40 })),
      },
      { requiredKeys: ['country'] },
    );
    const input = fc.record(
      { id: maybeId, card: fc.option(card), achDebit: fc.option(achDebit), billingAddress: fc.option(billingAddress) },
      { requiredKeys: ['id'] },
    );
    const allowedTop = new Set(['id', 'card', 'achDebit', 'billingAddress']);
    fc.assert(
      fc.property(input, (value) => {
        const result = validateUpdatePaymentMethodInput(value as UpdatePaymentMethodInput, NOW);
        const given = (field: unknown) => (field ?? undefined) !== undefined;
        if (result.ok) {
          expect(ID.test(value.id)).toBe(true);
          // At most one of card / achDebit, and at least one change (a billing address alone is one).
          expect(given(value.card) && given(value.achDebit)).toBe(false);
          expect(given(value.card) || given(value.achDebit) || given(value.billingAddress)).toBe(true);
          return;
        }
        expect(result.userErrors.length).toBeGreaterThan(0);
        for (const error of result.userErrors) {
          expect(error.field?.[0]).toBe('input');
          if (error.code === 'REQUIRED') {
            // No change at all: the input as a whole, and only when none of the three is given.
            expect(error.field).toEqual(['input']);
            expect(given(value.card) || given(value.achDebit) || given(value.billingAddress)).toBe(false);
          } else {
            expect(error.code).toBe('INVALID');
            expect(allowedTop.has(error.field?.[1] ?? '')).toBe(true);
          }
        }
        if (!ID.test(value.id)) expect(result.userErrors).toContainEqual(expect.objectContaining({ field: ['input', 'id'], code: 'INVALID' }));
      }),
    );
  });

  test('no change at all is REQUIRED on the input as a whole; a billing address alone is valid; both card and achDebit is INVALID at input.achDebit', () => {
    expect(validateUpdatePaymentMethodInput({ id: '1' }, NOW)).toEqual({
      ok: false,
      userErrors: [{ field: ['input'], code: 'REQUIRED', message: expect.any(String) }],
    });
    expect(validateUpdatePaymentMethodInput({ id: '1', card: null, achDebit: null, billingAddress: null }, NOW)).toEqual({
      ok: false,
      userErrors: [{ field: ['input'], code: 'REQUIRED', message: expect.any(String) }],
    });
    expect(validateUpdatePaymentMethodInput({ id: '1', billingAddress: { country: 'us' } }, NOW)).toEqual({
      ok: true,
      value: { id: '1', billingAddress: { country: 'US' } },
    });
    expect(
      validateUpdatePaymentMethodInput(
        { id: '1', card: { expiryMonth: 1, expiryYear: 2030 }, achDebit: { accountHolderType: 'COMPANY' } },
        NOW,
      ),
    ).toEqual({ ok: false, userErrors: [{ field: ['input', 'achDebit'], code: 'INVALID', message: expect.any(String) }] });
  });

  test('a billing address country: two letters in any case are taken (upper-cased); anything else is INVALID at its path', () => {
    const withCountry = (country: string) =>
      validateUpdatePaymentMethodInput({ id: '1', achDebit: { accountHolderType: 'INDIVIDUAL' }, billingAddress: { country } }, NOW);
    fc.assert(
      fc.property(fc.stringMatching(/^[A-Za-z]{2}$/), (country) => {
        expect(withCountry(country)).toEqual({
          ok: true,
          value: { id: '1', achDebit: { accountHolderType: 'INDIVIDUAL' }, billingAddress: { country: country.toUpperCase() } },
        });
      }),
    );
    fc.assert(
      fc.property(fc.string({ maxLength: 5 }).filter((s) => !/^[A-Za-z]{2}$/.test(s)), (country) => {
        expect(withCountry(country)).toEqual({
          ok: false,
          userErrors: [{ field: ['input', 'billingAddress', 'country'], code: 'INVALID', message: expect.any(String) }],
        });
      }),
    );
  });
});

// ---------------------------------------------------------------------------------------------
describe('safeUpstreamMessage: nothing secret passes', () => {
  /** A Luhn-valid number of the given length (the last digit is the check digit). */
  const luhnNumber = fc.integer({ min: 13, max: 19 }).chain((length) =>
    fc
      .tuple(fc.integer({ min: 1, max: 9 }), fc.array(fc.integer({ min: 0, max: 9 }), { minLength: length - 2, maxLength: length - 2 }))
      .map(([first, rest]) => [first, ...rest])
      .map((body) => {
      let sum = 0;
      // From the right, the check digit is position 0; body digits start at position 1.
      body
        .slice()
        .reverse()
        .forEach((digit, i) => {
          let d = digit;
          if (i % 2 === 0) {
            d *= 2;
            if (d > 9) d -= 9;
          }
          sum += d;
        });
      return body.join('') + String((10 - (sum % 10)) % 10);
    }),
  );
  const luhnValid = (digits: string) =>
    [...digits].reverse().reduce((sum, ch, i) => {
      let d = Number(ch);
      if (i % 2 === 1) {
        d *= 2;
        if (d > 9) d -= 9;
      }
      return sum + d;
    }, 0) %
      10 ===
    0;

  /** Text around a number that does not continue it (no digit next to it). */
  const separator = fc.constantFrom(' ', ': ', '(', ')', '"', "'", ',', '.', '\n', '#', '=', '/', '-', '');
  const text = fc.string({ maxLength: 40 });
  const around = (number: string, before: string, sepBefore: string, sepAfter: string, after: string) =>
    `${before.replace(/[\w]$/, '$& ')}${sepBefore}${number}${sepAfter}${after.replace(/^\w/, ' $&')}`;

  test('the generator makes Luhn-valid numbers (sanity check of the test itself)', () => {
    expect(luhnValid('4111111111111111')).toBe(true);
    expect(luhnValid('4111111111111112')).toBe(false);
    fc.assert(fc.property(luhnNumber, (n) => expect(luhnValid(n)).toBe(true)));
  });

  test('a Luhn-valid 13-19 digit card number set apart by spaces or punctuation never passes', () => {
    fc.assert(
      fc.property(luhnNumber, text, separator, separator, text, (number, before, sepBefore, sepAfter, after) => {
        const message = around(number, before, sepBefore, sepAfter, after);
        const safe = safeUpstreamMessage(message) ?? '';
        expect(safe).not.toContain(number);
        // Masked, keeping four digits. (Which four is ambiguous when digits of the surrounding
        // text join the number into a longer Luhn-valid run, e.g. "…1111-5".)
        expect(safe).toMatch(/••••\d{4}/);
      }),
    );
  });

  test('a card number glued to letters or an underscore ("PAN4111...", "card_4111...") never passes either', () => {
    fc.assert(
      fc.property(
        luhnNumber,
        fc.constantFrom('PAN', 'card', 'card_', 'No', 'x'),
        fc.constantFrom('', 'x', '_end', 'USD'),
        (number, before, after) => {
          expect(safeUpstreamMessage(`Declined: ${before}${number}${after}`)).not.toContain(number);
        },
      ),
    );
  });

  test('a card number written in groups of four ("4111 1111 1111 1111", "4111-1111-...") never passes', () => {
    for (const number of ['4111111111111111', '5555555555554444', '6011111111111117']) {
      expect(luhnValid(number)).toBe(true);
      for (const sep of [' ', '-']) {
        const grouped = number.replace(/(\d{4})(?=\d)/g, `$1${sep}`);
        const safe = safeUpstreamMessage(`card ${grouped} was declined`) ?? '';
        expect(safe.replace(/[ -]/g, '')).not.toContain(number);
      }
    }
  });

  test('any run of 8 or more digits (an account number has no checksum) shows only its last four; shorter runs stay', () => {
    fc.assert(
      fc.property(fc.stringMatching(/^[1-9]\d{7,18}$/), fc.integer({ min: 0, max: 9_999_999 }), (digits, count) => {
        const message = `Bank account ${digits} refused after ${count} tries (HTTP 400).`;
        const safe = safeUpstreamMessage(message) ?? '';
        expect(safe).not.toContain(digits);
        expect(safe).toContain(`••••${digits.slice(-4)}`);
        expect(safe).toContain(`after ${count} tries (HTTP 400).`);
      }),
    );
  });

  test('"Zoho-oauthtoken <token>" in any letter case never passes, nor a bare 1000.<hex>.<hex> token', () => {
    const token = fc.stringMatching(/^[A-Za-z0-9._~+/-]{12,80}=*$/);
    const scheme = fc
      .array(fc.boolean(), { minLength: 15, maxLength: 15 })
      .map((upper) => [...'zoho-oauthtoken'].map((ch, i) => (upper[i] ? ch.toUpperCase() : ch)).join(''));
    fc.assert(
      fc.property(text, scheme, fc.constantFrom(' ', '  ', '\t'), token, text, (before, name, space, secret, after) => {
        const safe = safeUpstreamMessage(`${before}${name}${space}${secret} ${after}`) ?? '';
        expect(safe).not.toContain(secret);
      }),
    );
    const hex = (min: number) => fc.stringMatching(new RegExp(`^[0-9a-f]{${min},40}$`));
    fc.assert(
      fc.property(hex(8), hex(8), (a, b) => {
        const secret = `1000.${a}.${b}`;
        expect(safeUpstreamMessage(`token ${secret} expired`)).not.toContain(secret);
      }),
    );
  });

  test('masking a token keeps the quotes and punctuation around it, and a <token> placeholder', () => {
    expect(safeUpstreamMessage('Send "Authorization: Zoho-oauthtoken 1000.4f2a.9c1d". Then retry.')).toBe(
      'Send "Authorization: Zoho-oauthtoken [Redacted]". Then retry.',
    );
    expect(safeUpstreamMessage("header 'Zoho-oauthtoken abc/def+ghi=', rejected")).toBe(
      "header 'Zoho-oauthtoken [Redacted]', rejected",
    );
    const placeholder = 'Send a valid token as "Authorization: Zoho-oauthtoken <token>".';
    expect(safeUpstreamMessage(placeholder)).toBe(placeholder);
  });

  test('the result is at most 300 characters, and undefined stays undefined', () => {
    expect(safeUpstreamMessage(undefined)).toBeUndefined();
    fc.assert(
      fc.property(fc.string({ maxLength: 1000 }), (message) => {
        expect((safeUpstreamMessage(message) ?? '').length).toBeLessThanOrEqual(300);
      }),
    );
  });
});

// ---------------------------------------------------------------------------------------------
describe('parseRetryAfter: delta-seconds or an HTTP date, as whole seconds', () => {
  const wholeSecondNow = bigIntegers(Date.UTC(2000, 0, 1) / 1000, Date.UTC(2090, 0, 1) / 1000).map((s) => s * 1000);

  test('delta-seconds are taken as they are up to a day, a day past it (surrounding whitespace ignored)', () => {
    fc.assert(
      fc.property(fc.nat({ max: 10_000_000 }), fc.constantFrom('', ' ', '\t'), (seconds, pad) => {
        expect(parseRetryAfter(`${pad}${seconds}${pad}`)).toBe(Math.min(seconds, 86_400));
      }),
    );
    expect(parseRetryAfter('86400')).toBe(86_400);
    expect(parseRetryAfter('86401')).toBe(86_400);
    expect(parseRetryAfter('100000000000000000000000')).toBe(86_400);
    expect(parseRetryAfter('0000000000000000000000005')).toBe(5);
  });

  test('an HTTP date (IMF-fixdate) d seconds ahead is d seconds (at most a day); a past date is 0', () => {
    fc.assert(
      fc.property(wholeSecondNow, fc.integer({ min: 0, max: 1_000_000 }), fc.integer({ min: 0, max: 999 }), (base, d, ms) => {
        const date = new Date(base + d * 1000).toUTCString();
        expect(parseRetryAfter(date, base)).toBe(Math.min(d, 86_400));
        // A clock that is part-way through a second still rounds up to d.
        expect(parseRetryAfter(date, base + ms)).toBe(Math.min(d, 86_400));
      }),
    );
    fc.assert(
      fc.property(wholeSecondNow, fc.integer({ min: 1, max: 1_000_000 }), (base, d) => {
        expect(parseRetryAfter(new Date(base - d * 1000).toUTCString(), base)).toBe(0);
      }),
    );
    const now = Date.UTC(2026, 10, 24, 12, 0, 0);
    expect(parseRetryAfter('Tue, 24 Nov 2026 12:00:30 GMT', now)).toBe(30);
    expect(parseRetryAfter('Tuesday, 24-Nov-26 12:01:00 GMT', now)).toBe(60);
  });

  test('absent or unparseable values are undefined', () => {
    for (const value of [undefined, null, '', '   ', 'soon', 'in 5 minutes', '0x10', '1e3', '12 34']) {
      expect(parseRetryAfter(value)).toBeUndefined();
    }
  });

  test('values that are neither delta-seconds nor an HTTP date ("1.5", "-5") are undefined, not 0', () => {
    const now = Date.UTC(2026, 10, 24, 12, 0, 0);
    for (const value of ['1.5', '10.5', '-5']) {
      expect({ value, parsed: parseRetryAfter(value, now) }).toEqual({ value, parsed: undefined });
    }
  });
});
