import fc from 'fast-check';
import {previousCustomerDomains} from '../src/core/accounts.js';
import {join} from 'node:path';
import {cleanRow, ingestRules, mapHeader, mergeRows, oneAccount, type CleanRow} from '../src/core/ingest.js';
import {loadYamlConfig} from '../src/io/config.js';
import {CONFIG_SCHEMAS} from '../src/schemas/config-files.js';
import {CLAY_HEADER} from './helpers/cli.js';

const {index} = mapHeader([...CLAY_HEADER]);
const row = (o: Partial<Record<'name' | 'description' | 'industry' | 'size' | 'type' | 'location' | 'country' | 'domain' | 'linkedin', string>>) => [
  '',
  o.name ?? '',
  o.description ?? '',
  o.industry ?? '',
  o.size ?? '',
  o.type ?? '',
  o.location ?? '',
  o.country ?? '',
  o.domain ?? '',
  o.linkedin ?? '',
];

function clean(fields: string[], n = 2): CleanRow {
  const r = cleanRow(fields, index, n, n);
  if (!r.ok) throw new Error(r.value.reason);
  return r.value;
}

describe('mapHeader', () => {
  it('matches columns by name in any order, ignoring case, spaces, a BOM and unknown columns', () => {
    const header = ['\uFEFF  linkedin url ', 'Extra', 'DOMAIN', 'country', 'location', 'type', 'size', 'primary industry', 'description', 'name'];
    const {index: ix, missing} = mapHeader(header);
    expect(missing).toEqual([]);
    expect(ix.linkedin).toBe(0);
    expect(ix.name).toBe(9);
    expect(ix.domain).toBe(2);
  });
  it('names every missing required column', () => {
    expect(mapHeader(['Name', 'Description', 'Size']).missing).toEqual(['Primary Industry', 'Type', 'Location', 'Country', 'Domain', 'LinkedIn URL']);
  });
});

describe('cleanRow', () => {
  it('keys a company by its registrable domain and reads size, country and location', () => {
    const r = clean(
      row({
        name: 'Acme Health',
        domain: 'https://www.AcmeHealth.com/about',
        size: '501-1,000 employees',
        country: 'United States',
        location: 'Boulder, Colorado',
        linkedin: 'https://www.linkedin.com/company/acme-health',
      }),
    );
    expect(r).toMatchObject({
      key: 'domain:acmehealth.com',
      domain: 'acmehealth.com',
      domain_status: 'ok',
      raw_domain: 'https://www.AcmeHealth.com/about',
      size_band: '501-1000',
      employees_min: 501,
      employees_max: 1000,
      country: 'US',
      city: 'Boulder',
      state: 'CO',
    });
  });
  it('falls back to the LinkedIn slug, then the name, when the domain is missing or invalid', () => {
    expect(clean(row({name: 'A', domain: '', linkedin: 'https://www.linkedin.com/company/a-co'}))).toMatchObject({
      key: 'linkedin:a-co',
      domain: '',
      domain_status: 'missing',
    });
    expect(clean(row({name: 'Tri-County Home Health', domain: 'not a domain'}))).toMatchObject({
      key: 'name:tri county home health',
      domain_status: 'invalid',
    });
  });
  it('rejects a row with no name, domain or LinkedIn URL, keeping its row, line and a reason', () => {
    const r = cleanRow(row({location: 'Houston, Texas', domain: 'n/a'}), index, 7, 12);
    expect(r.ok).toBe(false);
    if (!r.ok) {
      expect(r.value).toMatchObject({row: 7, line: 12});
      expect(r.value.reason).toMatch(/nothing usable/);
    }
  });
  it('keeps descriptions byte for byte (line breaks, CRLF, non-ASCII)', () => {
    const description = 'Line one — “quoted”\r\nLine two\n\n  indented ® ™ Zoë';
    expect(clean(row({name: 'X', domain: 'x.com', description})).description).toBe(description);
  });
});

const rules = ingestRules(await loadYamlConfig(join('config', 'ingest.yml'), CONFIG_SCHEMAS['ingest.yml']));

describe('rows whose name says the page is gone (config/ingest.yml)', () => {
  const reasonOf = (name: string, domain = 'acme.com') => {
    const r = cleanRow(row({name, domain, linkedin: 'https://www.linkedin.com/company/x'}), index, 4, 5, rules);
    return r.ok ? null : r.value;
  };

  it.each([
    'Deactivated Account',
    'Account Deactivated',
    '  LINKEDIN   member ',
    '[Page not found]',
    'Unavailable',
    'This page doesn’t exist',
    "This page doesn't exist",
  ])('"%s" is rejected with the reason, whatever the domain and LinkedIn URL', (name) => {
    const r = reasonOf(name);
    expect(r).toMatchObject({row: 4, line: 5, name, domain: 'acme.com'});
    expect(r!.reason).toBe(`name says the page is gone: ${name.trim().replace(/\s+/g, ' ')}`);
  });

  it('matches the whole name only, not a phrase inside a real name (property)', () => {
    const phrases = ['Deactivated Account', 'LinkedIn Member', 'Unavailable', 'Page not found', 'Account Suspended'];
    const words = ['Services', 'Home Care', 'Health', 'Inc.', 'of Texas', 'Billing', 'Partners', 'LLC'];
    fc.assert(
      fc.property(fc.constantFrom(...phrases), fc.constantFrom(...words), fc.boolean(), (phrase, word, before) => {
        const name = before ? `${word} ${phrase}` : `${phrase} ${word}`;
        expect(reasonOf(name)).toBeNull();
      }),
    );
    expect(reasonOf('Deactivated Account')).not.toBeNull();
  });

  it('rejects no name without the rules (the default)', () => {
    expect(cleanRow(row({name: 'Deactivated Account', domain: 'a.com'}), index, 2, 2).ok).toBe(true);
  });
});

