#!/usr/bin/env node
// Benchmarks the pipeline on a synthetic Clay export:  npm run bench -- --rows 100000
// Prints, per step: wall time, rows/s and peak RSS; the papaparse floor (bare streaming read + write of the
// same file, measured in the same run) and the ratio of `run` to it. Build first (`npm run build`).
// --parquet: `run --format parquet` alternates with the floor and `run` too; its time and peak RSS against the CSV
// run's (the median of each), and both formats' file sizes.
// Each step starts from the same state: its previous output removed, the dirty pages of the step before written out.
import {spawnSync} from 'node:child_process';
import {existsSync, mkdirSync, readdirSync, readFileSync, rmSync, statSync} from 'node:fs';
import {cpus, totalmem} from 'node:os';
import {join, resolve} from 'node:path';
import {parseArgs} from 'node:util';

const USAGE = `usage: npm run bench -- [--rows N] [--dir DIR] [--repeat N] [--no-stages] [--parquet] [--keep]
  --rows N      companies in the synthetic export (default 10000; made once into DIR, then reused)
  --dir DIR     where the export, the data folders and the floor's copy go (default bench/out)
  --repeat N    the floor and \`run\` alternate N times; the table uses their medians (default 1)
  --no-stages   skip the stage commands one by one (enrich, deals, billing, unify, report)
  --parquet     also \`run --format parquet\`, alternating with the others, and both formats' file sizes
  --keep        keep the data folders afterwards
Build first (npm run build).
`;
let values;
try {
  ({values} = parseArgs({
    options: {
      rows: {type: 'string', default: '10000'},
      dir: {type: 'string', default: 'bench/out'},
      stages: {type: 'boolean', default: true},
      'no-stages': {type: 'boolean', default: false},
      keep: {type: 'boolean', default: false},
      repeat: {type: 'string', default: '1'},
      parquet: {type: 'boolean', default: false},
      help: {type: 'boolean', short: 'h', default: false},
    },
  }));
} catch (e) {
  process.stderr.write(`${e.message}\n${USAGE}`);
  process.exit(2);
}
if (values.help) {
  process.stdout.write(USAGE);
  process.exit(0);
}
const rows = Number(values.rows);
if (!Number.isInteger(rows) || rows < 1) {
  process.stderr.write(`--rows ${values.rows}: expected a whole number, at least 1\n`);
  process.exit(2);
}
// The floor and `run` alternate this many times; the table and the ratio use their medians (this VM's speed
// swings by 10 to 15% from one minute to the next, which one pair cannot tell from a change in the code).
const repeat = Number(values.repeat);
if (!Number.isInteger(repeat) || repeat < 1) {
  process.stderr.write(`--repeat ${values.repeat}: expected a whole number, at least 1\n`);
  process.exit(2);
}
const dir = resolve(values.dir);
mkdirSync(dir, {recursive: true});
const input = join(dir, `clay-${rows}.csv`);
const root = resolve(import.meta.dirname, '..');
const bin = join(root, 'bin', 'run.js');
const hook = join(root, 'bench', 'rss-hook.mjs');
const rssFile = join(dir, '.rss');

/**
 * Runs one step and times it. Every step starts from the same state: what it writes whole (`fresh`: the previous
 * repetition's dataset or copy) is removed first, and the dirty pages of the step before are written out (`sync`),
 * so that no step pays for the one before (ext4 frees a replaced 2.8 GB dataset in the renames; the floor's
 * 850 MB were still being written out when the next step began).
 */
