/**
 * The sandbox's small HTTP toolkit over node:http: read a JSON body, send a Zoho-style reply, and
 * turn zod's first issue into Zoho's error for a missing or malformed argument.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { z } from 'zod';
import { SandboxError, invalidParameter, requiredParameterMissing, unknownParameter } from './errors';

/** Largest request body read, in bytes. */
export const MAX_BODY_BYTES = 1024 * 1024;

/** A reply a handler returns. */
export interface Reply {
  status: number;
  body: unknown;
  headers?: Readonly<Record<string, string>>;
}

export const success = (payload: Record<string, unknown> = {}, message = 'success'): Reply => ({
  status: 200,
  body: { code: 0, message, ...payload },
});

/** The request body as text ('' when there is none); over MAX_BODY_BYTES is an error. */
export function readBody(req: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size <= MAX_BODY_BYTES) chunks.push(chunk);
    });
    req.on('end', () => {
      if (size > MAX_BODY_BYTES) reject(new SandboxError(400, 'invalid_json', 'The request body is larger than 1 MB.'));
      else resolve(Buffer.concat(chunks).toString('utf8'));
    });
    req.on('error', reject);
    // A client that goes away mid-body never sends 'end': settle anyway, so no handler waits forever.
    req.on('close', () => {
      if (!req.complete) reject(new SandboxError(400, 'invalid_json', 'The request body was cut off.'));
    });
  });
}

/** A JSON object body; an empty body is `{}` so that required arguments report themselves. */
export function parseJsonObject(text: string): Record<string, unknown> {
  if (text.trim() === '') return {};
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    throw new SandboxError(400, 'invalid_json', 'The request body is not valid JSON.');
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) {
    throw new SandboxError(400, 'invalid_json', 'The request body must be a JSON object.');
  }
  return parsed as Record<string, unknown>;
}

/**
 * Validates a body with a zod schema. The first problem becomes Zoho's error: an absent value is
 * `required_parameter_missing`, anything else `invalid_parameter`, in this order: a missing
 * argument, an unknown field (strict schemas only), a malformed value. Messages name the field and
 * what it must be, never the value sent (it may be a card number).
 */
export function validate<S extends z.ZodType>(schema: S, body: unknown, describe: Readonly<Record<string, string>> = {}): z.infer<S> {
  const parsed = schema.safeParse(body);
  if (parsed.success) return parsed.data;
  // A missing argument is reported before a malformed one, whatever the schema's field order.
  const issues = parsed.error.issues.map((issue) => ({ issue, path: issue.path.map(String) }));
  const missing = issues.find(({ issue, path }) => issue.code !== 'unrecognized_keys' && valueAt(body, path) === undefined);
  if (missing) throw requiredParameterMissing(missing.path.join('.') || 'the request body');
  const unknown = issues.find(({ issue }) => issue.code === 'unrecognized_keys');
  if (unknown?.issue.code === 'unrecognized_keys') throw unknownParameter(fieldName(unknown.path, unknown.issue.keys[0]));
  const first = issues[0];
  const name = first?.path.join('.') || 'the request body';
  throw invalidParameter(name, describe[name] ?? first?.issue.message ?? 'not a valid value');
}

/**
 * An unknown field's path for a message (its parent's path is the schema's own); undefined when the
 * key is not a plain name, since it is whatever the client sent and may be a card number.
 */
function fieldName(parent: readonly string[], key: string | undefined): string | undefined {
  return key !== undefined && /^[A-Za-z_][A-Za-z0-9_]{0,63}$/.test(key) ? [...parent, key].join('.') : undefined;
}

function valueAt(value: unknown, path: readonly string[]): unknown {
  let current = value;
  for (const key of path) {
    if (typeof current !== 'object' || current === null) return undefined;
    current = (current as Record<string, unknown>)[key];
  }
  return current;
}

export function send(res: ServerResponse, reply: Reply): void {
  const text = typeof reply.body === 'string' ? reply.body : JSON.stringify(reply.body);
  res.writeHead(reply.status, {
    'content-type': typeof reply.body === 'string' ? 'text/plain; charset=utf-8' : 'application/json;charset=UTF-8',
    'content-length': String(Buffer.byteLength(text)),
    ...reply.headers,
  });
  res.end(text);
}

export const errorReply = (error: SandboxError): Reply => ({
  status: error.status,
  body: { code: error.code, message: error.message },
  headers: error.headers,
});
