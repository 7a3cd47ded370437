import {spawnSync} from 'node:child_process';
import {cpSync, existsSync, mkdirSync, readFileSync, renameSync, rmSync, watch, writeFileSync} from 'node:fs';
import {hostname} from 'node:os';
import {join} from 'node:path';
import {readManifest} from './helpers/dataset.js';
import {tempDir} from './helpers/cli.js';
import {shippedConfig} from './helpers/simulation.js';
import {BIN, CONFIG, litter, reopen, start, verifiedFiles} from './helpers/dataset.js';
import {STATE_DIR} from '../src/io/dataset.js';

/**
 * A data folder holds one whole dataset (see src/io/dataset.ts): one command at a time (the lock), a manifest
 * that says what the folder holds, and a commit that puts every file in place together, or none, whatever
 * kills the process when. These tests run the built CLI (dist/: `npm run build` after changes).
 */
const SAMPLE = join(process.cwd(), 'data', 'input', 'companies_clay.csv');
const node = (args: string[], env: Record<string, string> = {}) =>
  spawnSync(process.execPath, [BIN, ...args], {encoding: 'utf8', env: {...process.env, NODE_OPTIONS: '', ...env}});
const runArgs = (data: string, seed: number, input = SAMPLE) => [
  'run',
  '--input',
  input,
  '--config-dir',
  CONFIG,
  '--provider',
  'rules',
  '--data-dir',
  data,
  '--seed',
  String(seed),
  '--quiet',
];

let t: ReturnType<typeof tempDir>;
/**
 * Where every scenario runs: the summaries and the report name the data folder, so the old and new datasets
 * are made there and moved aside, and each scenario starts from a copy of the old one put back there.
 */
let work: string;
/** A complete dataset of the sample with seed 7 (the "old" one) and with seed 42 (the "new" one), and their files. */
let old7: string;
let new42: string;
let files7: Record<string, string>;
let files42: Record<string, string>;

beforeAll(async () => {
  t = tempDir();
  work = join(t.dir, 'data');
  old7 = join(t.dir, 'old7');
  new42 = join(t.dir, 'new42');
  for (const [dir, seed] of [
    [old7, 7],
    [new42, 42],
  ] as const) {
    const r = node(runArgs(work, seed));
    expect([r.status, r.stderr]).toEqual([0, '']);
    renameSync(work, dir);
  }
  files7 = await verifiedFiles(old7);
  files42 = await verifiedFiles(new42);
});
afterAll(() => t.cleanup());

/** The work folder, holding a copy of the old dataset. */
function copyOfOld(): string {
  rmSync(work, {recursive: true, force: true});
  cpSync(old7, work, {recursive: true});
  return work;
}

/**
 * The file-system events (a file created, written, renamed or removed) in a data folder and its raw/, interim/,
 * final/ and state folders, counted as they come: `at(n, f)` calls f at the n-th; `first(name)` is the number
 * of the first event on a file of that name (e.g. the commit journal: where the commit starts).
 */
function eventsIn(dataDir: string) {
  let n = 0;
  let waiting: {at: number; f: () => void} | undefined;
  const firsts = new Map<string, number>();
  const watchers = ['', 'raw', 'interim', 'final', STATE_DIR].map((d) =>
    watch(join(dataDir, d), (_type, name) => {
      n++;
      if (name && !firsts.has(name)) firsts.set(name, n);
      if (waiting && n >= waiting.at) {
        waiting.f();
        waiting = undefined;
      }
    }),
  );
  return {
    count: () => n,
    first: (name: string) => firsts.get(name),
    at: (k: number, f: () => void) => (waiting = {at: k, f}),
    close: () => watchers.forEach((w) => w.close()),
  };
}

/** The dataset files (not the manifest: its runs differ) of a folder's manifest. */
const tables = (files: Record<string, string>) => Object.fromEntries(Object.entries(files).filter(([p]) => p !== 'manifest.json'));

