import type { PaymentMethodSessionResolvers, PaymentMethodSessionStatus } from '../generated/graphql';
import { toSchemaEnum } from '../mapping/enums';
import { zohoTime } from '../mapping/zoho-time';
import { isZohoId } from '../errors/validation';

const STATUSES: readonly PaymentMethodSessionStatus[] = ['CREATED', 'SUCCEEDED', 'FAILED', 'EXPIRED'];

export const PaymentMethodSession: PaymentMethodSessionResolvers = {
  // Async, so a credentials error fails this entity alone (not the router's whole `_entities`).
  __resolveReference: async (reference, ctx) => (isZohoId(reference.id) ? ctx.loaders.paymentMethodSession.load(reference.id) : null),
  id: (session) => session.payment_method_session_id,
  customer: (session) => session,
  description: (session) => session.description ?? null,
  status: (session, _, { logger }) =>
    toSchemaEnum(session.status, STATUSES, 'UNKNOWN', 'PaymentMethodSessionStatus', logger),
  createdAt: (session) => zohoTime(session.created_time),
  // Partial (id, type, status, created time): PaymentMethod loads the rest when asked for it.
  paymentMethod: (session) => session.payment_method ?? null,
};
