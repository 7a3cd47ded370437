import {parse as parseDomain} from 'tldts';

/** Canonical LinkedIn-style size bands, smallest first. */
export const SIZE_BANDS = ['1', '2-10', '11-50', '51-200', '201-500', '501-1000', '1001-5000', '5001-10000', '10001+'] as const;
export type KnownSizeBand = (typeof SIZE_BANDS)[number];
export type SizeBand = KnownSizeBand | 'unknown';
export const ALL_SIZE_BANDS = [...SIZE_BANDS, 'unknown'] as const;

const BAND_BOUNDS: ReadonlyArray<readonly [KnownSizeBand, number, number | null]> = [
  ['1', 1, 1], ['2-10', 2, 10], ['11-50', 11, 50], ['51-200', 51, 200], ['201-500', 201, 500],
  ['501-1000', 501, 1000], ['1001-5000', 1001, 5000], ['5001-10000', 5001, 10000], ['10001+', 10001, null],
];

export interface ParsedSize {
  size_band: SizeBand;
  employees_min: number | null;
  employees_max: number | null;
}

const RANGE_RE = /^(\d+)\s*(?:-|–|—|to)\s*(\d+)/;
const PLUS_RE = /^(\d+)\s*\+/;
const SINGLE_RE = /^(\d+)\b/;
const SELF_RE = /^self[\s-]?employed$/;

/** `501-1,000 employees` -> 501-1000 (501..1000); `10,001+ employees` -> 10001+; `Self-employed` -> 1. */
export function parseSize(raw: string): ParsedSize {
  const text = raw.trim().toLowerCase().replace(/(\d),(?=\d{3}\b)/g, '$1').replace(/\s+/g, ' ');
  if (!text) return {size_band: 'unknown', employees_min: null, employees_max: null};
  if (SELF_RE.test(text.replace(/\s*employees?$/, ''))) return {size_band: '1', employees_min: 1, employees_max: 1};
  let min: number | null = null;
  let max: number | null = null;
  let m = RANGE_RE.exec(text);
  if (m) {
    min = Number(m[1]);
    max = Number(m[2]);
    if (max < min) [min, max] = [max, min];
  } else if ((m = PLUS_RE.exec(text))) {
    min = Number(m[1]);
  } else if ((m = SINGLE_RE.exec(text))) {
    min = Number(m[1]);
    max = min;
  }
  if (min === null) return {size_band: 'unknown', employees_min: null, employees_max: null};
  return {size_band: bandFor(Math.max(min, 1)), employees_min: min, employees_max: max};
}

/** The canonical band that contains an employee count. */
export function bandFor(employees: number): KnownSizeBand {
  for (const [band, lo, hi] of BAND_BOUNDS) {
    if (employees >= lo && (hi === null || employees <= hi)) return band;
  }
  return '1';
}

/** Index of a band, smallest first; unknown is -1. */
export function bandRank(band: SizeBand): number {
  return (SIZE_BANDS as readonly string[]).indexOf(band);
}

export type DomainStatus = 'ok' | 'missing' | 'invalid';

/**
 * Normalises anything a user may type as a website to its registrable domain, lower-case:
 * `https://www.Example.com/about`, `WWW.example.com`, `example.com.` all give `example.com`.
 */
export function normalizeDomain(raw: string): {domain: string; status: DomainStatus} {
  let text = raw.trim().toLowerCase();
  if (!text) return {domain: '', status: 'missing'};
  if (['n/a', 'na', 'none', 'null', '-', '--'].includes(text)) return {domain: '', status: 'missing'};
  if (!/^[a-z][a-z0-9+.-]*:\/\//.test(text)) text = `http://${text}`;
  let host: string;
  try {
    host = new URL(text).hostname;
  } catch {
    return {domain: '', status: 'invalid'};
  }
  host = host.replace(/\.+$/, '');
  const parsed = parseDomain(host);
  if (!parsed.domain || parsed.isIp || !parsed.isIcann) return {domain: '', status: 'invalid'};
  return {domain: parsed.domain, status: 'ok'};
}

/** The company slug of a LinkedIn company URL, lower-case, or '' when the text is not one. */
export function linkedinSlug(raw: string): string {
  const m = /linkedin\.com\/(?:company|school|showcase)\/([^/?#\s]+)/i.exec(raw.trim());
  return m ? decodeURIComponent(m[1]).toLowerCase() : '';
}

/** Canonical form of a LinkedIn company URL: https://www.linkedin.com/company/<slug>. */
export function normalizeLinkedin(raw: string): string {
  const slug = linkedinSlug(raw);
  return slug ? `https://www.linkedin.com/company/${slug}` : raw.trim();
}

/** Name folded for use as a key: lower-case, accents stripped, punctuation and spaces collapsed. */
export function nameKey(raw: string): string {
  return raw
    .normalize('NFKD')
    .replace(/[\u0300-\u036f]/g, '')
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, ' ')
    .trim();
}

/** Trims and collapses inner runs of spaces on one line (descriptions keep their line breaks untouched). */
export function cleanText(raw: string): string {
  return raw.trim().replace(/[ \t]+/g, ' ');
}
