/**
 * The per-request DataLoaders: every read of a payment method or session in one GraphQL request
 * (root queries, a session's payment method, federation references) goes through them, so each id
 * is fetched from Zoho at most once per request. Zoho has no batch endpoint: a batch becomes
 * concurrent single GETs.
 */
import DataLoader from 'dataloader';
import type { ZohoPaymentsAPI } from './ZohoPaymentsAPI';
import type { ZohoPaymentMethod, ZohoPaymentMethodSession } from './zoho-types';

export interface Loaders {
  /** Payment methods by id; null where Zoho has none. */
  paymentMethod: DataLoader<string, ZohoPaymentMethod | null>;
  /** Payment method sessions by id; null where Zoho has none. */
  paymentMethodSession: DataLoader<string, ZohoPaymentMethodSession | null>;
}

export function createLoaders(api: ZohoPaymentsAPI): Loaders {
  return {
    paymentMethod: new DataLoader((ids) => loadEach(ids, (id) => api.getPaymentMethod(id))),
    paymentMethodSession: new DataLoader((ids) => loadEach(ids, (id) => api.getPaymentMethodSession(id))),
  };
}

/** Loads every key concurrently; a failed key yields its own error, not the whole batch's. */
function loadEach<V>(ids: readonly string[], load: (id: string) => Promise<V>): Promise<Array<V | Error>> {
  return Promise.all(
    ids.map((id) => load(id).catch((error: unknown) => (error instanceof Error ? error : new Error(String(error))))),
  );
}