describe('mergeRows', () => {
  const group = [
    clean(
      row({
        name: 'Golden Hour Home Care of Mesa',
        domain: 'goldenhourhomecare.com',
        size: '11-50 employees',
        linkedin: 'https://www.linkedin.com/company/gh-mesa',
      }),
      5,
    ),
    clean(
      row({
        name: 'Golden Hour Home Care',
        domain: 'www.goldenhourhomecare.com',
        size: '51-200 employees',
        linkedin: 'https://www.linkedin.com/company/gh',
        description: 'Home care.',
      }),
      9,
    ),
    clean(
      row({
        name: 'Golden Hour Home Care - Tucson',
        domain: 'https://goldenhourhomecare.com/',
        linkedin: 'https://www.linkedin.com/company/gh-tucson',
      }),
      3,
    ),
  ];

  it('makes one account with the brand as primary and the others in list columns', () => {
    const c = mergeRows(group, false);
    expect(c.name).toBe('Golden Hour Home Care');
    expect(c.other_names).toEqual(['Golden Hour Home Care - Tucson', 'Golden Hour Home Care of Mesa']);
    expect(c.other_linkedin_urls).toEqual(['https://www.linkedin.com/company/gh-mesa', 'https://www.linkedin.com/company/gh-tucson']);
    expect(c.source_rows).toEqual(['3', '5', '9']);
    expect(c.company_id).toMatch(/^co_[0-9a-f]{16}$/);
  });

  it('does not depend on row order (property)', () => {
    const arbRow = fc.record({
      name: fc.constantFrom('Acme', 'Acme Care', 'Acme Care North', 'ACME', ''),
      description: fc.string({maxLength: 20}),
      size: fc.constantFrom('', '2-10 employees', '51-200 employees', '10,001+ employees', 'Self-employed'),
      location: fc.constantFrom('', 'Austin, TX', 'Naples'),
      linkedin: fc.constantFrom('', 'https://www.linkedin.com/company/a', 'https://www.linkedin.com/company/b'),
      industry: fc.constantFrom('', 'Insurance', 'Hospitals and Health Care'),
    });
    fc.assert(
      fc.property(fc.array(arbRow, {minLength: 1, maxLength: 6}), fc.integer(), (rows, seed) => {
        const cleaned = rows.map((r, i) => clean(row({...r, domain: 'acme.com'}), i + 2));
        const shuffled = [...cleaned].sort((a, b) => ((a.row * 7919 + seed) % 13) - ((b.row * 7919 + seed) % 13));
        expect(mergeRows(shuffled, false)).toEqual(mergeRows(cleaned, false));
      }),
    );
  });
});

describe('an account with rows merged by name', () => {
  const withDomain = clean(
    row({name: 'Acme Health', domain: 'acme.com', size: '2-10 employees', linkedin: 'https://www.linkedin.com/company/acme'}),
    4,
  );
  const noDomain = clean(
    row({
      name: 'ACME Health',
      domain: 'not a domain',
      size: '10,001+ employees',
      description: 'A much longer description.',
      linkedin: 'https://www.linkedin.com/company/acme-hq',
    }),
    3,
  );

  it('is keyed by its domain, whatever the other rows hold', () => {
    const c = mergeRows([noDomain, withDomain], false);
    expect(c).toMatchObject({
      company_key: 'domain:acme.com',
      domain: 'acme.com',
      domain_status: 'ok',
      name: 'Acme Health',
      size_band: '2-10',
      source_rows: ['3', '4'],
    });
    expect(c.other_linkedin_urls).toEqual(['https://www.linkedin.com/company/acme-hq']);
    expect(mergeRows([withDomain, noDomain], false)).toEqual(c);
  });

  it("is one account only when the rows share a key or the rows without a domain carry a name of the domain's rows", () => {
    expect(oneAccount([withDomain, noDomain])).toBe(true);
    const other = clean(row({name: 'Other', domain: '', linkedin: 'https://www.linkedin.com/company/other'}), 5);
    expect(oneAccount([withDomain, noDomain, other])).toBe(false);
    expect(oneAccount([withDomain, clean(row({name: 'Acme Health', domain: 'b.com'}), 6)])).toBe(false);
    expect(oneAccount([noDomain, other])).toBe(false);
    // A LinkedIn page's rows go together: one of them carrying the name is enough.
    const page = (name: string, n: number) => clean(row({name, domain: '', linkedin: 'https://www.linkedin.com/company/p'}), n);
    expect(oneAccount([withDomain, page('Acme Health', 7), page('Acme (old page)', 8)])).toBe(true);
  });
});

describe('accounts in two passes (keys, then rows)', () => {
  it('normalises previous-customer domains like the input', () => {
    const {set, invalid} = previousCustomerDomains(['www.tennr.com', 'https://www.Medplum.com/', 'nirvanahq.com.', 'nonsense']);
    expect([...set].sort()).toEqual(['medplum.com', 'nirvanahq.com', 'tennr.com']);
    expect(invalid).toEqual(['nonsense']);
  });
});
