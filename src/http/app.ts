/**
 * The HTTP front of the gateway's port, a plain `node:http` request listener:
 * - `/graphql` (GET and POST; OPTIONS for CORS preflights) runs through Apollo Server's
 *   integration API, `executeHTTPGraphQLRequest`, which does the GraphQL-over-HTTP protocol:
 *   CSRF prevention, GET for queries only; outside production a browser's GET gets the explorer
 *   (GraphiQL from this origin, explorer.ts) before Apollo runs;
 * - `/healthz` and `/readyz` (GET, HEAD);
 * - anything else is a 404 (`/metrics` included: it is on the admin listener, admin.ts).
 *
 * Every reply carries the request's id (`X-Request-Id`, request-scope.ts); every `/graphql` reply
 * `Cache-Control: no-store` (it holds one caller's payment data) and the CORS headers, but for the
 * explorer page (no caller data: `no-cache` with an ETag, explorer.ts). A body
 * refused before Apollo runs (too large, not JSON: request-body.ts) gets the same JSON error shape
 * as Apollo's own. A client that disconnects before its reply aborts the operation's signal,
 * which cancels its upstream calls not sent yet. Replies are written with one `writeHead` of a
 * flat header list: nothing is looked up or rebuilt per request that could be built once.
 */
import { setMaxListeners } from 'node:events';
import type { IncomingHttpHeaders, IncomingMessage, ServerResponse } from 'node:http';
import { HeaderMap, type ApolloServer, type HTTPGraphQLResponse } from '@apollo/server';
import type { GatewayContext } from '../context';
import { ErrorCode } from '../errors';
import type { Logger } from '../observability/logger';
import type { CorsPolicy } from './cors';
import type { Explorer } from './explorer';
import type { Health, JsonReply } from './health';
import { OPERATION_LIMITS } from './operation-limits';
import { readJsonBody, type BodyError } from './request-body';
import { REQUEST_ID_HEADER, requestIdFrom, requestScopeFrom, runAfterReply, runInRequestScope, type RequestScope } from './request-scope';

export interface HttpFrontOptions {
  apollo: ApolloServer<GatewayContext>;
  /** One operation's context, from its request's headers; `signal` aborts when its client leaves first. */
  context: (headers: IncomingHttpHeaders, signal: AbortSignal) => GatewayContext;
  health: Health;
  cors: CorsPolicy;
  logger: Logger;
  /** GraphiQL for a browser's GET (outside production); none: Apollo answers every request. */
  explorer?: Explorer;
}

export interface HttpFront {
  /** The request listener of the gateway's port. */
  readonly listener: (req: IncomingMessage, res: ServerResponse) => void;
  /** `/graphql` requests not answered yet. */
  readonly inFlight: number;
  /** From now on every reply carries `Connection: close`, so its connection ends with it (the drain). */
  closeConnectionsAfterReplies(): void;
  /** Resolves once no `/graphql` request is in flight. */
  idle(): Promise<void>;
}

const JSON_TYPE = 'application/json; charset=utf-8';
const NOT_FOUND = JSON.stringify({ error: 'Not found: this port serves /graphql, /healthz and /readyz.' });
const METRICS_ELSEWHERE = JSON.stringify({ error: 'Not found: /metrics is served on ADMIN_PORT (default 9464), not on PORT.' });
const NOT_ALLOWED = JSON.stringify({ error: 'Method not allowed: use GET.' });
const INTERNAL = (requestId: string) =>
  JSON.stringify({ errors: [{ message: 'Internal server error', extensions: { code: ErrorCode.INTERNAL_SERVER_ERROR, requestId } }] });

/** Where a `/graphql` response keeps what its 'close' listener needs (no closure per request). */
const DISCONNECT = Symbol('disconnect');
type GraphQLResponse = ServerResponse & { [DISCONNECT]?: AbortController };

