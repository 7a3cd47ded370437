import {existsSync, readdirSync, readFileSync, writeFileSync} from 'node:fs';
import {join} from 'node:path';
import fc from 'fast-check';
import {APIError, APIConnectionError, APIConnectionTimeoutError} from 'openai/core/error';
import {z} from 'zod';
import {UserError} from '../src/errors.js';
import {loadYamlConfig} from '../src/io/config.js';
import {EnrichCache} from '../src/io/enrich-cache.js';
import {compileDeriver, transactionSets} from '../src/providers/openai/answer.js';
import {cacheKey, runFingerprint, type FingerprintParts} from '../src/providers/openai/cache-key.js';
import {callCost, estimatedCallCost, findPrice} from '../src/providers/openai/cost.js';
import {budgetStop} from '../src/providers/llm/budget.js';
import {adjustTechConfidence, chatUrls, groundEvidence, groundedSet, normalizeUrl, responseUrls} from '../src/providers/openai/grounding.js';
import {resolveOptions} from '../src/providers/openai/options.js';
import {buildCompanyInput, buildInstructions, PROMPT_VERSION} from '../src/providers/openai/prompt.js';
import {RateLimiter} from '../src/providers/llm/rate-limiter.js';
import {VirtualClock} from './helpers/virtual-clock.js';
import {redact} from '../src/providers/llm/redact.js';
import {
  AttemptTimeoutError,
  backoffMs,
  OutputError,
  parseResetDuration,
  retryAfterMs,
  retryDelayMs,
  isNetworkError,
} from '../src/providers/llm/retry.js';
import {classifyError} from '../src/providers/openai/classify.js';
import {AnswerSchema, CACHE_FORMAT, CacheEntrySchema, type Answer, type CacheEntry} from '../src/providers/openai/schema.js';
import {OpenAiClient} from '../src/providers/openai/client.js';
import {COMPANY_KIND_DEFINITIONS, COMPANY_KINDS} from '../src/core/vocabulary.js';
import {CompanySchema, type CompanyBase} from '../src/schemas/companies.js';
import {CONFIG_SCHEMAS} from '../src/schemas/config-files.js';
import {tempDir} from './helpers/cli.js';
import {startMock} from './helpers/mock-openai.js';
import {OpenAiProvider} from '../src/providers/openai/provider.js';
import {silentReporter} from '../src/io/reporter.js';

const rules = await loadYamlConfig(join('config', 'icp_rules.yml'), CONFIG_SCHEMAS['icp_rules.yml']);
const cfg = await loadYamlConfig(join('config', 'openai.yml'), CONFIG_SCHEMAS['openai.yml']);

const company = (over: Partial<CompanyBase> = {}): CompanyBase => ({
  company_id: 'co_0000000000000000',
  company_key: 'domain:acme.com',
  name: 'Acme Health',
  domain: 'acme.com',
  domain_status: 'ok',
  raw_domain: '',
  description: 'Claims and eligibility over X12 EDI.',
  industry: 'Software Development',
  size_band: '51-200',
  employees_min: 51,
  employees_max: 200,
  company_type: 'Privately Held',
  location: 'Denver, CO',
  city: 'Denver',
  state: 'CO',
  country: 'US',
  linkedin_url: 'https://www.linkedin.com/company/acme-health',
  other_names: [],
  other_linkedin_urls: [],
  source_rows: ['2'],
  is_previous_customer: false,
  ...over,
});

const answer = (over: Partial<Answer['techstack']> = {}, icp: Partial<Answer['icp']> = {}, kind: Partial<Answer['company']> = {}): Answer => ({
  company: {kind: 'health_it', reason: 'claims software', is_competitor: false, ...kind},
  icp: {tier: 'tier_2', score: 55, confidence: 0.7, reason: 'fits', ...icp},
  techstack: {
    uses_x12: true,
    x12_transaction_sets: ['837P', '270', '837I', 'eligibility'],
    uses_clearinghouse: false,
    clearinghouses: [],
    uses_fhir: false,
    uses_hl7: false,
    ehrs: [],
    basis: {x12: 'stated', clearinghouse: 'not_set', fhir: 'not_set', hl7: 'not_set'},
    confidence: 0.9,
    evidence: [],
    ...over,
  },
});

describe('config/openai.yml', () => {
  it('is valid and prices the default model', () => {
    expect(findPrice(cfg.default_model, cfg.prices.models)).not.toBeNull();
  });
});

