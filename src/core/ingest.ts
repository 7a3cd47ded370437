import {stableId} from './hash.js';
import {countryCode, parseLocation} from './geo.js';
import {
  bandRank, cleanText, linkedinSlug, nameKey, normalizeDomain, normalizeLinkedin, parseSize,
  type DomainStatus, type SizeBand,
} from './normalize.js';
import type {CompanyBase} from '../schemas/companies.js';

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

/** Finds each required column by name in any order; unknown columns are ignored. */
export function mapHeader(header: readonly string[]): {index: ColumnIndex; missing: string[]} {
  const positions = new Map<string, number>();
  header.forEach((h, i) => {
    const key = fold(h);
    if (!positions.has(key)) positions.set(key, i);
  });
  const index = {} as ColumnIndex;
  const missing: string[] = [];
  for (const [field, label] of Object.entries(CLAY_COLUMNS) as Array<[ClayField, string]>) {
    const at = positions.get(fold(label));
    if (at === undefined) missing.push(label);
    else index[field] = at;
  }
  return {index, missing};
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
 * Cleans one export row. A row is a company when it has a usable domain, name or LinkedIn URL; its key is
 * the domain, else the LinkedIn slug, else the folded name. Rows with none of these are rejected.
 */
export function cleanRow(fields: readonly string[], index: ColumnIndex, row: number, line: number): CleanResult {
  const get = (f: ClayField) => fields[index[f]] ?? '';
  const rawName = get('name');
  const rawDomain = get('domain');
  const rawLinkedin = get('linkedin');
  const name = cleanText(rawName).replace(/\s*[\r\n]+\s*/g, ' ');
  const {domain, status} = normalizeDomain(rawDomain);
  const slug = linkedinSlug(rawLinkedin);
  const folded = nameKey(name);
  let key: string;
  if (domain) key = `domain:${domain}`;
  else if (slug) key = `linkedin:${slug}`;
  else if (folded) key = `name:${folded}`;
  else {
    const what = status === 'invalid' ? `domain "${rawDomain.trim()}" is not a domain` : 'no domain';
    const reason = `nothing usable: no name, ${what}, ${rawLinkedin.trim() ? `LinkedIn URL "${rawLinkedin.trim()}" is not a company page` : 'no LinkedIn URL'}`;
    return {ok: false, value: {row, line, reason, name: rawName, domain: rawDomain, linkedin_url: rawLinkedin, raw: fields.join(',')}};
  }
  const size = parseSize(get('size'));
  const country = countryCode(get('country'));
  const location = cleanText(get('location'));
  const {city, state} = parseLocation(location, country);
  return {
    ok: true,
    value: {
      row, line, key, name, domain, domain_status: status,
      raw_domain: rawDomain.trim() === domain ? '' : rawDomain.trim(),
      description: get('description'),
      industry: cleanText(get('industry')),
      size_band: size.size_band,
      employees_min: size.employees_min,
      employees_max: size.employees_max,
      company_type: cleanText(get('type')),
      location, city, state, country,
      linkedin_url: slug ? normalizeLinkedin(rawLinkedin) : rawLinkedin.trim(),
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
  if (rows.length === 0) throw new Error('mergeRows needs at least one row');
  const ordered = rows.length === 1 ? rows : [...rows].sort(primaryOrder(rows));
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
