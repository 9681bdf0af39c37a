/**
 * Zoho's answers that are the caller's to fix (404, 400) turned into a mutation's `userErrors`.
 * Anything else is not the caller's mistake and stays a GraphQL error.
 */
import { GraphQLError } from 'graphql';
import { errorCodeOf } from './codes';
import type { UserError, UserErrorCode } from '../generated/graphql';

/** Zoho error codes (contract.md, Errors) that mean the input is wrong in a known way. */
const KNOWN_INVALID_CODES = new Set([
  'invalid_payment_session',
  'customer_max_payment_methods',
  'payment_method_unactivated',
]);

/**
 * The user error for an upstream failure, or null when it is not the caller's to fix.
 * `notFoundField` is the input path of the id that a 404 refers to.
 */
export function userErrorFromUpstream(error: unknown, notFoundField: string[]): UserError | null {
  const code = errorCodeOf(error);
  if (!(error instanceof GraphQLError)) return null;
  const upstreamCode = error.extensions['upstreamCode'];
  if (code === 'NOT_FOUND' || upstreamCode === 'resource_does_not_exist') {
    return { field: notFoundField, code: 'NOT_FOUND', message: `No such ${describe(notFoundField)} in this Zoho Payments account.` };
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
