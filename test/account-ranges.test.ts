import {mkdtempSync, rmSync, writeFileSync} from 'node:fs';
import {tmpdir} from 'node:os';
import {join} from 'node:path';
import fc from 'fast-check';
import {applyLimit, KeyCollision, KeyIds, keyHashes, splitRanges} from '../src/core/account-plan.js';
import {headerIndex, indexExport, indexPart, joinIndexes, PartDeclined, type ExportIndex} from '../src/stages/account-index.js';
import {planChunks} from '../src/io/csv-chunks.js';
import {statSync} from 'node:fs';
import type {RejectedRow} from '../src/core/ingest.js';
import {assembleRange, rangeInput, readForeign, wholeFile} from '../src/parallel/enrich-range.js';
import type {CompanyBase} from '../src/schemas/companies.js';
import {shardOf} from '../src/core/shard.js';
import {startsRowGroup} from '../src/core/row-groups.js';
import {CLAY_HEADER} from './helpers/cli.js';

const dir = mkdtempSync(join(tmpdir(), 'ranges-'));
afterAll(() => rmSync(dir, {recursive: true, force: true}));
let n = 0;
const silent = {start() {}, progress() {}, succeed() {}, info() {}, warn() {}, stop() {}};
const PREVIOUS = new Set(['a.com']);
// Rows named so are rejected by the first pass (see config/ingest.yml).
const ingest = {goneNames: new Set(['deactivated account'])};

const q = (s: string) => `"${s.replaceAll('"', '""')}"`;
interface Spec {
  name: string;
  domain: string;
  linkedin: string;
  description: string;
  size: string;
  blankBefore: boolean;
}
/** A Clay-like export: every field quoted, CRLF, blank lines here and there; `plain` false adds a construct the scanner declines. */
function writeExport(rows: Spec[], plain = true): string {
  const lines = [CLAY_HEADER.map(q).join(',')];
  for (const r of rows) {
    if (r.blankBefore) lines.push('');
    lines.push(
      ['', r.name, r.description, 'Hospitals and Health Care', r.size, 'Privately Held', 'Austin, Texas', 'United States', r.domain, r.linkedin]
        .map(q)
        .join(','),
    );
  }
  if (!plain) lines.push(`"x","Tail Co" ,"d","","","","","","tail.com",""`);
  const file = join(dir, `e${n++}.csv`);
  writeFileSync(file, lines.join('\r\n') + '\r\n');
  return file;
}

const index = (file: string) => indexExport(file, {reporter: silent, ingest, onReject() {}, onRestart() {}});

async function oneThread(file: string, ex: ExportIndex): Promise<{companies: CompanyBase[]; merged: number}> {
  const companies: CompanyBase[] = [];
  const {merged} = await assembleRange(wholeFile(file, ex), PREVIOUS, (c) => void companies.push(c));
  return {companies, merged};
}

async function inRanges(file: string, parts: number): Promise<{companies: CompanyBase[]; merged: number; ranges: number; foreign: number}> {
  const ex = await index(file);
  const ranges = splitRanges(ex.index, parts);
  const companies: CompanyBase[] = [];
  let merged = 0;
  for (const r of ranges)
    merged += (await assembleRange(rangeInput(file, ex, r, readForeign(file, ex, r)), PREVIOUS, (c) => void companies.push(c))).merged;
  return {companies, merged, ranges: ranges.length, foreign: ranges.reduce((k, r) => k + r.foreign.length, 0)};
}

const specArb = fc.record({
  name: fc.constantFrom('', 'Acme', 'Acme Health', 'Beta Care', 'Gamma', 'Delta "Labs"', 'Deactivated Account'),
  domain: fc.constantFrom('', 'a.com', 'www.a.com', 'https://b.org/', 'c.health', 'n/a', 'localhost'),
  linkedin: fc.constantFrom('', 'https://www.linkedin.com/company/x', 'https://www.linkedin.com/company/y', 'https://linkedin.com/in/person'),
  description: fc.constantFrom('', 'We send 837 claims over X12 EDI.', 'Home care,\r\nwith "quotes" and\nlines', 'Clinic'),
  size: fc.constantFrom('', '11-50 employees', '1,001-5,000 employees', '10,001+ employees'),
  blankBefore: fc.boolean(),
});

