// A worker of `run --from deals` on a large companies.csv: it simulates the chunks it is sent, streams each
// table's blocks back to the lead thread (which writes the chunks in order) and answers with the chunk's
// statistics (see src/parallel/simulate-companies.ts).
import {parentPort, workerData} from 'node:worker_threads';
import {loadFormat} from '../io/formats/index.js';
import {silentReporter} from '../io/reporter.js';
import {loadDealModel} from '../stages/deals.js';
import {simulateChunk} from './simulate-companies.js';
import {blockSender, settleBlocks, takeBlocksFrom} from './worker-pool.js';
import type {SimulateChunkMessage, SimulateChunkReply, SimulateInit} from './protocol.js';

const init = workerData as SimulateInit;
const reply = (m: SimulateChunkReply) => parentPort!.postMessage(m);

try {
  await loadFormat(init.format);
  const s = {paths: init.paths, configDir: init.configDir, seed: init.seed, asOf: init.asOf, digest: init.digest, reporter: silentReporter};
  const loaded = await loadDealModel(init.configDir, init.asOf);
  parentPort!.on('message', async (m: SimulateChunkMessage) => {
    if (m.type === 'blocks') return takeBlocksFrom(m.port);
    try {
      const {sink, companies, ids} = await simulateChunk(s, loaded, init.context, m.index, m.chunk, blockSender(m.index));
      settleBlocks();
      parentPort!.postMessage({type: 'done', index: m.index, companies, states: sink.states(), ids} satisfies SimulateChunkReply, [
        ids.buffer as ArrayBuffer,
      ]);
    } catch (e) {
      reply({type: 'error', message: (e as Error).message});
    }
  });
  reply({type: 'ready'});
} catch (e) {
  reply({type: 'error', message: (e as Error).message});
}
