/**
 * Zoho documents `created_time` and `last_modified_time` as milliseconds, but its examples carry
 * seconds (1708950672). Values below 10^11 are read as seconds, others as milliseconds
 * (10^11 ms is March 1973; 10^11 s is the year 5138).
 */
export const SECONDS_THRESHOLD = 1e11;

export function zohoTime(value: number | string | null | undefined): Date | null {
  if (value === null || value === undefined || value === '') return null;
  const n = typeof value === 'number' ? value : Number(value);
  if (!Number.isFinite(n) || n < 0) return null;
  const ms = n < SECONDS_THRESHOLD ? n * 1000 : n;
  const date = new Date(ms);
  return Number.isNaN(date.getTime()) ? null : date;
}
