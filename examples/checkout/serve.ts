/**
 * `npm run checkout`: serves the example checkout page (index.html, checkout.js, checkout.css in
 * this folder) on its own origin, as a frontend team's app would be, plus `/config.json` with
 * where the gateway and the sandbox are. No bundler and no dependency: node:http, the files, and
 * the sandbox's test credentials (sandbox/fixtures.ts, sandbox/embedded.ts).
 *
 *   CHECKOUT_PORT  4020
 *   GATEWAY_URL    http://localhost:4000/graphql   (npm start)
 *   SANDBOX_URL    http://127.0.0.1:4010           (the sandbox npm start embeds; its widget)
 *
 * `startCheckoutServer` is what the browser test (test/browser/checkout.test.ts) starts.
 */
import { readFile } from 'node:fs/promises';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { SANDBOX_TOKEN } from '../../sandbox/embedded';
import { DEFAULT_FIXTURES, SANDBOX_ACCOUNT_ID } from '../../sandbox/fixtures';

export interface CheckoutOptions {
  /** 0 picks a free port (default 4020). */
  port?: number;
  host?: string;
  /** The gateway's GraphQL endpoint, e.g. http://localhost:4000/graphql. */
  gatewayUrl?: string;
  /** The sandbox's origin, whose widget the page frames, e.g. http://127.0.0.1:4010. */
  sandboxUrl?: string;
}

export interface CheckoutServer {
  /** e.g. `http://127.0.0.1:4020` */
  url: string;
  close: () => Promise<void>;
}

/** The sandbox's public test credentials and first fixture customer (sandbox/README.md), shown editable in the page. */
const PAGE_DEFAULTS = {
  token: SANDBOX_TOKEN,
  accountId: SANDBOX_ACCOUNT_ID,
  customerId: DEFAULT_FIXTURES.customers?.[0]?.customer_id ?? '',
};

const FILES: Readonly<Record<string, { file: string; type: string }>> = {
  '/': { file: 'index.html', type: 'text/html; charset=utf-8' },
  '/index.html': { file: 'index.html', type: 'text/html; charset=utf-8' },
  '/checkout.js': { file: 'checkout.js', type: 'text/javascript; charset=utf-8' },
  '/checkout.css': { file: 'checkout.css', type: 'text/css; charset=utf-8' },
};

export async function startCheckoutServer(options: CheckoutOptions = {}): Promise<CheckoutServer> {
  const gatewayUrl = new URL(options.gatewayUrl ?? 'http://localhost:4000/graphql');
  const sandboxUrl = new URL(options.sandboxUrl ?? 'http://127.0.0.1:4010');
  for (const url of [gatewayUrl, sandboxUrl]) {
    if (url.protocol !== 'http:' && url.protocol !== 'https:') throw new Error(`Not an http(s) URL: ${url.protocol}`);
  }
  const config = JSON.stringify({ gatewayUrl: gatewayUrl.toString(), sandboxUrl: sandboxUrl.origin, ...PAGE_DEFAULTS });
  // The page talks to its own origin, the gateway and (in the frame) the sandbox, and nothing else.
  const csp = [
    "default-src 'none'",
    "script-src 'self'",
    "style-src 'self'",
    `connect-src 'self' ${gatewayUrl.origin}`,
    `frame-src ${sandboxUrl.origin}`,
    "img-src 'self' data:",
    "base-uri 'none'",
    "form-action 'none'",
    "frame-ancestors 'none'",
  ].join('; ');

  const server = http.createServer((req, res) => {
    const send = (status: number, type: string, body: string | Buffer) => {
      res.writeHead(status, {
        'content-type': type,
        'content-length': String(Buffer.byteLength(body)),
        'content-security-policy': csp,
        'x-content-type-options': 'nosniff',
        'cache-control': 'no-store',
      });
      res.end(req.method === 'HEAD' ? undefined : body);
    };
    if (req.method !== 'GET' && req.method !== 'HEAD') return send(405, 'text/plain; charset=utf-8', 'Method not allowed');
    // A request target the URL parser refuses (`GET http://[`) is the client's mistake, not a crash.
    let pathname: string;
    try {
      pathname = new URL(req.url ?? '/', 'http://checkout.invalid').pathname;
    } catch {
      return send(400, 'text/plain; charset=utf-8', 'Bad request target');
    }
    if (pathname === '/config.json') return send(200, 'application/json; charset=utf-8', config);
    const entry = FILES[pathname];
    if (!entry) return send(404, 'text/plain; charset=utf-8', 'Not found');
    readFile(path.join(__dirname, entry.file)).then(
      (content) => send(200, entry.type, content),
      () => send(500, 'text/plain; charset=utf-8', 'Cannot read the file'),
    );
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 4020, options.host ?? '127.0.0.1', () => {
      server.off('error', reject);
      resolve();
    });
  });
  const { port } = server.address() as AddressInfo;
  const host = options.host ?? '127.0.0.1';
  return {
    url: `http://${host.includes(':') ? `[${host}]` : host}:${port}`,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}

if (require.main === module) {
  const port = Number(process.env['CHECKOUT_PORT'] || 4020);
  if (!Number.isInteger(port) || port < 0 || port > 65535) {
    process.stderr.write('CHECKOUT_PORT must be a port number (0-65535)\n');
    process.exit(1);
  }
  const gatewayUrl = process.env['GATEWAY_URL'] || undefined;
  const sandboxUrl = process.env['SANDBOX_URL'] || undefined;
  startCheckoutServer({ port, gatewayUrl, sandboxUrl }).then(
    (checkout) => {
      process.stdout.write(`Example checkout at ${checkout.url} (gateway ${gatewayUrl ?? 'http://localhost:4000/graphql'}, sandbox ${sandboxUrl ?? 'http://127.0.0.1:4010'})\n`);
      const stop = () => void checkout.close().then(() => process.exit(0));
      process.on('SIGINT', stop);
      process.on('SIGTERM', stop);
    },
    (error: unknown) => {
      process.stderr.write(`${error instanceof Error ? error.message : String(error)}\n`);
      process.exit(1);
    },
  );
}
