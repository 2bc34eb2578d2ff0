import {
  AbortedError,
  InvalidArgumentsError,
  InvalidConfigError,
  type MetricsSink,
  QueueFullError,
  TimeoutError,
  VictorError,
} from '@victor-ai/core';
import { afterEach, describe, expect, it } from 'vitest';
import { WorkerCrashedError, WorkerTaskError } from './errors.js';
import { EXECUTOR_METRICS } from './executor.js';
import { createWorkerPool, defaultWorkerPoolSize, type WorkerPool } from './worker-pool.js';
import { defineWorkerTask } from './worker-task.js';

const fixtures = new URL('./__fixtures__/tasks.mjs', import.meta.url);
const add = defineWorkerTask<{ a: number; b: number }, number>(fixtures, 'add');
const double = defineWorkerTask<number, number>(fixtures);
const whoAmI = defineWorkerTask<void, number>(fixtures, 'whoAmI');
const fail = defineWorkerTask<{ message: string }, never>(fixtures, 'fail');
const failRetryable = defineWorkerTask<void, never>(fixtures, 'failRetryable');
const exitWorker = defineWorkerTask<void, never>(fixtures, 'exitWorker');
const throwUncaught = defineWorkerTask<void, never>(fixtures, 'throwUncaught');
const hang = defineWorkerTask<void, never>(fixtures, 'hang');
const waitForFlag = defineWorkerTask<{ flag: SharedArrayBuffer }, string>(fixtures, 'waitForFlag');
const returnsFunction = defineWorkerTask<void, unknown>(fixtures, 'returnsFunction');
const notAFunction = defineWorkerTask<void, unknown>(fixtures, 'notAFunction');
const missingExport = defineWorkerTask<void, unknown>(fixtures, 'missingExport');

const pools: WorkerPool[] = [];
function pool(options: Parameters<typeof createWorkerPool>[0] = {}): WorkerPool {
  const created = createWorkerPool({ size: 1, ...options });
  pools.push(created);
  return created;
}

afterEach(async () => {
  await Promise.all(pools.splice(0).map((created) => created.close({ force: true })));
});

/** A flag a `waitForFlag` task blocks on until `release()`. */
function gate() {
  const flag = new SharedArrayBuffer(4);
  return {
    flag,
    release() {
      const view = new Int32Array(flag);
      Atomics.store(view, 0, 1);
      Atomics.notify(view, 0);
    },
  };
}

function recordingSink() {
  const increments: Array<{ name: string; labels: unknown }> = [];
  const names = new Set<string>();
  const sink: MetricsSink = {
    increment: (name, labels) => {
      increments.push({ name, labels });
      names.add(name);
    },
    gauge: (name) => names.add(name),
    observe: (name) => names.add(name),
  };
  return { sink, increments, names };
}

