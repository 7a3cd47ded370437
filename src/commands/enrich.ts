import {BaseCommand} from '../base-command.js';
import {enrichFlags} from '../flags.js';
import type {ProviderChoice} from '../providers/index.js';
import {enrichStage, type EnrichSummary} from '../stages/enrich.js';
import {chunkPolicyFromEnv} from '../stages/worker-pool.js';

export default class Enrich extends BaseCommand<typeof Enrich> {
  static summary = 'Clean, deduplicate and enrich a Clay company export into data/raw/companies.csv.';
  static description = `Reads the Clay export (--input), normalises domains, sizes, countries and locations, merges rows that share a domain into one account, classifies ICP fit and detects the healthcare tech stack (X12 EDI, clearinghouses, FHIR, HL7, EHRs). Rows with nothing usable go to <data-dir>/interim/rejects.csv with a reason; the summary accounts for every input row (companies + merged_rows + rejected_rows = input_rows).`;

  static examples = [
    {command: '<%= config.bin %> enrich', description: 'Enrich the default export with the offline rules (no API key needed).'},
    {command: '<%= config.bin %> enrich --input exports/clay.csv --limit 100 --json', description: 'First 100 companies of another export; print the summary as JSON.'},
  ];

  static flags = {...enrichFlags};

  static notApplicable = {seed: 'enrichment draws no random numbers (the seed is for deals, billing and run)'};

  async run(): Promise<EnrichSummary> {
    const s = await this.setup();
    const threads = chunkPolicyFromEnv();
    const summary = await enrichStage({...s, provider: this.flags.provider as ProviderChoice, providerFlags: this.flags, workers: threads.workers, rangeBytes: threads.chunkBytes});
    if (!summary.dry_run) s.reporter.info(`Wrote ${summary.output} (${summary.companies_written} companies) and ${summary.rejects_file} (${summary.rejected_rows} rejected rows)`);
    return summary;
  }
}
