// Worker pool test tasks: plain ES module so a worker thread loads it without TypeScript tooling.
import { threadId } from 'node:worker_threads';

/** Adds two numbers. */
export function add({ a, b }) {
  return a + b;
}

/** Returns the worker's thread id, to see workers being replaced. */
export function whoAmI() {
  return threadId;
}

/** Doubles its argument (the default export). */
export default function double(value) {
  return value * 2;
}

/** Throws a coded error, as a failing tool would. */
export function fail({ message }) {
  const error = new RangeError(message);
  error.code = 'E_FIXTURE';
  throw error;
}

/** Rejects with an object that looks like a retryable Victor error. */
export async function failRetryable() {
  const error = new Error('upstream busy');
  error[Symbol.for('@victor-ai/core.error')] = true;
  error.code = 'HTTP_STATUS';
  error.isRetryable = true;
  throw error;
}

/** Ends the worker's process-like thread, the way a native crash or a stray process.exit would. */
export function exitWorker() {
  process.exit(7);
}

/** Throws outside the task's promise, which kills the worker. */
export function throwUncaught() {
  return new Promise(() => {
    setTimeout(() => {
      throw new Error('uncaught in worker');
    }, 1);
  });
}

/** Burns CPU for `ms` milliseconds of wall time. */
export function spin({ ms }) {
  const end = Date.now() + ms;
  let count = 0;
  while (Date.now() < end) count++;
  return count;
}

/** Never settles. */
export function hang() {
  return new Promise(() => {});
}

/** Resolves when a SharedArrayBuffer flag is set by the test, so the test controls when the task ends. */
export function waitForFlag({ flag }) {
  const view = new Int32Array(flag);
  Atomics.wait(view, 0, 0);
  return 'released';
}

/** Returns something that cannot be cloned back to the main thread. */
export function returnsFunction() {
  return { callback() {} };
}

/** Not a function. */
export const notAFunction = 42;

/** A CPU-bound core Tool. */
export const wordCountTool = {
  definition: {
    name: 'word_count',
    description: 'Counts words in a text.',
    parameters: { type: 'object', properties: { text: { type: 'string' } }, required: ['text'] },
    cpuBound: true,
  },
  execute(args, context) {
    return { words: args.text.split(/\s+/).filter(Boolean).length, tenantId: context.tenantId ?? null };
  },
};
