import type {Manifest, ManifestRun} from '../schemas/manifest.js';

/*
 * `stedi-gtm merge`: which shard folders belong together, and in which order their rows go.
 *
 * A run writes companies in the order their last row appears in the export, and every other table in the order
 * of the companies; --shard K/N keeps the companies whose key hashes into shard K, so each shard's tables are
 * the unsharded tables with the other shards' companies taken out, in the same order. The unsharded order is
 * restored by a k-way merge on each company's last input row (the largest of its source_rows): the company
 * with the smallest one among the shards' next companies goes next, with its rows of the other tables.
 * Rejected rows are merged by their input row the same way.
 */

/** A company's place in the unsharded order: the last of its input rows (source_rows, items joined by " | "). */
export function lastSourceRow(sourceRows: string): number {
  let last = -1;
  for (const item of sourceRows.split('|')) {
    const t = item.trim();
    if (!/^\d+$/.test(t)) return Number.NaN;
    last = Math.max(last, Number(t));
  }
  return last;
}

/**
 * The shard whose next key is the smallest (`keys[k]`: the key at shard k's head, undefined when it has no
 * more); -1 when every shard is done. Keys are distinct across shards (an input row belongs to one company).
 */
export function nextShard(keys: ReadonlyArray<number | undefined>): number {
  let best = -1;
  for (let k = 0; k < keys.length; k++) {
    const key = keys[k];
    if (key !== undefined && (best === -1 || key < keys[best]!)) best = k;
  }
  return best;
}

/** A shard folder as merge reads it: where it is (as given) and its manifest. */
export interface ShardFolder {
  dir: string;
  manifest: Manifest;
}

/** What every shard of one sharded run agrees on (from their manifests). */
export interface ShardSet {
  /** The folders in shard order (k = 1..n). */
  shards: ShardFolder[];
  /** The first shard's run: command, seed, as-of date, version, input, config. */
  run: ManifestRun;
  /** The files of the dataset the shards wrote (each shard wrote all of them in its run). */
  files: string[];
}

const same = (a: unknown, b: unknown): boolean => JSON.stringify(a) === JSON.stringify(b);

/**
 * The files of a shard that merge does not read (it makes them again for the whole dataset): whether a shard has
 * them, and which run wrote them, does not matter. (`run` on worker threads writes its deals and billing summaries
 * outside the commit today, so a retried shard's manifest may give them to an earlier run.)
 */
export const REMADE_FILES: ReadonlySet<string> = new Set([
  'interim/deals_summary.json',
  'interim/billing_summary.json',
  'interim/sources.json',
  'final/report.html',
]);

/**
 * Checks that the folders are the N shards of one run: each written by `run` or `enrich` under --shard K/N
 * (runs[0].shard), the same N, every K from 1 to N once, the same version, seed, as-of date, input (SHA-256),
 * config files (SHA-256) and set of files, each written by that run (not left from an earlier command; those
 * merge makes again aside: REMADE_FILES). Returns
 * the set in shard order, or the problems found (each a sentence naming the folder).
 */
export function checkShardSet(folders: readonly ShardFolder[]): ShardSet | string[] {
  const problems: string[] = [];
  if (folders.length === 0) return ['no shard folders given'];
  const sharded: Array<ShardFolder & {k: number; n: number}> = [];
  for (const f of folders) {
    const run = f.manifest.runs[0];
    if (!run.shard)
      problems.push(`${f.dir} is not a shard: its manifest.json records no --shard (written by \`stedi-gtm ${run.command}\` without one)`);
    else if (run.command !== 'run' && run.command !== 'enrich')
      problems.push(`${f.dir}: its last command was \`stedi-gtm ${run.command}\`, not the sharded run or enrich: run the shard again`);
    else sharded.push({...f, k: run.shard.k, n: run.shard.n});
  }
  if (problems.length > 0) return problems;
  const first = sharded[0];
  const n = first.n;
  for (const f of sharded)
    if (f.n !== n) problems.push(`${f.dir} is shard ${f.k} of ${f.n}, ${first.dir} shard ${first.k} of ${n}: the shards of one run have the same N`);
  if (problems.length > 0) return problems;
  const byK = new Map<number, ShardFolder & {k: number}>();
  for (const f of sharded) {
    const seen = byK.get(f.k);
    if (seen) problems.push(`${seen.dir} and ${f.dir} are both shard ${f.k}/${n}`);
    else byK.set(f.k, f);
  }
  const missing = Array.from({length: n}, (_, i) => i + 1).filter((k) => !byK.has(k));
  if (missing.length > 0)
    problems.push(
      `shard${missing.length > 1 ? 's' : ''} ${missing.map((k) => `${k}/${n}`).join(', ')} ${missing.length > 1 ? 'are' : 'is'} missing: merge needs all ${n} shards`,
    );
  if (problems.length > 0) return problems;
  const shards = Array.from({length: n}, (_, i) => byK.get(i + 1)!);
  const run = first.manifest.runs[0];
  const files = (m: Manifest) =>
    Object.keys(m.files)
      .filter((p) => !REMADE_FILES.has(p))
      .sort();
  for (const f of shards) {
    const r = f.manifest.runs[0];
    const differs: string[] = [];
    if (r.command !== run.command) differs.push(`command (${r.command}, not ${run.command})`);
    if (r.version !== run.version) differs.push(`stedi-gtm version (${r.version}, not ${run.version})`);
    if (r.seed !== run.seed) differs.push(`seed (${r.seed}, not ${run.seed})`);
    if (r.as_of !== run.as_of) differs.push(`as-of date (${r.as_of}, not ${run.as_of})`);
    if (r.input?.sha256 !== run.input?.sha256) differs.push('input (another export, or another version of it)');
    if (!same(r.config, run.config)) {
      const names = [...new Set([...Object.keys(r.config), ...Object.keys(run.config)])].filter((c) => r.config[c] !== run.config[c]);
      differs.push(`config (${names.join(', ')})`);
    }
    if (!same(files(f.manifest), files(first.manifest)))
      differs.push(`files (${files(f.manifest).join(', ')}; not ${files(first.manifest).join(', ')})`);
    if (differs.length > 0)
      problems.push(
        `${f.dir} (shard ${r.shard!.k}/${n}) differs from ${shards[0].dir} (shard 1/${n}) in its ${differs.join(', ')}: the shards must come from one command line`,
      );
    const left = Object.entries(f.manifest.files)
      .filter(([p, m]) => m.run !== 0 && !REMADE_FILES.has(p))
      .map(([p]) => p);
    if (left.length > 0)
      problems.push(
        `${f.dir}: ${left.join(', ')} ${left.length > 1 ? 'were' : 'was'} not written by its shard run (left from an earlier command): run the shard again in an empty folder`,
      );
  }
  if (problems.length > 0) return problems;
  return {shards, run, files: files(first.manifest)};
}
