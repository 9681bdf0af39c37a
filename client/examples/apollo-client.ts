/**
 * The example operations through Apollo Client (core: `@apollo/client` with `HttpLink`, no
 * React), as a frontend calls the gateway: the caller's Zoho headers on every request, the typed
 * documents of client/generated/ (results and variables are inferred from them), and optionally
 * automatic persisted queries (APQ) with a SHA-256 from Web Crypto (browsers and Node alike).
 * test/client/client.test.ts typechecks this file with client/tsconfig.json and runs it against
 * a real gateway on the sandbox.
 */
import { ApolloClient, HttpLink, InMemoryCache, type ApolloLink } from '@apollo/client';
import { PersistedQueryLink } from '@apollo/client/link/persisted-queries';
import {
  CreatePaymentMethodSessionDocument,
  DeletePaymentMethodDocument,
  PaymentMethodDocument,
  PaymentMethodsDocument,
  PaymentMethodSessionDocument,
  UpdatePaymentMethodDocument,
  type CreatePaymentMethodSessionMutationVariables,
  type DeletePaymentMethodMutationVariables,
  type PaymentMethodQueryVariables,
  type PaymentMethodSessionQueryVariables,
  type PaymentMethodsQueryVariables,
  type UpdatePaymentMethodMutationVariables,
} from '../generated/graphql';

export interface GatewayOptions {
  /** e.g. `http://localhost:4000/graphql`. */
  url: string;
  /** The caller's Zoho OAuth token (the sandbox's: `sandbox_full`), sent as `Zoho-oauthtoken <token>`. */
  token: string;
  /** The caller's Zoho Payments account id (the sandbox's: `1000000001`). */
  accountId: string;
  /** Send a hash first and the query only when the gateway does not know it yet (APQ). */
  persistedQueries?: boolean;
  /**
   * Send queries as GET (cacheable by URL). Apollo Client sends `content-type: application/json`
   * even on a GET, which the gateway's CSRF prevention accepts: no extra header needed.
   */
  useGETForQueries?: boolean;
  /** Another fetch (a test's recorder, a polyfill); default: the global one. */
  fetch?: typeof fetch;
}

/** The two headers every request carries (README, Authentication). */
export function gatewayHeaders(token: string, accountId: string): Record<string, string> {
  return { authorization: `Zoho-oauthtoken ${token}`, 'x-zoho-account-id': accountId };
}

/** SHA-256 of a query, hex, as APQ wants it: Web Crypto, in every browser and in Node. */
export async function sha256(text: string): Promise<string> {
  const digest = await crypto.subtle.digest('SHA-256', new TextEncoder().encode(text));
  return [...new Uint8Array(digest)].map((byte) => byte.toString(16).padStart(2, '0')).join('');
}

export function createApolloClient(options: GatewayOptions): ApolloClient {
  const http: ApolloLink = new HttpLink({
    uri: options.url,
    headers: gatewayHeaders(options.token, options.accountId),
    useGETForQueries: options.useGETForQueries ?? false,
    ...(options.fetch && { fetch: options.fetch }),
  });
  return new ApolloClient({
    link: options.persistedQueries ? new PersistedQueryLink({ sha256 }).concat(http) : http,
    // Every entity is keyed by `id` (the default), so an update's answer refreshes what was read.
    cache: new InMemoryCache(),
    // A payments screen shows what Zoho holds now; a query goes to the gateway each time.
    defaultOptions: { query: { fetchPolicy: 'network-only' } },
  });
}

// One function per example operation: what a frontend's data layer would hold. Each throws on
// a GraphQL error (Apollo's default errorPolicy), and returns the typed data.

export async function paymentMethod(client: ApolloClient, variables: PaymentMethodQueryVariables) {
  const { data } = await client.query({ query: PaymentMethodDocument, variables });
  return data?.paymentMethod ?? null;
}

export async function paymentMethods(client: ApolloClient, variables: PaymentMethodsQueryVariables) {
  const { data } = await client.query({ query: PaymentMethodsDocument, variables });
  return data?.paymentMethods ?? [];
}

export async function paymentMethodSession(client: ApolloClient, variables: PaymentMethodSessionQueryVariables) {
  const { data } = await client.query({ query: PaymentMethodSessionDocument, variables });
  return data?.paymentMethodSession ?? null;
}

/** The payload: `paymentMethodSession`, or `userErrors` saying what to fix. */
export async function createPaymentMethodSession(client: ApolloClient, variables: CreatePaymentMethodSessionMutationVariables) {
  const { data } = await client.mutate({ mutation: CreatePaymentMethodSessionDocument, variables });
  if (!data) throw new Error('createPaymentMethodSession answered no data');
  return data.createPaymentMethodSession;
}

export async function updatePaymentMethod(client: ApolloClient, variables: UpdatePaymentMethodMutationVariables) {
  const { data } = await client.mutate({ mutation: UpdatePaymentMethodDocument, variables });
  if (!data) throw new Error('updatePaymentMethod answered no data');
  return data.updatePaymentMethod;
}

export async function deletePaymentMethod(client: ApolloClient, variables: DeletePaymentMethodMutationVariables) {
  const { data } = await client.mutate({ mutation: DeletePaymentMethodDocument, variables });
  if (!data) throw new Error('deletePaymentMethod answered no data');
  return data.deletePaymentMethod;
}

/** How a screen shows a payment method's details: the union's members, and a default for one added later. */
export function describeDetails(details: NonNullable<Awaited<ReturnType<typeof paymentMethod>>>['details']): string {
  switch (details.__typename) {
    case 'CardDetails':
      return `card ending ${details.last4}, expires ${String(details.expiryMonth).padStart(2, '0')}/${details.expiryYear}`;
    case 'AchDebitDetails':
      return `bank account ending ${details.last4}`;
    case 'UnknownPaymentMethodDetails':
      return `another payment method (${details.upstreamType})`;
    default:
      // A member this client was generated before: the union may grow (README, Values that grow).
      return 'another payment method';
  }
}
