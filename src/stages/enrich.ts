import {formatShard, resolveShard, type Shard} from '../core/shard.js';
import {writtenFormats} from '../io/formats/index.js';
import {checkExportHeader} from './export-shape.js';
import {checkInputFile} from '../io/input-check.js';
import {checkWritable} from '../io/writable.js';
import {UserError} from '../errors.js';
import type {DataPaths} from '../io/paths.js';
import type {Reporter} from '../io/reporter.js';
import {companyCodec, rejectCodec} from './codecs.js';
import {chooseProvider, createProvider, getProvider} from '../providers/index.js';
import {setFormulaGuard} from '../io/table-codec.js';
import {loadIcpRules, loadPreviousCustomers} from './enrich/config.js';
import {runEnrich} from './enrich/run.js';
import type {EnrichOptions, EnrichSummary} from './enrich/types.js';

/**
 * The enrich stage's entry: enrichStage (config, provider, then runEnrich). The stage itself is in enrich/:
 * run.ts (the two passes and the summary), first-pass.ts, the second pass's two ways (one-thread.ts,
 * range-workers.ts, behind second-pass.ts's SecondPass), output.ts, dry-run.ts, config.ts, types.ts.
 */

export {companyCodec, rejectCodec};
export {loadIcpRules, loadIngestRules, loadPreviousCustomers} from './enrich/config.js';
export {runEnrich} from './enrich/run.js';
export {CompanyCounter} from './enrich/second-pass.js';
export type {EnrichOptions, EnrichSummary} from './enrich/types.js';
export type {WorkerPolicy} from '../parallel/worker-pool.js';

export interface EnrichStageInput {
  input: string;
  /** How the summary names the input (the shipped sample: see Resolved.name); default its path. */
  inputName?: string;
  paths: DataPaths;
  configDir: string;
  cacheDir: string;
  limit?: number;
  reporter: Reporter;
  /** The --provider flag: auto or a registered provider's name (src/providers/registry.ts). */
  provider: string;
  /** Provider-specific flags (the OpenAI provider's, --shard), passed through as parsed. */
  providerFlags?: Record<string, unknown>;
  /** Under `run`: simulate deals, billing and unify in the same pass (see EnrichOptions.simulation). */
  simulation?: EnrichOptions['simulation'];
  confirm?: EnrichOptions['confirm'];
  workers?: EnrichOptions['workers'];
  rangeBytes?: EnrichOptions['rangeBytes'];
}

export {workersFromEnv} from '../parallel/worker-pool.js';

/** Loads the config, picks and creates the provider, runs the stage and closes the provider. */
export async function enrichStage(s: EnrichStageInput): Promise<EnrichSummary> {
  const shardFlag = s.providerFlags?.shard;
  let shard: Shard | undefined;
  if (typeof shardFlag === 'string') {
    const count = s.providerFlags?.['shard-count'];
    const resolved = resolveShard(shardFlag, process.env, typeof count === 'number' ? count : undefined);
    if (typeof resolved === 'string') throw new UserError(resolved);
    shard = resolved.shard;
    if (resolved.engine) s.reporter.info(`Shard ${formatShard(shard)}, from ${resolved.engine}`);
    if (!writtenFormats().some((f) => f.name === 'csv'))
      s.reporter.warn(
        `--shard ${shardFlag} without CSV tables: merge combines the shards' CSV tables, so this shard cannot be merged; run the shards with --format csv,parquet`,
      );
  } else if (s.providerFlags?.['shard-count'] !== undefined) throw new UserError('--shard-count goes with --shard auto');
  setFormulaGuard(s.providerFlags?.['formula-guard'] !== false);
  // The export is checked before anything is created (folders, the cache) or any provider starts.
  checkInputFile(s.input, s.paths);
  await checkExportHeader(s.input);
  const rules = await loadIcpRules(s.configDir);
  const previousCustomers = await loadPreviousCustomers(s.configDir, s.reporter);
  const {name, why} = chooseProvider(s.provider);
  s.reporter.info(`Provider: ${name}${why}`);
  // The provider checks its options (an API key, --concurrency, ...) as it is made: before any folder is created.
  const provider = await createProvider(name, {
    rules,
    cacheDir: s.cacheDir,
    flags: s.providerFlags ?? {},
    reporter: s.reporter,
    configDir: s.configDir,
  });
  try {
    // The folders the stage writes, the cache included, are checked before any work (and any paid call).
    if (s.providerFlags?.['dry-run'] !== true) {
      checkWritable([s.paths.raw, s.paths.interim, ...(s.simulation ? [s.paths.final] : []), ...(getProvider(name).usesCache ? [s.cacheDir] : [])]);
    }
    const dryRun = s.providerFlags?.['dry-run'] === true;
    return await runEnrich({
      input: s.input,
      inputName: s.inputName,
      confirm: s.confirm,
      paths: s.paths,
      configDir: s.configDir,
      limit: s.limit,
      provider,
      previousCustomers,
      reporter: s.reporter,
      dryRun,
      shard,
      simulation: s.simulation,
      workers: s.workers,
      rangeBytes: s.rangeBytes,
    });
  } finally {
    await provider.close?.();
  }
}
