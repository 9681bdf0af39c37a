/**
 * `npm run sandbox`: serves the Zoho Payments sandbox alone (README.md in this folder).
 * Configuration: SANDBOX_PORT (4010), SANDBOX_HOST (127.0.0.1), SANDBOX_TIME_UNIT (seconds),
 * SANDBOX_RATE_LIMIT (0 = off), SANDBOX_STRICT (true).
 */
import { loadSandboxEnv } from './config';
import { DEFAULT_FIXTURES, SANDBOX_ACCOUNT_ID } from './fixtures';
import { startSandbox } from './server';

async function main(): Promise<void> {
  const env = loadSandboxEnv();
  const sandbox = await startSandbox(
    { timeUnit: env.SANDBOX_TIME_UNIT, rateLimitPerMinute: env.SANDBOX_RATE_LIMIT, strict: env.SANDBOX_STRICT },
    env.SANDBOX_PORT,
    env.SANDBOX_HOST,
  );
  process.stdout.write(
    [
      `Zoho Payments sandbox listening at ${sandbox.apiUrl}`,
      `  tokens:  sandbox_full (all scopes), sandbox_read (READ only)`,
      `  account: ${SANDBOX_ACCOUNT_ID}, with customers ${(DEFAULT_FIXTURES.customers ?? []).map((c) => `${c.customer_id}${c.customer_name ? ` (${c.customer_name})` : ''}`).join(', ')}`,
      `  strict:  ${env.SANDBOX_STRICT ? 'on, as Zoho: unknown customers and body fields are refused (SANDBOX_STRICT=false, or PUT /__sandbox/strict, to relax)' : 'off: unknown customers are registered, unknown body fields ignored'}`,
      `  try:     curl -s '${sandbox.apiUrl}/paymentmethods/1987000000724211?account_id=${SANDBOX_ACCOUNT_ID}' -H 'Authorization: Zoho-oauthtoken sandbox_full'`,
      `  control: ${sandbox.origin}/__sandbox/ (reset, seed, complete a session, clock, faults: see sandbox/README.md)`,
      '',
    ].join('\n'),
  );
  const stop = () => {
    sandbox.close().then(() => process.exit(0), () => process.exit(1));
  };
  process.on('SIGTERM', stop);
  process.on('SIGINT', stop);
}

main().catch((error: unknown) => {
  process.stderr.write(`${error instanceof Error ? error.message : String(error)}\n`);
  process.exit(1);
});
