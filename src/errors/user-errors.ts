/**
 * Zoho's answers that are the caller's to fix (404, 400) turned into a mutation's `userErrors`.
 * Anything else is not the caller's mistake and stays a GraphQL error, and so does a 400 about
 * the account id: that is the X-Zoho-Account-Id header, not the input (BAD_USER_INPUT, as in a
 * query).
 */
import { GraphQLError } from 'graphql';
import { errorCodeOf } from './codes';
import type { UserError, UserErrorCode } from '../generated/graphql';

/** Zoho error codes (docs/api.md, "Error codes") that mean the input is wrong in a known way. */
const KNOWN_INVALID_CODES = new Set([
  'invalid_payment_session',
  'customer_max_payment_methods',
  'payment_method_unactivated',
]);

/** Zoho's codes on a 400 that are about the account id (the header), not the mutation's input. */
const ACCOUNT_ID_CODES = new Set(['invalid_account_id']);

/** Zoho's code for a change that does not fit the payment method's type. */
const TYPE_MISMATCH_CODE = 'payment_method_type_mismatch';

/**
 * The user error for an upstream failure, or null when it is not the caller's to fix.
 * `notFoundField` is the input path of the id that a 404 refers to; `typeMismatchField` the
 * input path of the change that Zoho's `payment_method_type_mismatch` refers to.
 */
export function userErrorFromUpstream(
  error: unknown,
  notFoundField: string[],
  typeMismatchField: string[] = ['input'],
): UserError | null {
  const code = errorCodeOf(error);
  if (!(error instanceof GraphQLError)) return null;
  const upstreamCode = error.extensions['upstreamCode'];
  if (code === 'NOT_FOUND' || upstreamCode === 'resource_does_not_exist') {
    return { field: notFoundField, code: 'NOT_FOUND', message: `No such ${describe(notFoundField)} in this Zoho Payments account.` };
  }
  if (code === 'BAD_USER_INPUT' && typeof upstreamCode === 'string' && ACCOUNT_ID_CODES.has(upstreamCode)) return null;
  if (code === 'BAD_USER_INPUT' && upstreamCode === TYPE_MISMATCH_CODE) {
    return { field: typeMismatchField, code: 'TYPE_MISMATCH', message: error.message };
  }
  if (code === 'BAD_USER_INPUT') {
    const known = typeof upstreamCode === 'string' && KNOWN_INVALID_CODES.has(upstreamCode);
    const userErrorCode: UserErrorCode = known ? 'INVALID' : 'UNKNOWN';
    return { field: ['input'], code: userErrorCode, message: error.message };
  }
  return null;
}

function describe(field: string[]): string {
  const last = field[field.length - 1] ?? 'id';
  return last === 'customerId' ? 'customer' : 'payment method';
}
