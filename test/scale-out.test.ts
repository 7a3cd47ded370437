import {appendFileSync, copyFileSync, existsSync, mkdirSync, readdirSync, readFileSync, symlinkSync, writeFileSync} from 'node:fs';
import {join} from 'node:path';
import fc from 'fast-check';
import {parse as parseYaml} from 'yaml';
import {checkShardSet, lastSourceRow, nextShard, type ShardFolder} from '../src/core/merge-order.js';
import {resolveShard, shardFromEnv} from '../src/core/shard.js';
import {CsvRecordReader, parseRecord} from '../src/io/csv-records.js';
import {encodeCsvRow} from '../src/io/csv.js';
import {checkDataset, describeFile, type Manifest} from '../src/io/manifest.js';
import {DATASET_TABLES} from '../src/io/parquet/tables.js';
import {ManifestSchema} from '../src/schemas/manifest.js';
import {checkLayoutTarget, LAYOUT_FILE, partPath} from '../src/stages/merge-parquet.js';
import {tempDir} from './helpers/cli.js';
import {openDuckDb} from './helpers/duckdb.js';
import {differingFiles, ROOT, runAsync, shimBin, type Ran} from './helpers/scale-out.js';

describe('--shard auto', () => {
  const engines = [
    {name: 'STEDI_GTM_SHARD', env: (i: number, n: number) => ({STEDI_GTM_SHARD: String(i + 1), STEDI_GTM_SHARD_COUNT: String(n)})},
    {
      name: 'Slurm',
      env: (i: number, n: number, min: number) => ({
        SLURM_ARRAY_TASK_ID: String(min + i),
        SLURM_ARRAY_TASK_MIN: String(min),
        SLURM_ARRAY_TASK_COUNT: String(n),
      }),
    },
    {name: 'AWS Batch', env: (i: number, n: number) => ({AWS_BATCH_JOB_ARRAY_INDEX: String(i), AWS_BATCH_JOB_ARRAY_SIZE: String(n)})},
    {name: 'Cloud Run', env: (i: number, n: number) => ({CLOUD_RUN_TASK_INDEX: String(i), CLOUD_RUN_TASK_COUNT: String(n)})},
  ];

  it("maps each engine's task i of n (its own numbering) to shard i+1 of n", () => {
    fc.assert(
      fc.property(fc.integer({min: 1, max: 500}), fc.nat(), fc.nat({max: 1000}), (n, j, min) => {
        const i = j % n;
        for (const e of engines) {
          const got = shardFromEnv(e.env(i, n, min));
          expect(got).toEqual({shard: {index: i, count: n}, engine: expect.any(String)});
        }
        // Kubernetes Indexed Jobs give the index only: the count is --shard-count.
        expect(shardFromEnv({JOB_COMPLETION_INDEX: String(i)}, n)).toEqual({shard: {index: i, count: n}, engine: 'a Kubernetes Indexed Job'});
      }),
    );
  });

  it('says what is missing or wrong (an exit 2 in the command), naming each variable once, with its value', () => {
    const cases: Array<[Record<string, string>, number | undefined, RegExp]> = [
      [
        {JOB_COMPLETION_INDEX: '2'},
        undefined,
        /^--shard auto: JOB_COMPLETION_INDEX=2 \(a Kubernetes Indexed Job\) is set but the number of shards is not: give --shard-count N/,
      ],
      [
        {STEDI_GTM_SHARD: '2'},
        undefined,
        /^--shard auto: STEDI_GTM_SHARD=2 is set but STEDI_GTM_SHARD_COUNT is not: set it, or give --shard-count N$/,
      ],
      [
        {AWS_BATCH_JOB_ARRAY_INDEX: '0'},
        undefined,
        /^--shard auto: AWS_BATCH_JOB_ARRAY_INDEX=0 \(an AWS Batch array job\) is set but AWS_BATCH_JOB_ARRAY_SIZE is not/,
      ],
      [
        {SLURM_ARRAY_TASK_ID: '7', SLURM_ARRAY_TASK_MIN: '0', SLURM_ARRAY_TASK_COUNT: '4'},
        undefined,
        /^--shard auto: SLURM_ARRAY_TASK_ID=7 \(a Slurm array job\) with SLURM_ARRAY_TASK_MIN=0 and SLURM_ARRAY_TASK_COUNT=4 make shard 8 of 4: K must be between 1 and N$/,
      ],
      [
        {STEDI_GTM_SHARD: '0', STEDI_GTM_SHARD_COUNT: '4'},
        undefined,
        /^--shard auto: STEDI_GTM_SHARD=0 and STEDI_GTM_SHARD_COUNT=4 make shard 0 of 4/,
      ],
      [{STEDI_GTM_SHARD: '5'}, 4, /^--shard auto: STEDI_GTM_SHARD=5 and --shard-count 4 make shard 5 of 4/],
      [
        {CLOUD_RUN_TASK_INDEX: 'x', CLOUD_RUN_TASK_COUNT: '4'},
        undefined,
        /^--shard auto: CLOUD_RUN_TASK_INDEX="x" \(a Cloud Run job\) is not a whole number$/,
      ],
      [{STEDI_GTM_SHARD: '1', STEDI_GTM_SHARD_COUNT: 'four'}, undefined, /^--shard auto: STEDI_GTM_SHARD_COUNT="four" is not a whole number$/],
      [
        {CLOUD_RUN_TASK_INDEX: '1', CLOUD_RUN_TASK_COUNT: '4'},
        3,
        /^--shard auto: --shard-count 3 disagrees with CLOUD_RUN_TASK_COUNT=4 \(a Cloud Run job\); leave out --shard-count$/,
      ],
    ];
    for (const [env, count, message] of cases) {
      const got = shardFromEnv(env, count);
      expect(got).toMatch(message);
      // No variable is named twice (STEDI_GTM_SHARD is not repeated as its own "engine").
      for (const name of Object.keys(env)) expect([name, String(got).split(new RegExp(`\\b${name}\\b`)).length <= 2]).toEqual([name, true]);
    }
    expect(shardFromEnv({})).toMatch(/no shard in the environment/);
    expect(resolveShard('2/4', {}, 4)).toMatch(/--shard-count goes with --shard auto/);
    expect(resolveShard('2/4', {STEDI_GTM_SHARD: '1', STEDI_GTM_SHARD_COUNT: '9'})).toEqual({shard: {index: 1, count: 4}});
  });
});

