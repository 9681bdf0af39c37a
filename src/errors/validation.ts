/**
 * Validation at the edge: each argument and mutation input is checked once, before any upstream
 * call. Query arguments fail as BAD_USER_INPUT errors; mutation inputs become `userErrors` with
 * the path to the offending field.
 */
import type { GraphQLError } from 'graphql';
import { z } from 'zod';
import { badUserInput } from './codes';
import type {
  CreatePaymentMethodSessionInput,
  DeletePaymentMethodInput,
  UpdatePaymentMethodInput,
  UserError,
  UserErrorCode,
} from '../generated/graphql';
import { isExpiryPast } from '../mapping/card-expiry';

/** Zoho ids are decimal strings of up to 19 digits; they are never parsed into JS numbers. */
export const ZOHO_ID_PATTERN = /^\d{1,19}$/;
export const MAX_IDS_PER_QUERY = 100;

export const isZohoId = (value: unknown): value is string => typeof value === 'string' && ZOHO_ID_PATTERN.test(value);
export const MAX_DESCRIPTION_LENGTH = 1000;
const MAX_ADDRESS_FIELD_LENGTH = 255;

const ID_MESSAGE = 'must be a Zoho id: a decimal string of 1 to 19 digits';

/** A query's id argument, or a BAD_USER_INPUT error naming the argument. */
export function parseIdArgument(id: string, argumentName: string): string {
  if (!ZOHO_ID_PATTERN.test(id)) {
    throw badUserInput(`Argument "${argumentName}" ${ID_MESSAGE}.`, { argumentName });
  }
  return id;
}

/**
 * The `ids` argument of `paymentMethods`: more than 100 ids fail the whole field (thrown); otherwise
 * each id in its place, or the BAD_USER_INPUT error of that one id, which the list reports at its
 * own index while the other ids are answered.
 */
export function parseIdListArgument(ids: readonly string[], argumentName: string): Array<string | GraphQLError> {
  if (ids.length > MAX_IDS_PER_QUERY) {
    throw badUserInput(
      `Argument "${argumentName}" holds ${ids.length} ids; at most ${MAX_IDS_PER_QUERY} are allowed per query.`,
      { argumentName },
    );
  }
  return ids.map((id, index) =>
    ZOHO_ID_PATTERN.test(id) ? id : badUserInput(`Argument "${argumentName}[${index}]" ${ID_MESSAGE}.`, { argumentName }),
  );
}

/** The outcome of validating a mutation input. */
export type Validated<T> = { ok: true; value: T } | { ok: false; userErrors: UserError[] };

const zohoIdInput = z.string().regex(ZOHO_ID_PATTERN, { message: `The id ${ID_MESSAGE}.` });
const optionalText = (max: number) =>
  z
    .string()
    .max(max, { message: `Must be at most ${max} characters.` })
    .nullish()
    .transform((v) => v ?? undefined);

const createPaymentMethodSessionSchema = z.object({
  customerId: z.string().regex(ZOHO_ID_PATTERN, { message: `The customer id ${ID_MESSAGE}.` }),
  description: optionalText(MAX_DESCRIPTION_LENGTH),
});

function cardUpdateSchema(now: Date) {
  return z
    .object({
      expiryMonth: z
        .number()
        .int()
        .min(1, { message: 'The expiry month must be from 1 to 12.' })
        .max(12, { message: 'The expiry month must be from 1 to 12.' }),
      expiryYear: z
        .number()
        .int()
        .min(2000, { message: 'The expiry year must be four digits, from 2000 to 2099 (e.g. 2027).' })
        .max(2099, { message: 'The expiry year must be four digits, from 2000 to 2099 (e.g. 2027).' }),
    })
    .superRefine((card, ctx) => {
      // Only a well-formed expiry can be "past": a range error above is the one error to report.
      const wellFormed = card.expiryMonth >= 1 && card.expiryMonth <= 12 && card.expiryYear >= 2000 && card.expiryYear <= 2099;
      if (wellFormed && isExpiryPast(card.expiryMonth, card.expiryYear, now)) {
        const pastYear = card.expiryYear < now.getUTCFullYear();
        ctx.addIssue({
          code: 'custom',
          path: [pastYear ? 'expiryYear' : 'expiryMonth'],
          message: `The expiry ${String(card.expiryMonth).padStart(2, '0')}/${card.expiryYear} is already past.`,
        });
      }
    });
}

