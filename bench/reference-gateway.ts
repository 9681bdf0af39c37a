/**
 * The least a GraphQL gateway on this stack can be, for the bench's one-connection latency
 * comparison (bench/latency-phases.ts): Apollo Server 5 through its integration API
 * (`executeHTTPGraphQLRequest` over node:http), graphql-js, one keep-alive node:http agent to the
 * sandbox, and arm 3's `paymentMethod` mapped from Zoho's JSON in one function. No validation of
 * input or replies, no limits, retries, circuits, budgets, logs, metrics or request scope: none
 * of what makes the real gateway fit for production. What it adds over the minimal proxy (arm 2)
 * is what Apollo Server and graphql-js cost by themselves.
 *
 * Configuration: REFERENCE_PORT (the port to serve), UPSTREAM_ORIGIN (e.g. http://127.0.0.1:4010),
 * REFERENCE_CLIENT (`node:http`, the gateway's own upstream client's base, by default; or `undici`, a
 * Pool, as issue 15's own 60-line reference had).
 */
import http from 'node:http';
import { ApolloServer, HeaderMap } from '@apollo/server';
import { Pool } from 'undici';

const port = Number(process.env['REFERENCE_PORT'] ?? 0);
const upstream = new URL(process.env['UPSTREAM_ORIGIN'] ?? 'http://127.0.0.1:4010');
const agent = new http.Agent({ keepAlive: true, maxSockets: 64 });

const typeDefs = `#graphql
  type Query { paymentMethod(id: ID!): PaymentMethod }
  type PaymentMethod {
    id: ID! type: String! status: String! currency: String createdAt: String! updatedAt: String
    customer: Customer! details: PaymentMethodDetails! billingAddress: BillingAddress
  }
  type Customer { id: ID! name: String email: String }
  union PaymentMethodDetails = CardDetails | AchDebitDetails
  type CardDetails { cardholderName: String last4: String! expiryMonth: Int! expiryYear: Int! checks: CardChecks }
  type CardChecks { cvc: String postalCode: String addressLine: String }
  type AchDebitDetails {
    accountHolderName: String accountHolderType: String bankName: String accountType: String routingNumber: String last4: String!
  }
  type BillingAddress {
    name: String addressLine1: String addressLine2: String city: String state: String country: String! postalCode: String
  }
`;

type Json = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any

/** GET one Zoho payment method with the caller's own headers. */
function zohoPaymentMethodOverNodeHttp(id: string, headers: http.IncomingHttpHeaders): Promise<Json> {
  return new Promise((resolve, reject) => {
    const path = `/api/v1/paymentmethods/${encodeURIComponent(id)}?account_id=${encodeURIComponent(String(headers['x-zoho-account-id']))}`;
    const req = http.request(
      { host: upstream.hostname, port: upstream.port, path, agent, headers: { authorization: headers.authorization, accept: 'application/json' } },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (chunk: Buffer) => chunks.push(chunk));
        res.on('end', () => resolve(JSON.parse(Buffer.concat(chunks).toString('utf8')) as Json));
      },
    );
    req.on('error', reject);
    req.end();
  });
}

const pool = new Pool(upstream.origin, { connections: 64 });

async function zohoPaymentMethodOverUndici(id: string, headers: http.IncomingHttpHeaders): Promise<Json> {
  const path = `/api/v1/paymentmethods/${encodeURIComponent(id)}?account_id=${encodeURIComponent(String(headers['x-zoho-account-id']))}`;
  const { body } = await pool.request({ method: 'GET', path, headers: { authorization: String(headers.authorization), accept: 'application/json' } });
  return (await body.json()) as Json;
}

const zohoPaymentMethod = process.env['REFERENCE_CLIENT'] === 'undici' ? zohoPaymentMethodOverUndici : zohoPaymentMethodOverNodeHttp;

const time = (seconds: unknown) => (typeof seconds === 'number' ? new Date(seconds * 1000).toISOString() : null);

function paymentMethod(pm: Json): Json {
  const card = pm['card'] as Json | undefined;
  const ach = pm['ach_debit'] as Json | undefined;
  const address = pm['billing_address'] as Json | undefined;
  return {
    id: pm['payment_method_id'],
    type: String(pm['type']).toUpperCase(),
    status: String(pm['status']).toUpperCase(),
    currency: pm['currency'] ?? null,
    createdAt: time(pm['created_time']),
    updatedAt: time(pm['last_modified_time']),
    customer: { id: pm['customer_id'], name: pm['customer_name'] ?? null, email: pm['customer_email'] ?? null },
    details: card
      ? {
          __typename: 'CardDetails',
          cardholderName: card['card_holder_name'] ?? null,
          last4: card['last_four_digits'],
          expiryMonth: Number(card['expiry_month']),
          expiryYear: Number(card['expiry_year']),
          checks: card['card_checks']
            ? { cvc: card['card_checks']['cvc_check'], postalCode: card['card_checks']['postal_code_check'], addressLine: card['card_checks']['address_line_check'] }
            : null,
        }
      : {
          __typename: 'AchDebitDetails',
          accountHolderName: ach?.['account_holder_name'] ?? null,
          accountHolderType: ach?.['account_holder_type'] ?? null,
          bankName: ach?.['bank_name'] ?? null,
          accountType: ach?.['account_type'] ?? null,
          routingNumber: ach?.['routing_number'] ?? null,
          last4: ach?.['last_four_digits'],
        },
    billingAddress: address && {
      name: address['name'] ?? null,
      addressLine1: address['address_line1'] ?? null,
      addressLine2: address['address_line2'] ?? null,
      city: address['city'] ?? null,
      state: address['state'] ?? null,
      country: address['country'],
      postalCode: address['postal_code'] ?? null,
    },
  };
}

const apollo = new ApolloServer<{ headers: http.IncomingHttpHeaders }>({
  typeDefs,
  resolvers: {
    Query: {
      paymentMethod: async (_: unknown, { id }: { id: string }, { headers }: { headers: http.IncomingHttpHeaders }) =>
        paymentMethod((await zohoPaymentMethod(id, headers))['payment_method'] as Json),
    },
  },
});

async function main(): Promise<void> {
  await apollo.start();
  const server = http.createServer((req, res) => {
    if (req.url?.startsWith('/readyz')) {
      res.end('ok');
      return;
    }
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      const headers = new HeaderMap();
      for (const [name, value] of Object.entries(req.headers)) if (typeof value === 'string') headers.set(name, value);
      void apollo
        .executeHTTPGraphQLRequest({
          httpGraphQLRequest: { method: req.method ?? 'POST', headers, search: '', body: JSON.parse(Buffer.concat(chunks).toString('utf8')) },
          context: async () => ({ headers: req.headers }),
        })
        .then((response) => {
          res.writeHead(response.status ?? 200, Object.fromEntries(response.headers));
          res.end(response.body.kind === 'complete' ? response.body.string : '');
        });
    });
  });
  server.keepAliveTimeout = 65_000;
  server.listen(port, '127.0.0.1');
  process.on('SIGTERM', () => server.close(() => process.exit(0)));
}

void main();
