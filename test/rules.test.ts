import {join} from 'node:path';
import fc from 'fast-check';
import {createRulesEnricher} from '../src/core/rules/provider.js';
import {compilePhrases, trieSource} from '../src/core/rules/phrases.js';
import {compileTerms} from '../src/core/rules/terms.js';
import {loadYamlConfig} from '../src/io/config.js';
import {CONFIG_SCHEMAS} from '../src/schemas/config-files.js';
import {EnrichmentSchema, type CompanyBase} from '../src/schemas/companies.js';

// Hand-written descriptions in the language of real exports (not the dev set's companies): they pin what the rules
// must do, whatever the figures on the labelled export are.
const rules = await loadYamlConfig(join('config', 'icp_rules.yml'), CONFIG_SCHEMAS['icp_rules.yml']);
const enricher = createRulesEnricher(rules);

function company(o: Partial<CompanyBase>): CompanyBase {
  return {
    company_id: 'co_0000000000000000',
    company_key: 'domain:example.com',
    name: 'Example',
    domain: 'example.com',
    domain_status: 'ok',
    raw_domain: '',
    description: '',
    industry: '',
    size_band: '51-200',
    employees_min: 51,
    employees_max: 200,
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
    ...o,
  };
}
const enrich = (o: Partial<CompanyBase>) => enricher.enrich(company(o));

describe('company kind', () => {
  const cases: Array<[string, Partial<CompanyBase>, string]> = [
    [
      'a Medicare-certified home health agency',
      {
        name: 'Bluebird Home Health',
        industry: 'Home Health Care Services',
        description:
          'Bluebird is a Medicare-certified home health agency. Our registered nurses and therapists bring skilled nursing and physical therapy to patients in their homes.',
      },
      'provider',
    ],
    [
      'a medical billing company',
      {
        name: 'Keystone Revenue Partners',
        industry: 'Hospitals and Health Care',
        description:
          'We are a full-service medical billing company helping independent practices with coding, A/R follow-up and denial management so they get paid faster.',
      },
      'rcm_billing',
    ],
    [
      'a home-health EMR vendor',
      {
        name: 'Carelane',
        industry: 'Software Development',
        description:
          'Carelane is the all-in-one EMR built for home health and hospice agencies: scheduling, clinical documentation, EVV and billing in one platform.',
      },
      'health_it',
    ],
    [
      'a third-party administrator',
      {
        name: 'Summit Benefit Administrators',
        industry: 'Insurance',
        description:
          'A third-party administrator for self-funded employer health plans: claims administration, provider networks and member services.',
      },
      'payer',
    ],
    [
      'a clearinghouse',
      {
        name: 'ClaimBridge',
        industry: 'IT Services and IT Consulting',
        description: 'ClaimBridge is a healthcare clearinghouse connecting providers to payers for claims, remittance and eligibility.',
      },
      'edi_vendor',
    ],
    [
      'a P&C insurer',
      {
        name: 'Harbor Mutual',
        industry: 'Insurance',
        description: 'Property and casualty coverage for homeowners and small businesses, with fast claims handling after storms.',
      },
      'non_healthcare',
    ],
    [
      'a healthcare staffing agency',
      {
        name: 'NurseBridge Staffing',
        industry: 'Staffing and Recruiting',
        description: 'A healthcare staffing agency placing travel nurses and allied professionals with hospitals nationwide.',
      },
      'other_healthcare',
    ],
    [
      'a non-medical senior care franchise',
      {
        name: 'Golden Years Companions',
        industry: 'Home Health Care Services',
        description:
          'Non-medical companion care for seniors: help with activities of daily living, meals and errands so your loved one can age in place.',
      },
      'other_healthcare',
    ],
    [
      'a device maker',
      {
        name: 'Osteo Dynamics',
        industry: 'Medical Equipment Manufacturing',
        description: 'Osteo Dynamics is a medical device company designing FDA-cleared orthopedic implants.',
      },
      'pharma_device',
    ],
    [
      'a software company with no healthcare context',
      {
        name: 'Ledgerly',
        industry: 'Software Development',
        description: 'Ledgerly is a SaaS platform that automates invoices and approvals for construction contractors.',
      },
      'non_healthcare',
    ],
    [
      'an electrical contractor that mentions interoperability',
      {
        name: 'Volt Systems',
        industry: 'Construction',
        description: 'Commercial electrical contractor: lighting controls, building automation and interoperability between legacy panels.',
      },
      'non_healthcare',
    ],
    ['a row with nothing to go on', {name: 'Acme', industry: '', description: ''}, 'unknown'],
  ];
  it.each(cases)('classifies %s', (_what, o, kind) => {
    const e = enrich(o);
    expect(e.company_kind).toBe(kind);
    expect(e.company_kind_reason).not.toBe('');
    expect(e.is_competitor).toBe(kind === 'edi_vendor');
  });

  it('names the industry and phrases that decided in company_kind_reason', () => {
    const e = enrich(cases[1][1]);
    expect(e.company_kind_reason).toMatch(/medical billing company/);
  });
});

