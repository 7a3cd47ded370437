#!/usr/bin/env node
// Times the simulation stage functions in-process (no CLI start-up) on a data dir that `run` or `enrich`
// made:  node bench/stages.mjs --data-dir /tmp/x [--seed 42] [--stage deals|billing|unify|all] [--repeat 3]
//        [--dist bench/out/dist]  (compiled code to use: default dist/; bench/build-private.sh builds bench/out/dist)
// Without --stage, runs each stage in a fresh child process (so each peak RSS is its own), then all three in
// sequence in one process. Prints wall time of the function call and the process's peak RSS. Build first
// (`npm run build`): it imports dist/.
import {spawnSync} from 'node:child_process';
import {resolve} from 'node:path';
import {parseArgs} from 'node:util';

const {values} = parseArgs({
  options: {
    'data-dir': {type: 'string'},
    'config-dir': {type: 'string', default: 'config'},
    seed: {type: 'string', default: '42'},
    stage: {type: 'string'},
    repeat: {type: 'string', default: '1'},
    limit: {type: 'string'},
    dist: {type: 'string', default: 'dist'},
  },
});
if (!values['data-dir']) {
  process.stderr.write('usage: node bench/stages.mjs --data-dir DIR [--seed N] [--stage deals|billing|unify|all] [--repeat N]\n');
  process.exit(2);
}
const root = resolve(import.meta.dirname, '..');
const dist = resolve(root, values.dist);
const STAGES = ['deals', 'billing', 'unify'];

const mib = (kib) => (kib / 1024).toFixed(0);

async function inProcess(stages) {
  const {dataPaths} = await import(`${dist}/io/paths.js`);
  const {runDeals} = await import(`${dist}/stages/deals.js`);
  const {runBilling} = await import(`${dist}/stages/billing.js`);
  const {runUnify} = await import(`${dist}/stages/unify.js`);
  // (Builds before 2026-12-02 keep the parallel machinery under stages/.)
  const {existsSync} = await import('node:fs');
  const parallel = existsSync(`${dist}/parallel/simulate-companies.js`) ? `${dist}/parallel` : `${dist}/stages`;
  const {simulateCompanies, chunkPolicyFromEnv: olderPolicy} = await import(`${parallel}/simulate-companies.js`);
  // (Builds before 2026-11-29 export the policy from simulate-companies.js; later ones from worker-pool.js.)
  const chunkPolicyFromEnv = olderPolicy ?? (await import(`${parallel}/worker-pool.js`)).chunkPolicyFromEnv;
  const {loadDealModel} = await import(`${dist}/stages/deals.js`);
  // 'together': the three in one pass over companies.csv (`run --from deals`), the deal model loaded in the call.
  const together = async (s) => simulateCompanies(s, await loadDealModel(s.configDir, s.asOf), chunkPolicyFromEnv());
  const fns = {deals: runDeals, billing: runBilling, unify: runUnify, together};
  const silent = {start() {}, progress() {}, succeed() {}, info() {}, warn() {}, stop() {}};
  const input = {
    paths: dataPaths(values['data-dir']),
    configDir: resolve(values['config-dir']),
    seed: Number(values.seed),
    limit: values.limit === undefined ? undefined : Number(values.limit),
    reporter: silent,
  };
  const lines = [];
  let total = 0;
  let totalCpu = 0;
  for (let r = 0; r < Number(values.repeat); r++) {
    for (const stage of stages) {
      const start = process.hrtime.bigint();
      const cpu = process.cpuUsage();
      await fns[stage](input);
      const seconds = Number(process.hrtime.bigint() - start) / 1e9;
      const used = process.cpuUsage(cpu);
      total += seconds;
      totalCpu += (used.user + used.system) / 1e6;
      lines.push(
        `${stage.padEnd(8)} ${seconds.toFixed(3).padStart(7)} s wall  ${((used.user + used.system) / 1e6).toFixed(3).padStart(7)} s cpu   peak RSS so far ${mib(process.resourceUsage().maxRSS)} MiB`,
      );
    }
  }
  if (stages.length > 1) lines.push(`${'total'.padEnd(8)} ${total.toFixed(3).padStart(7)} s wall  ${totalCpu.toFixed(3).padStart(7)} s cpu`);
  process.stdout.write(lines.join('\n') + '\n');
}

if (values.stage && values.stage !== 'fresh') {
  await inProcess(values.stage === 'all' ? STAGES : [values.stage]);
} else {
  process.stdout.write('each stage in a fresh process:\n');
  const pass = [
    '--data-dir',
    values['data-dir'],
    '--config-dir',
    values['config-dir'],
    '--seed',
    values.seed,
    '--repeat',
    values.repeat,
    '--dist',
    values.dist,
  ];
  if (values.limit) pass.push('--limit', values.limit);
  for (const stage of STAGES) {
    const r = spawnSync(process.execPath, [import.meta.filename, ...pass, '--stage', stage], {
      encoding: 'utf8',
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    process.stdout.write(r.stdout);
    if (r.status !== 0) process.exit(r.status ?? 1);
  }
  process.stdout.write('all three in one process:\n');
  await inProcess(STAGES);
}
