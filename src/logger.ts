/**
 * Structured logging (pino), configured once here so that no log line carries a secret, whatever
 * the call site passes in:
 * - by path: `authorization`, tokens, card and account numbers wherever they sit in an object;
 * - by shape: every string (the message, every value, every error's message and stack) goes
 *   through redactSecrets (redaction.ts), which masks OAuth tokens, card numbers and routing
 *   numbers, and the request's own token whatever its shape.
 * Every line written while a request runs carries its `requestId` (request-scope.ts).
 */
import pino, { stdSerializers, type DestinationStream, type Logger } from 'pino';
import { redactSecrets } from './redaction';
import { currentRequestScope } from './request-scope';

export type { Logger };

/** Paths pino replaces with "[Redacted]" wherever they appear in a logged object. */
export const REDACTED_PATHS = [
  'authorization',
  'token',
  '*.authorization',
  '*.token',
  'req.headers.authorization',
  'headers.authorization',
  'request.headers.authorization',
  'card.number',
  '*.card.number',
  'accountNumber',
  '*.accountNumber',
  'account_number',
  '*.account_number',
  'routing_number',
  '*.routing_number',
  'routingNumber',
  '*.routingNumber',
];

/** A copy of a logged value with every string redacted (errors serialized first), depth-bounded. */
function redactValue(value: unknown, depth = 0): unknown {
  if (typeof value === 'string') return redactSecrets(value, currentRequestScope()?.secrets);
  if (depth > 8 || value === null || typeof value !== 'object') return value;
  if (value instanceof Error) return redactValue(stdSerializers.err(value), depth + 1);
  if (Array.isArray(value)) return value.map((item) => redactValue(item, depth + 1));
  return Object.fromEntries(Object.entries(value).map(([key, item]) => [key, redactValue(item, depth + 1)]));
}

export function createLogger(
  options: { level?: string; name?: string } = {},
  destination?: DestinationStream,
): Logger {
  return pino(
    {
      name: options.name ?? 'zoho-payments-gateway',
      level: options.level ?? 'info',
      redact: { paths: REDACTED_PATHS, censor: '[Redacted]' },
      mixin: () => {
        const scope = currentRequestScope();
        return scope ? { requestId: scope.requestId } : {};
      },
      // `err` keeps pino's own serializer (its type stays the error's class), redacted after it.
      serializers: { err: (error: unknown) => redactValue(error instanceof Error ? stdSerializers.err(error) : error) },
      formatters: {
        log: (object) => {
          // The request id was checked to hold no secret when it was chosen (request-scope.ts); a
          // random UUID's digits can look like a card number, and masking them would break it.
          const { err, requestId, ...rest } = object;
          const redacted = redactValue(rest) as Record<string, unknown>;
          return {
            ...(requestId !== undefined && { requestId }),
            ...redacted,
            ...(err !== undefined && { err: err instanceof Error ? err : redactValue(err) }),
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
