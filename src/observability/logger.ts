/**
 * Structured logging (pino), configured once here so that no log line carries a secret, whatever
 * the call site passes in:
 * - by key: `authorization`, tokens, card and account numbers wherever they sit in an object;
 * - by shape: every string (the message, every value, every error's message and stack) goes
 *   through redactSecrets (redaction.ts), which masks OAuth tokens, card numbers and routing
 *   numbers, and the request's own token whatever its shape.
 * Every line written while a request runs carries its `requestId` (request-scope.ts).
 */
import pino, { stdSerializers, type DestinationStream, type Logger } from 'pino';
import { redactSecrets } from './redaction';
import { currentRequestScope } from '../http/request-scope';

export type { Logger };

/**
 * Keys whose values are replaced with "[Redacted]" wherever they appear in a logged object, at
 * any depth (`number` only inside a `card`). One walk does this and the redaction by shape; it
 * replaced pino's own path redaction, which cost as much again per line (bench/README.md).
 */
export const REDACTED_KEYS: ReadonlySet<string> = new Set([
  'authorization',
  'token',
  'accountNumber',
  'account_number',
  'routing_number',
  'routingNumber',
]);

const REDACTED = '[Redacted]';

/**
 * A copy of a logged value with secret keys replaced and every string redacted by shape (errors
 * serialized first), depth-bounded.
 */
function redactValue(value: unknown, secrets: readonly string[] | undefined, depth = 0, parentKey?: string): unknown {
  if (typeof value === 'string') return redactSecrets(value, secrets);
  if (depth > 8 || value === null || typeof value !== 'object') return value;
  if (value instanceof Error) return redactValue(stdSerializers.err(value), secrets, depth + 1);
  if (Array.isArray(value)) return value.map((item) => redactValue(item, secrets, depth + 1));
  const copy: Record<string, unknown> = {};
  for (const key of Object.keys(value)) {
    const item = (value as Record<string, unknown>)[key];
    copy[key] =
      REDACTED_KEYS.has(key) || (key === 'number' && parentKey === 'card') ? REDACTED : redactValue(item, secrets, depth + 1, key);
  }
  return copy;
}

export function createLogger(
  options: { level?: string; name?: string } = {},
  destination?: DestinationStream,
): Logger {
  return pino(
    {
      name: options.name ?? 'zoho-payments-gateway',
      level: options.level ?? 'info',
      mixin: () => {
        const scope = currentRequestScope();
        return scope ? { requestId: scope.requestId } : {};
      },
      // `err` keeps pino's own serializer (its type stays the error's class), redacted after it.
      serializers: {
        err: (error: unknown) => redactValue(error instanceof Error ? stdSerializers.err(error) : error, currentRequestScope()?.secrets),
      },
      formatters: {
        log: (object) => {
          // The request id was checked to hold no secret when it was chosen (request-scope.ts); a
          // random UUID's digits can look like a card number, and masking them would break it.
          const { err, requestId, ...rest } = object;
          const secrets = currentRequestScope()?.secrets;
          const redacted = redactValue(rest, secrets) as Record<string, unknown>;
          return {
            ...(requestId !== undefined && { requestId }),
            ...redacted,
            ...(err !== undefined && { err: err instanceof Error ? err : redactValue(err, secrets) }),
          };
        },
      },
      hooks: {
        logMethod(args, method) {
          const secrets = currentRequestScope()?.secrets;
          method.apply(this, args.map((arg) => (typeof arg === 'string' ? redactSecrets(arg, secrets) : arg)) as Parameters<typeof method>);
        },
      },
    },
    destination,
  );
}
