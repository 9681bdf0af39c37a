/**
 * Zoho's `currency` -> the schema's Currency (ISO 4217, upper case). Zoho's docs say it may be
 * empty; the seeds show `USD`. Empty or absent is null; a lower-case code is upper-cased; a code
 * that is not ISO 4217 is null and logged once (mapping/enums.ts), never an error.
 */
import { CurrencyResolver } from 'graphql-scalars';
import type { Logger } from '../observability/logger';
import { warnUnknownUpstreamValue } from './enums';

export function currencyFromZoho(raw: string | null | undefined, logger: Pick<Logger, 'warn'>): string | null {
  const code = raw?.trim().toUpperCase() ?? '';
  if (code === '') return null;
  if (isIsoCurrencyCode(code)) return code;
  warnUnknownUpstreamValue('Currency', raw, null, logger);
  return null;
}

/** The Currency scalar's own list decides, so what this answers the scalar always accepts. */
function isIsoCurrencyCode(code: string): boolean {
  if (!/^[A-Z]{3}$/.test(code)) return false;
  try {
    CurrencyResolver.serialize(code);
    return true;
  } catch {
    return false;
  }
}
