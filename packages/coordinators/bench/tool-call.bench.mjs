// One tool call through the agent's tool path (`ToolCoordinator.run`: registry lookup, executor, the
// safety + validation + audit middleware chain of the benchmark app's `mcp` scenario, and the tool-result
// cache missing, every call with new arguments) against a bare call of the same tool, measured in the same
// run: tasks interleave pass by pass, figures are medians over passes, `added` is p50 minus the bare call's
// p50 of the same pass. The tool answers at once, so only the runtime's own cost is measured.
// Build first: `pnpm --filter @victor-ai/cache build && pnpm --filter @victor-ai/coordinators build`, then
// `pnpm --filter @victor-ai/coordinators exec node bench/tool-call.bench.mjs`.
// To compare with an earlier build in the same run, copy that build's `dist/*.js` of both packages to
// `node_modules/.cache/tool-call-base/{cache,coordinators}/` of this package first: its rows are added.
import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { getOrCompute, MemoryCache, ToolResultCache } from '@victor-ai/cache';
import {
  createAuditMiddleware,
  createSafetyMiddleware,
  createToolMiddlewareChain,
  createValidationMiddleware,
} from '@victor-ai/middleware';
import { Bench } from 'tinybench';
import { ToolCoordinator } from '../dist/index.js';

const PASSES = Number(process.env.BENCH_PASSES ?? 9);
const TIME_MS = Number(process.env.BENCH_TIME_MS ?? 250);
const BATCH = 50;

const tool = {
  definition: {
    name: 'echo',
    description: 'Echoes its text.',
    parameters: { type: 'object', properties: { text: { type: 'string' } }, required: ['text'] },
    readOnly: true,
  },
  execute: async ({ text }) => text,
};
const middleware = () => [
  createSafetyMiddleware({ workspaceRoot: process.cwd() }),
  createValidationMiddleware(),
  createAuditMiddleware({ log: () => undefined }),
];
const lookup = (name) => (name === 'echo' ? tool : undefined);

function coordinators(cacheModule, coordinatorModule) {
  const on = new coordinatorModule.ToolCoordinator({
    lookup,
    chain: createToolMiddlewareChain(middleware()),
    resultCache: new cacheModule.ToolResultCache({
      cache: new cacheModule.MemoryCache({ name: 'bench-tool-call', maxEntries: 100 }),
    }),
  });
  const off = new coordinatorModule.ToolCoordinator({
    lookup,
    chain: createToolMiddlewareChain(middleware()),
  });
  const resultCache = new cacheModule.ToolResultCache({
    cache: new cacheModule.MemoryCache({ name: 'bench-tool-call-alone', maxEntries: 100 }),
  });
  const memory = new cacheModule.MemoryCache({ name: 'bench-get-or-compute', maxEntries: 100 });
  return { on, off, resultCache, memory, getOrCompute: cacheModule.getOrCompute };
}

let counter = 0;
function paths({ on, off, resultCache, memory, getOrCompute }) {
  const run = (coordinator) => async () => {
    for (let i = 0; i < BATCH; i++) {
      const text = `m${counter++}`;
      const [result] = await coordinator.run([{ id: text, name: 'echo', arguments: { text } }]);
      if (!result.ok || result.output !== text || result.cached) throw new Error(`bad result ${result}`);
    }
  };
  return {
    'cache on (miss)': run(on),
    'cache off': run(off),
    'ToolResultCache.execute miss alone': async () => {
      for (let i = 0; i < BATCH; i++) {
        const text = `m${counter++}`;
        const { output } = await resultCache.execute(tool, { text }, {});
        if (output !== text) throw new Error('bad result');
      }
    },
    'getOrCompute miss alone': async () => {
      for (let i = 0; i < BATCH; i++) {
        const text = `m${counter++}`;
        if ((await getOrCompute(memory, text, () => text)) !== text) throw new Error('bad result');
      }
    },
  };
}

const tasks = [
  [
    'bare tool.execute (baseline)',
    async () => {
      for (let i = 0; i < BATCH; i++) {
        const text = `m${counter++}`;
        if ((await tool.execute({ text }, {})) !== text) throw new Error('bad result');
      }
    },
  ],
];
for (const [name, fn] of Object.entries(
  paths(coordinators({ getOrCompute, MemoryCache, ToolResultCache }, { ToolCoordinator })),
)) {
  tasks.push([`${name}`, fn]);
}
const base = join(dirname(fileURLToPath(import.meta.url)), '..', 'node_modules', '.cache', 'tool-call-base');
if (existsSync(join(base, 'cache', 'index.js')) && existsSync(join(base, 'coordinators', 'index.js'))) {
  const oldCache = await import(pathToFileURL(join(base, 'cache', 'index.js')).href);
  const oldCoordinators = await import(pathToFileURL(join(base, 'coordinators', 'index.js')).href);
  for (const [name, fn] of Object.entries(paths(coordinators(oldCache, oldCoordinators)))) {
    tasks.push([`BASE ${name}`, fn]);
  }
}

const median = (values) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)];
const p50s = new Map(tasks.map(([name]) => [name, []]));
for (let pass = 0; pass <= PASSES; pass++) {
  const bench = new Bench({ time: TIME_MS });
  // Rotate the order each pass, so no task always runs right after the same one.
  for (let k = 0; k < tasks.length; k++) bench.add(...tasks[(pass + k) % tasks.length]);
  await bench.run();
  if (pass === 0) continue; // warm-up pass
  for (const task of bench.tasks) p50s.get(task.name).push((task.result.latency.p50 * 1000) / BATCH);
}
const baseline = p50s.get(tasks[0][0]);
console.log(
  `\n## One tool call (us per call; medians of ${PASSES} interleaved passes; added = p50 - baseline p50 of the same pass; shared, noisy machine, load ${(await import('node:os')).loadavg()[0].toFixed(1)})`,
);
console.log('| task | p50 us | added us |');
console.log('|---|---|---|');
for (const [name] of tasks) {
  const values = p50s.get(name);
  const added = median(values.map((value, pass) => value - baseline[pass]));
  console.log(`| ${name} | ${median(values).toFixed(2)} | ${added.toFixed(2)} |`);
}
