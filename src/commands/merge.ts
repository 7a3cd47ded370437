import {Args, Flags} from '@oclif/core';
import {createHash} from 'node:crypto';
import {readFileSync} from 'node:fs';
import {join} from 'node:path';
import {BaseCommand, baseFlagsWithout} from '../base-command.js';
import {count, plural} from '../core/format.js';
import {UserError} from '../errors.js';
import {mergeShards, readShards, type MergeSummary} from '../stages/merge.js';
import {checkLayoutTarget, stageLayout, type LayoutResult} from '../stages/merge-parquet.js';

export default class Merge extends BaseCommand<typeof Merge> {
  static summary = 'Combine the N shard folders of a sharded run into one dataset, the same bytes as an unsharded run.';
  static description = `Reads the data folders that \`stedi-gtm run --shard K/N\` (or \`enrich --shard K/N\`) wrote, one per shard, checks that their manifests are whole and agree (all N shards, the same version, seed, as-of date, input and config), merges every table in the order of the export (CSV-aware: records are copied as they are), adds up the summaries and writes the report into --data-dir, committed as one dataset. Every table equals what the unsharded run writes, byte for byte. See docs/scale-out.md.`;

  static examples = [
    {
      command: '<%= config.bin %> merge out/shard-1 out/shard-2 out/shard-3 out/shard-4 --data-dir out/all',
      description: 'Merge four shards into out/all.',
    },
    {
      command: '<%= config.bin %> merge out/shard-* --data-dir data --no-report --json',
      description: 'Merge every shard folder (any order), without the report; the counts as JSON.',
    },
    {
      command: '<%= config.bin %> merge out/shard-* --data-dir out/all --partitioned out/parquet',
      description:
        "Merge, and also lay the shards' tables out as out/parquet/<table>/shard=K/part-K-of-N.parquet (DuckDB: read_parquet('out/parquet/deals/*/*.parquet', hive_partitioning = true)).",
    },
  ];

  static usage = '<%= command.id %> SHARDS... --data-dir DIR [FLAGS]';

  static strict = false;

  static args = {
    shards: Args.string({description: 'The N shard folders (each the --data-dir of a `run --shard K/N`), in any order.', required: true}),
  };

  static flags = {
    partitioned: Flags.string({
      description:
        "Also lay the shards' tables out in this folder as partitioned Parquet tables, <table>/shard=K/part-K-of-N.parquet: one whole Parquet file per shard (the shard's own <table>.parquet, or its CSV converted; reps once, as shard=1), for DuckDB, Spark or a warehouse to read in place (no k-way merge). Written whole once the merge is committed; a folder merge wrote before is replaced. See docs/scale-out.md.",
      helpValue: 'DIR',
    }),
    report: Flags.boolean({
      description: 'Write <data-dir>/final/report.html and print the summary table at the end (--no-report: neither).',
      default: true,
      allowNo: true,
    }),
  };

  static notApplicable = {
    seed: 'merge takes the seed the shards were made with (their manifests say it)',
    input: 'merge reads the shard folders, not the export',
    limit: 'merge combines the shards as they are',
    provider: 'merge calls no enrichment provider',
    'cache-dir': 'merge calls no enrichment provider',
  };

  static baseFlags = baseFlagsWithout(Merge.notApplicable);

  async run(): Promise<MergeSummary & {partitioned?: LayoutResult}> {
    const {argv} = await this.parse(Merge);
    const dirs = argv as string[];
    const s = await this.setup();
    const set = readShards(dirs, s.paths.root);
    // The summaries' checks come from the config: it must be the shards'.
    const differs = Object.entries(set.run.config)
      .filter(([name, sha]) => hashOrNull(join(s.configDir, name)) !== sha)
      .map(([name]) => name);
    if (differs.length > 0)
      throw new UserError(
        `--config-dir ${this.flags['config-dir']}: ${differs.join(', ')} ${differs.length > 1 ? 'are' : 'is'} not what the shards were made with: give the shards' config`,
      );
    const target = this.flags.partitioned === undefined ? undefined : checkLayoutTarget(this.flags.partitioned, dirs, s.paths.root);
    const summary: MergeSummary & {partitioned?: LayoutResult} = await mergeShards(
      {dirs, paths: s.paths, configDir: s.configDir, reporter: s.reporter, report: this.flags.report},
      set,
    );
    const layout = target === undefined ? undefined : await stageLayout({set, target, reporter: s.reporter});
    try {
      await this.commitDataset({
        as_of: set.run.as_of,
        reads: [],
        record: {seed: set.run.seed, input: set.run.input, config: set.run.config, merged: set.shards.map((f) => f.dir)},
      });
    } catch (e) {
      layout?.discard();
      throw e;
    }
    if (layout) {
      layout.publish();
      summary.partitioned = layout.result;
    }
    if (!this.flags.quiet && !this.jsonEnabled()) {
      const e = summary.enrich;
      this.say(
        `Merged ${plural(summary.shards, 'shard')} into ${this.flags['data-dir']}: ${plural(e.companies, 'company', 'companies')}, ${plural(e.rejected_rows, 'rejected row')} of ${count(e.input_rows)} input rows` +
          (summary.deals ? `; ${plural(summary.deals.deals, 'deal')}, ${plural(summary.billing?.contracts ?? 0, 'contract')}` : ''),
      );
      if (summary.partitioned)
        this.say(
          `Laid out ${plural(Object.keys(summary.partitioned.tables).length, 'table')} as partitioned Parquet in ${this.flags.partitioned} (<table>/shard=K/part-K-of-${summary.shards}.parquet)`,
        );
      if (summary.report) {
        const {formatSummaryTable} = await import('../stages/report.js');
        this.say(`\n${formatSummaryTable(summary.report).trimEnd()}`);
      }
    }
    return summary;
  }
}

function hashOrNull(path: string): string | null {
  try {
    return createHash('sha256').update(readFileSync(path)).digest('hex');
  } catch {
    return null;
  }
}
