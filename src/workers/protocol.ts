import type {CompanyCounts} from '../core/accounts.js';
import type {DataPaths} from '../io/paths.js';
import type {CompanyBase} from '../schemas/companies.js';
import type {BillingSummary} from '../stages/billing.js';
import type {DealsSummary} from '../stages/deals.js';
import type {UnifySummary} from '../stages/unify.js';

/** Messages between the enrich stage and its company worker (src/workers/company-worker.ts). */
export interface WorkerInit {
  configDir: string;
  paths: DataPaths;
  /** Under `run`: simulate deals, billing and unify too. */
  simulation?: {seed: number; asOf?: string};
}

export type WorkerMessage = {type: 'batch'; companies: CompanyBase[]} | {type: 'end'} | {type: 'abort'};

export interface SimulationSummaries {
  deals: DealsSummary;
  billing: BillingSummary;
  unify: UnifySummary;
}

export type WorkerReply =
  | {type: 'ready'}
  | {type: 'ack'; written: number}
  | {type: 'done'; written: number; counts: CompanyCounts; providerStats: Record<string, number>; simulation?: SimulationSummaries}
  | {type: 'aborted'}
  | {type: 'error'; message: string; exitCode: number};
