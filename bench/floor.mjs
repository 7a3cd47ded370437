// The papaparse floor: a bare streaming read of the CSV plus a streaming write of every record, with no
// other work. `stedi-gtm run` is compared with this (target: at most 2x).
//   node bench/floor.mjs <input.csv> <output.csv>
import {createReadStream, createWriteStream} from 'node:fs';
import Papa from 'papaparse';

const [input, output] = process.argv.slice(2);
const out = createWriteStream(output);
let batch = [];
let rows = 0;
await new Promise((resolve, reject) => {
  Papa.parse(createReadStream(input, {encoding: 'utf8', highWaterMark: 1 << 20}), {
    newline: '\r\n',
    delimiter: ',',
    chunk(results, parser) {
      rows += results.data.length;
      batch.push(Papa.unparse(results.data, {newline: '\n'}) + '\n');
      if (batch.length >= 4) {
        const ok = out.write(batch.join(''));
        batch = [];
        if (!ok) {
          parser.pause();
          out.once('drain', () => parser.resume());
        }
      }
    },
    complete: () => resolve(),
    error: reject,
  });
});
out.write(batch.join(''));
await new Promise((r) => out.end(r));
process.stdout.write(JSON.stringify({rows}) + '\n');
