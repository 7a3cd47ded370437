import type {CompanyCounts} from '../core/accounts.js';
import type {Newline} from '../io/csv-scan.js';
import type {DataPaths} from '../io/paths.js';
import type {ExportIndex} from '../stages/account-index.js';
import type {RangeInput} from '../stages/enrich-range.js';
import type {Shard} from '../core/shard.js';
import type {SimulationResult, SimulationStates} from '../stages/simulate.js';

/** Messages between the enrich stage and its range workers (src/workers/company-worker.ts). */
export interface WorkerInit {
  configDir: string;
  paths: DataPaths;
  /** Which part of the tables this worker writes (see partPath in io/writer-group.ts). */
  part: number;
  /** Under `run`: simulate deals, billing and unify too. */
  simulation?: {seed: number; asOf?: string; digest?: boolean};
}

/**
 * 'range': the records to read and the accounts they make (after the first pass); 'summarize': after every
 * worker is done, part 0 merges the others' statistics and writes the summaries.
 */
export type WorkerMessage =
  | {type: 'range'; range: RangeInput; previousCustomers: string[]}
  | {type: 'summarize'; states: SimulationStates[]}
  | {type: 'abort'};

export type {SimulationResult as SimulationSummaries} from '../stages/simulate.js';

export type WorkerReply =
  | {type: 'ready'}
  | {type: 'progress'; records: number}
  | {type: 'done'; written: number; counts: CompanyCounts; providerStats: Record<string, number>; states?: SimulationStates}
  | {type: 'summaries'; simulation: SimulationResult}
  | {type: 'aborted'}
  | {type: 'error'; message: string; exitCode: number};

/** The first pass on its own thread (src/workers/index-worker.ts). */
export interface IndexInit {
  input: string;
  shard?: Shard;
  /** Where rejected rows go (written as part 0 of this table); absent under --dry-run. */
  rejects?: string;
  /** Compare account keys as strings (after a KeyCollision). */
  exactKeys?: boolean;
}

export type IndexReply = {type: 'progress'; rows: number} | {type: 'done'; index: ExportIndex} | {type: 'error'; message: string; exitCode: number};

/** `run --from deals` on a large companies.csv: a worker taking chunks (src/workers/simulate-worker.ts). */
export interface SimulateInit {
  paths: DataPaths;
  configDir: string;
  seed: number;
  asOf?: string;
  /** See SimulationStageInput.digest. */
  digest?: boolean;
  /** companies.csv's header and newline (the chunks have no header). */
  header: string[];
  newline: Newline;
}

export type SimulateChunkMessage = {type: 'chunk'; index: number; chunk: {start: number; end: number}};

export type SimulateChunkReply =
  | {type: 'ready'}
  | {type: 'done'; index: number; companies: number; states: SimulationStates}
  | {type: 'error'; message: string};
