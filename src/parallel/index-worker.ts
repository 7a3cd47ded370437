// The first pass of `enrich` on a large export, on its own thread: its key table and the garbage of reading
// the export live and die with this thread, so the lead thread never holds them (the memory goes back to the
// system when the pass ends). Rejected rows are written to the rejects table's part file, which the lead thread
// puts in place with the other tables (see WriterGroup 'part'). With `init.part`, it indexes one half of the
// export (see indexInParts in parallel/worker-client.ts).
import {parentPort, workerData} from 'node:worker_threads';
import {errorReport} from '../errors.js';
import {silentReporter} from '../io/reporter.js';
import {loadFormat} from '../io/formats/index.js';
import {WriterGroup} from '../io/writer-group.js';
import {setFormulaGuard} from '../io/table-codec.js';
import {indexExport, indexPart, PartDeclined, type IndexOptions} from '../stages/account-index.js';
import {rejectCodec} from '../stages/codecs.js';
import type {IndexInit, IndexReply} from './protocol.js';

const init = workerData as IndexInit;
setFormulaGuard(init.formulaGuard);
const reply = (m: IndexReply, transfer: ArrayBuffer[] = []) => parentPort!.postMessage(m, transfer);

// The rejects table is written in the lead thread's format.
await loadFormat(init.format);
let out = new WriterGroup('part');
const open = () => (init.rejects ? out.open(init.rejects, rejectCodec) : undefined);
let rejects = open();
try {
  const opts: IndexOptions = {
    shard: init.shard,
    exactKeys: init.exactKeys,
    ingest: {goneNames: new Set(init.goneNames)},
    reporter: {...silentReporter, progress: (rows) => reply({type: 'progress', rows})},
    onReject(r) {
      if (rejects) out.write(rejects, rejectCodec, r);
    },
    onRestart() {
      void out.abort();
      out = new WriterGroup('part');
      rejects = open();
    },
  };
  if (init.part) {
    const done = await indexPart(init.input, init.part, opts);
    await out.commit();
    const p = done.part;
    reply(
      {type: 'part', part: done},
      [
        p.account,
        p.keyHash,
        p.line,
        p.offset,
        p.rows,
        p.last,
        p.h1,
        p.h2,
        p.nameH1,
        p.nameH2,
        p.nameDomain,
        p.linkAccount,
        p.linkName,
        p.accountShard,
      ].map((a) => a.buffer as ArrayBuffer),
    );
  } else {
    const ex = await indexExport(init.input, opts);
    await out.commit();
    const ix = ex.index;
    const buffers = [ix.account, ix.keyHash, ix.line, ix.rows, ix.last, ...(ix.offset ? [ix.offset] : [])].map((a) => a.buffer as ArrayBuffer);
    reply({type: 'done', index: ex}, buffers);
  }
} catch (e) {
  await out.abort();
  if (e instanceof PartDeclined) reply({type: 'declined', reason: e.message});
  else reply({type: 'error', ...errorReport(e)});
}
