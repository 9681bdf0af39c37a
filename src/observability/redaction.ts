/**
 * Secrets and card/bank data found by their shape, masked wherever text leaves the process: in
 * error messages (errors.ts, server.ts) and in every log line (logger.ts).
 *
 * What it recognises: a `Zoho-oauthtoken <token>` header value, a Zoho OAuth token
 * (`1000.<hex>.<hex>`), a card number (12 to 19 digits, alone or grouped by single spaces or
 * dashes, passing the Luhn check) and an ABA routing number (9 digits passing its checksum).
 * Callers add the secrets they know exactly (the caller's own token), whatever their shape.
 */

/** What a masked number becomes: its last four digits, as the schema's `last4` shows them. */
const masked = (digits: string) => `••••${digits.slice(-4)}`;

/** What any pattern below needs to match: text without it is returned as it is. */
const MAY_HOLD_PATTERN = /\d|oauthtoken/i;
/**
 * What a card number (12 to 19 digits in whole groups, single separators) or a routing number (9
 * digits) needs at least: 9 digits with at most one space or dash between two. Most text that
 * holds digits (durations, short ids, versions) has no such run and skips the digit scan.
 */
const NINE_DIGITS = /\d(?:[ -]?\d){8}/;

/** Masks the given secrets and anything shaped like a token, a card number or a routing number. */
export function redactSecrets(text: string, secrets: readonly string[] = []): string {
  // The caller's own token, whatever its shape, first: the patterns below only know common ones.
  let result = text;
  for (const secret of secrets) {
    if (secret.length >= 4 && result.includes(secret)) result = result.split(secret).join('[Redacted]');
  }
  if (!MAY_HOLD_PATTERN.test(result)) return result;
  // Each replacement only where its pattern can match (a log line's strings are scanned one by one).
  // The token up to a quote, bracket or separator, so the text around it stays readable.
  if (/oauthtoken/i.test(result)) result = result.replace(/Zoho-oauthtoken\s+[^\s"'<>,;\\]+/gi, 'Zoho-oauthtoken [Redacted]');
  if (result.includes('1000.')) result = result.replace(/\b1000\.[0-9a-f]{8,}\.[0-9a-f]{8,}\b/gi, '[Redacted]');
  // Runs of digits, alone or grouped by single spaces or dashes, with no digit right before or after.
  if (NINE_DIGITS.test(result)) result = result.replace(/(?<!\d)\d+(?:[ -]\d+)*(?!\d)/g, maskNumbersInRun);
  return result;
}

/** True when the text holds something redactSecrets would mask. */
export function containsSecrets(text: string, secrets: readonly string[] = []): boolean {
  return redactSecrets(text, secrets) !== text;
}

/**
 * Masks every card number inside a run of digit groups ("4111 1111 1111 1111", "id 1 4111…"):
 * the longest span of whole groups, 12 to 19 digits, that passes the Luhn check; and a lone group
 * of 9 digits that passes the ABA routing-number checksum.
 */
function maskNumbersInRun(run: string): string {
  // One group (an id, a path's digits): the same rules without splitting the run.
  if (!run.includes(' ') && !run.includes('-')) {
    const length = run.length;
    if (length >= 12 && length <= 19 && luhnValid(run)) return masked(run);
    if (length === 9 && routingNumberValid(run)) return masked(run);
    return run;
  }
  const groups = run.split(/[ -]/);
  const separators = run.match(/[ -]/g) ?? [];
  const out: string[] = [];
  let i = 0;
  while (i < groups.length) {
    // The longest span of whole groups from i that is a card number: at most 19 digits, so the
    // search looks at no more than 19 groups (linear in the run, however many groups it has).
    let end = -1;
    let span = '';
    for (let j = i; j < groups.length; j += 1) {
      span += groups[j] ?? '';
      if (span.length > 19) break;
      if (span.length >= 12 && luhnValid(span)) end = j + 1;
    }
    if (end !== -1) {
      const digits = groups.slice(i, end).join('');
      out.push(masked(digits), end < groups.length ? (separators[end - 1] ?? '') : '');
      i = end;
    } else {
      const group = groups[i] ?? '';
      out.push(group.length === 9 && routingNumberValid(group) ? masked(group) : group);
      out.push(i < groups.length - 1 ? (separators[i] ?? '') : '');
      i += 1;
    }
  }
  return out.join('');
}

/** The Luhn (mod 10) check that every card number passes. */
export function luhnValid(digits: string): boolean {
  let sum = 0;
  for (let i = 0; i < digits.length; i += 1) {
    let d = digits.charCodeAt(digits.length - 1 - i) - 48;
    if (d < 0 || d > 9) return false;
    if (i % 2 === 1) {
      d *= 2;
      if (d > 9) d -= 9;
    }
    sum += d;
  }
  return sum % 10 === 0;
}

/** The ABA checksum every US routing number passes: 3·(d1+d4+d7) + 7·(d2+d5+d8) + (d3+d6+d9) ≡ 0 mod 10. */
export function routingNumberValid(digits: string): boolean {
  if (!/^\d{9}$/.test(digits)) return false;
  const d = [...digits].map(Number) as number[];
  const weights = [3, 7, 1, 3, 7, 1, 3, 7, 1];
  return d.reduce((sum, digit, index) => sum + digit * (weights[index] ?? 0), 0) % 10 === 0;
}
