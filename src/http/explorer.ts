/**
 * The explorer: GraphiQL, served by the gateway itself to a browser's `GET /graphql` outside
 * production (README.md, "For frontend teams").
 *
 * Why not Apollo Sandbox: it loads from Apollo's CDN, so offline (an air-gapped machine, a
 * locked-down network, a plane) the page is blank. `@graphql-yoga/render-graphiql` inlines
 * everything (React, Monaco, its workers as blob: URLs), so the page needs nothing but this
 * origin, and its Content-Security-Policy says so: no other host may be loaded or called, even by
 * a script that found its way into the page (inline scripts run only if their hash is listed).
 * Apollo Sandbox stays one link away for people online; a link loads nothing until clicked.
 *
 * The page is 9 MB: it is rendered, hashed (the ETag) and gzipped once per process, on the first
 * request for it (gzip off the event loop), so a gateway nobody opens in a browser (every test's)
 * pays nothing; production never loads the module (server.ts does not create an explorer there;
 * the module is required here, when the page is first rendered).
 */
import { createHash } from 'node:crypto';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import type { IncomingMessage, ServerResponse } from 'node:http';
import path from 'node:path';
import { promisify } from 'node:util';
import { gzip } from 'node:zlib';

/** What the explorer opens with; one shape from main.ts (the embedded sandbox) down. */
export interface ExplorerOptions {
  /**
   * The headers the headers editor (and every example tab) holds: the embedded sandbox's public
   * test credentials; placeholders (PLACEHOLDER_HEADERS) when unset.
   */
  headers?: Record<string, string>;
  /** Where the example operations are read from (default: this checkout's examples/operations/). */
  examplesDir?: string;
}

/** What the headers editor holds when the gateway is not on the embedded sandbox. */
export const PLACEHOLDER_HEADERS: Readonly<Record<string, string>> = {
  Authorization: 'Zoho-oauthtoken <your Zoho OAuth token>',
  'X-Zoho-Account-Id': '<your Zoho Payments account id>',
};

/** The example operations (examples/operations/, one `.graphql` and its `.variables.json` each). */
const EXAMPLES_DIR = [path.resolve(__dirname, '..', '..', 'examples', 'operations'), path.resolve(__dirname, '..', 'examples', 'operations')].find(
  (dir) => existsSync(dir),
);

/** The tabs' order: reads first (the payment method first), then the mutations; others after, by name. */
const TAB_ORDER = ['PaymentMethod', 'PaymentMethods', 'PaymentMethodSession', 'CreatePaymentMethodSession', 'UpdatePaymentMethod', 'DeletePaymentMethod'];

const APOLLO_SANDBOX_URL = 'https://studio.apollographql.com/sandbox/explorer';

const PAGE_TITLE = 'Zoho Payments GraphQL gateway';

/**
 * What the page may do, no more than GraphiQL needs (no 'unsafe-eval', no 'unsafe-inline' script):
 * run its inline scripts with these hashes and Monaco's workers from blob: URLs, inject styles
 * (GraphiQL and Monaco do), show data: images and fonts (the favicon), fetch from this origin
 * only; no frame, form, base or plugin.
 */
function contentSecurityPolicy(scriptHashes: string[]): string {
  return [
    "default-src 'none'",
    `script-src ${scriptHashes.map((hash) => `'sha256-${hash}'`).join(' ')}`,
    'worker-src blob:',
    "style-src 'unsafe-inline'",
    "img-src 'self' data:",
    "font-src 'self' data:",
    "connect-src 'self'",
    "base-uri 'none'",
    "form-action 'none'",
    "frame-ancestors 'none'",
  ].join('; ');
}

export interface Explorer {
  /** Whether a request to `/graphql` is a browser asking for a page (Apollo's rule for its landing page, and HEAD). */
  wants(req: IncomingMessage): boolean;
  /** Answers the page: 200 (gzipped when accepted), 304 to a matching If-None-Match; no body for HEAD. */
  serve(req: IncomingMessage, res: ServerResponse, headers: string[]): void;
}