describe('the second pass over ranges', () => {
  it('gives the same companies, in the same order, from one thread or any split into ranges (property)', async () => {
    let withForeign = 0;
    await fc.assert(
      fc.asyncProperty(fc.array(specArb, {minLength: 1, maxLength: 40}), fc.integer({min: 2, max: 5}), async (rows, parts) => {
        const file = writeExport(rows);
        const ex = await index(file);
        expect(ex.index.offset).toBeDefined();
        const one = await oneThread(file, ex);
        // Every input row is a company, a merged row or a rejected row.
        expect(one.companies.length + one.merged + ex.rejected).toBe(ex.inputRows);
        expect(ex.inputRows).toBe(rows.length);
        // Rows whose name says the page is gone are rejected, whatever their domain and LinkedIn URL.
        expect(one.companies.filter((c) => c.name === 'Deactivated Account' || c.other_names.includes('Deactivated Account'))).toEqual([]);
        expect(ex.rejected).toBeGreaterThanOrEqual(rows.filter((r) => r.name === 'Deactivated Account').length);
        // Companies come out in the order of their last row.
        const lastRows = one.companies.map((c) => Math.max(...c.source_rows.map(Number)));
        expect(lastRows).toEqual([...lastRows].sort((a, b) => a - b));
        const split = await inRanges(file, parts);
        if (split.foreign > 0) withForeign++;
        expect(split.companies).toEqual(one.companies);
        expect(split.merged).toBe(one.merged);
      }),
      {numRuns: 60},
    );
    // Accounts spanning ranges (rows handed from an earlier range) were exercised.
    expect(withForeign).toBeGreaterThan(5);
  });

  it('with row groups by company (Parquet), starts every range after the first at a company that starts a group, and still gives the same companies (property)', async () => {
    // Unique domains: most accounts have one row (a range starts only at such an account).
    const uniqueArb = fc
      .array(fc.tuple(specArb, fc.nat(10_000)), {minLength: 5, maxLength: 60})
      .map((xs) => xs.map(([r, k], i) => ({...r, domain: `d${i}-${k}.com`})));
    let split = 0;
    await fc.assert(
      fc.asyncProperty(uniqueArb, fc.integer({min: 2, max: 6}), fc.integer({min: 1, max: 4}), async (rows, parts, every) => {
        const file = writeExport(rows);
        const ex = await index(file);
        const one = await oneThread(file, ex);
        const ranges = splitRanges(ex.index, parts, every);
        if (ranges.length > 1) split++;
        const companies: CompanyBase[] = [];
        for (const [k, r] of ranges.entries()) {
          const own: CompanyBase[] = [];
          await assembleRange(rangeInput(file, ex, r, readForeign(file, ex, r)), PREVIOUS, (c) => void own.push(c));
          if (k > 0) expect(own.length === 0 || startsRowGroup(own[0].company_key, every)).toBe(true);
          companies.push(...own);
        }
        expect(companies).toEqual(one.companies);
      }),
      {numRuns: 40},
    );
    // (Far below what random inputs give, so the check cannot flake.)
    expect(split).toBeGreaterThan(3);
  });

  it('keeps the first --limit companies (in output order), from one thread or in ranges', async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(specArb, {minLength: 1, maxLength: 30}), fc.integer({min: 0, max: 12}), async (rows, limit) => {
        const file = writeExport(rows);
        const all = (await oneThread(file, await index(file))).companies;
        const ex = await index(file);
        expect(applyLimit(ex.index, limit)).toBe(Math.min(limit, all.length));
        expect((await oneThread(file, ex)).companies).toEqual(all.slice(0, limit));
        const ex2 = await index(file);
        applyLimit(ex2.index, limit);
        const got: CompanyBase[] = [];
        for (const r of splitRanges(ex2.index, 3))
          await assembleRange(rangeInput(file, ex2, r, readForeign(file, ex2, r)), PREVIOUS, (c) => void got.push(c));
        expect(got).toEqual(all.slice(0, limit));
      }),
      {numRuns: 30},
    );
  });

  it('merges the same accounts whatever the row order', async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(specArb, {minLength: 1, maxLength: 30}), async (rows) => {
        const byId = async (list: Spec[]) => {
          const file = writeExport(list);
          const {companies} = await oneThread(file, await index(file));
          return new Map(companies.map((c) => [c.company_id, {...c, source_rows: []}]));
        };
        expect(await byId([...rows].reverse())).toEqual(await byId(rows));
      }),
      {numRuns: 30},
    );
  });

  it('falls back to papaparse for the first pass when the scanner declines the file (no ranges then)', async () => {
    const rows: Spec[] = [
      {name: 'Acme', domain: 'a.com', linkedin: '', description: 'x', size: '', blankBefore: true},
      {name: 'Beta', domain: 'b.org', linkedin: '', description: 'y', size: '', blankBefore: false},
      {name: 'Acme', domain: 'www.a.com', linkedin: '', description: 'z', size: '', blankBefore: false},
    ];
    const plain = writeExport(rows);
    const odd = writeExport(rows, false);
    const a = await index(plain);
    const b = await index(odd);
    expect(a.index.offset).toBeDefined();
    expect(b.index.offset).toBeUndefined();
    expect(splitRanges(b.index, 4)).toHaveLength(1);
    expect([b.blank, b.inputRows]).toEqual([a.blank, a.inputRows + 1]);
    const fromOdd = (await oneThread(odd, b)).companies;
    expect(fromOdd.slice(0, 2)).toEqual((await oneThread(plain, a)).companies);
    expect(fromOdd[2].domain).toBe('tail.com');
  });

  it('notices a file that changed between the passes', async () => {
    const rows: Spec[] = ['a.com', 'b.org', 'c.health'].map((domain) => ({
      name: domain,
      domain,
      linkedin: '',
      description: '',
      size: '',
      blankBefore: false,
    }));
    const file = writeExport(rows);
    const ex = await index(file);
    writeExport(rows.map((r, i) => (i === 1 ? {...r, domain: 'other.org'} : r)));
    writeFileSync(file, (await import('node:fs')).readFileSync(join(dir, `e${n - 1}.csv`)));
    await expect(oneThread(file, ex)).rejects.toThrow(/changed while it was being read/);
  });
});

