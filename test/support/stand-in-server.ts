/**
 * A stand-in upstream of the tests' own: a node:http (or node:https) server on 127.0.0.1 that
 * counts connections and requests, and answers with whatever handler the test gives it. The
 * helpers below answer with either framing, since Zoho's replies may be chunked or not and the
 * client must not care.
 */
import http from 'node:http';
import https from 'node:https';
import type { AddressInfo, Socket } from 'node:net';

export type Framing = 'chunked' | 'content-length';

export interface StandIn {
  /** e.g. `http://127.0.0.1:41234` (no trailing slash). */
  origin: string;
  port: number;
  server: http.Server;
  /** TCP connections accepted so far (with keep-alive, far fewer than requests). */
  readonly connections: number;
  /** Requests received so far. */
  readonly requests: number;
  close(): Promise<void>;
}

export interface StandInOptions {
  /** Serve TLS with this key and certificate instead of plain HTTP. */
  tls?: { key: string | Buffer; cert: string | Buffer };
}

export async function startStandIn(
  handler: (req: http.IncomingMessage, res: http.ServerResponse) => void,
  options: StandInOptions = {},
): Promise<StandIn> {
  let connections = 0;
  let requests = 0;
  const sockets = new Set<Socket>();
  const onRequest = (req: http.IncomingMessage, res: http.ServerResponse) => {
    requests += 1;
    handler(req, res);
  };
  const server: http.Server = options.tls
    ? https.createServer({ key: options.tls.key, cert: options.tls.cert }, onRequest)
    : http.createServer(onRequest);
  // A long keep-alive, so the count of connections measures the client's reuse, not the server's timer.
  server.keepAliveTimeout = 60_000;
  server.on(options.tls ? 'secureConnection' : 'connection', (socket: Socket) => {
    connections += 1;
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
  });
  // The TLS handshake errors of tests that expect them are not the server's failures.
  server.on('tlsClientError', () => undefined);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    origin: `${options.tls ? 'https' : 'http'}://127.0.0.1:${port}`,
    port,
    server,
    get connections() {
      return connections;
    },
    get requests() {
      return requests;
    },
    close: () =>
      new Promise<void>((resolve) => {
        for (const socket of sockets) socket.destroy();
        server.close(() => resolve());
      }),
  };
}

/** Answers `body` with the given framing; chunked replies are written in `pieces` separate writes. */
export function reply(res: http.ServerResponse, framing: Framing, body: string | Buffer, pieces = 3, status = 200): void {
  const bytes = typeof body === 'string' ? Buffer.from(body) : body;
  if (framing === 'content-length') {
    res.writeHead(status, { 'content-type': 'application/json', 'content-length': bytes.length });
    res.end(bytes);
    return;
  }
  // No content-length: node:http frames it as Transfer-Encoding: chunked.
  res.writeHead(status, { 'content-type': 'application/json' });
  const size = Math.max(1, Math.ceil(bytes.length / pieces));
  for (let offset = 0; offset < bytes.length; offset += size) res.write(bytes.subarray(offset, offset + size));
  res.end();
}

/** An address on which nothing listens (bound, then closed: the port is free at return). */
export async function refusedPort(): Promise<number> {
  const server = http.createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}