describe('competitors', () => {
  it('a company that is a clearinghouse is a competitor: excluded from ICP and never a clearinghouse user', () => {
    const e = enrich({
      name: 'ClaimBridge',
      industry: 'IT Services and IT Consulting',
      description:
        'ClaimBridge is a healthcare clearinghouse: we route 837 claims and 835 remittance between providers and payers through Availity and our own payer connectivity.',
    });
    expect(e.is_competitor).toBe(true);
    expect(e.icp_tier).toBe('excluded');
    expect(e.icp_fit).toBe(false);
    expect(e.icp_reason).toMatch(/competitor/);
    expect(e.uses_clearinghouse).toBe(false);
    expect(e.clearinghouses).toEqual([]);
  });

  it('a company that submits claims through a clearinghouse is a user, not a competitor', () => {
    const e = enrich({
      name: 'Northside Billing',
      industry: 'Hospitals and Health Care',
      description: 'Our billers submit claims electronically through a clearinghouse and work every rejection the same day.',
    });
    expect(e.is_competitor).toBe(false);
    expect(e.uses_clearinghouse).toBe(true);
    expect(e.techstack_basis).toBe('stated');
    expect(e.techstack_evidence.join(' ')).toMatch(/through a clearinghouse/);
  });

  it('a listed competitor domain or name is a competitor whatever its text says', () => {
    expect(enrich({domain: rules.competitors.domains[0], description: 'Revenue cycle solutions for hospitals.'}).is_competitor).toBe(true);
    expect(enrich({domain: 'unlisted.example', name: rules.competitors.names[0].toUpperCase(), description: ''}).company_kind).toBe('edi_vendor');
  });

  it('a clearinghouse named only among the customers a company serves does not make it a competitor', () => {
    const e = enrich({
      name: 'Metricly Health',
      industry: 'Software Development',
      description: 'Analytics software for hospitals, health plans and clearinghouses.',
    });
    expect(e.is_competitor).toBe(false);
  });
});

describe('tech stack: stated evidence', () => {
  const stated: Array<[string, string, string[]]> = [
    ['electronic claims submission', 'We handle electronic claims submission to all major payors.', ['837']],
    ['ERA posting', 'Our team does ERA posting and payment reconciliation daily.', ['835']],
    ['eligibility verification', 'Front-desk eligibility verification before every visit.', ['270', '271']],
    ['claim status', 'We check claim status on every open claim at 30 days.', ['276', '277']],
    ['prior authorization', 'We obtain prior authorization for imaging and infusions.', ['278']],
    ['X12 by name', 'We exchange X12 837P files with our partners.', ['837']],
    ['submit clean claims', 'Our coders submit clean claims the same day.', ['837']],
    ['verify eligibility', 'We verify eligibility and benefits before every appointment.', ['270', '271']],
    ['pre-certification', 'Pre-certification for surgeries is handled by our team.', ['278']],
  ];
  it.each(stated)('%s sets uses_x12 with its transaction sets and the matched snippet as evidence', (phrase, sentence, sets) => {
    const e = enrich({
      name: 'Riverside Billing Group',
      industry: 'Hospitals and Health Care',
      description: `Medical billing services for physician practices. ${sentence}`,
    });
    expect(e.uses_x12).toBe(true);
    expect(e.techstack_basis).toBe('stated');
    for (const set of sets) expect(e.x12_transaction_sets).toContain(set);
    const words = phrase.split(' ')[0];
    expect(e.techstack_evidence.some((ev) => ev.toLowerCase().includes(words.toLowerCase()))).toBe(true);
    expect(e.techstack_confidence).toBeGreaterThanOrEqual(0.6);
  });

  it('finds named clearinghouses, FHIR, HL7 and EHRs', () => {
    const e = enrich({
      name: 'Linkwell',
      industry: 'Software Development',
      description: 'Linkwell integrates with Epic EHR through FHIR APIs and HL7 v2 feeds, and sends claims via Waystar and Office Ally.',
    });
    expect(e.clearinghouses).toEqual(['Office Ally', 'Waystar']);
    expect(e.uses_clearinghouse && e.uses_fhir && e.uses_hl7).toBe(true);
    expect(e.ehrs).toEqual(['Epic']);
  });

  it('does not read ordinary numbers as transaction sets, nor "a new era" as an ERA', () => {
    const e = enrich({name: 'Hilltop Cafe', industry: 'Restaurants', description: 'A new era of dining: 270 seats and 835 square feet of patio.'});
    expect(e.x12_transaction_sets).toEqual([]);
    expect(e.uses_x12).toBe(false);
  });

  it('"the program claims" is no buying signal', () => {
    const e = enrich({
      name: 'FitFuel',
      industry: 'Wellness and Fitness Services',
      description: 'The program claims to help members lose weight with a diet plan and coaching.',
    });
    expect(e.icp_reason).not.toMatch(/buying signals/);
    expect(e.uses_x12).toBe(false);
    expect(e.icp_fit).toBe(false);
  });
});

