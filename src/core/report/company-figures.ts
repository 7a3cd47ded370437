/**
 * The company side of the report's figures: the columns read of companies.csv and unified.csv, the CompanyDigest
 * (counts, and the icp_tier / size_band of the companies with a deal or a contract: no row per company) and the
 * figures made from it (icpMix, techstackMix, enrichmentSources). Pure.
 */
import {countRows, ordered, type CountRow} from './figure-helpers.js';

/** The company columns the report reads (a subset of data/raw/companies.csv). */
export type FigureCompany = {
  company_id: string;
  icp_fit: boolean;
  icp_tier: string;
  size_band: string;
  uses_x12: boolean;
  uses_clearinghouse: boolean;
  uses_fhir: boolean;
  uses_hl7: boolean;
  enrichment_source: string;
};

/** The unified columns the report reads (a subset of data/final/unified.csv). */
export type FigureUnified = {
  company_id: string;
  is_customer: boolean;
};

/** The technologies of techstackMix and the companies.csv flag of each. */
const TECHNOLOGIES = [
  {technology: 'X12 EDI', flag: 'uses_x12'},
  {technology: 'Clearinghouse', flag: 'uses_clearinghouse'},
  {technology: 'FHIR', flag: 'uses_fhir'},
  {technology: 'HL7 v2', flag: 'uses_hl7'},
] as const;

export interface TechRow {
  technology: string;
  icp_fit: number;
  not_icp_fit: number;
  total: number;
  share: number;
}

/**
 * Where the deal and contract figures look a company up by its id (the icp_tier and size_band of winRateByIcpTier
 * and arrBySizeBand, and the companies counted once in the summary): a CompanyDigest, when tables are read (any
 * company, any order); a CurrentCompany, when the rows are fed a company at a time as they are made.
 */
export interface CompanyLookup {
  tierOf(companyId: string): string | undefined;
  sizeBandOf(companyId: string): string | undefined;
  /** Counts the distinct ids it is given. */
  distinct(): {add(companyId: string): void; readonly size: number};
}

/**
 * The company whose rows are being fed (see FigureBuilder.addCompany): each company's rows come together, once,
 * so a company is counted once by counting the changes of id.
 */
export class CurrentCompany implements CompanyLookup {
  private id = '';
  private tier = '';
  private band = '';

  set(c: Pick<FigureCompany, 'company_id' | 'icp_tier' | 'size_band'>): void {
    this.id = c.company_id;
    this.tier = c.icp_tier;
    this.band = c.size_band;
  }

  tierOf(companyId: string): string | undefined {
    return companyId === this.id ? this.tier : undefined;
  }

  sizeBandOf(companyId: string): string | undefined {
    return companyId === this.id ? this.band : undefined;
  }

  distinct(): {add(companyId: string): void; readonly size: number} {
    let last: string | undefined;
    let size = 0;
    return {
      add(companyId: string) {
        if (companyId !== last) {
          last = companyId;
          size++;
        }
      },
      get size() {
        return size;
      },
    };
  }
}

/**
 * A CompanyDigest's content as plain data (numbers, strings, arrays of them): it survives structuredClone /
 * postMessage, so worker threads can each digest a part of the companies and post their states to be merged.
 */
export interface CompanyDigestState {
  /** Companies added. */
  companies: number;
  /** Of which icp_fit. */
  icp_fit: number;
  /** Of which customers (see CompanyDigest.add). */
  customers: number;
  /** [icp_tier, companies] pairs, one per tier seen. */
  tiers: Array<[string, number]>;
  /** [enrichment_source, companies] pairs, one per source seen. */
  sources: Array<[string, number]>;
  /** Per TECHNOLOGIES entry (same order): companies using it that are ICP fit. */
  tech_icp_fit: number[];
  /** Per TECHNOLOGIES entry: companies using it that are not ICP fit. */
  tech_not_icp_fit: number[];
  /** The distinct [icp_tier, size_band] pairs of the kept companies. */
  labels: Array<[string, string]>;
  /**
   * The kept companies, in parts (one per part digested apart, in the order added or merged): in each, the
   * companies' ids one after the other in one string (one string crosses threads as one copy, where a string
   * per id would be hundreds of thousands of objects), and per company (same index) where its id ends in
   * `ids` and the index in `labels` (above) of its icp_tier and size_band.
   */
  kept: KeptChunk[];
}

