import {Flags} from '@oclif/core';
import {BaseCommand, baseFlagsWithout} from '../base-command.js';
import {writeDbtSources} from '../stages/warehouse.js';

const NOT_APPLICABLE = {
  seed: 'the sources file describes the tables, not their rows',
  limit: 'the sources file describes the tables, not their rows',
  input: 'it reads no export',
  provider: 'it calls no enrichment provider',
  'cache-dir': 'it calls no enrichment provider',
  'data-dir': 'the sources file describes the tables of any dataset (--out says where it goes)',
};

export default class Dbt extends BaseCommand<typeof Dbt> {
  static summary = "Write a dbt sources file for the dataset's tables, with descriptions and tests.";
  static description = `Writes a dbt properties file (version: 2) declaring the dataset's tables as one source, stedi_gtm, generated from the zod table schemas: each table's and column's description (the data dictionary's text), its data type, and data tests: not_null where a column is never NULL, unique on one-column primary keys, accepted_values on enum columns, relationships between the tables (IDs referring to companies, deals, billing, reps), and dbt_utils.unique_combination_of_columns on the keys of several columns (opportunity_history: deal_id + sequence; pipeline_snapshots: snapshot_date + deal_id). Needs dbt 1.8 or later (data_tests) and the dbt_utils package (packages.yml, then dbt deps; the file's header says how). Point --schema at the schema the tables are loaded into (e.g. with \`export --duckdb\`, main).`;

  static examples = [
    {command: '<%= config.bin %> dbt --out models/staging/sources.yml', description: 'Write the sources file into a dbt project.'},
    {command: '<%= config.bin %> dbt --out sources.yml --schema raw_gtm --database analytics', description: 'Tables loaded into analytics.raw_gtm.'},
  ];

  static flags = {
    out: Flags.string({description: 'The YAML file to write.', default: 'models/sources.yml'}),
    schema: Flags.string({description: 'The warehouse schema holding the tables.', default: 'main'}),
    database: Flags.string({description: "The warehouse database holding the schema (dbt's default when left out)."}),
  };

  static notApplicable = NOT_APPLICABLE;
  static baseFlags = baseFlagsWithout(NOT_APPLICABLE);

  async run(): Promise<{output: string; tables: number; tests: number}> {
    const s = await this.setup({writes: false});
    const result = await writeDbtSources({output: this.flags.out, configDir: s.configDir, schema: this.flags.schema, database: this.flags.database});
    s.reporter.info(`Wrote ${result.output}: ${result.tables} tables, ${result.tests} tests`);
    return result;
  }
}