describe('tech stack: inferred from the kind', () => {
  it('a billing firm whose text names no technology is inferred to use X12 and a clearinghouse, with medium confidence', () => {
    const e = enrich({
      name: 'Clearpath Medical Billing',
      industry: 'Hospitals and Health Care',
      description: 'We help practices get paid: medical billing, coding and collections.',
    });
    expect(e.uses_x12 && e.uses_clearinghouse).toBe(true);
    expect(e.techstack_basis).toBe('inferred');
    expect(e.techstack_evidence.join(' ')).toMatch(/^inferred from rcm_billing: /);
    expect(e.x12_transaction_sets).toEqual([]);
    const stated = enrich({
      name: 'Clearpath Medical Billing',
      industry: 'Hospitals and Health Care',
      description: 'We help practices get paid: medical billing, coding and electronic claims submission.',
    });
    expect(e.techstack_confidence).toBeLessThan(stated.techstack_confidence);
  });

  it('a clinic that serves only the uninsured is not inferred to bill insurance', () => {
    const e = enrich({
      name: 'Hope Free Clinic',
      industry: 'Medical Practices',
      description: 'A free clinic providing primary care to adults who are uninsured.',
    });
    expect(e.uses_x12).toBe(false);
    expect(e.icp_fit).toBe(false);
  });

  it('leaves flags off, basis none, for a company with no healthcare business', () => {
    const e = enrich({name: 'Ledgerly', industry: 'Software Development', description: 'Invoices and approvals for contractors.'});
    expect([e.uses_x12, e.uses_clearinghouse, e.uses_fhir, e.uses_hl7]).toEqual([false, false, false, false]);
    expect(e.techstack_basis).toBe('none');
  });
});

