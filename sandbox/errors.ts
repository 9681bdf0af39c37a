/**
 * Zoho's error replies: `{"code": "<string>", "message": "<text>"}` with an HTTP status. Every
 * failure of a sandbox handler is one of these; README.md lists them in the order they are checked.
 */

/**
 * Every `code` the sandbox answers, and who named it. Zoho's public docs (its v1 "Errors" page,
 * the API pages themselves name none) give only a few codes; for every
 * other failure the sandbox had to choose a code itself, and a client must not take those for
 * Zoho's (README.md, Errors, says the same).
 */
export const ERROR_CODES = {
  // Named by Zoho.
  resource_does_not_exist: { namedBy: 'zoho' },
  invalid_payment_session: { namedBy: 'zoho' },
  customer_max_payment_methods: { namedBy: 'zoho' },
  error: { namedBy: 'zoho' },
  // The sandbox's own: Zoho documents no code for these failures.
  method_not_allowed: { namedBy: 'sandbox' },
  invalid_oauth_token: { namedBy: 'sandbox' },
  required_parameter_missing: { namedBy: 'sandbox' },
  invalid_account_id: { namedBy: 'sandbox' },
  oauth_scope_mismatch: { namedBy: 'sandbox' },
  rate_limit_exceeded: { namedBy: 'sandbox' },
  invalid_json: { namedBy: 'sandbox' },
  invalid_parameter: { namedBy: 'sandbox' },
  payment_method_type_mismatch: { namedBy: 'sandbox' },
  // The control API's own (it is not Zoho's).
  url_not_found: { namedBy: 'sandbox' },
} as const satisfies Record<string, { namedBy: 'zoho' | 'sandbox' }>;

export type ErrorCode = keyof typeof ERROR_CODES;

export class SandboxError extends Error {
  constructor(
    readonly status: number,
    readonly code: ErrorCode,
    message: string,
    readonly headers: Readonly<Record<string, string>> = {},
    /** The body field at fault (`card.number`), for a form that shows the message next to it. */
    readonly field?: string,
  ) {
    super(message);
    this.name = 'SandboxError';
  }
}

export const requiredParameterMissing = (name: string) =>
  new SandboxError(400, 'required_parameter_missing', `${name} is required.`, {}, name);

export const invalidParameter = (name: string, expected: string) =>
  new SandboxError(400, 'invalid_parameter', `Invalid value for ${name}: ${expected}.`, {}, name);

/** A body field a strict schema does not take; `name` is its path, e.g. `card.cvc`, when it may be shown. */
export const unknownParameter = (name: string | undefined) =>
  new SandboxError(
    400,
    'invalid_parameter',
    name === undefined ? 'The request body has a field this API does not take.' : `Unknown field ${name}: this API takes no such argument.`,
  );

export const resourceDoesNotExist = (what: string) =>
  new SandboxError(404, 'resource_does_not_exist', `The ${what} does not exist.`);
