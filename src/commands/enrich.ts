import {BaseCommand, baseFlagsWithout} from '../base-command.js';
import {plural} from '../core/format.js';
import {shardRecord} from '../core/shard.js';
import {enrichFlags, formatFlags} from '../flags.js';
import {STAGE_READS} from '../io/manifest.js';
import {enrichStage, type EnrichSummary} from '../stages/enrich.js';
import {chunkPolicyFromEnv} from '../parallel/worker-pool.js';

export default class Enrich extends BaseCommand<typeof Enrich> {
  static summary = 'Clean, deduplicate and enrich a Clay company export into data/raw/companies.csv.';
  static description = `Reads the Clay export (--input), normalises domains, sizes, countries and locations, merges rows that share a domain into one account (and rows without a domain into the one domain's account that has their name), classifies ICP fit and detects the healthcare tech stack (X12 EDI, clearinghouses, FHIR, HL7, EHRs). Rows with nothing usable, or whose name says the LinkedIn page is gone (config/ingest.yml), go to <data-dir>/interim/rejects.csv with a reason; the summary accounts for every input row (companies + merged_rows + rejected_rows = input_rows).`;

  static examples = [
    {command: '<%= config.bin %> enrich --provider rules', description: 'Enrich the default export with the offline rules (no API key, no cost).'},
    {
      command: '<%= config.bin %> enrich --input exports/clay.csv --limit 100 --provider rules --json',
      description: 'First 100 companies of another export; print the summary as JSON.',
    },
    {
      command: '<%= config.bin %> enrich --provider openai --dry-run',
      description: 'How many OpenAI calls enriching would make and what they would cost, calling nothing.',
    },
  ];

  static flags = {...enrichFlags, ...formatFlags};

  static notApplicable = {seed: 'enrichment draws no random numbers (the seed is for deals, billing and run)'};
  static baseFlags = baseFlagsWithout(Enrich.notApplicable);

  protected readsInput(): boolean {
    return true;
  }

  async run(): Promise<EnrichSummary> {
    const s = await this.setup({writes: !this.flags['dry-run']});
    const threads = chunkPolicyFromEnv();
    const summary = await enrichStage({
      ...s,
      provider: this.flags.provider,
      providerFlags: this.flags,
      confirm: this.confirmer(s.reporter),
      workers: threads.workers,
      rangeBytes: threads.chunkBytes,
    });
    if (!summary.dry_run) await this.commitDataset({as_of: null, reads: STAGE_READS.enrich, record: shardRecord(summary.shard)});
    if (!summary.dry_run)
      s.reporter.info(
        `Wrote ${summary.output} (${plural(summary.companies_written, 'company', 'companies')}) and ${summary.rejects_file} (${plural(summary.rejected_rows, 'rejected row')})`,
      );
    return summary;
  }
}