describe('ICP', () => {
  it('a size label alone does not exclude a billing firm or software vendor; it lowers the score', () => {
    const text = {
      name: 'Solo RCM Labs',
      industry: 'Hospitals and Health Care',
      description: 'Medical billing and revenue cycle management software for small practices.',
    };
    const solo = enrich({...text, size_band: '1'});
    const bigger = enrich({...text, size_band: '11-50'});
    expect(solo.icp_tier).not.toBe('excluded');
    expect(solo.icp_score).toBeLessThan(bigger.icp_score);
    const agency = enrich({
      name: 'Solo Home Health',
      industry: 'Home Health Care Services',
      size_band: '1',
      description: 'Medicare-certified home health agency.',
    });
    expect(agency.icp_tier).toBe('excluded');
  });

  it('excludes configured kinds of business with a reason: P&C insurance, PEOs, staffing, marketing agencies', () => {
    const cases: Array<[Partial<CompanyBase>, RegExp]> = [
      [
        {
          name: 'Crestline Auto Claims',
          industry: 'Insurance',
          description: 'Auto insurance claims adjusting and property and casualty claims services for carriers.',
        },
        /P&C/,
      ],
      [
        {
          name: 'WorkWell PEO',
          industry: 'Human Resources Services',
          description: 'A professional employer organization (PEO): payroll, HR and benefits administration for small businesses and clinics.',
        },
        /PEO/,
      ],
      [
        {name: 'CareForce', industry: 'Staffing and Recruiting', description: 'Healthcare staffing agency placing nurses in hospitals and clinics.'},
        /staffing/,
      ],
      [
        {
          name: 'BrightSmile Marketing',
          industry: 'Marketing Services',
          description: 'A marketing agency for dental practices: websites, SEO and patient reviews.',
        },
        /marketing/,
      ],
    ];
    for (const [o, reason] of cases) {
      const e = enrich(o);
      expect(e.icp_fit).toBe(false);
      if (e.icp_tier === 'excluded') expect(e.icp_reason).toMatch(reason);
    }
  });

  it('a software vendor is ICP fit only with a stated buying signal', () => {
    const plain = enrich({
      name: 'Vitalview',
      industry: 'Software Development',
      size_band: '201-500',
      description: 'Clinical analytics software that helps hospitals and health systems improve outcomes for their patients.',
    });
    expect(plain.company_kind).toBe('health_it');
    expect(plain.icp_fit).toBe(false);
    const billing = enrich({
      name: 'Vitalview',
      industry: 'Software Development',
      size_band: '201-500',
      description: 'Practice management and billing software that helps clinics submit claims and get paid.',
    });
    expect(billing.company_kind).toBe('health_it');
    expect(billing.icp_fit).toBe(true);
  });

  it('excludes countries outside the allowed list whatever the score', () => {
    const strong = {
      name: 'Keystone Billing',
      industry: 'Hospitals and Health Care',
      description: 'Medical billing company: electronic claims, ERA posting and eligibility verification.',
    };
    expect(enrich({...strong, country: 'GB'}).icp_tier).toBe('excluded');
    expect(enrich({...strong, country: 'US'}).icp_fit).toBe(true);
  });

  it('is ICP for the buyer kinds and not for the others, with kind and signals in the reason', () => {
    const rcm = enrich({
      name: 'Keystone Billing',
      industry: 'Hospitals and Health Care',
      description: 'Medical billing company: electronic claims submission and eligibility verification for practices.',
    });
    expect(rcm.icp_tier).toBe('tier_1');
    expect(rcm.icp_reason).toMatch(/kind rcm_billing/);
    expect(rcm.icp_reason).toMatch(/buying signals: .*eligibility verification/);
    const consultancy = enrich({
      name: 'Brightline Advisory',
      industry: 'Business Consulting and Services',
      description: 'Healthcare consulting firm advising hospitals on strategy, billing and Medicare reimbursement.',
    });
    expect(consultancy.icp_fit).toBe(false);
  });
});

describe('rules enricher', () => {
  it('returns every enrichment column, valid by the schema, and the same answer every time (property)', () => {
    const words = [
      ...rules.company_kinds.kinds.flatMap((k) => k.strong.slice(0, 6)),
      ...rules.keywords.must_have.slice(0, 10),
      'the',
      'we',
      'and',
      '\n',
    ];
    fc.assert(
      fc.property(
        fc.array(fc.constantFrom(...words), {maxLength: 25}).map((w) => w.join(' ')),
        fc.constantFrom('', 'Insurance', 'Software Development', 'Home Health Care Services'),
        fc.constantFrom('1', '2-10', '51-200', 'unknown' as const),
        (description, industry, size_band) => {
          const c = company({description, industry, size_band: size_band as CompanyBase['size_band']});
          const a = enricher.enrich(c);
          expect(EnrichmentSchema.safeParse(a).success).toBe(true);
          expect(enricher.enrich(c)).toEqual(a);
          // The invariants that hold for every company.
          expect(a.is_competitor).toBe(a.company_kind === 'edi_vendor');
          if (a.is_competitor) expect([a.icp_tier, a.uses_clearinghouse]).toEqual(['excluded', false]);
          const flags = a.uses_x12 || a.uses_clearinghouse || a.uses_fhir || a.uses_hl7;
          expect(a.techstack_basis === 'none').toBe(!flags);
          if (a.x12_transaction_sets.length > 0) expect(a.uses_x12).toBe(true);
        },
      ),
      {numRuns: 300},
    );
  });

  it('previous customers are never competitors', () => {
    const e = enrich({
      is_previous_customer: true,
      name: 'Eligiflow',
      industry: 'Software Development',
      description: 'Eligiflow is an eligibility API for digital health companies.',
    });
    expect(e.is_competitor).toBe(false);
  });
});

