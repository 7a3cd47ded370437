import {BaseCommand, baseFlagsWithout} from '../base-command.js';
import {readFormatFlags} from '../flags.js';
import {STAGE_READS} from '../io/manifest.js';
import {formatSummaryTable, reportStage, type ReportResult} from '../stages/report.js';

export default class Report extends BaseCommand<typeof Report> {
  static summary = 'Write <data-dir>/final/report.html (charts of the dataset) and print the headline figures.';
  static description = `Reads companies.csv, deals.csv, billing.csv, invoices.csv and unified.csv from --data-dir and writes one self-contained HTML page (inline SVG charts and styles, no scripts, no network requests) to <data-dir>/final/report.html: the pipeline funnel with leakage, win rates by ICP tier, lead source and segment, ARR distribution and ARR by size band, sales cycle by segment, pipeline created and closed-won by month, MRR over time, loss reasons and the ICP and tech-stack mix, under a header with the run's facts and calibration checks. Prints a summary table (the same figures under --json). \`stedi-gtm run\` ends with this unless --no-report is given.`;

  static examples = [
    {command: '<%= config.bin %> report', description: 'Chart the dataset in data/ and print its summary.'},
    {command: '<%= config.bin %> report --data-dir out --json', description: 'Report on out/; print the figures as JSON.'},
  ];

  static notApplicable = {
    seed: 'the report draws the tables as they are (the seed they were made with is in the summaries)',
    limit: 'the report reads the whole tables',
    input: 'it reads the tables in --data-dir, not the export',
    provider: 'it calls no enrichment provider',
    'cache-dir': 'it calls no enrichment provider',
  };

  static flags = {...readFormatFlags};

  /** It only reads tables: without --format, those the data folder holds. */
  static formatDefault = 'found' as const;

  static baseFlags = baseFlagsWithout(Report.notApplicable);

  async run(): Promise<ReportResult> {
    const s = await this.setup();
    const result = await reportStage(s);
    await this.commitDataset({as_of: null, reads: STAGE_READS.report});
    if (!this.jsonEnabled() && !this.flags.quiet) this.say(formatSummaryTable(result).trimEnd());
    return result;
  }
}
