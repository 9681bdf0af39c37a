/**
 * Upstream enum strings -> the schema's enums, case-insensitively. A value the schema does not
 * know becomes the given fallback (UNKNOWN where the enum has it) and is logged once per process
 * as a warning, so a new Zoho value never crashes a query. Other upstream values read from a
 * closed list (a currency code) use the same logged-once warning (warnUnknownUpstreamValue).
 */
import type { Logger } from '../observability/logger';

const warned = new Set<string>();
const MAX_WARNED = 1000;

export function toSchemaEnum<T extends string>(
  raw: string | null | undefined,
  values: readonly T[],
  fallback: T,
  enumName: string,
  logger: Pick<Logger, 'warn'>,
): T {
  const upper = (raw ?? '').trim().toUpperCase();
  const known = values.find((value) => value === upper);
  if (known !== undefined) return known;
  warnUnknownUpstreamValue(enumName, raw, fallback, logger);
  return fallback;
}

/**
 * Like toSchemaEnum for a value Zoho may leave out: absent (null, undefined or '') is null without
 * a warning; an unknown value becomes `fallback` (null unless given, e.g. UNKNOWN), logged once.
 */
export function toOptionalSchemaEnum<T extends string>(
  raw: string | null | undefined,
  values: readonly T[],
  enumName: string,
  logger: Pick<Logger, 'warn'>,
  fallback: T | null = null,
): T | null {
  if (raw === null || raw === undefined || raw === '') return null;
  const upper = raw.trim().toUpperCase();
  const known = values.find((value) => value === upper);
  if (known !== undefined) return known;
  warnUnknownUpstreamValue(enumName, raw, fallback, logger);
  return fallback;
}

/**
 * Logs, once per process for each `enumName` and value (ignoring case and surrounding spaces), that
 * Zoho sent a value this gateway does not know and what it answered instead. The value is cut to
 * 64 characters; the logger's redaction masks anything shaped like a card or account number.
 */
export function warnUnknownUpstreamValue(
  enumName: string,
  raw: string | null | undefined,
  mappedTo: string | null,
  logger: Pick<Logger, 'warn'>,
): void {
  const key = `${enumName}:${String(raw).trim().toUpperCase()}`;
  if (warned.has(key) || warned.size >= MAX_WARNED) return;
  warned.add(key);
  logger.warn(
    { enum: enumName, upstreamValue: String(raw).slice(0, 64), mappedTo },
    `Zoho sent a ${enumName} value this gateway does not know`,
  );
}

/** For tests: forget which unknown values were already logged. */
export function resetUnknownEnumWarnings(): void {
  warned.clear();
}
