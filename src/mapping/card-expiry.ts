/**
 * Card expiry between the schema (months 1-12, four-digit years) and Zoho ("MM", "YY").
 */

/** Zoho's "01" -> 1. Undefined when it is not a month. */
export function expiryMonthFromZoho(raw: string | number): number | undefined {
  const month = Number(raw);
  return Number.isInteger(month) && month >= 1 && month <= 12 ? month : undefined;
}

/** Zoho's "26" -> 2026 (a four-digit value is taken as it is). Undefined when it is not a year. */
export function expiryYearFromZoho(raw: string | number): number | undefined {
  const text = String(raw);
  const year = Number(text);
  if (!Number.isInteger(year) || year < 0) return undefined;
  if (text.length <= 2) return 2000 + year;
  return text.length === 4 ? year : undefined;
}

/** 1 -> "01". */
export const expiryMonthToZoho = (month: number): string => String(month).padStart(2, '0');

/** 2026 -> "26". */
export const expiryYearToZoho = (year: number): string => String(year % 100).padStart(2, '0');

/** A card is usable through the last day of its expiry month (UTC). */
export function isExpiryPast(month: number, year: number, now: Date): boolean {
  const currentYear = now.getUTCFullYear();
  const currentMonth = now.getUTCMonth() + 1;
  return year < currentYear || (year === currentYear && month < currentMonth);
}
