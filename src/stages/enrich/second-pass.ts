import {countCompanies, countCompany, type CompanyCounts} from '../../core/accounts.js';
import type {TextCellStats} from '../../core/text-cells.js';
import type {Company, CompanyBase} from '../../schemas/companies.js';
import type {ExportIndex} from '../account-index.js';
import type {EnrichOutput} from './output.js';
import type {EnrichOptions} from './types.js';

/**
 * The second pass of the enrich stage (clean, merge, enrich, write, and under `run` simulate), in one of two
 * ways behind this one type: on this thread (oneThread, any provider) or in ranges on worker threads
 * (rangeWorkers, the rules provider on a large plain-CSV export). Both write the same bytes.
 */
export type SecondPass = (p: SecondPassInput) => Promise<SecondPassResult>;

export interface SecondPassInput {
  opts: EnrichOptions;
  /** What the first pass found (accounts, their rows, offsets; --limit applied). */
  ex: ExportIndex;
  /** The tables this thread writes; the pass commits them (or aborts them when it fails). */
  out: EnrichOutput;
  /** Says how many companies were enriched: called once they are written, before the simulated stages report. */
  enriched(written: number, counts: CompanyCounts): void;
}

export type SecondPassResult =
  | {
      written: number;
      counts: CompanyCounts;
      /** The provider's statistics, when they were gathered elsewhere than in opts.provider (worker threads). */
      providerStats?: Record<string, number>;
      /** The text cells of companies.csv written by worker threads (this thread's are in companyCodec.textStats). */
      workerText?: TextCellStats;
    }
  /** --dry-run: the companies that would be enriched; nothing was called or written. */
  | {dryRun: CompanyBase[]};

/** Counts by ICP fit and tech of the companies written, one at a time. */
export class CompanyCounter {
  readonly counts: CompanyCounts = countCompanies([]);
  add(c: Company): void {
    countCompany(this.counts, c);
  }
}

/**
 * Runs the clean-ups of a failed pass, each one even when an earlier one fails (the workers must be stopped, or
 * the process would not exit), and returns the pass's error: it is the one to report, not a clean-up's.
 */
export async function afterFailure(e: unknown, ...cleanups: Array<() => unknown>): Promise<unknown> {
  for (const cleanup of cleanups) {
    try {
      await cleanup();
    } catch {
      // (Reported: e.)
    }
  }
  return e;
}
