#!/usr/bin/env node
// Per-row CPU cost of the pure functions every company goes through (build first: `npm run build`):
//   node bench/hotpath.mjs [--input bench/out/clay-10000.csv] [--reps 7] [--dist dist] [--only name,name] [--json]
// Parses the Clay export once, then times each function over every row, `--reps` times, and prints the
// median microseconds per row (and the min, to show the noise). `--dist` points at another build (e.g. a copy
// of the previous commit's dist/) to compare two versions on the same machine in the same minute.
// Results are consumed (a checksum) so the JIT cannot drop the work; nothing is retained between rows, as in
// the streaming pipeline.
import {spawnSync} from 'node:child_process';
import {existsSync, readFileSync} from 'node:fs';
import {cpus} from 'node:os';
import {join, resolve} from 'node:path';
import {pathToFileURL} from 'node:url';
import {parseArgs} from 'node:util';
import Papa from 'papaparse';

const root = resolve(import.meta.dirname, '..');
const {values} = parseArgs({
  options: {
    input: {type: 'string', default: join(root, 'bench', 'out', 'clay-10000.csv')},
    reps: {type: 'string', default: '7'},
    dist: {type: 'string', default: join(root, 'dist')},
    config: {type: 'string', default: join(root, 'config')},
    only: {type: 'string'},
    seed: {type: 'string', default: '42'},
    json: {type: 'boolean', default: false},
  },
});
const reps = Number(values.reps);
const dist = resolve(values.dist);
const only = values.only ? new Set(values.only.split(',')) : null;
const seed = Number(values.seed);
const input = resolve(values.input);
if (!existsSync(input)) {
  const m = /clay-(\d+)\.csv$/.exec(input);
  if (!m) throw new Error(`${input} does not exist`);
  process.stderr.write(`synthesising ${m[1]} rows into ${input} ...\n`);
  const r = spawnSync(process.execPath, [join(root, 'bench', 'synth.mjs'), '--rows', m[1], '--out', input], {stdio: 'inherit'});
  if (r.status !== 0) process.exit(1);
}

const load = (p) => import(pathToFileURL(join(dist, p)).href);
const ingest = await load('core/ingest.js');
const icpMod = await load('core/rules/icp.js');
const techMod = await load('core/rules/techstack.js');
const provider = await load('core/rules/provider.js');
const dealsCore = await load('core/deals.js');
const billingCore = await load('core/billing.js');
const unifyCore = await load('core/unify.js');
const enrichStage = await load('stages/enrich.js');
const dealsStage = await load('stages/deals.js');
await load('stages/billing.js');
const unifyStage = await load('stages/unify.js');
const csv = await load('io/csv.js');
const accounts = await load('core/accounts.js');
// The company rows as the pipeline builds them: withEnrichment where the build has it, else the spread.
const toCompany = accounts.withEnrichment ?? ((b, e) => ({...b, ...e}));

// --- Inputs, prepared once (untimed) ---------------------------------------------------------------
let text = readFileSync(input, 'utf8');
if (text.charCodeAt(0) === 0xfeff) text = text.slice(1);
const parseStart = process.hrtime.bigint();
const parsed = Papa.parse(text, {delimiter: ',', newline: '\r\n', quoteChar: '"', skipEmptyLines: false}).data;
const parseUs = Number(process.hrtime.bigint() - parseStart) / 1e3;
const header = parsed[0];
const records = parsed.slice(1).filter((f) => !(f.length === 1 && f[0] === ''));
const {index} = ingest.mapHeader(header);
const cleaned = records.map((f, i) => ingest.cleanRow(f, index, i + 2, i + 2));
const groups = new Map();
for (const r of cleaned) {
  if (!r.ok) continue;
  const g = groups.get(r.value.key);
  if (g) g.push(r.value);
  else groups.set(r.value.key, [r.value]);
}
const allGroups = [...groups.values()];
const singles = allGroups.filter((g) => g.length === 1);
const multis = allGroups.filter((g) => g.length > 1);
const bases = allGroups.map((g) => ingest.mergeRows(g, false));
const rules = await enrichStage.loadIcpRules(values.config);
const icp = icpMod.compileIcp(rules);
const tech = techMod.compileTechStack(rules.techstack);
const enricher = provider.createRulesEnricher(rules);
const companies = bases.map((b) => toCompany(b, enricher.enrich(b)));
const techTexts = bases.map((b) => `${b.name}\n${b.description}`);
const {model, asOf} = await dealsStage.loadDealModel(values.config);
const billingModel = billingCore.compileBillingModel(model);
const sims = companies.map((c) => dealsCore.simulateCompany(c, model, seed, asOf));
const contractsOf = companies.map((c, i) => {
  const out = [];
  for (const d of sims[i].deals) {
    const k = billingCore.buildContract(d, c, billingModel, seed, asOf);
    if (k) out.push(k);
  }
  return out;
});
const unified = companies.map((c, i) => unifyCore.unifyCompany(c, sims[i].lead, sims[i].deals, contractsOf[i]));
const companyCodec = enrichStage.companyCodec;
const companyRows = companies.map((c) => companyCodec.encode(c));
const unifiedFlat = unified.flat();
const unifiedRows = unifiedFlat.map((r) => unifyStage.unifiedCodec.encode(r));
const allDeals = sims.flatMap((s) => s.deals);
const dealCompany = sims.flatMap((s, i) => s.deals.map(() => companies[i]));

