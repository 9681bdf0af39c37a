import type { CustomerResolvers } from '../generated/graphql';

export const Customer: CustomerResolvers = {
  // No Zoho endpoint reads a customer: a reference resolves to its id, and other subgraphs add the rest.
  __resolveReference: (reference) => ({ customer_id: reference.id }),
  id: (customer) => customer.customer_id,
  name: (customer) => customer.customer_name ?? null,
  email: (customer) => customer.customer_email ?? null,
};
