import {readFileSync, writeFileSync} from 'node:fs';
import {join} from 'node:path';
import {pathToFileURL} from 'node:url';
import fc from 'fast-check';
import Papa from 'papaparse';
import Run from '../src/commands/run.js';
import {parseShard, shardOf} from '../src/core/shard.js';
import {hiddenFiles, runBuilt, runCli, tempDir} from './helpers/cli.js';

const SAMPLE = join(process.cwd(), 'data', 'input', 'companies_clay.csv');
const CONFIG = join(process.cwd(), 'config');
const TABLES = [
  'raw/companies.csv',
  'raw/leads.csv',
  'raw/deals.csv',
  'raw/opportunity_history.csv',
  'raw/pipeline_snapshots.csv',
  'raw/billing.csv',
  'raw/invoices.csv',
  'final/unified.csv',
  'interim/rejects.csv',
];

const rowsOf = (file: string) => {
  const data = Papa.parse<string[]>(readFileSync(file, 'utf8'), {skipEmptyLines: true}).data;
  return {
    header: data[0],
    rows: data
      .slice(1)
      .map((r) => JSON.stringify(r))
      .sort(),
  };
};

describe('--shard K/N', () => {
  it('gives, over all N shards, exactly the rows of an unsharded run, each row in one shard', async () => {
    const t = tempDir();
    try {
      const base = ['--seed', '42', '--input', SAMPLE, '--config-dir', CONFIG, '--provider', 'rules', '--no-report', '--quiet'];
      expect((await runCli(Run, [...base, '--data-dir', join(t.dir, 'all')])).exitCode).toBe(0);
      for (let k = 1; k <= 3; k++) expect((await runCli(Run, [...base, '--data-dir', join(t.dir, `s${k}`), '--shard', `${k}/3`])).exitCode).toBe(0);
      for (const table of TABLES) {
        const all = rowsOf(join(t.dir, 'all', table));
        const parts = [1, 2, 3].map((k) => rowsOf(join(t.dir, `s${k}`, table)));
        for (const p of parts) expect(p.header).toEqual(all.header);
        expect([table, parts.flatMap((p) => p.rows).sort()]).toEqual([table, all.rows]);
      }
      // reps.csv is the configured team, whole in every shard.
      for (let k = 1; k <= 3; k++)
        expect(readFileSync(join(t.dir, `s${k}`, 'raw', 'reps.csv'), 'utf8')).toBe(readFileSync(join(t.dir, 'all', 'raw', 'reps.csv'), 'utf8'));
      const summaries = [1, 2, 3].map((k) => JSON.parse(readFileSync(join(t.dir, `s${k}`, 'interim', 'enrich_summary.json'), 'utf8')));
      for (const s of summaries) {
        expect(s.input_rows).toBe(340);
        expect(s.companies + s.merged_rows + s.rejected_rows + s.rows_in_other_shards).toBe(s.input_rows);
      }
    } finally {
      t.cleanup();
    }
  });

  it('rejects a malformed --shard with exit 2', async () => {
    for (const bad of ['0/3', '4/3', 'two/3', '1/0']) {
      const r = await runCli(Run, [
        '--shard',
        bad,
        '--provider',
        'rules',
        '--input',
        SAMPLE,
        '--config-dir',
        CONFIG,
        '--data-dir',
        '/tmp/never-written-stedi',
      ]);
      expect([bad, r.exitCode]).toEqual([bad, 2]);
    }
    expect(parseShard('2/8')).toEqual({index: 1, count: 8});
  });

  it('puts every key in exactly one shard', () => {
    fc.assert(
      fc.property(fc.string(), fc.integer({min: 1, max: 50}), (key, n) => {
        const s = shardOf(key, n);
        expect(s).toBeGreaterThanOrEqual(0);
        expect(s).toBeLessThan(n);
      }),
    );
  });
});

