// A toy second table format for the tests (test/table-format.test.ts): JSON lines. It is what a new format
// needs and nothing more: an encoder (rows into blocks, each block reporting its rows in its meta), a footer made
// from the blocks' metas, a reader (decoding the codec's columns, giving a row part for unified's copied
// columns) and a row counter. Plain JavaScript that imports nothing, so that the tests (TypeScript sources, in
// jest) and the built CLI's worker threads (which import it by its `module` URL) load the same definition.
//
// A file: a first line {"$columns": [...]}, one object per row (the table's columns, in order), a last line
// {"$rows": N, "$columns": the number of columns} (from what the blocks reported). A row part is the text of
// some of a row's properties.

const BLOCK = 1 << 20;

/** `"name":value` of each column, joined by commas (a row part). */
const props = (columns, row) => {
  let out = '';
  for (let i = 0; i < columns.length; i++) {
    const v = row[columns[i]];
    out += `${i ? ',' : ''}${JSON.stringify(columns[i])}:${JSON.stringify(v === undefined ? null : v)}`;
  }
  return out;
};

class JsonLinesEncoder {
  constructor(o) {
    this.path = o.path;
    this.sink = o.sink;
    this.columns = o.table.columns;
    this.rows = 0;
    this.sent = 0;
    this.lines = [];
    this.chars = 0;
    this.head = o.head;
    if (o.head) this.push(`${JSON.stringify({$columns: this.columns})}\n`);
  }

  push(line) {
    this.lines.push(line);
    this.chars += line.length;
    if (this.chars >= BLOCK) this.flush();
  }

  add(codec, row) {
    this.rows++;
    this.push(`{${props(codec.columns, row)}}\n`);
  }

  addAll(codec, rows) {
    for (const r of rows) this.add(codec, r);
  }

  withPart(codec, pick) {
    return (row) => {
      this.add(codec, row);
      return props(pick.columns, row);
    };
  }

  joined(codec) {
    return (head, row) => {
      this.rows++;
      const text = typeof head === 'string' ? head : Buffer.from(head).toString('utf8');
      this.push(`{${text},${props(codec.columns, row)}}\n`);
    };
  }

  flush() {
    if (this.lines.length === 0) return;
    const bytes = Buffer.from(this.lines.join(''), 'utf8');
    const rows = this.rows - this.sent;
    this.sent = this.rows;
    this.lines = [];
    this.chars = 0;
    // The first block carries the columns too, as a format whose footer needs the schema would.
    const meta = this.head ? {rows, columns: this.columns} : {rows};
    this.head = false;
    this.sink(bytes, rows, meta);
  }

  end() {
    this.flush();
  }

  discard() {
    this.lines = [];
  }
}

/** A table of this format, read whole (a toy: the tests' tables are small). */
class JsonLinesReader {
  constructor(path, codec, opts, text) {
    const lines = text.split('\n').filter((l) => l !== '');
    const head = JSON.parse(lines[0] ?? '{}');
    const missing = opts.required.filter((c) => !(head.$columns ?? []).includes(c));
    if (missing.length) throw new Error(`${path}: missing column(s) ${missing.join(', ')}`);
    this.objects = lines
      .slice(1)
      .filter((l) => !l.startsWith('{"$rows"'))
      .map((l) => JSON.parse(l));
    this.columns = codec.columns;
    this.cellColumns = opts.cells ?? [];
    this.pos = -1;
    this.row = undefined;
    this.rowNumber = 1;
    this.cells = '';
  }

  advance() {
    const o = this.objects[++this.pos];
    if (o === undefined) {
      this.row = undefined;
      return;
    }
    const row = {};
    for (const c of this.columns) row[c] = o[c];
    this.row = row;
    this.rowNumber = this.pos + 2;
    if (this.cellColumns.length) this.cells = props(this.cellColumns, o);
  }

  estimatedRows() {
    return this.objects.length;
  }

  ids() {
    return new BigUint64Array(0);
  }

  async close() {}
}

/** @type {import('../../src/io/formats/registry.js').TableFormat} */
const jsonLines = {
  name: 'jsonl',
  extension: '.jsonl',
  description: 'JSON lines (a toy for the tests)',
  module: import.meta.url,
  encoder: (o) => new JsonLinesEncoder(o),
  // (What the blocks were is not written: where they end depends on the threads; the file must not.)
  footer(blocks) {
    const rows = blocks.reduce((n, b) => n + b.meta.rows, 0);
    return Buffer.from(`${JSON.stringify({$rows: rows, $columns: blocks[0]?.meta.columns.length ?? 0})}\n`);
  },
  async open(path, codec, opts) {
    const {readFileSync} = await import('node:fs');
    return new JsonLinesReader(path, codec, opts, readFileSync(path, 'utf8'));
  },
  rowCounter() {
    let lines = 0;
    return {
      add(b) {
        for (const c of b) if (c === 10) lines++;
      },
      rows: () => Math.max(0, lines - 2),
    };
  },
};

export default jsonLines;