function timed(label, args, extraEnv = {}, fresh = []) {
  rmSync(rssFile, {force: true});
  for (const f of fresh) rmSync(f, {recursive: true, force: true});
  spawnSync('sync');
  const start = process.hrtime.bigint();
  const r = spawnSync(process.execPath, ['--import', hook, ...args], {
    cwd: root,
    env: {...process.env, BENCH_RSS_FILE: rssFile, ...extraEnv},
    encoding: 'utf8',
    maxBuffer: 1 << 26,
  });
  const seconds = Number(process.hrtime.bigint() - start) / 1e9;
  if (r.status !== 0) {
    process.stderr.write(r.stderr);
    throw new Error(`${label} failed with exit ${r.status}`);
  }
  const rssMiB = existsSync(rssFile) ? Number(readFileSync(rssFile, 'utf8')) / 1024 : NaN;
  return {label, seconds, rssMiB, stdout: r.stdout};
}

if (!existsSync(input)) {
  process.stderr.write(`synthesising ${rows} rows into ${input} ...\n`);
  const r = spawnSync(process.execPath, [join(root, 'bench', 'synth.mjs'), '--rows', String(rows), '--out', input], {stdio: 'inherit'});
  if (r.status !== 0) process.exit(1);
}
const mb = statSync(input).size / 1e6;
const data = join(dir, `data-${rows}`);
const common = ['--input', input, '--data-dir', data, '--provider', 'rules', '--quiet', '--json'];
// The stages after enrichment take no --input or --provider (they refuse them).
const later = ['--data-dir', data, '--quiet', '--json'];
const results = [];

const floors = [];
const runs = [];
const parquetRuns = [];
const parquetData = `${data}-parquet`;
for (let i = 0; i < repeat; i++) {
  const floorOut = join(dir, `floor-${rows}.csv`);
  floors.push(timed('papaparse floor (read + write)', [join(root, 'bench', 'floor.mjs'), input, floorOut], {}, [floorOut]));
  runs.push(timed('run (every stage and the report)', [bin, 'run', ...common], {}, [data]));
  if (values.parquet)
    parquetRuns.push(
      timed('run --format parquet', [bin, 'run', ...common.map((a) => (a === data ? parquetData : a)), '--format', 'parquet'], {}, [parquetData]),
    );
}
/** The timing of median time (of an odd count; the upper middle of an even one), labelled `label` when repeated. */
const median = (all, label) => {
  const m = [...all].sort((a, b) => a.seconds - b.seconds)[Math.floor(all.length / 2)];
  return all.length === 1 ? m : {...m, label: `${label} (median of ${all.length})`};
};
results.push(median(floors, 'papaparse floor'));
const run = median(runs, 'run with the report');
results.push(run);
results.push(timed('run --no-report', [bin, 'run', ...common, '--no-report'], {}, [data]));
if (values.stages && !values['no-stages']) {
  for (const stage of ['enrich', 'deals', 'billing', 'unify', 'report'])
    results.push(timed(`  ${stage}`, [bin, stage, ...(stage === 'enrich' ? common : later)]));
}
// deals, billing and unify together: one pass over the companies.csv `run` wrote. Three fresh processes; the
// row shows the median (this VM's speed swings by 20% and more from one minute to the next).
const togetherRuns = [0, 1, 2]
  .map(() => timed('run --from deals --no-report', [bin, 'run', ...later, '--from', 'deals', '--no-report']))
  .sort((a, b) => a.seconds - b.seconds);
const together = togetherRuns[1];
results.push({...together, label: 'run --from deals --no-report (median of 3)'});
results.push(timed('--version (start-up)', [bin, '--version']));
// The simulation stages as functions (no CLI start-up), on the data `run` wrote: the three one after the
// other in one process, and the one pass (`run --from deals`), the median of three fresh processes (this VM
// varies by about 10% from run to run).
const stagesRun = spawnSync(process.execPath, [join(root, 'bench', 'stages.mjs'), '--data-dir', data, '--stage', 'all'], {
  cwd: root,
  encoding: 'utf8',
});
const inProcess = /^total\s+([\d.]+) s wall/m.exec(stagesRun.stdout ?? '');
const onePass = [0, 1, 2]
  .map(() =>
    spawnSync(process.execPath, [join(root, 'bench', 'stages.mjs'), '--data-dir', data, '--stage', 'together'], {cwd: root, encoding: 'utf8'}),
  )
  .map((r) => Number(/^together\s+([\d.]+) s wall/m.exec(r.stdout ?? '')?.[1]))
  .sort((a, b) => a - b);

