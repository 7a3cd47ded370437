import {withEnrichment} from '../../core/accounts.js';
import type {Reporter} from '../../io/reporter.js';
import {assembleRange, wholeFile} from '../../parallel/enrich-range.js';
import type {EnrichmentProvider} from '../../providers/types.js';
import type {Company, CompanyBase} from '../../schemas/companies.js';
import {companyCodec} from '../codecs.js';
import {loadDealModel} from '../deals.js';
import {SimulationSink} from '../simulate.js';
import {afterFailure, CompanyCounter, type SecondPass} from './second-pass.js';

/**
 * The second pass on this thread, reading the whole export: any provider. One that answers one company at a
 * time (concurrency 1, no plan) enriches each company as it is assembled; any other gets the companies queued
 * first, for its plan (--dry-run stops there), the confirmation of paid calls, and concurrent calls.
 */
export const oneThread: SecondPass = async ({opts, ex, out, enriched}) => {
  const {input, paths, reporter, provider} = opts;
  // (A provider with a plan, whose calls may be paid, never starts while the export is read: its plan, and the
  // confirmation that may depend on it, come first.)
  const sync = provider.concurrency === 1 && !opts.dryRun && !provider.plan;
  const queued: CompanyBase[] = [];
  const companiesOut = opts.dryRun ? undefined : out.group.open(paths.companies, companyCodec);
  let sink: SimulationSink | undefined;
  try {
    if (opts.simulation && !opts.dryRun)
      sink = new SimulationSink(
        {
          paths,
          configDir: opts.configDir,
          seed: opts.simulation.seed,
          asOf: opts.simulation.asOf,
          digest: opts.simulation.digest,
          shard: opts.shard,
          reporter,
        },
        await loadDealModel(opts.configDir, opts.simulation.asOf),
      );
  } catch (e) {
    throw await afterFailure(
      e,
      () => out.abortGroup(),
      () => out.abortRejects(),
    );
  }
  let written = 0;
  const counter = new CompanyCounter();
  const write = (c: Company): void => {
    written++;
    counter.add(c);
    // (companies.csv is in this group, the simulation's tables in the sink's: both hear of the company.)
    out.group.company(c.company_key);
    if (sink) sink.writeAndAdd(c, companiesOut!);
    else out.group.write(companiesOut!, companyCodec, c);
  };
  reporter.start(sync ? `Enriching with ${provider.name}` : 'Merging accounts', ex.inputRows);
  try {
    await assembleRange(
      wholeFile(input, ex),
      opts.previousCustomers,
      (company) => {
        if (!sync) {
          queued.push(company);
          return undefined;
        }
        const answer = provider.enrich(company);
        // A provider that answers one company at a time may still answer asynchronously: reading pauses meanwhile.
        if (answer instanceof Promise) return answer.then((e) => write(withEnrichment(company, e)));
        return write(withEnrichment(company, answer));
      },
      (n) => reporter.progress(n, provider.progressNote?.()),
    );
    if (opts.dryRun) {
      await out.abortGroup();
      out.abortRejects();
      return {dryRun: queued};
    }
    if (provider.plan && opts.confirm) {
      const plan = await provider.plan(queued);
      if (typeof plan.confirm_above_usd === 'number' && plan.calls_needed > 0) await opts.confirm(plan);
    }
    if (!sync) await enrichConcurrently(provider, queued, reporter, write);
    await out.commit();
    enriched(written, counter.counts);
    if (sink && opts.simulation) opts.simulation.result = await sink.finish(reporter);
  } catch (e) {
    throw await afterFailure(
      e,
      () => out.abortGroup(),
      () => sink?.abort(),
      () => out.abortRejects(),
    );
  }
  return {written, counts: counter.counts};
};

/** Enriches with an asynchronous provider, `provider.concurrency` at a time, writing in input order. */
async function enrichConcurrently(
  provider: EnrichmentProvider,
  companies: CompanyBase[],
  reporter: Reporter,
  write: (c: Company) => void,
): Promise<void> {
  reporter.start(`Enriching with ${provider.name}`, companies.length);
  const results: Array<Company | undefined> = new Array(companies.length);
  let next = 0;
  let done = 0;
  let flushed = 0;
  const drain = async () => {
    while (flushed < companies.length && results[flushed] !== undefined) {
      const c = results[flushed]!;
      results[flushed++] = undefined;
      write(c);
    }
  };
  const worker = async () => {
    while (next < companies.length) {
      const i = next++;
      results[i] = withEnrichment(companies[i], await provider.enrich(companies[i]));
      done++;
      reporter.progress(done, provider.progressNote?.());
      await drain();
    }
  };
  await Promise.all(Array.from({length: Math.max(1, Math.min(provider.concurrency, companies.length))}, worker));
  await drain();
}