/**
 * What the report needs of companies.csv, without holding a row per company: the counts behind icpMix,
 * techstackMix, enrichmentSources and the summary (companies, ICP fit, customers, enrichment fallbacks), and
 * the icp_tier and size_band of the companies the deal and contract figures look up (winRateByIcpTier,
 * arrBySizeBand). Its memory grows with the kept companies only (those with a deal or a contract), not with
 * the companies.
 *
 * Parts of the companies can be digested apart (e.g. in worker threads) and merged, in any order, into one
 * digest whose figures are those of one digest that saw every company. Company ids are unique in
 * companies.csv; were one kept twice, the icp_tier and size_band added (or merged) last would be used.
 */
export class CompanyDigest implements CompanyLookup {
  private companyCount = 0;
  private icpFitCount = 0;
  private customerCount = 0;
  private readonly tiers = new Map<string, number>();
  private readonly sources = new Map<string, number>();
  private readonly techFit = TECHNOLOGIES.map(() => 0);
  private readonly techNotFit = TECHNOLOGIES.map(() => 0);
  private readonly labels: Array<[string, string]> = [];
  /** icp_tier -> size_band -> index in labels. */
  private readonly labelIndex = new Map<string, Map<string, number>>();
  /** The kept companies, in the order added or merged (ids and their labels' indexes; see CompanyDigestState). */
  private readonly chunks: KeptChunk[] = [];
  /** The kept companies added since the last chunk was made. */
  private addedIds: string[] = [];
  private addedLabels: number[] = [];
  /**
   * The look-up of the kept companies, made when first needed (a digest only merged and passed on never
   * makes it): company_id -> its slot (the kept companies numbered in the order first kept, see keptSlot),
   * and per slot the index in labels of the company's icp_tier and size_band.
   */
  private lookup: {slots: Map<string, number>; labels: number[]} | undefined;

  /**
   * Adds one company (one row of companies.csv; call it once for every row, companies without a deal
   * included: they count in the company figures).
   * @param keep remember the company's icp_tier and size_band. It must be true for every company that has
   *   at least one deal in deals.csv or one contract in billing.csv (a contract is for a won deal of the same
   *   company, so "has a deal" is enough for tables written by this tool); it may be true for others (it only
   *   costs memory). A deal or contract of a company not kept counts under the tier / band 'unknown'.
   * @param customer the company is a customer at the as-of date: unified.csv's is_customer for the company
   *   (the same on all its rows: a previous customer or a won deal by the as-of date); false for a company
   *   that has no row in unified.csv (e.g. past --limit).
   */
  add(c: FigureCompany, keep: boolean, customer: boolean): void {
    this.companyCount++;
    if (c.icp_fit) this.icpFitCount++;
    if (customer) this.customerCount++;
    this.tiers.set(c.icp_tier, (this.tiers.get(c.icp_tier) ?? 0) + 1);
    this.sources.set(c.enrichment_source, (this.sources.get(c.enrichment_source) ?? 0) + 1);
    const tech = c.icp_fit ? this.techFit : this.techNotFit;
    for (let i = 0; i < TECHNOLOGIES.length; i++) if (c[TECHNOLOGIES[i].flag]) tech[i]++;
    if (keep) {
      const label = this.label(c.icp_tier, c.size_band);
      this.addedIds.push(c.company_id);
      this.addedLabels.push(label);
      if (this.lookup) keepIn(this.lookup, c.company_id, label);
    }
  }