describe('prompt', () => {
  it('carries every field of the company, normalised, and the same text for the same company', () => {
    const text = buildCompanyInput(company({description: '  Claims\n\nand   eligibility  ', other_names: ['Acme West']}));
    for (const v of [
      'Acme Health',
      'acme.com',
      'Software Development',
      '51-200 employees',
      'Privately Held',
      'Denver, CO',
      '"US"',
      'Acme West',
      'linkedin.com/company/acme-health',
    ]) {
      expect(text).toContain(v);
    }
    expect(text).toContain('"description":"Claims and eligibility"');
    expect(buildCompanyInput(company({description: 'Claims and eligibility'}))).toBe(
      buildCompanyInput(company({description: ' Claims \n and eligibility'})),
    );
  });

  it("puts the user's ICP rules in the instructions", () => {
    const text = buildInstructions(rules, true);
    for (const [kind, pts] of Object.entries(rules.icp.kind_points)) expect(text).toContain(`${kind}: +${pts}`);
    for (const k of rules.keywords.must_have) expect(text).toContain(JSON.stringify(k));
    for (const x of rules.icp.exclusions) {
      expect(text).toContain(`${x.name}: the name or description says one of ${x.phrases.map((p) => JSON.stringify(p)).join(', ')}`);
    }
    expect(text).toContain(`the kind is one of ${rules.icp.excluded_kinds.map((k) => JSON.stringify(k)).join(', ')}`);
    expect(text).toContain(`the size band is one of "1" unless the kind is ${rules.size_bands.excluded_unless_kinds.join(', ')}`);
    expect(text).toContain(`tier_1: score >= ${rules.tiers.tier_1}`);
    expect(text).toContain(
      `Only a company whose kind is one of ${rules.icp.fit_kinds.map((k) => JSON.stringify(k)).join(', ')} can be tier_1 or tier_2`,
    );
    for (const edit of [
      {...rules, icp: {...rules.icp, signal_required_kinds: []}},
      {...rules, tiers: {...rules.tiers, tier_1: rules.tiers.tier_1 + 5}},
      {...rules, icp: {...rules.icp, excluded_kinds: ['edi_vendor' as const]}},
      {...rules, size_bands: {...rules.size_bands, excluded_unless_kinds: []}},
      {...rules, competitors: {...rules.competitors, names: [...rules.competitors.names, 'Newco Clearing']}},
    ])
      expect(buildInstructions(edit, true)).not.toBe(text);
    expect(buildInstructions(rules, false)).not.toContain('Use web search');
  });

  it('defines every company kind as the company_kind column does, and states the competitor rule with the listed competitors', () => {
    const text = buildInstructions(rules, true);
    const column = CompanySchema.shape.company_kind.description!;
    for (const k of COMPANY_KINDS) {
      expect(text).toContain(`- ${k}: ${COMPANY_KIND_DEFINITIONS[k]}.`);
      expect(column).toContain(`${k} (${COMPANY_KIND_DEFINITIONS[k]})`);
    }
    for (const d of rules.competitors.domains) expect(text).toContain(JSON.stringify(d));
    for (const n of rules.competitors.names) expect(text).toContain(JSON.stringify(n));
    expect(text).toMatch(/A company that IS a clearinghouse, an EDI network or an eligibility \/ claims API vendor is edi_vendor/);
    expect(text).toMatch(/never ICP: tier excluded, with a reason that says "competitor"/);
    expect(text).toMatch(/never a clearinghouse USER: uses_clearinghouse false/);
    expect(text).toMatch(/THROUGH a clearinghouse .* is not a competitor/s);
    // What the kinds imply for the flags, from techstack.inferred.
    expect(text).toContain('- payer: x12, clearinghouse.');
    expect(text).toContain('- edi_vendor: x12.');
  });
});

describe('cache key', () => {
  it('changes with the answer schema: answers cached before company kind and flag bases are never looked up', () => {
    const schema = OpenAiClient.answerJsonSchema() as {properties: Record<string, {properties: Record<string, unknown>}>; required: string[]};
    expect(Object.keys(schema.properties)).toEqual(['company', 'icp', 'techstack']);
    expect(schema.properties.company.properties.kind).toMatchObject({enum: [...COMPANY_KINDS]});
    expect(Object.keys(schema.properties.techstack.properties)).toContain('basis');
    // The schema as it was (no company, no basis) gives another key for the same company.
    const old = structuredClone(schema);
    delete (old.properties as Record<string, unknown>).company;
    old.required = old.required.filter((k) => k !== 'company');
    delete old.properties.techstack.properties.basis;
    const p: FingerprintParts = {api: 'responses', model: 'gpt-4.1-mini', promptVersion: PROMPT_VERSION, schema, request: {}, instructions: 'x'};
    expect(cacheKey(runFingerprint({...p, schema: old}), 'input')).not.toBe(cacheKey(runFingerprint(p), 'input'));
    // And an entry of the old layout is not an entry at all (read as corrupt, asked again).
    const entry = {
      format: 1,
      provider: 'openai',
      api: 'responses',
      model: 'gpt-4.1-mini',
      response_model: 'gpt-4.1-mini',
      prompt_version: 'enrich-2026-11-23.1',
      created_at: '2026-11-30T00:00:00.000Z',
      response_id: 'resp_1',
      citations: [],
      sources: [],
      web_search_calls: 1,
      cost_usd: 0.01,
      usage: {input_tokens: 1, cached_input_tokens: 0, output_tokens: 1, reasoning_tokens: 0},
      answer: {icp: answer().icp, techstack: (({basis: _b, ...rest}) => rest)(answer().techstack)},
    };
    expect(CacheEntrySchema.safeParse(entry).success).toBe(false);
    expect(CacheEntrySchema.safeParse({...entry, format: CACHE_FORMAT}).success).toBe(false);
    expect(CacheEntrySchema.safeParse({...entry, format: CACHE_FORMAT, answer: answer()}).success).toBe(true);
  });

  const parts: FingerprintParts = {
    api: 'responses',
    model: 'gpt-4.1-mini',
    promptVersion: PROMPT_VERSION,
    schema: {a: 1},
    request: {b: 2},
    instructions: 'x',
  };
  it('changes with every part of the fingerprint and with the input, and only then', () => {
    const base = cacheKey(runFingerprint(parts), 'input');
    expect(base).toMatch(/^[0-9a-f]{64}$/);
    expect(cacheKey(runFingerprint({...parts}), 'input')).toBe(base);
    const variants: FingerprintParts[] = [
      {...parts, api: 'chat'},
      {...parts, model: 'gpt-4o-mini'},
      {...parts, promptVersion: `${PROMPT_VERSION}x`},
      {...parts, schema: {a: 2}},
      {...parts, request: {b: 3}},
      {...parts, instructions: 'y'},
    ];
    for (const v of variants) expect(cacheKey(runFingerprint(v), 'input')).not.toBe(base);
    expect(cacheKey(runFingerprint(parts), 'input2')).not.toBe(base);
  });
});

