/**
 * A minimal HTTP client over node:http for tests that talk to a gateway started with
 * `startGateway` on loopback. nock 14 also intercepts `fetch`, so these tests use plain
 * `http.request` to a host that the test file explicitly lets through (`nock.enableNetConnect`).
 */
import http from 'node:http';

export interface HttpReply {
  status: number;
  headers: http.IncomingHttpHeaders;
  text: string;
}

export interface HttpRequestOptions {
  method?: 'GET' | 'POST' | 'OPTIONS';
  headers?: Record<string, string>;
  body?: string;
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
