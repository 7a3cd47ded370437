import {readFileSync} from 'node:fs';
import {join} from 'node:path';
import fc from 'fast-check';
import Papa from 'papaparse';
import Run from '../src/commands/run.js';
import {cleanRow, mapHeader, type CleanRow} from '../src/core/ingest.js';
import {AccountAssembler, parseShard, shardOf} from '../src/core/streaming-accounts.js';
import {CLAY_HEADER, runCli, tempDir} from './helpers/cli.js';

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

describe('AccountAssembler', () => {
  const {index} = mapHeader([...CLAY_HEADER]);
  const row = (name: string, domain: string, n: number): CleanRow => {
    const r = cleanRow(['', name, '', '', '', '', '', '', domain, `https://www.linkedin.com/company/${name.toLowerCase().replace(/\W+/g, '-')}`], index, n, n);
    if (!r.ok) throw new Error('row');
    return r.value;
  };

  it('emits each account once, when its last row arrives, the same whatever the order (property)', () => {
    const names = ['Acme', 'Acme North', 'Beta', 'Gamma Care', 'Gamma', 'Delta'];
    const domains = ['acme.com', 'beta.org', 'gamma.health', ''];
    fc.assert(
      fc.property(fc.array(fc.tuple(fc.constantFrom(...names), fc.constantFrom(...domains)), {minLength: 1, maxLength: 25}), fc.integer(), (spec, seed) => {
        const rows = spec.map(([n, d], i) => row(`${n} ${i}`, d, i + 2));
        const run = (list: CleanRow[]) => {
          const counts = new Map<string, number>();
          for (const r of list) counts.set(r.key, (counts.get(r.key) ?? 0) + 1);
          const a = new AccountAssembler(counts, new Set(['acme.com']));
          const out = list.map((r) => a.add(r)).filter((c) => c !== null);
          expect(a.incomplete).toBe(0);
          expect(out.length + a.merged).toBe(list.length);
          return new Map(out.map((c) => [c!.company_id, c]));
        };
        const shuffled = [...rows].sort((x, y) => ((x.row * 2654435761 + seed) % 97) - ((y.row * 2654435761 + seed) % 97));
        expect(run(shuffled)).toEqual(run(rows));
      }),
    );
  });
});

describe('the second thread', () => {
  it('writes the same bytes as one thread (built CLI, STEDI_GTM_WORKERS=1 vs 0)', async () => {
    const {spawnSync} = await import('node:child_process');
    const {existsSync} = await import('node:fs');
    // The worker runs compiled code: this test uses dist/ (npm ci builds it; `npm run build` after changes).
    expect(existsSync(join(process.cwd(), 'dist', 'workers', 'company-worker.js'))).toBe(true);
    const t = tempDir();
    try {
      for (const w of ['0', '1']) {
        const r = spawnSync(process.execPath, ['bin/run.js', 'run', '--seed', '7', '--input', SAMPLE, '--config-dir', CONFIG, '--provider', 'rules', '--no-report', '--quiet', '--data-dir', join(t.dir, `w${w}`)], {
          env: {...process.env, STEDI_GTM_WORKERS: w, NODE_OPTIONS: ''},
          encoding: 'utf8',
        });
        expect([w, r.status, r.stderr]).toEqual([w, 0, '']);
      }
      for (const table of TABLES) {
        expect([table, readFileSync(join(t.dir, 'w1', table), 'utf8')]).toEqual([table, readFileSync(join(t.dir, 'w0', table), 'utf8')]);
      }
    } finally {
      t.cleanup();
    }
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
