/**
 * The JSON that Zoho Payments v1 sends and accepts, as the seeds document it
 * (`shared/seeds/payment-methods.txt`, `shared/seeds/payment-method-sessions.txt`).
 *
 * Each reply schema is a zod schema, so the datasource checks every reply once, at the edge,
 * and the rest of the gateway works with these inferred types. Names stay Zoho's (snake_case):
 * renaming to the GraphQL schema happens in the resolvers.
 */
import { z } from 'zod';

/**
 * A Zoho id. The seeds send ids as decimal strings of up to 19 digits (past 2^53): they stay
 * strings. A JSON number is accepted only while it is a safe integer, where it is exact.
 */
export const zohoId = z.union([
  z.string().regex(/^\d{1,19}$/),
  z
    .number()
    .int()
    .nonnegative()
    .refine((n) => Number.isSafeInteger(n))
    .transform((n) => String(n)),
]);

/** A Zoho timestamp: documented as milliseconds, seen as seconds in the examples. */
export const zohoTimestamp = z.union([z.number(), z.string().regex(/^\d+$/)]);

/** An enum-like string (status, type, check result). Unknown values are the resolvers' concern. */
const zohoEnumString = z.string();

/** A field Zoho may send as a string, send as null, or leave out. */
const optionalString = z.string().nullish();

/** "MM" / "YY" card expiry parts; a number is tolerated. */
const expiryPart = z.union([z.string().regex(/^\d{1,4}$/), z.number().int().nonnegative()]);

export const zohoCardChecksSchema = z.object({
  address_line_check: zohoEnumString.nullish(),
  postal_code_check: zohoEnumString.nullish(),
  cvc_check: zohoEnumString.nullish(),
});

export const zohoCardSchema = z.object({
  card_holder_name: optionalString,
  last_four_digits: z.string().regex(/^\d{4}$/),
  expiry_month: expiryPart,
  expiry_year: expiryPart,
  card_checks: zohoCardChecksSchema.nullish(),
});

export const zohoAchDebitSchema = z.object({
  account_holder_name: optionalString,
  routing_number: optionalString,
  account_holder_type: optionalString,
  bank_name: optionalString,
  account_type: optionalString,
  last_four_digits: z.string().regex(/^\d{4}$/),
});

export const zohoBillingAddressSchema = z.object({
  name: optionalString,
  address_line1: optionalString,
  address_line2: optionalString,
  city: optionalString,
  state: optionalString,
  country: z.string(),
  postal_code: optionalString,
});

/** Zoho's payment method types that this gateway knows (the seeds: "e.g. card or ach_debit", an open list). */
export const KNOWN_PAYMENT_METHOD_TYPES = ['card', 'ach_debit'] as const;
export type KnownPaymentMethodType = (typeof KNOWN_PAYMENT_METHOD_TYPES)[number];

/** Zoho's `type` as one this gateway knows (any case, spaces around), or undefined for any other. */
export function knownPaymentMethodType(type: string | null | undefined): KnownPaymentMethodType | undefined {
  const lower = type?.trim().toLowerCase();
  return KNOWN_PAYMENT_METHOD_TYPES.find((known) => known === lower);
}

/**
 * Keeps only the details object of the method's own type (`card` of a card, `ach_debit` of an
 * ACH account), so that only that one is checked. A type Zoho adds later reads as a payment
 * method whatever details it carries (its own `upi: {...}`, or a `card` of another shape).
 */
function ownDetailsOnly(raw: unknown): unknown {
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) return raw;
  const { card, ach_debit, ...rest } = raw as Record<string, unknown>;
  const type = knownPaymentMethodType(typeof rest['type'] === 'string' ? rest['type'] : undefined);
  return { ...rest, ...(type === 'card' && { card }), ...(type === 'ach_debit' && { ach_debit }) };
}

/**
 * A payment method as `GET /paymentmethods/{id}` and `PUT /paymentmethods/{id}` return it: of a
 * known type with its details object, or of any other type (the resolvers answer it as UNKNOWN).
 */
