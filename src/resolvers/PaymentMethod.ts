import { safeUpstreamCode, upstreamError } from '../errors';
import type { GatewayContext } from '../context';
import type { PaymentMethodResolvers, PaymentMethodStatus, PaymentMethodType } from '../generated/graphql';
import type { ZohoPaymentMethod, ZohoPaymentMethodRef } from '../datasources/zoho-types';
import type { Logger } from '../observability/logger';
import { currencyFromZoho } from '../mapping/currency';
import { toSchemaEnum } from '../mapping/enums';
import { zohoTime } from '../mapping/zoho-time';
import { isZohoId } from '../errors/validation';

const STATUSES: readonly PaymentMethodStatus[] = ['ACTIVE', 'EXPIRED', 'BLOCKED', 'PROCESSING', 'DELETED'];
const TYPES: readonly PaymentMethodType[] = ['CARD', 'ACH_DEBIT'];

export const PaymentMethod: PaymentMethodResolvers = {
  // A reference whose id cannot be a Zoho id names nothing: null, without an upstream call.
  // Async, so a credentials error fails this entity alone (not the router's whole `_entities`).
  __resolveReference: async (reference, ctx) => (isZohoId(reference.id) ? ctx.loaders.paymentMethod.load(reference.id) : null),
  id: (pm) => pm.payment_method_id,
  type: async (pm, _, ctx) => paymentMethodType((pm.type ? pm : await complete(pm, ctx)).type, ctx.logger),
  customer: (pm, _, ctx) => complete(pm, ctx),
  status: async (pm, _, ctx) =>
    toSchemaEnum((pm.status ? pm : await complete(pm, ctx)).status, STATUSES, 'UNKNOWN', 'PaymentMethodStatus', ctx.logger),
  currency: async (pm, _, ctx) => currencyFromZoho((await complete(pm, ctx)).currency, ctx.logger),
  details: async (pm, _, ctx) => {
    const full = await complete(pm, ctx);
    const type = paymentMethodType(full.type, ctx.logger);
    // zoho-types checks that a card method carries `card` and an ACH method `ach_debit`.
    if (type === 'CARD' && full.card) return { __typename: 'CardDetails', ...full.card };
    if (type === 'ACH_DEBIT' && full.ach_debit) return { __typename: 'AchDebitDetails', ...full.ach_debit };
    // Zoho's own name for the type, bounded and masked like upstreamCode: it is an identifier
    // such as "upi", and never the place for a card or routing number.
    if (type === 'UNKNOWN') return { __typename: 'UnknownPaymentMethodDetails', upstreamType: safeUpstreamCode(full.type) ?? '' };
    throw upstreamError(`Zoho sent payment method ${full.payment_method_id} without its ${full.type} details.`);
  },
  billingAddress: async (pm, _, ctx) => (await complete(pm, ctx)).billing_address ?? null,
  createdAt: async (pm, _, ctx) => {
    const createdAt = zohoTime(pm.created_time ?? (await complete(pm, ctx)).created_time);
    if (!createdAt) throw upstreamError(`Zoho sent payment method ${pm.payment_method_id} without a valid created_time.`);
    return createdAt;
  },
  updatedAt: async (pm, _, ctx) => zohoTime((await complete(pm, ctx)).last_modified_time),
};

/** Zoho's payment method type; one Zoho added later is UNKNOWN (logged once), never an error. */
const paymentMethodType = (raw: string | null | undefined, logger: Logger): PaymentMethodType =>
  toSchemaEnum(raw, TYPES, 'UNKNOWN', 'PaymentMethodType', logger);

const isComplete = (pm: ZohoPaymentMethodRef): pm is ZohoPaymentMethod => 'customer_id' in pm;

/**
 * The full payment method. A session carries only a partial one; the rest comes from the payment
 * method endpoint through the request's DataLoader (one call per id per request).
 */
async function complete(pm: ZohoPaymentMethodRef, { loaders }: GatewayContext): Promise<ZohoPaymentMethod> {
  if (isComplete(pm)) return pm;
  const full = await loaders.paymentMethod.load(pm.payment_method_id);
  if (!full) {
    throw upstreamError(`Zoho no longer has payment method ${pm.payment_method_id}, which the session refers to.`);
  }
  return full;
}
