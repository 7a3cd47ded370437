import {Flags} from '@oclif/core';
import {BaseCommand} from '../base-command.js';
import {plural} from '../core/format.js';
import {enrichFlags, simulationFlags} from '../flags.js';
import {UserError} from '../errors.js';
import {fileSha256, recordSources, sourceOf} from '../io/provenance.js';
import {formatBillingSummary, runBilling, type BillingSummary} from '../stages/billing.js';
import {formatIsoDay} from '../core/calendar.js';
import {formatDealsSummary, loadDealModel, type DealsSummary} from '../stages/deals.js';
import type {EnrichStageInput, EnrichSummary} from '../stages/enrich.js';
import {chunkPolicyFromEnv} from '../parallel/worker-pool.js';
import {simulateCompanies} from '../parallel/simulate-companies.js';
import type {SimulationResult} from '../stages/simulate.js';
import {runUnify, type UnifySummary} from '../stages/unify.js';
import type {ReportResult} from '../stages/report.js';
import {STAGE_READS} from '../io/manifest.js';
import {pickPipelineFigures} from '../core/pipeline-stats.js';
import {readablePaths} from '../io/dataset.js';
import {shardRecord} from '../core/shard.js';
import {writeShardState} from '../io/shard-state.js';

/** The stages `run --from` can start at, in pipeline order. */
export const RUN_STAGES = ['enrich', 'deals', 'billing', 'unify'] as const;

export interface RunSummary {
  seed: number;
  as_of: string;
  /** The stage the run started at (--from). */
  from: (typeof RUN_STAGES)[number];
  /** Absent under --from deals, billing or unify. */
  enrich?: EnrichSummary;
  /** Absent under --dry-run (the pipeline stops after the enrichment plan), --from billing and --from unify. */
  deals?: DealsSummary;
  /** Absent under --dry-run and --from unify. */
  billing?: BillingSummary;
  unify?: UnifySummary;
  /** The headline figures and the report's path; absent under --no-report. */
  report?: ReportResult;
  /** Every calibration warning of the deals and billing stages. */
  warnings: string[];
}

export default class Run extends BaseCommand<typeof Run> {
  static summary = 'Run the whole pipeline: enrich, deals, billing, unify.';
  static description = `Runs every stage in order with the same flags and prints each stage's summary. The outputs are <data-dir>/raw/companies.csv, <data-dir>/raw/leads.csv, <data-dir>/raw/deals.csv, <data-dir>/raw/opportunity_history.csv, <data-dir>/raw/pipeline_snapshots.csv, <data-dir>/raw/reps.csv, <data-dir>/raw/billing.csv, <data-dir>/raw/invoices.csv, <data-dir>/final/arr_movements.csv and <data-dir>/final/unified.csv. The same seed and input give byte-identical files, the same bytes as running the stages one by one.`;

  static examples = [
    {command: '<%= config.bin %> run --seed 42 --provider rules', description: 'Build the whole dataset from the default export, enriched offline.'},
    {command: '<%= config.bin %> run --input exports/clay.csv --data-dir out --provider rules --json', description: 'Another export into out/, the summaries as one JSON object.'},
    {command: '<%= config.bin %> run --as-of 2025-06-30 --provider rules', description: 'The dataset as it looked at the end of Q2 2025.'},
    {command: '<%= config.bin %> run --from deals --seed 7', description: 'Simulate again with another seed from the companies already enriched in data/raw/companies.csv (deals, billing and unify in one pass).'},
  ];

  static flags = {
    ...enrichFlags,
    ...simulationFlags,
    from: Flags.string({
      description: 'Start at this stage, from the tables already in <data-dir> (deals: deals, billing and unify in one pass over companies.csv).',
      options: [...RUN_STAGES],
      default: 'enrich',
    }),
    report: Flags.boolean({
      description: 'Write <data-dir>/final/report.html and print the summary table at the end (--no-report: neither).',
      default: true,
      allowNo: true,
    }),
  };

  protected readsInput(): boolean {
    return this.flags.from === 'enrich';
  }