describe('createWorkerPool', () => {
  describe('options', () => {
    it('defaults the size to the cores minus one, at least 1', () => {
      expect(defaultWorkerPoolSize()).toBeGreaterThanOrEqual(1);
      const created = pool({ size: undefined });
      expect(created.size).toBe(defaultWorkerPoolSize());
    });

    it('rejects bad options with InvalidConfigError', () => {
      expect(() => createWorkerPool({ size: 0 })).toThrow(/size must be a positive integer, got 0/);
      expect(() => createWorkerPool({ size: 1, timeoutMs: -1 })).toThrow(InvalidConfigError);
      expect(() => createWorkerPool({ size: 1, maxQueue: -1 })).toThrow(/maxQueue/);
    });

    it('rejects a workerEntry that does not exist, naming the path', () => {
      const missing = new URL('./__fixtures__/no-such-worker-entry.mjs', import.meta.url);
      expect(() => createWorkerPool({ size: 1, workerEntry: missing })).toThrow(
        /workerEntry ".*no-such-worker-entry\.mjs" does not exist/,
      );
      expect(() => createWorkerPool({ size: 1, workerEntry: 'file://%' })).toThrow(InvalidConfigError);
    });

    it('runs tasks with a workerEntry given as an absolute path', async () => {
      const entry = new URL('./worker-entry.mjs', import.meta.url).pathname;
      expect(await pool({ workerEntry: entry }).run(double, 4)).toBe(8);
    });
  });

  describe('run', () => {
    it('runs a named export and the default export in a worker', async () => {
      const created = pool({ size: 2 });
      expect(await created.run(add, { a: 2, b: 3 })).toBe(5);
      expect(await created.run(double, 21)).toBe(42);
      expect(created.threads).toBe(2);
    });

    it('runs calls on a thread other than the main one', async () => {
      const { threadId } = await import('node:worker_threads');
      const created = pool();
      expect(await created.run(whoAmI, undefined)).not.toBe(threadId);
    });

    it('fails with WorkerTaskError when the function throws, and keeps the worker', async () => {
      const created = pool();
      const before = await created.run(whoAmI, undefined);
      const failure = created.run(fail, { message: 'no such file' });
      await expect(failure).rejects.toBeInstanceOf(WorkerTaskError);
      await expect(failure).rejects.toMatchObject({
        code: 'WORKER_TASK_FAILED',
        remoteName: 'RangeError',
        remoteCode: 'E_FIXTURE',
        isRetryable: false,
        message: expect.stringContaining('no such file'),
      });
      expect(await created.run(whoAmI, undefined)).toBe(before);
      expect(created.restarts).toBe(0);
    });

    it('copies isRetryable from a Victor error thrown in the worker', async () => {
      const created = pool();
      await expect(created.run(failRetryable, undefined)).rejects.toMatchObject({
        code: 'WORKER_TASK_FAILED',
        remoteCode: 'HTTP_STATUS',
        isRetryable: true,
      });
    });

    it('fails with InvalidConfigError when the export is missing or not a function', async () => {
      const created = pool();
      await expect(created.run(missingExport, undefined)).rejects.toBeInstanceOf(InvalidConfigError);
      await expect(created.run(notAFunction, undefined)).rejects.toThrow(/not a function/);
    });

    it('fails with InvalidArgumentsError when the argument cannot be cloned', async () => {
      const created = pool();
      await expect(created.run(add, { a: 1, b: () => 2 } as never)).rejects.toBeInstanceOf(
        InvalidArgumentsError,
      );
      expect(await created.run(add, { a: 1, b: 2 })).toBe(3);
    });
  });

  describe('crashes', () => {
    it('fails the call with WorkerCrashedError when the worker exits, and replaces the worker', async () => {
      const { sink, increments } = recordingSink();
      const created = pool({ metrics: sink, name: 'cpu' });
      const before = await created.run(whoAmI, undefined);
      const crash = created.run(exitWorker, undefined);
      await expect(crash).rejects.toBeInstanceOf(WorkerCrashedError);
      await expect(crash).rejects.toMatchObject({ code: 'WORKER_CRASHED', exportName: 'exitWorker' });
      expect(VictorError.isInstance(await crash.catch((error: unknown) => error))).toBe(true);
      const after = await created.run(whoAmI, undefined);
      expect(after).not.toBe(before);
      expect(created.restarts).toBe(1);
      expect(increments).toContainEqual({
        name: EXECUTOR_METRICS.workerRestarts,
        labels: { executor: 'cpu', reason: 'crash' },
      });
    });

    it('fails the call with WorkerCrashedError on an uncaught error in the worker', async () => {
      const created = pool();
      await expect(created.run(throwUncaught, undefined)).rejects.toMatchObject({
        code: 'WORKER_CRASHED',
        message: expect.stringContaining('uncaught in worker'),
      });
      expect(await created.run(add, { a: 1, b: 1 })).toBe(2);
    });

    it('fails with WorkerCrashedError when the result cannot be cloned back', async () => {
      const created = pool();
      await expect(created.run(returnsFunction, undefined)).rejects.toBeInstanceOf(WorkerCrashedError);
      expect(await created.run(add, { a: 1, b: 1 })).toBe(2);
    });

    it('recovers after repeated crashes and keeps queued calls', async () => {
      const created = pool();
      const results = await Promise.allSettled([
        created.run(exitWorker, undefined),
        created.run(add, { a: 1, b: 2 }),
        created.run(exitWorker, undefined),
        created.run(add, { a: 3, b: 4 }),
      ]);
      expect(results.map((result) => result.status)).toEqual([
        'rejected',
        'fulfilled',
        'rejected',
        'fulfilled',
      ]);
      expect(results[3]).toEqual({ status: 'fulfilled', value: 7 });
      expect(created.restarts).toBe(2);
      expect(created.threads).toBe(1);
    });
  });

  describe('limits, abort and timeouts', () => {
    it('queues beyond the pool size and refuses beyond maxQueue', async () => {
      const created = pool({ maxQueue: 1 });
      const blocker = gate();
      const first = created.run(waitForFlag, { flag: blocker.flag });
      const second = created.run(add, { a: 1, b: 1 });
      expect(created.running).toBe(1);
      expect(created.queued).toBe(1);
      await expect(created.run(add, { a: 1, b: 1 })).rejects.toBeInstanceOf(QueueFullError);
      blocker.release();
      expect(await first).toBe('released');
      expect(await second).toBe(2);
    });

    it('removes a queued call on abort without touching the running one', async () => {
      const created = pool();
      const blocker = gate();
      const first = created.run(waitForFlag, { flag: blocker.flag });
      const controller = new AbortController();
      const queued = created.run(add, { a: 1, b: 1 }, { abortSignal: controller.signal });
      controller.abort();
      await expect(queued).rejects.toBeInstanceOf(AbortedError);
      expect(created.queued).toBe(0);
      blocker.release();
      expect(await first).toBe('released');
      expect(created.restarts).toBe(0);
    });

    it('stops a running call on abort, replaces its worker and goes on', async () => {
      const created = pool();
      const before = await created.run(whoAmI, undefined);
      const controller = new AbortController();
      const running = created.run(hang, undefined, { abortSignal: controller.signal });
      await new Promise((resolve) => setImmediate(resolve));
      controller.abort();
      await expect(running).rejects.toBeInstanceOf(AbortedError);
      expect(await created.run(add, { a: 2, b: 2 })).toBe(4);
      expect(await created.run(whoAmI, undefined)).not.toBe(before);
      expect(created.restarts).toBe(1);
    });

    it('fails a call that runs past timeoutMs with TimeoutError', async () => {
      const created = pool({ timeoutMs: 60_000 });
      const blocker = gate();
      const call = created.run(waitForFlag, { flag: blocker.flag }, { timeoutMs: 20 });
      await expect(call).rejects.toBeInstanceOf(TimeoutError);
      await expect(call).rejects.toMatchObject({ code: 'TIMEOUT', timeoutMs: 20 });
      expect(await created.run(add, { a: 2, b: 3 })).toBe(5);
    });

    it('fails a call that waited past queueTimeoutMs with TimeoutError', async () => {
      const created = pool({ queueTimeoutMs: 20 });
      const blocker = gate();
      const first = created.run(waitForFlag, { flag: blocker.flag });
      await expect(created.run(add, { a: 1, b: 1 })).rejects.toBeInstanceOf(TimeoutError);
      blocker.release();
      expect(await first).toBe('released');
    });
  });

  describe('close', () => {
    it('waits for running calls, rejects queued ones, and terminates every worker', async () => {
      const created = pool();
      const blocker = gate();
      const running = created.run(waitForFlag, { flag: blocker.flag });
      const queued = created.run(add, { a: 1, b: 1 });
      const closed = created.close();
      await expect(queued).rejects.toBeInstanceOf(AbortedError);
      await expect(created.run(add, { a: 1, b: 1 })).rejects.toThrow(/closed/);
      blocker.release();
      expect(await running).toBe('released');
      await closed;
      expect(created.threads).toBe(0);
      expect(created.running).toBe(0);
    });

    it('with force stops running calls with AbortedError', async () => {
      const created = pool();
      const running = created.run(hang, undefined);
      await new Promise((resolve) => setImmediate(resolve));
      const stopped = expect(running).rejects.toBeInstanceOf(AbortedError);
      await created.close({ force: true });
      await stopped;
      expect(created.threads).toBe(0);
      expect(created.restarts).toBe(0);
    });

    it('is idempotent', async () => {
      const created = pool();
      await Promise.all([created.close(), created.close()]);
      expect(created.threads).toBe(0);
    });
  });

  describe('metrics', () => {
    it('reports queue length, wait and run time under the executor names', async () => {
      const { sink, names } = recordingSink();
      const created = pool({ metrics: sink });
      await created.run(add, { a: 1, b: 1 });
      expect(names.has(EXECUTOR_METRICS.waitSeconds)).toBe(true);
      expect(names.has(EXECUTOR_METRICS.runSeconds)).toBe(true);
    });
  });
});

describe('defineWorkerTask', () => {
  it('accepts a URL, a file: URL string or an absolute path, and defaults the export', async () => {
    const { fileURLToPath } = await import('node:url');
    expect(defineWorkerTask(fixtures)).toEqual({ moduleUrl: fixtures.href, exportName: 'default' });
    expect(defineWorkerTask(fixtures.href, 'add').moduleUrl).toBe(fixtures.href);
    expect(defineWorkerTask(fileURLToPath(fixtures), 'add').moduleUrl).toBe(fixtures.href);
  });

  it('rejects relative paths, missing files and bad export names', () => {
    expect(() => defineWorkerTask('./tasks.mjs')).toThrow(InvalidConfigError);
    expect(() => defineWorkerTask(new URL('./__fixtures__/missing.mjs', import.meta.url))).toThrow(
      /existing file/,
    );
    expect(() => defineWorkerTask('https://example.com/a.mjs')).toThrow(InvalidConfigError);
    expect(() => defineWorkerTask(fixtures, 'not-an-identifier')).toThrow(/exportName/);
  });
});