describe('grounding', () => {
  it('normalises URLs: host case, www., fragment, utm_*, trailing slash; rejects non-http', () => {
    expect(normalizeUrl('https://WWW.Acme.com/Docs/EDI/?utm_source=openai&x=1#top')).toBe('https://acme.com/Docs/EDI?x=1');
    expect(normalizeUrl('https://acme.com/')).toBe('https://acme.com');
    expect(normalizeUrl('http://acme.com:8080/a')).toBe('http://acme.com:8080/a');
    expect(normalizeUrl('ftp://acme.com/a')).toBeNull();
    expect(normalizeUrl('acme.com/edi')).toBeNull();
    expect(normalizeUrl('javascript:alert(1)')).toBeNull();
  });

  it('reads citations, search sources and searches from a Responses output', () => {
    const output = [
      {
        type: 'web_search_call',
        action: {
          type: 'search',
          sources: [
            {type: 'url', url: 'https://a.com/1'},
            {type: 'url', url: 'https://a.com/1'},
          ],
        },
      },
      {type: 'web_search_call', action: {type: 'open_page', url: 'https://b.com/opened'}},
      {
        type: 'message',
        content: [
          {type: 'output_text', text: '{}', annotations: [{type: 'url_citation', url: 'https://c.com/x?utm_source=openai'}, {type: 'file_citation'}]},
        ],
      },
    ];
    expect(responseUrls(output)).toEqual({citations: ['https://c.com/x?utm_source=openai'], sources: ['https://a.com/1'], webSearchCalls: 2});
    expect(responseUrls(undefined)).toEqual({citations: [], sources: [], webSearchCalls: 0});
    expect(chatUrls({annotations: [{type: 'url_citation', url_citation: {url: 'https://d.com'}}]}).citations).toEqual(['https://d.com']);
  });

  it('keeps only evidence the search returned, counts the rest, and caps the number kept', () => {
    const grounded = groundedSet(['https://acme.com/about?utm_source=openai'], ['https://www.acme.com/edi/']);
    const g = groundEvidence(
      [
        {signal: 'x12', url: 'https://acme.com/edi'},
        {signal: 'x12', url: 'https://acme.com/edi#x'},
        {signal: 'fhir', url: 'https://acme.com/fhir'},
        {signal: 'ehr', url: 'not a url'},
        {signal: 'clearinghouse', url: 'https://acme.com/about'},
      ],
      grounded,
      1,
    );
    expect(g.urls).toEqual(['https://acme.com/edi']);
    expect([...g.signals].sort()).toEqual(['clearinghouse', 'x12']);
    expect(g.kept).toBe(3);
    expect(g.dropped).toBe(2);
  });

  it('never lets a URL the search did not return through (property)', () => {
    const url = fc.webUrl({withQueryParameters: true, withFragments: true});
    fc.assert(
      fc.property(
        fc.array(url, {maxLength: 6}),
        fc.array(url, {maxLength: 6}),
        fc.array(fc.boolean(), {maxLength: 6}),
        (returned, invented, cite) => {
          const evidence = [...returned.filter((_, i) => cite[i]), ...invented].map((u) => ({signal: 'x12' as const, url: u}));
          const grounded = groundedSet([], returned);
          const g = groundEvidence(evidence, grounded, 50);
          for (const u of g.urls) expect(grounded.has(u)).toBe(true);
          expect(g.kept + g.dropped).toBe(evidence.length);
        },
      ),
      {numRuns: 40},
    );
  });

  it('caps the confidence only when a set flag has no grounded evidence', () => {
    expect(adjustTechConfidence(0.9, ['x12', 'fhir'], new Set(['x12']), 0.4)).toBe(0.4);
    expect(adjustTechConfidence(0.9, ['x12'], new Set(['x12']), 0.4)).toBe(0.9);
    expect(adjustTechConfidence(0.3, ['x12'], new Set(), 0.4)).toBe(0.3);
    expect(adjustTechConfidence(0.8, [], new Set(), 0.4)).toBe(0.8);
    expect(adjustTechConfidence(1.5, [], new Set(), 0.4)).toBe(1);
  });
});

