/**
 * The request id, and the scope that carries it through everything one HTTP request causes.
 *
 * Every request gets an id: the caller's `X-Request-Id` when it is a sane token (letters, digits
 * and `._:-`, at most 128 characters), a new UUID otherwise. The gateway returns it in the
 * `X-Request-Id` response header, sends it to Zoho on every upstream call, writes it on every log
 * line, and puts it in every GraphQL error's `extensions.requestId`. An AsyncLocalStorage scope
 * carries it, so code with no handle on the request (pino's mixin, `formatError`) still finds it.
 */
import { AsyncLocalStorage } from 'node:async_hooks';
import { randomUUID } from 'node:crypto';
import type { IncomingHttpHeaders } from 'node:http';
import { callerSecretsFrom } from '../credentials';
import { containsSecrets } from '../observability/redaction';

/** What the scope of one HTTP request holds. */
export interface RequestScope {
  readonly requestId: string;
  /**
   * The caller's own secrets (its Authorization value and the token in it), masked wherever text
   * of this request leaves the process, whatever their shape.
   */
  readonly secrets?: readonly string[];
  /**
   * Work that may wait until the reply is written (the operation's log line and metrics): the HTTP
   * front runs it right after the reply's last write. A scope without it (an in-process
   * `execute`) runs such work at once.
   */
  readonly afterReply?: Array<() => void>;
}

const storage = new AsyncLocalStorage<RequestScope>();

/** The header the id travels in, both ways and upstream. */
export const REQUEST_ID_HEADER = 'x-request-id';

const SANE_REQUEST_ID = /^[A-Za-z0-9._:-]{1,128}$/;
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/**
 * The caller's request id when it is sane and holds nothing secret (a token, a card or routing
 * number: it is echoed, logged and sent upstream), or a new one.
 */
export function requestIdFrom(headers: IncomingHttpHeaders, callerSecrets?: readonly string[]): string {
  const sent = headers[REQUEST_ID_HEADER];
  if (sent === undefined) return randomUUID();
  const value = Array.isArray(sent) ? sent[0] : sent;
  const secrets = callerSecrets ?? callerSecretsFrom(headers);
  const usable =
    value !== undefined &&
    SANE_REQUEST_ID.test(value) &&
    // A UUID (what routers and most clients send) holds at most 12 digits in a row: never a card
    // number, though its digits across dashes may pass the card check by chance.
    (UUID.test(value) || !containsSecrets(value, secrets)) &&
    // Nor a long piece of the caller's token.
    !secrets.some((secret) => value.length >= 8 && secret.includes(value));
  return usable ? value : randomUUID();
}

/** The scope of the request this code runs for, if any. */
export function currentRequestScope(): RequestScope | undefined {
  return storage.getStore();
}

/**
 * The scope of a request with these headers: its id, and the caller's secrets (computed once for
 * both); `deferred`: the HTTP front's, which runs `afterReply` work once the reply is written.
 */
export function requestScopeFrom(headers: IncomingHttpHeaders, deferred = false): RequestScope {
  const secrets = callerSecretsFrom(headers);
  return deferred ? { requestId: requestIdFrom(headers, secrets), secrets, afterReply: [] } : { requestId: requestIdFrom(headers, secrets), secrets };
}

/**
 * Runs `work` once this request's reply is written, off the caller's wait (at one connection the
 * log line and metrics were about 0.1 ms of it), or at once outside the HTTP front.
 */
export function afterReply(work: () => void): void {
  const pending = storage.getStore()?.afterReply;
  if (pending) pending.push(work);
  else work();
}

/**
 * Runs the work deferred to after the reply (in the request's scope: its log lines carry its id),
 * once; a piece that throws is reported to `onError` and the others still run.
 */
export function runAfterReply(scope: RequestScope, onError: (error: unknown) => void): void {
  const pending = scope.afterReply;
  if (!pending || pending.length === 0) return;
  const work = pending.splice(0);
  storage.run(scope, () => {
    for (const fn of work) {
      try {
        fn();
      } catch (error) {
        onError(error);
      }
    }
  });
}

/** Runs `fn` in a request's scope: what it calls, and the callbacks and promises it starts, see the scope. */
export function runInRequestScope<T>(scope: RequestScope, fn: () => T): T {
  return storage.run(scope, fn);
}
