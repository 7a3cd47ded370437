import {BaseCommand, baseFlagsWithout} from '../base-command.js';
import {SIMULATION_NOT_APPLICABLE, simulationFlags} from '../flags.js';
import {STAGE_READS} from '../io/manifest.js';
import {formatBillingSummary, runBilling, type BillingSummary} from '../stages/billing.js';

export default class Billing extends BaseCommand<typeof Billing> {
  static summary = 'Contracts and invoices for won deals: raw/deals.csv -> raw/billing.csv, raw/invoices.csv, final/arr_movements.csv.';
  static description = `Writes one row per contract term of each won deal (plan, monthly or annual billing, term, start after onboarding by the configured rule, end, ARR, MRR, currency, payment terms; at each term end the customer churns or renews, possibly re-priced), one invoice per billing period up to the as-of date, and final/arr_movements.csv (new, expansion, contraction, renewal, churn) with NRR, GRR and an ARR bridge in the summary. Small buyers mostly pay monthly, enterprises almost always annually. Uses the as-of date deals.csv was made with (an explicit --as-of must match it). Each contract draws from its own random stream (seed, deal ID).`;

  static examples = [
    {command: '<%= config.bin %> billing', description: 'Contracts and invoices for data/raw/deals.csv (run `deals` first).'},
    {command: '<%= config.bin %> billing --data-dir out --json', description: 'Another data folder, the summary as JSON.'},
  ];

  static flags = {...simulationFlags};

  static notApplicable = SIMULATION_NOT_APPLICABLE;
  static baseFlags = baseFlagsWithout(SIMULATION_NOT_APPLICABLE);

  async run(): Promise<BillingSummary> {
    const s = await this.setup();
    const summary = await runBilling({...s, asOf: this.flags['as-of']});
    await this.commitDataset({as_of: summary.as_of, reads: STAGE_READS.billing});
    if (!this.flags.quiet) this.say(formatBillingSummary(summary));
    return summary;
  }
}
