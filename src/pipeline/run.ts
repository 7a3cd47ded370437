import type {Setup} from '../base-command.js';
import {formatIsoDay} from '../core/calendar.js';
import {pickPipelineFigures} from '../core/pipeline-stats.js';
import {readablePaths} from '../io/dataset.js';
import {STAGE_READS} from '../io/manifest.js';
import {fileSha256, recordSources, sourceOf} from '../io/provenance.js';
import {simulateCompanies} from '../parallel/simulate-companies.js';
import type {ChunkPolicy} from '../parallel/worker-pool.js';
import {runBilling, type BillingSummary} from '../stages/billing.js';
import {loadDealModel, type DealsSummary, type LoadedDealModel} from '../stages/deals.js';
import type {EnrichStageInput, EnrichSummary} from '../stages/enrich.js';
import type {ReportResult} from '../stages/report.js';
import type {CompanyDigestState, FigureState} from '../core/report/figures.js';
import {shardRecord} from '../core/shard.js';
import {writeShardState} from '../io/shard-state.js';
import type {SimulationResult} from '../stages/simulate.js';
import {runUnify, type UnifySummary} from '../stages/unify.js';

/**
 * The pipeline service: the order of the stages of `run`, where `--from` starts, and what each stage does
 * under `run`. The command only parses flags, calls runPipeline and prints. (enrich and report are imported
 * only when a run uses them: `run --from deals` starts without the providers or the chart modules; see
 * test/start-modules.test.ts.)
 */

/** The stages `run --from` can start at, in pipeline order. */
export const RUN_STAGES = ['enrich', 'deals', 'billing', 'unify'] as const;
export type RunStage = (typeof RUN_STAGES)[number];

