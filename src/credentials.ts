/**
 * The caller's Zoho credentials, read from its own request headers, and the secrets they imply
 * (masked wherever text of that request leaves the process).
 */
import { hash } from 'node:crypto';
import type { IncomingHttpHeaders } from 'node:http';
import type { GraphQLError } from 'graphql';
import { badUserInput, unauthenticated } from './errors';

/** One caller's Zoho credentials, taken from its request's headers. */
export interface ZohoCredentials {
  /** The whole `Authorization` header value, `Zoho-oauthtoken <token>`, forwarded unchanged. */
  readonly authorization: string;
  /** The Zoho Payments account id (digits), sent as the `account_id` query parameter. */
  readonly accountId: string;
  /**
   * Who the caller is, for the per-caller limits and circuits: a hash of token and account, so
   * no shared structure ever holds a token.
   */
  readonly callerKey: string;
  /** The caller's secrets (callerSecretsFrom), masked in whatever of its text leaves the process. */
  readonly secrets: readonly string[];
}

const TOKEN_HEADER = /^Zoho-oauthtoken ([A-Za-z0-9._~+/-]{1,2048}=*)$/;
const ACCOUNT_ID = /^\d{1,19}$/;

/** The caller's credentials from its headers, or the error that says what is wrong with them. */
export function credentialsFromHeaders(headers: IncomingHttpHeaders): ZohoCredentials | GraphQLError {
  const authorization = headers.authorization?.trim();
  if (!authorization) {
    return unauthenticated('Missing Authorization header. Send "Authorization: Zoho-oauthtoken <token>".');
  }
  if (!TOKEN_HEADER.test(authorization)) {
    return unauthenticated('Malformed Authorization header. Send "Authorization: Zoho-oauthtoken <token>".');
  }
  const accountHeader = headers['x-zoho-account-id'];
  const accountId = (Array.isArray(accountHeader) ? accountHeader[0] : accountHeader)?.trim();
  if (!accountId) {
    return badUserInput('Missing X-Zoho-Account-Id header. Send your Zoho Payments account id (digits).', {
      header: 'X-Zoho-Account-Id',
    });
  }
  if (!ACCOUNT_ID.test(accountId)) {
    return badUserInput('Malformed X-Zoho-Account-Id header: it must be your Zoho Payments account id (1 to 19 digits).', {
      header: 'X-Zoho-Account-Id',
    });
  }
  return zohoCredentials(authorization, accountId);
}

/** A caller's credentials from a well-formed Authorization value and account id. */
export function zohoCredentials(authorization: string, accountId: string): ZohoCredentials {
  return new CallerCredentials(authorization, accountId);
}

class CallerCredentials implements ZohoCredentials {
  #callerKey: string | undefined;
  readonly secrets: readonly string[];

  constructor(
    readonly authorization: string,
    readonly accountId: string,
  ) {
    this.secrets = callerSecretsFrom({ authorization });
  }

  /**
   * Hashed on the first upstream call only: an operation that calls no one never pays for it.
   * One-shot `crypto.hash`: no Hash object per request (what `createHash` costs more than SHA-256).
   */
  get callerKey(): string {
    this.#callerKey ??= hash('sha256', `${this.authorization}\0${this.accountId}`, 'base64url').slice(0, 22);
    return this.#callerKey;
  }
}

/** The caller's own secrets, from its Authorization header (`Zoho-oauthtoken <token>`). */
export function callerSecretsFrom(headers: IncomingHttpHeaders): string[] {
  const authorization = headers.authorization?.trim();
  if (!authorization) return [];
  const token = authorization.slice(authorization.indexOf(' ') + 1).trim();
  return [authorization, token].filter((secret) => secret.length >= 4);
}

