import type { MutationResolvers, UserError } from '../generated/graphql';
import { expiryMonthToZoho, expiryYearToZoho } from '../mapping/card-expiry';
import { knownPaymentMethodType } from '../datasources/zoho-types';
import type { ZohoPaymentMethod, ZohoPaymentMethodSession, ZohoUpdatePaymentMethodRequest } from '../datasources/zoho-types';
import {
  validateCreatePaymentMethodSessionInput,
  validateDeletePaymentMethodInput,
  validateUpdatePaymentMethodInput,
  type ValidUpdatePaymentMethodInput,
} from '../errors/validation';
import { userErrorFromUpstream } from '../errors/user-errors';
import { withIdempotencyKey } from '../idempotency/idempotency';
import { audited } from '../observability/audit';

export const Mutation: MutationResolvers = {
  createPaymentMethodSession: audited('createPaymentMethodSession', async (_, { input }, { dataSources, loaders, idempotency }) => {
    const { zohoPayments } = dataSources;
    const valid = withIdempotencyKey(input, validateCreatePaymentMethodSessionInput(input));
    if (!valid.ok) return { paymentMethodSession: null, userErrors: valid.userErrors };
    return idempotency.run<SessionPayload>({
      mutation: 'createPaymentMethodSession',
      valid,
      perform: async () => {
        try {
          const session = await zohoPayments.createPaymentMethodSession({
            customer_id: valid.value.customerId,
            ...(valid.value.description !== undefined && { description: valid.value.description }),
          });
          // Zoho's create reply carries no status: a new session is CREATED (the public contract, docs/api.md).
          return { paymentMethodSession: { ...session, status: session.status ?? 'created' }, userErrors: [] };
        } catch (error) {
          return { paymentMethodSession: null, userErrors: [userErrorOrThrow(error, ['input', 'customerId'])] };
        }
      },
      resourceIdOf: (payload) => payload.paymentMethodSession?.payment_method_session_id,
      // The session as Zoho shows it now, to this caller's own token.
      replay: async (sessionId) => {
        const session = await loaders.paymentMethodSession.load(sessionId);
        return session
          ? { paymentMethodSession: session, userErrors: [] }
          : { paymentMethodSession: null, userErrors: [replayedSessionGone()] };
      },
      withUserErrors: (userErrors) => ({ paymentMethodSession: null, userErrors }),
    });
  }),

  updatePaymentMethod: audited('updatePaymentMethod', async (_, { input }, { dataSources, loaders, now, idempotency }) => {
    const { zohoPayments } = dataSources;
    const valid = withIdempotencyKey(input, validateUpdatePaymentMethodInput(input, now()));
    if (!valid.ok) return { paymentMethod: null, userErrors: valid.userErrors };
    const { id } = valid.value;

    return idempotency.run<MethodPayload>({
      mutation: 'updatePaymentMethod',
      valid,
      perform: async () => {
        // Zoho needs the method's type, and a card change on an ACH account is the caller's mistake.
        const current = await loaders.paymentMethod.load(id);
        if (!current) {
          return { paymentMethod: null, userErrors: [notFound(['input', 'id'])] };
        }
        const type = zohoTypeForUpdate(current.type);
        const mismatch = typeMismatch(valid.value, type);
        if (mismatch) return { paymentMethod: null, userErrors: [mismatch] };

        try {
          const updated = await zohoPayments.updatePaymentMethod(id, toZohoUpdate(valid.value, type));
          loaders.paymentMethod.clear(id).prime(id, updated);
          return { paymentMethod: updated, userErrors: [] };
        } catch (error) {
          return { paymentMethod: null, userErrors: [userErrorOrThrow(error, ['input', 'id'], changedField(valid.value))] };
        }
      },
      resourceIdOf: () => id,
      // The payment method as Zoho shows it now, to this caller's own token.
      replay: async () => {
        const method = await loaders.paymentMethod.load(id);
        return method ? { paymentMethod: method, userErrors: [] } : { paymentMethod: null, userErrors: [notFound(['input', 'id'])] };
      },
      withUserErrors: (userErrors) => ({ paymentMethod: null, userErrors }),
    });
  }),

  deletePaymentMethod: audited('deletePaymentMethod', async (_, { input }, { dataSources, loaders, idempotency }) => {
    const { zohoPayments } = dataSources;
    const valid = withIdempotencyKey(input, validateDeletePaymentMethodInput(input));
    if (!valid.ok) return { deletedPaymentMethodId: null, userErrors: valid.userErrors };
    const { id } = valid.value;
    return idempotency.run<DeletePayload>({
      mutation: 'deletePaymentMethod',
      valid,
      perform: async () => {
        try {
          await zohoPayments.deletePaymentMethod(id);
          loaders.paymentMethod.clear(id);
          return { deletedPaymentMethodId: id, userErrors: [] };
        } catch (error) {
          return { deletedPaymentMethodId: null, userErrors: [userErrorOrThrow(error, ['input', 'id'])] };
        }
      },
      resourceIdOf: () => id,
      // Nothing is left to read back, but Zoho checks this caller's token with a read of the
      // method (READ scope): its 404 is the expected answer, a 401 or 403 fails the replay.
      replay: async () => {
        await loaders.paymentMethod.load(id);
        return { deletedPaymentMethodId: id, userErrors: [] };
      },
      withUserErrors: (userErrors) => ({ deletedPaymentMethodId: null, userErrors }),
    });
  }),
};

