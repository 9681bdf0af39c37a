/**
 * `npm run sandbox`: serves the Zoho Payments sandbox alone (README.md in this folder).
 * Configuration: SANDBOX_PORT (4010), SANDBOX_HOST (127.0.0.1), SANDBOX_TIME_UNIT (seconds),
 * SANDBOX_RATE_LIMIT (0 = off).
 */
import { z } from 'zod';
import { SANDBOX_ACCOUNT_ID } from './fixtures';
import { startSandbox } from './server';

const envSchema = z.object({
  SANDBOX_PORT: z.coerce.number().int().min(0).max(65535).default(4010),
  SANDBOX_HOST: z.string().min(1).default('127.0.0.1'),
  SANDBOX_TIME_UNIT: z.enum(['seconds', 'milliseconds']).default('seconds'),
  SANDBOX_RATE_LIMIT: z.coerce.number().int().min(0).default(0),
});

async function main(): Promise<void> {
  const present = Object.fromEntries(Object.entries(process.env).filter(([, value]) => value !== ''));
  const parsed = envSchema.safeParse(present);
  if (!parsed.success) {
    const problems = parsed.error.issues.map((issue) => `${issue.path.join('.')}: ${issue.message}`);
    throw new Error(`Invalid configuration. ${problems.join('; ')}`);
  }
  const env = parsed.data;
  const sandbox = await startSandbox(
    { timeUnit: env.SANDBOX_TIME_UNIT, rateLimitPerMinute: env.SANDBOX_RATE_LIMIT },
    env.SANDBOX_PORT,
    env.SANDBOX_HOST,
  );
  process.stdout.write(
    [
      `Zoho Payments sandbox listening at ${sandbox.apiUrl}`,
      `  tokens:  sandbox_full (all scopes), sandbox_read (READ only)`,
      `  account: ${SANDBOX_ACCOUNT_ID}`,
      `  try:     curl -s '${sandbox.apiUrl}/paymentmethods/1987000000724211?account_id=${SANDBOX_ACCOUNT_ID}' -H 'Authorization: Zoho-oauthtoken sandbox_full'`,
      `  control: ${sandbox.origin}/__sandbox/ (reset, seed, complete a session, faults: see sandbox/README.md)`,
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
