import type { CustomerResolvers } from '../generated/graphql';
import { isZohoId } from '../errors/validation';

export const Customer: CustomerResolvers = {
  // No Zoho endpoint reads a customer: a reference resolves to its id, and other subgraphs add the
  // rest. An id that cannot be a Zoho id names no customer: null, as for the other entities.
  __resolveReference: (reference) => (isZohoId(reference.id) ? { customer_id: reference.id } : null),
  id: (customer) => customer.customer_id,
  name: (customer) => customer.customer_name ?? null,
  email: (customer) => customer.customer_email ?? null,
};
