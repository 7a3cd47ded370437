/**
 * The hot-path shortcuts (issue 5) give exactly the answers of the straightforward code they replace. Each
 * property compares a shortcut with its reference: the URL parser for domains, the original regex chains for
 * names, the lookbehind regex for term matching, papaparse for CSV records, the loop codec for tables.
 */
import {createHash} from 'node:crypto';
import {join} from 'node:path';
import fc from 'fast-check';
import Papa from 'papaparse';
import {withEnrichment} from '../src/core/accounts.js';
import {groupThousands} from '../src/core/strings.js';
import {countryCode, parseLocation} from '../src/core/geo.js';
import {hash32, sha256, stableId, streamSeed} from '../src/core/hash.js';
import {cleanRow, mapHeader, mergeRows, readKey, type CleanRow} from '../src/core/ingest.js';
import {cleanText, linkedinSlug, nameKey, normalizeDomain, normalizeDomainViaUrl, linkedinUrl, parseSize} from '../src/core/normalize.js';
import {createRulesEnricher} from '../src/core/rules/provider.js';
import {byFirstChar, compileTerms, snippet, startsWithAlnum} from '../src/core/rules/terms.js';
import {encodeCsvRow} from '../src/io/csv.js';
import {loadYamlConfig} from '../src/io/config.js';
import {TableCodec, isPlainText} from '../src/io/table-codec.js';
import {CompanySchema} from '../src/schemas/companies.js';
import * as generatedTables from '../src/generated/tables.js';
import {CONFIG_SCHEMAS} from '../src/schemas/config-files.js';
import {CLAY_HEADER} from './helpers/cli.js';

const join2 = (parts: string[]) => parts.join('');

describe('normalizeDomain fast path', () => {
  it.each([
    ['example.com', 'example.com'],
    ['Example.COM.', 'example.com'],
    ['https://www.example.com/about?x=1', 'example.com'],
    ['http://shop.example.co.uk./', 'example.co.uk'],
    ['a-b.example.org/path/with spaces', 'example.org'],
    ['123abc.com', '123abc.com'],
  ])('%s -> %s', (raw, domain) => {
    expect(normalizeDomain(raw)).toEqual({domain, status: 'ok'});
    expect(normalizeDomainViaUrl(raw)).toEqual({domain, status: 'ok'});
  });

  it.each([
    '1.2.3.4',
    'example.123',
    'example.0x1f',
    'http://example.com:8080',
    'user@example.com',
    'xn--nxasmq6b.com',
    'ex_ample.com',
    'a..example.com',
    '.example.com',
    'http:///example.com',
    'example.com..',
    'Bücher.de',
    'https://',
  ])('%s gives what the URL parser gives', (raw) => expect(normalizeDomain(raw)).toEqual(normalizeDomainViaUrl(raw)));

  it('agrees with the URL parser on any domain-like text (property)', () => {
    const piece = fc.constantFrom(
      'a',
      'z',
      '0',
      '9',
      '-',
      '.',
      '..',
      '/',
      ':',
      ':80',
      '_',
      '%',
      '@',
      '?',
      '#',
      '\\',
      ' ',
      '\t',
      'W',
      'xn--',
      'www.',
      '.com',
      '.co.uk',
      '.ai',
      'http://',
      'https://',
      'HTTPS://',
      'ftp://',
      '0x',
      '255',
      'é',
      'İ',
      'K',
      '\u0000',
      '\uFEFF',
    );
    const label = fc.stringMatching(/^[a-z0-9-]{1,70}$/);
    const simple = fc
      .tuple(
        fc.constantFrom('', 'http://', 'https://', 'www.'),
        fc.array(label, {minLength: 1, maxLength: 4}),
        fc.constantFrom('', '.', '/', '/about', '.com', '.com./x'),
      )
      .map(([pre, labels, post]) => pre + labels.join('.') + post);
    fc.assert(
      fc.property(fc.oneof(fc.array(piece, {maxLength: 14}).map(join2), simple, fc.string({unit: 'binary', maxLength: 24})), (raw) => {
        expect(normalizeDomain(raw)).toEqual(normalizeDomainViaUrl(raw));
      }),
      {numRuns: 3000},
    );
  });
});

