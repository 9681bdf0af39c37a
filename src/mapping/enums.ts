/**
 * Upstream enum strings -> the schema's enums, case-insensitively. A value the schema does not
 * know becomes the given fallback (UNKNOWN where the enum has it) and is logged once per process
 * as a warning, so a new Zoho value never crashes a query.
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
  warnUnknown(enumName, raw, fallback, logger);
  return fallback;
}

/** Like toSchemaEnum for an optional field: absent stays null, unknown becomes null (logged). */
export function toOptionalSchemaEnum<T extends string>(
  raw: string | null | undefined,
  values: readonly T[],
  enumName: string,
  logger: Pick<Logger, 'warn'>,
): T | null {
  if (raw === null || raw === undefined || raw === '') return null;
  const upper = raw.trim().toUpperCase();
  const known = values.find((value) => value === upper);
  if (known !== undefined) return known;
  warnUnknown(enumName, raw, null, logger);
  return null;
}

function warnUnknown(
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
