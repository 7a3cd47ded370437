import {existsSync, readdirSync, readFileSync} from 'node:fs';
import {join} from 'node:path';
import fc from 'fast-check';
import {BLOCK, recycleBlock} from '../src/io/csv.js';
import {TableCodec} from '../src/io/table-codec.js';
import {OrderedTables, WriterGroup} from '../src/io/writer-group.js';
import {PieceQueue, WORKER_FIRST_OLD_MB, workerHeapFlags, workerLimits, type WorkerLimits} from '../src/parallel/worker-pool.js';
import {tempDir} from './helpers/cli.js';

let t: ReturnType<typeof tempDir>;
beforeEach(() => (t = tempDir()));
afterEach(() => t.cleanup());

const TABLES = ['a.csv', 'b.csv', 'c.csv'];
const text = (b: Uint8Array) => Buffer.from(b).toString('utf8');
/** A codec of text columns. */
const codecOf = (...names: string[]) =>
  new TableCodec<Record<string, string>>(names.map((name) => ({name, kind: 'string', nullable: false, plain: false})));

/** Per piece: its blocks, each (table, text), in the order the piece sends them. */
const pieces = fc.array(
  fc.array(fc.record({table: fc.integer({min: 0, max: TABLES.length - 1}), text: fc.string({minLength: 1, maxLength: 12})}), {maxLength: 6}),
  {minLength: 1, maxLength: 8},
);

describe('OrderedTables', () => {
  it('writes each table as the pieces in order, whatever order the pieces send their blocks and finish in (property)', async () => {
    let run = 0;
    await fc.assert(
      fc.asyncProperty(pieces, fc.array(fc.nat(), {maxLength: 80}), async (ps, schedule) => {
        const dir = join(t.dir, `r${run++}`);
        const paths = TABLES.map((f) => join(dir, f));
        const out = new OrderedTables(paths);
        // Each piece's messages in its own order: its blocks, then "finished"; the pieces interleave as scheduled.
        const cursor = ps.map(() => 0);
        const step = (p: number) => {
          const k = cursor[p]++;
          if (k < ps[p].length) out.add(p, paths[ps[p][k].table], Buffer.from(ps[p][k].text));
          else out.finish(p);
        };
        const open = () => ps.map((_, p) => p).filter((p) => cursor[p] <= ps[p].length);
        for (const s of schedule) {
          const left = open();
          if (left.length === 0) break;
          step(left[s % left.length]);
        }
        for (let left = open(); left.length > 0; left = open()) step(left[left.length - 1]);
        expect(out.heldBytes).toBe(0);
        expect(out.next).toBe(ps.length);
        await out.commit();
        TABLES.forEach((f, i) => {
          const want = ps
            .map((blocks) =>
              blocks
                .filter((b) => b.table === i)
                .map((b) => b.text)
                .join(''),
            )
            .join('');
          expect([f, readFileSync(join(dir, f), 'utf8')]).toEqual([f, want]);
        });
        expect(readdirSync(dir).filter((f) => f.startsWith('.'))).toEqual([]);
      }),
    );
  });

  it('holds a later piece until the earlier ones finish, and refuses to commit while one is held', async () => {
    const paths = TABLES.map((f) => join(t.dir, f));
    const out = new OrderedTables(paths);
    out.add(1, paths[0], Buffer.from('later\n'));
    out.add(0, paths[0], Buffer.from('first\n'));
    expect(out.heldBytes).toBe(6);
    await expect(out.commit()).rejects.toThrow(/pieces 1 after an unfinished piece 0/);
    out.finish(1);
    expect(out.heldBytes).toBe(6);
    out.finish(0);
    expect(out.heldBytes).toBe(0);
    await out.commit();
    expect(readFileSync(paths[0], 'utf8')).toBe('first\nlater\n');
  });

  it('puts the tables in place on commit, those asked for in the background once `renamed` settles', async () => {
    const paths = TABLES.map((f) => join(t.dir, f));
    const out = new OrderedTables(paths);
    paths.forEach((p, i) => out.add(0, p, Buffer.from(`table ${i}\n`)));
    out.finish(0);
    const {renamed} = await out.commit([paths[1]]);
    expect(readFileSync(paths[0], 'utf8')).toBe('table 0\n');
    expect(readFileSync(paths[2], 'utf8')).toBe('table 2\n');
    await renamed;
    expect(readFileSync(paths[1], 'utf8')).toBe('table 1\n');
    expect(readdirSync(t.dir).filter((f) => f.startsWith('.'))).toEqual([]);
  });

  it('leaves the tables as they were when aborted', () => {
    const paths = TABLES.map((f) => join(t.dir, f));
    const out = new OrderedTables(paths);
    out.add(0, paths[0], Buffer.from('x\n'));
    out.abort();
    expect(paths.some((p) => existsSync(p))).toBe(false);
    expect(readdirSync(t.dir)).toEqual([]);
  });
});