describe('the first pass in two halves', () => {
  const arrays = (ex: ExportIndex) => ({
    ...ex,
    index: Object.fromEntries(Object.entries(ex.index).map(([k, v]) => [k, v instanceof Object ? Array.from(v as ArrayLike<number>) : v])),
  });

  it('gives the index, counts and rejected rows (in order) of one pass, cut at any record (property)', async () => {
    let keysInBoth = 0;
    await fc.assert(
      fc.asyncProperty(
        fc.array(specArb, {minLength: 1, maxLength: 40}),
        fc.nat(),
        fc.option(fc.integer({min: 1, max: 3}), {nil: undefined}),
        async (rows, at, shardIndex) => {
          const file = writeExport(rows);
          const shard = shardIndex === undefined ? undefined : {index: shardIndex - 1, count: 3};
          const serialRejects: RejectedRow[] = [];
          const one = await indexExport(file, {reporter: silent, shard, ingest, onReject: (r) => void serialRejects.push(r), onRestart() {}});
          const offset = one.index.offset!;
          // The cut: the start of any record but the first.
          const records = one.index.records;
          if (records < 2) return;
          const cut = 1 + (at % (records - 1));
          const plan = await planChunks(file, 64);
          const header = plan ? plan.header : [];
          if (!plan) return;
          const columns = headerIndex(file, header);
          const rejects: RejectedRow[] = [];
          const opts = {reporter: silent, shard, ingest, onReject: (r: RejectedRow) => void rejects.push(r), onRestart() {}};
          const a = await indexPart(
            file,
            {columns, width: header.length, newline: one.newline, start: offset[0], end: offset[cut], firstLine: plan.firstLine},
            opts,
          );
          const b = await indexPart(file, {columns, width: header.length, newline: one.newline, start: offset[cut], end: statSync(file).size}, opts);
          // Accounts with rows in both halves were exercised.
          const firstHalf = new Set(Array.from(one.index.account.subarray(0, cut)).filter((x) => x >= 0));
          if (Array.from(one.index.account.subarray(cut)).some((x) => firstHalf.has(x))) keysInBoth++;
          const joined = joinIndexes(a, b, {columns, newline: one.newline}, opts);
          expect(arrays(joined)).toEqual(arrays(one));
          expect(rejects).toEqual(serialRejects);
        },
      ),
      {numRuns: 100},
    );
    // (Random inputs: about one in eight has such an account; a bound far below that, so the check cannot flake.)
    expect(keysInBoth).toBeGreaterThan(2);
  });

  it('declines a cut that is not a record start (the first half does not end with a whole record)', async () => {
    const rows: Spec[] = ['a.com', 'b.org', 'c.health'].map((domain) => ({
      name: domain,
      domain,
      linkedin: '',
      description: 'Home care,\r\nwith "quotes"',
      size: '',
      blankBefore: false,
    }));
    const file = writeExport(rows);
    const one = await index(file);
    const offset = one.index.offset!;
    const columns = one.columns;
    // Inside the second record's description, just after its line break.
    const text = (await import('node:fs')).readFileSync(file, 'latin1');
    const inside = text.indexOf('Home care,\r\n', offset[1]) + 'Home care,\r\n'.length;
    expect(inside).toBeGreaterThan(offset[1]);
    expect(inside).toBeLessThan(offset[2]);
    await expect(
      indexPart(
        file,
        {columns, width: 0, newline: one.newline, start: offset[0], end: inside, firstLine: 2},
        {reporter: silent, onReject() {}, onRestart() {}},
      ),
    ).rejects.toThrow(PartDeclined);
  });
});

