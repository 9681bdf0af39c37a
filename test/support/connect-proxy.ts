/**
 * A tiny egress proxy for the tests: a node:http server that answers CONNECT by piping to the
 * target (or refusing with a status), counting the tunnels it opened and the targets asked for.
 */
import http from 'node:http';
import net from 'node:net';
import type { AddressInfo } from 'node:net';

export interface ConnectProxy {
  /** e.g. `http://127.0.0.1:41234`: what HTTPS_PROXY is set to. */
  url: string;
  /** CONNECT requests received, refused ones included. */
  readonly connects: number;
  /** Tunnels opened to a target. */
  readonly tunnels: number;
  /** The `host:port` of every CONNECT, in order. */
  readonly targets: readonly string[];
  close(): Promise<void>;
}

export async function startConnectProxy(options: { refuseWith?: number } = {}): Promise<ConnectProxy> {
  let connects = 0;
  let tunnels = 0;
  const targets: string[] = [];
  const sockets = new Set<net.Socket>();
  const server = http.createServer((_req, res) => {
    // Only tunnels: a plain request to the proxy is a test's mistake.
    res.writeHead(405).end();
  });
  server.on('connection', (socket: net.Socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
  });
  server.on('connect', (req: http.IncomingMessage, client: net.Socket, head: Buffer) => {
    connects += 1;
    targets.push(req.url ?? '');
    if (options.refuseWith !== undefined) {
      client.end(`HTTP/1.1 ${options.refuseWith} Refused\r\ncontent-length: 0\r\n\r\n`);
      return;
    }
    const [host, port] = (req.url ?? '').split(':');
    const upstream = net.connect(Number(port), host, () => {
      tunnels += 1;
      client.write('HTTP/1.1 200 Connection Established\r\n\r\n');
      if (head.length > 0) upstream.write(head);
      upstream.pipe(client);
      client.pipe(upstream);
    });
    sockets.add(upstream);
    upstream.on('close', () => sockets.delete(upstream));
    upstream.on('error', () => client.destroy());
    client.on('error', () => upstream.destroy());
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    get connects() {
      return connects;
    },
    get tunnels() {
      return tunnels;
    },
    targets,
    close: () =>
      new Promise<void>((resolve) => {
        for (const socket of sockets) socket.destroy();
        server.close(() => resolve());
      }),
  };
}