describe('answer -> columns', () => {
  const deriver = compileDeriver(rules, cfg.grounding);
  const acme = {domain: 'acme.com', name: 'Acme Health', is_previous_customer: false};
  const derive = (a: Answer, citations: string[] = [], sources: string[] = [], who = acme) =>
    deriver.derive({answer: a, citations, sources} satisfies Pick<CacheEntry, 'answer' | 'citations' | 'sources'>, who);

  it('derives fit from the tier and the configured fit_min_tier, clamps and rounds', () => {
    const fit = (tier: Answer['icp']['tier']) => derive(answer({}, {tier})).enrichment.icp_fit;
    expect(fit('tier_1')).toBe(true);
    expect(fit('tier_2')).toBe(rules.tiers.fit_min_tier !== 'tier_1');
    expect(fit('not_icp')).toBe(false);
    expect(fit('excluded')).toBe(false);
    const e = derive(answer({}, {score: 130, confidence: 0.6666, reason: ' many\n words '})).enrichment;
    expect(e.icp_score).toBe(100);
    expect(e.icp_confidence).toBe(0.67);
    expect(e.icp_reason).toBe('tier_2 (score 100): many words');
  });

  it('normalises transaction sets and names, and sets the flags they imply', () => {
    expect(transactionSets(['837P', '270', '837I', 'eligibility', '835 ERA'])).toEqual(['270', '835', '837']);
    const e = derive(
      answer({
        uses_x12: false,
        x12_transaction_sets: ['271'],
        clearinghouses: ['availity', 'Navicure', 'Some New House', ' '],
        ehrs: ['athenahealth', 'Cerner'],
      }),
    ).enrichment;
    expect(e.uses_x12).toBe(true);
    expect(e.uses_clearinghouse).toBe(true);
    expect(e.clearinghouses).toEqual(['Availity', 'Some New House', 'Waystar']);
    expect(e.ehrs).toEqual(['Oracle Health (Cerner)', 'athenahealth']);
    expect(e.enrichment_source).toBe('openai');
  });

  it('takes the kind and its reason from the answer, normalised and capped like icp_reason', () => {
    const e = derive(answer({}, {}, {kind: 'rcm_billing', reason: ' billing\n\tservices ', is_competitor: false})).enrichment;
    expect(e).toMatchObject({company_kind: 'rcm_billing', company_kind_reason: 'billing services', is_competitor: false});
    const long = derive(answer({}, {}, {reason: 'x'.repeat(2000)})).enrichment.company_kind_reason;
    expect(long).toHaveLength(600);
    expect(long.endsWith('…')).toBe(true);
  });

  it('keeps is_competitor and company_kind edi_vendor together, whatever the model says (the kind decides)', () => {
    expect(derive(answer({}, {}, {kind: 'health_it', is_competitor: true})).enrichment).toMatchObject({
      company_kind: 'health_it',
      is_competitor: false,
      icp_tier: 'tier_2',
    });
    expect(derive(answer({}, {}, {kind: 'edi_vendor', is_competitor: false})).enrichment).toMatchObject({
      company_kind: 'edi_vendor',
      is_competitor: true,
    });
  });

  it('makes a competitor excluded, not ICP and no clearinghouse user, with a reason that says competitor', () => {
    const a = answer(
      {
        uses_clearinghouse: true,
        clearinghouses: ['Availity'],
        basis: {x12: 'stated', clearinghouse: 'stated', fhir: 'not_set', hl7: 'not_set'},
        evidence: [
          {signal: 'clearinghouse', url: 'https://acme.com/partners', note: ''},
          {signal: 'x12', url: 'https://acme.com/edi', note: ''},
        ],
      },
      {tier: 'tier_1', score: 80, reason: 'sells claims APIs'},
      {kind: 'edi_vendor', is_competitor: true},
    );
    const e = derive(a, [], ['https://acme.com/partners', 'https://acme.com/edi']).enrichment;
    expect(e).toMatchObject({
      company_kind: 'edi_vendor',
      is_competitor: true,
      icp_tier: 'excluded',
      icp_fit: false,
      icp_score: 80,
      uses_clearinghouse: false,
      clearinghouses: [],
      uses_x12: true,
      techstack_basis: 'stated',
    });
    expect(e.icp_reason).toBe('excluded (score 80): competitor (edi_vendor); sells claims APIs');
    expect(e.techstack_evidence).toEqual(['https://acme.com/edi']);
    // Always in the same words, even when the model's own reason mentions competitors.
    expect(derive(answer({}, {tier: 'excluded', reason: 'Not a competitor.'}, {kind: 'edi_vendor'})).enrichment.icp_reason).toBe(
      'excluded (score 55): competitor (edi_vendor); Not a competitor.',
    );
  });

  it('makes a competitor listed in icp_rules.yml (domain or name) edi_vendor even when the model says otherwise', () => {
    const a = answer(
      {uses_clearinghouse: true, basis: {x12: 'stated', clearinghouse: 'stated', fhir: 'not_set', hl7: 'not_set'}},
      {tier: 'tier_1'},
      {kind: 'rcm_billing', reason: 'revenue cycle'},
    );
    const byDomain = derive(a, [], [], {domain: rules.competitors.domains[0], name: 'Some Name', is_previous_customer: false}).enrichment;
    expect(byDomain).toMatchObject({
      company_kind: 'edi_vendor',
      is_competitor: true,
      icp_tier: 'excluded',
      icp_fit: false,
      uses_clearinghouse: false,
    });
    expect(byDomain.company_kind_reason).toBe(`listed competitor (domain ${rules.competitors.domains[0]} in competitors of icp_rules.yml)`);
    const byName = derive(a, [], [], {domain: 'parent-company.com', name: 'experian health', is_previous_customer: false}).enrichment;
    expect(byName).toMatchObject({company_kind: 'edi_vendor', is_competitor: true, icp_tier: 'excluded'});
    expect(byName.company_kind_reason).toContain('name "experian health"');
    expect(
      derive(a, [], [], {domain: 'parent-company.com', name: 'Experian Health Partners', is_previous_customer: false}).enrichment.company_kind,
    ).toBe('rcm_billing');
  });

  it('never makes a previous customer a competitor, whatever the model or the list says (as the rules)', () => {
    const a = answer({}, {tier: 'tier_1'}, {kind: 'edi_vendor', reason: 'eligibility API'});
    const e = derive(a, [], [], {domain: rules.competitors.domains[0], name: 'Some Name', is_previous_customer: true}).enrichment;
    expect(e.is_competitor).toBe(false);
    expect(e.company_kind).not.toBe('edi_vendor');
    expect(e.icp_tier).toBe('tier_1');
  });

  it('excludes the other kinds of icp.excluded_kinds too', () => {
    const e = derive(answer({}, {tier: 'tier_2', reason: 'makes devices'}, {kind: 'pharma_device'})).enrichment;
    expect(e).toMatchObject({
      icp_tier: 'excluded',
      icp_fit: false,
      is_competitor: false,
      icp_reason: 'excluded (score 55): excluded kind pharma_device; makes devices',
    });
  });

  it('says whether the flags are stated or inferred: stated when any set flag is, none when no flag is set', () => {
    const basis = (over: Partial<Answer['techstack']>) =>
      derive(answer({uses_x12: false, x12_transaction_sets: [], ...over})).enrichment.techstack_basis;
    const marks = (m: Partial<Answer['techstack']['basis']>): Answer['techstack']['basis'] => ({
      x12: 'not_set',
      clearinghouse: 'not_set',
      fhir: 'not_set',
      hl7: 'not_set',
      ...m,
    });
    expect(basis({basis: marks({})})).toBe('none');
    expect(basis({ehrs: ['Epic'], basis: marks({})})).toBe('none'); // an EHR named is not one of the flags
    expect(basis({uses_x12: true, uses_clearinghouse: true, basis: marks({x12: 'inferred', clearinghouse: 'inferred'})})).toBe('inferred');
    expect(basis({uses_x12: true, uses_hl7: true, basis: marks({x12: 'inferred', hl7: 'stated'})})).toBe('stated');
    // A mark on a flag that is false does not count.
    expect(basis({uses_x12: true, basis: marks({x12: 'inferred', fhir: 'stated'})})).toBe('inferred');
    // A flag set without a mark: stated when it rests on names (transaction sets, a clearinghouse), else inferred.
    expect(basis({x12_transaction_sets: ['837'], basis: marks({})})).toBe('stated');
    expect(basis({clearinghouses: ['Availity'], basis: marks({})})).toBe('stated');
    expect(basis({uses_fhir: true, basis: marks({})})).toBe('inferred');
    // A competitor's clearinghouse flag is dropped, and its mark with it.
    expect(
      derive(
        answer(
          {uses_x12: false, x12_transaction_sets: [], uses_clearinghouse: true, basis: marks({clearinghouse: 'stated'})},
          {},
          {kind: 'edi_vendor'},
        ),
      ).enrichment.techstack_basis,
    ).toBe('none');
  });

  it('puts only grounded URLs in techstack_evidence and lowers the confidence of ungrounded flags', () => {
    const a = answer({
      evidence: [
        {signal: 'x12', url: 'https://acme.com/edi', note: ''},
        {signal: 'x12', url: 'https://made.up/x', note: ''},
      ],
    });
    const grounded = derive(a, [], ['https://acme.com/edi']);
    expect(grounded.enrichment.techstack_evidence).toEqual(['https://acme.com/edi']);
    expect(grounded.enrichment.techstack_confidence).toBe(0.9);
    expect(grounded).toMatchObject({urlsGrounded: 1, urlsDropped: 1});
    const ungrounded = derive(a);
    expect(ungrounded.enrichment.techstack_evidence).toEqual([]);
    expect(ungrounded.enrichment.techstack_confidence).toBe(cfg.grounding.ungrounded_confidence_cap);
  });

  it('is deterministic: the same entry gives the same columns', () => {
    const a = answer({evidence: [{signal: 'x12', url: 'https://acme.com/edi', note: ''}]});
    expect(derive(a, [], ['https://acme.com/edi'])).toEqual(derive(structuredClone(a), [], ['https://acme.com/edi']));
  });
});