describe('account keys by 64-bit hash', () => {
  const collide = (k: string) => {
    void k;
    keyHashes.h1 = 7;
    keyHashes.h2 = 7;
  };

  it('notices keys that shared a hash, and enrich starts over comparing keys exactly: same files', async () => {
    const rows: Spec[] = ['a.com', 'b.org', 'a.com', 'c.health'].map((domain, i) => ({
      name: `N${i}`,
      domain,
      linkedin: '',
      description: '',
      size: '',
      blankBefore: false,
    }));
    const file = writeExport(rows);
    const ex = await indexExport(file, {reporter: silent, onReject() {}, onRestart() {}, hashKeys: collide});
    // Every key landed in one account...
    expect(ex.accounts).toBe(1);
    // ...which the second pass refuses.
    await expect(oneThread(file, ex)).rejects.toThrow(KeyCollision);

    const {runEnrich, loadIcpRules} = await import('../src/stages/enrich.js');
    const {RulesProvider} = await import('../src/providers/rules.js');
    const {dataPaths} = await import('../src/io/paths.js');
    const {readFileSync} = await import('node:fs');
    const configDir = join(process.cwd(), 'config');
    const run = async (out: string, hashKeys?: (k: string) => void) => {
      const paths = dataPaths(join(dir, out));
      const info: string[] = [];
      const summary = await runEnrich({
        input: file,
        paths,
        configDir,
        provider: new RulesProvider(await loadIcpRules(configDir)),
        previousCustomers: PREVIOUS,
        reporter: {...silent, info: (m: string) => void info.push(m)},
        hashKeys,
      });
      return {summary, info, companies: readFileSync(paths.companies, 'utf8')};
    };
    const normal = await run('normal');
    const collided = await run('collided', collide);
    expect(collided.info.join('\n')).toMatch(/shared a hash/);
    expect(collided.companies).toBe(normal.companies);
    expect(collided.summary.companies).toBe(3);
    expect(collided.summary.merged_rows).toBe(normal.summary.merged_rows);
  });

  it('gives every distinct key its own id, in order of first appearance (property)', () => {
    fc.assert(
      fc.property(fc.array(fc.string({maxLength: 6}), {maxLength: 300}), (keys) => {
        const ids = new KeyIds();
        const exact = new KeyIds(true);
        const firstSeen = new Map<string, number>();
        for (const k of keys) {
          const a = ids.idOf(k);
          const b = exact.idOf(k);
          const known = firstSeen.get(k);
          if (known === undefined) firstSeen.set(k, firstSeen.size);
          const want = known === undefined ? -1 - firstSeen.get(k)! : known;
          expect([a, b]).toEqual([want, want]);
        }
        expect(ids.size).toBe(firstSeen.size);
      }),
    );
  });
});

