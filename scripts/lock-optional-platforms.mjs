#!/usr/bin/env node
// The npm registry reachable on our machines serves only the Linux builds of unrs-resolver (used by jest),
// so `npm install` leaves the other platforms' optional bindings out of package-lock.json and `npm ci` then
// refuses the lock ("Missing: @unrs/resolver-binding-... from lock file"). This adds lock entries for the
// missing optional platform packages (with os/cpu, so npm skips them on Linux without fetching).
// Run after any `npm install` that rewrites the lock: node scripts/lock-optional-platforms.mjs
import {readFileSync, writeFileSync} from 'node:fs';

const lock = JSON.parse(readFileSync('package-lock.json', 'utf8'));
const platform = (name) => {
  const m = /binding-([a-z0-9]+)-([a-z0-9]+)(?:-([a-z]+))?$/.exec(name);
  if (!m) return undefined;
  const [, os, cpuRaw, abi] = m;
  const cpu = cpuRaw === 'arm' ? 'arm' : cpuRaw;
  const entry = {os: [os], cpu: [cpu]};
  if (os === 'linux' && abi) entry.libc = [abi.startsWith('musl') ? 'musl' : 'glibc'];
  return entry;
};
let added = 0;
for (const [path, pkg] of Object.entries(lock.packages)) {
  for (const [dep, version] of Object.entries(pkg.optionalDependencies ?? {})) {
    if (!dep.startsWith('@unrs/resolver-binding-')) continue;
    const key = `node_modules/${dep}`;
    if (lock.packages[key]) continue;
    const p = platform(dep);
    if (!p) continue;
    lock.packages[key] = {version, ...p, dev: pkg.dev || undefined, license: 'MIT', optional: true};
    added++;
  }
  void path;
}
lock.packages = Object.fromEntries(Object.entries(lock.packages).sort(([a], [b]) => (a === '' ? -1 : b === '' ? 1 : a < b ? -1 : a > b ? 1 : 0)));
writeFileSync('package-lock.json', JSON.stringify(lock, null, 2) + '\n');
console.log(`added ${added} optional platform entries`);
