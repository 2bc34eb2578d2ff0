import {
  AbortedError,
  InvalidConfigError,
  type MetricsSink,
  QueueFullError,
  TimeoutError,
} from '@victor-ai/core';
import fc from 'fast-check';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { createExecutor, EXECUTOR_METRICS, type ExecutorOptions } from './executor.js';

interface Deferred<T> {
  promise: Promise<T>;
  resolve(value: T): void;
  reject(error: unknown): void;
}

function deferred<T = void>(): Deferred<T> {
  let resolve!: (value: T) => void;
  let reject!: (error: unknown) => void;
  const promise = new Promise<T>((res, rej) => {
    resolve = res;
    reject = rej;
  });
  return { promise, resolve, reject };
}

/** A one-slot executor (unless `options` say otherwise) whose first job runs until `gate.resolve()`. */
function busyExecutor<T = void>(options: ExecutorOptions = {}) {
  const executor = createExecutor({ concurrency: 1, ...options });
  const gate = deferred<T>();
  const first = executor.run(() => gate.promise);
  return { executor, gate, first };
}

function recordingSink() {
  const calls: Array<{ kind: string; name: string; value: number; labels: unknown }> = [];
  const sink: MetricsSink = {
    increment: (name, labels, value = 1) => calls.push({ kind: 'increment', name, value, labels }),
    gauge: (name, value, labels) => calls.push({ kind: 'gauge', name, value, labels }),
    observe: (name, value, labels) => calls.push({ kind: 'observe', name, value, labels }),
  };
  return { sink, calls };
}

afterEach(() => {
  vi.useRealTimers();
});

