import type {CompanyCounts} from '../../core/accounts.js';
import type {Shard} from '../../core/shard.js';
import type {TextCellStats} from '../../core/text-cells.js';
import type {DataPaths} from '../../io/paths.js';
import type {Reporter} from '../../io/reporter.js';
import type {SimulationSummaries} from '../../parallel/protocol.js';
import type {EnrichmentProvider, EnrichPlan} from '../../providers/types.js';
import type {WorkerPolicy} from '../../parallel/worker-pool.js';

export interface EnrichOptions {
  input: string;
  /** How the summary names the input; default its path relative to the working directory. */
  inputName?: string;
  paths: DataPaths;
  configDir: string;
  limit?: number;
  provider: EnrichmentProvider;
  previousCustomers: ReadonlySet<string>;
  reporter: Reporter;
  /** --dry-run: plan the provider's calls, call nothing, write nothing. */
  dryRun?: boolean;
  /**
   * Called with the provider's plan before its first call, when its calls are paid (the plan has
   * confirm_above_usd): resolves to go ahead, throws to stop before any call (see confirmPaidCalls).
   */
  confirm?: (plan: EnrichPlan) => Promise<void>;
  /** --shard K/N: only the companies (and rejected rows) whose key hashes into this shard. */
  shard?: Shard;
  /**
   * Under `run`: simulate deals, billing and unify for every company written, in the same pass. The
   * summaries are left in `result`.
   */
  simulation?: {
    seed: number;
    asOf?: string;
    digest?: boolean;
    result?: SimulationSummaries;
    /**
     * Set when companies.csv and unified.csv (which the report does not read: it has the digest) were left to
     * be renamed into place in the background; they are in place when it settles. The caller must await it.
     */
    renamed?: Promise<void>;
  };
  /** Worker threads for the first and second passes (see WorkerPolicy). */
  workers?: WorkerPolicy;
  /** Bytes of the export per range of the second pass on worker threads (default RANGE_BYTES; tests, benchmarks). */
  rangeBytes?: number;
  /** Compare account keys as strings in the first pass (set after a KeyCollision; see KeyIds). */
  exactKeys?: boolean;
  /** Tests: the first pass's key hash, on this thread (see KeyIds). */
  hashKeys?: (key: string) => void;
}

export interface EnrichSummary {
  input_file: string;
  input_rows: number;
  companies: number;
  merged_rows: number;
  /** Of merged_rows: rows without a usable domain merged into the account of the one domain whose rows have their name. */
  merged_by_name: number;
  /** Rows without a usable domain whose name rows on two or more domains have: ambiguous, not merged (their own companies). */
  ambiguous_name_rows: number;
  rejected_rows: number;
  blank_lines: number;
  companies_written: number;
  skipped_by_limit: number;
  /** Under --shard: which shard this is (K/N) and how many input rows belong to other shards. */
  shard?: string;
  rows_in_other_shards?: number;
  provider: string;
  output: string;
  rejects_file: string;
  counts: CompanyCounts;
  /**
   * The text cells of companies.csv (see core/text-cells.ts): cells that start like a spreadsheet formula
   * (written with a leading apostrophe when formula_guard is on, as they are under --no-formula-guard) and
   * control characters removed. Absent under --dry-run.
   */
  text_cells?: {formula_guard: boolean} & TextCellStats;
  provider_stats: Record<string, number>;
  /** Set under --dry-run: what enriching would take. Nothing was called or written. */
  dry_run?: EnrichPlan;
}