// --- Timing -------------------------------------------------------------------------------------------
let sink = 0;
const consume = (v) => {
  if (v === null || v === undefined) return;
  if (typeof v === 'string') sink += v.length;
  else if (Array.isArray(v)) sink += v.length;
  else sink += 1;
};
const results = [];
/** Times fn over items, reps times; records the median and min µs per item. */
function time(name, items, fn, note = '') {
  if (only && !only.has(name)) return;
  const n = items.length;
  if (n === 0) return;
  for (let i = 0; i < Math.min(n, 2000); i++) consume(fn(items[i], i)); // warm-up
  const per = [];
  for (let r = 0; r < reps; r++) {
    const t0 = process.hrtime.bigint();
    for (let i = 0; i < n; i++) consume(fn(items[i], i));
    per.push(Number(process.hrtime.bigint() - t0) / 1e3 / n);
  }
  per.sort((a, b) => a - b);
  results.push({name, n, median: per[Math.floor(per.length / 2)], min: per[0], note});
}

const singleRows = singles.map((g) => g[0]);
time('cleanRow', records, (f, i) => ingest.cleanRow(f, index, i + 2, i + 2), 'per input row');
time('mergeRows (single-row groups)', singles, (g) => ingest.mergeRows(g, false), 'per company');
time('mergeRows (multi-row groups)', multis, (g) => ingest.mergeRows(g, false), 'per group');
time(
  'clean+merge (single)',
  singleRows.map((r) => records[r.row - 2]),
  (f, i) => {
    const c = ingest.cleanRow(f, index, i + 2, i + 2);
    return c.ok ? ingest.mergeRows([c.value], false) : c;
  },
  'per company',
);
time('icp.score', bases, (b) => icp.score(b));
time('tech.detect', techTexts, (t) => tech.detect(t));
time('rules enrich', bases, (b) => enricher.enrich(b));
time('enrich + spread', bases, (b) => ({...b, ...enricher.enrich(b)}), '{...base, ...enrichment}');
if (accounts.withEnrichment) time('enrich + withEnrichment', bases, (b) => accounts.withEnrichment(b, enricher.enrich(b)));
time('simulateCompany', companies, (c) => dealsCore.simulateCompany(c, model, seed, asOf));
time('buildContract', allDeals, (d, i) => billingCore.buildContract(d, dealCompany[i], billingModel, seed, asOf), 'per deal');
time('unifyCompany', companies, (c, i) => unifyCore.unifyCompany(c, sims[i].lead, sims[i].deals, contractsOf[i]));
time('encode company', companies, (c) => companyCodec.encode(c));
time('encode lead', sims, (s) => dealsStage.leadCodec.encode(s.lead));
time('encode deal', allDeals, (d) => dealsStage.dealCodec.encode(d), 'per deal');
time('encode unified', unifiedFlat, (r) => unifyStage.unifiedCodec.encode(r), 'per unified row');
time('Papa.unparse company row', companyRows, (f) => Papa.unparse([f], {newline: '\n'}) + '\n');
time('Papa.unparse unified row', unifiedRows, (f) => Papa.unparse([f], {newline: '\n'}) + '\n');
if (typeof csv.encodeCsvRow === 'function') {
  time('encodeCsvRow company row', companyRows, (f) => csv.encodeCsvRow(f));
  time('encodeCsvRow unified row', unifiedRows, (f) => csv.encodeCsvRow(f));
}

if (values.json) {
  console.log(JSON.stringify({dist, rows: records.length, results}));
  process.exit(0);
}
const pad = (s, n) => String(s).padEnd(n);
const num = (x) => x.toFixed(2).padStart(8);
console.log(
  `input ${input}: ${records.length} rows, ${allGroups.length} companies (${multis.length} multi-row groups), ${allDeals.length} deals, ${unifiedFlat.length} unified rows`,
);
console.log(`dist ${dist}; node ${process.version}; ${cpus().length} x ${cpus()[0]?.model ?? '?'}; reps ${reps}`);
console.log(`papaparse (sync, whole string, once): ${(parseUs / records.length).toFixed(2)} µs/row`);
console.log(`${pad('function', 30)} ${'median'.padStart(8)} ${'min'.padStart(8)}  µs/item   n`);
for (const r of results) console.log(`${pad(r.name, 30)} ${num(r.median)} ${num(r.min)}  ${String(r.n).padStart(7)}  ${r.note}`);
if (sink === 0.5) console.log(sink);
