/**
 * The example queries through urql (`@urql/core`, no React). urql sends queries as GET by default
 * (`preferGetMethod: 'within-url-limit'`), and a GET carries no header that Apollo Server's CSRF
 * prevention accepts, so the gateway refuses it (400). Either setting below makes it work:
 * - `csrf: 'preflight-header'` sends `apollo-require-preflight: true` (GET stays, cacheable by URL);
 * - `csrf: 'post'` sends every operation as a POST with `content-type: application/json`.
 * test/client/client.test.ts runs all three against a real gateway.
 */
import { Client, fetchExchange, type CombinedError } from '@urql/core';
import { PaymentMethodSessionDocument, type PaymentMethodSessionQuery, type PaymentMethodSessionQueryVariables } from '../generated/graphql';
import { gatewayHeaders } from './apollo-client';

export interface UrqlOptions {
  url: string;
  token: string;
  accountId: string;
  /** How to get past CSRF prevention; `'none'` is urql's default, which the gateway refuses for GET. */
  csrf: 'preflight-header' | 'post' | 'none';
  fetch?: typeof fetch;
}

export function createUrqlClient(options: UrqlOptions): Client {
  const headers = {
    ...gatewayHeaders(options.token, options.accountId),
    ...(options.csrf === 'preflight-header' && { 'apollo-require-preflight': 'true' }),
  };
  return new Client({
    url: options.url,
    exchanges: [fetchExchange],
    // A payments screen shows what Zoho holds now.
    requestPolicy: 'network-only',
    ...(options.csrf === 'post' && { preferGetMethod: false }),
    fetchOptions: () => ({ headers }),
    ...(options.fetch && { fetch: options.fetch }),
  });
}

/** urql reports failures in the result (`error`) rather than throwing. */
export async function paymentMethodSession(
  client: Client,
  variables: PaymentMethodSessionQueryVariables,
): Promise<{ session: PaymentMethodSessionQuery['paymentMethodSession']; error: CombinedError | undefined }> {
  const result = await client.query(PaymentMethodSessionDocument, variables).toPromise();
  return { session: result.data?.paymentMethodSession ?? null, error: result.error };
}
