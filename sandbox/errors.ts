/**
 * Zoho's error replies: `{"code": "<string>", "message": "<text>"}` with an HTTP status. Every
 * failure of a sandbox handler is one of these; README.md lists them in the order they are checked.
 */
export class SandboxError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly headers: Readonly<Record<string, string>> = {},
  ) {
    super(message);
    this.name = 'SandboxError';
  }
}

export const requiredParameterMissing = (name: string) =>
  new SandboxError(400, 'required_parameter_missing', `${name} is required.`);

export const invalidParameter = (name: string, expected: string) =>
  new SandboxError(400, 'invalid_parameter', `Invalid value for ${name}: ${expected}.`);

export const resourceDoesNotExist = (what: string) =>
  new SandboxError(404, 'resource_does_not_exist', `The ${what} does not exist.`);