describe('cost', () => {
  const price = {input: 0.4, cached_input: 0.1, output: 1.6};
  it('prices uncached, cached and output tokens and searches', () => {
    expect(callCost({input_tokens: 1_000_000, cached_input_tokens: 0, output_tokens: 0}, 0, price, 10)).toBeCloseTo(0.4, 12);
    expect(callCost({input_tokens: 1_000_000, cached_input_tokens: 1_000_000, output_tokens: 0}, 0, price, 10)).toBeCloseTo(0.1, 12);
    expect(callCost({input_tokens: 0, cached_input_tokens: 0, output_tokens: 1_000_000}, 0, price, 10)).toBeCloseTo(1.6, 12);
    expect(callCost({input_tokens: 0, cached_input_tokens: 0, output_tokens: 0}, 3, price, 10)).toBeCloseTo(0.03, 12);
    const est = estimatedCallCost(cfg, price, true);
    expect(est).toBeGreaterThan(estimatedCallCost(cfg, price, false));
  });

  it('finds a dated model by its longest configured prefix', () => {
    const prices = {'gpt-4.1': {input: 2, cached_input: 0.5, output: 8}, 'gpt-4.1-mini': price};
    expect(findPrice('gpt-4.1-mini-2025-04-14', prices)).toBe(price);
    expect(findPrice('gpt-4.1-2025-04-14', prices)).toBe(prices['gpt-4.1']);
    expect(findPrice('gpt-4.1-miniature', prices)).toBe(prices['gpt-4.1']);
    expect(findPrice('llama3', prices)).toBeNull();
  });

  it('stops at --max-requests and before a call that would go over --max-cost', () => {
    expect(budgetStop({spent: 0, reserved: 0, requests: 5}, {maxRequests: 5}, 0)).toBe('max-requests');
    expect(budgetStop({spent: 0, reserved: 0, requests: 4}, {maxRequests: 5}, 0)).toBeNull();
    expect(budgetStop({spent: 0.03, reserved: 0, requests: 3}, {maxCost: 0.04}, 0.01)).toBeNull();
    expect(budgetStop({spent: 0.03, reserved: 0.01, requests: 3}, {maxCost: 0.04}, 0.01)).toBe('max-cost');
    expect(budgetStop({spent: 0, reserved: 0, requests: 0}, {}, 1e9)).toBeNull();
  });
});