describe('name and text shortcuts', () => {
  const refNameKey = (raw: string) =>
    raw
      .normalize('NFKD')
      .replace(/[\u0300-\u036f]/g, '')
      .toLowerCase()
      .replace(/[^a-z0-9]+/g, ' ')
      .trim();
  const refCleanText = (raw: string) => raw.trim().replace(/[ \t]+/g, ' ');
  const refSlug = (raw: string) => {
    const m = /linkedin\.com\/(?:company|school|showcase)\/([^/?#\s]+)/i.exec(raw.trim());
    return m ? decodeURIComponent(m[1]).toLowerCase() : '';
  };
  const namey = fc.oneof(
    fc
      .array(fc.constantFrom('a', 'Z', '0', ' ', '  ', '\t', '\n', '-', '.', ',', '&', '’', 'é', 'Zoë', 'ß', 'İ', 'ﬁ', 'Home Care', 'Clínica'), {
        maxLength: 10,
      })
      .map(join2),
    fc.string({unit: 'binary', maxLength: 16}),
  );

  it('nameKey and cleanText give what the regex chains give (property)', () => {
    fc.assert(
      fc.property(namey, (raw) => {
        expect(nameKey(raw)).toBe(refNameKey(raw));
        expect(cleanText(raw)).toBe(refCleanText(raw));
      }),
      {numRuns: 2000},
    );
  });

  it('linkedinSlug decodes only what needs decoding (property)', () => {
    const li = fc
      .array(
        fc.constantFrom(
          'https://',
          'www.',
          'linkedin.com/',
          'LinkedIn.com/',
          'company/',
          'school/',
          'acme',
          'Acme-Health',
          '%20',
          '%C3%A9',
          '/',
          '?x',
          ' ',
        ),
        {maxLength: 7},
      )
      .map(join2);
    fc.assert(
      fc.property(li, (raw) => expect(linkedinSlug(raw)).toBe(refSlug(raw))),
      {numRuns: 1000},
    );
    const raw = ' https://www.linkedin.com/company/Acme%20Health/ ';
    expect(linkedinUrl(raw, linkedinSlug(raw))).toBe('https://www.linkedin.com/company/acme health');
  });
});

describe('cleanRow and mergeRows shortcuts', () => {
  const {index} = mapHeader([...CLAY_HEADER]);
  const arbRow = fc.record({
    name: fc.constantFrom('', 'Acme', ' Acme  Care ', 'Zoë’s\nCare', '—'),
    size: fc.constantFrom('', '11-50 employees', '1,001-5,000 employees', '10,001+ employees', 'Self-employed', 'lots'),
    location: fc.constantFrom('', 'Boulder, Colorado', 'Suite 200,  Tampa, FL', 'Toronto, Ontario', 'Texas', 'New Orleans, Louisiana, United States'),
    country: fc.constantFrom('', 'United States', 'USA', 'Canada', 'Atlantis'),
    domain: fc.constantFrom('', 'acme.com', 'https://www.acme.com/', 'n/a', 'localhost', 'b.org.'),
    linkedin: fc.constantFrom('', 'https://www.linkedin.com/company/acme', 'linkedin.com/school/x?y', 'https://example.com/x'),
    type: fc.constantFrom('', 'Privately Held', 'Non\tProfit'),
  });
  const fields = (r: {name: string; size: string; location: string; country: string; domain: string; linkedin: string; type: string}) => [
    '',
    r.name,
    'd',
    'Insurance',
    r.size,
    r.type,
    r.location,
    r.country,
    r.domain,
    r.linkedin,
  ];

  it('reads size, country and location as the parsers do, however often the values repeat (property)', () => {
    fc.assert(
      fc.property(fc.array(arbRow, {minLength: 1, maxLength: 8}), (rows) => {
        for (const r of [...rows, ...rows]) {
          const res = cleanRow(fields(r), index, 2, 2);
          expect(readKey(fields(r), index).key).toBe(res.ok ? res.value.key : '');
          if (!res.ok) continue;
          const size = parseSize(r.size);
          const country = countryCode(r.country);
          const location = cleanText(r.location);
          expect(res.value).toMatchObject({...size, country, location, ...parseLocation(location, country)});
        }
      }),
      {numRuns: 300},
    );
  });

  it('makes a one-row account from the row itself', () => {
    fc.assert(
      fc.property(arbRow, fc.boolean(), (r, prev) => {
        const res = cleanRow(fields(r), index, 7, 9);
        if (!res.ok) return;
        const p: CleanRow = res.value;
        expect(mergeRows([p], prev)).toEqual({
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
          source_rows: ['7'],
          is_previous_customer: prev,
        });
      }),
      {numRuns: 200},
    );
  });
});

describe('hashes', () => {
  it('are SHA-256 whichever API computes them (property)', () => {
    fc.assert(
      fc.property(fc.string({unit: 'binary', maxLength: 40}), fc.integer(), (s, n) => {
        expect(sha256(s)).toBe(createHash('sha256').update(s).digest('hex'));
        expect(hash32(n, 'deals', s)).toBe(createHash('sha256').update([n, 'deals', s].join('\u0000')).digest().readUInt32BE(0));
      }),
      {numRuns: 500},
    );
  });

  // streamSeed only seeds random streams: what matters is that keys spread evenly and nearby keys do not get
  // nearby seeds (company keys differ by a character or two: domain:a1.com, domain:a2.com).
  it('streamSeed is a 32-bit integer that changes with each part (property)', () => {
    fc.assert(
      // (Keys hold no NUL, the separator.)
      fc.property(
        fc.integer(),
        fc.string({maxLength: 12}),
        fc.string({unit: 'binary', maxLength: 40}).filter((k) => !k.includes('\u0000')),
        (seed, stage, key) => {
          const h = streamSeed(seed, stage, key);
          expect(Number.isInteger(h) && h >= 0 && h < 2 ** 32).toBe(true);
          expect(streamSeed(seed, stage, key)).toBe(h);
          // Parts are separated: moving a character across the boundary is another stream.
          if (key.length > 0) expect(streamSeed(seed, stage + key[0], key.slice(1))).not.toBe(h);
        },
      ),
      {numRuns: 500},
    );
  });

  it('streamSeed avalanches: one character more or changed flips about half of the 32 bits', () => {
    const bits = (x: number) => {
      let n = 0;
      for (let v = x >>> 0; v; v &= v - 1) n++;
      return n;
    };
    const flips: number[] = [];
    for (let i = 0; i < 4000; i++) {
      const key = `domain:company${i}.com`;
      flips.push(bits(streamSeed(42, 'deals', key) ^ streamSeed(42, 'deals', `domain:company${i + 1}.com`)));
      flips.push(bits(streamSeed(42, 'deals', key) ^ streamSeed(43, 'deals', key)));
      flips.push(bits(streamSeed(42, 'deals', key) ^ streamSeed(42, 'deals', `${key}x`)));
    }
    const mean = flips.reduce((a, b) => a + b, 0) / flips.length;
    expect(mean).toBeGreaterThan(15.5);
    expect(mean).toBeLessThan(16.5);
    // No pair of nearby keys gets (almost) the same seed.
    expect(Math.min(...flips)).toBeGreaterThan(2);
  });

  it('streamSeed spreads sequential keys evenly over the 32-bit range', () => {
    const buckets = new Array<number>(64).fill(0);
    const n = 64_000;
    for (let i = 0; i < n; i++) buckets[streamSeed(7, 'billing', `deal_${i}`) >>> 26]++;
    // Chi-square with 63 degrees of freedom: above 110 has a probability far below one in a thousand.
    const expected = n / 64;
    const chi2 = buckets.reduce((a, b) => a + (b - expected) ** 2 / expected, 0);
    expect(chi2).toBeLessThan(110);
  });
});

const shippedRules = await loadYamlConfig(join('config', 'icp_rules.yml'), CONFIG_SCHEMAS['icp_rules.yml']);

describe('rules enrichment shortcuts', () => {
  const rules = shippedRules;
  const vocab = [
    'EDI',
    'x12',
    'ANSI X12',
    '5010',
    'FHIR',
    'HL7 v2.5',
    'SMART on FHIR',
    'clearing houses',
    '837P',
    '270/271',
    '8350',
    'claims',
    'prior authorization',
    'payor',
    'Availity',
    'Tri Zetto',
    'Claim.MD',
    'Epic and',
    'Epic EHR',
    'Epic',
    'eCW',
    'NextGen Healthcare',
    'claims management',
    'home health',
    'RCM',
    'medical',
    'edible',
  ];
  const seps = [' ', ', ', '\n', '\r\n', '_', '-', '/', 'x', '1', 'é', '’', '"'];
  const texty = fc.array(fc.oneof(fc.constantFrom(...vocab), fc.constantFrom(...seps), fc.string({maxLength: 3})), {maxLength: 30}).map(join2);
  const escape = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
  const lists = {
    kinds: {terms: rules.company_kinds.kinds.map((k) => ({name: k.kind, patterns: k.strong})), literal: true},
    must: {terms: rules.keywords.must_have.map((k) => ({name: k, patterns: [k]})), literal: true},
    x12: {
      terms: [
        {name: 'x12', patterns: rules.techstack.x12},
        {name: 'hl7', patterns: rules.techstack.hl7},
      ],
      literal: false,
    },
    houses: {terms: rules.techstack.clearinghouses, literal: false},
    ehrs: {terms: rules.techstack.ehrs, literal: false},
  };

  it('compileTerms finds the matches the lookbehind regex finds, with or without "_" in the text (property)', () => {
    const compiled = Object.values(lists).map(({terms, literal}) => {
      const sources = terms.flatMap((t) => t.patterns.map((p) => (literal ? escape(p) : p.replace(/\((?!\?)/g, '(?:'))));
      return {matcher: compileTerms(terms, literal), reference: new RegExp(`(?<![A-Za-z0-9])(?:${sources.join('|')})(?![A-Za-z0-9])`, 'gi')};
    });
    fc.assert(
      fc.property(texty, (text) => {
        for (const {matcher, reference} of compiled) {
          const all = matcher.all(text);
          expect(all.map((m) => [m.index, m.length])).toEqual([...text.matchAll(reference)].map((m) => [m.index, m[0].length]));
          expect(matcher.distinct(text)).toEqual([...new Set(all.map((m) => m.term))]);
          expect(matcher.first(text)).toBe(all.length > 0 ? all[0].index : -1);
        }
      }),
      {numRuns: 1500},
    );
  });

  it('from any place up to its first match, compileTerms finds every match it finds from the start (property)', () => {
    const compiled = Object.values(lists).map(({terms, literal}) => compileTerms(terms, literal));
    fc.assert(
      fc.property(texty, fc.nat(), (text, at) => {
        for (const matcher of compiled) {
          const first = matcher.first(text);
          const from = at % ((first === -1 ? text.length : first) + 1);
          expect(matcher.all(text, from)).toEqual(matcher.all(text));
          expect(matcher.distinct(text, from)).toEqual(matcher.distinct(text));
        }
      }),
      {numRuns: 1500},
    );
  });

  it('the tech-stack prefilter (all lists in one regex) first matches where the first of the lists does (property)', () => {
    const t = rules.techstack;
    const parts = [
      [
        {name: 'x12', patterns: t.x12},
        {name: 'fhir', patterns: t.fhir},
        {name: 'hl7', patterns: t.hl7},
        {name: 'clearinghouse', patterns: ['clearing ?houses?']},
      ],
      Object.keys(t.transaction_sets).map((c) => ({name: c, patterns: [`${c}[PID]?`]})),
      t.clearinghouses,
      t.ehrs,
    ];
    const each = parts.map((p) => compileTerms(p));
    const union = compileTerms(parts.flat());
    // So each list can be scanned from the union's first match: none of them matches before it.
    const firstOf = (i: number) => (i === -1 ? Infinity : i);
    fc.assert(
      fc.property(texty, (text) => expect(firstOf(union.first(text))).toBe(Math.min(...each.map((m) => firstOf(m.first(text)))))),
      {numRuns: 1500},
    );
  });

  it('snippet collapses white space as one replace of every run of it would (property)', () => {
    const reference = (text: string, index: number, length: number, chars: number) => {
      const start = Math.max(0, index - chars);
      const end = Math.min(text.length, index + length + chars);
      return `${start > 0 ? '…' : ''}${text.slice(start, end).replace(/\s+/g, ' ').trim()}${end < text.length ? '…' : ''}`;
    };
    const spacey = fc
      .array(fc.oneof(fc.constantFrom(' ', '  ', '\n', '\r\n', '\t', '\u00a0', '\u2028', '\uFEFF', ' \n '), fc.string({maxLength: 4})), {
        maxLength: 30,
      })
      .map((p) => p.join(''));
    fc.assert(
      fc.property(spacey, fc.nat(), fc.nat({max: 12}), fc.nat({max: 20}), (text, at, length, chars) => {
        const index = at % (text.length + 1);
        expect(snippet(text, index, length, chars)).toBe(reference(text, index, length, chars));
      }),
      {numRuns: 3000},
    );
  });

  it('byFirstChar groups alternatives without changing any match, whichever of several would match first (property)', () => {
    // Sources that start with a letter or digit (any case), some sharing it, some a prefix of others (order matters).
    const source = fc
      .tuple(fc.constantFrom('a', 'A', 'b', '1'), fc.array(fc.constantFrom('a', 'b', ' ', 'x?', '(?: b)?', '1'), {maxLength: 3}))
      .map(([h, t]) => h + t.join(''));
    const text = fc.array(fc.constantFrom('a', 'A', 'b', 'B', '1', ' ', 'x', '-'), {maxLength: 24}).map((p) => p.join(''));
    fc.assert(
      fc.property(fc.array(source, {minLength: 1, maxLength: 6}), text, (sources, t) => {
        const plain = new RegExp(`\\b(?:${sources.join('|')})(?![A-Za-z0-9])`, 'gi');
        const grouped = new RegExp(`\\b(?:${byFirstChar(sources)})(?![A-Za-z0-9])`, 'gi');
        expect([...t.matchAll(grouped)].map((m) => [m.index, m[0]])).toEqual([...t.matchAll(plain)].map((m) => [m.index, m[0]]));
      }),
      {numRuns: 3000},
    );
  });

  it('startsWithAlnum accepts sources whose every match starts with an ASCII letter or digit, and no others (conservatively)', () => {
    for (const yes of ['EDI', 'HL7(?: ?v?2(?:\\.\\d)?)?', 'Epic(?: Systems)?(?= EHR| integration|,| and)', '270[PID]?', 'Claim\\.MD'])
      expect(startsWithAlnum(yes)).toBe(true);
    for (const no of ['E?DI', 'a+b', 'a*', 'a{0,1}b', '(?:EDI)', '\\bEDI', 'EDI|-x', '.NET', ' EDI', 'é', '[A-Z]DI', ''])
      expect(startsWithAlnum(no)).toBe(false);
  });

  it('withEnrichment builds the same row, keys in the same order, as spreading the two objects', () => {
    const enricher = createRulesEnricher(rules);
    const {index} = mapHeader([...CLAY_HEADER]);
    const res = cleanRow(
      [
        '',
        'Acme RCM',
        'We submit 837 claims over X12 EDI via Availity.',
        'Insurance',
        '11-50 employees',
        '',
        'Austin, TX',
        'United States',
        'acme.com',
        '',
      ],
      index,
      2,
      2,
    );
    if (!res.ok) throw new Error('row rejected');
    const base = mergeRows([res.value], true);
    const e = enricher.enrich(base);
    const spread = {...base, ...e};
    const built = withEnrichment(base, e);
    expect(built).toStrictEqual(spread);
    expect(Object.keys(built)).toEqual(Object.keys(spread));
    expect(Object.keys(e)).toEqual(Object.keys(CompanySchema.shape).slice(Object.keys(base).length));
  });
});

describe('TableCodec compiled encoder, line encoder and decoder', () => {
  const value = fc.oneof(
    fc.constant(null),
    fc.constant(undefined),
    fc.string({maxLength: 6}),
    fc.constantFrom('a|b', ' | ', '', 'x'),
    fc.double(),
    fc.integer(),
    fc.boolean(),
    fc.array(fc.constantFrom('a', 'b|c', '', ' | ', 'é', 'a,b', ' x', '"'), {maxLength: 3}),
    // Cells that need quotes, short and long (csvCell checks the long ones another way).
    fc.constantFrom('a,b', '"q"', ' lead', 'trail ', 'x\ny', '\r', '\uFEFF', `${'long text '.repeat(6)}"quoted", and more`, 'y'.repeat(60)),
    fc.string({unit: 'binary', maxLength: 80}),
  );
  const cell = fc.oneof(fc.string({maxLength: 6}), fc.constantFrom('', 'true', 'false', '12', '-0.5', 'NaN', 'a | b', ' | '));

  // A plain column's values are texts that need no quotes (its schema allows no other; see table-columns.test.ts).
  const plainValue = fc.oneof(
    fc.constant(null),
    fc.constant(undefined),
    fc.string({maxLength: 12}).filter(isPlainText),
    fc.constantFrom('', 'co_0123456789abcdef', '2025-02-28', 'closed_won'),
  );

  it.each(Object.entries(generatedTables))('%s: the same cells and rows as the reference loop (property)', (_name, table) => {
    const codec = new TableCodec<Record<string, unknown>>(table);
    const n = codec.columns.length;
    const values = fc.tuple(...table.map((c) => (c.plain ? plainValue : value)));
    fc.assert(
      fc.property(values, fc.array(cell, {minLength: 0, maxLength: n}), (values, cells) => {
        const row = Object.fromEntries(codec.columns.map((c, i) => [c, values[i]]));
        // A non-list in a list column throws in both.
        const outcome = (f: () => string[]) => {
          try {
            return f();
          } catch (e) {
            return (e as Error).constructor.name;
          }
        };
        expect(outcome(() => codec.encode(row))).toEqual(outcome(() => codec.encodeSlow(row)));
        // The writers' line: the reference cells as one CSV record and its newline.
        expect(outcome(() => [codec.line(row)])).toEqual(outcome(() => [`${encodeCsvRow(codec.encodeSlow(row))}\n`]));
        const decoded = codec.decode(cells);
        expect(decoded).toStrictEqual(codec.decodeSlow(cells));
        expect(Object.keys(decoded)).toEqual(codec.columns);
      }),
      {numRuns: 200},
    );
  });
});

describe('TableCodec.lineAndPick', () => {
  const value = fc.oneof(
    fc.constant(null),
    fc.string({maxLength: 6}),
    fc.constantFrom('a,b', ' x', '"q"', `${'long, '.repeat(9)}"x"`),
    fc.double(),
    fc.boolean(),
    fc.array(fc.constantFrom('a', 'b|c', 'a,b'), {maxLength: 3}),
  );
  const plainValue = fc.oneof(fc.constant(''), fc.constantFrom('co_0123456789abcdef', '2025-02-28', 'tier_1'));

  it.each(Object.entries(generatedTables))(
    '%s: the line and the record of any pick of its columns, as line and record make them (property)',
    (_name, table) => {
      const codec = new TableCodec<Record<string, unknown>>(table);
      const row = fc.tuple(...table.map((c) => (c.plain ? plainValue : value))).map((vs) => Object.fromEntries(table.map((c, i) => [c.name, vs[i]])));
      // Any columns, in any order (unified.csv's company columns are not in companies.csv's order).
      const pick = fc.shuffledSubarray([...table]).map((cols) => new TableCodec<Record<string, unknown>>(cols));
      fc.assert(
        fc.property(pick, fc.array(row, {minLength: 1, maxLength: 5}), (p, rows) => {
          const both = codec.lineAndPick(p);
          for (const r of rows) {
            // A non-list in a list column throws in both.
            let expected: unknown;
            try {
              expected = [codec.line(r), p.record(r)];
            } catch (e) {
              expected = (e as Error).constructor.name;
            }
            let got: unknown;
            try {
              got = both(r);
            } catch (e) {
              got = (e as Error).constructor.name;
            }
            expect(got).toEqual(expected);
          }
        }),
        {numRuns: 100},
      );
    },
  );

  it('works for a table of no columns (which the compiled encoder and decoder once could not compile)', () => {
    const none = new TableCodec<Record<string, never>>([]);
    expect([none.encode({}), none.decode([]), none.line({}), none.record({}), none.lineAndPick(none)({})]).toEqual([[], {}, '\n', '', ['\n', '']]);
  });

  it("refuses a pick with a column that is not one of the table's, or not as it is there", () => {
    const codec = new TableCodec([
      {name: 'a', kind: 'string', nullable: false, plain: false},
      {name: 'b', kind: 'number', nullable: true, plain: false},
    ]);
    expect(() => codec.lineAndPick(new TableCodec([{name: 'c', kind: 'string', nullable: false, plain: false}]))).toThrow(/column c is not a column/);
    expect(() => codec.lineAndPick(new TableCodec([{name: 'a', kind: 'string', nullable: false, plain: true}]))).toThrow(/column a is not a column/);
  });
});

describe('encodeCsvRow', () => {
  const cell = fc.oneof(
    fc.string({unit: 'binary', maxLength: 12}),
    fc.constantFrom('', ' ', ' a', 'a ', '"', '""', 'a,b', '\r\n', '\n', '\r', '\uFEFF', 'x"y', 'plain', '=1+2'),
  );

  it('writes exactly what papaparse writes for one row (property)', () => {
    fc.assert(
      fc.property(fc.array(cell, {maxLength: 8}), (fields) => expect(encodeCsvRow(fields)).toBe(Papa.unparse([fields], {newline: '\n'}))),
      {numRuns: 3000},
    );
  });

  it('writes long cells (over 48 characters, checked another way) as papaparse does (property)', () => {
    const long = fc
      .tuple(fc.string({unit: 'binary', minLength: 40, maxLength: 120}), cell, fc.string({unit: 'binary', maxLength: 20}))
      .map(([a, b, c]) => a + b + c);
    fc.assert(
      fc.property(fc.array(fc.oneof(long, cell), {maxLength: 6}), (fields) =>
        expect(encodeCsvRow(fields)).toBe(Papa.unparse([fields], {newline: '\n'})),
      ),
      {numRuns: 2000},
    );
  });

  it('reads back as the same fields with papaparse (property)', () => {
    fc.assert(
      fc.property(fc.array(cell, {minLength: 2, maxLength: 8}), (fields) => {
        const parsed = Papa.parse<string[]>(`${encodeCsvRow(fields)}\n`, {delimiter: ',', newline: '\n', quoteChar: '"', skipEmptyLines: false});
        expect(parsed.errors).toEqual([]);
        expect(parsed.data[0]).toEqual(fields);
      }),
      {numRuns: 3000},
    );
  });
});

describe('groupThousands', () => {
  it("writes any safe integer as toLocaleString('en-US') does (property)", () => {
    const integer = fc.oneof(
      fc.maxSafeInteger(),
      fc.integer({min: -1e7, max: 1e7}),
      fc.constantFrom(0, -0, 999, 1000, -1000, 999999, 1000000, Number.MAX_SAFE_INTEGER, Number.MIN_SAFE_INTEGER),
    );
    fc.assert(
      fc.property(integer, (n) => expect(groupThousands(n)).toBe(n.toLocaleString('en-US'))),
      {numRuns: 5000},
    );
  });
});
