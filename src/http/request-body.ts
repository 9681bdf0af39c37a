/**
 * Reads a `/graphql` request's JSON body for Apollo Server, with what express.json() did:
 * a size limit on the body as decoded (compressed bodies included), `gzip`, `deflate`, `br` and
 * `zstd` content encodings, UTF-8 only, and strict JSON (an object or an array). A body that is
 * not declared JSON is not read: Apollo then refuses the request itself (CSRF prevention, or
 * "POST body missing").
 */
import type { IncomingMessage } from 'node:http';
import type { Duplex, Readable } from 'node:stream';
import zlib from 'node:zlib';

/** Why a body could not be read, as the client is told (status and message, no detail of ours). */
export interface BodyError {
  status: 400 | 413 | 415;
  message: string;
}

/** What reading a body came to; `aborted` when the client went away first (nobody to answer). */
export type BodyOutcome = { body: unknown } | { error: BodyError } | 'aborted';

const UNREADABLE: BodyError = {
  status: 400,
  message: 'The request could not be read (check its Content-Type, encoding and length).',
};
const UNSUPPORTED: BodyError = { ...UNREADABLE, status: 415 };
const NOT_JSON: BodyError = { status: 400, message: 'The request body is not valid JSON.' };

const DECODERS: Readonly<Record<string, () => Duplex>> = {
  gzip: () => zlib.createGunzip(),
  deflate: () => zlib.createInflate(),
  br: () => zlib.createBrotliDecompress(),
  zstd: () => zlib.createZstdDecompress(),
};

/** The outcome of reading `req`'s body (at most `limit` bytes once decoded), given to `done` once. */
export function readJsonBody(req: IncomingMessage, limit: number, done: (outcome: BodyOutcome) => void): void {
  const { headers } = req;
  const declared = jsonDeclaration(headers['content-type']);
  if (declared === 'other') return done({ body: undefined });
  if (declared === 'unsupported-charset') return done({ error: UNSUPPORTED });
  // No Content-Length and no Transfer-Encoding: there is no body at all.
  if (headers['content-length'] === undefined && headers['transfer-encoding'] === undefined) return done({ body: undefined });
  const tooLarge: BodyError = {
    status: 413,
    message: `The request body is larger than the gateway's limit of ${limit / 1024} kB.`,
  };

  const encoding = headers['content-encoding']?.trim().toLowerCase();
  let source: Readable = req;
  let decoder: Duplex | undefined;
  if (encoding === undefined || encoding === '' || encoding === 'identity') {
    // Refused before a byte is read; Node discards the rest of the body once the reply is sent.
    if (Number(headers['content-length']) > limit) return done({ error: tooLarge });
  } else {
    const decode = DECODERS[encoding];
    if (!decode) return done({ error: UNSUPPORTED });
    decoder = req.pipe(decode());
    source = decoder;
  }

  const chunks: Buffer[] = [];
  let received = 0;
  let settled = false;
  const settle = (outcome: BodyOutcome) => {
    if (settled) return;
    settled = true;
    if (decoder) {
      req.unpipe(decoder);
      decoder.destroy();
    }
    // Discard whatever the client still sends, so that the connection can carry its next request.
    if (outcome !== 'aborted' && !req.readableEnded) req.resume();
    done(outcome);
  };
  source.on('data', (chunk: Buffer) => {
    if (settled) return;
    received += chunk.length;
    if (received > limit) settle({ error: tooLarge });
    else chunks.push(chunk);
  });
  source.once('end', () => settle(parse(chunks, received)));
  // A decoder fails on a body that is not what its Content-Encoding says.
  decoder?.once('error', () => settle({ error: UNREADABLE }));
  req.once('error', () => settle('aborted'));
  req.once('close', () => {
    if (!req.complete) settle('aborted');
  });
}

/**
 * Whether a Content-Type is JSON (`application/json`, any parameters) with a charset the gateway
 * reads (UTF-8, or none). The two forms clients send are recognised without parsing.
 */
function jsonDeclaration(contentType: string | undefined): 'json' | 'other' | 'unsupported-charset' {
  if (contentType === undefined) return 'other';
  if (contentType === 'application/json' || contentType === 'application/json; charset=utf-8') return 'json';
  const semicolon = contentType.indexOf(';');
  const essence = (semicolon === -1 ? contentType : contentType.slice(0, semicolon)).trim().toLowerCase();
  if (essence !== 'application/json') return 'other';
  if (semicolon === -1) return 'json';
  for (const parameter of contentType.slice(semicolon + 1).split(';')) {
    const equals = parameter.indexOf('=');
    if (equals === -1 || parameter.slice(0, equals).trim().toLowerCase() !== 'charset') continue;
    const charset = parameter.slice(equals + 1).trim().replace(/^"(.*)"$/, '$1').toLowerCase();
    if (charset !== 'utf-8' && charset !== 'utf8') return 'unsupported-charset';
  }
  return 'json';
}

/** Strict JSON, as express.json() read it: an object or an array; an empty body is `{}`. */
function parse(chunks: Buffer[], length: number): BodyOutcome {
  let text = chunks.length === 1 ? (chunks[0] as Buffer).toString('utf8') : Buffer.concat(chunks, length).toString('utf8');
  if (text.charCodeAt(0) === 0xfeff) text = text.slice(1);
  let first = 0;
  while (first < text.length && isJsonWhitespace(text.charCodeAt(first))) first += 1;
  if (first === text.length) return { body: {} };
  const opening = text.charCodeAt(first);
  if (opening !== 0x7b && opening !== 0x5b) return { error: NOT_JSON };
  try {
    return { body: JSON.parse(text) as unknown };
  } catch {
    return { error: NOT_JSON };
  }
}

/** Space, tab, line feed, carriage return: JSON's whitespace. */
function isJsonWhitespace(code: number): boolean {
  return code === 0x20 || code === 0x09 || code === 0x0a || code === 0x0d;
}
