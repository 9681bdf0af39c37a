import type { CardCheckResult, CardChecksResolvers } from '../generated/graphql';
import type { Logger } from '../observability/logger';
import { toOptionalSchemaEnum } from '../mapping/enums';

const RESULTS: readonly CardCheckResult[] = ['PASS', 'FAIL', 'UNAVAILABLE', 'UNCHECKED'];

/** An absent check is UNKNOWN (Zoho did not say: not UNCHECKED); an unrecognised one too, logged once. */
const checkResult = (raw: string | null | undefined, logger: Logger): CardCheckResult =>
  toOptionalSchemaEnum(raw, RESULTS, 'CardCheckResult', logger, 'UNKNOWN') ?? 'UNKNOWN';

export const CardChecks: CardChecksResolvers = {
  addressLine: (checks, _, { logger }) => checkResult(checks.address_line_check, logger),
  postalCode: (checks, _, { logger }) => checkResult(checks.postal_code_check, logger),
  cvc: (checks, _, { logger }) => checkResult(checks.cvc_check, logger),
};
