import {Flags} from '@oclif/core';
import {BaseCommand} from '../base-command.js';
import {plural} from '../core/format.js';
import {enrichFlags, simulationFlags} from '../flags.js';
import {UserError} from '../errors.js';
import {formatBillingSummary} from '../stages/billing.js';
import {formatDealsSummary} from '../stages/deals.js';
import {chunkPolicyFromEnv} from '../parallel/worker-pool.js';
import {RUN_STAGES, runPipeline, type RunSummary} from '../pipeline/run.js';

export {RUN_STAGES, type RunSummary} from '../pipeline/run.js';

export default class Run extends BaseCommand<typeof Run> {
  static summary = 'Run the whole pipeline: enrich, deals, billing, unify, then the report.';
  static description = `Runs every stage in order with the same flags and prints each stage's summary. The outputs are <data-dir>/raw/companies.csv, <data-dir>/raw/leads.csv, <data-dir>/raw/deals.csv, <data-dir>/raw/opportunity_history.csv, <data-dir>/raw/pipeline_snapshots.csv, <data-dir>/raw/reps.csv, <data-dir>/raw/billing.csv, <data-dir>/raw/invoices.csv, <data-dir>/final/arr_movements.csv, <data-dir>/final/unified.csv and, unless --no-report, <data-dir>/final/report.html (with the summary table printed at the end). The same seed and input give byte-identical files, the same bytes as running the stages one by one.`;

  static examples = [
    {command: '<%= config.bin %> run --seed 42 --provider rules', description: 'Build the whole dataset from the default export, enriched offline.'},
    {
      command: '<%= config.bin %> run --input exports/clay.csv --data-dir out --provider rules --json',
      description: 'Another export into out/, the summaries as one JSON object.',
    },
    {command: '<%= config.bin %> run --as-of 2025-06-30 --provider rules', description: 'The dataset as it looked at the end of Q2 2025.'},
    {
      command: '<%= config.bin %> run --from deals --seed 7',
      description:
        'Simulate again with another seed from the companies already enriched in data/raw/companies.csv (deals, billing and unify in one pass).',
    },
  ];

  static flags = {
    ...enrichFlags,
    ...simulationFlags,
    from: Flags.string({
      description: 'Start at this stage, from the tables already in <data-dir> (deals: deals, billing and unify in one pass over companies.csv).',
      options: [...RUN_STAGES],
      default: 'enrich',
    }),
    report: Flags.boolean({
      description: 'Write <data-dir>/final/report.html and print the summary table at the end (--no-report: neither).',
      default: true,
      allowNo: true,
    }),
  };

  protected readsInput(): boolean {
    return this.flags.from === 'enrich';
  }

  async run(): Promise<RunSummary> {
    const from = this.flags.from as RunSummary['from'];
    if (from !== 'enrich') {
      // Every flag of enrichment, given explicitly (not by default or from the environment).
      const given = (name: string) =>
        this.argv.some((a) => a === `--${name}` || a.startsWith(`--${name}=`) || (name === 'formula-guard' && a === '--no-formula-guard'));
      for (const flag of ['shard', 'dry-run', 'input', 'provider', 'cache-dir', ...Object.keys(enrichFlags)]) {
        if (given(flag))
          throw new UserError(
            `--${flag === 'formula-guard' && this.argv.includes('--no-formula-guard') ? 'no-formula-guard' : flag} applies to enrichment, which --from ${from} skips: leave out one or the other`,
          );
      }
    }
    const s = await this.setup({writes: !this.flags['dry-run']});
    const enrich = {provider: this.flags.provider, providerFlags: this.flags, confirm: this.confirmer(s.reporter)};
    const summary = await runPipeline({
      ...s,
      from,
      asOf: this.flags['as-of'],
      report: this.flags.report,
      enrich,
      threads: chunkPolicyFromEnv(),
      commit: (run) => this.commitDataset(run),
    });
    const {deals, billing, unify, report} = summary;
    if (!unify) return summary; // --dry-run
    if (!this.flags.quiet && !this.jsonEnabled()) {
      this.say(
        [
          ...(deals ? [formatDealsSummary(deals)] : []),
          ...(billing ? [formatBillingSummary(billing)] : []),
          `Unified ${plural(unify.rows, 'row')} (${plural(unify.deal_rows, 'deal')} + ${plural(unify.no_opportunity_rows, 'company', 'companies')} without a deal) into ${unify.output}`,
        ].join('\n'),
      );
      // (The report's module is loaded already when there is a report.)
      if (report) this.say(`\n${(await import('../stages/report.js')).formatSummaryTable(report).trimEnd()}`);
    }
    return summary;
  }
}
