/**
 * The sandbox's configuration when it runs alone (`npm run sandbox`): environment variables ->
 * typed settings, with a message naming each bad variable.
 */
import { z } from 'zod';

const envSchema = z.object({
  SANDBOX_PORT: z.coerce.number().int().min(0).max(65535).default(4010),
  SANDBOX_HOST: z.string().min(1).default('127.0.0.1'),
  SANDBOX_TIME_UNIT: z.enum(['seconds', 'milliseconds']).default('seconds'),
  SANDBOX_RATE_LIMIT: z.coerce.number().int().min(0).default(0),
  /** Strict mode (README.md): `true` (default, as Zoho) or `false`. */
  SANDBOX_STRICT: z
    .enum(['true', 'false'])
    .default('true')
    .transform((value) => value === 'true'),
});

/** Every environment variable the sandbox reads. */
export const SANDBOX_VARIABLES: readonly string[] = Object.keys(envSchema.shape);

export type SandboxEnv = z.infer<typeof envSchema>;

/** Reads and validates the sandbox's variables (an empty one counts as unset). */
export function loadSandboxEnv(env: NodeJS.ProcessEnv = process.env): SandboxEnv {
  const present = Object.fromEntries(Object.entries(env).filter(([, value]) => value !== ''));
  const parsed = envSchema.safeParse(present);
  if (!parsed.success) {
    const problems = parsed.error.issues.map((issue) => `${issue.path.join('.')}: ${issue.message}`);
    throw new Error(`Invalid configuration. ${problems.join('; ')}`);
  }
  return parsed.data;
}
