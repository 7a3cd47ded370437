// A worker of `run --from deals` on a large companies.csv: it simulates the chunks it is sent, each into part
// `index` of every table, and answers with the chunk's statistics (see src/stages/simulate-companies.ts).
import {parentPort, workerData} from 'node:worker_threads';
import {silentReporter} from '../io/reporter.js';
import {loadDealModel} from '../stages/deals.js';
import {simulateChunk} from '../stages/simulate-companies.js';
import type {SimulateChunkMessage, SimulateChunkReply, SimulateInit} from './protocol.js';

const init = workerData as SimulateInit;
const reply = (m: SimulateChunkReply) => parentPort!.postMessage(m);

try {
  const s = {paths: init.paths, configDir: init.configDir, seed: init.seed, asOf: init.asOf, digest: init.digest, reporter: silentReporter};
  const loaded = loadDealModel(init.configDir, init.asOf);
  parentPort!.on('message', async (m: SimulateChunkMessage) => {
    try {
      const {sink, companies} = await simulateChunk(s, loaded, init, m.index, m.chunk);
      reply({type: 'done', index: m.index, companies, states: sink.states()});
    } catch (e) {
      reply({type: 'error', message: (e as Error).message});
    }
  });
  reply({type: 'ready'});
} catch (e) {
  reply({type: 'error', message: (e as Error).message});
}