describe('retries', () => {
  const headers = (h: Record<string, string>) => new Headers(h);
  const ctx = {model: 'gpt-4.1-mini', api: 'responses' as const, nowMs: Date.parse('2026-01-01T00:00:00Z'), shuttingDown: false};

  it('reads Go-style reset durations and retry-after in every form', () => {
    expect(parseResetDuration('1s')).toBe(1000);
    expect(parseResetDuration('6m0s')).toBe(360_000);
    expect(parseResetDuration('20ms')).toBe(20);
    expect(parseResetDuration('1h2m3.5s')).toBe(3_723_500);
    expect(parseResetDuration('soon')).toBeNull();
    expect(retryAfterMs(headers({'retry-after-ms': '644'}), ctx.nowMs)).toBe(644);
    expect(retryAfterMs(headers({'retry-after': '2'}), ctx.nowMs)).toBe(2000);
    expect(retryAfterMs(headers({'retry-after': 'Thu, 01 Jan 2026 00:00:05 GMT'}), ctx.nowMs)).toBe(5000);
    expect(retryAfterMs(headers({}), ctx.nowMs, 'Rate limit reached ... Please try again in 644ms.')).toBe(644);
    expect(retryAfterMs(headers({}), ctx.nowMs, 'Please try again in 1.5s.')).toBe(1500);
    expect(retryAfterMs(headers({}), ctx.nowMs)).toBeNull();
  });

  it('backs off exponentially with jitter within bounds, and caps retry-after', () => {
    fc.assert(
      fc.property(fc.integer({min: 0, max: 20}), fc.double({min: 0, max: 1, maxExcluded: true, noNaN: true}), (attempt, rand) => {
        const d = backoffMs(attempt, 500, 8000, rand);
        const full = Math.min(8000, 500 * 2 ** attempt);
        expect(d).toBeLessThanOrEqual(full);
        expect(d).toBeGreaterThanOrEqual(Math.floor(full * 0.75));
      }),
    );
    expect(retryDelayMs(120_000, 0, {baseMs: 500, maxMs: 8000, maxRetryAfterMs: 60_000}, 0)).toBe(60_000);
    expect(retryDelayMs(300, 5, {baseMs: 500, maxMs: 8000, maxRetryAfterMs: 60_000}, 0)).toBe(300);
  });

  it('classifies failures: transient, per-company, fatal', () => {
    const api = (status: number, error: object, h: Record<string, string> = {}) => APIError.generate(status, {error}, undefined, headers(h));
    expect(classifyError(api(401, {message: 'bad key', code: 'invalid_api_key'}), ctx).kind).toBe('fatal');
    expect(classifyError(api(403, {message: 'no'}), ctx).kind).toBe('fatal');
    expect(classifyError(api(404, {message: 'model not found'}), ctx)).toMatchObject({kind: 'fatal', message: expect.stringContaining('--api chat')});
    expect(classifyError(api(429, {message: 'quota', type: 'insufficient_quota', code: 'insufficient_quota'}), ctx).kind).toBe('fatal');
    expect(classifyError(api(429, {message: 'slow down', code: 'rate_limit_exceeded'}, {'retry-after-ms': '50'}), ctx)).toMatchObject({
      kind: 'retry',
      retryAfterMs: 50,
      rateLimited: true,
    });
    expect(classifyError(api(500, {message: 'oops'}), ctx)).toMatchObject({kind: 'retry', retryAfterMs: null});
    expect(classifyError(api(503, {message: 'oops'}, {'x-should-retry': 'false'}), ctx).kind).toBe('fail');
    expect(classifyError(api(400, {message: 'bad request'}), ctx).kind).toBe('fail');
    expect(classifyError(api(400, {message: 'bad request'}, {'x-should-retry': 'true'}), ctx).kind).toBe('retry');
    expect(classifyError(new APIConnectionTimeoutError(), ctx).kind).toBe('retry');
    expect(classifyError(new APIConnectionError({message: 'refused'}), ctx).kind).toBe('retry');
    expect(classifyError(new AttemptTimeoutError(1), ctx).kind).toBe('retry');
    expect(classifyError(new SyntaxError('Unexpected end of JSON input'), ctx).kind).toBe('retry');
    expect(classifyError(AnswerSchema.safeParse({}).error, ctx).kind).toBe('retry');
    expect(classifyError(new OutputError('incomplete', 'max_output_tokens'), ctx).kind).toBe('retry');
    expect(classifyError(new OutputError('refusal', 'no'), ctx).kind).toBe('fail');
    expect(classifyError(Object.assign(new Error('terminated'), {name: 'TypeError', cause: {code: 'UND_ERR_SOCKET'}}), ctx).kind).toBe('retry');
    expect(isNetworkError(new Error('boom'))).toBe(false);
    expect(classifyError(new Error('boom'), ctx).kind).toBe('fail');
  });
});

