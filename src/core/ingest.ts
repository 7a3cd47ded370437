import {stableId} from './hash.js';
import {countryCode, parseLocation} from './geo.js';
import {
  bandRank, cleanText, linkedinSlug, linkedinUrl, nameKey, normalizeDomain, parseSize,
  type DomainStatus, type ParsedSize, type SizeBand,
} from './normalize.js';
import type {CompanyBase} from '../schemas/companies.js';
import {excerpt} from './strings.js';

/** The Clay export columns the tool reads, and the header each is matched by (case and spaces ignored). */
export const CLAY_COLUMNS = {
  name: 'Name',
  description: 'Description',
  industry: 'Primary Industry',
  size: 'Size',
  type: 'Type',
  location: 'Location',
  country: 'Country',
  domain: 'Domain',
  linkedin: 'LinkedIn URL',
} as const;
export type ClayField = keyof typeof CLAY_COLUMNS;
export type ColumnIndex = Record<ClayField, number>;

const fold = (s: string) => s.replace(/^\uFEFF/, '').trim().toLowerCase().replace(/\s+/g, ' ');

/**
 * Finds each required column by name in any order; unknown columns are ignored. `duplicates`: the required
 * columns the header names more than once, with the positions (0-based) of each: which one to read is not ours to guess.
 */
export function mapHeader(header: readonly string[]): {index: ColumnIndex; missing: string[]; duplicates: Array<{label: string; positions: number[]}>} {
  const positions = new Map<string, number[]>();
  header.forEach((h, i) => {
    const key = fold(h);
    const at = positions.get(key);
    if (at) at.push(i);
    else positions.set(key, [i]);
  });
  const index = {} as ColumnIndex;
  const missing: string[] = [];
  const duplicates: Array<{label: string; positions: number[]}> = [];
  for (const [field, label] of Object.entries(CLAY_COLUMNS) as Array<[ClayField, string]>) {
    const at = positions.get(fold(label));
    if (at === undefined) missing.push(label);
    else {
      index[field] = at[0];
      if (at.length > 1) duplicates.push({label, positions: at});
    }
  }
  return {index, missing, duplicates};
}

/** One input row after cleaning, before accounts are merged. */
export interface CleanRow {
  row: number;
  line: number;
  key: string;
  name: string;
  domain: string;
  domain_status: DomainStatus;
  raw_domain: string;
  description: string;
  industry: string;
  size_band: SizeBand;
  employees_min: number | null;
  employees_max: number | null;
  company_type: string;
  location: string;
  city: string;
  state: string;
  country: string;
  linkedin_url: string;
}

export interface RejectedRow {
  row: number;
  line: number;
  reason: string;
  name: string;
  domain: string;
  linkedin_url: string;
  raw: string;
}

export type CleanResult = {ok: true; value: CleanRow} | {ok: false; value: RejectedRow};

/**
 * A bounded memo for columns that repeat a few hundred distinct values over millions of rows (size labels,
 * countries, locations). Values are never handed out to be mutated. When full it starts again (no LRU
 * bookkeeping per lookup): results do not depend on it, only the time does.
 */
class Memo<V> {
  private readonly map = new Map<string, V>();
  constructor(private readonly max: number) {}
  get(key: string): V | undefined {
    return this.map.get(key);
  }
  set(key: string, value: V): void {
    if (this.map.size >= this.max) this.map.clear();
    this.map.set(key, value);
  }
}

const sizeMemo = new Memo<ParsedSize>(1024);
const countryMemo = new Memo<string>(1024);
/** By country code, then the raw Location field: the cleaned location and what parseLocation read from it. */
const locationMemo = new Memo<Memo<{location: string; city: string; state: string}>>(512);
const NAME_BREAKS_RE = /\s*[\r\n]+\s*/g;

function cachedSize(raw: string): ParsedSize {
  let v = sizeMemo.get(raw);
  if (v === undefined) sizeMemo.set(raw, (v = parseSize(raw)));
  return v;
}