export interface RunSummary {
  seed: number;
  as_of: string;
  /** The stage the run started at (--from). */
  from: RunStage;
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

export interface PipelineInput extends Setup {
  from: RunStage;
  /** --as-of (undefined: the deal model's default). */
  asOf?: string;
  /** Write the report at the end (--report). */
  report: boolean;
  /** How enrichment runs (--from enrich only): the --provider flag, the parsed flags and the paid-calls check. */
  enrich: Pick<EnrichStageInput, 'provider' | 'providerFlags' | 'confirm'>;
  /** Worker threads and chunk sizes (see chunkPolicyFromEnv). */
  threads: ChunkPolicy;
  /** Puts everything written in place together, with the manifest (BaseCommand.commitDataset). */
  commit(run: {as_of: string; from: RunStage; reads: readonly string[]; record?: ReturnType<typeof shardRecord>}): Promise<unknown>;
}

/** What the stages of this run have made so far (a stage's step may make the later stages' summaries too). */
interface Made {
  enrich?: EnrichSummary;
  deals?: DealsSummary;
  billing?: BillingSummary;
  unify?: UnifySummary;
  /** The companies' digest, when they were simulated in this run (the report then need not read companies.csv). */
  digest?: CompanyDigestState;
  /** The report's figures of the deals, contracts and invoices, made with them (the report then reads no table). */
  figures?: FigureState;
  /** Tables still being renamed into place (see EnrichOptions.simulation.renamed). */
  renamed?: Promise<void>;
  /** companies.csv's SHA-256, when this run read it rather than wrote it (see io/provenance.ts). */
  companiesHash?: Promise<string>;
  /** The simulation's additive statistics (a shard keeps them for `merge`). */
  states?: SimulationResult['states'];
  /** --dry-run: nothing was written; the run stops. */
  stopped?: boolean;
}

type Step = (p: PipelineInput, loaded: LoadedDealModel, made: Made) => Promise<void>;

/**
 * What each stage does when `run` reaches it and no earlier step has made its summary. enrich and deals
 * simulate the companies in one pass (deals, billing and unify); billing and unify run on their own only
 * under --from billing and --from unify. A new stage goes into RUN_STAGES (its place in the order), here, and
 * STAGE_READS (io/manifest.ts).
 */
const STEPS: Record<RunStage, Step> = {
  async enrich(p, _loaded, made) {
    const simulation: NonNullable<EnrichStageInput['simulation']> = {seed: p.seed, asOf: p.asOf, digest: p.report};
    const {enrichStage} = await import('../stages/enrich.js');
    made.enrich = await enrichStage({...p, ...p.enrich, simulation, workers: p.threads.workers, rangeBytes: p.threads.chunkBytes});
    if (made.enrich.dry_run || !simulation.result) {
      p.reporter.info('--dry-run: nothing was written, so deals, billing and unify were skipped');
      made.stopped = true;
      return;
    }
    Object.assign(made, simulated(simulation.result));
    made.renamed = simulation.renamed;
  },
  async deals(p, loaded, made) {
    // companies.csv is hashed (for the record of what the deals are made from) on its own thread meanwhile.
    made.companiesHash = fileSha256(p.paths.companies);
    made.companiesHash.catch(() => undefined);
    Object.assign(made, simulated(await simulateCompanies(stageInput(p), loaded, p.threads)));
  },
  async billing(p, _loaded, made) {
    made.billing = await runBilling(stageInput(p));
  },
  async unify(p, _loaded, made) {
    // A stage reads what an earlier stage of this run wrote from its temporary file (in place only at the commit).
    made.unify = await runUnify({...stageInput(p), paths: readablePaths(p.paths)});
  },
};

const simulated = (r: SimulationResult): Made => ({
  deals: r.deals,
  billing: r.billing,
  unify: r.unify,
  digest: r.digest,
  figures: r.figures,
  states: r.states,
});

/** What the deals, billing and unify stages are given (the companies' digest only when there is a report to make). */
const stageInput = (p: PipelineInput) => ({...p, digest: p.report});

/**
 * Runs the stages from `p.from` on in order, then the report (unless --no-report), records where the tables
 * came from and commits the dataset.
 */
export async function runPipeline(p: PipelineInput): Promise<RunSummary> {
  const {from} = p;
  // The deal model and --as-of are checked before the (possibly slow, paid) enrichment.
  const loaded = await loadDealModel(p.configDir, p.asOf);
  const made: Made = {};
  for (const stage of RUN_STAGES.slice(RUN_STAGES.indexOf(from))) {
    if (made[stage]) continue; // made in an earlier stage's pass
    await STEPS[stage](p, loaded, made);
    if (made.stopped) return {seed: p.seed, as_of: formatIsoDay(loaded.asOf), from, enrich: made.enrich, warnings: []};
  }
  const {deals, billing} = made;
  const unify = made.unify!;
  // Companies simulated in this run were digested as they went: the report need not read companies.csv again.
  // (The report's modules, and its chart modules, load only now: not held through the pass, when memory peaks.)
  const reporting = p.report ? await import('../stages/report.js') : undefined;
  const report = reporting
    ? await reporting.reportStage({
        ...p,
        digest: made.digest,
        figures: made.figures,
        pipeline: deals && pickPipelineFigures(deals),
        readFrom: readablePaths(p.paths),
      })
    : undefined;
  // The big tables may still be going into place (see EnrichOptions.simulation.renamed).
  await made.renamed;
  // The tables made in this pass belong together (see io/provenance.ts).
  if (deals)
    recordSources(p.paths, {
      deals: await sourceOf(p.paths, 'deals', p.seed, deals.as_of, made.companiesHash),
      billing: await sourceOf(p.paths, 'billing', p.seed, deals.as_of),
    });
  // Everything written goes into place together, with the manifest.
  // (What a stage of this run read from an earlier one is left out: the manifest records the reads of the folder.)
  const reads = [...RUN_STAGES.slice(RUN_STAGES.indexOf(from)).flatMap((stage) => STAGE_READS[stage]), ...(report ? STAGE_READS.report : [])];
  // A shard keeps its statistics for `stedi-gtm merge` to add up (see stages/merge.ts).
  const shard = shardRecord(made.enrich?.shard);
  if (shard && made.states) writeShardState(p.paths, made.states);
  await p.commit({as_of: unify.as_of, from, reads, record: shard});
  return {
    seed: billing?.seed ?? p.seed,
    as_of: unify.as_of,
    from,
    enrich: made.enrich,
    deals,
    billing,
    unify,
    report,
    warnings: [...(deals?.warnings ?? []), ...(billing?.warnings ?? [])],
  };
}
