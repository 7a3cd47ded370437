import {z} from './zod.js';

/**
 * <data-dir>/manifest.json: what the data folder holds, written last by every command that writes there, in
 * the same commit as the files it describes (see io/dataset.ts). Paths are relative to the data folder, with
 * `/`; the content is deterministic (no time, no absolute path), so the same command line gives the same
 * bytes.
 */
const Sha256 = z.string().regex(/^[0-9a-f]{64}$/, 'expected 64 lower-case hex digits (SHA-256)');

/** One command that wrote files of the folder. */
export const ManifestRunSchema = z.object({
  /** The command: enrich, deals, billing, unify, report or run. */
  command: z.string().min(1),
  /** `run --from`: the stage it started at; null for the other commands. */
  from: z.string().nullable(),
  seed: z
    .number()
    .int()
    .nonnegative()
    .nullable()
    .describe('The seed of a command that draws random numbers; null for one that refuses --seed (enrich, report).'),
  /** The as-of date the command simulated with (YYYY-MM-DD); null for enrich and report. */
  as_of: z.string().nullable(),
  /** stedi-gtm's version. */
  version: z.string(),
  /** The Clay export it read (path as given, relative to the working directory) and its SHA-256; null when it read none. */
  input: z.object({path: z.string(), sha256: Sha256}).nullable(),
  /** SHA-256 of each config file's text, by file name. */
  config: z.record(z.string(), Sha256),
  /** The files of the folder it read (not written by it), with their SHA-256 when it read them. */
  reads: z.record(z.string(), Sha256),
  /** Under --shard K/N (enrich, run): which shard of how many this folder holds (k from 1 to n). Absent otherwise. */
  shard: z.object({k: z.number().int().min(1), n: z.number().int().min(1)}).optional(),
  /** `merge`: the shard folders it combined (paths as given). Absent otherwise. */
  merged: z.array(z.string()).optional(),
  /**
   * `export` into the folder: where it wrote (relative to the folder, with `/`): the database file of --duckdb, the
   * folder of --parquet (what is outside the folder is not recorded). Absent otherwise.
   */
  exported: z.object({duckdb: z.string().optional(), parquet: z.string().optional()}).optional(),
});

/** One file of the dataset. */
export const ManifestFileSchema = z.object({
  /** Data rows (the header not counted) of a CSV table; null for the summaries and the report. */
  rows: z.number().int().nonnegative().nullable(),
  bytes: z.number().int().nonnegative(),
  sha256: Sha256,
  /**
   * The run that wrote it (an index into `runs`); null when no recorded run did: edited by hand since, or
   * written before the folder had a manifest.
   */
  run: z.number().int().nonnegative().nullable(),
});

export const ManifestSchema = z
  .object({
    manifest: z.literal(1),
    /** runs[0] is the command that wrote this manifest; then the earlier ones whose files are still here, latest first. */
    runs: z.array(ManifestRunSchema).min(1),
    files: z.record(z.string(), ManifestFileSchema),
  })
  .superRefine((m, ctx) => {
    for (const [path, f] of Object.entries(m.files)) {
      if (f.run !== null && f.run >= m.runs.length)
        ctx.addIssue({code: 'custom', path: ['files', path, 'run'], message: `no run ${f.run} (there are ${m.runs.length})`});
    }
  });

export type ManifestRun = z.infer<typeof ManifestRunSchema>;
export type ManifestFile = z.infer<typeof ManifestFileSchema>;
export type Manifest = z.infer<typeof ManifestSchema>;
