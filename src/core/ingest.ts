import {stableId} from './hash.js';
import {countryCode, parseLocation} from './geo.js';
import {
  bandRank,
  cleanText,
  linkedinSlug,
  linkedinUrl,
  nameKey,
  normalizeDomain,
  parseSize,
  type DomainStatus,
  type ParsedSize,
  type SizeBand,
} from './normalize.js';
import type {CompanyBase} from '../schemas/companies.js';
import {excerpt} from './strings.js';

/** The Clay export columns the tool reads, and the header each is matched by (case and spaces ignored). */
const CLAY_COLUMNS = {
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

const fold = (s: string) =>
  s
    .replace(/^\uFEFF/, '')
    .trim()
    .toLowerCase()
    .replace(/\s+/g, ' ');

/**
 * Finds each required column by name in any order; unknown columns are ignored. `duplicates`: the required
 * columns the header names more than once, with the positions (0-based) of each: which one to read is not ours to guess.
 */
export function mapHeader(header: readonly string[]): {
  index: ColumnIndex;
  missing: string[];
  duplicates: Array<{label: string; positions: number[]}>;
} {
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
function keyOf(domain: string, slug: string, folded: string): string {
  if (domain) return `domain:${domain}`;
  if (slug) return `linkedin:${slug}`;
  return folded ? `name:${folded}` : '';
}

/** What the first pass reads of a row (see readKey). */
export interface RowKey {
  /** The key cleanRow gives the row ('' when it has no usable domain, LinkedIn URL or name). */
  key: string;
  /** Its folded name (nameKey of the cleaned Name; '' when it has none). */
  folded: string;
  /** Whether it has a usable domain (its key is the domain). */
  hasDomain: boolean;
}

/**
 * The key cleanRow gives this row and its folded name; reads only the Name, Domain and LinkedIn fields (for a
 * first pass that only counts the rows of each key). cleanRow rejects the row when the key is '' or the name
 * says the page is gone (isGoneName).
 */
export function readKey(fields: readonly string[], index: ColumnIndex): RowKey {
  const folded = nameKey(cleanName(fields[index.name] ?? ''));
  const domain = normalizeDomain(fields[index.domain] ?? '').domain;
  return {key: keyOf(domain, domain ? '' : linkedinSlug(fields[index.linkedin] ?? ''), folded), folded, hasDomain: domain !== ''};
}

/** The cleaning rules of config/ingest.yml, compiled (see ingestRules). */
export interface IngestRules {
  /** Folded names (nameKey) that say the LinkedIn page is gone or a placeholder. */
  goneNames: ReadonlySet<string>;
}

/** No name is taken as a gone page. */
export const NO_INGEST_RULES: IngestRules = {goneNames: new Set()};

/** Compiles config/ingest.yml (validated by IngestConfigSchema). */
export function ingestRules(cfg: {gone_pages: {names: readonly string[]}}): IngestRules {
  return {goneNames: new Set(cfg.gone_pages.names.map(nameKey).filter((k) => k !== ''))};
}

/**
 * Whether a row's name says its LinkedIn page is gone or a placeholder ("Deactivated Account", "LinkedIn
 * Member"): its folded name (nameKey of the cleaned Name) is one of the rules' names, whole. A name that only
 * contains one ("Deactivated Account Services") is not.
 */
export const isGoneName = (folded: string, rules: IngestRules): boolean => folded !== '' && rules.goneNames.has(folded);

/**
 * Cleans one export row. A row is a company when it has a usable domain, name or LinkedIn URL; its key is
 * the domain, else the LinkedIn slug, else the folded name. Rows with none of these are rejected, and so are
 * rows whose name says the page is gone (see isGoneName).
 */
export function cleanRow(
  fields: readonly string[],
  index: ColumnIndex,
  row: number,
  line: number,
  rules: IngestRules = NO_INGEST_RULES,
): CleanResult {
  const rawName = fields[index.name] ?? '';
  const rawDomain = fields[index.domain] ?? '';
  const rawLinkedin = fields[index.linkedin] ?? '';
  const name = cleanName(rawName);
  const reject = (reason: string): CleanResult => ({
    ok: false,
    value: {row, line, reason, name: rawName, domain: rawDomain, linkedin_url: rawLinkedin, raw: fields.join(',')},
  });
  const folded = rules.goneNames.size > 0 ? nameKey(name) : undefined;
  if (folded !== undefined && isGoneName(folded, rules)) return reject(`name says the page is gone: ${name}`);
  const {domain, status} = normalizeDomain(rawDomain);
  const slug = linkedinSlug(rawLinkedin);
  const key = keyOf(domain, slug, domain || slug ? '' : (folded ?? nameKey(name)));
  if (key === '') {
    const what = status === 'invalid' ? `domain "${excerpt(rawDomain.trim())}" is not a domain` : 'no domain';
    return reject(
      `nothing usable: no name, ${what}, ${rawLinkedin.trim() ? `LinkedIn URL "${excerpt(rawLinkedin.trim())}" is not a company page` : 'no LinkedIn URL'}`,
    );
  }
  const size = cachedSize(fields[index.size] ?? '');
  const country = cachedCountry(fields[index.country] ?? '');
  const loc = cachedLocation(fields[index.location] ?? '', country);
  const trimmedDomain = rawDomain.trim();
  return {
    ok: true,
    value: {
      row,
      line,
      key,
      name,
      domain,
      domain_status: status,
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
 * Whether rows that the first pass put in one account belong together: they share one key, or they are the rows
 * of one domain and rows without a domain (each of their keys with at least one row) named as one of the
 * domain's rows, merged by name (see finishIndex in account-plan.ts). False means two keys shared a hash.
 */
export function oneAccount(rows: readonly CleanRow[]): boolean {
  const key = rows[0].key;
  if (rows.every((r) => r.key === key)) return true;
  const withDomain = rows.filter((r) => r.domain !== '');
  if (withDomain.length === 0 || withDomain.some((r) => r.key !== withDomain[0].key)) return false;
  const names = new Set(withDomain.map((r) => nameKey(r.name)));
  names.delete('');
  const named = new Set(rows.filter((r) => r.domain === '' && names.has(nameKey(r.name))).map((r) => r.key));
  return rows.every((r) => r.domain !== '' || named.has(r.key));
}

/** The domain of an account's rows ('' when none has one). */
export function accountDomain(rows: readonly CleanRow[]): string {
  for (const r of rows) if (r.domain !== '') return r.domain;
  return '';
}

/**
 * Orders the rows of one account so that the first is the primary record, independent of input order:
 * a row with the account's domain (rows merged by name have none), then the brand page (whose name starts the most other names: `Golden Hour Home Care` before
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
  return (a, b) => hasDomain(b) - hasDomain(a) || brand.get(b)! - brand.get(a)! || primaryFirst(a, b);
}

const hasDomain = (r: CleanRow): number => (r.domain !== '' ? 1 : 0);

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
  const uniqueSorted = (values: string[], except: string) => [...new Set(values.filter((v) => v !== '' && v !== except))].sort();
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
    other_names: uniqueSorted(
      ordered.map((r) => r.name),
      pick('name'),
    ),
    other_linkedin_urls: uniqueSorted(
      ordered.map((r) => r.linkedin_url),
      pick('linkedin_url'),
    ),
    source_rows: [...ordered]
      .map((r) => r.row)
      .sort((x, y) => x - y)
      .map(String),
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
