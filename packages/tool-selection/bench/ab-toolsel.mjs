// A/B of uncached lexical select between two builds of this package, interleaved in one process so both
// see the same machine load: the benchmark's synthetic pools, and any labelled sets given with --set.
// Usage: node bench/ab-toolsel.mjs --a DIST_DIR --b DIST_DIR [--set NAME=TOOLS.json,QUERIES.jsonl ...]
// Prints the CPU time per select (process.cpuUsage, so time spent descheduled is not counted) and b/a.
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';
import { syntheticPool } from './synthetic-tools.mjs';

const { values } = parseArgs({
  options: {
    a: { type: 'string' },
    b: { type: 'string' },
    set: { type: 'string', multiple: true, default: [] },
    rounds: { type: 'string', default: '5' },
  },
});
if (!values.a || !values.b) {
  console.error('usage: ab-toolsel --a DIST_DIR --b DIST_DIR [--set NAME=TOOLS.json,QUERIES.jsonl ...]');
  process.exit(2);
}
const load = (dir) => import(pathToFileURL(resolve(dir, 'index.js')).href);
const builds = [await load(values.a), await load(values.b)];

const pools = [55, 1000, 4000].map((size) => {
  const { tools, queries } = syntheticPool(size, { seed: size });
  return { name: `synthetic ${size}`, tools, queries: queries.map((item) => item.query) };
});
for (const spec of values.set) {
  const [, name, toolsPath, queriesPath] = /^([^=]+)=([^,]+),(.+)$/.exec(spec) ?? [];
  if (!name) throw new Error(`--set must look like NAME=TOOLS.json,QUERIES.jsonl, got ${spec}`);
  const queries = readFileSync(queriesPath, 'utf8')
    .split('\n')
    .filter((line) => line.trim() !== '')
    .map((line) => JSON.parse(line).query);
  pools.push({ name, tools: JSON.parse(readFileSync(toolsPath, 'utf8')), queries });
}

const rounds = Number(values.rounds);
for (const pool of pools) {
  const selectors = builds.map(({ ToolRegistry, ToolSelector }) => {
    const registry = new ToolRegistry();
    for (const tool of pool.tools) {
      try {
        registry.add({ ...tool, parameters: tool.parameters ?? { type: 'object', properties: {} } });
      } catch {
        // Definitions the registry refuses are skipped by both builds alike.
      }
    }
    const selector = new ToolSelector({ registry, cacheSize: 0, minTools: 0 });
    for (const query of pool.queries) selector.selectSync(query, { k: 10 });
    return selector;
  });
  const totals = [0, 0];
  for (let round = 0; round < rounds; round++) {
    for (let which = 0; which < 2; which++) {
      const selector = selectors[(round + which) % 2];
      const start = process.cpuUsage();
      for (const query of pool.queries) selector.selectSync(query, { k: 10 });
      const used = process.cpuUsage(start);
      totals[(round + which) % 2] += used.user + used.system;
    }
  }
  const perSelect = totals.map((total) => total / rounds / pool.queries.length);
  console.log(
    `${pool.name.padEnd(16)} a ${perSelect[0].toFixed(1)} us  b ${perSelect[1].toFixed(1)} us  b/a ${(perSelect[1] / perSelect[0]).toFixed(2)}`,
  );
}
