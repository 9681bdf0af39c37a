/**
 * One GET through the gateway's HTTP client, in a process of its own, for settings Node reads only
 * at start-up (NODE_EXTRA_CA_CERTS). Usage: `node --import tsx test/support/fetch-once.ts <url>`.
 * Prints one JSON line: `{"status":200,"text":"..."}` or `{"reason":"tls","code":"..."}`.
 */
import { createZohoHttpClient } from '../../src/datasources/http-client';
import { UpstreamTransportError } from '../../src/datasources/upstream-failure';

async function main(): Promise<void> {
  const url = process.argv[2];
  if (!url) throw new Error('usage: fetch-once.ts <url>');
  const client = createZohoHttpClient({ baseURL: new URL(url).origin, maxSockets: 1 });
  try {
    const response = await client.fetch(url, { method: 'GET' });
    process.stdout.write(`${JSON.stringify({ status: response.status, text: await response.text() })}\n`);
  } catch (error) {
    if (!(error instanceof UpstreamTransportError)) throw error;
    process.stdout.write(`${JSON.stringify({ reason: error.reason, code: error.code })}\n`);
  } finally {
    client.close();
  }
}

void main();