describe('CsvRecordReader', () => {
  const cell = fc.oneof(fc.string(), fc.constantFrom('', '"', ',', '\n', '\r\n', 'a,"b"\nc', 'é€😀'));
  it("gives each record's bytes as written and its cells, whatever the block size (records across blocks; rows of 2+ cells, as the tables have)", () => {
    const t = tempDir();
    try {
      fc.assert(
        fc.property(fc.array(fc.array(cell, {minLength: 2, maxLength: 5}), {maxLength: 20}), fc.integer({min: 1, max: 64}), (rows, block) => {
          const lines = [['h1', 'h2'], ...rows].map((r) => `${encodeCsvRow(r)}\n`);
          const file = join(t.dir, 'x.csv');
          writeFileSync(file, lines.join(''));
          const r = new CsvRecordReader(file, block);
          expect(r.columns).toEqual(['h1', 'h2']);
          for (const [k, row] of rows.entries()) {
            const rec = r.next();
            expect(rec && Buffer.from(rec).toString()).toBe(lines[k + 1]);
            expect(parseRecord(rec!)).toEqual(row);
          }
          expect(r.next()).toBeUndefined();
          r.close();
        }),
      );
    } finally {
      t.cleanup();
    }
  });
});

describe('merge order', () => {
  it('puts a company at its last input row, and takes the smallest head first', () => {
    expect(lastSourceRow('17')).toBe(17);
    expect(lastSourceRow('3 | 40 | 12')).toBe(40);
    expect(lastSourceRow('x')).toBeNaN();
    fc.assert(
      fc.property(fc.uniqueArray(fc.nat(), {maxLength: 60}), fc.integer({min: 1, max: 6}), (rows, n) => {
        // Deal sorted keys out to n shards; merging the heads gives them back in order.
        const sorted = [...rows].sort((a, b) => a - b);
        const shards = Array.from({length: n}, () => [] as number[]);
        sorted.forEach((r, i) => shards[(r * 7 + i) % n].push(r));
        const pos = shards.map(() => 0);
        const out: number[] = [];
        const heads = () => shards.map((s, k) => s[pos[k]]);
        for (let k = nextShard(heads()); k !== -1; k = nextShard(heads())) out.push(shards[k][pos[k]++]);
        expect(out).toEqual(sorted);
      }),
    );
  });

  const manifest = (k: number, n: number, over: Partial<Manifest['runs'][0]> = {}): Manifest => ({
    manifest: 1,
    runs: [
      {
        command: 'run',
        from: 'enrich',
        seed: 42,
        as_of: '2026-08-31',
        version: '0.1.0',
        input: {path: 'x.csv', sha256: 'a'.repeat(64)},
        config: {'deal_model.yml': 'b'.repeat(64)},
        reads: {},
        shard: {k, n},
        ...over,
      },
    ],
    files: {'raw/companies.csv': {rows: 1, bytes: 1, sha256: 'c'.repeat(64), run: 0}},
  });
  const folders = (ms: Manifest[]): ShardFolder[] => ms.map((m, i) => ({dir: `s${i}`, manifest: m}));
  const problems = (ms: Manifest[]): string => {
    const set = checkShardSet(folders(ms));
    return Array.isArray(set) ? set.join('; ') : 'accepted';
  };

  it('takes the N shards of one run, in shard order', () => {
    const set = checkShardSet(folders([manifest(3, 3), manifest(1, 3), manifest(2, 3)]));
    expect(Array.isArray(set)).toBe(false);
    if (!Array.isArray(set)) expect(set.shards.map((s) => s.manifest.runs[0].shard!.k)).toEqual([1, 2, 3]);
  });

  it('refuses shards that are missing, twice, of other runs or not shards at all, naming them', () => {
    expect(checkShardSet(folders([manifest(1, 3), manifest(3, 3)]))).toEqual([expect.stringMatching(/shard 2\/3 is missing/)]);
    expect(problems([manifest(1, 2), manifest(1, 2)])).toMatch(/both shard 1\/2.*2\/2 is missing/);
    expect(problems([manifest(1, 2), manifest(2, 3)])).toMatch(/same N/);
    expect(problems([manifest(1, 2), manifest(2, 2, {seed: 7})])).toMatch(/s1 \(shard 2\/2\) differs .* seed \(7, not 42\)/);
    expect(problems([manifest(1, 2), manifest(2, 2, {config: {'deal_model.yml': 'd'.repeat(64)}})])).toMatch(/config \(deal_model.yml\)/);
    expect(problems([manifest(1, 2), manifest(2, 2, {input: {path: 'x.csv', sha256: 'e'.repeat(64)}})])).toMatch(/input/);
    expect(problems([manifest(1, 2), manifest(2, 2, {shard: undefined})])).toMatch(/s1 is not a shard/);
    expect(checkShardSet([])).toEqual(['no shard folders given']);
    // A file left from an earlier command (run 1: another run wrote it) is not part of this shard's run.
    const stale = manifest(2, 2);
    stale.runs.push({...stale.runs[0], command: 'enrich'});
    stale.files['interim/old.json'] = {rows: null, bytes: 1, sha256: 'f'.repeat(64), run: 1};
    expect(problems([manifest(1, 2), stale])).toMatch(/s1: interim\/old.json was not written by its shard run/);
  });
});

