import {readFileSync} from 'node:fs';
import {join} from 'node:path';
import fc from 'fast-check';
import Papa from 'papaparse';
import Run from '../src/commands/run.js';
import {parseShard, shardOf} from '../src/core/shard.js';
import {runCli, tempDir} from './helpers/cli.js';

const SAMPLE = join(process.cwd(), 'data', 'input', 'companies_clay.csv');
const CONFIG = join(process.cwd(), 'config');
const TABLES = ['raw/companies.csv', 'raw/leads.csv', 'raw/deals.csv', 'raw/billing.csv', 'raw/invoices.csv', 'final/unified.csv', 'interim/rejects.csv'];

const rowsOf = (file: string) => {
  const data = Papa.parse<string[]>(readFileSync(file, 'utf8'), {skipEmptyLines: true}).data;
  return {header: data[0], rows: data.slice(1).map((r) => JSON.stringify(r)).sort()};
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
      const r = await runCli(Run, ['--shard', bad, '--provider', 'rules', '--input', SAMPLE, '--config-dir', CONFIG, '--data-dir', '/tmp/never-written-stedi']);
      expect([bad, r.exitCode]).toEqual([bad, 2]);
    }
    expect(parseShard('2/8')).toEqual({index: 1, count: 8});
  });

  it('puts every key in exactly one shard', () => {
    fc.assert(fc.property(fc.string(), fc.integer({min: 1, max: 50}), (key, n) => {
      const s = shardOf(key, n);
      expect(s).toBeGreaterThanOrEqual(0);
      expect(s).toBeLessThan(n);
    }));
  });
});

describe('range workers', () => {
  it('write the same bytes as one thread, the report included, also with --limit and --shard (built CLI, STEDI_GTM_WORKERS=0, 2, 3)', async () => {
    const {spawnSync} = await import('node:child_process');
    const {existsSync} = await import('node:fs');
    // The workers run compiled code: this test uses dist/ (npm ci builds it; `npm run build` after changes).
    expect(existsSync(join(process.cwd(), 'dist', 'workers', 'company-worker.js'))).toBe(true);
    const t = tempDir();
    try {
      for (const extra of [[], ['--limit', '150'], ['--shard', '2/3']]) {
        const tag = extra.join('') || 'all';
        for (const w of ['0', '2', '3']) {
          // The report (built from the companies' digest the workers post) only for the full run: it takes a while.
          const report = tag === 'all' ? [] : ['--no-report'];
          const r = spawnSync(process.execPath, ['bin/run.js', 'run', '--seed', '7', '--input', SAMPLE, '--config-dir', CONFIG, '--provider', 'rules', ...report, '--quiet', '--data-dir', join(t.dir, `${tag}-w${w}`), ...extra], {
            env: {...process.env, STEDI_GTM_WORKERS: w, NODE_OPTIONS: ''},
            encoding: 'utf8',
          });
          expect([tag, w, r.status, r.stderr]).toEqual([tag, w, 0, '']);
        }
        for (const w of ['2', '3']) {
          for (const table of [...TABLES, 'interim/deals_summary.json', 'interim/billing_summary.json', ...(tag === 'all' ? ['final/report.html'] : [])]) {
            const got = readFileSync(join(t.dir, `${tag}-w${w}`, table), 'utf8').replaceAll(`${tag}-w${w}`, 'DIR');
            expect([tag, w, table, got]).toEqual([tag, w, table, readFileSync(join(t.dir, `${tag}-w0`, table), 'utf8').replaceAll(`${tag}-w0`, 'DIR')]);
          }
          const summary = (k: string) => JSON.parse(readFileSync(join(t.dir, `${tag}-w${k}`, 'interim', 'enrich_summary.json'), 'utf8'));
          const {output: _o, rejects_file: _r, ...rest} = summary(w);
          const {output: _o0, rejects_file: _r0, ...rest0} = summary('0');
          expect(rest).toEqual(rest0);
        }
        // No part files are left behind.
        const {readdirSync} = await import('node:fs');
        expect(readdirSync(join(t.dir, `${tag}-w3`, 'raw')).filter((f) => f.startsWith('.'))).toEqual([]);
      }
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