describe('the manifest', () => {
  it("lists every file with rows, bytes and SHA-256, and names the run: the rows are the stages' counts", async () => {
    const m = (await readManifest(new42))!;
    expect(Object.keys(m.files)).toEqual([
      'raw/companies.csv',
      'interim/rejects.csv',
      'raw/leads.csv',
      'raw/deals.csv',
      'raw/opportunity_history.csv',
      'raw/pipeline_snapshots.csv',
      'raw/reps.csv',
      'raw/billing.csv',
      'raw/invoices.csv',
      'final/arr_movements.csv',
      'final/unified.csv',
      'interim/enrich_summary.json',
      'interim/deals_summary.json',
      'interim/billing_summary.json',
      'final/report.html',
      'interim/sources.json',
    ]);
    const summary = (name: string) => JSON.parse(readFileSync(join(new42, 'interim', name), 'utf8'));
    const e = summary('enrich_summary.json');
    const d = summary('deals_summary.json');
    const b = summary('billing_summary.json');
    expect([m.files['raw/companies.csv'].rows, m.files['interim/rejects.csv'].rows, m.files['raw/leads.csv'].rows]).toEqual([
      e.companies_written,
      e.rejected_rows,
      e.companies_written,
    ]);
    expect([m.files['raw/deals.csv'].rows, m.files['raw/billing.csv'].rows, m.files['raw/invoices.csv'].rows]).toEqual([
      d.deals,
      b.contract_terms_listed,
      b.invoices,
    ]);
    expect(m.files['final/arr_movements.csv'].rows).toBe(b.arr_movements);
    expect([m.files['raw/opportunity_history.csv'].rows, m.files['raw/pipeline_snapshots.csv'].rows]).toEqual([d.history_rows, d.snapshot_rows]);
    expect(m.files['raw/reps.csv'].rows).toBe(shippedConfig().reps.length);
    expect(m.files['final/unified.csv'].rows).toBe(d.deals + (e.companies_written - d.companies_with_deals));
    expect(m.files['final/report.html']).toMatchObject({rows: null, bytes: readFileSync(join(new42, 'final', 'report.html')).length, run: 0});
    const sha = spawnSync('sha256sum', [join(new42, 'raw', 'deals.csv')], {encoding: 'utf8'}).stdout.split(' ')[0];
    expect(m.files['raw/deals.csv'].sha256).toBe(sha);
    expect(m.runs).toEqual([
      expect.objectContaining({
        command: 'run',
        from: 'enrich',
        seed: 42,
        as_of: shippedConfig().simulation.as_of,
        input: {path: 'data/input/companies_clay.csv', sha256: spawnSync('sha256sum', [SAMPLE], {encoding: 'utf8'}).stdout.split(' ')[0]},
        reads: {},
        version: '0.1.0',
      }),
    ]);
    expect(Object.keys(m.runs[0].config).sort()).toEqual(['deal_model.yml', 'icp_rules.yml', 'ingest.yml', 'openai.yml', 'previous_customers.yml']);
  });

  it('a stage command commits its tables with a manifest that still describes the whole folder, and what it read', async () => {
    const dir = copyOfOld();
    const r = node(['deals', '--config-dir', CONFIG, '--data-dir', dir, '--seed', '42', '--quiet']);
    expect([r.status, r.stderr]).toEqual([0, '']);
    const files = await verifiedFiles(dir);
    const m = (await readManifest(dir))!;
    expect(m.runs.map((x) => [x.command, x.seed])).toEqual([
      ['deals', 42],
      ['run', 7],
    ]);
    expect(m.runs[0].reads).toEqual({'raw/companies.csv': files7['raw/companies.csv']});
    // The files deals wrote are seed 42's; the others are as they were, still credited to the run that wrote them.
    for (const f of ['raw/leads.csv', 'raw/deals.csv', 'interim/deals_summary.json'])
      expect([f, files[f], m.files[f].run]).toEqual([f, files42[f], 0]);
    for (const f of ['raw/companies.csv', 'raw/billing.csv', 'final/unified.csv', 'final/report.html'])
      expect([f, files[f], m.files[f].run]).toEqual([f, files7[f], 1]);
    // A file edited by hand is described as it is, by no run.
    writeFileSync(join(dir, 'final', 'report.html'), 'edited');
    expect(node(['deals', '--config-dir', CONFIG, '--data-dir', dir, '--quiet']).status).toBe(0);
    const after = (await readManifest(dir))!;
    expect(after.files['final/report.html']).toMatchObject({bytes: 6, run: null});
    await verifiedFiles(dir);
  });

  it('readManifest names the file and the key of a manifest that does not match its schema', async () => {
    const dir = copyOfOld();
    const m = JSON.parse(readFileSync(join(dir, 'manifest.json'), 'utf8'));
    m.files['raw/deals.csv'].sha256 = 'abc';
    writeFileSync(join(dir, 'manifest.json'), JSON.stringify(m));
    await expect(readManifest(dir)).rejects.toThrow(`${join(dir, 'manifest.json')}: files.raw/deals.csv.sha256: expected 64 lower-case hex digits`);
  });
});

