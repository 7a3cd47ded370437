import {readFileSync, writeFileSync} from 'node:fs';
import {join} from 'node:path';
import Papa from 'papaparse';
import Run from '../src/commands/run.js';
import {PipelineStats, type PipelineSnapshotRow} from '../src/core/pipeline-stats.js';
import {quarterEnd, quarterOf, quarterStart} from '../src/core/quarters.js';
import {createReporter} from '../src/io/reporter.js';
import {dataPaths} from '../src/io/paths.js';
import type {PipelineSnapshot} from '../src/schemas/history.js';
import {snapshotCodec} from '../src/stages/deals.js';
import {reportStage} from '../src/stages/report.js';
import {runCli, tempDir} from './helpers/cli.js';
import {CONFIG_DIR, SAMPLE, shippedConfig} from './helpers/simulation.js';

/**
 * `stedi-gtm report` computes quota attainment, coverage and slip from reps.csv, deals.csv and
 * pipeline_snapshots.csv streamed (the snapshot rows walked in step with the deals, never held): the same
 * figures as the pure accumulator fed the same rows. The snapshots here are made by hand from the run's deals
 * (whatever the simulation writes there today).
 */
let t: ReturnType<typeof tempDir>;
beforeAll(() => {
  t = tempDir();
});
afterAll(() => t.cleanup());

type DealCsv = {deal_id: string; owner: string; outcome: string; close_date: string; closed_arr: string; created_date: string; amount_arr: string};

/** Rows for each deal: a snapshot on the first Monday of every quarter it was open, expected in that quarter or the next. */
function craftSnapshots(deals: DealCsv[]): PipelineSnapshot[] {
  const rows: PipelineSnapshot[] = [];
  deals.forEach((d, i) => {
    const end = d.close_date || '2026-08-31';
    for (let q = quarterOf(d.created_date); quarterStart(q) <= end; q++) {
      const start = new Date(`${quarterStart(q)}T00:00:00Z`);
      const monday = new Date(start.getTime() + ((8 - start.getUTCDay()) % 7) * 86_400_000).toISOString().slice(0, 10);
      if (monday < d.created_date || monday > end) continue;
      rows.push({
        snapshot_date: monday,
        deal_id: d.deal_id,
        stage: 'discovery',
        amount_arr: Number(d.amount_arr),
        expected_close_date: quarterEnd(i % 3 === 0 ? q + 1 : q),
        forecast_category: 'pipeline',
        probability: 0.1,
      });
    }
  });
  return rows;
}

describe('report: pipeline figures from the tables', () => {
  it("equal the accumulator fed the same rows, also with snapshot rows out of the deals' order", async () => {
    const dir = join(t.dir, 'a');
    const r = await runCli(Run, [
      '--seed',
      '3',
      '--input',
      SAMPLE,
      '--config-dir',
      CONFIG_DIR,
      '--provider',
      'rules',
      '--no-report',
      '--quiet',
      '--data-dir',
      dir,
    ]);
    expect(r.exitCode).toBe(0);
    const paths = dataPaths(dir);
    const deals = Papa.parse<DealCsv>(readFileSync(paths.deals, 'utf8'), {header: true, skipEmptyLines: true}).data;
    const snapshots = craftSnapshots(deals);
    expect(snapshots.length).toBeGreaterThan(20);
    const config = shippedConfig();
    const expected = new PipelineStats({reps: config.reps, windowStart: config.simulation.window_start, asOf: config.simulation.as_of});
    for (const d of deals) expected.addDeal({...d, outcome: d.outcome, closed_arr: d.closed_arr === '' ? null : Number(d.closed_arr)});
    const closeOf = new Map(deals.map((d) => [d.deal_id, d.close_date]));
    for (const s of snapshots) expected.addSnapshot(s satisfies PipelineSnapshotRow, closeOf.get(s.deal_id)!);
    const want = expected.figures();
    expect(want.pipeline_quarters.some((q) => q.measured && q.coverage !== null)).toBe(true);

    for (const order of ['deals', 'shuffled'] as const) {
      const rows = order === 'deals' ? snapshots : [...snapshots.slice(1), snapshots[0]].reverse();
      writeFileSync(paths.snapshots, snapshotCodec.columns.join(',') + '\n' + rows.map((s) => snapshotCodec.line(s)).join(''));
      const got = await reportStage({paths, reporter: await createReporter('quiet')});
      expect([order, got.quota_attainment_share, got.median_pipeline_coverage, got.median_slip_rate]).toEqual([
        order,
        want.quota_attainment.at_quota_share,
        want.median_pipeline_coverage,
        want.median_slip_rate,
      ]);
      const html = readFileSync(join(dir, 'final', 'report.html'), 'utf8');
      expect(html).toContain('Quota attainment by rep');
      for (const rep of config.reps) expect(html).toContain(`<tr><th>${rep.name}</th>`);
      for (const q of want.pipeline_quarters) expect(html).toContain(`<th>${q.quarter}</th><td>${q.snapshot_date ?? 'none'}</td>`);
      expect(html).toContain('id="chart-pipeline_coverage"');
    }
  });
});