describe('merge --partitioned: where the layout may go', () => {
  it('takes a new or empty folder, or a layout merge wrote; refuses a file, a folder of other files, and folders in or around the shards or the output', () => {
    const t = tempDir();
    try {
      const at = (p: string) => join(t.dir, p);
      mkdirSync(at('s1'));
      mkdirSync(at('s2'));
      const check = (target: string) => {
        try {
          return checkLayoutTarget(at(target), [at('s1'), at('s2')], at('out/all'));
        } catch (e) {
          return (e as Error).message.replace(t.dir, '<t>');
        }
      };
      expect(check('pq')).toBe(at('pq'));
      mkdirSync(at('empty'));
      expect(check('empty')).toBe(at('empty'));
      mkdirSync(at('old'));
      writeFileSync(join(at('old'), LAYOUT_FILE), '{}');
      writeFileSync(join(at('old'), 'x.txt'), '');
      expect(check('old')).toBe(at('old'));
      mkdirSync(at('mine'));
      writeFileSync(join(at('mine'), 'notes.txt'), '');
      expect(check('mine')).toMatch(/mine holds files merge did not write \(no _stedi_gtm_layout.json\)/);
      writeFileSync(at('file'), '');
      expect(check('file')).toMatch(/file is a file/);
      expect(check('s2/pq')).toMatch(/s2\/pq is in the shard folder .*s2/);
      expect(check('s1')).toMatch(/s1 is in the shard folder .*s1/);
      expect(check('.')).toMatch(/holds the shard folder/);
      expect(check('out')).toMatch(/out holds the --data-dir merge writes to/);
      expect(check('out/all/pq')).toBe(at('out/all/pq'));
      expect(partPath('deals', 3, 8)).toBe('deals/shard=3/part-3-of-8.parquet');
    } finally {
      t.cleanup();
    }
  });
});