describe('one command at a time per data folder', () => {
  it('a second command exits 2 naming the holder while the first holds the lock; the first then finishes (two processes)', async () => {
    const dir = copyOfOld();
    const first = start(runArgs(dir, 42), {STEDI_GTM_FAULT: 'pause@locked'});
    try {
      await first.line(/paused at locked/);
      const second = node(['deals', '--config-dir', CONFIG, '--data-dir', dir, '--quiet']);
      expect(second.status).toBe(2);
      expect(second.stderr).toContain(`is in use by another stedi-gtm command: pid ${first.child.pid} on ${hostname()}`);
      expect(second.stderr).toContain('run --input');
      first.child.kill('SIGCONT');
      expect(await first.exited).toEqual({code: 0, signal: null});
      expect(tables(await verifiedFiles(dir))).toEqual(tables(files42));
      expect(litter(dir)).toEqual([]);
    } finally {
      first.child.kill('SIGKILL');
    }
  });

  it('a lock whose process is gone is taken over with a warning', async () => {
    const dir = copyOfOld();
    const first = start(runArgs(dir, 42), {STEDI_GTM_FAULT: 'pause@locked'});
    await first.line(/paused at locked/);
    first.child.kill('SIGKILL');
    await first.exited;
    expect(existsSync(join(dir, '.stedi-gtm', 'lock'))).toBe(true);
    const r = node(runArgs(dir, 42).filter((a) => a !== '--quiet'));
    expect(r.status).toBe(0);
    expect(r.stderr).toContain(`was locked by pid ${first.child.pid}`);
    expect(r.stderr).toContain('which is no longer running: lock taken over');
    expect(tables(await verifiedFiles(dir))).toEqual(tables(files42));
    expect(litter(dir)).toEqual([]);
  });
});

