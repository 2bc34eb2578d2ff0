// A/B of uncached lexical select between builds of this package on one set, interleaved in one process,
// summarised by the minimum, lower quartile and median over rounds of the CPU time per select: on a shared
// machine those move far less than the mean (bench/ab-toolsel.mjs) does.
// Usage: node bench/ab-min.mjs SET DIST_A DIST_B   (SET: a folder name under $TOOLSEL_DATA, default
// /work/shared/data/toolsel, with tools.json and queries.jsonl; or synthetic55, synthetic1000, synthetic4000)
// ROUNDS=30 by default.
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { pathToFileURL } from 'node:url';

const dirs = process.argv.slice(3).map((dir) => resolve(dir));
if (dirs.length !== 2) {
  console.error('usage: node bench/ab-min.mjs SET DIST_A DIST_B');
  process.exit(2);
}
const mods = await Promise.all(dirs.map((v) => import(pathToFileURL(`${v}/index.js`).href)));
const set = process.argv[2];
let tools, queries;
if (set.startsWith('synthetic')) {
  const { syntheticPool } = await import('./synthetic-tools.mjs');
  const size = Number(set.slice(9));
  const p = syntheticPool(size, { seed: size });
  tools = p.tools;
  queries = p.queries.map((q) => q.query);
} else {
  const D = `${process.env.TOOLSEL_DATA ?? '/work/shared/data/toolsel'}/${set}`;
  tools = JSON.parse(readFileSync(`${D}/tools.json`, 'utf8'));
  queries = readFileSync(`${D}/queries.jsonl`, 'utf8')
    .split('\n')
    .filter(Boolean)
    .map((l) => JSON.parse(l).query);
}
const sels = mods.map(({ ToolRegistry, ToolSelector }) => {
  const r = new ToolRegistry();
  for (const t of tools)
    try {
      r.add({ ...t, parameters: t.parameters ?? { type: 'object', properties: {} } });
    } catch {}
  const s = new ToolSelector({ registry: r, cacheSize: 0, minTools: 0, k: 10 });
  for (let i = 0; i < 3; i++) for (const q of queries) s.selectSync(q);
  return s;
});
const rounds = Number(process.env.ROUNDS ?? 30);
const per = dirs.map(() => []);
for (let round = 0; round < rounds; round++)
  for (let j = 0; j < dirs.length; j++) {
    const v = (round + j) % dirs.length;
    const s = sels[v];
    const c = process.cpuUsage();
    for (const q of queries) s.selectSync(q);
    const u = process.cpuUsage(c);
    per[v].push((u.user + u.system) / queries.length);
  }
const stats = per.map((x) => {
  x.sort((a, b) => a - b);
  return { min: x[0], q1: x[Math.floor(x.length / 4)], med: x[x.length >> 1] };
});
dirs.forEach((dir, i) => {
  const { min, q1, med } = stats[i];
  console.log(
    `${set.padEnd(16)} ${dir.split('/').slice(-1)[0].padEnd(6)} cpu us/select min ${min.toFixed(1)} q1 ${q1.toFixed(1)} median ${med.toFixed(1)}`,
  );
});
console.log(
  set.padEnd(16),
  'b/a min',
  (stats[1].min / stats[0].min).toFixed(2),
  'q1',
  (stats[1].q1 / stats[0].q1).toFixed(2),
  'median',
  (stats[1].med / stats[0].med).toFixed(2),
);
