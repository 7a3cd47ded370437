// The second core's share of `enrich` and `run` (rules provider): the main thread reads and merges the
// export and posts companies here in batches, in order; this thread enriches them, writes companies.csv and,
// under `run`, simulates and writes the deals, billing and unified tables. One worker, one FIFO: the files
// are the same bytes as a single-threaded run.
import {parentPort, workerData} from 'node:worker_threads';
import {withEnrichment} from '../core/accounts.js';
import {WriterGroup} from '../io/writer-group.js';
import {RulesProvider} from '../providers/rules.js';
import type {CompanyBase} from '../schemas/companies.js';
import {loadDealModel} from '../stages/deals.js';
import {companyCodec, CompanyCounter, loadIcpRules} from '../stages/enrich.js';
import {SimulationSink} from '../stages/simulate.js';
import type {WorkerInit, WorkerMessage, WorkerReply} from './protocol.js';

const init = workerData as WorkerInit;
const silent = {start() {}, progress() {}, succeed() {}, info() {}, warn() {}, stop() {}};
const reply = (m: WorkerReply) => parentPort!.postMessage(m);

let out: WriterGroup | undefined;
let sink: SimulationSink | undefined;
try {
  const provider = new RulesProvider(loadIcpRules(init.configDir));
  out = new WriterGroup();
  const companies = out.open(init.paths.companies, companyCodec.columns);
  const counter = new CompanyCounter();
  if (init.simulation) {
    const loaded = loadDealModel(init.configDir, init.simulation.asOf);
    sink = new SimulationSink({paths: init.paths, configDir: init.configDir, seed: init.simulation.seed, asOf: init.simulation.asOf, reporter: silent}, loaded);
  }
  let written = 0;
  parentPort!.on('message', async (m: WorkerMessage) => {
    try {
      if (m.type === 'batch') {
        for (const base of m.companies as CompanyBase[]) {
          const c = withEnrichment(base, provider.enrich(base));
          written++;
          counter.add(c);
          out!.push(companies, companyCodec.encode(c));
          sink?.add(c);
        }
        reply({type: 'ack', written});
      } else if (m.type === 'end') {
        await out!.commit();
        const simulation = sink ? await sink.finish(silent) : undefined;
        reply({type: 'done', written, counts: counter.counts, providerStats: provider.stats(), simulation});
      } else if (m.type === 'abort') {
        await out!.abort();
        await sink?.abort();
        reply({type: 'aborted'});
      }
    } catch (e) {
      await out?.abort();
      await sink?.abort();
      reply({type: 'error', message: (e as Error).message, exitCode: (e as {exitCode?: number}).exitCode ?? 1});
    }
  });
  reply({type: 'ready'});
} catch (e) {
  await out?.abort();
  await sink?.abort();
  reply({type: 'error', message: (e as Error).message, exitCode: (e as {exitCode?: number}).exitCode ?? 1});
}
