/**
 * Shared tooling for the sandbox's own tests (test/sandbox/*.test.ts): a real sandbox started with
 * `startSandbox` on 127.0.0.1 (port 0) with a clock the test sets, a node:http client for every
 * method (nock intercepts `fetch`, so plain `http.request`), and helpers for Zoho's error envelope,
 * the seeds' examples (test/fixtures/seeds) and comparing reply shapes.
 */
import { readFileSync } from 'node:fs';
import http from 'node:http';
import path from 'node:path';
import nock from 'nock';
import { startSandbox, type RunningSandbox, type SandboxOptions } from '../../sandbox/server';

/** The tests' "now": 2026-11-24T12:00:00Z (so expiry 11/26 is current and 10/26 is past). */
export const START = new Date('2026-11-24T12:00:00Z').getTime();
/** The seeds' created_time (1708950672 s, 2024-02-26), as a clock in milliseconds. */
export const SEEDS_MOMENT = 1708950672 * 1000;
export const HOUR = 60 * 60 * 1000;

export const ACCOUNT = '1000000001';
export const OTHER_ACCOUNT = '2000000002';
export const OTHER_TOKEN = 'other_account_token';
export const FULL = 'sandbox_full';
export const READ_ONLY = 'sandbox_read';

/** The fixtures (sandbox/README.md, Fixtures). */
export const CHARLES = '1987000000724207';
export const ADA = '1987000000724300';
export const FIXTURE_CARD = '1987000000724211';
export const FIXTURE_ACH = '1987000000724212';
export const FIXTURE_SUCCEEDED_SESSION = '1987000000724209';
export const FIXTURE_OPEN_SESSION = '1987000000724210';

/** Ids that exist nowhere (well-formed digits). */
export const UNKNOWN_ID = '1987000000999999';

// eslint-disable-next-line @typescript-eslint/no-explicit-any
export type Json = Record<string, any>;

export interface Reply {
  status: number;
  headers: http.IncomingHttpHeaders;
  text: string;
  /** The body as JSON; fails with the raw body when it is not JSON. */
  json: () => Json;
}

export interface RequestOptions {
  /** Sent as `Authorization: Zoho-oauthtoken <token>`; null sends no Authorization. Default sandbox_full. */
  token?: string | null;
  /** Extra headers (an `authorization` here replaces the token's). */
  headers?: Record<string, string>;
  /** A string is sent verbatim; anything else as JSON. */
  body?: unknown;
}

/** One HTTP request to `origin + pathAndQuery` (no keep-alive: each request its own socket). */
export function rawRequest(origin: string, method: string, pathAndQuery: string, options: RequestOptions = {}): Promise<Reply> {
  const { token = FULL, headers = {}, body } = options;
  const text = body === undefined ? undefined : typeof body === 'string' ? body : JSON.stringify(body);
  const allHeaders: Record<string, string> = {
    ...(token !== null && { authorization: `Zoho-oauthtoken ${token}` }),
    ...(text !== undefined && { 'content-type': 'application/json', 'content-length': String(Buffer.byteLength(text)) }),
    ...headers,
  };
  return new Promise((resolve, reject) => {
    const req = http.request(`${origin}${pathAndQuery}`, { method, headers: allHeaders, agent: false }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (chunk: Buffer) => chunks.push(chunk));
      res.on('end', () => {
        const replyText = Buffer.concat(chunks).toString('utf8');
        resolve({
          status: res.statusCode ?? 0,
          headers: res.headers,
          text: replyText,
          json: () => {
            try {
              return JSON.parse(replyText) as Json;
            } catch {
              throw new Error(`expected JSON, got HTTP ${res.statusCode}: ${replyText.slice(0, 300)}`);
            }
          },
        });
      });
      res.on('error', reject);
    });
    req.setTimeout(10_000, () => req.destroy(new Error(`${method} ${pathAndQuery} timed out`)));
    req.on('error', reject);
    if (text !== undefined) req.write(text);
    req.end();
  });
}

