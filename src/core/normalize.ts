import {parse as parseDomain} from 'tldts';
import {SIZE_BANDS, type KnownSizeBand, type SizeBand} from './size-bands.js';

export {ALL_SIZE_BANDS, SIZE_BANDS, type KnownSizeBand, type SizeBand} from './size-bands.js';

const BAND_BOUNDS: ReadonlyArray<readonly [KnownSizeBand, number, number | null]> = [
  ['1', 1, 1],
  ['2-10', 2, 10],
  ['11-50', 11, 50],
  ['51-200', 51, 200],
  ['201-500', 201, 500],
  ['501-1000', 501, 1000],
  ['1001-5000', 1001, 5000],
  ['5001-10000', 5001, 10000],
  ['10001+', 10001, null],
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
  const text = raw
    .trim()
    .toLowerCase()
    .replace(/(\d),(?=\d{3}\b)/g, '$1')
    .replace(/\s+/g, ' ');
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
function bandFor(employees: number): KnownSizeBand {
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

const MISSING_DOMAINS = new Set(['n/a', 'na', 'none', 'null', '-', '--']);
const SCHEME_RE = /^[a-z][a-z0-9+.-]*:\/\//;
const TRAILING_DOTS_RE = /\.+$/;

/**
 * Normalises anything a user may type as a website to its registrable domain, lower-case:
 * `https://www.Example.com/about`, `WWW.example.com`, `example.com.` all give `example.com`.
 */
export function normalizeDomain(raw: string): {domain: string; status: DomainStatus} {
  const text = raw.trim().toLowerCase();
  if (!text || MISSING_DOMAINS.has(text)) return {domain: '', status: 'missing'};
  const host = simpleHost(text) ?? hostViaUrl(text);
  if (host === null) return {domain: '', status: 'invalid'};
  return registrable(host);
}

/** The reference path of normalizeDomain: the host as WHATWG URL parsing gives it (null when it fails). */
export function normalizeDomainViaUrl(raw: string): {domain: string; status: DomainStatus} {
  const text = raw.trim().toLowerCase();
  if (!text || MISSING_DOMAINS.has(text)) return {domain: '', status: 'missing'};
  const host = hostViaUrl(text);
  if (host === null) return {domain: '', status: 'invalid'};
  return registrable(host);
}

function hostViaUrl(text: string): string | null {
  try {
    return new URL(SCHEME_RE.test(text) ? text : `http://${text}`).hostname;
  } catch {
    return null;
  }
}

/** tldts reads private public-suffix entries too (github.io, herokuapp.com, blogspot.com, ...). */
const WITH_PRIVATE = {allowPrivateDomains: true} as const;

/**
 * The registrable domain of a host. Under a private public suffix (`github.io`, `herokuapp.com`, `netlify.app`,
 * `wixsite.com`, `blogspot.com`, ...) that is the site's own name (`a.github.io` and `b.github.io` are two
 * sites, two organisations); the private suffix itself (`github.io`) is its operator's ICANN domain. Anything
 * else is read as before: `www.foo.co.uk` -> `foo.co.uk`. Hosts under no ICANN suffix (`localhost`) and IP
 * addresses are invalid.
 */
function registrable(hostname: string): {domain: string; status: DomainStatus} {
  const host = hostname.charCodeAt(hostname.length - 1) === 46 ? hostname.replace(TRAILING_DOTS_RE, '') : hostname;
  let parsed = parseDomain(host, WITH_PRIVATE);
  if (parsed.isPrivate) {
    if (parsed.domain) return {domain: parsed.domain, status: 'ok'};
    parsed = parseDomain(host);
  }
  if (!parsed.domain || parsed.isIp || !parsed.isIcann) return {domain: '', status: 'invalid'};
  return {domain: parsed.domain, status: 'ok'};
}

/**
 * The hostname of the common, simple forms (`example.com`, `https://www.example.com/about`, `example.com.`)
 * without the URL parser, or null for anything else (which then goes through the URL parser). For these
 * forms the URL parser returns the host text unchanged: `[a-z0-9-]` labels joined by single dots (at most
 * one trailing dot), after an optional http:// or https://, up to the end or a '/'. Excluded because the URL
 * parser treats them specially: `xn--` labels (punycode, validated), a last label that starts with a digit
 * (IPv4 forms like `1.2.3.4` or `0x7f.1`), anything else (ports, user info, IPv6, `%`, non-ASCII, spaces ...).
 */
function simpleHost(text: string): string | null {
  let start = 0;
  if (text.startsWith('http://')) start = 7;
  else if (text.startsWith('https://')) start = 8;
  let end = text.length;
  let lastLabel = start;
  let prevLabel = start;
  for (let i = start; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if ((c >= 97 && c <= 122) || (c >= 48 && c <= 57) || c === 45) continue;
    if (c === 46) {
      if (i === start || text.charCodeAt(i - 1) === 46) return null;
      prevLabel = lastLabel;
      lastLabel = i + 1;
      continue;
    }
    if (c === 47) {
      end = i;
      break;
    }
    return null;
  }
  if (end === start) return null;
  // The label that decides "ends in a number": the last one, or the one before a trailing dot.
  const decisive = lastLabel === end ? prevLabel : lastLabel;
  const d = text.charCodeAt(decisive);
  if (d >= 48 && d <= 57) return null;
  const host = start === 0 && end === text.length ? text : text.slice(start, end);
  if (host.includes('xn--')) return null;
  return host;
}

const LINKEDIN_RE = /linkedin\.com\/(?:company|school|showcase)\/([^/?#\s]+)/i;

/** The company slug of a LinkedIn company URL, lower-case, or '' when the text is not one. */
export function linkedinSlug(raw: string): string {
  const m = LINKEDIN_RE.exec(raw.trim());
  if (!m) return '';
  const slug = m[1];
  if (!slug.includes('%')) return slug.toLowerCase();
  try {
    return decodeURIComponent(slug).toLowerCase();
  } catch {
    return slug.toLowerCase(); // a broken %-escape: keep the slug as written
  }
}

/** Canonical form of a LinkedIn company URL, https://www.linkedin.com/company/<slug>, given its linkedinSlug (else the text trimmed). */
export function linkedinUrl(raw: string, slug: string): string {
  return slug ? `https://www.linkedin.com/company/${slug}` : raw.trim();
}

const NON_ASCII_RE = /[^\x00-\x7f]/;
const COMBINING_RE = /[\u0300-\u036f]/g;
const NON_ALNUM_RE = /[^a-z0-9]+/g;
const FOLDED_RE = /^[a-z0-9]+(?: [a-z0-9]+)*$/;

/** Name folded for use as a key: lower-case, accents stripped, punctuation and spaces collapsed. */
export function nameKey(raw: string): string {
  // NFKD and the accent strip change nothing in ASCII text; an already folded name is returned as is.
  const lower = (NON_ASCII_RE.test(raw) ? raw.normalize('NFKD').replace(COMBINING_RE, '') : raw).toLowerCase();
  if (FOLDED_RE.test(lower)) return lower;
  return lower.replace(NON_ALNUM_RE, ' ').trim();
}

const SPACES_RE = /[ \t]+/g;

/** Trims and collapses inner runs of spaces on one line (descriptions keep their line breaks untouched). */
export function cleanText(raw: string): string {
  const text = raw.trim();
  // Only a tab or two spaces in a row change anything.
  return text.includes('\t') || text.includes('  ') ? text.replace(SPACES_RE, ' ') : text;
}