  /** The kept companies as chunks (those added since the last chunk made into one). */
  private keptChunks(): KeptChunk[] {
    if (this.addedIds.length > 0) {
      const ends: number[] = [];
      let end = 0;
      for (const id of this.addedIds) ends.push((end += id.length));
      this.chunks.push({ids: this.addedIds.join(''), ends, labels: this.addedLabels});
      this.addedIds = [];
      this.addedLabels = [];
    }
    return this.chunks;
  }

  private kept(): {slots: Map<string, number>; labels: number[]} {
    if (this.lookup === undefined) {
      const lookup = {slots: new Map<string, number>(), labels: [] as number[]};
      for (const c of this.keptChunks()) keepChunk(lookup, c);
      this.lookup = lookup;
    }
    return this.lookup;
  }

  private label(tier: string, band: string): number {
    let bands = this.labelIndex.get(tier);
    if (bands === undefined) this.labelIndex.set(tier, (bands = new Map()));
    let i = bands.get(band);
    if (i === undefined) {
      i = this.labels.length;
      this.labels.push([tier, band]);
      bands.set(band, i);
    }
    return i;
  }

  /** A copy of the content as plain data (see CompanyDigestState). */
  state(): CompanyDigestState {
    return {
      companies: this.companyCount,
      icp_fit: this.icpFitCount,
      customers: this.customerCount,
      tiers: [...this.tiers],
      sources: [...this.sources],
      tech_icp_fit: [...this.techFit],
      tech_not_icp_fit: [...this.techNotFit],
      labels: this.labels.map(([t, b]) => [t, b]),
      // (The parts are never changed once made: shared, not copied.)
      kept: [...this.keptChunks()],
    };
  }

  /** Adds the companies of another digest's state (another part of the companies). */
  merge(s: CompanyDigestState): void {
    if (
      s.tech_icp_fit.length !== TECHNOLOGIES.length ||
      s.tech_not_icp_fit.length !== TECHNOLOGIES.length ||
      !Array.isArray(s.kept) ||
      s.kept.some((c) => typeof c.ids !== 'string' || c.ends.length !== c.labels.length || (c.ends.at(-1) ?? 0) !== c.ids.length)
    ) {
      throw new TypeError('CompanyDigest.merge: not a CompanyDigestState of this version');
    }
    this.companyCount += s.companies;
    this.icpFitCount += s.icp_fit;
    this.customerCount += s.customers;
    for (const [k, n] of s.tiers) this.tiers.set(k, (this.tiers.get(k) ?? 0) + n);
    for (const [k, n] of s.sources) this.sources.set(k, (this.sources.get(k) ?? 0) + n);
    for (let i = 0; i < TECHNOLOGIES.length; i++) {
      this.techFit[i] += s.tech_icp_fit[i];
      this.techNotFit[i] += s.tech_not_icp_fit[i];
    }
    const remap = s.labels.map(([t, b]) => this.label(t, b));
    for (const c of s.kept) {
      const chunk = {ids: c.ids, ends: c.ends, labels: c.labels.map((l) => remap[l])};
      this.keptChunks().push(chunk);
      if (this.lookup) keepChunk(this.lookup, chunk);
    }
  }

  /** A digest of the given state(s), merged. */
  static of(...states: CompanyDigestState[]): CompanyDigest {
    const d = new CompanyDigest();
    for (const s of states) d.merge(s);
    return d;
  }

  /** Companies added. */
  get companies(): number {
    return this.companyCount;
  }

  /** Companies with icp_fit. */
  get icpFit(): number {
    return this.icpFitCount;
  }

  /** Companies that are customers. */
  get customers(): number {
    return this.customerCount;
  }

  /** Companies per icp_tier. */
  tierCounts(): ReadonlyMap<string, number> {
    return this.tiers;
  }

  /** Companies per enrichment_source. */
  sourceCounts(): ReadonlyMap<string, number> {
    return this.sources;
  }

  /** Companies using TECHNOLOGIES[i], ICP fit or not. */
  techCounts(i: number): {icp_fit: number; not_icp_fit: number} {
    return {icp_fit: this.techFit[i], not_icp_fit: this.techNotFit[i]};
  }

