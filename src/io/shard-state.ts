import {readFileSync} from 'node:fs';
import {join} from 'node:path';
import type {SimulationStates} from '../stages/simulate.js';
import {writeTextAtomic} from './json.js';
import type {DataPaths} from './paths.js';

/**
 * interim/shard_state.json: what a shard (`run --shard K/N`) keeps for `stedi-gtm merge`: the additive states
 * of the deals, pipeline, billing and unify statistics (see core/merge.ts), from which merge computes the
 * summaries of the whole dataset without simulating again. (The report's company digest is left out: merge
 * reads the merged companies.csv for the report.) Written only under --shard.
 */
export const SHARD_STATE = 'interim/shard_state.json';

export type ShardState = Omit<SimulationStates, 'digest'>;

export const shardStatePath = (paths: Pick<DataPaths, 'root'>): string => join(paths.root, SHARD_STATE);

export function writeShardState(paths: Pick<DataPaths, 'root'>, states: SimulationStates): void {
  const {deals, pipeline, billing, billingWon, unify} = states;
  const state: ShardState = {deals, pipeline, billing, billingWon, unify};
  // (One line: lists of observations of a large shard are long.)
  writeTextAtomic(shardStatePath(paths), `${JSON.stringify(state)}\n`);
}

export function readShardState(dataDir: string): ShardState {
  return JSON.parse(readFileSync(join(dataDir, SHARD_STATE), 'utf8')) as ShardState;
}
