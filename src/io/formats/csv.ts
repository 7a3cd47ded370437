import {AtomicCsvWriter} from '../csv.js';
import {planChunks} from '../csv-chunks.js';
import type {Newline} from '../csv-scan.js';
import {RecordCounter} from '../manifest.js';
import {TableCursor} from '../table-cursor.js';
import type {TableFormat} from './registry.js';

/**
 * The CSV format (the default): UTF-8, a header row, "\n" line ends, cells as papaparse writes them (see
 * TableCodec.line, compiled per table). Its encoder is AtomicCsvWriter; its reader TableCursor (the fast scanner,
 * papaparse for files it declines); a part of a row (RowPart) is the cells' CSV text, so unified.csv copies the
 * company's cells of companies.csv as they are in the file, without decoding them. No footer, no block meta.
 */
export const csvFormat: TableFormat = {
  name: 'csv',
  extension: '.csv',
  description: 'comma-separated values with a header row (UTF-8, LF)',
  encoder: (o) => new AtomicCsvWriter(o.path, o.table.columns, o.head, o.sink, o.table),
  open: (path, codec, opts) => TableCursor.open(path, codec, opts),
  rowCounter() {
    const counter = new RecordCounter();
    // The header is a record too.
    return {add: (b) => counter.add(b), rows: () => Math.max(0, counter.total() - 1)};
  },
  chunks: {
    async plan(path, chunkBytes) {
      const plan = await planChunks(path, chunkBytes);
      return plan && {chunks: plan.chunks, context: {header: plan.header, newline: plan.newline} satisfies CsvChunkContext};
    },
    open(path, codec, opts, chunk, context) {
      const {header, newline} = context as CsvChunkContext;
      return TableCursor.open(path, codec, {...opts, range: {start: chunk.start, end: chunk.end, header, newline}});
    },
  },
};

/** What the readers of CSV chunks need: the file's header and newline (the chunks have no header). */
interface CsvChunkContext {
  header: string[];
  newline: Newline;
}