describe('WriterGroup (stream)', () => {
  it('hands each table its blocks (header first when asked) instead of writing files', async () => {
    const sent: Array<{path: string; text: string}> = [];
    const group = new WriterGroup({stream: (path, bytes) => sent.push({path, text: text(bytes)}), header: true});
    const w = group.open(join(t.dir, 'x.csv'), codecOf('id', 'note'));
    group.write(w, codecOf('id', 'note'), {id: '1', note: 'a, b'});
    await group.commit();
    expect(sent).toEqual([{path: join(t.dir, 'x.csv'), text: 'id,note\n1,"a, b"\n'}]);
    expect(readdirSync(t.dir)).toEqual([]);
    const noHeader: string[] = [];
    const g2 = new WriterGroup({stream: (_p, bytes) => noHeader.push(text(bytes)), header: false});
    g2.write(g2.open(join(t.dir, 'x.csv'), codecOf('id')), codecOf('id'), {id: '2'});
    await g2.commit();
    expect(noHeader).toEqual(['2\n']);
  });

  it('sends a block of at least BLOCK bytes as soon as it is full, and a fresh block follows', async () => {
    const sizes: number[] = [];
    const buffers = new Set<ArrayBufferLike>();
    const group = new WriterGroup({
      stream: (_p, bytes) => {
        sizes.push(bytes.length);
        buffers.add(bytes.buffer);
      },
      header: false,
    });
    const v = codecOf('v');
    const w = group.open(join(t.dir, 'x.csv'), v);
    for (let i = 0; i < 3000; i++) group.write(w, v, {v: 'y'.repeat(999)});
    await group.commit();
    expect(sizes.reduce((a, b) => a + b, 0)).toBe(3000 * 1000);
    expect(sizes.length).toBeGreaterThanOrEqual(2);
    expect(sizes.slice(0, -1).every((n) => n >= BLOCK)).toBe(true);
    // Each block is handed over with memory of its own (it can be transferred to another thread).
    expect(buffers.size).toBe(sizes.length);
  });

  it('reuses a block given back once written (recycleBlock) for the next one, the bytes staying right', async () => {
    const buffers: ArrayBufferLike[] = [];
    let all = '';
    const group = new WriterGroup({
      stream: (_p, bytes) => {
        all += text(bytes);
        buffers.push(bytes.buffer);
        recycleBlock(bytes);
      },
      header: false,
    });
    const v = codecOf('v');
    const w = group.open(join(t.dir, 'x.csv'), v);
    const lines = Array.from({length: 4000}, (_, i) => `${i}`.padEnd(999, 'z') + '\n');
    for (const l of lines) group.write(w, v, {v: l.slice(0, -1)});
    await group.commit();
    expect(all).toBe(lines.join(''));
    expect(buffers.length).toBeGreaterThanOrEqual(3);
    expect(new Set(buffers).size).toBeLessThan(buffers.length);
  });
});

describe('PieceQueue', () => {
  it('hands out every piece once, in order, never more than `ahead` past the first unfinished one (property)', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.integer({min: 0, max: 30}),
        fc.integer({min: 1, max: 5}),
        fc.integer({min: 1, max: 4}),
        fc.array(fc.nat(), {maxLength: 60}),
        async (count, ahead, threads, delays) => {
          const done = new Set<number>();
          let firstUnfinished = 0;
          const queue = new PieceQueue(count, ahead, () => firstUnfinished);
          const taken: number[] = [];
          let d = 0;
          const thread = async () => {
            for (let k = await queue.take(); k !== -1; k = await queue.take()) {
              expect(k).toBeLessThan(firstUnfinished + ahead);
              taken.push(k);
              // Pieces take a while, some longer than others: they finish out of order.
              for (let i = delays[d++ % Math.max(1, delays.length)] % 4; i > 0; i--) await Promise.resolve();
              done.add(k);
              while (done.has(firstUnfinished)) firstUnfinished++;
              queue.finished();
            }
          };
          await Promise.all(Array.from({length: threads}, thread));
          expect(taken).toEqual(Array.from({length: count}, (_, i) => i));
        },
      ),
    );
  });

  it('answers -1 to every taker once stopped, waiting ones included', async () => {
    const queue = new PieceQueue(10, 1, () => 0);
    expect(await queue.take()).toBe(0);
    const waiting = queue.take();
    queue.stop();
    expect(await waiting).toBe(-1);
    expect(await queue.take()).toBe(-1);
  });
});

describe('workerHeapFlags', () => {
  const flags = (limits: WorkerLimits) =>
    Object.fromEntries(
      workerHeapFlags(limits)
        .map((f) => f.slice(2).split('='))
        .map(([k, v]) => [k, Number(v)]),
    );

  it("asks for 16 MB semi-spaces and WORKER_FIRST_OLD_MB of old generation with the workers' limits", () => {
    expect(WORKER_FIRST_OLD_MB).toBeLessThan(workerLimits({}).maxOldGenerationSizeMb!);
    expect(flags(workerLimits({}))).toEqual({'min-semi-space-size': 16, 'initial-old-space-size': WORKER_FIRST_OLD_MB});
  });

  it('stays within any limits: three semi-spaces fit the young generation, the first old collection comes within the old one (property)', () => {
    fc.assert(
      fc.property(
        fc.option(fc.integer({min: 1, max: 4096}), {nil: undefined}),
        fc.option(fc.integer({min: 1, max: 4096}), {nil: undefined}),
        (young, old) => {
          const f = flags({maxYoungGenerationSizeMb: young, maxOldGenerationSizeMb: old});
          expect(f['min-semi-space-size']).toBeGreaterThanOrEqual(1);
          expect(f['min-semi-space-size']).toBeLessThanOrEqual(Math.max(1, Math.min(16, (young ?? 48) / 3)));
          expect(f['initial-old-space-size']).toBeGreaterThanOrEqual(1);
          expect(f['initial-old-space-size']).toBeLessThanOrEqual(Math.max(1, Math.min(WORKER_FIRST_OLD_MB, old ?? WORKER_FIRST_OLD_MB)));
        },
      ),
    );
  });
});