describe('rows without a domain merged by name', () => {
  const spec = (name: string, domain: string, slug: string): Spec => ({
    name,
    domain,
    linkedin: slug ? `https://www.linkedin.com/company/${slug}` : '',
    description: `About ${slug || name}`,
    size: '',
    blankBefore: false,
  });
  /** Each company as its domain (or key) and the LinkedIn pages of its rows, sorted: who was merged with whom. */
  const groups = (companies: CompanyBase[]) =>
    companies.map((c) => `${c.company_key} <- ${[c.linkedin_url, ...c.other_linkedin_urls].sort().join(' ')}`).sort();

  it('merges a row with no usable domain into the one account whose rows have its name, and counts it', async () => {
    const file = writeExport([
      spec('Acme Health', 'acme.com', 'acme'),
      spec('ACME  health', '', 'acme-old'),
      spec('Beta Care', 'b1.com', 'beta-1'),
      spec('Acme Health, Inc.', 'not a domain', 'acme-inc'),
      spec('Beta Care', 'b2.com', 'beta-2'),
      spec('Beta Care', '', 'beta-3'),
      spec('Gamma', '', 'gamma'),
      spec('Acme Health', 'www.acme.com', 'acme-tx'),
    ]);
    const ex = await index(file);
    expect([ex.accounts, ex.mergedByName, ex.ambiguousByName]).toEqual([6, 1, 1]);
    const {companies, merged} = await oneThread(file, ex);
    expect(companies.length + merged + ex.rejected).toBe(ex.inputRows);
    const acme = companies.find((c) => c.domain === 'acme.com')!;
    expect(acme).toMatchObject({
      company_key: 'domain:acme.com',
      name: 'Acme Health',
      domain_status: 'ok',
      source_rows: ['2', '3', '9'],
      is_previous_customer: false,
    });
    expect(acme.other_linkedin_urls).toContain('https://www.linkedin.com/company/acme-old');
    expect(acme.other_names).toEqual(['ACME health']);
    // "Acme Health, Inc." folds to another name; "Beta Care" is on two domains: each stays on its own.
    expect(groups(companies)).toEqual([
      'domain:acme.com <- https://www.linkedin.com/company/acme https://www.linkedin.com/company/acme-old https://www.linkedin.com/company/acme-tx',
      'domain:b1.com <- https://www.linkedin.com/company/beta-1',
      'domain:b2.com <- https://www.linkedin.com/company/beta-2',
      'linkedin:acme-inc <- https://www.linkedin.com/company/acme-inc',
      'linkedin:beta-3 <- https://www.linkedin.com/company/beta-3',
      'linkedin:gamma <- https://www.linkedin.com/company/gamma',
    ]);
    // A previous customer's domain makes the merged account one, whichever row comes last.
    const first = writeExport([spec('Zed', 'a.com', 'z1'), spec('Zed', '', 'z2')]);
    expect((await oneThread(first, await index(first))).companies).toMatchObject([
      {domain: 'a.com', is_previous_customer: true, source_rows: ['2', '3']},
    ]);
  });

  const nameArb = fc.record({
    name: fc.constantFrom('Acme', 'acme', 'Acme Health', 'Beta Care', 'Gamma', ''),
    domain: fc.constantFrom('', '', 'a.com', 'www.a.com', 'b.org', 'c.health', 'n/a', 'not a domain'),
    linkedin: fc.constantFrom('', 'x', 'y', 'own'),
  });
  /** Rows of nameArb; 'own' gives the row a LinkedIn page of its own, numbered: the row can be followed. */
  const toSpecs = (rows: Array<{name: string; domain: string; linkedin: string}>) =>
    rows.map((r, i) => spec(r.name, r.domain, r.linkedin === 'own' ? `p${i}` : r.linkedin));

  it('merges the same rows whatever their order (property)', async () => {
    let withMerges = 0;
    await fc.assert(
      fc.asyncProperty(fc.array(nameArb, {minLength: 1, maxLength: 25}), fc.integer(), async (rows, seed) => {
        const specs = toSpecs(rows);
        const shuffled = [...specs].sort((a, b) => ((specs.indexOf(a) * 7919 + seed) % 17) - ((specs.indexOf(b) * 7919 + seed) % 17));
        const run = async (list: Spec[]) => {
          const file = writeExport(list);
          const ex = await index(file);
          return {ex, companies: (await oneThread(file, ex)).companies};
        };
        const a = await run(specs);
        const b = await run(shuffled);
        if (a.ex.mergedByName > 0) withMerges++;
        expect([b.ex.mergedByName, b.ex.ambiguousByName, b.ex.accounts]).toEqual([a.ex.mergedByName, a.ex.ambiguousByName, a.ex.accounts]);
        expect(groups(b.companies)).toEqual(groups(a.companies));
        const byId = (cs: CompanyBase[]) => new Map(cs.map((c) => [c.company_id, {...c, source_rows: []}]));
        expect(byId(b.companies)).toEqual(byId(a.companies));
      }),
      {numRuns: 60},
    );
    expect(withMerges).toBeGreaterThan(10);
  });

  it('keeps a merged row with its account under --shard: the shards hold the companies of the whole export (property)', async () => {
    let mergedAcross = 0;
    await fc.assert(
      fc.asyncProperty(fc.array(nameArb, {minLength: 1, maxLength: 25}), fc.integer({min: 2, max: 4}), async (rows, count) => {
        const file = writeExport(toSpecs(rows));
        const all = await index(file);
        const whole = (await oneThread(file, all)).companies;
        const parts: CompanyBase[] = [];
        let mergedByName = 0;
        for (let k = 0; k < count; k++) {
          const ex = await indexExport(file, {reporter: silent, ingest, shard: {index: k, count}, onReject() {}, onRestart() {}});
          const {companies, merged} = await oneThread(file, ex);
          expect(companies.length + merged + ex.rejected + ex.otherShards).toBe(ex.inputRows);
          mergedByName += ex.mergedByName;
          parts.push(...companies);
        }
        expect(mergedByName).toBe(all.mergedByName);
        expect(groups(parts)).toEqual(groups(whole));
        // A row merged by name whose own key is in another shard than its account's.
        for (const c of whole) {
          const keys = [c.linkedin_url, ...c.other_linkedin_urls].map((u) => `linkedin:${u.split('/').pop()}`);
          if (c.domain && keys.some((k) => shardOf(k, count) !== shardOf(c.company_key, count)) && c.source_rows.length > 1) mergedAcross++;
        }
      }),
      {numRuns: 40},
    );
    expect(mergedAcross).toBeGreaterThan(5);
  });
});
