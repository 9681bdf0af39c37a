import type { BillingAddressResolvers } from '../generated/graphql';

export const BillingAddress: BillingAddressResolvers = {
  name: (address) => address.name ?? null,
  addressLine1: (address) => address.address_line1 ?? null,
  addressLine2: (address) => address.address_line2 ?? null,
  city: (address) => address.city ?? null,
  state: (address) => address.state ?? null,
  country: (address) => address.country.toUpperCase(),
  postalCode: (address) => address.postal_code ?? null,
};
