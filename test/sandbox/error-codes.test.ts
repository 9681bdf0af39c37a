/**
 * Which error codes are Zoho's and which the sandbox's own: sandbox/errors.ts's ERROR_CODES marks
 * a code as Zoho's exactly when Zoho's public docs name it (contract.md, "What Zoho documents about
 * its errors"; the seeds name none), and sandbox/README.md's error table marks every row the same
 * way, so the README cannot present an invented code as Zoho's again.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { ERROR_CODES, type ErrorCode } from '../../sandbox/errors';

/** The codes contract.md quotes from Zoho's "Errors" page (v1). */
const NAMED_BY_ZOHO = ['resource_does_not_exist', 'invalid_payment_session', 'customer_max_payment_methods', 'payment_method_unactivated', 'error'];

const readme = readFileSync(path.join(__dirname, '..', '..', 'sandbox', 'README.md'), 'utf8');

/** The rows of the README's error table: code and its "named by" cell. */
function errorTableRows(): Array<{ code: string; namedBy: string }> {
  const table = readme.slice(readme.indexOf('| HTTP | `code` | named by | when |'), readme.indexOf('\n\n', readme.indexOf('| HTTP | `code` | named by | when |')));
  return table
    .split('\n')
    .slice(2)
    .map((line) => line.split('|').map((cell) => cell.trim()))
    .flatMap(([, , code, namedBy]) => {
      const name = /^`([a-z_]+)`$/.exec(code ?? '')?.[1];
      return name === undefined ? [] : [{ code: name, namedBy: namedBy ?? '' }];
    });
}

it("ERROR_CODES marks a code as Zoho's exactly when Zoho's docs name it; every other is the sandbox's own", () => {
  for (const [code, { namedBy }] of Object.entries(ERROR_CODES)) {
    expect([code, namedBy]).toEqual([code, NAMED_BY_ZOHO.includes(code) ? 'zoho' : 'sandbox']);
  }
  expect(Object.entries(ERROR_CODES).filter(([, { namedBy }]) => namedBy === 'sandbox').map(([code]) => code)).toEqual([
    'method_not_allowed',
    'invalid_oauth_token',
    'required_parameter_missing',
    'invalid_account_id',
    'oauth_scope_mismatch',
    'rate_limit_exceeded',
    'invalid_json',
    'invalid_parameter',
    'payment_method_type_mismatch',
    'url_not_found',
  ]);
});

it("the README's error table marks every code as ERROR_CODES does, and lists every code of the emulated endpoints", () => {
  const rows = errorTableRows();
  expect(rows.length).toBeGreaterThanOrEqual(12);

  for (const { code, namedBy } of rows) {
    expect(code in ERROR_CODES).toBe(true);
    expect([code, namedBy]).toEqual([code, ERROR_CODES[code as ErrorCode].namedBy === 'zoho' ? 'Zoho' : 'sandbox']);
  }
  // Completion's codes and the control API's are named in the sentence after the table.
  const elsewhere = ['invalid_payment_session', 'customer_max_payment_methods', 'url_not_found'];
  const listed = new Set(rows.map((row) => row.code));
  expect(Object.keys(ERROR_CODES).filter((code) => !listed.has(code))).toEqual(elsewhere);
  for (const code of elsewhere) expect(readme).toContain(`\`${code}\``);
});
