/**
 * Minimal HTTP clients for tests that talk to a gateway listening on loopback: node:http
 * (`httpRequest`), and raw TCP connections (`rawConnection`). nock 14 also intercepts `fetch`, so
 * these tests use plain `http.request` to a host that the test file explicitly lets through
 * (`nock.enableNetConnect`).
 */
import http from 'node:http';
import net from 'node:net';

export interface HttpReply {
  status: number;
  headers: http.IncomingHttpHeaders;
  text: string;
}

export interface HttpRequestOptions {
  method?: 'GET' | 'HEAD' | 'POST' | 'PUT' | 'OPTIONS';
  headers?: Record<string, string>;
  body?: string | Buffer;
  agent?: http.Agent;
  timeoutMs?: number;
}

export function httpRequest(url: string, options: HttpRequestOptions = {}): Promise<HttpReply> {
  const { method = 'GET', headers = {}, body, agent, timeoutMs = 10_000 } = options;
  return new Promise((resolve, reject) => {
    const req = http.request(
      url,
      {
        method,
        agent,
        headers: body === undefined ? headers : { ...headers, 'content-length': String(Buffer.byteLength(body)) },
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (chunk: Buffer) => chunks.push(chunk));
        res.on('end', () =>
          resolve({ status: res.statusCode ?? 0, headers: res.headers, text: Buffer.concat(chunks).toString('utf8') }),
        );
        res.on('error', reject);
      },
    );
    req.setTimeout(timeoutMs, () => req.destroy(new Error(`${method} ${url} timed out after ${timeoutMs} ms`)));
    req.on('error', reject);
    if (body !== undefined) req.write(body);
    req.end();
  });
}

/** POSTs one GraphQL operation as JSON. */
export function postGraphQL(
  url: string,
  payload: { query: string; variables?: Record<string, unknown>; operationName?: string },
  headers: Record<string, string> = {},
  agent?: http.Agent,
): Promise<HttpReply> {
  return httpRequest(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json', accept: 'application/json', ...headers },
    body: JSON.stringify(payload),
    agent,
  });
}

/** The reply's body as JSON (fails the test with the raw body when it is not JSON). */
export function jsonOf<T = Record<string, unknown>>(reply: HttpReply): T {
  try {
    return JSON.parse(reply.text) as T;
  } catch {
    throw new Error(`expected a JSON body, got HTTP ${reply.status}: ${reply.text.slice(0, 500)}`);
  }
}

/** One reply read off a raw connection. */
export interface RawReply {
  status: number;
  /** Header names lower-cased; a repeated header's values joined by ", ". */
  headers: Record<string, string>;
  body: string;
}

/**
 * A client on one raw TCP connection, for what http.request hides: keep-alive (nock's
 * interceptor makes every agent send `Connection: close`), partial requests, replies that come
 * before the request is complete. `send` writes bytes; `reply` resolves with the next reply on the
 * connection (its body by Content-Length, or until the connection ends).
 */
export interface RawConnection {
  readonly socket: net.Socket;
  send(data: string | Buffer): void;
  reply(timeoutMs?: number): Promise<RawReply>;
  /** Resolves once the server has ended or closed the connection. */
  readonly ended: Promise<void>;
  close(): void;
}

export async function rawConnection(origin: string): Promise<RawConnection> {
  const { hostname, port } = new URL(origin);
  const socket = net.connect({ host: hostname, port: Number(port) });
  socket.on('error', () => undefined);
  await new Promise<void>((resolve, reject) => {
    socket.once('connect', () => resolve());
    socket.once('error', reject);
  });
  let buffered = Buffer.alloc(0);
  let isEnded = false;
  const ended = new Promise<void>((resolve) => {
    socket.once('end', () => resolve());
    socket.once('close', () => resolve());
  }).then(() => {
    isEnded = true;
  });
  socket.on('data', (chunk: Buffer) => {
    buffered = Buffer.concat([buffered, chunk]);
  });
  /** A complete reply at the start of the buffer, taken off it; undefined while incomplete. */
  const take = (): RawReply | undefined => {
    const end = buffered.indexOf('\r\n\r\n');
    if (end === -1) return undefined;
    const [statusLine = '', ...lines] = buffered.subarray(0, end).toString('latin1').split('\r\n');
    const headers: Record<string, string> = {};
    for (const line of lines) {
      const colon = line.indexOf(':');
      const name = line.slice(0, colon).trim().toLowerCase();
      const value = line.slice(colon + 1).trim();
      headers[name] = headers[name] === undefined ? value : `${headers[name]}, ${value}`;
    }
    const length = headers['content-length'] === undefined ? undefined : Number(headers['content-length']);
    const available = buffered.length - end - 4;
    if (length === undefined ? !isEnded : available < length) return undefined;
    const bodyEnd = end + 4 + (length ?? available);
    const reply = { status: Number(statusLine.split(' ')[1]), headers, body: buffered.subarray(end + 4, bodyEnd).toString('utf8') };
    buffered = buffered.subarray(bodyEnd);
    return reply;
  };
  return {
    socket,
    ended,
    send: (data) => {
      socket.write(data);
    },
    reply: async (timeoutMs = 10_000) => {
      const deadline = Date.now() + timeoutMs;
      for (;;) {
        const reply = take();
        if (reply) return reply;
        if (isEnded && buffered.length === 0) throw new Error('the connection ended before a reply');
        if (Date.now() > deadline) throw new Error(`no complete reply within ${timeoutMs} ms: ${JSON.stringify(buffered.toString('latin1').slice(0, 300))}`);
        await new Promise((resolve) => setTimeout(resolve, 10));
      }
    },
    close: () => socket.destroy(),
  };
}

/** An HTTP/1.1 request as raw bytes: the request line, headers (Host added) and an optional body with its length. */
export function rawRequest(method: string, path: string, headers: Record<string, string> = {}, body?: string | Buffer): Buffer {
  const head = [`${method} ${path} HTTP/1.1`, 'Host: 127.0.0.1', ...Object.entries(headers).map(([name, value]) => `${name}: ${value}`)];
  if (body !== undefined && !Object.keys(headers).some((name) => /^(content-length|transfer-encoding)$/i.test(name))) {
    head.push(`Content-Length: ${Buffer.byteLength(body)}`);
  }
  return Buffer.concat([Buffer.from(`${head.join('\r\n')}\r\n\r\n`, 'latin1'), body === undefined ? Buffer.alloc(0) : Buffer.from(body)]);
}
