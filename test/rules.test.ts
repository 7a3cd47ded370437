import {join} from 'node:path';
import fc from 'fast-check';
import {compileIcp, type IcpInput} from '../src/core/rules/icp.js';
import {compileTechStack} from '../src/core/rules/techstack.js';
import {createRulesEnricher} from '../src/core/rules/provider.js';
import {compileTerms} from '../src/core/rules/terms.js';
import {loadYamlConfig} from '../src/io/config.js';
import {CONFIG_SCHEMAS} from '../src/schemas/config-files.js';
import {EnrichmentSchema} from '../src/schemas/companies.js';

const rules = await loadYamlConfig(join('config', 'icp_rules.yml'), CONFIG_SCHEMAS['icp_rules.yml']);
const icp = compileIcp(rules);
const tech = compileTechStack(rules.techstack);

const company = (o: Partial<IcpInput>): IcpInput => ({name: 'X', description: '', industry: '', size_band: '51-200', country: 'US', ...o});

describe('ICP scoring with config/icp_rules.yml', () => {
  it('puts an RCM company with EDI language in tier 1 and explains why', () => {
    const r = icp.score(company({
      name: 'ClaimPath Billing',
      industry: 'Business Consulting and Services',
      description: 'Medical billing company: we submit 837 claims over X12 EDI, post 835 remittance and verify eligibility for payers.',
    }));
    expect(r.icp_tier).toBe('tier_1');
    expect(r.icp_fit).toBe(true);
    expect(r.icp_reason).toMatch(/Medical billing and RCM/);
    expect(r.icp_reason).toMatch(/must-have: .*EDI/);
    expect(r.icp_score).toBeGreaterThanOrEqual(rules.tiers.tier_1);
  });

  it('scores a generic restaurant as not ICP', () => {
    const r = icp.score(company({name: 'Taco Town', industry: 'Restaurants', description: 'Family tacos since 1998.'}));
    expect(r.icp_fit).toBe(false);
    expect(['not_icp', 'tier_3']).toContain(r.icp_tier);
  });

  it('excludes countries outside the allowed list whatever the score, but allows US written as a name in config', () => {
    const strong = {industry: 'Insurance', description: 'Health plan processing claims, eligibility and EDI 834 enrollment for payers.'};
    expect(icp.score(company({...strong, country: 'GB'})).icp_tier).toBe('excluded');
    expect(icp.score(company({...strong, country: 'US'})).icp_fit).toBe(true);
    const byName = compileIcp({...rules, countries: {allowed: ['United States'], unknown_allowed: false}});
    expect(byName.score(company({...strong, country: 'US'})).icp_fit).toBe(true);
    expect(byName.score(company({...strong, country: ''})).icp_tier).toBe('excluded');
  });

  it('excludes sole traders (size band 1) as configured', () => {
    expect(icp.score(company({size_band: '1', industry: 'Insurance', description: 'claims EDI'})).icp_tier).toBe('excluded');
  });

  it('matches whole words only', () => {
    const r = icp.score(company({description: 'A medical spa offering remedies and providers of ediblesX'}));
    expect(r.icp_reason).not.toMatch(/EDI/);
  });

  it('scores every text the same with the one-scan prefilter as with each list scanned (property)', () => {
    const plain = compileIcp(rules, {prefilter: false});
    // Texts made of the lists' own terms (any case), near-misses and filler, so that some match and some do not.
    const terms = [...rules.target_industries.flatMap((s) => s.description_keywords), ...rules.keywords.must_have, ...rules.keywords.nice_to_have];
    const piece = fc.oneof(
      fc.constantFrom(...terms),
      fc.constantFrom(...terms).map((t) => t.toUpperCase()),
      fc.constantFrom(...terms).map((t) => `${t}s`),
      fc.constantFrom(...terms).map((t) => `x${t}`),
      fc.constantFrom('We', 'serve', 'teams', 'across', 'the', 'US', '_', '-', ',', '.', '\n', 'café'),
      fc.string({maxLength: 6}),
    );
    const text = fc.array(piece, {maxLength: 12}).chain((ps) => fc.array(fc.constantFrom(' ', '', '/', '\n'), {minLength: ps.length, maxLength: ps.length}).map((seps) => ps.map((p, i) => p + seps[i]).join('')));
    let matched = 0;
    fc.assert(
      fc.property(fc.string({maxLength: 12}), text, fc.constantFrom('', 'Hospitals and Health Care', 'Software Development'), (name, description, industry) => {
        const c = company({name, description, industry});
        const t = `${name}\n${description}`;
        const want = plain.scoreText(c, t);
        if (/must-have|nice-to-have|description reads as/.test(want.icp_reason)) matched++;
        expect(icp.scoreText(c, t)).toEqual(want);
      }),
      {numRuns: 400},
    );
    // The texts exercised both sides of the prefilter: some match a list, some none.
    expect(matched).toBeGreaterThan(40);
    expect(matched).toBeLessThan(360);
  });

  it('gives more confidence when more is known', () => {
    const sparse = icp.score(company({industry: '', description: '', size_band: 'unknown', country: ''}));
    const rich = icp.score(company({industry: 'Insurance', description: 'x'.repeat(300) + ' claims eligibility payer'}));
    expect(rich.icp_confidence).toBeGreaterThan(sparse.icp_confidence);
    for (const r of [sparse, rich]) expect(r.icp_confidence).toBeGreaterThanOrEqual(0);
    expect(rich.icp_confidence).toBeLessThanOrEqual(0.9);
  });
});

