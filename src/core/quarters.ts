/**
 * Calendar quarters of ISO dates (YYYY-MM-DD texts, no Date objects): index = year * 4 + (quarter - 1). For
 * tables' dates; a Calendar (calendar.ts) has the same for day numbers.
 */

/** The quarter index of a YYYY-MM-DD date. */
export function quarterOf(iso: string): number {
  const year = (iso.charCodeAt(0) - 48) * 1000 + (iso.charCodeAt(1) - 48) * 100 + (iso.charCodeAt(2) - 48) * 10 + (iso.charCodeAt(3) - 48);
  const month = (iso.charCodeAt(5) - 48) * 10 + (iso.charCodeAt(6) - 48);
  return year * 4 + Math.floor((month - 1) / 3);
}

/** 2025-Q1 */
export const quarterLabel = (q: number): string => `${Math.floor(q / 4)}-Q${(q % 4) + 1}`;

const pad2 = (n: number) => (n < 10 ? `0${n}` : `${n}`);

/** First day of a quarter (YYYY-MM-DD). */
export const quarterStart = (q: number): string => `${Math.floor(q / 4)}-${pad2((q % 4) * 3 + 1)}-01`;

/** Last day of a quarter (YYYY-MM-DD). */
export const quarterEnd = (q: number): string => `${Math.floor(q / 4)}-${['03-31', '06-30', '09-30', '12-31'][q % 4]}`;
