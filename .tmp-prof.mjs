import {readFileSync} from 'node:fs';
const p = JSON.parse(readFileSync(process.argv[2]));
const self = new Map(); const byId = new Map(p.nodes.map(n => [n.id, n]));
const dt = p.timeDeltas; const counts = new Map();
p.samples.forEach((s, i) => counts.set(s, (counts.get(s) || 0) + (dt[i] || 0)));
const total = [...counts.values()].reduce((a, b) => a + b, 0);
const agg = new Map();
for (const [id, t] of counts) { const n = byId.get(id); const f = n.callFrame; const k = `${f.functionName || '(anon)'} ${f.url.split('/').slice(-2).join('/')}:${f.lineNumber}`; agg.set(k, (agg.get(k) || 0) + t); }
// file level
const files = new Map();
for (const [id, t] of counts) { const n = byId.get(id); const u = n.callFrame.url.split('/').slice(-2).join('/') || n.callFrame.functionName; files.set(u, (files.get(u) || 0) + t); }
console.log('total s', (total / 1e6).toFixed(2));
console.log([...files].sort((a, b) => b[1] - a[1]).slice(0, 18).map(([k, t]) => `${(t / 1e6).toFixed(2)} ${k}`).join('\n'));
console.log('---');
console.log([...agg].sort((a, b) => b[1] - a[1]).slice(0, 25).map(([k, t]) => `${(t / 1e6).toFixed(2)} ${k}`).join('\n'));
