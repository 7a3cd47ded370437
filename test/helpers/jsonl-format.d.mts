import type {TableFormat} from '../../src/io/formats/registry.js';

/** See jsonl-format.mjs. */
declare const jsonLines: TableFormat;
export default jsonLines;
