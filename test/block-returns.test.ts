import {MessageChannel, receiveMessageOnPort} from 'node:worker_threads';
import fc from 'fast-check';
import {AtomicCsvWriter, BLOCK, encodeCsvRow, setBlockSource} from '../src/io/csv.js';
import {settleBlocks, takeBlocksFrom} from '../src/parallel/worker-pool.js';

afterEach(() => setBlockSource(undefined));

/** A row: a few cells of any text and one of 8,000 to 9,000 two-byte characters (its length: made in the test). */
const row = fc.tuple(fc.integer({min: 0, max: 2}), fc.array(fc.string({maxLength: 40}), {maxLength: 3}), fc.integer({min: 8000, max: 9000}));

describe('blocks given back through a port (blockReturner, takeBlocksFrom)', () => {
  it('are what the writers fill next, so a worker takes no new block for each one it sends; the bytes are unchanged (property)', async () => {
    await fc.assert(
      fc.property(fc.array(row, {minLength: 60, maxLength: 120}), fc.integer({min: 0, max: 5}), (rows, hold) => {
        // The lead thread's side: a block is written (copied here) and given back through the port, `hold`
        // blocks late (as when the lead holds a later range's blocks); the worker's side reads the other end.
        const {port1, port2} = new MessageChannel();
        takeBlocksFrom(port2);
        const written: Buffer[][] = [[], [], []];
        const held: Uint8Array[] = [];
        // A block given back is stamped in its last bytes (which no row reaches: a block is handed on at
        // BLOCK bytes, half a block short of its end), so that it is known again when it comes back full.
        const stamps = new Set<number>();
        const stampOf = (b: Uint8Array) => new DataView(b.buffer).getUint32(b.buffer.byteLength - 4);
        let sent = 0;
        let reused = 0;
        const writers = [0, 1, 2].map(
          (w) =>
            new AtomicCsvWriter(`t${w}.csv`, ['c'], true, (bytes) => {
              sent++;
              if (stamps.has(stampOf(bytes))) reused++;
              written[w].push(Buffer.from(bytes));
              held.push(bytes);
              while (held.length > hold) {
                const b = held.shift()!;
                const stamp = 0x5a000000 + stamps.size;
                stamps.add(stamp);
                new DataView(b.buffer).setUint32(b.buffer.byteLength - 4, stamp);
                port1.postMessage(b, [b.buffer as ArrayBuffer]);
              }
              return true;
            }),
        );
        const expected = ['c\n', 'c\n', 'c\n'];
        // Each row 16 times: 15 MB or more, 30 blocks or more.
        for (const [w, cells, n] of rows) {
          const fields = [...cells, 'é'.repeat(n)];
          for (let k = 0; k < 16; k++) writers[w].push(fields);
          expected[w] += `${encodeCsvRow(fields)}\n`.repeat(16);
        }
        for (const w of writers) w.end();
        port1.close();
        port2.close();
        for (let w = 0; w < 3; w++) expect(Buffer.concat(written[w]).toString('utf8')).toBe(expected[w]);
        // Blocks not given back before: at most the spares, one per writer and those held, however many were sent.
        expect(sent).toBeGreaterThan(2 * (6 + 3 + 5));
        expect(sent - reused).toBeLessThanOrEqual(6 + 3 + hold);
      }),
      {numRuns: 8},
    );
  });

  it('are not left queued when no writer takes them (settleBlocks after a piece)', () => {
    const {port1, port2} = new MessageChannel();
    takeBlocksFrom(port2);
    for (const size of [1000, 5000, 1000]) {
      const b = new Uint8Array(size);
      port1.postMessage(b, [b.buffer]);
    }
    settleBlocks();
    expect(receiveMessageOnPort(port2)).toBeUndefined();
    port1.close();
    port2.close();
  });

  it('are dropped when they are not the size of a block (e.g. one grown for a long row)', () => {
    const {port1, port2} = new MessageChannel();
    takeBlocksFrom(port2);
    const odd = new Uint8Array(1000);
    port1.postMessage(odd, [odd.buffer]);
    const sunk: Uint8Array[] = [];
    const w = new AtomicCsvWriter('t.csv', ['c'], false, (bytes) => (sunk.push(bytes), true));
    // About a dozen blocks: more than the spares a thread keeps, so the port is read.
    for (let k = 0; k < 100; k++) w.push(['x'.repeat(BLOCK >> 3)]);
    w.end();
    // The odd block was taken from the port and dropped: every block the writer filled is a block's size.
    expect(receiveMessageOnPort(port2)).toBeUndefined();
    for (const b of sunk) expect(b.buffer.byteLength).toBeGreaterThanOrEqual(BLOCK);
    port1.close();
    port2.close();
  });
});