describe('phrase scanner', () => {
  const scanner = compilePhrases([
    {tag: 'a', phrases: ['medical billing', 'billing', 'ERA', 'clinic', 'A/R follow-up']},
    {tag: 'b', phrases: ['billing services', 'practice management', 'dental practice management']},
  ]);
  const found = (text: string) => scanner.scan(text).all.map((h) => `${h.tag}:${h.phrase}`);

  it('prefers the longer phrase and still reports the phrases inside it', () => {
    expect(found('Medical billing services')).toEqual(['a:medical billing', 'b:billing services', 'a:billing']);
    expect(found('Dental practice management')).toEqual(['b:dental practice management', 'b:practice management']);
  });

  it('matches plurals, whole words, white-space runs and capitals-only phrases only in capitals', () => {
    expect(found('two clinics')).toEqual(['a:clinic']);
    expect(found('clinical')).toEqual([]);
    expect(found('medical\n billing')).toEqual(['a:medical billing', 'a:billing']);
    expect(found('ERA and ERAs')).toEqual(['a:ERA', 'a:ERA']);
    expect(found('a new era')).toEqual([]);
    expect(found('A/R follow-up daily')).toEqual(['a:A/R follow-up']);
  });

  it('every hit is its phrase at a word boundary, and every phrase standing alone is found (property)', () => {
    const phrases = ['medical billing', 'billing', 'ERA', 'clinic', 'billing services', 'practice management', 'dental practice management'];
    const piece = fc.oneof(
      fc.constantFrom(...phrases),
      fc.constantFrom(...phrases).map((p) => p.toLowerCase()),
      fc.constantFrom('x', 'the', 'era', '-', ',', '\n', 'é'),
    );
    fc.assert(
      fc.property(fc.array(piece, {maxLength: 12}), (pieces) => {
        const text = pieces.join(' ');
        for (const h of scanner.scan(text).all) {
          const at = text
            .slice(h.index, h.index + h.length)
            .toLowerCase()
            .replace(/\s+/g, ' ');
          expect(at.startsWith(h.phrase.toLowerCase())).toBe(true);
          expect(/[A-Za-z0-9]/.test(text[h.index - 1] ?? ' ')).toBe(false);
        }
        // A phrase between two non-phrase words is found.
        const alone = `x ${pieces.find((p) => phrases.includes(p)) ?? 'clinic'} x`;
        expect(scanner.scan(alone).all.length).toBeGreaterThan(0);
      }),
      {numRuns: 300},
    );
  });
});

describe('trieSource', () => {
  // The reference: the phrases in one alternation, longest first (the first alternative that matches wins).
  const escape = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
  const alternation = (keys: string[]) =>
    [...keys]
      .sort((a, b) => b.length - a.length)
      .map((k) => escape(k).replace(/ /g, '\\s+'))
      .join('|');
  const matches = (source: string, text: string) => {
    const re = new RegExp(`(?<![A-Za-z0-9])(?:${source})(?:e?s)?(?![A-Za-z0-9])`, 'gi');
    const out: string[] = [];
    for (let m = re.exec(text); m !== null; m = re.exec(text)) {
      out.push(`${m.index}:${m[0]}`);
      re.lastIndex = m.index + 1;
    }
    return out;
  };

  it('matches what the longest-first alternation of the same phrases matches, at every place (property)', () => {
    const word = fc.constantFrom(
      'care',
      'career',
      'car',
      'clinic',
      'clinics',
      'a',
      'b',
      'a-b',
      'x.y',
      'home',
      'home care',
      'care home',
      'es',
      's',
      '(c)',
    );
    const key = fc.array(word, {minLength: 1, maxLength: 3}).map((ws) => ws.join(' '));
    const gap = fc.constantFrom(' ', '  ', '\n', '-', ', ', '', 'S', 'es ');
    fc.assert(
      fc.property(fc.uniqueArray(key, {minLength: 1, maxLength: 12}), fc.array(fc.tuple(key, gap), {maxLength: 10}), (keys, parts) => {
        const text = parts.map(([k, g]) => (k.length % 2 ? k.toUpperCase() : k) + g).join('');
        expect(matches(trieSource(keys), text)).toEqual(matches(alternation(keys), text));
      }),
      {numRuns: 500},
    );
  });
});

describe('compileTerms', () => {
  it('reports which term matched, at word boundaries, including non-ASCII text', () => {
    const m = compileTerms(
      [
        {name: 'edi', patterns: ['EDI']},
        {name: 'fhir', patterns: ['FHIR']},
      ],
      true,
    );
    expect(m.all('Zoë’s EDI, FHIR; medical').map((x) => x.term)).toEqual(['edi', 'fhir']);
  });
  it('names the terms of a bad pattern', () => {
    expect(() => compileTerms([{name: 'broken', patterns: ['(unclosed']}])).toThrow(/broken/);
  });
});
