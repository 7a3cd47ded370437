import {count, plural} from '../../core/format.js';
import {applyLimit, KeyCollision, splitRanges} from '../../core/account-plan.js';
import type {IngestRules} from '../../core/ingest.js';
import {formulaGuardOn} from '../../io/table-codec.js';
import {formatRef, tableFormat} from '../../io/formats/index.js';
import {writeJsonAtomic} from '../../io/json.js';
import {RangeWorkers} from '../../parallel/worker-client.js';
import {workerLimits} from '../../parallel/worker-pool.js';
import type {WorkerInit} from '../../parallel/protocol.js';
import {companyCodec} from '../codecs.js';
import {displayPath} from '../deals.js';
import {loadIngestRules} from './config.js';
import {dryRun} from './dry-run.js';
import {fileSize, indexAccounts, indexOnThread, workerCount} from './first-pass.js';
import {oneThread} from './one-thread.js';
import {EnrichOutput} from './output.js';
import {rangeCount, rangeWorkers} from './range-workers.js';
import {afterFailure, type SecondPass} from './second-pass.js';
import type {EnrichOptions, EnrichSummary} from './types.js';

/**
 * The enrich stage, streaming: the export is read twice, never held in memory. The first pass
 * (first-pass.ts, account-index.ts) reads only the key columns: each record's account, each account's row
 * count and last row, and the rejects. The second pass cleans each row, merges the rows of shared keys as soon
 * as the last one arrives, enriches each company and writes it (and, under `run`, hands it to the simulation
 * sink in the same pass). Companies come out in the order their last row appears. With the rules provider on a
 * large plain-CSV export, the second pass is cut into contiguous ranges that worker threads take in turn
 * (range-workers.ts); otherwise this thread reads it all (one-thread.ts): the same bytes either way.
 */
export async function runEnrich(opts: EnrichOptions): Promise<EnrichSummary> {
  const ingest = await loadIngestRules(opts.configDir);
  try {
    return await enrichOnce(opts, ingest);
  } catch (e) {
    // Two account keys shared a 64-bit hash in the first pass (see KeyIds): nothing was committed; start over
    // comparing the keys themselves.
    if (opts.exactKeys || !isKeyCollision(e)) throw e;
    opts.reporter.info('Two account keys shared a hash: reading the export again, comparing keys exactly');
    return enrichOnce({...opts, exactKeys: true}, ingest);
  }
}

const isKeyCollision = (e: unknown) => e instanceof KeyCollision || (e instanceof Error && e.message.startsWith('KeyCollision:'));

async function enrichOnce(opts: EnrichOptions, ingest: IngestRules): Promise<EnrichSummary> {
  const {input, paths, reporter, provider} = opts;
  const bytes = fileSize(input);
  const onThread = indexOnThread(opts, bytes);
  const out = new EnrichOutput(paths, {here: !opts.dryRun && !onThread, part: onThread && !opts.dryRun});
  const poolSize = workerCount(opts, bytes);

  // Pass 1: keys and rejects.
  let ex;
  try {
    ex = await indexAccounts(opts, ingest, out, onThread, bytes);
  } catch (e) {
    throw await afterFailure(
      e,
      () => out.abortGroup(),
      () => out.abortRejects(),
    );
  }
  applyLimit(ex.index, opts.limit ?? Infinity);

  // Pass 2: clean, merge, enrich, write. In ranges on worker threads (started now, not while the first pass
  // runs: loading their code takes about a second, and the two of them held about 100 MB while the first pass's
  // two threads made that pass the peak of `run` at 1M rows; see docs/performance.md, 2026-12-02), unless the
  // export is not plain CSV (no offsets to split at) or a single record: then one thread reads it all.
  const ranges =
    poolSize >= 2 && ex.index.offset ? splitRanges(ex.index, rangeCount(bytes, poolSize, opts.rangeBytes), tableFormat().companyGroups) : [];
  const simulation = opts.simulation && {seed: opts.simulation.seed, asOf: opts.simulation.asOf, digest: opts.simulation.digest, shard: opts.shard};
  const pool =
    ranges.length >= 2
      ? new RangeWorkers(
          Array.from({length: poolSize}, (): WorkerInit => ({
            configDir: opts.configDir,
            paths,
            simulation,
            formulaGuard: formulaGuardOn(),
            format: formatRef(),
          })),
          workerLimits(),
        )
      : undefined;
  const {inputRows, rejected, otherShards, accounts: companies, mergedByName, ambiguousByName} = ex;
  // Rows merged into another row's company: every row of an account but one (with or without --limit).
  const merged = ex.index.rows.reduce((n, r) => n + r, 0) - companies;
  // What the text cells of companies.csv held: this thread's cells (from here on), plus the workers'.
  const textBefore = {...companyCodec.textStats};
  const secondPass: SecondPass = pool ? rangeWorkers(pool, ranges) : oneThread;
  const done = await secondPass({
    opts,
    ex,
    out,
    // Said when the companies are written, before the stages simulated in the same pass report.
    enriched: (written, c) =>
      reporter.succeed(
        `Enriched ${plural(written, 'company', 'companies')} with ${provider.name}: ${count(c.icp_fit)} ICP fit, ${count(c.uses_x12)} X12, ` +
          `${count(c.uses_clearinghouse)} clearinghouse, ${count(c.uses_fhir)} FHIR, ${count(c.uses_hl7)} HL7`,
      ),
  });
  if ('dryRun' in done)
    return dryRun(opts, done.dryRun, {inputRows, companies, mergedRows: merged, mergedByName, ambiguousByName, rejected}, ex.blank);
  const {written, workerText} = done;

  const summary: EnrichSummary = {
    input_file: opts.inputName ?? displayPath(input),
    input_rows: inputRows,
    companies,
    merged_rows: merged,
    merged_by_name: mergedByName,
    ambiguous_name_rows: ambiguousByName,
    rejected_rows: rejected,
    blank_lines: ex.blank,
    companies_written: written,
    skipped_by_limit: companies - written,
    ...(opts.shard ? {shard: `${opts.shard.index + 1}/${opts.shard.count}`, rows_in_other_shards: otherShards} : {}),
    provider: provider.name,
    output: displayPath(paths.companies),
    rejects_file: displayPath(paths.rejects),
    counts: done.counts,
    text_cells: {
      formula_guard: formulaGuardOn(),
      formula_cells: companyCodec.textStats.formula_cells - textBefore.formula_cells + (workerText?.formula_cells ?? 0),
      control_chars_removed:
        companyCodec.textStats.control_chars_removed - textBefore.control_chars_removed + (workerText?.control_chars_removed ?? 0),
    },
    provider_stats: done.providerStats ?? provider.stats(),
  };
  writeJsonAtomic(paths.enrichSummary, summary);
  return summary;
}
