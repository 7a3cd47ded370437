// One worker of `enrich` and `run` (rules provider) on a large export: it reads its own contiguous range of the
// export (found by the first pass, sent in a 'range' message), assembles the accounts that end there, enriches them and writes them to
// part `part` of companies.csv and, under `run`, simulates and writes the deals, billing and unified tables'
// parts. The lead thread joins the parts in order, so the files are the same bytes as one thread would write.
import {parentPort, workerData} from 'node:worker_threads';
import {silentReporter} from '../io/reporter.js';
import {withEnrichment} from '../core/accounts.js';
import {WriterGroup} from '../io/writer-group.js';
import {RulesProvider} from '../providers/rules.js';
import {loadDealModel} from '../stages/deals.js';
import {companyCodec, CompanyCounter, loadIcpRules} from '../stages/enrich.js';
import {assembleRange} from '../stages/enrich-range.js';
import {SimulationSink} from '../stages/simulate.js';
import type {WorkerInit, WorkerMessage, WorkerReply} from './protocol.js';

const init = workerData as WorkerInit;
const reply = (m: WorkerReply) => parentPort!.postMessage(m);
const failed = (e: unknown): WorkerReply => ({type: 'error', message: (e as Error).message, exitCode: (e as {exitCode?: number}).exitCode ?? 1});

let out: WriterGroup | undefined;
let sink: SimulationSink | undefined;
let work: ((m: Extract<WorkerMessage, {type: 'range'}>) => Promise<void>) | undefined;

async function cleanUp(): Promise<void> {
  await out?.abort();
  await sink?.abort();
}

parentPort!.on('message', async (m: WorkerMessage) => {
  try {
    if (m.type === 'range') await work!(m);
    else if (m.type === 'summarize') {
      for (const s of m.states) sink!.absorb(s);
      reply({type: 'summaries', simulation: sink!.summaries(silentReporter)});
    } else if (m.type === 'abort') {
      await cleanUp();
      reply({type: 'aborted'});
    }
  } catch (e) {
    await cleanUp();
    reply(failed(e));
  }
});

// Everything that does not depend on the range is set up at once: the lead thread starts this worker while
// the first pass still runs, then sends the range.
try {
  const provider = new RulesProvider(loadIcpRules(init.configDir));
  out = new WriterGroup({index: init.part});
  const companies = out.open(init.paths.companies, companyCodec.columns);
  const counter = new CompanyCounter();
  if (init.simulation) {
    const loaded = loadDealModel(init.configDir, init.simulation.asOf);
    sink = new SimulationSink({paths: init.paths, configDir: init.configDir, seed: init.simulation.seed, asOf: init.simulation.asOf, digest: init.simulation.digest, reporter: silentReporter}, loaded, new WriterGroup({index: init.part}));
  }
  work = async (m) => {
    let written = 0;
    await assembleRange(
      m.range,
      new Set(m.previousCustomers),
      (base) => {
        const c = withEnrichment(base, provider.enrich(base));
        written++;
        counter.add(c);
        out!.write(companies, companyCodec, c);
        sink?.add(c);
      },
      (records) => reply({type: 'progress', records}),
    );
    await out!.commit();
    await sink?.commitFiles();
    reply({type: 'done', written, counts: counter.counts, providerStats: provider.stats(), states: sink?.states()});
  };
  reply({type: 'ready'});
} catch (e) {
  await cleanUp();
  reply(failed(e));
}