describe('kill -9 and failures leave the old or the new dataset, whole', () => {
  it('killed at every point of the commit: after the next start, exactly the old dataset (before the journal) or the new one (after)', async () => {
    // (--no-report: a third of the time; the report left from the old run is then part of the new dataset too.)
    const args = [...runArgs(work, 42), '--no-report'];
    copyOfOld();
    expect(node(args).status).toBe(0);
    const fresh = tables(await verifiedFiles(work));
    expect(fresh).toEqual({...tables(files42), 'final/report.html': files7['final/report.html']});
    const seen: Record<string, 'old' | 'new'> = {};
    const points = ['locked', 'staged', 'journal', ...Array.from({length: 36}, (_, k) => `rename:${k}`), 'renamed', 'committed'];
    for (const point of points) {
      const dir = copyOfOld();
      const r = node(args, {STEDI_GTM_FAULT: `kill@${point}`});
      if (r.status === 0) {
        // A rename number past the last rename: the run was not stopped.
        expect(point).toMatch(/^rename:/);
        continue;
      }
      expect([point, r.signal]).toEqual([point, 'SIGKILL']);
      reopen(dir);
      const files = tables(await verifiedFiles(dir));
      seen[point] = JSON.stringify(files) === JSON.stringify(tables(files7)) ? 'old' : 'new';
      expect([point, files]).toEqual([point, seen[point] === 'old' ? tables(files7) : fresh]);
      expect([point, litter(dir)]).toEqual([point, []]);
    }
    expect(seen).toMatchObject({locked: 'old', staged: 'old', journal: 'new', 'rename:0': 'new', renamed: 'new', committed: 'new'});
    // Every rename of the commit was a point: 17 files (15 of the dataset, the cache of facts, the manifest), each old one moved aside, then the new one put in place.
    expect(Object.keys(seen).filter((p) => p.startsWith('rename:')).length).toBe(2 * 17);
  });

  // (Thirteen runs of the built CLI on 3,000 rows, a few seconds each: the time limit is a guard against a hang,
  // sized for a shared, loaded machine.)
  it('kill -9 at file-system events of runs (one thread and worker threads), early, midway and in the commit: each time, after the next start, the folder holds what its manifest says, all of one run', async () => {
    const input = join(t.dir, 'synth.csv');
    expect(spawnSync(process.execPath, ['bench/synth.mjs', '--rows', '3000', '--out', input]).status).toBe(0);
    const dir = join(t.dir, 'events');
    rmSync(dir, {recursive: true, force: true});
    const args = (seed: number) => [...runArgs(dir, seed, input), '--no-report'];
    expect(node(args(1)).status).toBe(0);
    const refs: Record<number, Record<string, string>> = {1: tables(await verifiedFiles(dir))};
    let now = 1;
    /** After a run (killed or not) and the next start: one whole dataset, each file as the manifest says, all of one run. */
    const check = async (what: string, end: {code: number | null}, seed: number) => {
      reopen(dir);
      const files = tables(await verifiedFiles(dir));
      const m = (await readManifest(dir))!;
      expect([what, m.runs.length, Object.entries(m.files).filter(([, f]) => f.run !== 0)]).toEqual([what, 1, []]);
      const match = [1, 2].find((s) => refs[s] && JSON.stringify(files) === JSON.stringify(refs[s]));
      expect([what, match, m.runs[0].seed]).toEqual([what, end.code === 0 ? seed : expect.any(Number), match]);
      expect([what, litter(dir)]).toEqual([what, []]);
      now = match!;
    };
    // A fixed sequence (an LCG): a failure can be replayed.
    let x = 12345;
    const random = () => (x = (x * 1103515245 + 12345) % 2 ** 31) / 2 ** 31;
    const between = (lo: number, hi: number) => lo + Math.floor(random() * Math.max(1, hi - lo));
    const modes: Array<[string, Record<string, string>]> = [
      ['one thread', {STEDI_GTM_WORKERS: '0'}],
      ['worker threads', {STEDI_GTM_WORKERS: '2', STEDI_GTM_CHUNK_BYTES: String(256 << 10)}],
    ];
    for (const [mode, env] of modes) {
      // A whole run of the other seed, its events counted: how many file-system events such a run makes (files
      // created, written, renamed) and at which the commit starts (the journal is written) place the kills,
      // instead of a time that depends on the machine's load. Both modes write the same bytes.
      const seed = now === 1 ? 2 : 1;
      const counting = eventsIn(dir);
      const whole = start(args(seed), env);
      const end = await whole.exited;
      counting.close();
      expect([mode, end.code]).toEqual([mode, 0]);
      const total = counting.count();
      const commit = counting.first('journal.json');
      expect([mode, total > 20, commit !== undefined && commit > total / 3]).toEqual([mode, true, true]);
      refs[seed] ??= tables(await verifiedFiles(dir));
      await check(`${mode}: whole run`, end, seed);
      // A kill early (while the tables are written), one midway, one in the last events before the commit (the
      // summaries are written then), two in the commit (from the journal on).
      const points = [
        between(1, total / 3),
        between(total / 3, commit! - 10),
        between(commit! - 10, commit!),
        between(commit!, total),
        between(commit!, total),
      ];
      for (const killAt of points) {
        const what = `${mode}, kill at event ${killAt} of ${total} (commit from ${commit})`;
        const next = now === 1 ? 2 : 1;
        const watching = eventsIn(dir);
        const run = start(args(next), env);
        watching.at(killAt, () => run.child.kill('SIGKILL'));
        const ended = await run.exited;
        watching.close();
        expect([what, ended.code === 0 || ended.signal === 'SIGKILL']).toEqual([what, true]);
        await check(what, ended, next);
      }
    }
  }, 300_000);

  it('a folder where invoices.csv goes: exit 2 naming it, and nothing changed', async () => {
    const dir = copyOfOld();
    rmSync(join(dir, 'raw', 'invoices.csv'));
    mkdirSync(join(dir, 'raw', 'invoices.csv'));
    const r = node(runArgs(dir, 42));
    expect(r.status).toBe(2);
    expect(r.stderr.trim()).toBe(
      `Error: ${join(dir, 'raw', 'invoices.csv')} is a folder: the new invoices.csv cannot be put there. Nothing was changed: ${dir} holds the dataset it held before. Move it out of the way and run again`,
    );
    const m = (await readManifest(dir))!;
    expect(tables(Object.fromEntries(Object.entries(m.files).map(([p, f]) => [p, f.sha256])))).toEqual(tables(files7));
    for (const [p, sha] of Object.entries(tables(files7)))
      if (p !== 'raw/invoices.csv') expect([p, sha]).toEqual([p, (await import('../src/io/manifest.js')).describeFile(join(dir, p)).sha256]);
    expect(litter(dir)).toEqual([]);
  });

  it.each([1, 5, 12])(
    'a rename that fails half-way through the commit (rename %i): the renames done are undone, exit 1, the old dataset whole',
    async (k) => {
      const dir = copyOfOld();
      const r = node(runArgs(dir, 42), {STEDI_GTM_FAULT: `fail@rename:${k}`});
      expect(r.status).toBe(1);
      expect(r.stderr.trim()).toBe(
        `Error: fault injected at rename:${k} (STEDI_GTM_FAULT=fail@rename:${k}). Nothing was changed: ${dir} holds the dataset it held before`,
      );
      expect(tables(await verifiedFiles(dir))).toEqual(tables(files7));
      expect(litter(dir)).toEqual([]);
    },
  );
});

