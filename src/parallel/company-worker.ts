// One worker of `enrich` and `run` (rules provider) on a large export. The lead thread hands out ranges of the
// export (found by the first pass) one at a time, to whichever worker is free. For each range the worker
// assembles the accounts that end there, enriches them and, under `run`, simulates their deals, billing and
// unified rows; it streams the tables' blocks back to the lead thread, which writes the ranges in order
// (OrderedTables), so the files are the same bytes as one thread would write.
import {parentPort, workerData} from 'node:worker_threads';
import {errorReport} from '../errors.js';
import {silentReporter} from '../io/reporter.js';
import {withEnrichment} from '../core/accounts.js';
import {setFormulaGuard} from '../io/table-codec.js';
import {newTextCellStats} from '../core/text-cells.js';
import {loadFormat} from '../io/formats/index.js';
import {WriterGroup} from '../io/writer-group.js';
import {RulesProvider} from '../providers/rules.js';
import {loadDealModel} from '../stages/deals.js';
import {blockSender, settleBlocks, takeBlocksFrom} from './worker-pool.js';
import {companyCodec, CompanyCounter, loadIcpRules} from '../stages/enrich.js';
import {assembleRange} from './enrich-range.js';
import {SimulationSink} from '../stages/simulate.js';
import type {WorkerInit, WorkerMessage, WorkerReply} from './protocol.js';

const init = workerData as WorkerInit;
setFormulaGuard(init.formulaGuard);
const reply = (m: WorkerReply) => parentPort!.postMessage(m);
const failed = (e: unknown): WorkerReply => ({type: 'error', ...errorReport(e)});

/** The range being done (aborted on failure). */
let out: WriterGroup | undefined;
/** Range 0's simulation sink: the other ranges' statistics are merged into it ('summarize'). */
let first: SimulationSink | undefined;
let work: ((m: Extract<WorkerMessage, {type: 'range'}>) => Promise<void>) | undefined;
let finish: (() => WorkerReply) | undefined;

async function cleanUp(): Promise<void> {
  await out?.abort();
}

parentPort!.on('message', async (m: WorkerMessage) => {
  try {
    if (m.type === 'blocks') takeBlocksFrom(m.port);
    else if (m.type === 'range') await work!(m);
    else if (m.type === 'finish') reply(finish!());
    else if (m.type === 'summarize') {
      for (const s of m.states) first!.absorb(s);
      // Computed here, written by the lead thread: it holds the dataset they are staged into (see range-workers.ts).
      reply({type: 'summaries', simulation: first!.results()});
    } else if (m.type === 'abort') {
      await cleanUp();
      reply({type: 'aborted'});
    }
  } catch (e) {
    await cleanUp();
    reply(failed(e));
  }
});

// Everything that does not depend on the range is set up at once, before the first range comes.
try {
  await loadFormat(init.format);
  const provider = new RulesProvider(await loadIcpRules(init.configDir));
  const sim = init.simulation;
  const loaded = sim ? await loadDealModel(init.configDir, sim.asOf) : undefined;
  /** Records read in the ranges done (progress counts every range of this worker). */
  let records = 0;
  work = async (m) => {
    const group = (out = new WriterGroup({stream: blockSender(m.index), header: m.index === 0}));
    const companies = group.open(init.paths.companies, companyCodec);
    // A sink per range: its statistics are merged in range order, whichever worker did which range.
    const sink =
      sim && loaded
        ? new SimulationSink(
            {
              paths: init.paths,
              configDir: init.configDir,
              seed: sim.seed,
              asOf: sim.asOf,
              digest: sim.digest,
              shard: sim.shard,
              reporter: silentReporter,
            },
            loaded,
            group,
          )
        : undefined;
    // Counts per range too: added up in range order, their keys come in the order one thread meets them.
    const counter = new CompanyCounter();
    let written = 0;
    const before = records;
    const text = {...companyCodec.textStats};
    const r = await assembleRange(
      m.range,
      new Set(m.previousCustomers),
      (base) => {
        const c = withEnrichment(base, provider.enrich(base));
        written++;
        counter.add(c);
        if (sink) sink.writeAndAdd(c, companies);
        else {
          group.company(c.company_key);
          group.write(companies, companyCodec, c);
        }
      },
      (n) => reply({type: 'progress', records: before + n}),
    );
    records = before + r.records;
    await group.commit();
    out = undefined;
    settleBlocks();
    if (m.index === 0) first = sink;
    const now = companyCodec.textStats;
    const delta = newTextCellStats();
    delta.formula_cells = now.formula_cells - text.formula_cells;
    delta.control_chars_removed = now.control_chars_removed - text.control_chars_removed;
    reply({type: 'range-done', index: m.index, written, counts: counter.counts, text: delta, states: sink?.states()});
  };
  finish = () => ({type: 'done', providerStats: provider.stats()});
  reply({type: 'ready'});
} catch (e) {
  await cleanUp();
  reply(failed(e));
}