describe('range workers', () => {
  it('write the same bytes as one thread, the report and the summaries included, also with --limit and --shard (built CLI, STEDI_GTM_WORKERS=0, 2, 3, and 2 with ranges of 4 KiB)', async () => {
    const {existsSync} = await import('node:fs');
    // The workers run compiled code: this test uses dist/ (npm ci builds it; `npm run build` after changes).
    expect(existsSync(join(process.cwd(), 'dist', 'parallel', 'company-worker.js'))).toBe(true);
    // 2r: two workers taking about 60 ranges of 4 KiB in turn, more than they may run ahead of the first
    // unfinished one: ranges finish out of order and their blocks are held (see OrderedTables).
    const env: Record<string, Record<string, string>> = {
      '0': {STEDI_GTM_WORKERS: '0'},
      '2': {STEDI_GTM_WORKERS: '2'},
      '3': {STEDI_GTM_WORKERS: '3'},
      '2r': {STEDI_GTM_WORKERS: '2', STEDI_GTM_CHUNK_BYTES: '4096'},
    };
    const t = tempDir();
    try {
      for (const extra of [[], ['--limit', '150'], ['--shard', '2/3']]) {
        const tag = extra.join('') || 'all';
        for (const w of Object.keys(env)) {
          // The report (built from the companies' digest the workers post) only for the full run: it takes a while.
          const report = tag === 'all' ? [] : ['--no-report'];
          const r = runBuilt(
            [
              'bin/run.js',
              'run',
              '--seed',
              '7',
              '--input',
              SAMPLE,
              '--config-dir',
              CONFIG,
              '--provider',
              'rules',
              ...report,
              '--quiet',
              '--data-dir',
              join(t.dir, `${tag}-w${w}`),
              ...extra,
            ],
            env[w],
          );
          expect([tag, w, r.status, r.stderr]).toEqual([tag, w, 0, '']);
        }
        for (const w of ['2', '3', '2r']) {
          for (const table of [
            ...TABLES,
            'raw/reps.csv',
            'interim/enrich_summary.json',
            'interim/deals_summary.json',
            'interim/billing_summary.json',
            ...(tag === 'all' ? ['final/report.html'] : []),
          ]) {
            const got = readFileSync(join(t.dir, `${tag}-w${w}`, table), 'utf8').replaceAll(`${tag}-w${w}`, 'DIR');
            expect([tag, w, table, got]).toEqual([
              tag,
              w,
              table,
              readFileSync(join(t.dir, `${tag}-w0`, table), 'utf8').replaceAll(`${tag}-w0`, 'DIR'),
            ]);
          }
        }
        // No part or temporary files are left behind.
        for (const w of ['3', '2r']) {
          expect(hiddenFiles(join(t.dir, `${tag}-w${w}`), ['raw', 'interim', 'final'])).toEqual([]);
        }
      }
      // run's report, its figures made a company at a time on the workers (about 60 ranges), is the page
      // `report` makes reading the tables back.
      const page = join(t.dir, 'all-w2r', 'final', 'report.html');
      const fromRun = readFileSync(page, 'utf8');
      const r = runBuilt(['bin/run.js', 'report', '--config-dir', CONFIG, '--quiet', '--data-dir', join(t.dir, 'all-w2r')]);
      expect([r.status, r.stderr]).toEqual([0, '']);
      expect(readFileSync(page, 'utf8')).toBe(fromRun);
    } finally {
      t.cleanup();
    }
  });

  it('clean a real-looking export the same on one thread, on workers in ranges of 4 KiB and over shards: gone pages, merges by name, private suffixes (built CLI)', () => {
    const t = tempDir();
    try {
      const q = (v: string) => `"${v.replaceAll('"', '""')}"`;
      const about = (i: number) => `Home care and billing services, page ${i}.\n`.repeat(8);
      const rows: string[][] = [];
      const push = (name: string, domain: string, slug: string) =>
        rows.push([
          '',
          name,
          about(rows.length),
          'Hospitals and Health Care',
          '11-50 employees',
          'Privately Held',
          'Austin, Texas',
          'United States',
          domain,
          `https://www.linkedin.com/company/${slug}`,
        ]);
      for (let i = 0; i < 300; i++) {
        push(`Brand ${i}`, `brand${i}.com`, `brand-${i}`);
        // Pages without a domain named as a brand far before or after them (other ranges), some on two domains.
        if (i % 4 === 1) push(`BRAND ${(i * 37) % 300}`, i % 8 === 1 ? '' : 'n/a', `old-${i}`);
        if (i % 25 === 3) push(`Brand ${i}`, `brand-${i}.org`, `brand-org-${i}`);
        if (i % 30 === 7) push(i % 60 === 7 ? 'Deactivated Account' : 'LinkedIn Member', '', `gone-${i}`);
        if (i % 20 === 9) push(`Site ${i}`, `site${i % 40}.github.io`, `site-${i}`);
      }
      const header = ['Find companies', 'Name', 'Description', 'Primary Industry', 'Size', 'Type', 'Location', 'Country', 'Domain', 'LinkedIn URL'];
      const input = join(t.dir, 'real-looking.csv');
      writeFileSync(input, [header, ...rows].map((r) => r.map(q).join(',')).join('\r\n') + '\r\n');
      const env: Record<string, Record<string, string>> = {
        '0': {STEDI_GTM_WORKERS: '0'},
        '2': {STEDI_GTM_WORKERS: '2'},
        '2r': {STEDI_GTM_WORKERS: '2', STEDI_GTM_CHUNK_BYTES: '4096'},
      };
      const run = (dir: string, w: string, extra: string[] = []) => {
        const r = runBuilt(
          [
            'bin/run.js',
            'run',
            '--seed',
            '5',
            '--input',
            input,
            '--config-dir',
            CONFIG,
            '--provider',
            'rules',
            '--no-report',
            '--quiet',
            '--data-dir',
            join(t.dir, dir),
            ...extra,
          ],
          env[w],
        );
        expect([dir, r.status, r.stderr]).toEqual([dir, 0, '']);
        return JSON.parse(readFileSync(join(t.dir, dir, 'interim', 'enrich_summary.json'), 'utf8'));
      };
      const s = run('w0', '0');
      expect(s.input_rows).toBe(rows.length);
      expect(s.companies + s.merged_rows + s.rejected_rows).toBe(s.input_rows);
      expect(s.rejected_rows).toBe(10);
      expect(s.merged_by_name).toBeGreaterThan(40);
      expect(s.ambiguous_name_rows).toBeGreaterThan(0);
      const companies = Papa.parse<Record<string, string>>(readFileSync(join(t.dir, 'w0', 'raw', 'companies.csv'), 'utf8'), {
        header: true,
        skipEmptyLines: true,
      }).data;
      expect(companies.filter((c) => c.domain.endsWith('.github.io'))).toHaveLength(
        new Set(rows.map((r) => r[8]).filter((d) => d.endsWith('.github.io'))).size,
      );
      for (const w of ['2', '2r']) {
        run(`w${w}`, w);
        for (const table of [...TABLES, 'interim/enrich_summary.json']) {
          expect([w, table, readFileSync(join(t.dir, `w${w}`, table), 'utf8').replaceAll(`w${w}`, 'DIR')]).toEqual([
            w,
            table,
            readFileSync(join(t.dir, 'w0', table), 'utf8').replaceAll('w0', 'DIR'),
          ]);
        }
      }
      // (One thread over shards: see the property tests in account-ranges.test.ts.)
      for (const w of ['2r']) {
        const shards = [1, 2, 3].map((k) => run(`w${w}-s${k}`, w, ['--shard', `${k}/3`]));
        expect(shards.reduce((n, x) => n + x.merged_by_name, 0)).toBe(s.merged_by_name);
        for (const table of TABLES) {
          const parts = [1, 2, 3].map((k) => rowsOf(join(t.dir, `w${w}-s${k}`, table)).rows);
          expect([w, table, parts.flat().sort()]).toEqual([w, table, rowsOf(join(t.dir, 'w0', table)).rows]);
        }
      }
    } finally {
      t.cleanup();
    }
  });

  it('leave the tables as they were, and no temporary file, when a range fails half-way (built workers)', async () => {
    const {writeFileSync} = await import('node:fs');
    const t = tempDir();
    try {
      const paths = {companies: join(t.dir, 'raw', 'companies.csv'), unified: join(t.dir, 'final', 'unified.csv')};
      // Tables of an earlier run, which the failed run must not touch.
      for (const [sub, f] of [
        ['raw', 'companies.csv'],
        ['raw', 'leads.csv'],
        ['raw', 'deals.csv'],
        ['raw', 'billing.csv'],
        ['raw', 'invoices.csv'],
        ['final', 'unified.csv'],
      ]) {
        (await import('node:fs')).mkdirSync(join(t.dir, sub), {recursive: true});
        writeFileSync(join(t.dir, sub, f), `earlier ${f}\n`);
      }
      // Range 5 of 12 carries a wrong key check (as if the export changed between the passes): its worker fails
      // after other ranges were written or held.
      const dist = pathToFileURL(join(process.cwd(), 'dist')).href;
      const script = `
        import {indexExport} from '${dist}/stages/account-index.js';
        import {splitRanges} from '${dist}/core/account-plan.js';
        import {rangeInput, readForeign} from '${dist}/parallel/enrich-range.js';
        import {RangeWorkers} from '${dist}/parallel/worker-client.js';
        import {dataPaths} from '${dist}/io/paths.js';
        const quiet = {start() {}, progress() {}, succeed() {}, info() {}, warn() {}, stop() {}};
        const input = ${JSON.stringify(SAMPLE)};
        const paths = dataPaths(${JSON.stringify(t.dir)});
        const ex = await indexExport(input, {reporter: quiet, onReject() {}, onRestart() {}});
        const ranges = splitRanges(ex.index, 12);
        const simulation = {seed: 7, digest: false};
        const pool = new RangeWorkers([0, 1].map(() => ({configDir: ${JSON.stringify(CONFIG)}, paths, simulation})));
        const range = (k) => {
          const r = rangeInput(input, ex, ranges[k], readForeign(input, ex, ranges[k]));
          const keyHash = r.keyHash.slice();
          if (k === 5) keyHash.fill(12345);
          return {...r, account: r.account.slice(), keyHash};
        };
        const tables = [paths.companies, paths.leads, paths.deals, paths.history, paths.snapshots, paths.reps, paths.billing, paths.invoices, paths.arrMovements, paths.unified];
        try {
          await pool.run(ranges.length, range, [], {all: tables}, () => {});
          console.log(JSON.stringify({ranges: ranges.length, error: null}));
        } catch (e) {
          console.log(JSON.stringify({ranges: ranges.length, error: e.message, exitCode: e.exitCode}));
        }
      `;
      // A script file, not --eval: worker threads inherit the command line's node options.
      const file = join(t.dir, 'fail-half-way.mjs');
      writeFileSync(file, script);
      const r = runBuilt([file]);
      expect(r.stderr).toBe('');
      const got = JSON.parse(r.stdout);
      expect(got.ranges).toBe(12);
      expect(got.error).toMatch(/companies_clay\.csv changed while it was being read/);
      expect(got.exitCode).toBe(2);
      expect(readFileSync(paths.companies, 'utf8')).toBe('earlier companies.csv\n');
      expect(readFileSync(paths.unified, 'utf8')).toBe('earlier unified.csv\n');
      expect(hiddenFiles(t.dir, ['raw', 'final'])).toEqual([]);
    } finally {
      t.cleanup();
    }
  });

  it('index the export in one pass when the guessed cut between the halves is not a record start: the same tables (built CLI)', async () => {
    const {writeFileSync, readdirSync} = await import('node:fs');
    const t = tempDir();
    try {
      // Every description is full of line breaks followed by what a record starts with ("",): the cut guessed
      // after the middle lands inside a description, and the first half's scan refuses it.
      const q = (v: string) => `"${v.replaceAll('"', '""')}"`;
      // (The description is the last column: almost every place after the middle is inside one.)
      const header = ['Find companies', 'Name', 'Primary Industry', 'Size', 'Type', 'Location', 'Country', 'Domain', 'LinkedIn URL', 'Description'];
      const text = 'care\n",'.repeat(30);
      const rows = Array.from({length: 400}, (_, i) =>
        i % 97 === 5
          ? ['', '', '', '', '', '', '', '', '', `no key ${text}`]
          : [
              '',
              `Co ${i}`,
              'Hospitals and Health Care',
              '11-50 employees',
              'Privately Held',
              'Austin, Texas',
              'United States',
              `c${i % 350}.com`,
              '',
              text,
            ],
      );
      const input = join(t.dir, 'tricky.csv');
      writeFileSync(input, [header, ...rows].map((r) => r.map(q).join(',')).join('\r\n') + '\r\n');
      const dist = pathToFileURL(join(process.cwd(), 'dist')).href;
      const rejects = join(t.dir, 'probe', 'rejects.csv');
      (await import('node:fs')).mkdirSync(join(t.dir, 'probe'));
      const script = join(t.dir, 'probe.mjs');
      writeFileSync(
        script,
        `
        import {indexInParts} from '${dist}/parallel/worker-client.js';
        const ex = await indexInParts({input: ${JSON.stringify(input)}, rejects: ${JSON.stringify(rejects)}}, () => {});
        console.log(ex === undefined ? 'declined' : 'indexed');
      `,
      );
      const probe = runBuilt([script]);
      expect([probe.stdout.trim(), probe.stderr]).toEqual(['declined', '']);
      // The first half's rejects, written before its scan failed, are gone.
      expect(readdirSync(join(t.dir, 'probe'))).toEqual([]);
      for (const w of ['0', '2']) {
        const r = runBuilt(
          [
            'bin/run.js',
            'run',
            '--seed',
            '3',
            '--input',
            input,
            '--config-dir',
            CONFIG,
            '--provider',
            'rules',
            '--no-report',
            '--quiet',
            '--data-dir',
            join(t.dir, `w${w}`),
          ],
          {STEDI_GTM_WORKERS: w},
        );
        expect([w, r.status, r.stderr]).toEqual([w, 0, '']);
      }
      for (const table of TABLES)
        expect([table, readFileSync(join(t.dir, 'w2', table), 'utf8')]).toEqual([table, readFileSync(join(t.dir, 'w0', table), 'utf8')]);
      expect(readFileSync(join(t.dir, 'w2', 'interim', 'rejects.csv'), 'utf8').split('no key').length - 1).toBe(5);
    } finally {
      t.cleanup();
    }
  });

  it('leave nothing running once discarded unused (a failed first pass exits at once, not after a timeout)', () => {
    const t = tempDir();
    try {
      const dist = pathToFileURL(join(process.cwd(), 'dist')).href;
      const script = join(t.dir, 'discard.mjs');
      writeFileSync(
        script,
        `
        import {RangeWorkers} from '${dist}/parallel/worker-client.js';
        import {dataPaths} from '${dist}/io/paths.js';
        const pool = new RangeWorkers([0, 1].map(() => ({configDir: ${JSON.stringify(CONFIG)}, paths: dataPaths(${JSON.stringify(t.dir)})})));
        await pool.discard();
        console.log(JSON.stringify(process.getActiveResourcesInfo().filter((r) => r === 'Timeout')));
      `,
      );
      const r = runBuilt([script]);
      expect([r.status, r.stderr, JSON.parse(r.stdout)]).toEqual([0, '', []]);
    } finally {
      t.cleanup();
    }
  });

  it('rejects a bad STEDI_GTM_WORKERS', async () => {
    const {workersFromEnv} = await import('../src/stages/enrich.js');
    expect(workersFromEnv({STEDI_GTM_WORKERS: '3'})).toBe(3);
    expect(workersFromEnv({STEDI_GTM_WORKERS: '1'})).toBe('off');
    expect(workersFromEnv({})).toBe('auto');
    expect(() => workersFromEnv({STEDI_GTM_WORKERS: 'many'})).toThrow(/STEDI_GTM_WORKERS/);
  });
});

describe('detach', () => {
  it('returns an equal string for any text, lone surrogates included', async () => {
    const {detach, detachStrings} = await import('../src/core/strings.js');
    fc.assert(fc.property(fc.string({unit: 'binary'}), (s) => expect(detach(s)).toBe(s)));
    expect(detach('\uD800 lone surrogate and more text')).toBe('\uD800 lone surrogate and more text');
    expect(detachStrings({a: 'x'.repeat(40), b: 3, c: null})).toEqual({a: 'x'.repeat(40), b: 3, c: null});
  });
});