describe('a full disk', () => {
  const root = process.getuid?.() === 0;
  const why = root ? undefined : 'not root: cannot mount a 3 MB tmpfs';
  if (why && process.env.CI) it('needs root under CI', () => expect(why).toBeUndefined());
  (why ? it.skip : it)(
    `fails with exit 1 (no space left), and leaves the old dataset whole, without temporary files${why ? ` (skipped: ${why})` : ''}`,
    async () => {
      const mnt = join(t.dir, 'tmpfs');
      mkdirSync(mnt);
      const mount = spawnSync('mount', ['-t', 'tmpfs', '-o', 'size=3m', 'tmpfs', mnt], {encoding: 'utf8'});
      if (mount.status !== 0) {
        if (process.env.CI) throw new Error(`mount failed: ${mount.stderr}`);
        process.stderr.write(`skipped: cannot mount a tmpfs (${mount.stderr.trim()})\n`);
        return;
      }
      try {
        const dir = join(mnt, 'data');
        expect(node([...runArgs(dir, 7), '--limit', '8']).status).toBe(0);
        const before = await verifiedFiles(dir);
        const input = join(t.dir, 'full.csv');
        expect(spawnSync(process.execPath, ['bench/synth.mjs', '--rows', '2463', '--out', input]).status).toBe(0);
        for (const workers of ['0', '2']) {
          const r = node(runArgs(dir, 42, input), {STEDI_GTM_WORKERS: workers});
          expect([workers, r.status]).toEqual([workers, 1]);
          expect(r.stderr).toMatch(/ENOSPC|no space left/);
          expect(await verifiedFiles(dir)).toEqual(before);
          expect(litter(dir)).toEqual([]);
        }
      } finally {
        spawnSync('umount', [mnt]);
      }
    },
  );
});
