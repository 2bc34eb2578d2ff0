// core's hand-written combineSignals against AbortSignal.any / AbortSignal.timeout, in one run: what a
// tool call with a timeout, a turn with the caller's and the agent's signals, and a step's own signal cost.
// Usage (after `pnpm --filter @victor-ai/core build`): node --expose-gc bench/signals.bench.mjs
import { Bench } from 'tinybench';
import { combineSignals } from '../dist/index.js';

const parent = new AbortController().signal;
const other = new AbortController().signal;
const bench = new Bench({ time: 1000, warmupTime: 500 });

bench
  .add('two signals: combineSignals + dispose()', () => {
    const combined = combineSignals([parent, other]);
    combined.dispose();
  })
  .add('two signals: AbortSignal.any', () => {
    AbortSignal.any([parent, other]);
  })
  .add('signal + 30 s timeout: combineSignals + dispose()', () => {
    const combined = combineSignals([parent], { timeoutMs: 30_000 });
    combined.dispose();
  })
  .add('signal + 30 s timeout: AbortSignal.any + AbortSignal.timeout', () => {
    AbortSignal.any([parent, AbortSignal.timeout(30_000)]);
  })
  .add('a child of one signal: AbortController + listener, removed', () => {
    const controller = new AbortController();
    const onAbort = () => controller.abort(parent.reason);
    parent.addEventListener('abort', onAbort, { once: true });
    parent.removeEventListener('abort', onAbort);
  })
  .add('a child of one signal: AbortSignal.any([parent])', () => {
    AbortSignal.any([parent]);
  });

await bench.run();
const rows = bench.tasks.map((task) => {
  const latency = task.result.latency ?? task.result;
  return { task: task.name, 'ns/op p50': Math.round((latency.p50 ?? latency.mean) * 1e6) };
});
console.table(rows);

// What a long-lived parent (the agent's close signal) holds after many short-lived combinations.
function heapAfter(make) {
  globalThis.gc?.();
  const before = process.memoryUsage().heapUsed;
  for (let i = 0; i < 200_000; i++) make();
  const grown = process.memoryUsage().heapUsed - before;
  globalThis.gc?.();
  return {
    grownMB: (grown / 2 ** 20).toFixed(1),
    afterGcMB: ((process.memoryUsage().heapUsed - before) / 2 ** 20).toFixed(1),
  };
}
console.table({
  'combineSignals + dispose()': heapAfter(() => combineSignals([parent, other]).dispose()),
  'AbortSignal.any': heapAfter(() => AbortSignal.any([parent, other])),
});
