import {hash32} from './hash.js';

/** `--shard K/N`: which of N shards a company key (or a rejected row's text) belongs to, 0-based. */
export function shardOf(key: string, count: number): number {
  return count <= 1 ? 0 : hash32('shard', key) % count;
}

export interface Shard {
  /** 0-based shard index (the flag says K/N with K from 1 to N). */
  index: number;
  count: number;
}

/** Parses `K/N` (1 <= K <= N); returns an error message when it is not one. */
export function parseShard(text: string): Shard | string {
  const m = /^\s*(\d+)\s*\/\s*(\d+)\s*$/.exec(text);
  if (!m) return `--shard ${JSON.stringify(text)} is not K/N (e.g. --shard 2/8)`;
  const k = Number(m[1]);
  const n = Number(m[2]);
  if (n < 1 || k < 1 || k > n) return `--shard ${text}: K must be between 1 and N (e.g. --shard 2/8)`;
  return {index: k - 1, count: n};
}

/**
 * The batch engines `--shard auto` reads its shard from, in the order they are tried: the variables that give
 * the task's index and the task count, and whether the index is 0-based. (Kubernetes Indexed Jobs give no
 * count: it comes from --shard-count.) STEDI_GTM_SHARD is 1-based, like --shard K/N, for GitHub Actions
 * matrices and anything else that can set a variable.
 */
export const SHARD_ENGINES = [
  {engine: 'STEDI_GTM_SHARD', index: 'STEDI_GTM_SHARD', count: 'STEDI_GTM_SHARD_COUNT', zeroBased: false},
  {engine: 'a Slurm array job', index: 'SLURM_ARRAY_TASK_ID', count: 'SLURM_ARRAY_TASK_COUNT', zeroBased: true, min: 'SLURM_ARRAY_TASK_MIN'},
  {engine: 'an AWS Batch array job', index: 'AWS_BATCH_JOB_ARRAY_INDEX', count: 'AWS_BATCH_JOB_ARRAY_SIZE', zeroBased: true},
  {engine: 'a Cloud Run job', index: 'CLOUD_RUN_TASK_INDEX', count: 'CLOUD_RUN_TASK_COUNT', zeroBased: true},
  {engine: 'a Kubernetes Indexed Job', index: 'JOB_COMPLETION_INDEX', count: undefined, zeroBased: true},
] as const;

const wholeNumber = (text: string | undefined): number | undefined => (text !== undefined && /^\s*\d+\s*$/.test(text) ? Number(text) : undefined);

/** A variable as set, for a message: NAME=4, or NAME="x" when its value is not plain digits. */
const shown = (name: string, value: string | undefined): string => `${name}=${/^\d+$/.test(value ?? '') ? value : JSON.stringify(value)}`;

/**
 * `--shard auto`: the shard of this task, from the batch engine's environment (see SHARD_ENGINES), mapped to
 * K/N with K from 1. Slurm: K = SLURM_ARRAY_TASK_ID - SLURM_ARRAY_TASK_MIN + 1 (an array need not start at 0),
 * N = SLURM_ARRAY_TASK_COUNT. `count`: --shard-count, which a Kubernetes Indexed Job needs (its completions)
 * and which, given, must agree with the engine's own count. Returns the shard and the engine, or an error
 * message (no engine found, a missing or bad count, an index out of range).
 */
export function shardFromEnv(env: Readonly<Record<string, string | undefined>>, count?: number): {shard: Shard; engine: string} | string {
  for (const e of SHARD_ENGINES) {
    const raw = env[e.index];
    if (raw === undefined || raw.trim() === '') continue;
    // The variable and its value, then the engine it stands for when that is not the variable itself.
    const engine = e.engine === e.index ? '' : ` (${e.engine})`;
    const setting = `${shown(e.index, raw)}${engine}`;
    const index = wholeNumber(raw);
    if (index === undefined) return `--shard auto: ${setting} is not a whole number`;
    let k = e.zeroBased ? index + 1 : index;
    let from = setting;
    if ('min' in e) {
      const given = env[e.min];
      const min = wholeNumber(given);
      if (given !== undefined && min === undefined) return `--shard auto: ${shown(e.min, given)} is not a whole number`;
      k = index - (min ?? 0) + 1;
      from += min === undefined ? ` with ${e.min} not set (0)` : ` with ${shown(e.min, given)}`;
    }
    const countVar: string | undefined = e.count;
    const given = countVar === undefined ? undefined : env[countVar];
    const fromEnv = wholeNumber(given);
    const countSetting = countVar === undefined ? '' : shown(countVar, given);
    if (given !== undefined && given.trim() !== '' && fromEnv === undefined) return `--shard auto: ${countSetting} is not a whole number`;
    if (fromEnv !== undefined && count !== undefined && fromEnv !== count)
      return `--shard auto: --shard-count ${count} disagrees with ${countSetting}${engine}; leave out --shard-count`;
    const n = fromEnv ?? count;
    if (n === undefined) {
      return countVar === undefined
        ? `--shard auto: ${setting} is set but the number of shards is not: give --shard-count N (the Job's completions)`
        : `--shard auto: ${setting} is set but ${countVar} is not: set it, or give --shard-count N`;
    }
    const of = fromEnv !== undefined ? countSetting : `--shard-count ${n}`;
    if (n < 1 || k < 1 || k > n) return `--shard auto: ${from} and ${of} make shard ${k} of ${n}: K must be between 1 and N`;
    return {shard: {index: k - 1, count: n}, engine: e.engine};
  }
  return `--shard auto: no shard in the environment (none of ${SHARD_ENGINES.map((e) => e.index).join(', ')} is set): use --shard K/N, or set STEDI_GTM_SHARD and STEDI_GTM_SHARD_COUNT`;
}

/** The --shard flag (K/N or auto, with --shard-count) as a shard, or an error message; `env`: the process's environment. */
export function resolveShard(
  flag: string,
  env: Readonly<Record<string, string | undefined>>,
  count?: number,
): {shard: Shard; engine?: string} | string {
  if (flag.trim() === 'auto') return shardFromEnv(env, count);
  if (count !== undefined) return `--shard-count goes with --shard auto (--shard ${flag} already says how many shards)`;
  const parsed = parseShard(flag);
  return typeof parsed === 'string' ? parsed : {shard: parsed};
}

/** K/N, K from 1. */
export const formatShard = (s: Shard): string => `${s.index + 1}/${s.count}`;

/** The manifest's record of a shard (k from 1) from a summary's `shard` (K/N); none when unsharded. */
export function shardRecord(text: string | undefined): {shard: {k: number; n: number}} | undefined {
  const parsed = text === undefined ? undefined : parseShard(text);
  return parsed === undefined || typeof parsed === 'string' ? undefined : {shard: {k: parsed.index + 1, n: parsed.count}};
}
