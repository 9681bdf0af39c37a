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
  // Each field reads the full method synchronously when it has it (a payment method query): a
  // promise per field would cost graphql-js a microtask and a promise-for-object each.
  type: (pm, _, ctx) => (pm.type ? paymentMethodType(pm.type, ctx.logger) : withFull(pm, ctx, (full) => paymentMethodType(full.type, ctx.logger))),
  customer: (pm, _, ctx) => withFull(pm, ctx, (full) => full),
  status: (pm, _, ctx) =>
    pm.status ? paymentMethodStatus(pm.status, ctx.logger) : withFull(pm, ctx, (full) => paymentMethodStatus(full.status, ctx.logger)),
  currency: (pm, _, ctx) => withFull(pm, ctx, (full) => currencyFromZoho(full.currency, ctx.logger)),
  details: (pm, _, ctx) =>
    withFull(pm, ctx, (full) => {
      const type = paymentMethodType(full.type, ctx.logger);
      // zoho-types checks that a card method carries `card` and an ACH method `ach_debit`.
      if (type === 'CARD' && full.card) return { __typename: 'CardDetails' as const, ...full.card };
      if (type === 'ACH_DEBIT' && full.ach_debit) return { __typename: 'AchDebitDetails' as const, ...full.ach_debit };
      // Zoho's own name for the type, bounded and masked like upstreamCode: it is an identifier
      // such as "upi", and never the place for a card or routing number.
      if (type === 'UNKNOWN') return { __typename: 'UnknownPaymentMethodDetails' as const, upstreamType: safeUpstreamCode(full.type) ?? '' };
      throw upstreamError(`Zoho sent payment method ${full.payment_method_id} without its ${full.type} details.`);
    }),
  billingAddress: (pm, _, ctx) => withFull(pm, ctx, (full) => full.billing_address ?? null),
  createdAt: (pm, _, ctx) => {
    const createdAt = (time: Parameters<typeof zohoTime>[0]) => {
      const at = zohoTime(time);
      if (!at) throw upstreamError(`Zoho sent payment method ${pm.payment_method_id} without a valid created_time.`);
      return at;
    };
    return pm.created_time != null ? createdAt(pm.created_time) : withFull(pm, ctx, (full) => createdAt(full.created_time));
  },
  updatedAt: (pm, _, ctx) => withFull(pm, ctx, (full) => zohoTime(full.last_modified_time)),
};

/** Zoho's payment method type; one Zoho added later is UNKNOWN (logged once), never an error. */
const paymentMethodType = (raw: string | null | undefined, logger: Logger): PaymentMethodType =>
  toSchemaEnum(raw, TYPES, 'UNKNOWN', 'PaymentMethodType', logger);

const paymentMethodStatus = (raw: string | null | undefined, logger: Logger): PaymentMethodStatus =>
  toSchemaEnum(raw, STATUSES, 'UNKNOWN', 'PaymentMethodStatus', logger);

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

/** `read` of the full payment method: at once when `pm` is complete, else once the request's loader has it. */
function withFull<T>(pm: ZohoPaymentMethodRef, ctx: GatewayContext, read: (full: ZohoPaymentMethod) => T): T | Promise<T> {
  return isComplete(pm) ? read(pm) : complete(pm, ctx).then(read);
}
