/**
 * The default upstream when ZOHO_API_URL is not set: the embedded Zoho Payments sandbox
 * (sandbox/README.md), started in this process on loopback, with what a newcomer needs to query
 * it: the test credentials (which the explorer opens with), an example operation, and a banner.
 */
import { SANDBOX_ACCOUNT_ID } from './fixtures';
import { startSandbox, type RunningSandbox } from './server';

/** The public test token with every scope (`sandbox_read` has READ only). */
export const SANDBOX_TOKEN = 'sandbox_full';

/** The banner's example (curl): the fixtures' card, with its details and session fields. */
export const EXAMPLE_OPERATION = `query PaymentMethod($id: ID!) {
  paymentMethod(id: $id) {
    id
    type
    status
    currency
    createdAt
    customer { id name email }
    details {
      ... on CardDetails { cardholderName last4 expiryMonth expiryYear checks { cvc postalCode addressLine } }
      ... on AchDebitDetails { accountHolderName accountHolderType bankName accountType routingNumber last4 }
    }
    billingAddress { name addressLine1 city state country postalCode }
  }
}
`;
export const EXAMPLE_VARIABLES = { id: '1987000000724211' };

/** The headers a caller sends to use the sandbox's test account. */
export const SANDBOX_CALLER_HEADERS = {
  Authorization: `Zoho-oauthtoken ${SANDBOX_TOKEN}`,
  'X-Zoho-Account-Id': SANDBOX_ACCOUNT_ID,
};

export interface EmbeddedSandbox {
  sandbox: RunningSandbox;
  /** For GatewayDependencies.explorer: GraphiQL opens with the test credentials in its headers editor. */
  explorer: { headers: Record<string, string> };
  /** What `npm start` prints once the gateway listens at `gatewayUrl`. */
  banner: (gatewayUrl: string) => string;
}

export async function startEmbeddedSandbox(port: number): Promise<EmbeddedSandbox> {
  const sandbox = await startSandbox({}, port, '127.0.0.1');
  return {
    sandbox,
    explorer: { headers: SANDBOX_CALLER_HEADERS },
    banner: (gatewayUrl) => {
      const body = JSON.stringify({ query: EXAMPLE_OPERATION.replace(/\s+/g, ' ').trim(), variables: EXAMPLE_VARIABLES });
      return [
        '',
        `Zoho Payments GraphQL gateway: ${gatewayUrl}`,
        `Upstream: the embedded Zoho Payments sandbox at ${sandbox.apiUrl} (set ZOHO_API_URL to use Zoho)`,
        '',
        'Open the URL above in a browser: GraphiQL, served by the gateway itself (it works offline), opens',
        'with these headers filled in and the example operations (examples/operations/) as tabs; its',
        '"Open in Apollo Sandbox" link opens Apollo\'s explorer instead, when you are online.',
        'Send these headers from any other client:',
        `  Authorization: Zoho-oauthtoken ${SANDBOX_TOKEN}    (sandbox_read: the READ scope only)`,
        `  X-Zoho-Account-Id: ${SANDBOX_ACCOUNT_ID}`,
        '',
        'Example:',
        `  curl -s ${gatewayUrl} -H 'content-type: application/json' \\`,
        `    -H 'Authorization: Zoho-oauthtoken ${SANDBOX_TOKEN}' -H 'X-Zoho-Account-Id: ${SANDBOX_ACCOUNT_ID}' \\`,
        `    -d '${body}'`,
        '',
        `Complete a session as a customer would, and inject faults: ${sandbox.origin}/__sandbox/ (sandbox/README.md)`,
        '',
      ].join('\n');
    },
  };
}
