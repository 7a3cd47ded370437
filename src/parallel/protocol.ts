import type {MessagePort} from 'node:worker_threads';
import type {CompanyCounts} from '../core/accounts.js';
import type {TextCellStats} from '../core/text-cells.js';
import type {BlockMeta, FormatRef} from '../io/formats/registry.js';
import type {DataPaths} from '../io/paths.js';
import type {ExportIndex, IndexedPart, PartPlan} from '../stages/account-index.js';
import type {RangeInput} from './enrich-range.js';
import type {Shard} from '../core/shard.js';
import type {SimulationResult, SimulationStates} from '../stages/simulate.js';

/**
 * Both pools stream their tables: a worker sends each filled block of piece `index` (a range, a chunk) of the
 * table at `path` (BlockOut: its bytes, encoded by the tables' format, whatever it is, their rows and what the
 * encoder reported of the block, see BlockMeta), and gets it back, written, for its next rows (through the port
 * BlockBack gives it, once). See
 * blockSender and blockReturner in parallel/worker-pool.ts.
 */
export type BlockOut = {type: 'bytes'; index: number; path: string; bytes: Uint8Array; rows: number; meta?: BlockMeta};
export type BlockBack = {type: 'blocks'; port: MessagePort};

/** Messages between the enrich stage and its range workers (src/parallel/company-worker.ts). */
export interface WorkerInit {
  configDir: string;
  paths: DataPaths;
  /** Under `run`: simulate deals, billing and unify too. */
  simulation?: {seed: number; asOf?: string; digest?: boolean; shard?: Shard};
  /** See setFormulaGuard in io/table-codec.ts. */
  formulaGuard: boolean;
  /** The tables' format (see loadFormat in io/formats/registry.ts); default: the first registered (CSV). */
  format?: FormatRef;
}

/**
 * 'range': range number `index` of the export (after the first pass: its records and the accounts they make);
 * the worker streams its tables' blocks back ('bytes'), then answers 'range-done'. 'finish': no more ranges
 * (answer 'done'). 'block': see BlockBack. 'summarize': the worker that did range 0 merges the other ranges' statistics, in order, into
 * that range's and makes the summaries.
 */
export type WorkerMessage =
  | {type: 'range'; index: number; range: RangeInput; previousCustomers: string[]}
  | BlockBack
  | {type: 'finish'}
  | {type: 'summarize'; states: SimulationStates[]}
  | {type: 'abort'};

export type {SimulationResult as SimulationSummaries} from '../stages/simulate.js';

export type WorkerReply =
  | {type: 'ready'}
  | {type: 'progress'; records: number}
  | BlockOut
  | {type: 'range-done'; index: number; written: number; counts: CompanyCounts; text: TextCellStats; states?: SimulationStates}
  | {type: 'done'; providerStats: Record<string, number>}
  | {type: 'summaries'; simulation: SimulationResult}
  | {type: 'aborted'}
  | {type: 'error'; message: string; exitCode: number};

/** The first pass on its own thread (src/parallel/index-worker.ts). */
export interface IndexInit {
  input: string;
  shard?: Shard;
  /** Where rejected rows go (written to its part file, see commitPart); absent under --dry-run. */
  rejects?: string;
  /** Compare account keys as strings (after a KeyCollision). */
  exactKeys?: boolean;
  /** IngestRules.goneNames (folded names of gone pages: such rows are rejected). */
  goneNames: string[];
  /** Index only this part of the export (see indexPart; the answer is 'part' or 'declined'). */
  part?: PartPlan;
  /** See setFormulaGuard in io/table-codec.ts. */
  formulaGuard: boolean;
  /** The rejects table's format (see WorkerInit.format). */
  format?: FormatRef;
}

export type IndexReply =
  | {type: 'progress'; rows: number}
  | {type: 'done'; index: ExportIndex}
  | {type: 'part'; part: IndexedPart}
  | {type: 'declined'; reason: string}
  | {type: 'error'; message: string; exitCode: number};

/** `run --from deals` on a large companies.csv: a worker taking chunks (src/parallel/simulate-worker.ts). */
export interface SimulateInit {
  paths: DataPaths;
  configDir: string;
  seed: number;
  asOf?: string;
  /** See SimulationStageInput.digest. */
  digest?: boolean;
  /** What the format's readers of chunks need (see ChunkedReading in io/formats/registry.ts). */
  context: unknown;
  /** The tables' format (see WorkerInit.format). */
  format?: FormatRef;
}

export type SimulateChunkMessage = {type: 'chunk'; index: number; chunk: {start: number; end: number}} | BlockBack;

export type SimulateChunkReply =
  | {type: 'ready'}
  | BlockOut
  | {type: 'done'; index: number; companies: number; states: SimulationStates; ids: BigUint64Array}
  | {type: 'error'; message: string};
