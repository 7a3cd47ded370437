import {join} from 'node:path';
import fc from 'fast-check';
import {parseIsoDay} from '../../src/core/calendar.js';
import {compileDealModel, type DealModel} from '../../src/core/deals.js';
import {stableId} from '../../src/core/hash.js';
import {ALL_SIZE_BANDS} from '../../src/core/normalize.js';
import {readTable} from '../../src/io/csv.js';
import type {Company} from '../../src/schemas/companies.js';
import {COMPANY_KINDS, ICP_TIERS} from '../../src/core/vocabulary.js';
import type {DealModelConfig} from '../../src/schemas/deal-model.js';
import {loadDealModelConfig} from '../../src/stages/deals.js';
import {companyCodec} from '../../src/stages/enrich.js';
import Enrich from '../../src/commands/enrich.js';
import {runCli, tempDir} from './cli.js';
import {replicate} from '../../src/core/calibration.js';

export {replicate};

export const CONFIG_DIR = join(process.cwd(), 'config');
export const SAMPLE = join(process.cwd(), 'data', 'input', 'companies_clay.csv');

const shipped = await loadDealModelConfig(CONFIG_DIR);

/** The shipped config/deal_model.yml (a copy each time). */
export function shippedConfig(): DealModelConfig {
  return structuredClone(shipped);
}

/** The shipped model, with its calendar widened for an as-of date (YYYY-MM-DD) if given. */
export function shippedModel(asOf?: string): DealModel {
  return compileDealModel(shippedConfig(), asOf ? parseIsoDay(asOf)! : undefined);
}

/** A full company row with neutral defaults (what enrich would write). */
export function makeCompany(over: Partial<Company> & {company_key: string}): Company {
  return {
    company_id: stableId('co', over.company_key),
    name: over.company_key,
    domain: '',
    domain_status: 'missing',
    raw_domain: '',
    description: '',
    industry: 'Hospitals and Health Care',
    size_band: '11-50',
    employees_min: 11,
    employees_max: 50,
    company_type: 'Privately Held',
    location: '',
    city: '',
    state: '',
    country: 'US',
    linkedin_url: '',
    other_names: [],
    other_linkedin_urls: [],
    source_rows: ['2'],
    is_previous_customer: false,
    company_kind: 'provider',
    company_kind_reason: '',
    is_competitor: false,
    icp_fit: false,
    icp_tier: 'tier_3',
    icp_score: 40,
    icp_confidence: 0.6,
    icp_reason: '',
    uses_x12: false,
    x12_transaction_sets: [],
    uses_clearinghouse: false,
    clearinghouses: [],
    uses_fhir: false,
    uses_hl7: false,
    ehrs: [],
    techstack_basis: 'none',
    techstack_confidence: 0.5,
    techstack_evidence: [],
    enrichment_source: 'rules',
    enrichment_error: '',
    ...over,
  };
}

/** Random companies with every field the deal model reads varied. Keys are unique per array. */
export const companyArb: fc.Arbitrary<Company> = fc
  .record({
    key: fc.string({minLength: 1, maxLength: 12}),
    size_band: fc.constantFrom(...ALL_SIZE_BANDS),
    icp_tier: fc.constantFrom(...ICP_TIERS),
    icp_confidence: fc.double({min: 0, max: 1, noNaN: true}),
    uses_x12: fc.boolean(),
    uses_clearinghouse: fc.boolean(),
    uses_fhir: fc.boolean(),
    uses_hl7: fc.boolean(),
    techstack_confidence: fc.double({min: 0, max: 1, noNaN: true}),
    is_previous_customer: fc.boolean(),
    company_kind: fc.constantFrom(...COMPANY_KINDS),
    stated: fc.boolean(),
  })
  .map((r) =>
    makeCompany({
      company_key: `name:${r.key}`,
      size_band: r.size_band,
      icp_tier: r.icp_tier,
      icp_fit: r.icp_tier === 'tier_1' || r.icp_tier === 'tier_2',
      icp_confidence: r.icp_confidence,
      uses_x12: r.uses_x12,
      uses_clearinghouse: r.uses_clearinghouse,
      uses_fhir: r.uses_fhir,
      uses_hl7: r.uses_hl7,
      techstack_confidence: r.techstack_confidence,
      is_previous_customer: r.is_previous_customer,
      company_kind: r.company_kind,
      is_competitor: r.company_kind === 'edi_vendor' && !r.is_previous_customer,
      techstack_basis: r.uses_x12 || r.uses_clearinghouse || r.uses_fhir || r.uses_hl7 ? (r.stated ? 'stated' : 'inferred') : 'none',
    }),
  );

export const companiesArb = (max: number) => fc.uniqueArray(companyArb, {minLength: 1, maxLength: max, selector: (c) => c.company_key});

let sample: Promise<Company[]> | undefined;

/** The sample export enriched with the rules provider (once per test file). */
export function sampleCompanies(): Promise<Company[]> {
  sample ??= (async () => {
    const t = tempDir();
    try {
      const r = await runCli(Enrich, ['--provider', 'rules', '--config-dir', CONFIG_DIR, '--input', SAMPLE, '--data-dir', t.dir, '--quiet']);
      if (r.exitCode !== 0) throw new Error(`enrich failed: ${r.stderr}`);
      const rows = await readTable(join(t.dir, 'raw', 'companies.csv'), companyCodec.columns, 'enrich');
      return rows.map((f) => companyCodec.decode(f));
    } finally {
      t.cleanup();
    }
  })();
  return sample;
}
