/**
 * Input validation lives in `errors/validation.ts`. This re-export keeps `http/operation-limits.ts`
 * compiling while the HTTP front is rewritten elsewhere; it goes when that file imports from
 * `errors/validation`.
 */
export { MAX_IDS_PER_QUERY } from './errors/validation';