function cachedCountry(raw: string): string {
  let v = countryMemo.get(raw);
  if (v === undefined) countryMemo.set(raw, (v = countryCode(raw)));
  return v;
}

function cachedLocation(raw: string, country: string): {location: string; city: string; state: string} {
  let byRaw = locationMemo.get(country);
  if (byRaw === undefined) locationMemo.set(country, (byRaw = new Memo(4096)));
  let v = byRaw.get(raw);
  if (v === undefined) {
    const location = cleanText(raw);
    const {city, state} = parseLocation(location, country);
    byRaw.set(raw, (v = {location, city, state}));
  }
  return v;
}

/** The Name field cleaned: trimmed, inner runs of spaces collapsed, line breaks (and spaces around them) to one space. */
function cleanName(raw: string): string {
  const name = cleanText(raw);
  return name.includes('\n') || name.includes('\r') ? name.replace(NAME_BREAKS_RE, ' ') : name;
}

/** The key of a company: the domain, else the LinkedIn slug, else the folded name; '' when none is usable. */
function keyOf(domain: string, slug: string, name: string): string {
  if (domain) return `domain:${domain}`;
  if (slug) return `linkedin:${slug}`;
  const folded = nameKey(name);
  return folded ? `name:${folded}` : '';
}

/**
 * The key cleanRow gives this row, or '' when cleanRow rejects it; reads only the Name, Domain and LinkedIn
 * fields (for a first pass that only counts the rows of each key).
 */
export function rowKey(fields: readonly string[], index: ColumnIndex): string {
  return keyOf(normalizeDomain(fields[index.domain] ?? '').domain, linkedinSlug(fields[index.linkedin] ?? ''), cleanName(fields[index.name] ?? ''));
}

/**
 * Cleans one export row. A row is a company when it has a usable domain, name or LinkedIn URL; its key is
 * the domain, else the LinkedIn slug, else the folded name. Rows with none of these are rejected.
 */
export function cleanRow(fields: readonly string[], index: ColumnIndex, row: number, line: number): CleanResult {
  const rawName = fields[index.name] ?? '';
  const rawDomain = fields[index.domain] ?? '';
  const rawLinkedin = fields[index.linkedin] ?? '';
  const name = cleanName(rawName);
  const {domain, status} = normalizeDomain(rawDomain);
  const slug = linkedinSlug(rawLinkedin);
  const key = keyOf(domain, slug, name);
  if (key === '') {
    const what = status === 'invalid' ? `domain "${excerpt(rawDomain.trim())}" is not a domain` : 'no domain';
    const reason = `nothing usable: no name, ${what}, ${rawLinkedin.trim() ? `LinkedIn URL "${excerpt(rawLinkedin.trim())}" is not a company page` : 'no LinkedIn URL'}`;
    return {ok: false, value: {row, line, reason, name: rawName, domain: rawDomain, linkedin_url: rawLinkedin, raw: fields.join(',')}};
  }
  const size = cachedSize(fields[index.size] ?? '');
  const country = cachedCountry(fields[index.country] ?? '');
  const loc = cachedLocation(fields[index.location] ?? '', country);
  const trimmedDomain = rawDomain.trim();
  return {
    ok: true,
    value: {
      row, line, key, name, domain, domain_status: status,
      raw_domain: trimmedDomain === domain ? '' : trimmedDomain,
      description: fields[index.description] ?? '',
      industry: cleanText(fields[index.industry] ?? ''),
      size_band: size.size_band,
      employees_min: size.employees_min,
      employees_max: size.employees_max,
      company_type: cleanText(fields[index.type] ?? ''),
      location: loc.location,
      city: loc.city,
      state: loc.state,
      country,
      linkedin_url: slug ? linkedinUrl(rawLinkedin, slug) : rawLinkedin.trim(),
    },
  };
}

/**
 * Orders the rows of one account so that the first is the primary record, independent of input order:
 * the brand page (whose name starts the most other names: `Golden Hour Home Care` before
 * `Golden Hour Home Care of Mesa`), then the largest size band (the headquarters page, usually), then the
 * longest description, then the shortest name, then LinkedIn URL, name and description as text.
 */
