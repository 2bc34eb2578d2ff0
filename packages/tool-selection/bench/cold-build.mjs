// The first index build in a fresh process (JIT cold, nothing stemmed yet) for 4,000 synthetic tools:
// `node bench/cold-build.mjs [runs]` spawns one process per run and prints each time and the median.
import { execFileSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';

const size = Number(process.env.SIZE ?? 4000);
if (process.argv[2] === '--child') {
  const { ToolRegistry, ToolSelector } = await import('../dist/index.js');
  const { syntheticPool } = await import('./synthetic-tools.mjs');
  const registry = new ToolRegistry(syntheticPool(size, { seed: size }).tools);
  const start = performance.now();
  await new ToolSelector({ registry }).prepare();
  const cold = performance.now() - start;
  const again = performance.now();
  await new ToolSelector({ registry }).prepare();
  console.log(JSON.stringify({ cold, second: performance.now() - again }));
} else {
  const runs = Number(process.argv[2] ?? 7);
  const results = [];
  for (let run = 0; run < runs; run++) {
    const output = execFileSync(process.execPath, [fileURLToPath(import.meta.url), '--child'], {
      encoding: 'utf8',
    });
    results.push(JSON.parse(output));
  }
  const median = (values) => values.sort((a, b) => a - b)[values.length >> 1];
  console.log(
    `cold prepare of ${size} tools (ms): ${results.map((r) => r.cold.toFixed(0)).join(', ')}; median ${median(results.map((r) => r.cold)).toFixed(0)}`,
  );
  console.log(
    `second prepare in the same process (ms): median ${median(results.map((r) => r.second)).toFixed(0)}`,
  );
}