const floor = results[0].seconds;
const pad = (s, n) => String(s).padEnd(n);
const lines = [
  `input: ${rows.toLocaleString('en-US')} rows, ${mb.toFixed(0)} MB; machine: ${cpus().length} x ${cpus()[0]?.model ?? 'cpu'}, ${(totalmem() / 2 ** 30).toFixed(0)} GiB, Node ${process.version}`,
  `${pad('step', 44)}${pad('wall s', 9)}${pad('rows/s', 12)}peak RSS MiB`,
  ...results.map(
    (r) =>
      `${pad(r.label, 44)}${pad(r.seconds.toFixed(2), 9)}${pad(r.label.startsWith('--version') ? '' : Math.round(rows / r.seconds).toLocaleString('en-US'), 12)}${r.rssMiB.toFixed(0)}`,
  ),
  `run / floor: ${(run.seconds / floor).toFixed(2)}x`,
  ...(repeat > 1
    ? [
        `floor, alternating with run: ${floors.map((r) => r.seconds.toFixed(2)).join(' / ')} s; run: ${runs.map((r) => r.seconds.toFixed(2)).join(' / ')} s`,
      ]
    : []),
];
const stageRows = results.filter((r) => /^\s+(deals|billing|unify)$/.test(r.label));
lines.push(
  `deals + billing + unify together (run --from deals): ${togetherRuns.map((r) => r.seconds.toFixed(2)).join(' / ')} s as a command (median ${together.seconds.toFixed(2)} s); ` +
    `${onePass.map((x) => x.toFixed(2)).join(' / ')} s as the stage function (3 processes; median ${onePass[1].toFixed(2)} s)`,
);
if (stageRows.length === 3)
  lines.push(
    `deals + billing + unify as three commands: ${stageRows.reduce((s, r) => s + r.seconds, 0).toFixed(2)} s (each includes its process start-up)`,
  );
if (inProcess) lines.push(`deals + billing + unify as stage functions one after the other in one process: ${Number(inProcess[1]).toFixed(2)} s`);
if (values.parquet) {
  const p = median(parquetRuns, 'run --format parquet');
  /** Bytes of each table file of a data folder, by name (without the extension). */
  const sizes = (root, ext) => {
    const out = {};
    for (const sub of ['raw', 'interim', 'final'])
      for (const f of existsSync(join(root, sub)) ? readdirSync(join(root, sub)) : [])
        if (f.endsWith(ext)) out[f.slice(0, -ext.length)] = statSync(join(root, sub, f)).size;
    return out;
  };
  const csv = sizes(data, '.csv');
  const pq = sizes(parquetData, '.parquet');
  const mbOf = (n) => (n / 1e6).toFixed(1);
  const total = (o) => Object.values(o).reduce((a, b) => a + b, 0);
  lines.push(
    `run --format parquet: ${parquetRuns.map((r) => r.seconds.toFixed(2)).join(' / ')} s, peak RSS ${parquetRuns.map((r) => r.rssMiB.toFixed(0)).join(' / ')} MiB; ` +
      `median ${p.seconds.toFixed(2)} s = ${(p.seconds / run.seconds).toFixed(2)}x the CSV run's ${run.seconds.toFixed(2)} s`,
    `file sizes, MB (CSV / Parquet): ${Object.keys(csv)
      .map((k) => `${k} ${mbOf(csv[k])} / ${mbOf(pq[k] ?? 0)}`)
      .join(', ')}; all ${mbOf(total(csv))} / ${mbOf(total(pq))}`,
  );
}
process.stdout.write(lines.join('\n') + '\n');
if (!values.keep) for (const d of [data, parquetData]) rmSync(d, {recursive: true, force: true});
