import {BaseCommand} from '../base-command.js';
import {enrichFlags, simulationFlags} from '../flags.js';
import type {ProviderChoice} from '../providers/index.js';
import {enrichStage, type EnrichSummary} from '../stages/enrich.js';

export interface RunSummary {
  seed: number;
  enrich: EnrichSummary;
}

export default class Run extends BaseCommand<typeof Run> {
  static summary = 'Run the whole pipeline: enrich, deals, billing, unify.';
  static description = `Runs every stage in order with the same flags and prints each stage's summary. The outputs are
<data-dir>/raw/companies.csv, <data-dir>/raw/deals.csv, <data-dir>/raw/billing.csv, <data-dir>/raw/invoices.csv and
<data-dir>/final/unified.csv. The same seed and input give byte-identical files.`;

  static examples = [
    {command: '<%= config.bin %> run --seed 42', description: 'Build the whole dataset from the default export.'},
    {command: '<%= config.bin %> run --input exports/clay.csv --data-dir out --json', description: 'Another export into out/, the summaries as one JSON object.'},
  ];

  static flags = {...enrichFlags, ...simulationFlags};

  async run(): Promise<RunSummary> {
    const s = await this.setup();
    const enrich = await enrichStage({...s, provider: this.flags.provider as ProviderChoice, providerFlags: this.flags});
    return {seed: s.seed, enrich};
  }
}