type SessionPayload = { paymentMethodSession: ZohoPaymentMethodSession | null; userErrors: UserError[] };
type MethodPayload = { paymentMethod: ZohoPaymentMethod | null; userErrors: UserError[] };
type DeletePayload = { deletedPaymentMethodId: string | null; userErrors: UserError[] };

/** A replayed create whose session Zoho no longer shows to this caller. */
const replayedSessionGone = (): UserError => ({
  field: ['input', 'idempotencyKey'],
  code: 'NOT_FOUND',
  message: "The session this idempotencyKey's first call created is not found in this Zoho Payments account now.",
});

function userErrorOrThrow(error: unknown, notFoundField: string[], typeMismatchField?: string[]): UserError {
  const userError = userErrorFromUpstream(error, notFoundField, typeMismatchField);
  if (!userError) throw error;
  return userError;
}

const notFound = (field: string[]): UserError => ({
  field,
  code: 'NOT_FOUND',
  message: 'No such payment method in this Zoho Payments account.',
});

/**
 * The `type` Zoho's PUT requires, from the method's GET: a known type in Zoho's lower case, a type
 * Zoho added later exactly as Zoho sent it (a billing address can be changed on any type).
 */
const zohoTypeForUpdate = (type: string): string => knownPaymentMethodType(type) ?? type;

/**
 * Where Zoho's `payment_method_type_mismatch` points: the card or ACH change that did not fit, or
 * the id (the method itself) for a billing address alone, whose type came from the method's GET.
 */
const changedField = (input: ValidUpdatePaymentMethodInput): string[] =>
  input.card ? ['input', 'card'] : input.achDebit ? ['input', 'achDebit'] : ['input', 'id'];

function typeMismatch(input: ValidUpdatePaymentMethodInput, zohoType: string): UserError | null {
  const known = knownPaymentMethodType(zohoType);
  const actual = known ? `of type ${known.toUpperCase()}` : 'of a type this gateway does not know yet (UNKNOWN)';
  if (input.card && known !== 'card') {
    return {
      field: ['input', 'card'],
      code: 'TYPE_MISMATCH',
      message: `This payment method is ${actual}, not CARD: ${known ? 'send "achDebit" instead of "card"' : 'only "billingAddress" can be changed on it'}.`,
    };
  }
  if (input.achDebit && known !== 'ach_debit') {
    return {
      field: ['input', 'achDebit'],
      code: 'TYPE_MISMATCH',
      message: `This payment method is ${actual}, not ACH_DEBIT: ${known ? 'send "card" instead of "achDebit"' : 'only "billingAddress" can be changed on it'}.`,
    };
  }
  return null;
}

/** The validated input as Zoho's `PUT /paymentmethods/{id}` body. */
function toZohoUpdate(input: ValidUpdatePaymentMethodInput, type: string): ZohoUpdatePaymentMethodRequest {
  const body: ZohoUpdatePaymentMethodRequest = { type };
  if (input.card) {
    body.card = {
      expiry_month: expiryMonthToZoho(input.card.expiryMonth),
      expiry_year: expiryYearToZoho(input.card.expiryYear),
    };
  }
  if (input.achDebit) {
    body.ach_debit = { account_holder_type: input.achDebit.accountHolderType === 'COMPANY' ? 'company' : 'individual' };
  }
  if (input.billingAddress) {
    const a = input.billingAddress;
    body.billing_address = {
      ...(a.name !== undefined && { name: a.name }),
      ...(a.addressLine1 !== undefined && { address_line1: a.addressLine1 }),
      ...(a.addressLine2 !== undefined && { address_line2: a.addressLine2 }),
      ...(a.city !== undefined && { city: a.city }),
      ...(a.state !== undefined && { state: a.state }),
      country: a.country,
      ...(a.postalCode !== undefined && { postal_code: a.postalCode }),
    };
  }
  return body;
}