  async run(): Promise<RunSummary> {
    const from = this.flags.from as RunSummary['from'];
    if (from !== 'enrich') {
      // Every flag of enrichment, given explicitly (not by default or from the environment).
      const given = (name: string) => this.argv.some((a) => a === `--${name}` || a.startsWith(`--${name}=`) || (name === 'formula-guard' && a === '--no-formula-guard'));
      for (const flag of ['shard', 'dry-run', 'input', 'provider', 'cache-dir', ...Object.keys(enrichFlags)]) {
        if (given(flag)) throw new UserError(`--${flag === 'formula-guard' && this.argv.includes('--no-formula-guard') ? 'no-formula-guard' : flag} applies to enrichment, which --from ${from} skips: leave out one or the other`);
      }
    }
    const s = await this.setup({writes: !this.flags['dry-run']});
    const asOf = this.flags['as-of'];
    // The deal model and --as-of are checked before the (possibly slow, paid) enrichment.
    const loaded = await loadDealModel(s.configDir, asOf);
    // The report's chart modules load while the pipeline runs (this thread mostly waits for its workers then).
    // enrich and report load only when this run uses them (start-up time of `run --from deals`).
    const reportLoading = this.flags.report ? import('../stages/report.js') : undefined;
    reportLoading?.then((m) => m.preloadCharts()).catch(() => undefined);
    const stage = {...s, asOf, digest: this.flags.report};
    const threads = chunkPolicyFromEnv();
    let enrich: EnrichSummary | undefined;
    let simulated: SimulationResult | undefined;
    let renamed: Promise<void> | undefined;
    let companiesHash: Promise<string> | undefined;
    if (from === 'enrich') {
      const simulation: NonNullable<EnrichStageInput['simulation']> = {seed: s.seed, asOf, digest: this.flags.report};
      const {enrichStage} = await import('../stages/enrich.js');
      enrich = await enrichStage({...s, provider: this.flags.provider, providerFlags: this.flags, confirm: this.confirmer(s.reporter), simulation, workers: threads.workers, rangeBytes: threads.chunkBytes});
      if (enrich.dry_run || !simulation.result) {
        s.reporter.info('--dry-run: nothing was written, so deals, billing and unify were skipped');
        return {seed: s.seed, as_of: formatIsoDay(loaded.asOf), from, enrich, warnings: []};
      }
      simulated = simulation.result;
      renamed = simulation.renamed;
    } else if (from === 'deals') {
      // companies.csv is hashed (for the record of what the deals are made from) on its own thread meanwhile.
      companiesHash = fileSha256(s.paths.companies);
      companiesHash.catch(() => undefined);
      simulated = await simulateCompanies(stage, loaded, threads);
    }
    const deals = simulated?.deals;
    const billing = simulated?.billing ?? (from === 'billing' ? await runBilling(stage) : undefined);
    // A stage reads what an earlier stage of this run wrote from its temporary file (in place only at the commit).
    const unify = simulated?.unify ?? (await runUnify({...stage, paths: readablePaths(stage.paths)}));
    // Companies simulated in this run were digested as they went: the report need not read companies.csv again.
    const reporting = await reportLoading;
    const report = reporting ? await reporting.reportStage({...s, digest: simulated?.digest, pipeline: deals && pickPipelineFigures(deals), readFrom: readablePaths(s.paths)}) : undefined;
    // The big tables may still be going into place (see EnrichOptions.simulation.renamed).
    await renamed;
    // The tables made in this pass belong together (see io/provenance.ts).
    if (deals) recordSources(s.paths, {deals: await sourceOf(s.paths, 'deals', s.seed, deals.as_of, companiesHash), billing: await sourceOf(s.paths, 'billing', s.seed, deals.as_of)});
    // Everything written goes into place together, with the manifest.
    // (What a stage of this run read from an earlier one is left out: the manifest records the reads of the folder.)
    const reads = [...RUN_STAGES.slice(RUN_STAGES.indexOf(from)).flatMap((stage) => STAGE_READS[stage]), ...(report ? STAGE_READS.report : [])];
    // A shard keeps its statistics for `stedi-gtm merge` to add up (see stages/merge.ts).
    const shard = shardRecord(enrich?.shard);
    if (shard && simulated?.states) writeShardState(s.paths, simulated.states);
    await this.commitDataset({as_of: unify.as_of, from, reads, record: shard});
    if (!this.flags.quiet && !this.jsonEnabled()) {
      this.say([
        ...(deals ? [formatDealsSummary(deals)] : []),
        ...(billing ? [formatBillingSummary(billing)] : []),
        `Unified ${plural(unify.rows, 'row')} (${plural(unify.deal_rows, 'deal')} + ${plural(unify.no_opportunity_rows, 'company', 'companies')} without a deal) into ${unify.output}`,
      ].join('\n'));
      if (report && reporting) this.say(`\n${reporting.formatSummaryTable(report).trimEnd()}`);
    }
    return {seed: billing?.seed ?? s.seed, as_of: unify.as_of, from, enrich, deals, billing, unify, report, warnings: [...(deals?.warnings ?? []), ...(billing?.warnings ?? [])]};
  }
}
