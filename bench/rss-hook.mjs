// Loaded with `node --import ./bench/rss-hook.mjs`: on exit, writes the process's peak resident set size
// (KiB) to the file named by BENCH_RSS_FILE. Keeps measurement out of the product code.
import {writeFileSync} from 'node:fs';

const target = process.env.BENCH_RSS_FILE;
if (target) process.on('exit', () => writeFileSync(target, String(process.resourceUsage().maxRSS)));