export interface Harness {
  /** The running sandbox (set in beforeAll). */
  readonly sandbox: RunningSandbox;
  /** The sandbox's clock in epoch ms; beforeEach sets it back to START. Tests may move it. */
  now: number;
  request: (method: string, pathAndQuery: string, options?: RequestOptions) => Promise<Reply>;
  /** An emulated endpoint: `/api/v1/<resource>?account_id=<account>` (account null: no query). */
  zoho: (method: string, resource: string, options?: RequestOptions & { account?: string | null }) => Promise<Reply>;
  /** The control API: `/__sandbox/<path>` with a JSON body, no token. */
  control: (method: string, pathAndQuery: string, body?: unknown) => Promise<Reply>;
  /** Completes a session as the customer would (no token). */
  complete: (sessionId: string, body: unknown, account?: string) => Promise<Reply>;
  /** Creates a session through the Zoho endpoint; its id. */
  createSession: (customerId?: string, options?: { token?: string; account?: string; description?: string }) => Promise<string>;
  /** Creates a session and completes it with `body`; the session and its payment method id. */
  completedSession: (body: unknown, customerId?: string) => Promise<{ sessionId: string; session: Json; paymentMethodId: string }>;
  /** Adds OTHER_TOKEN for OTHER_ACCOUNT (or the given token/account/scopes). */
  addToken: (token?: string, account?: string, scopes?: string[]) => Promise<void>;
  /** Seeds a customer (default OTHER_ACCOUNT): strict mode knows only the customers it was given. */
  addCustomer: (customerId: string, account?: string) => Promise<void>;
}

/**
 * Starts one sandbox for the enclosing describe block (closed in afterAll); before each test the
 * clock goes back to START and the sandbox is reset to its start-up state with the fixtures.
 * Strict mode is on (as Zoho, and the sandbox's default) unless `options.strict` is false.
 */
export function useSandbox(options: Omit<SandboxOptions, 'now'> = {}): Harness {
  let running: RunningSandbox | undefined;
  const h: Harness = {
    get sandbox() {
      if (!running) throw new Error('the sandbox is not started (use it inside a test)');
      return running;
    },
    now: START,
    request: (method, pathAndQuery, requestOptions) => rawRequest(h.sandbox.origin, method, pathAndQuery, requestOptions),
    zoho: (method, resource, { account = ACCOUNT, ...rest } = {}) =>
      h.request(method, `/api/v1/${resource}${account === null ? '' : `?account_id=${account}`}`, rest),
    control: (method, pathAndQuery, body) => h.request(method, `/__sandbox/${pathAndQuery}`, { token: null, body }),
    complete: (sessionId, body, account = ACCOUNT) =>
      h.control('POST', `paymentmethodsessions/${sessionId}/complete?account_id=${account}`, body),
    async createSession(customerId = CHARLES, { token = FULL, account = ACCOUNT, description } = {}) {
      const reply = await h.zoho('POST', 'paymentmethodsessions', {
        token,
        account,
        body: { customer_id: customerId, ...(description !== undefined && { description }) },
      });
      expect(reply.status).toBe(200);
      return reply.json().payment_method_session.payment_method_session_id as string;
    },
    async completedSession(body, customerId = CHARLES) {
      const sessionId = await h.createSession(customerId);
      const reply = await h.complete(sessionId, body);
      expect(reply.status).toBe(200);
      const session = reply.json().payment_method_session as Json;
      return { sessionId, session, paymentMethodId: session.payment_method?.payment_method_id as string };
    },
    async addToken(token = OTHER_TOKEN, account = OTHER_ACCOUNT, scopes) {
      const reply = await h.control('POST', 'tokens', { token, account_id: account, ...(scopes && { scopes }) });
      expect(reply.status).toBe(200);
    },
    async addCustomer(customerId, account = OTHER_ACCOUNT) {
      const reply = await h.control('POST', 'seed', { account_id: account, customers: [{ customer_id: customerId }] });
      expect(reply.status).toBe(200);
    },
  };

  beforeAll(async () => {
    nock.enableNetConnect('127.0.0.1');
    running = await startSandbox({ strict: true, ...options, now: () => h.now }, 0);
  });
  beforeEach(() => {
    h.now = START;
    h.sandbox.reset();
  });
  afterAll(async () => {
    await running?.close();
  });
  return h;
}