/** The CLI's runs below use the shipped sample and config (the working folders have none). */
const RUN = ['run', '--seed', '42', '--provider', 'rules'];
const node = (args: string[], cwd: string, env: Record<string, string> = {}): Promise<Ran> =>
  runAsync([process.execPath, join(ROOT, 'bin', 'run.js'), ...args], cwd, env);
const ok = (r: Ran) => {
  if (r.code !== 0) throw new Error(`exit ${r.code}: ${r.stderr}`);
  return r;
};
const readManifest = (dir: string) => ManifestSchema.parse(JSON.parse(readFileSync(join(dir, 'manifest.json'), 'utf8')));

describe('stedi-gtm merge (built CLI)', () => {
  // (Made in beforeAll: tests left out by -t leave no folder behind.)
  let t: ReturnType<typeof tempDir>;
  /** The unsharded run, as `out/all` of its own working folder (the paths in summaries and report are relative). */
  let ref = '';
  beforeAll(async () => {
    t = tempDir('stedi-gtm-merge-');
    ref = join(t.dir, 'ref');
    mkdirSync(ref, {recursive: true});
    ok(await node([...RUN, '--data-dir', 'out/all'], ref));
  }, 120_000);
  afterAll(() => t?.cleanup());

  it("merges 4 shards (given in any order, on one thread or several) into the unsharded run's bytes; a retried shard replaces its folder", async () => {
    const cwd = join(t.dir, 'a');
    mkdirSync(cwd);
    // Two shards on one thread, two on worker threads taking ranges of 4 KiB: the shards need not run alike.
    const env = (k: number): Record<string, string> => (k % 2 ? {STEDI_GTM_WORKERS: '0'} : {STEDI_GTM_WORKERS: '2', STEDI_GTM_CHUNK_BYTES: '4096'});
    const shardRuns = await Promise.all(
      [1, 2, 3, 4].map(async (k) => ok(await node([...RUN, '--shard', `${k}/4`, '--no-report', '--data-dir', `out/shard-${k}`], cwd, env(k)))),
    );
    for (const k of [1, 2, 3, 4]) expect(readManifest(join(cwd, `out/shard-${k}`)).runs[0].shard).toEqual({k, n: 4});
    const merge = ['merge', 'out/shard-3', 'out/shard-1', 'out/shard-4', 'out/shard-2', '--data-dir', 'out/all'];
    const said = ok(await node(merge, cwd)).stderr;
    expect(differingFiles(join(ref, 'out/all'), join(cwd, 'out/all'))).toEqual([]);
    // It says what it did: combined the shards (each table's rows, as the unsharded run's manifest has them) and
    // recomputed the summaries; it simulated nothing, and says not that it did.
    const refFiles = readManifest(join(ref, 'out/all')).files;
    const tables = Object.entries(refFiles).filter(([f]) => f.endsWith('.csv'));
    expect(said).toContain(
      `Combined 4 shards, rows per table: ${tables.map(([f, x]) => `${f.split('/').pop()} ${x.rows!.toLocaleString('en-US')}`).join(', ')}\n`,
    );
    const deals = JSON.parse(readFileSync(join(ref, 'out/all/interim/deals_summary.json'), 'utf8')) as Record<string, number>;
    expect(said).toMatch(
      new RegExp(
        `^Recomputed from the shards' counts: enrich_summary\\.json \\(.*\\), deals_summary\\.json \\(${deals.deals} deals: ${deals.won} won, ${deals.lost} lost, ${deals.open} open\\), billing_summary\\.json \\(`,
        'm',
      ),
    );
    expect(said).not.toMatch(/Simulated|unified rows|Wrote \d+ contracts/);
    // The quotas suit quota_sized_for_companies companies (the sample is far fewer: attainment is outside its range).
    // A shard, which holds a part of the companies against the whole team's quotas, leaves the advice to the
    // merge, which gives it for the whole export.
    const sized = (parseYaml(readFileSync(join(ROOT, 'config/deal_model.yml'), 'utf8')) as {simulation: {quota_sized_for_companies: number}})
      .simulation.quota_sized_for_companies;
    const {companies} = JSON.parse(readFileSync(join(ref, 'out/all/interim/enrich_summary.json'), 'utf8')) as {companies: number};
    for (const [i, r] of shardRuns.entries()) {
      expect(r.stderr).toMatch(
        new RegExp(
          `^warning: quota_attainment_share = .*: shard ${i + 1}/4 holds [\\d,]+ of the export's companies, .*merging the shards .*quarterly_quota_arr$`,
          'm',
        ),
      );
      expect(r.stderr).not.toMatch(/scale quarterly_quota_arr by/);
    }
    expect(said).toMatch(
      new RegExp(
        `^warning: quota_attainment_share = .*this export has ${companies}; scale quarterly_quota_arr by about ${(companies / sized).toFixed(2)}$`,
        'm',
      ),
    );
    const m = readManifest(join(cwd, 'out/all'));
    expect(m.runs[0]).toMatchObject({
      command: 'merge',
      seed: 42,
      as_of: '2026-08-31',
      merged: ['out/shard-1', 'out/shard-2', 'out/shard-3', 'out/shard-4'],
    });
    expect(m.runs[0].input).toEqual(readManifest(join(ref, 'out/all')).runs[0].input);
    expect(checkDataset(join(cwd, 'out/all'), m)).toEqual([]);

    // Shard 3 again (say its node failed and the engine retried it), another way: its folder is replaced, not added to.
    const before = readManifest(join(cwd, 'out/shard-3'));
    ok(
      await node([...RUN, '--shard', '3/4', '--no-report', '--data-dir', 'out/shard-3'], cwd, {
        STEDI_GTM_WORKERS: '2',
        STEDI_GTM_CHUNK_BYTES: '8192',
      }),
    );
    const after = readManifest(join(cwd, 'out/shard-3'));
    const facts = (m: Manifest) => Object.fromEntries(Object.entries(m.files).map(([p, f]) => [p, {rows: f.rows, bytes: f.bytes, sha256: f.sha256}]));
    expect(facts(after)).toEqual(facts(before));
    expect(checkDataset(join(cwd, 'out/shard-3'), after)).toEqual([]);
    ok(await node(merge, cwd));
    expect(differingFiles(join(ref, 'out/all'), join(cwd, 'out/all'))).toEqual([]);
  }, 240_000);

  it('refuses (exit 2, naming the problem, writing nothing) a missing shard, a shard of another run, a changed shard or its own output as a shard', async () => {
    const cwd = join(t.dir, 'b');
    mkdirSync(cwd);
    await Promise.all([1, 2].map(async (k) => ok(await node([...RUN, '--shard', `${k}/2`, '--no-report', '--data-dir', `s${k}`], cwd))));
    ok(await node(['run', '--seed', '7', '--provider', 'rules', '--shard', '2/2', '--no-report', '--data-dir', 'other'], cwd));
    const refused = async (args: string[], message: RegExp) => {
      const r = await node(['merge', ...args, '--data-dir', 'm'], cwd);
      expect(r.code).toBe(2);
      expect(r.stderr).toMatch(message);
      expect(existsSync(join(cwd, 'm'))).toBe(false);
    };
    await refused(['s1'], /shard 2\/2 is missing/);
    await refused(['s1', 'other'], /other \(shard 2\/2\) differs .* seed \(7, not 42\)/);
    await refused(['s1', 's2', 'other'], /3 folders given for 2 shards|both shard 2\/2/);
    await refused(['s1', 'nowhere'], /nowhere is not a folder/);
    appendFileSync(join(cwd, 's2/raw/deals.csv'), 'x\n');
    await refused(['s1', 's2'], /s2 does not hold what its manifest says \(raw\/deals.csv changed\)/);
    const r = await node(['merge', 's1', 's2', '--data-dir', 's1'], cwd);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/s1 is the --data-dir merge writes to/);
    // --shard auto without a count: exit 2 before anything is written.
    const auto = await node([...RUN, '--shard', 'auto', '--data-dir', 'k8s'], cwd, {JOB_COMPLETION_INDEX: '1'});
    expect([auto.code, auto.stderr]).toEqual([
      2,
      expect.stringContaining('JOB_COMPLETION_INDEX=1 (a Kubernetes Indexed Job) is set but the number of shards is not: give --shard-count N'),
    ]);
    expect(existsSync(join(cwd, 'k8s'))).toBe(false);
  }, 240_000);

  it("--partitioned lays the shards' tables out as Parquet parts DuckDB reads in place: the unsharded run's rows, shard 1..4, the keys hold; replaced whole when merged again", async () => {
    const cwd = join(t.dir, 'pq');
    mkdirSync(cwd);
    const N = 4;
    await Promise.all(
      Array.from({length: N}, async (_, i) =>
        ok(await node([...RUN, '--shard', `${i + 1}/${N}`, '--no-report', '--data-dir', `out/shard-${i + 1}`], cwd)),
      ),
    );
    // The shards carry their deals as Parquet too (as a shard run with --format csv,parquet does): written by
    // `export --parquet`, put beside the CSV and listed in the shard's manifest. Those parts are copied; the others
    // are converted from the CSVs.
    for (let k = 1; k <= N; k++) {
      const shard = join(cwd, `out/shard-${k}`);
      ok(await node(['export', '--quiet', '--data-dir', shard, '--parquet', join(cwd, `export-${k}`)], cwd));
      copyFileSync(join(cwd, `export-${k}/deals.parquet`), join(shard, 'raw/deals.parquet'));
      const m = readManifest(shard);
      m.files['raw/deals.parquet'] = {...describeFile(join(shard, 'raw/deals.parquet')), run: 0};
      writeFileSync(join(shard, 'manifest.json'), `${JSON.stringify(m, null, 2)}\n`);
    }
    const shards = Array.from({length: N}, (_, i) => `out/shard-${i + 1}`);
    const merge = ['merge', ...shards, '--no-report', '--data-dir', 'out/all', '--partitioned', 'out/parquet'];
    const merged = JSON.parse(ok(await node([...merge, '--json'], cwd)).stdout) as {
      partitioned: {tables: Record<string, {parts: number; rows: number; copied: number}>};
    };
    // The deals' parts were copied from the shards' Parquet files, the other tables' converted from their CSVs.
    expect(Object.entries(merged.partitioned.tables).filter(([, v]) => v.copied > 0)).toEqual([
      ['deals', {parts: N, rows: expect.any(Number), copied: N}],
    ]);
    const dir = join(cwd, 'out/parquet');
    const refRows = readManifest(join(ref, 'out/all')).files;
    for (let k = 1; k <= N; k++)
      expect(
        readFileSync(join(dir, `deals/shard=${k}/part-${k}-of-${N}.parquet`)).equals(readFileSync(join(cwd, `out/shard-${k}/raw/deals.parquet`))),
      ).toBe(true);
    // reps (the whole team in every shard) once, as shard 1.
    expect(readdirSync(join(dir, 'reps'))).toEqual(['shard=1']);
    const db = await openDuckDb();
    if (!db) return;
    try {
      const table = (name: string) => `read_parquet('${join(dir, name).replaceAll("'", "''")}/*/*.parquet', hive_partitioning = true)`;
      // Each table: the unsharded run's rows; each part (shard=K) the rows of shard K (reps: the team, once).
      const shardRows = Array.from({length: N}, (_, i) => readManifest(join(cwd, shards[i])).files);
      for (const d of DATASET_TABLES) {
        const csv = d.file.replace(/^data\//, '');
        const [{n}] = await db.rows(`SELECT count(*)::INTEGER AS n FROM ${table(d.name)}`);
        expect([d.name, n]).toEqual([d.name, refRows[csv].rows]);
        const perShard = await db.rows(`SELECT shard::INTEGER AS k, count(*)::INTEGER AS n FROM ${table(d.name)} GROUP BY ALL ORDER BY k`);
        const expected = d.name === 'reps' ? [[1, refRows[csv].rows]] : shardRows.map((f, i) => [i + 1, f[csv].rows]).filter(([, rows]) => rows! > 0);
        expect([d.name, perShard.map((r) => [r.k, r.n])]).toEqual([d.name, expected]);
      }
      expect((await db.rows(`SELECT DISTINCT shard::INTEGER AS k FROM ${table('companies')} ORDER BY k`)).map((r) => r.k)).toEqual([1, 2, 3, 4]);
      // The same companies and deals as the unsharded run, and every deal's company among the companies.
      const csv = (file: string) => `read_csv('${join(ref, 'out/all', file)}', all_varchar = true, header = true)`;
      for (const [name, key, file] of [
        ['companies', 'company_id', 'raw/companies.csv'],
        ['deals', 'deal_id', 'raw/deals.csv'],
      ]) {
        const [{extra, missing}] = await db.rows(
          `SELECT (SELECT count(*) FROM (SELECT ${key} FROM ${table(name)} EXCEPT SELECT ${key} FROM ${csv(file)}))::INTEGER AS extra,
                  (SELECT count(*) FROM (SELECT ${key} FROM ${csv(file)} EXCEPT SELECT ${key} FROM ${table(name)}))::INTEGER AS missing`,
        );
        expect([name, extra, missing]).toEqual([name, 0, 0]);
      }
      const [{orphans, deals}] = await db.rows(
        `SELECT count(*) FILTER (WHERE c.company_id IS NULL)::INTEGER AS orphans, count(*)::INTEGER AS deals FROM ${table('deals')} d LEFT JOIN ${table('companies')} c USING (company_id)`,
      );
      expect([orphans, deals]).toEqual([0, refRows['raw/deals.csv'].rows]);
      // Each deal's company is in the deal's shard.
      const [{elsewhere}] = await db.rows(
        `SELECT count(*)::INTEGER AS elsewhere FROM ${table('deals')} d JOIN ${table('companies')} c USING (company_id) WHERE c.shard <> d.shard`,
      );
      expect(elsewhere).toBe(0);
    } finally {
      db.close();
    }

    // Merged again: the layout is replaced whole (a file added since is gone), the same parts.
    const before = readFileSync(join(dir, 'companies/shard=2/part-2-of-4.parquet'));
    writeFileSync(join(dir, 'stale.txt'), 'x');
    ok(await node(merge, cwd));
    expect(existsSync(join(dir, 'stale.txt'))).toBe(false);
    expect(readFileSync(join(dir, 'companies/shard=2/part-2-of-4.parquet')).equals(before)).toBe(true);
    expect(readdirSync(cwd).filter((f) => f.startsWith('.'))).toEqual([]);
    expect(readdirSync(join(cwd, 'out')).filter((f) => f.startsWith('.'))).toEqual([]);

    // A folder of other files, or a shard's folder, is refused before anything is written.
    mkdirSync(join(cwd, 'mine'));
    writeFileSync(join(cwd, 'mine/notes.txt'), 'keep me');
    for (const [target, message] of [
      ['mine', /--partitioned mine holds files merge did not write/],
      ['out/shard-2/parquet', /--partitioned out\/shard-2\/parquet is in the shard folder out\/shard-2/],
    ] as const) {
      const r = await node(['merge', ...shards, '--no-report', '--data-dir', 'other', '--partitioned', target], cwd);
      expect([r.code, r.stderr]).toEqual([2, expect.stringMatching(message)]);
      expect(existsSync(join(cwd, 'other'))).toBe(false);
    }
    expect(readdirSync(join(cwd, 'mine'))).toEqual(['notes.txt']);
  }, 240_000);

  describe('the examples for batch engines', () => {
    const N = 4;
    let PATH = '';
    beforeAll(() => {
      PATH = `${shimBin(join(t.dir, 'bin'))}:${process.env.PATH}`;
    });
    /** Runs the N shard commands at once, each with its engine's variables, in `cwd`; then the merge, and compares. */
    const shardsThenMerge = async (cwd: string, shard: (i: number) => Promise<Ran>, merge: () => Promise<Ran>) => {
      mkdirSync(cwd, {recursive: true});
      for (const r of await Promise.all(Array.from({length: N}, (_, i) => shard(i)))) ok(r);
      ok(await merge());
      expect(differingFiles(join(ref, 'out/all'), join(cwd, 'out/all'))).toEqual([]);
    };
    const sh = (cmd: string, cwd: string, env: Record<string, string>) => runAsync(['sh', '-c', cmd], cwd, {PATH, ...env});

    it('GitHub Actions: a matrix of shards (STEDI_GTM_SHARD), then merge', async () => {
      const wf = parseYaml(readFileSync(join(ROOT, 'examples/github-actions/stedi-gtm.yml'), 'utf8')) as {
        jobs: Record<
          string,
          {steps: Array<{name?: string; run?: string}>; strategy?: {matrix: {shard: number[]}}; env?: Record<string, string>; needs?: string}
        >;
      };
      const step = (job: string, name: string) => wf.jobs[job].steps.find((s) => s.name === name)!.run!;
      expect(wf.jobs.shard.strategy!.matrix.shard).toEqual([1, 2, 3, 4]);
      expect(wf.jobs.merge.needs).toBe('shard');
      const cwd = join(t.dir, 'gha');
      await shardsThenMerge(
        cwd,
        (i) =>
          sh(step('shard', 'shard'), cwd, {
            STEDI_GTM_SHARD: String(wf.jobs.shard.strategy!.matrix.shard[i]),
            STEDI_GTM_SHARD_COUNT: String(wf.jobs.shard.env!.STEDI_GTM_SHARD_COUNT),
          }),
        () => sh(step('merge', 'merge'), cwd, {}),
      );
    }, 240_000);

    it('Kubernetes: an Indexed Job (JOB_COMPLETION_INDEX and --shard-count)', async () => {
      const job = parseYaml(readFileSync(join(ROOT, 'examples/kubernetes/indexed-job.yaml'), 'utf8')) as {
        kind: string;
        spec: {completionMode: string; completions: number; template: {spec: {containers: Array<{command: string[]; args: string[]}>}}};
      };
      expect(job.kind).toBe('Job');
      expect(job.spec.completionMode).toBe('Indexed');
      expect(job.spec.completions).toBe(N);
      const c = job.spec.template.spec.containers[0];
      const cwd = join(t.dir, 'k8s');
      // Kubernetes expands $(VAR) in command and args from the container's environment; no shell.
      const expand = (s: string, env: Record<string, string>) => s.replace(/\$\((\w+)\)/g, (_, v: string) => env[v] ?? `$(${v})`);
      await shardsThenMerge(
        cwd,
        (i) => {
          const env = {JOB_COMPLETION_INDEX: String(i)};
          return runAsync(
            [...c.command, ...c.args].map((a) => expand(a, env)),
            cwd,
            {PATH, ...env},
          );
        },
        () => sh(`stedi-gtm merge ${Array.from({length: N}, (_, i) => `out/shard-${i}`).join(' ')} --data-dir out/all`, cwd, {}),
      );
    }, 240_000);

    it('AWS Batch: an array job (AWS_BATCH_JOB_ARRAY_INDEX and _SIZE)', async () => {
      const def = JSON.parse(readFileSync(join(ROOT, 'examples/aws-batch/job-definition.json'), 'utf8')) as {
        type: string;
        containerProperties: {command: string[]; mountPoints: Array<{containerPath: string}>};
      };
      expect(def.type).toBe('container');
      const mount = def.containerProperties.mountPoints[0].containerPath;
      const cwd = join(t.dir, 'batch');
      // The shared volume's path is the test's folder.
      const command = def.containerProperties.command.map((a) => a.replaceAll(mount, cwd));
      await shardsThenMerge(
        cwd,
        (i) => runAsync(command, cwd, {PATH, AWS_BATCH_JOB_ARRAY_INDEX: String(i), AWS_BATCH_JOB_ARRAY_SIZE: String(N)}),
        () => sh('stedi-gtm merge out/shard-* --data-dir out/all', cwd, {}),
      );
    }, 240_000);

    it('Slurm: run.sbatch as the tasks of an array job would run it (its variables), then merge.sbatch', async () => {
      const cwd = join(t.dir, 'slurm');
      const script = join(ROOT, 'examples/slurm/run.sbatch');
      expect(readFileSync(script, 'utf8')).toMatch(/^#SBATCH --array=0-3$/m);
      await shardsThenMerge(
        cwd,
        (i) =>
          runAsync(['bash', script], cwd, {
            PATH,
            SLURM_SUBMIT_DIR: cwd,
            SLURM_ARRAY_TASK_ID: String(i + 10),
            SLURM_ARRAY_TASK_MIN: '10',
            SLURM_ARRAY_TASK_COUNT: String(N),
          }),
        () => runAsync(['bash', join(ROOT, 'examples/slurm/merge.sbatch')], cwd, {PATH, SLURM_SUBMIT_DIR: cwd}),
      );
    }, 240_000);

    it('Slurm without stedi-gtm on the PATH (after `npm ci` only): the scripts run bin/run.js of the clone submitted from; elsewhere they exit 127 saying what to do', async () => {
      // A PATH with node and nothing else: no stedi-gtm, no npx.
      const bare = join(t.dir, 'node-only');
      mkdirSync(bare);
      symlinkSync(process.execPath, join(bare, 'node'));
      const out = join(t.dir, 'slurm-clone');
      const env = {PATH: bare, SLURM_SUBMIT_DIR: ROOT, STEDI_GTM_OUT: out};
      const script = (name: string) => join(ROOT, 'examples/slurm', name);
      const shards = await Promise.all(
        Array.from({length: N}, (_, i) =>
          runAsync(['/bin/bash', script('run.sbatch')], ROOT, {
            ...env,
            SLURM_ARRAY_TASK_ID: String(i),
            SLURM_ARRAY_TASK_MIN: '0',
            SLURM_ARRAY_TASK_COUNT: String(N),
          }),
        ),
      );
      for (const r of shards) ok(r);
      ok(await runAsync(['/bin/bash', script('merge.sbatch')], ROOT, env));
      // (The tables: the summaries name the data folder relative to the working folder, here another.)
      const tables = differingFiles(join(ref, 'out/all'), join(out, 'all')).filter((f) => f.endsWith('.csv'));
      expect(tables).toEqual([]);
      const elsewhere = await runAsync(['/bin/bash', script('run.sbatch')], t.dir, {...env, SLURM_SUBMIT_DIR: t.dir, SLURM_ARRAY_TASK_ID: '0'});
      expect([elsewhere.code, elsewhere.stderr]).toEqual([
        127,
        expect.stringMatching(/^stedi-gtm is not on the PATH and .*bin\/run\.js does not exist: run `npm link`/),
      ]);
    }, 240_000);
  });
});
