/**
 * Structured logging (pino). Redaction is configured once here, so that no log line carries a
 * caller's OAuth token, whatever the call site passes in.
 */
import pino, { type DestinationStream, type Logger } from 'pino';

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
];

export function createLogger(
  options: { level?: string; name?: string } = {},
  destination?: DestinationStream,
): Logger {
  return pino(
    {
      name: options.name ?? 'zoho-payments-gateway',
      level: options.level ?? 'info',
      redact: { paths: REDACTED_PATHS, censor: '[Redacted]' },
    },
    destination,
  );
}
