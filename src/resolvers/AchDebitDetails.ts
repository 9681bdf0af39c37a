import type { AccountHolderType, AchDebitDetailsResolvers } from '../generated/graphql';
import { toOptionalSchemaEnum } from '../mapping/enums';

const HOLDER_TYPES: readonly AccountHolderType[] = ['INDIVIDUAL', 'COMPANY'];

export const AchDebitDetails: AchDebitDetailsResolvers = {
  accountHolderName: (ach) => ach.account_holder_name ?? null,
  // Absent is null; a holder type Zoho added later is UNKNOWN (logged once).
  accountHolderType: (ach, _, { logger }) =>
    toOptionalSchemaEnum(ach.account_holder_type, HOLDER_TYPES, 'AccountHolderType', logger, 'UNKNOWN'),
  bankName: (ach) => ach.bank_name ?? null,
  accountType: (ach) => ach.account_type ?? null,
  routingNumber: (ach) => ach.routing_number ?? null,
  last4: (ach) => ach.last_four_digits,
};
