/**
 * Structured logging (pino), configured once here so that no log line carries a secret, whatever
 * the call site passes in:
 * - by key: `authorization`, tokens, card and account numbers wherever they sit in an object;
 * - by shape: every string (the message, every value, every error's message and stack) goes
 *   through redactSecrets (redaction.ts), which masks OAuth tokens, card numbers and routing
 *   numbers, and the request's own token whatever its shape.
 * Every line written while a request runs carries its `requestId` (request-scope.ts).
 *
 * Lines go to stdout asynchronously and in batches: the event loop appends them to a buffer, and
 * a write (off the loop, in libuv's thread pool) takes at least 4 kB of them, or whatever has
 * gathered every 250 ms. A busy gateway makes one write per dozen lines instead of a blocking
 * write per line (a write is a syscall, tens of microseconds on a small VM). Before the process
 * exits on purpose, `await flushLogs()` waits until every line is out; pino's own exit hook
 * writes what is still buffered when the process exits without it.
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
  // An ioredis error's command, with its arguments: AUTH's (and HELLO's) carry the Redis password.
  'command',
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

/**
 * The most stdout may hold unwritten (a log reader that stops reading): past it, lines are
 * dropped, and said so once on stderr, rather than growing the heap without bound.
 */
const STDOUT_BUFFER_LIMIT_BYTES = 16 * 1024 * 1024;
/** A write takes at least this much (or what there is, every STDOUT_FLUSH_EVERY_MS). */
const STDOUT_BATCH_BYTES = 4096;
const STDOUT_FLUSH_EVERY_MS = 250;

type StdoutDestination = ReturnType<typeof pino.destination>;

/** One asynchronous writer for the process's stdout, shared by every logger (two would interleave). */
let stdout: StdoutDestination | undefined;

function stdoutDestination(): StdoutDestination {
  if (!stdout) {
    const destination = pino.destination({
      dest: 1,
      sync: false,
      minLength: STDOUT_BATCH_BYTES,
      periodicFlush: STDOUT_FLUSH_EVERY_MS,
      maxLength: STDOUT_BUFFER_LIMIT_BYTES,
    });
    destination.once('drop', () => {
      process.stderr.write(`log lines dropped: stdout has not kept up (more than ${STDOUT_BUFFER_LIMIT_BYTES} bytes waiting)\n`);
    });
    stdout = destination;
  }
  return stdout;
}

/**
 * Resolves once every line logged to stdout so far has been written (or after `timeoutMs`, so a
 * stuck stdout never holds a shutdown). Call it before `process.exit` on a planned exit.
 */
export function flushLogs(timeoutMs = 2000): Promise<void> {
  const destination = stdout;
  if (!destination) return Promise.resolve();
  return new Promise((resolve) => {
    const timer = setTimeout(resolve, timeoutMs);
    timer.unref();
    // Writes what is buffered and calls back once the last write is done (its fsync error, on a
    // pipe or /dev/null, is not a lost line).
    destination.flush(() => {
      clearTimeout(timer);
      resolve();
    });
  });
}

/** A logger; to stdout (asynchronously, see above) unless `destination` is given (tests). */
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
          // One pass that builds the line: the request id first and as it is (it was checked to
          // hold no secret when it was chosen, request-scope.ts; a random UUID's digits can look
          // like a card number, and masking them would break it), every other field redacted.
          const secrets = currentRequestScope()?.secrets;
          const line: Record<string, unknown> = {};
          const { err, requestId } = object;
          if (requestId !== undefined) line['requestId'] = requestId;
          for (const key of Object.keys(object)) {
            if (key === 'requestId' || key === 'err') continue;
            line[key] = REDACTED_KEYS.has(key) ? REDACTED : redactValue(object[key], secrets, 1, key);
          }
          if (err !== undefined) line['err'] = err instanceof Error ? err : redactValue(err, secrets);
          return line;
        },
      },
      hooks: {
        logMethod(args, method) {
          const secrets = currentRequestScope()?.secrets;
          // pino hands each call its own array: its strings are redacted in place.
          for (let i = 0; i < args.length; i++) {
            const arg: unknown = args[i];
            if (typeof arg === 'string') args[i] = redactSecrets(arg, secrets);
          }
          method.apply(this, args);
        },
      },
    },
    destination ?? stdoutDestination(),
  );
}