const billingAddressSchema = z.object({
  name: optionalText(MAX_ADDRESS_FIELD_LENGTH),
  addressLine1: optionalText(MAX_ADDRESS_FIELD_LENGTH),
  addressLine2: optionalText(MAX_ADDRESS_FIELD_LENGTH),
  city: optionalText(MAX_ADDRESS_FIELD_LENGTH),
  state: optionalText(MAX_ADDRESS_FIELD_LENGTH),
  country: z
    .string()
    .transform((country) => country.toUpperCase())
    .pipe(z.string().regex(/^[A-Z]{2}$/, { message: 'The country must be an ISO 3166-1 alpha-2 code, e.g. US.' })),
  postalCode: optionalText(32),
});

function updatePaymentMethodSchema(now: Date) {
  return z
    .object({
      id: zohoIdInput,
      card: cardUpdateSchema(now).nullish().transform((v) => v ?? undefined),
      achDebit: z
        .object({
          accountHolderType: z.enum(['INDIVIDUAL', 'COMPANY'], {
            message: 'The account holder type must be INDIVIDUAL or COMPANY (UNKNOWN is only ever an answer).',
          }),
        })
        .nullish()
        .transform((v) => v ?? undefined),
      billingAddress: billingAddressSchema.nullish().transform((v) => v ?? undefined),
    })
    // At most one of card / achDebit, and at least one change: Zoho's PUT requires only `type`
    // (which the gateway reads first), so a billing address alone is an update.
    .superRefine((input, ctx) => {
      if (input.card === undefined && input.achDebit === undefined && input.billingAddress === undefined) {
        ctx.addIssue({
          code: 'custom',
          // The input as a whole (["input"]): any one of the three fields would do.
          path: [],
          params: { userErrorCode: 'REQUIRED' },
          message:
            'Give at least one change: "card" (a card\'s expiry), "achDebit" (an ACH account\'s holder type) or "billingAddress".',
        });
      }
      if (input.card !== undefined && input.achDebit !== undefined) {
        ctx.addIssue({
          code: 'custom',
          path: ['achDebit'],
          message: 'Give only one of "card" or "achDebit": a payment method is either a card or an ACH account.',
        });
      }
    });
}

const deletePaymentMethodSchema = z.object({ id: zohoIdInput });

export type ValidCreatePaymentMethodSessionInput = z.infer<typeof createPaymentMethodSessionSchema>;
export type ValidUpdatePaymentMethodInput = z.infer<ReturnType<typeof updatePaymentMethodSchema>>;
export type ValidDeletePaymentMethodInput = z.infer<typeof deletePaymentMethodSchema>;

export const validateCreatePaymentMethodSessionInput = (input: CreatePaymentMethodSessionInput) =>
  validate(createPaymentMethodSessionSchema, input);

export const validateUpdatePaymentMethodInput = (input: UpdatePaymentMethodInput, now: Date = new Date()) =>
  validate(updatePaymentMethodSchema(now), input);

export const validateDeletePaymentMethodInput = (input: DeletePaymentMethodInput) =>
  validate(deletePaymentMethodSchema, input);

function validate<S extends z.ZodType>(schema: S, input: unknown): Validated<z.infer<S>> {
  const parsed = schema.safeParse(input);
  if (parsed.success) return { ok: true, value: parsed.data };
  return { ok: false, userErrors: parsed.error.issues.map(toUserError) };
}

function toUserError(issue: z.core.$ZodIssue): UserError {
  const path = issue.path.map(String);
  const declared = issue.code === 'custom' ? (issue.params?.['userErrorCode'] as UserErrorCode | undefined) : undefined;
  const code: UserErrorCode = declared ?? 'INVALID';
  return {
    field: path.length > 0 ? ['input', ...path] : ['input'],
    code,
    message: issue.message,
  };
}
