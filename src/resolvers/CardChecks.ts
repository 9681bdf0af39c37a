import type { CardCheckResult, CardChecksResolvers } from '../generated/graphql';
import { toSchemaEnum } from '../mapping/enums';

const RESULTS: readonly CardCheckResult[] = ['PASS', 'FAIL', 'UNAVAILABLE', 'UNCHECKED'];

// An absent or unknown result reads as UNCHECKED (the enum has no UNKNOWN; unknown ones are logged).
export const CardChecks: CardChecksResolvers = {
  addressLine: (checks, _, { logger }) =>
    checks.address_line_check ? toSchemaEnum(checks.address_line_check, RESULTS, 'UNCHECKED', 'CardCheckResult', logger) : 'UNCHECKED',
  postalCode: (checks, _, { logger }) =>
    checks.postal_code_check ? toSchemaEnum(checks.postal_code_check, RESULTS, 'UNCHECKED', 'CardCheckResult', logger) : 'UNCHECKED',
  cvc: (checks, _, { logger }) =>
    checks.cvc_check ? toSchemaEnum(checks.cvc_check, RESULTS, 'UNCHECKED', 'CardCheckResult', logger) : 'UNCHECKED',
};
