/**
 * From a mutation's `userErrors` to a form: each `field` is the path into the mutation's input
 * (`["input", "card", "expiryMonth"]`), so the form's input named after the rest of the path
 * (`card.expiryMonth`) shows the message. A path of just `["input"]`, or none, is about the input
 * as a whole (e.g. "change at least one thing"): show it above the form.
 */
import type { UserErrorCode } from './generated/graphql';

/** What every payload's `userErrors { field code message }` selection gives. */
export interface UserErrorLike {
  readonly field: ReadonlyArray<string> | null;
  readonly code: UserErrorCode;
  readonly message: string;
}

export interface FormErrors {
  /** Messages by input name: `card.expiryMonth`, `billingAddress.country`, `idempotencyKey`. */
  readonly fields: Readonly<Record<string, readonly string[]>>;
  /** Messages about the input as a whole. */
  readonly form: readonly string[];
}

/** `root` is the mutation's argument name: `input` for every mutation of this API. */
export function formErrors(userErrors: ReadonlyArray<UserErrorLike>, root = 'input'): FormErrors {
  const fields: Record<string, string[]> = {};
  const form: string[] = [];
  for (const { field, message } of userErrors) {
    const path = field?.[0] === root ? field.slice(1) : (field ?? []);
    if (path.length === 0) {
      form.push(message);
      continue;
    }
    const name = path.join('.');
    (fields[name] ??= []).push(message);
  }
  return { fields, form };
}