/** A seeds' example from test/fixtures/seeds, parsed afresh. */
export function seedExample(name: string): Json {
  return JSON.parse(readFileSync(path.join(__dirname, '..', 'fixtures', 'seeds', `${name}.json`), 'utf8')) as Json;
}

/** Asserts Zoho's error envelope: the status, the exact code, and (optionally) what the message names. */
export function expectZohoError(reply: Reply, status: number, code: string, mentions?: string | RegExp): Json {
  const body = reply.json();
  expect({ status: reply.status, code: body.code }).toEqual({ status, code });
  expect(reply.headers['content-type']).toMatch(/^application\/json/);
  expect(Object.keys(body).sort()).toEqual(['code', 'message']);
  expect(typeof body.message).toBe('string');
  if (typeof mentions === 'string') expect(body.message).toContain(mentions);
  else if (mentions) expect(body.message).toMatch(mentions);
  return body;
}

function jsonType(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'array';
  return typeof value;
}

/**
 * How `actual` differs in shape from `expected`, recursively: keys missing, keys extra, and values
 * of another JSON type (string, number, boolean, null, array, object). [] when the shapes agree.
 */
export function shapeDiff(actual: unknown, expected: unknown, at = '$'): string[] {
  const [a, e] = [jsonType(actual), jsonType(expected)];
  if (a !== e) return [`${at}: ${a} instead of ${e}`];
  if (a === 'array') {
    const [actualItems, expectedItems] = [actual as unknown[], expected as unknown[]];
    return expectedItems.length === 0 ? [] : actualItems.flatMap((item, i) => shapeDiff(item, expectedItems[0], `${at}[${i}]`));
  }
  if (a !== 'object') return [];
  const [actualObject, expectedObject] = [actual as Json, expected as Json];
  const missing = Object.keys(expectedObject).filter((k) => !(k in actualObject)).map((k) => `${at}.${k}: missing`);
  const extra = Object.keys(actualObject).filter((k) => !(k in expectedObject)).map((k) => `${at}.${k}: extra`);
  const common = Object.keys(expectedObject).filter((k) => k in actualObject);
  return [...missing, ...extra, ...common.flatMap((k) => shapeDiff(actualObject[k], expectedObject[k], `${at}.${k}`))].sort();
}

/** `digits` completed with its Luhn check digit (computed here, independently of the sandbox). */
export function withLuhnDigit(digits: string): string {
  for (let check = 0; check <= 9; check += 1) {
    const candidate = `${digits}${check}`;
    let sum = 0;
    for (let i = 0; i < candidate.length; i += 1) {
      let d = Number(candidate[candidate.length - 1 - i]);
      if (i % 2 === 1) d = d * 2 > 9 ? d * 2 - 9 : d * 2;
      sum += d;
    }
    if (sum % 10 === 0) return candidate;
  }
  throw new Error('unreachable');
}

/** A full billing address: every card check has something to check. */
export const BILLING = { address_line1: '123 Main St', city: 'Detroit', country: 'US', postal_code: '12345' };

/** A complete body for a card (with CVC and the full billing address unless overridden). */
export const cardBody = (number: string, card: Json = {}, rest: Json = {}): Json => ({
  card: { number, cvc: '123', card_holder_name: 'Charles', ...card },
  billing_address: BILLING,
  ...rest,
});

/** A complete body for a US bank account. */
export const achBody = (accountNumber: string, achDebit: Json = {}): Json => ({
  ach_debit: { routing_number: '110000000', account_number: accountNumber, account_holder_name: 'Ada', ...achDebit },
});

export const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