export function createHttpFront(options: HttpFrontOptions): HttpFront {
  const { apollo, health, cors, logger, explorer } = options;
  /** `/graphql` responses not yet closed. */
  let inFlight = 0;
  /** Operations whose work has not ended (their response may have closed already). */
  let working = 0;
  let closing = false;
  let waiters: Array<() => void> = [];

  /** Wakes the drain once no response is open and no operation is working. */
  function wakeIfIdle(): void {
    if (inFlight === 0 && working === 0 && waiters.length > 0) {
      const done = waiters;
      waiters = [];
      for (const resolve of done) resolve();
    }
  }

  /** Once per `/graphql` response, when it is done or its connection is gone. */
  function onGraphQLResponseClose(this: GraphQLResponse): void {
    // Closed before the reply was written: the client left, so its unsent upstream calls are cancelled.
    if (!this.writableFinished) this[DISCONNECT]?.abort();
    inFlight -= 1;
    wakeIfIdle();
  }

  /** Writes a whole reply: status, the flat header list, a body (Node sends none for HEAD). */
  function reply(res: ServerResponse, status: number, headers: string[], contentType: string, body: string): void {
    headers.push('content-type', contentType, 'content-length', String(Buffer.byteLength(body)));
    if (closing) headers.push('connection', 'close');
    res.writeHead(status, headers);
    res.end(body);
  }

  function jsonReply(res: ServerResponse, requestId: string, { status, body }: JsonReply, extra?: string[]): void {
    const headers = [REQUEST_ID_HEADER, requestId];
    if (extra) headers.push(...extra);
    reply(res, status, headers, JSON_TYPE, body);
  }

  /** GET and HEAD only, as every health endpoint. */
  function probe(req: IncomingMessage, res: ServerResponse, answer: () => JsonReply): void {
    const requestId = requestIdFrom(req.headers);
    if (req.method === 'GET' || req.method === 'HEAD') jsonReply(res, requestId, answer());
    else if (req.method === 'OPTIONS') {
      const headers = [REQUEST_ID_HEADER, requestId, 'allow', 'GET, HEAD', 'content-length', '0'];
      if (closing) headers.push('connection', 'close');
      res.writeHead(204, headers);
      res.end();
    } else jsonReply(res, requestId, { status: 405, body: NOT_ALLOWED }, ['allow', 'GET, HEAD']);
  }

  function graphql(req: IncomingMessage, res: GraphQLResponse, search: string): void {
    if (explorer?.wants(req)) {
      const headers = [REQUEST_ID_HEADER, requestIdFrom(req.headers)];
      if (closing) headers.push('connection', 'close');
      explorer.serve(req, res, headers);
      return;
    }
    const scope = requestScopeFrom(req.headers, true);
    const origin = req.headers.origin;
    if (req.method === 'OPTIONS') {
      const headers = [REQUEST_ID_HEADER, scope.requestId, 'cache-control', 'no-store', ...cors.preflight(origin, req.headers['access-control-request-headers']), 'content-length', '0'];
      if (closing) headers.push('connection', 'close');
      res.writeHead(204, headers);
      res.end();
      return;
    }
    const disconnect = new AbortController();
    // Every call of the operation waiting for its caller's turn listens (at most its call budget).
    setMaxListeners(0, disconnect.signal);
    res[DISCONNECT] = disconnect;
    inFlight += 1;
    res.once('close', onGraphQLResponseClose);
    if (req.method !== 'POST') {
      run(req, res, scope, search, undefined, disconnect.signal);
      return;
    }
    readJsonBody(req, OPERATION_LIMITS.maxBodyBytes, (outcome) => {
      if (outcome === 'aborted') return;
      if ('error' in outcome) refuse(res, scope.requestId, origin, outcome.error);
      else run(req, res, scope, search, outcome.body, disconnect.signal);
    });
  }

  /** A GraphQL-shaped error reply for a body refused before Apollo runs. */
  function refuse(res: ServerResponse, requestId: string, origin: string | undefined, error: BodyError): void {
    const body = JSON.stringify({ errors: [{ message: error.message, extensions: { code: 'BAD_REQUEST', requestId } }] });
    reply(res, error.status, [REQUEST_ID_HEADER, requestId, 'cache-control', 'no-store', ...cors.headers(origin)], JSON_TYPE, body);
  }

  function run(req: IncomingMessage, res: ServerResponse, scope: RequestScope, search: string, body: unknown, signal: AbortSignal): void {
    const { headers } = req;
    // Apollo's HeaderMap lower-cases names; Node's are lower-case already, so they go in as they are.
    const headerMap = new HeaderMap();
    for (const name in headers) {
      const value = headers[name];
      if (value !== undefined) Map.prototype.set.call(headerMap, name, typeof value === 'string' ? value : value.join(', '));
    }
    // The operation counts as in flight until its work ends, not only until its response closes:
    // a client that leaves does not cancel calls already sent, nor the idempotency record and log
    // line after them, and the drain must not close Redis and the Zoho pool under them.
    working += 1;
    runInRequestScope(scope, () =>
      apollo.executeHTTPGraphQLRequest({
        httpGraphQLRequest: { method: req.method ?? 'GET', headers: headerMap, search, body },
        context: async () => options.context(headers, signal),
      }),
    )
      .then((response) => write(res, scope.requestId, headers.origin, response))
      .catch((error: unknown) => {
        // Apollo answers every failure of an operation itself: this is a bug of ours, logged.
        runInRequestScope(scope, () => logger.error({ err: error }, 'unexpected error while answering a request'));
        if (!res.headersSent) {
          reply(res, 500, [REQUEST_ID_HEADER, scope.requestId, 'cache-control', 'no-store', ...cors.headers(headers.origin)], JSON_TYPE, INTERNAL(scope.requestId));
        } else res.destroy();
      })
      .finally(() => runAfterReply(scope, (error) => logger.error({ err: error }, 'unexpected error after a reply')))
      .finally(() => {
        working -= 1;
        wakeIfIdle();
      });
  }

  async function write(res: ServerResponse, requestId: string, origin: string | undefined, response: HTTPGraphQLResponse): Promise<void> {
    const headers = [REQUEST_ID_HEADER, requestId, 'cache-control', 'no-store', ...cors.headers(origin)];
    let contentType = 'application/json';
    for (const [name, value] of response.headers) {
      if (name === 'content-type') contentType = value === 'text/html' ? 'text/html; charset=utf-8' : value;
      else headers.push(name, value);
    }
    const status = response.status ?? 200;
    if (response.body.kind === 'complete') {
      reply(res, status, headers, contentType, response.body.string);
      return;
    }
    // Incremental delivery (@defer): chunks as Apollo yields them.
    headers.push('content-type', contentType);
    if (closing) headers.push('connection', 'close');
    res.writeHead(status, headers);
    for await (const chunk of response.body.asyncIterator) res.write(chunk);
    res.end();
  }

  const listener = (req: IncomingMessage, res: ServerResponse): void => {
    const url = req.url ?? '/';
    const query = url.indexOf('?');
    const path = query === -1 ? url : url.slice(0, query);
    switch (path) {
      case '/graphql':
      case '/graphql/':
        graphql(req, res, query === -1 ? '' : url.slice(query));
        return;
      case '/healthz':
      case '/healthz/':
        probe(req, res, health.healthz);
        return;
      case '/readyz':
      case '/readyz/':
        probe(req, res, health.readyz);
        return;
      default:
        jsonReply(res, requestIdFrom(req.headers), { status: 404, body: path === '/metrics' ? METRICS_ELSEWHERE : NOT_FOUND });
    }
  };

  return {
    listener,
    get inFlight() {
      return Math.max(inFlight, working);
    },
    closeConnectionsAfterReplies() {
      closing = true;
    },
    idle() {
      return inFlight === 0 && working === 0 ? Promise.resolve() : new Promise((resolve) => waiters.push(resolve));
    },
  };
}
