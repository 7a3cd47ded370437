#!/usr/bin/env -S node --loader ts-node/esm --disable-warning=ExperimentalWarning
// Development entry point: runs the TypeScript sources without a build (needs ts-node, not installed by default).
// Most of the time `npm run build && ./bin/run.js` is what you want.
import {execute} from '@oclif/core';

await execute({development: true, dir: import.meta.url});