describe('redact', () => {
  it('removes the key, bearer tokens and key-like strings', () => {
    const key = 'sk-proj-abcdefghijklmnop1234';
    const text = `Incorrect API key provided: ${key}. Authorization: Bearer ${key} api_key=${key} other sk-live-zzzzzzzzzz`;
    const out = redact(text, [key]);
    expect(out).not.toContain('abcdefghijklmnop');
    expect(out).not.toContain('zzzzzzzzzz');
    expect(redact('Incorrect API key provided: sk-proj-****abcd.')).not.toContain('sk-proj');
    expect(redact('HTTP 503: upstream busy')).toBe('HTTP 503: upstream busy');
  });
});

/** A clock for the pure decisions (delayFor, take, observe), which are given the time: it never sleeps. */
const fixedClock = (now: () => number) => ({now, sleep: () => Promise.reject(new Error('the decisions do not sleep'))});

describe('rate limiter', () => {
  it('spaces request starts by 60000/rpm', () => {
    let now = 0;
    const l = new RateLimiter(
      {rpm: 120},
      fixedClock(() => now),
    );
    expect(l.delayFor(now, 0)).toBe(0);
    l.take(now, 0);
    expect(l.delayFor(now, 0)).toBe(500);
    now = 499;
    expect(l.delayFor(now, 0)).toBe(1);
    now = 500;
    expect(l.delayFor(now, 0)).toBe(0);
  });

  it('keeps a token bucket for --tpm and settles it with the real usage', () => {
    const now = 0;
    const l = new RateLimiter(
      {tpm: 6000},
      fixedClock(() => now),
    );
    l.take(now, 6000);
    expect(l.delayFor(now, 1000)).toBe(10_000); // 1000 tokens at 100 per second
    l.settle(6000, 3000); // used less than estimated: 3000 back
    expect(l.delayFor(now, 1000)).toBe(0);
    l.take(now, 3000);
    l.settle(3000, 4000); // used more: the bucket goes into debt
    expect(l.delayFor(now, 1000)).toBe(20_000);
  });

  it('pauses everyone after a 429 or when the headers say the budget is spent', () => {
    let now = 1000;
    const l = new RateLimiter(
      {},
      fixedClock(() => now),
    );
    l.pauseUntil(1500);
    expect(l.delayFor(now, 0)).toBe(500);
    now = 2000;
    expect(l.observe(new Headers({'x-ratelimit-remaining-requests': '0', 'x-ratelimit-reset-requests': '1.5s'}), now, 100, 60_000)).toBe(1500);
    expect(l.delayFor(now, 0)).toBe(1500);
    expect(l.observe(new Headers({'x-ratelimit-remaining-tokens': '50', 'x-ratelimit-reset-tokens': '6m0s'}), now, 100, 60_000)).toBe(60_000);
    expect(l.observe(new Headers({'x-ratelimit-remaining-requests': '10', 'x-ratelimit-remaining-tokens': '5000'}), now, 100, 60_000)).toBe(0);
  });

  it('acquire: concurrent requests under --rpm 600 start exactly 100 ms apart on the clock it is given', async () => {
    const clock = new VirtualClock(1_000);
    const l = new RateLimiter({rpm: 600}, clock);
    const starts: number[] = [];
    const acquired = Promise.all(Array.from({length: 4}, () => l.acquire(0).then(() => starts.push(clock.now()))));
    await clock.runAll();
    await acquired;
    expect(starts).toEqual([1_000, 1_100, 1_200, 1_300]);
    expect(l.waits).toBe(3);
  });

  it('acquire: a --tpm bucket and a pause after a 429 hold the next start until they allow it', async () => {
    const clock = new VirtualClock(0);
    const l = new RateLimiter({tpm: 6000}, clock);
    await l.acquire(6000); // the whole bucket
    l.pauseUntil(30_000);
    const started = l.acquire(1000).then(() => clock.now());
    expect(await clock.runAll()).toBe(30_000);
    expect(await started).toBe(30_000); // the bucket had refilled (10 s for 1000 tokens) before the pause ended
  });

  it('acquire: rejects when the run is stopped while it waits', async () => {
    const clock = new VirtualClock(0);
    const l = new RateLimiter({rpm: 1}, clock);
    await l.acquire(0);
    const stop = new AbortController();
    const waiting = l.acquire(0, stop.signal);
    stop.abort(new Error('stopped'));
    await expect(waiting).rejects.toThrow('stopped');
  });
});