export const zohoPaymentMethodSchema = z.preprocess(
  ownDetailsOnly,
  z
    .object({
      payment_method_id: zohoId,
      customer_id: zohoId,
      customer_name: optionalString,
      customer_email: optionalString,
      type: zohoEnumString,
      card: zohoCardSchema.nullish(),
      ach_debit: zohoAchDebitSchema.nullish(),
      status: zohoEnumString.nullish(),
      currency: optionalString,
      billing_address: zohoBillingAddressSchema.nullish(),
      created_time: zohoTimestamp,
      last_modified_time: zohoTimestamp.nullish(),
    })
    .refine((pm) => knownPaymentMethodType(pm.type) !== 'card' || pm.card != null, {
      message: 'a card payment method carries a card object',
      path: ['card'],
    })
    .refine((pm) => knownPaymentMethodType(pm.type) !== 'ach_debit' || pm.ach_debit != null, {
      message: 'an ach_debit payment method carries an ach_debit object',
      path: ['ach_debit'],
    }),
);

/** The partial payment method embedded in a retrieved session. */
export const zohoSessionPaymentMethodSchema = z.object({
  payment_method_id: zohoId,
  type: zohoEnumString.nullish(),
  status: zohoEnumString.nullish(),
  created_time: zohoTimestamp.nullish(),
});

/** A payment method session as create (no status) and retrieve (with status) return it. */
export const zohoPaymentMethodSessionSchema = z.object({
  payment_method_session_id: zohoId,
  customer_id: zohoId,
  description: optionalString,
  status: zohoEnumString.nullish(),
  created_time: zohoTimestamp.nullish(),
  payment_method: zohoSessionPaymentMethodSchema.nullish(),
});

/** Zoho's envelope: every reply carries `code` (0 on success) and `message`. */
export const zohoEnvelopeSchema = z.object({
  code: z.union([z.string(), z.number()]),
  message: z.string().optional(),
});

export const zohoPaymentMethodEnvelopeSchema = zohoEnvelopeSchema.extend({
  payment_method: zohoPaymentMethodSchema,
});
export const zohoPaymentMethodSessionEnvelopeSchema = zohoEnvelopeSchema.extend({
  payment_method_session: zohoPaymentMethodSessionSchema,
});

export type ZohoCardChecks = z.infer<typeof zohoCardChecksSchema>;
export type ZohoCard = z.infer<typeof zohoCardSchema>;
export type ZohoAchDebit = z.infer<typeof zohoAchDebitSchema>;
export type ZohoBillingAddress = z.infer<typeof zohoBillingAddressSchema>;
export type ZohoPaymentMethod = z.infer<typeof zohoPaymentMethodSchema>;
export type ZohoSessionPaymentMethod = z.infer<typeof zohoSessionPaymentMethodSchema>;
export type ZohoPaymentMethodSession = z.infer<typeof zohoPaymentMethodSessionSchema>;
export type ZohoEnvelope = z.infer<typeof zohoEnvelopeSchema>;

/**
 * What a GraphQL `PaymentMethod` is resolved from: the full method, or the partial one a session
 * embeds (whose missing fields are loaded through the request's DataLoader).
 */
export type ZohoPaymentMethodRef = ZohoPaymentMethod | ZohoSessionPaymentMethod;

/** The customer fields Zoho embeds in a payment method (all three) or a session (the id only). */
export interface ZohoCustomerRef {
  customer_id: string;
  customer_name?: string | null;
  customer_email?: string | null;
}

/** Body of `POST /paymentmethodsessions`. */
export interface ZohoCreatePaymentMethodSessionRequest {
  customer_id: string;
  description?: string;
}

/** Body of `PUT /paymentmethods/{id}`. */
export interface ZohoUpdatePaymentMethodRequest {
  /** The method's own type, as its GET said: `card`, `ach_debit`, or a type Zoho added later, verbatim. */
  type: string;
  card?: { expiry_month: string; expiry_year: string };
  ach_debit?: { account_holder_type: 'individual' | 'company' };
  billing_address?: {
    name?: string;
    address_line1?: string;
    address_line2?: string;
    city?: string;
    state?: string;
    country: string;
    postal_code?: string;
  };
}
