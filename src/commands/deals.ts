import {BaseCommand, baseFlagsWithout} from '../base-command.js';
import {SIMULATION_NOT_APPLICABLE, simulationFlags} from '../flags.js';
import {STAGE_READS} from '../io/manifest.js';
import {formatDealsSummary, runDeals, type DealsSummary} from '../stages/deals.js';

export default class Deals extends BaseCommand<typeof Deals> {
  static summary = 'Simulate the sales pipeline: companies.csv -> deals, leads, opportunity history, pipeline snapshots, reps.';
  static description = `Gives every company a lead source, campaign and first-touch date, decides with a log-odds model (ICP tier, X12 / clearinghouse, FHIR / HL7, size, previous customer, lead source) whether it opens a deal, and walks each deal through discovery, technical evaluation, security review, proposal and negotiation to closed_won or closed_lost, with skewed stage durations that grow with company size. Reps forecast and push expected close dates and re-scope amounts: opportunity_history.csv has every change, pipeline_snapshots.csv every open deal each week, reps.csv the team. Deals not closed by the as-of date are open. Every company draws from its own random stream (seed, company key), so the same seed gives the same bytes and one company's deals never depend on the others. Parameters: <config-dir>/deal_model.yml. Prints the calibration figures (opportunity rate, win rate, open share, cycle, ARR, loss reasons) and warns when one falls clearly (beyond sampling noise) outside the target ranges in the config.`;

  static examples = [
    {command: '<%= config.bin %> deals', description: 'Simulate deals for data/raw/companies.csv (run `enrich` first).'},
    {
      command: '<%= config.bin %> deals --seed 7 --as-of 2025-03-31 --json',
      description: 'Another seed, the pipeline as of the end of Q1 2025, the summary as JSON.',
    },
  ];

  static flags = {...simulationFlags};

  static notApplicable = SIMULATION_NOT_APPLICABLE;
  static baseFlags = baseFlagsWithout(SIMULATION_NOT_APPLICABLE);

  async run(): Promise<DealsSummary> {
    const s = await this.setup();
    const summary = await runDeals({...s, asOf: this.flags['as-of']});
    await this.commitDataset({as_of: summary.as_of, reads: STAGE_READS.deals});
    if (!this.flags.quiet) this.say(formatDealsSummary(summary));
    return summary;
  }
}