describe('createExecutor', () => {
  describe('options', () => {
    it('rejects bad options with InvalidConfigError naming the option and value', () => {
      expect(() => createExecutor({ concurrency: 0 })).toThrow(InvalidConfigError);
      expect(() => createExecutor({ concurrency: 1.5 })).toThrow(
        /concurrency must be a positive integer, got 1.5/,
      );
      expect(() => createExecutor({ maxQueue: -1 })).toThrow(/maxQueue/);
      expect(() => createExecutor({ queueTimeoutMs: 0 })).toThrow(/queueTimeoutMs.*got 0/);
      expect(() => createExecutor({ name: '' })).toThrow(/name/);
      expect(() => createExecutor({ metrics: {} as MetricsSink })).toThrow(/metrics/);
    });

    it('accepts any positive integer concurrency and non-negative maxQueue', () => {
      fc.assert(
        fc.property(fc.integer({ min: 1, max: 10_000 }), fc.integer({ min: 0, max: 10_000 }), (c, q) => {
          const executor = createExecutor({ concurrency: c, maxQueue: q });
          return executor.concurrency === c && executor.size === 0 && executor.pending === 0;
        }),
      );
    });

    it('refuses every non-integer or non-positive concurrency', () => {
      fc.assert(
        fc.property(
          fc.oneof(fc.double({ noInteger: true }), fc.integer({ max: 0 }), fc.string(), fc.constant(null)),
          (value) => {
            expect(() => createExecutor({ concurrency: value as number })).toThrow(InvalidConfigError);
          },
        ),
      );
    });
  });

  describe('limits', () => {
    it('runs at most `concurrency` jobs at once and queues the rest', async () => {
      const executor = createExecutor({ concurrency: 2 });
      const gates = [deferred(), deferred(), deferred()];
      let active = 0;
      let peak = 0;
      const results = gates.map((gate, index) =>
        executor.run(async () => {
          active++;
          peak = Math.max(peak, active);
          await gate.promise;
          active--;
          return index;
        }),
      );
      await Promise.resolve();
      expect(executor.pending).toBe(2);
      expect(executor.size).toBe(1);
      for (const gate of gates) gate.resolve();
      expect(await Promise.all(results)).toEqual([0, 1, 2]);
      expect(peak).toBe(2);
      expect(executor.pending).toBe(0);
      expect(executor.size).toBe(0);
    });

    it('rejects with QueueFullError once maxQueue jobs wait', async () => {
      const { executor, gate, first } = busyExecutor({ maxQueue: 1 });
      const second = executor.run(() => 'queued');
      const third = executor.run(() => 'refused');
      await expect(third).rejects.toBeInstanceOf(QueueFullError);
      await expect(third).rejects.toMatchObject({ code: 'QUEUE_FULL', isRetryable: true });
      gate.resolve();
      await first;
      expect(await second).toBe('queued');
    });

    it('never queues with maxQueue 0', async () => {
      const { executor, gate, first } = busyExecutor({ maxQueue: 0 });
      await expect(executor.run(() => 1)).rejects.toBeInstanceOf(QueueFullError);
      gate.resolve();
      await first;
      expect(await executor.run(() => 2)).toBe(2);
    });

    it('frees the slot when a job throws synchronously or rejects', async () => {
      const executor = createExecutor({ concurrency: 1 });
      await expect(
        executor.run(() => {
          throw new Error('sync');
        }),
      ).rejects.toThrow('sync');
      await expect(executor.run(() => Promise.reject(new Error('async')))).rejects.toThrow('async');
      expect(executor.pending).toBe(0);
      expect(await executor.run(() => 'still works')).toBe('still works');
    });

    it('runs many synchronous queued jobs without growing the stack', async () => {
      const { executor, gate, first } = busyExecutor({ maxQueue: Number.POSITIVE_INFINITY });
      const rest = Array.from({ length: 20_000 }, (_, index) => executor.run(() => index));
      gate.resolve();
      await first;
      const values = await Promise.all(rest);
      expect(values[19_999]).toBe(19_999);
    });
  });

  describe('order', () => {
    it('starts queued jobs in FIFO order', async () => {
      const executor = createExecutor({ concurrency: 1, maxQueue: 100 });
      const started: number[] = [];
      const gate = deferred();
      const blocker = executor.run(() => gate.promise);
      const jobs = Array.from({ length: 10 }, (_, index) =>
        executor.run(async () => {
          started.push(index);
          await Promise.resolve();
        }),
      );
      gate.resolve();
      await blocker;
      await Promise.all(jobs);
      expect(started).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
    });

    it('keeps FIFO for any mix of job durations and concurrency', async () => {
      await fc.assert(
        fc.asyncProperty(
          fc.integer({ min: 1, max: 4 }),
          fc.array(fc.integer({ min: 0, max: 3 }), { minLength: 1, maxLength: 30 }),
          async (concurrency, ticks) => {
            const executor = createExecutor({ concurrency, maxQueue: 100 });
            const started: number[] = [];
            await Promise.all(
              ticks.map((tick, index) =>
                executor.run(async () => {
                  started.push(index);
                  for (let i = 0; i < tick; i++) await Promise.resolve();
                }),
              ),
            );
            expect(started).toEqual(ticks.map((_, index) => index));
          },
        ),
      );
    });

    it('does not let a new job overtake queued ones when a slot frees', async () => {
      const { executor, gate, first } = busyExecutor();
      const order: string[] = [];
      const queued = executor.run(() => order.push('queued'));
      gate.resolve();
      await first;
      const late = executor.run(() => order.push('late'));
      await Promise.all([queued, late]);
      expect(order).toEqual(['queued', 'late']);
    });
  });

  describe('queue timeout', () => {
    it('fails a job that waited too long with TimeoutError and removes it', async () => {
      vi.useFakeTimers();
      const { executor, gate, first } = busyExecutor({ queueTimeoutMs: 100 });
      const ran = vi.fn();
      const waiting = executor.run(ran);
      const assertion = expect(waiting).rejects.toBeInstanceOf(TimeoutError);
      await vi.advanceTimersByTimeAsync(99);
      expect(executor.size).toBe(1);
      await vi.advanceTimersByTimeAsync(1);
      await assertion;
      await expect(waiting).rejects.toMatchObject({ code: 'TIMEOUT', timeoutMs: 100 });
      expect(executor.size).toBe(0);
      gate.resolve();
      await first;
      expect(ran).not.toHaveBeenCalled();
    });

    it('clears the queue timer when the job starts in time', async () => {
      vi.useFakeTimers();
      const { executor, gate, first } = busyExecutor({ queueTimeoutMs: 100 });
      const second = executor.run(() => 'ran');
      expect(vi.getTimerCount()).toBe(1);
      await vi.advanceTimersByTimeAsync(50);
      gate.resolve();
      await first;
      expect(await second).toBe('ran');
      expect(vi.getTimerCount()).toBe(0);
    });

    it('leaves no timer behind on the fast path', async () => {
      vi.useFakeTimers();
      const executor = createExecutor({ concurrency: 1, queueTimeoutMs: 100 });
      await executor.run(() => 1);
      expect(vi.getTimerCount()).toBe(0);
    });
  });

  describe('abort', () => {
    it('removes a queued job when its signal aborts', async () => {
      const { executor, gate, first } = busyExecutor();
      const controller = new AbortController();
      const ran = vi.fn();
      const waiting = executor.run(ran, { abortSignal: controller.signal });
      const next = executor.run(() => 'next');
      expect(executor.size).toBe(2);
      controller.abort();
      await expect(waiting).rejects.toBeInstanceOf(AbortedError);
      expect(executor.size).toBe(1);
      gate.resolve();
      await first;
      expect(await next).toBe('next');
      expect(ran).not.toHaveBeenCalled();
    });

    it('rejects with the abort reason when it is an Error', async () => {
      const { executor, gate, first } = busyExecutor();
      const controller = new AbortController();
      const waiting = executor.run(() => 1, { abortSignal: controller.signal });
      const reason = new TimeoutError({ timeoutMs: 5 });
      controller.abort(reason);
      await expect(waiting).rejects.toBe(reason);
      gate.resolve();
      await first;
    });

    it('rejects at once for an already aborted signal without running', async () => {
      const executor = createExecutor();
      const ran = vi.fn();
      await expect(executor.run(ran, { abortSignal: AbortSignal.abort() })).rejects.toBeInstanceOf(
        AbortedError,
      );
      expect(ran).not.toHaveBeenCalled();
    });

    it('adds no abort listener when a slot is free', async () => {
      const executor = createExecutor({ concurrency: 1 });
      const controller = new AbortController();
      const addSpy = vi.spyOn(controller.signal, 'addEventListener');
      expect(await executor.run(() => 'fast', { abortSignal: controller.signal })).toBe('fast');
      expect(addSpy).not.toHaveBeenCalled();
    });

    it('removes its abort listener once the job starts', async () => {
      const { executor, gate, first } = busyExecutor();
      const controller = new AbortController();
      const removeSpy = vi.spyOn(controller.signal, 'removeEventListener');
      const waiting = executor.run(() => 'done', { abortSignal: controller.signal });
      gate.resolve();
      await first;
      expect(await waiting).toBe('done');
      expect(removeSpy).toHaveBeenCalledWith('abort', expect.any(Function));
      controller.abort();
    });
  });

  describe('onIdle and clear', () => {
    it('resolves onIdle only after running and queued jobs finish', async () => {
      const executor = createExecutor({ concurrency: 1 });
      await executor.onIdle();
      const gate = deferred();
      const first = executor.run(() => gate.promise);
      const second = executor.run(() => 2);
      let idle = false;
      const idlePromise = executor.onIdle().then(() => {
        idle = true;
      });
      await Promise.resolve();
      expect(idle).toBe(false);
      gate.resolve();
      await Promise.all([first, second, idlePromise]);
      expect(idle).toBe(true);
    });

    it('clear rejects queued jobs and lets running ones finish', async () => {
      const { executor, gate, first } = busyExecutor<string>();
      const second = executor.run(() => 2);
      executor.clear();
      await expect(second).rejects.toBeInstanceOf(AbortedError);
      gate.resolve('first');
      expect(await first).toBe('first');
      await executor.onIdle();
    });
  });

  describe('metrics', () => {
    it('reports queue length, wait time and run time with the executor label', async () => {
      const { sink, calls } = recordingSink();
      const { executor, gate, first } = busyExecutor({ metrics: sink, name: 'tools' });
      const second = executor.run(() => 2);
      gate.resolve();
      await Promise.all([first, second]);
      const labels = { executor: 'tools' };
      expect(calls).toContainEqual({ kind: 'gauge', name: EXECUTOR_METRICS.queueLength, value: 1, labels });
      expect(calls).toContainEqual({ kind: 'gauge', name: EXECUTOR_METRICS.queueLength, value: 0, labels });
      const waits = calls.filter((call) => call.name === EXECUTOR_METRICS.waitSeconds);
      const runs = calls.filter((call) => call.name === EXECUTOR_METRICS.runSeconds);
      expect(waits).toHaveLength(2);
      expect(runs).toHaveLength(2);
      expect(waits[0]?.value).toBe(0);
      expect(waits[1]?.value).toBeGreaterThanOrEqual(0);
      for (const run of runs) expect(run.labels).toEqual(labels);
    });
  });
});
