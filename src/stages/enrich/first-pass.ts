import {statSync} from 'node:fs';
import {availableParallelism} from 'node:os';
import {basename} from 'node:path';
import {count, plural} from '../../core/format.js';
import type {IngestRules} from '../../core/ingest.js';
import {formulaGuardOn} from '../../io/table-codec.js';
import {formatRef} from '../../io/formats/index.js';
import {indexInParts, indexInWorker, rangeWorkersAvailable} from '../../parallel/worker-client.js';
import {indexExport, type ExportIndex} from '../account-index.js';
import type {EnrichOutput} from './output.js';
import type {EnrichOptions} from './types.js';

/**
 * Exports of this size or more (about 20,000 Clay rows; any size when the thread count is set) are indexed on a
 * thread of their own; from PARALLEL_INDEX_BYTES (about 75,000 rows), on two threads at once, one half each.
 */
const INDEX_THREAD_BYTES = 16 << 20;
const PARALLEL_INDEX_BYTES = 64 << 20;

export function fileSize(file: string): number {
  try {
    return statSync(file).size;
  } catch {
    return 0; // indexExport reports the missing file
  }
}

/**
 * Whether the first pass runs on a thread of its own (a large export: the key table and the garbage of the
 * pass go with it); it then writes the rejects to a part file, put in place with the other tables.
 */
export function indexOnThread(opts: EnrichOptions, bytes: number): boolean {
  return (
    (opts.workers ?? 'auto') !== 'off' &&
    rangeWorkersAvailable() &&
    !opts.hashKeys &&
    (bytes >= INDEX_THREAD_BYTES || typeof opts.workers === 'number')
  );
}

/**
 * How many range workers the second pass uses: 0 = none (this thread reads the whole file). Decided before
 * the first pass, from the file's size (INDEX_THREAD_BYTES is about 20,000 Clay rows).
 */
export function workerCount(opts: EnrichOptions, bytes: number): number {
  if (opts.provider.pureRules !== true || opts.dryRun || !rangeWorkersAvailable()) return 0;
  const policy = opts.workers ?? 'auto';
  if (policy === 'off') return 0;
  if (typeof policy === 'number') return policy;
  return bytes >= INDEX_THREAD_BYTES ? Math.max(2, Math.min(availableParallelism(), 4)) : 0;
}

/**
 * Pass 1: each record's account, each account's row count and last row, and the rejects (see
 * account-index.ts); on this thread, on an index thread (`onThread`), or on two at once for a large export.
 */
export async function indexAccounts(
  opts: EnrichOptions,
  ingest: IngestRules,
  out: EnrichOutput,
  onThread: boolean,
  bytes: number,
): Promise<ExportIndex> {
  const {input, shard, reporter} = opts;
  reporter.start(`Scanning ${basename(input)}`);
  const init = {
    input,
    shard,
    exactKeys: opts.exactKeys,
    goneNames: [...ingest.goneNames],
    formulaGuard: formulaGuardOn(),
    format: formatRef(),
    ...(onThread && !opts.dryRun ? {rejects: opts.paths.rejects} : {}),
  };
  const progress = (n: number) => reporter.progress(n);
  // A large export (or any, when the thread count is set) is indexed in two halves at once when it can be.
  const halves = onThread && !opts.exactKeys && (bytes >= PARALLEL_INDEX_BYTES || typeof opts.workers === 'number');
  const ex = onThread
    ? ((halves ? await indexInParts(init, progress) : undefined) ?? (await indexInWorker(init, progress)))
    : await indexExport(input, {
        shard,
        reporter,
        exactKeys: opts.exactKeys,
        hashKeys: opts.hashKeys,
        ingest,
        onReject: (r) => out.writeReject(r),
        onRestart: () => out.restart(),
      });
  reportScanned(opts, ex);
  return ex;
}

/** Every row accounted for on one line: companies + rows merged into them + rejected (+ other shards) = rows. */
function reportScanned({reporter, shard}: EnrichOptions, ex: ExportIndex): void {
  const {inputRows, rejected, otherShards, accounts: companies, mergedByName, ambiguousByName} = ex;
  const mergedInto = ex.index.rows.reduce((n, r) => n + r, 0) - companies;
  const byName = mergedByName > 0 ? `, ${count(mergedByName)} of them by name` : '';
  const notByName = ambiguousByName > 0 ? `; ${plural(ambiguousByName, 'row')} without a domain not merged: their name is on several domains` : '';
  reporter.succeed(
    `Scanned ${plural(inputRows, 'row')}: ${plural(companies, 'company', 'companies')} (${plural(mergedInto, 'more row')} merged into them${byName}), ` +
      `${plural(rejected, 'row')} rejected${shard ? `, ${plural(otherShards, 'row')} in other shards` : ''}${notByName}`,
  );
}
