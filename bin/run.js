#!/usr/bin/env node
// oclif checks Node against its own package.json with semver when it loads (about 50 ms of every start);
// this package's engines field already says which Node it needs. A user's own setting wins.
process.env.OCLIF_DISABLE_ENGINE_WARNING ??= '1';
const {execute} = await import('@oclif/core');

await execute({dir: import.meta.url});