describe('retries on the clock the provider is given', () => {
  /** A clock whose sleeps return at once, moving its time on by what they asked: what was waited is recorded, not timed. */
  class StepClock {
    t = 0;
    readonly slept: number[] = [];
    now = (): number => this.t;
    sleep = (ms: number): Promise<void> => {
      this.slept.push(ms);
      this.t += ms;
      return Promise.resolve();
    };
  }

  it('waits the retry-after the server asks for, and asks again only after it', async () => {
    const key = 'sk-test-retry-after';
    const mock = await startMock({apiKey: key, faultsFor: {'Acme Health': [{kind: 'rate_limit', retryAfterMs: 250}]}});
    const t = tempDir();
    const clock = new StepClock();
    const at: number[] = [];
    const provider = new OpenAiProvider(
      {rules, cacheDir: join(t.dir, 'cache'), flags: {concurrency: 1, timeout: 30}, reporter: silentReporter, clock},
      cfg,
      {OPENAI_API_KEY: key, OPENAI_BASE_URL: mock.url},
    );
    try {
      const waiting = mock.waitForRequests(1).then(() => at.push(clock.now()));
      const done = mock.waitForRequests(2).then(() => at.push(clock.now()));
      const e = await provider.enrich(company());
      await Promise.all([waiting, done]);
      expect(e.enrichment_source).toBe('openai');
      expect(provider.stats()).toMatchObject({rate_limited: 1, retries: 1, api_answers: 1});
      expect(clock.slept).toEqual([250]);
      expect(at).toEqual([0, 250]);
    } finally {
      await provider.close();
      await mock.close();
      t.cleanup();
    }
  });
});

describe('enrich cache', () => {
  const Entry = z.strictObject({v: z.number()});
  const key = 'a'.repeat(64);
  let t: ReturnType<typeof tempDir>;
  beforeEach(() => (t = tempDir()));
  afterEach(() => t.cleanup());

  it('misses, writes atomically under a hashed name, hits', () => {
    const c = new EnrichCache(join(t.dir, 'cache'), Entry);
    expect(c.read(key)).toEqual({status: 'miss'});
    expect(existsSync(join(t.dir, 'cache'))).toBe(false); // reading creates nothing
    c.write(key, {v: 1});
    expect(c.read(key)).toEqual({status: 'hit', entry: {v: 1}});
    expect(readdirSync(join(t.dir, 'cache', 'aa'))).toEqual([`${key}.json`]); // no temporary file left
    c.write(key, {v: 2});
    expect(c.read(key)).toEqual({status: 'hit', entry: {v: 2}});
  });

  it('reports empty, truncated and wrong-shaped entries as corrupt', () => {
    const c = new EnrichCache(t.dir, Entry);
    c.write(key, {v: 1});
    const path = c.pathFor(key);
    for (const [text, reason] of [
      ['', /empty/],
      ['{"v":', /invalid JSON/],
      ['{"w":1}', /unexpected content/],
    ] as const) {
      writeFileSync(path, text);
      const r = c.read(key);
      expect(r.status).toBe('corrupt');
      expect(r.status === 'corrupt' && r.reason).toMatch(reason);
    }
    expect(readFileSync(path, 'utf8')).toBe('{"w":1}');
  });

  it('accepts only hash keys, so no file name comes from input text', () => {
    const c = new EnrichCache(t.dir, Entry);
    for (const bad of ['../../etc/passwd', 'Acme Health', 'A'.repeat(64), 'a'.repeat(63)]) expect(() => c.pathFor(bad)).toThrow();
  });
});

describe('options', () => {
  const env = {OPENAI_API_KEY: 'sk-test-x', OPENAI_MODEL: 'gpt-5-mini'};
  it('takes flags over the environment over the config', () => {
    expect(resolveOptions({}, {OPENAI_API_KEY: 'k'}, cfg).model).toBe(cfg.default_model);
    expect(resolveOptions({}, env, cfg).model).toBe('gpt-5-mini');
    expect(resolveOptions({model: 'gpt-4o-mini'}, env, cfg).model).toBe('gpt-4o-mini');
    const o = resolveOptions(
      {concurrency: 3, timeout: 1.5, 'max-retries': 0, 'max-cost': 2, 'max-requests': 9, refresh: true, api: 'chat'},
      env,
      cfg,
    );
    expect(o).toMatchObject({
      concurrency: 3,
      timeoutMs: 1500,
      maxRetries: 0,
      maxCost: 2,
      maxRequests: 9,
      refresh: true,
      api: 'chat',
      apiKey: 'sk-test-x',
    });
    expect(resolveOptions({}, env, cfg)).toMatchObject({
      concurrency: 8,
      timeoutMs: 60_000,
      maxRetries: 4,
      api: 'responses',
      refresh: false,
      dryRun: false,
    });
  });

  it('needs a key unless it is a dry run or a server of its own (OPENAI_BASE_URL)', () => {
    expect(() => resolveOptions({}, {}, cfg)).toThrow(UserError);
    expect(() => resolveOptions({'dry-run': true}, {}, cfg)).not.toThrow();
    expect(() => resolveOptions({}, {OPENAI_BASE_URL: 'http://127.0.0.1:8000/v1'}, cfg)).not.toThrow();
  });

  it('refuses --max-cost for a model without a price', () => {
    expect(() => resolveOptions({model: 'llama3', 'max-cost': 1}, env, cfg)).toThrow(/llama3/);
    expect(() => resolveOptions({model: 'llama3'}, env, cfg)).not.toThrow();
  });
});
