// Per-call cost of @victor-ai/executor: the executor's fast path against a direct call, and one trivial
// call through the worker pool against raw piscina and against a hand-written node:worker_threads
// round trip (postMessage there and back), all in one run. tinybench; prints a table and JSON.
//
//   pnpm --filter @victor-ai/executor build && pnpm --filter @victor-ai/executor bench:dispatch
import { once } from 'node:events';
import { Worker } from 'node:worker_threads';
import { Piscina } from 'piscina';
import { Bench } from 'tinybench';
import { createExecutor, defineWorkerTask } from '../dist/index.js';
import { createWorkerPool } from '../dist/workers.js';

const tasks = new URL('./dispatch-task.mjs', import.meta.url);
const add = defineWorkerTask(tasks, 'add');
const argument = { a: 1, b: 2 };

const executor = createExecutor({ concurrency: 8 });
const pool = createWorkerPool({ size: 1 });
const piscina = new Piscina({ filename: tasks.href, name: 'add', minThreads: 1, maxThreads: 1 });
const raw = new Worker(
  `const { parentPort } = require('node:worker_threads');
   parentPort.on('message', ({ a, b }) => parentPort.postMessage(a + b));`,
  { eval: true },
);
await once(raw, 'online');
function rawCall(message) {
  return new Promise((resolve) => {
    raw.once('message', resolve);
    raw.postMessage(message);
  });
}
const direct = async ({ a, b }) => a + b;

const bench = new Bench({ time: 1500, warmupTime: 500 });
bench
  .add('direct async call', () => direct(argument))
  .add('executor.run (free slot)', () => executor.run(() => direct(argument)))
  .add('raw worker_threads round trip', () => rawCall(argument))
  .add('raw piscina.run', () => piscina.run(argument))
  .add('workerPool.run', () => pool.run(add, argument));
await bench.run();
console.table(bench.table());
// tinybench reports milliseconds; print nanoseconds.
const ns = (value) => Math.round(value * 1e6);
const latency = (field) =>
  Object.fromEntries(bench.tasks.map((task) => [task.name, ns(task.result.latency[field])]));
console.log(JSON.stringify({ p50Ns: latency('p50'), p99Ns: latency('p99') }));
await pool.close();
await piscina.destroy();
await raw.terminate();
