import {Flags} from '@oclif/core';
import {BaseCommand, baseFlagsWithout} from '../base-command.js';
import {UserError} from '../errors.js';
import {checkExportSources, exportDuckDb, exportedInto, exportParquet, exportsIntoDataDir, type ExportResult} from '../stages/warehouse.js';

const NOT_APPLICABLE = {
  seed: 'the export copies the tables as they are',
  limit: 'the export copies whole tables',
  input: 'it reads the tables in --data-dir, not the export',
  provider: 'it calls no enrichment provider',
  'cache-dir': 'it calls no enrichment provider',
};

export default class Export extends BaseCommand<typeof Export> {
  static summary = 'Write the dataset to a DuckDB database (typed tables, keys, comments, views) or to Parquet files.';
  static description = `Reads every table of --data-dir (its Parquet file when there is one, else its CSV, checked and typed by the zod schemas) and writes one DuckDB database file: each table with the column types of the schemas (DATE, BIGINT, DECIMAL(18,2) for money, BOOLEAN, VARCHAR[] for lists), NOT NULL, primary keys, foreign keys between the tables, COMMENT ON every table and column (the data dictionary's text), and the views arr_by_month, pipeline_by_stage_week and win_rate_by_segment_source. \`duckdb <file>\` then answers questions with no loading step. The file is written whole or not at all. --parquet writes each table as a typed Parquet file into a folder instead (or as well). Written inside --data-dir (e.g. data/final/gtm.duckdb), the export is part of the folder's dataset: listed in its manifest, and removed by the next command that changes a table it was made from (that command says so).`;

  static examples = [
    {command: '<%= config.bin %> export --duckdb data/final/gtm.duckdb', description: 'Export the dataset in data/ to data/final/gtm.duckdb.'},
    {command: '<%= config.bin %> export --duckdb out.duckdb --data-dir out --json', description: 'Export out/; print the row counts as JSON.'},
    {command: '<%= config.bin %> export --parquet data/parquet', description: 'Every table as data/parquet/<table>.parquet.'},
  ];

  static flags = {
    duckdb: Flags.string({description: 'The DuckDB database file to write (replaced if it exists).'}),
    parquet: Flags.string({description: 'A folder to write every table into as <table>.parquet (typed from the schemas; each file replaced whole).'}),
  };

  static notApplicable = NOT_APPLICABLE;
  static baseFlags = baseFlagsWithout(NOT_APPLICABLE);

  async run(): Promise<{duckdb?: ExportResult; parquet?: Awaited<ReturnType<typeof exportParquet>>}> {
    if (this.flags.duckdb === undefined && this.flags.parquet === undefined)
      throw new UserError('export needs --duckdb FILE or --parquet FOLDER (or both)');
    // Written inside --data-dir, the export is part of its dataset: locked, committed with the manifest, removed by
    // the commit that changes a table it was made from (see io/dataset.ts). Written elsewhere, it is the user's.
    const inside = exportsIntoDataDir(this.flags['data-dir'], this.flags);
    const s = await this.setup({writes: inside});
    // Tables that do not belong together are refused before anything is written (as report refuses them).
    await checkExportSources(s.paths);
    const out: {duckdb?: ExportResult; parquet?: Awaited<ReturnType<typeof exportParquet>>} = {};
    if (this.flags.parquet !== undefined) {
      out.parquet = await exportParquet({dataDir: s.paths.root, outDir: this.flags.parquet, reporter: s.reporter});
      s.reporter.info(`Wrote ${Object.keys(out.parquet.tables).length} Parquet files to ${out.parquet.output}`);
    }
    if (this.flags.duckdb !== undefined) {
      const result = (out.duckdb = await exportDuckDb({
        dataDir: s.paths.root,
        configDir: s.configDir,
        output: this.flags.duckdb,
        reporter: s.reporter,
      }));
      s.reporter.info(
        `Wrote ${result.output}: ${Object.entries(result.tables)
          .map(([t, n]) => `${t} ${n}`)
          .join(', ')}; views ${result.views.join(', ')}`,
      );
    }
    if (inside)
      await this.commitDataset({
        as_of: null,
        reads: [...new Set([...(out.parquet?.read ?? []), ...(out.duckdb?.read ?? [])])],
        // (Where it wrote: a commit that removes the export says how to make it again.)
        record: {exported: exportedInto(this.flags['data-dir'], this.flags)},
      });
    return out;
  }
}
