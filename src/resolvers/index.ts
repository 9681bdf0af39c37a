/** Merges the per-type resolver files into the one Resolvers object the schema is built with. */
import { CountryCodeResolver, CurrencyResolver, DateTimeResolver } from 'graphql-scalars';
import type { Resolvers } from '../generated/graphql';
import { AchDebitDetails } from './AchDebitDetails';
import { BillingAddress } from './BillingAddress';
import { CardChecks } from './CardChecks';
import { CardDetails } from './CardDetails';
import { Customer } from './Customer';
import { Mutation } from './Mutation';
import { PaymentMethod } from './PaymentMethod';
import { PaymentMethodSession } from './PaymentMethodSession';
import { Query } from './Query';

export const resolvers: Resolvers = {
  DateTime: DateTimeResolver,
  CountryCode: CountryCodeResolver,
  Currency: CurrencyResolver,
  Query,
  Mutation,
  PaymentMethodSession,
  PaymentMethod,
  CardDetails,
  CardChecks,
  AchDebitDetails,
  BillingAddress,
  Customer,
};