  /** The icp_tier of a kept company (undefined when it was not kept). */
  tierOf(companyId: string): string | undefined {
    const kept = this.kept();
    const slot = kept.slots.get(companyId);
    return slot === undefined ? undefined : this.labels[kept.labels[slot]][0];
  }

  /** The size_band of a kept company (undefined when it was not kept). */
  sizeBandOf(companyId: string): string | undefined {
    const kept = this.kept();
    const slot = kept.slots.get(companyId);
    return slot === undefined ? undefined : this.labels[kept.labels[slot]][1];
  }

  /** A kept company's slot (0 to keptCount - 1; -1 when it was not kept). */
  keptSlot(companyId: string): number {
    return this.kept().slots.get(companyId) ?? -1;
  }

  /**
   * Counts distinct company ids (of deals, contracts...) without holding the ids of kept companies: a kept
   * company is a bit of its slot, another id a string of a set.
   */
  distinct(): DistinctCompanies {
    return new DistinctCompanies(this);
  }

  /** Kept companies. */
  get keptCount(): number {
    return this.kept().slots.size;
  }
}

/** Kept companies of a CompanyDigest (see CompanyDigestState.kept: ids one after the other, ends, labels). */
export interface KeptChunk {
  ids: string;
  ends: readonly number[];
  labels: readonly number[];
}

/** Keeps a company in a look-up (a company kept again gets the label given last). */
function keepIn(lookup: {slots: Map<string, number>; labels: number[]}, id: string, label: number): void {
  const slot = lookup.slots.get(id);
  if (slot === undefined) {
    lookup.slots.set(id, lookup.labels.length);
    lookup.labels.push(label);
  } else lookup.labels[slot] = label;
}

/** Keeps a part's companies in a look-up. */
function keepChunk(lookup: {slots: Map<string, number>; labels: number[]}, c: KeptChunk): void {
  let start = 0;
  for (let i = 0; i < c.ends.length; i++) {
    keepIn(lookup, c.ids.slice(start, c.ends[i]), c.labels[i]);
    start = c.ends[i];
  }
}

/** Distinct company ids (see CompanyDigest.distinct; the digest must not grow meanwhile). */
export class DistinctCompanies {
  private readonly seen: Uint8Array;
  private readonly others = new Set<string>();
  private count = 0;

  constructor(private readonly digest: CompanyDigest) {
    this.seen = new Uint8Array(digest.keptCount);
  }

  add(companyId: string): void {
    const slot = this.digest.keptSlot(companyId);
    if (slot < 0 || slot >= this.seen.length) this.others.add(companyId);
    else if (this.seen[slot] === 0) {
      this.seen[slot] = 1;
      this.count++;
    }
  }

  get size(): number {
    return this.count + this.others.size;
  }
}

// ---------------------------------------------------------------------------------------------- figures

/** Companies by ICP tier (tiers in the given order). */
export function icpMix(companies: CompanyDigest, tiers: readonly string[]): CountRow[] {
  const m = companies.tierCounts();
  const n = companies.companies;
  return ordered(m.keys(), tiers).map((key) => ({key, count: m.get(key)!, share: m.get(key)! / n}));
}

/** Companies using each technology, split by ICP fit; share of all companies. */
export function techstackMix(companies: CompanyDigest): TechRow[] {
  const n = companies.companies;
  return TECHNOLOGIES.map((t, i) => {
    const {icp_fit, not_icp_fit} = companies.techCounts(i);
    const total = icp_fit + not_icp_fit;
    return {technology: t.technology, icp_fit, not_icp_fit, total, share: n ? total / n : 0};
  });
}

/** Companies by enrichment_source (rules, openai, rules_fallback), largest first. */
export function enrichmentSources(companies: CompanyDigest): CountRow[] {
  const m = companies.sourceCounts();
  const n = companies.companies;
  return countRows(m, n);
}
