import {countCompanies} from '../../core/accounts.js';
import type {Range} from '../../core/account-plan.js';
import {rangeInput, readForeign, type RangeInput} from '../../parallel/enrich-range.js';
import type {RangeWorkers} from '../../parallel/worker-client.js';
import {reportBilling} from '../billing.js';
import {reportDeals} from '../deals.js';
import {reportUnify} from '../unify.js';
import {simulationTables, writeSimulationSummaries} from '../simulate.js';
import {afterFailure, type SecondPass} from './second-pass.js';

/**
 * The second pass on worker threads cuts the export into ranges of about this many bytes (about 4,500 Clay
 * rows; at least one per worker, at most MAX_RANGES), handed out one at a time to whichever worker is free: a
 * worker slowed down (by the other threads of the process, or the machine) takes fewer ranges, where halves
 * would leave the other worker waiting for it. A range finished before the one ahead of it is held by the lead
 * thread until then (about 13 MB of tables per range at 1M rows): 8 MB ranges held up to 42 MB at once.
 */
const RANGE_BYTES = 4 << 20;
const MAX_RANGES = 256;

/** How many ranges the second pass cuts an export of `bytes` into, for `workers` threads. */
export function rangeCount(bytes: number, workers: number, rangeBytes = RANGE_BYTES): number {
  return Math.max(workers, Math.min(MAX_RANGES, Math.ceil(bytes / rangeBytes)));
}

/**
 * The second pass in contiguous ranges of the export that the pool's workers take in turn; this thread writes
 * each range's rows in range order (see RangeWorkers): the same bytes as one thread.
 */
export const rangeWorkers =
  (pool: RangeWorkers, ranges: readonly Range[]): SecondPass =>
  async ({opts, ex, out, enriched}) => {
    const {input, paths, reporter, provider} = opts;
    const tables = [paths.companies, ...(opts.simulation ? simulationTables(paths) : [])];
    reporter.start(`Enriching with ${provider.name} on ${pool.count} threads`, ex.inputRows);
    let result;
    try {
      // The per-account row counts are shared with the workers, not copied into every range's message.
      const rows = sharedCopy(ex.index.rows);
      const range = (k: number): RangeInput => {
        const r = rangeInput(input, ex, ranges[k], readForeign(input, ex, ranges[k]));
        // slice: a view would carry the whole array of every record into the message.
        return {...r, account: r.account.slice(), keyHash: r.keyHash.slice(), rows};
      };
      // With a report to make, the two big tables are put in place while it is drawn.
      const background = opts.simulation?.digest ? [paths.companies, paths.unified] : [];
      result = await pool.run(ranges.length, range, [...opts.previousCustomers], {all: tables, background}, (n) => reporter.progress(n));
      if (opts.simulation) opts.simulation.renamed = result.renamed;
      else await result.renamed;
      await out.commit();
    } catch (e) {
      throw await afterFailure(
        e,
        () => out.abortGroup(),
        () => out.abortRejects(),
      );
    }
    const counts = Object.assign(countCompanies([]), result.counts);
    enriched(result.written, counts);
    if (opts.simulation && result.simulation) {
      opts.simulation.result = result.simulation;
      // The workers computed the summaries; they are written here, staged into this command's commit.
      writeSimulationSummaries(paths, result.simulation);
      reportDeals(reporter, result.simulation.deals);
      reportBilling(reporter, result.simulation.billing);
      reportUnify(reporter, result.simulation.unify);
    }
    return {written: result.written, counts, providerStats: result.providerStats, workerText: result.text};
  };

/** A copy of `a` in shared memory (posted to workers without copying). */
function sharedCopy(a: Int32Array): Int32Array {
  const shared = new Int32Array(new SharedArrayBuffer(a.byteLength));
  shared.set(a);
  return shared;
}
