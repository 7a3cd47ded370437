import {BaseCommand, baseFlagsWithout} from '../base-command.js';
import {SIMULATION_NOT_APPLICABLE, simulationFlags} from '../flags.js';
import {STAGE_READS} from '../io/manifest.js';
import {runUnify, type UnifySummary} from '../stages/unify.js';

export default class Unify extends BaseCommand<typeof Unify> {
  static summary = 'Join companies, leads, deals and contracts into data/final/unified.csv.';
  static description = `Writes one row per deal, joined with its company, lead and contract (if won), plus one row for every company without a deal (outcome no_opportunity). outcome is exactly one of won, lost, open, no_opportunity; sales_cycle_days is created-to-close (for open deals, the age at the as-of date). Checks that the tables belong together (every deal's company exists, one contract per won deal) and that rows = deals + companies without a deal.`;

  static examples = [
    {command: '<%= config.bin %> unify', description: 'Build data/final/unified.csv (run `billing` first).'},
    {command: '<%= config.bin %> unify --data-dir out --json', description: 'Another data folder, the row counts as JSON.'},
  ];

  static flags = {...simulationFlags};

  static notApplicable = SIMULATION_NOT_APPLICABLE;
  static baseFlags = baseFlagsWithout(SIMULATION_NOT_APPLICABLE);

  async run(): Promise<UnifySummary> {
    const s = await this.setup();
    const summary = await runUnify({...s, asOf: this.flags['as-of']});
    await this.commitDataset({as_of: summary.as_of, reads: STAGE_READS.unify});
    s.reporter.info(`Wrote ${summary.output}`);
    return summary;
  }
}