/** The page as it is served: built once per process and options. */
interface Page {
  html: Buffer;
  gzipped: Promise<Buffer>;
  etag: string;
  gzipEtag: string;
  csp: string;
}

const pages = new Map<string, Page>();

interface Negotiation {
  mediaType(available: string[]): string | undefined;
  encoding(available: string[]): string | undefined;
}
// negotiator is what Apollo Server decides its landing page with (it ships no types).
// eslint-disable-next-line @typescript-eslint/no-require-imports
const Negotiator = require('negotiator') as new (request: { headers: Record<string, string | string[] | undefined> }) => Negotiation;

/** Apollo Server's list (ApolloServer.prefersHTML): text/html last, so `*\/*` still means JSON. */
const MEDIA_TYPES = [
  'application/json; charset=utf-8',
  'application/graphql-response+json; charset=utf-8',
  'multipart/mixed; deferSpec=20220824',
  'multipart/mixed; incrementalSpec=v0.2',
  'multipart/mixed',
  'text/html',
];

function prefersHtml(req: IncomingMessage): boolean {
  const accept = req.headers.accept;
  return (req.method === 'GET' || req.method === 'HEAD') && !!accept && new Negotiator({ headers: { accept } }).mediaType(MEDIA_TYPES) === 'text/html';
}

/** GraphiQL's tabs: each example with its variables and the headers. */
function exampleTabs(headers: string, dir = EXAMPLES_DIR): Array<{ query: string; variables: string; headers: string }> {
  if (!dir) return [];
  const rank = (name: string) => (TAB_ORDER.includes(name) ? TAB_ORDER.indexOf(name) : TAB_ORDER.length);
  return readdirSync(dir)
    .filter((file) => file.endsWith('.graphql'))
    .map((file) => path.basename(file, '.graphql'))
    .sort((a, b) => rank(a) - rank(b) || a.localeCompare(b))
    .map((name) => {
      const variablesFile = path.join(dir, `${name}.variables.json`);
      let variables = '{}';
      if (existsSync(variablesFile)) {
        try {
          variables = JSON.stringify(JSON.parse(readFileSync(variablesFile, 'utf8')), null, 2);
        } catch (error) {
          throw new Error(`${variablesFile} is not valid JSON (${(error as Error).message}): fix it or delete it, then reload`);
        }
      }
      return { query: readFileSync(path.join(dir, `${name}.graphql`), 'utf8'), variables, headers };
    });
}

function render(options: ExplorerOptions): Page {
  // Loaded here only: the module is 9 MB of inlined GraphiQL, which production never needs.
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const { renderGraphiQL } = require('@graphql-yoga/render-graphiql') as typeof import('@graphql-yoga/render-graphiql');
  const headers = JSON.stringify(options.headers ?? PLACEHOLDER_HEADERS, null, 2);
  const tabs = exampleTabs(headers, options.examplesDir ?? EXAMPLES_DIR);
  const graphiql = {
    title: PAGE_TITLE,
    headers,
    defaultHeaders: headers,
    defaultTabs: tabs,
    // GraphiQL opens its first tab with this query and these variables, not that tab's own (yoga
    // passes them on as `initialQuery`/`initialVariables`; its type lists only the query). On a
    // later visit it looks for a saved tab with both: without the query none matches, and it
    // opens an empty tab instead of the payment method.
    query: tabs[0]?.query,
    variables: tabs[0]?.variables,
    // The credentials are the sandbox's public ones or placeholders: a caller's own token, typed
    // in, stays out of the browser's storage.
    shouldPersistHeaders: false,
  };
  let html = renderGraphiQL(graphiql);
  // The options go into a <script> as JSON: a `<` in any string (the placeholders have some)
  // could close it (`</script>`) or open a comment, so every `<` is escaped as JSON allows.
  const json = JSON.stringify(graphiql);
  const at = html.lastIndexOf(json);
  if (at === -1 || graphiql.title.includes('<')) throw new Error('render-graphiql changed how it embeds its options: check the escaping in explorer.ts');
  html = html.slice(0, at) + json.replace(/</g, '\\u003c') + html.slice(at + json.length);
  // Apollo Sandbox needs the absolute endpoint, which only the browser knows (behind a proxy).
  const link =
    `<a id="apollo-sandbox-link" href="${APOLLO_SANDBOX_URL}" target="_blank" rel="noopener noreferrer" ` +
    'style="position:fixed;right:12px;bottom:8px;z-index:10;font:12px sans-serif;color:#8a8a8a">Open in Apollo Sandbox (online)</a>' +
    `<script>document.getElementById('apollo-sandbox-link').href = '${APOLLO_SANDBOX_URL}?endpoint=' + encodeURIComponent(location.origin + location.pathname);</script>`;
  const end = html.lastIndexOf('</body>');
  html = html.slice(0, end) + link + html.slice(end);
  const scriptHashes = [...html.matchAll(/<script>([\s\S]*?)<\/script>/g)].map((match) => createHash('sha256').update(match[1] ?? '').digest('base64'));
  const buffer = Buffer.from(html);
  const digest = createHash('sha256').update(buffer).digest('base64url').slice(0, 27);
  const gzipped = promisify(gzip)(buffer);
  // A failure is the first gzip request's to report; until then nobody is waiting on it.
  gzipped.catch(() => undefined);
  return { html: buffer, gzipped, etag: `"${digest}"`, gzipEtag: `"${digest}-gzip"`, csp: contentSecurityPolicy(scriptHashes) };
}