function primaryOrder(rows: readonly CleanRow[]): (a: CleanRow, b: CleanRow) => number {
  const keys = rows.map((r) => nameKey(r.name));
  const brand = new Map<CleanRow, number>();
  rows.forEach((r, i) => {
    const k = keys[i];
    brand.set(r, k ? keys.filter((o) => o !== k && o.startsWith(`${k} `)).length : 0);
  });
  return (a, b) => brand.get(b)! - brand.get(a)! || primaryFirst(a, b);
}

function primaryFirst(a: CleanRow, b: CleanRow): number {
  return (
    bandRank(b.size_band) - bandRank(a.size_band) ||
    b.description.length - a.description.length ||
    a.name.length - b.name.length ||
    cmp(a.linkedin_url, b.linkedin_url) ||
    cmp(a.name, b.name) ||
    cmp(a.description, b.description) ||
    cmp(a.raw_domain, b.raw_domain) ||
    cmp(a.location, b.location) ||
    cmp(a.industry, b.industry)
  );
}

const cmp = (a: string, b: string) => (a < b ? -1 : a > b ? 1 : 0);

/**
 * Merges the rows of one account (same key) into a company. The result depends only on the set of rows,
 * never on their order: the primary row is chosen by content, and empty fields are filled from the other
 * rows in the same order. Other names and LinkedIn pages are kept, sorted.
 */
export function mergeRows(rows: readonly CleanRow[], isPreviousCustomer: boolean): CompanyBase {
  if (rows.length === 1) return single(rows[0], isPreviousCustomer);
  if (rows.length === 0) throw new Error('mergeRows needs at least one row');
  const ordered = [...rows].sort(primaryOrder(rows));
  const p = ordered[0];
  const pick = <K extends keyof CleanRow>(k: K): CleanRow[K] => {
    for (const r of ordered) if (r[k] !== '' && r[k] !== null) return r[k];
    return p[k];
  };
  const sized = ordered.find((r) => r.size_band !== 'unknown') ?? p;
  const located = ordered.find((r) => r.location !== '') ?? p;
  const uniqueSorted = (values: string[], except: string) =>
    [...new Set(values.filter((v) => v !== '' && v !== except))].sort();
  return {
    company_id: stableId('co', p.key),
    company_key: p.key,
    name: pick('name'),
    domain: p.domain,
    domain_status: p.domain_status,
    raw_domain: p.raw_domain,
    description: pick('description'),
    industry: pick('industry'),
    size_band: sized.size_band,
    employees_min: sized.employees_min,
    employees_max: sized.employees_max,
    company_type: pick('company_type'),
    location: located.location,
    city: located.city,
    state: located.state,
    country: pick('country'),
    linkedin_url: pick('linkedin_url'),
    other_names: uniqueSorted(ordered.map((r) => r.name), pick('name')),
    other_linkedin_urls: uniqueSorted(ordered.map((r) => r.linkedin_url), pick('linkedin_url')),
    source_rows: [...ordered].map((r) => r.row).sort((x, y) => x - y).map(String),
    is_previous_customer: isPreviousCustomer,
  };
}

/** mergeRows of a one-row account (most of them): the row is the primary and nothing is filled in or listed. */
function single(p: CleanRow, isPreviousCustomer: boolean): CompanyBase {
  return {
    company_id: stableId('co', p.key),
    company_key: p.key,
    name: p.name,
    domain: p.domain,
    domain_status: p.domain_status,
    raw_domain: p.raw_domain,
    description: p.description,
    industry: p.industry,
    size_band: p.size_band,
    employees_min: p.employees_min,
    employees_max: p.employees_max,
    company_type: p.company_type,
    location: p.location,
    city: p.city,
    state: p.state,
    country: p.country,
    linkedin_url: p.linkedin_url,
    other_names: [],
    other_linkedin_urls: [],
    source_rows: [String(p.row)],
    is_previous_customer: isPreviousCustomer,
  };
}