describe('tech stack detection', () => {
  it('finds X12 and its transaction sets, clearinghouses, FHIR, HL7 and EHRs with evidence', () => {
    const t = tech.detect('We exchange X12 270/271 eligibility and 837P claims via Availity and Change Healthcare, and integrate with Epic EHR through FHIR APIs and HL7 v2 feeds. Also eClinicalWorks.');
    expect(t.uses_x12).toBe(true);
    expect(t.x12_transaction_sets).toEqual(['270', '271', '837']);
    expect(t.uses_clearinghouse).toBe(true);
    expect(t.clearinghouses).toEqual(['Availity', 'Change Healthcare']);
    expect(t.uses_fhir).toBe(true);
    expect(t.uses_hl7).toBe(true);
    expect(t.ehrs).toEqual(['Epic', 'eClinicalWorks']);
    expect(t.techstack_evidence.length).toBeGreaterThan(0);
    expect(t.techstack_evidence.join(' ')).toMatch(/Availity/);
    expect(t.techstack_confidence).toBeGreaterThan(0.6);
  });

  it('does not read ordinary numbers as transaction sets', () => {
    const t = tech.detect('We have 270 employees in 835 square feet of offices.');
    expect(t.x12_transaction_sets).toEqual([]);
    expect(t.uses_x12).toBe(false);
  });

  it('reads a generic "clearinghouse" mention as clearinghouse use without a name', () => {
    const t = tech.detect('Claims go out through our clearinghouse partner daily.');
    expect(t.uses_clearinghouse).toBe(true);
    expect(t.clearinghouses).toEqual([]);
  });

  it('is less confident about absence in a short text than in a long one', () => {
    const none = tech.detect('');
    const short = tech.detect('Home care.');
    const long = tech.detect('We provide compassionate in-home care for seniors. '.repeat(20));
    expect(none.uses_x12 || short.uses_x12 || long.uses_x12).toBe(false);
    expect(none.techstack_confidence).toBeLessThan(short.techstack_confidence);
    expect(short.techstack_confidence).toBeLessThan(long.techstack_confidence);
  });
});

describe('rules enricher', () => {
  it('returns every enrichment column, valid by the schema, and the same answer every time', () => {
    const enricher = createRulesEnricher(rules);
    const base = {
      company_id: 'co_0000000000000000', company_key: 'domain:a.com', name: 'A', domain: 'a.com', domain_status: 'ok' as const, raw_domain: '',
      description: 'EDI claims', industry: 'Insurance', size_band: '11-50' as const, employees_min: 11, employees_max: 50,
      company_type: '', location: '', city: '', state: '', country: 'US', linkedin_url: '', other_names: [], other_linkedin_urls: [],
      source_rows: ['2'], is_previous_customer: false,
    };
    const a = enricher.enrich(base);
    expect(EnrichmentSchema.safeParse(a).success).toBe(true);
    expect(a.enrichment_source).toBe('rules');
    expect(enricher.enrich(base)).toEqual(a);
  });
});

describe('compileTerms', () => {
  it('reports which term matched, at word boundaries, including non-ASCII text', () => {
    const m = compileTerms([{name: 'edi', patterns: ['EDI']}, {name: 'fhir', patterns: ['FHIR']}], true);
    expect(m.all('Zoë’s EDI, FHIR; medical').map((x) => x.term)).toEqual(['edi', 'fhir']);
  });
  it('names the terms of a bad pattern', () => {
    expect(() => compileTerms([{name: 'broken', patterns: ['(unclosed']}])).toThrow(/broken/);
  });
});
