import {Flags} from '@oclif/core';
import {providerFlags} from './providers/index.js';

/** Flags of the enrich stage itself, whatever the provider. */
const stageFlags = {
  'formula-guard': Flags.boolean({
    description:
      'Write text cells that start with =, +, -, @, a tab or a carriage return (which spreadsheets would run as formulas) with a leading apostrophe, as OWASP advises; --no-formula-guard writes them as they are, for machine consumers.',
    default: true,
    allowNo: true,
    helpGroup: 'GLOBAL',
  }),
  shard: Flags.string({
    description:
      'Only the companies whose key hashes into shard K of N, e.g. 2/8 (`stedi-gtm merge` combines the N shards into the rows of an unsharded run). auto: K and N from the batch engine (a Slurm array, Kubernetes Indexed Job, AWS Batch array or Cloud Run job) or from STEDI_GTM_SHARD and STEDI_GTM_SHARD_COUNT, see docs/scale-out.md.',
    helpGroup: 'ENRICHMENT',
  }),
  'shard-count': Flags.integer({
    description: 'With --shard auto: the number of shards, where the engine does not say it (a Kubernetes Indexed Job: its completions).',
    min: 1,
    helpGroup: 'ENRICHMENT',
  }),
  yes: Flags.boolean({
    char: 'y',
    description: 'Make the OpenAI calls without asking, even when their estimated cost is above confirm_above_usd (openai.yml).',
    default: false,
    helpGroup: 'OPENAI',
  }),
  'dry-run': Flags.boolean({
    description: 'Print how many calls are needed (after the cache) and their estimated cost; call nothing, write nothing.',
    default: false,
    helpGroup: 'OPENAI',
  }),
};

/**
 * Flags of the enrich stage beyond the shared ones: its own, then those the registered providers add (see
 * src/providers/registry.ts; the commands pass them through to the provider as parsed). `enrich` and `run`
 * both spread these, so the two never drift apart.
 */
export const enrichFlags = {...stageFlags, ...providerFlags()} as typeof stageFlags;

/**
 * `--format`: the format of the tables a command writes and reads (the stages after the first read the earlier
 * tables in it). Given to the commands that write or read tables; see BaseCommand.setup for its default.
 */
export const formatFlags = {
  format: Flags.string({
    description:
      'Format of the tables: csv (the default), parquet (typed columns: DATE, BIGINT, DECIMAL(18,2) money, BOOLEAN, lists; <table>.parquet in place of <table>.csv), or csv,parquet (both, side by side). The later stages and `report` read the tables in it (in Parquet when both).',
    helpValue: 'csv|parquet|csv,parquet',
    helpGroup: 'GLOBAL',
  }),
};

/** `--format` of a command that only reads the tables (report): by default the format the data folder holds. */
export const readFormatFlags = {
  format: Flags.string({
    description: 'Format of the tables to read: csv or parquet. [default: the one the data folder holds (csv when it holds both)]',
    helpValue: 'csv|parquet',
    helpGroup: 'GLOBAL',
  }),
};

/** The shared flags that mean nothing to deals, billing and unify (see BaseCommand.notApplicable). */
export const SIMULATION_NOT_APPLICABLE = {
  input: 'it reads <data-dir>/raw/companies.csv, not the export (`stedi-gtm enrich` or `stedi-gtm run` read it)',
  provider: 'it reads companies already enriched (`stedi-gtm enrich` or `stedi-gtm run` enrich them)',
  'cache-dir': 'it calls no enrichment provider',
} as const;

/**
 * Flags of the simulation stages (deals, billing, unify) beyond the shared ones. `deals`, `billing`,
 * `unify` and `run` spread these.
 */
export const simulationFlags = {
  ...formatFlags,
  'as-of': Flags.string({
    description:
      'Snapshot date, YYYY-MM-DD: deals not closed by then are open, invoices stop there. billing and unify take the date of deals.csv (given, it must match). [default: simulation.as_of in deal_model.yml]',
    helpGroup: 'SIMULATION',
  }),
};
