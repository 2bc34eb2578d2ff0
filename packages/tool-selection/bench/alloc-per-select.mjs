// Bytes allocated per uncached lexical select (the figure in the README's "Page faults" note): heap growth
// over N selects with a new space large enough that no collection runs in between. After a build:
//
//   node --min-semi-space-size=128 --max-semi-space-size=128 packages/tool-selection/bench/alloc-per-select.mjs [tool count, 4000]
//
// Optionally a second argument: another build's dist/index.js, to compare in the same run.
import { syntheticPool } from './synthetic-tools.mjs';

const count = Number(process.argv[2] ?? 4000);
const builds = [new URL('../dist/index.js', import.meta.url).href, ...process.argv.slice(3)];
const { tools, queries } = syntheticPool(count, { queryCount: 200 });
const N = 4000;
for (const dist of builds) {
  const { ToolRegistry, ToolSelector } = await import(dist);
  const selector = new ToolSelector({ registry: new ToolRegistry(tools), strategy: 'lexical', cacheSize: 0 });
  const select = (i) => selector.selectSync(queries[i % queries.length].query, { k: 10 });
  for (let i = 0; i < 3000; i++) select(i);
  const before = process.memoryUsage().heapUsed;
  for (let i = 0; i < N; i++) select(i);
  const bytes = (process.memoryUsage().heapUsed - before) / N;
  console.log(`${dist}: ${count} tools, ${(bytes / 1024).toFixed(2)} KiB per select`);
}