/**
 * Whether an If-None-Match names the representation being sent (weak comparison, as RFC 9110
 * says for it): the other encoding's ETag is another representation, so it gets a 200.
 */
function matches(ifNoneMatch: string | undefined, etag: string): boolean {
  if (!ifNoneMatch) return false;
  return ifNoneMatch.split(',').some((tag) => {
    const value = tag.trim().replace(/^W\//, '');
    return value === '*' || value === etag;
  });
}

/** The explorer page, rendered on its first request (once per process for the same options). */
export function createExplorer(options: ExplorerOptions = {}): Explorer {
  const key = JSON.stringify(options);
  const page = (): Page => {
    let built = pages.get(key);
    if (!built) {
      built = render(options);
      pages.set(key, built);
    }
    return built;
  };
  return {
    wants: prefersHtml,
    serve(req, res, headers) {
      let served: Page;
      try {
        served = page();
      } catch (error) {
        // A broken example file must not take the gateway down: the page says what to fix.
        const body = `The explorer could not be built: ${(error as Error).message}\n`;
        res.writeHead(500, [...headers, 'content-type', 'text/plain; charset=utf-8', 'content-length', String(Buffer.byteLength(body)), 'cache-control', 'no-store']);
        res.end(req.method === 'HEAD' ? undefined : body);
        return;
      }
      const gzipped = new Negotiator({ headers: req.headers }).encoding(['gzip', 'identity']) === 'gzip';
      headers.push(
        'cache-control',
        'no-cache',
        // The same URL answers JSON to other clients, and gzip only to those that accept it.
        'vary',
        'Accept, Accept-Encoding',
        'content-security-policy',
        served.csp,
        'x-content-type-options',
        'nosniff',
        'referrer-policy',
        'no-referrer',
      );
      const send = (body: Buffer, gzip: boolean) => {
        const etag = gzip ? served.gzipEtag : served.etag;
        headers.push('etag', etag);
        if (matches(req.headers['if-none-match'], etag)) {
          res.writeHead(304, headers);
          res.end();
          return;
        }
        headers.push('content-type', 'text/html; charset=utf-8', 'content-length', String(body.length));
        if (gzip) headers.push('content-encoding', 'gzip');
        res.writeHead(200, headers);
        res.end(req.method === 'HEAD' ? undefined : body);
      };
      if (!gzipped) send(served.html, false);
      // Should gzip ever fail, the page goes out as it is.
      else served.gzipped.then((body) => send(body, true), () => send(served.html, false));
    },
  };
}
