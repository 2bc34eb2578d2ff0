import {
  AbortedError,
  abortReason,
  invalidOption,
  type MetricLabels,
  MetricNames,
  type MetricsSink,
  noopMetricsSink,
  QueueFullError,
  TimeoutError,
} from '@victor-ai/core';

/** Options of `createExecutor`. */
export interface ExecutorOptions {
  /** Jobs running at once; a positive integer. Default 8. */
  concurrency?: number;
  /** Jobs allowed to wait when every slot is busy; a non-negative integer or `Infinity`. Default 1000. */
  maxQueue?: number;
  /** Longest wait in the queue before the job fails with `TimeoutError`; none when omitted. */
  queueTimeoutMs?: number;
  /** Receives queue length, wait time and run time. Default: the no-op sink. */
  metrics?: MetricsSink;
  /** The `executor` label of every metric. Default `"default"`. */
  name?: string;
}

/** Options of one `Executor.run` call. */
export interface ExecutorRunOptions {
  /** Aborting while queued removes the job and rejects with the signal's reason (or `AbortedError`). */
  abortSignal?: AbortSignal;
}

/** A bounded async executor: at most `concurrency` jobs run at once, the rest wait in a bounded FIFO queue. */
export interface Executor {
  /**
   * Runs `fn` when a slot is free and settles with its result. Rejects with `QueueFullError` when the
   * queue is full, `TimeoutError` when the job waited longer than `queueTimeoutMs`, and the abort reason
   * when `abortSignal` aborts while the job is queued. Once `fn` has started it owns cancellation: the
   * returned promise settles when `fn` does.
   */
  run<Result>(fn: () => Result | PromiseLike<Result>, options?: ExecutorRunOptions): Promise<Awaited<Result>>;
  /** Resolves once no job runs and none waits. */
  onIdle(): Promise<void>;
  /** Rejects every queued job with `AbortedError` (or `reason`); running jobs go on. */
  clear(reason?: Error): void;
  /** Jobs waiting in the queue. */
  readonly size: number;
  /** Jobs running now. */
  readonly pending: number;
  /** The `concurrency` option. */
  readonly concurrency: number;
  /** The `name` option. */
  readonly name: string;
}

/** Metric names the executor and the worker pool report to `MetricsSink`. */
export const EXECUTOR_METRICS = Object.freeze({
  queueLength: MetricNames.executorQueueLength,
  waitSeconds: MetricNames.executorWait,
  runSeconds: MetricNames.executorRun,
  workerRestarts: MetricNames.executorWorkerRestarts,
});

interface Job {
  fn: () => unknown;
  resolve: (value: unknown) => void;
  reject: (error: unknown) => void;
  enqueuedAt: number;
  abortSignal: AbortSignal | undefined;
  onAbort: (() => void) | undefined;
  timer: ReturnType<typeof setTimeout> | undefined;
  previous: Job | undefined;
  next: Job | undefined;
}

/** Creates a bounded async executor (concurrency limit, bounded FIFO queue, abort, queue timeout). */
export function createExecutor(options: ExecutorOptions = {}): Executor {
  const concurrency = options.concurrency === undefined ? 8 : options.concurrency;
  if (!Number.isInteger(concurrency) || concurrency < 1) {
    throw invalidOption('concurrency', 'a positive integer', options.concurrency);
  }
  const maxQueue = options.maxQueue === undefined ? 1000 : options.maxQueue;
  if (!(maxQueue === Number.POSITIVE_INFINITY || (Number.isInteger(maxQueue) && maxQueue >= 0))) {
    throw invalidOption('maxQueue', 'a non-negative integer or Infinity', options.maxQueue);
  }
  const { queueTimeoutMs } = options;
  if (
    queueTimeoutMs !== undefined &&
    !(typeof queueTimeoutMs === 'number' && queueTimeoutMs > 0 && Number.isFinite(queueTimeoutMs))
  ) {
    throw invalidOption('queueTimeoutMs', 'a positive finite number', queueTimeoutMs);
  }
  const name = options.name === undefined ? 'default' : options.name;
  if (typeof name !== 'string' || name.length === 0) {
    throw invalidOption('name', 'a non-empty string', options.name);
  }
  const metrics = options.metrics === undefined ? noopMetricsSink : options.metrics;
  if (
    typeof metrics !== 'object' ||
    metrics === null ||
    typeof metrics.observe !== 'function' ||
    typeof metrics.gauge !== 'function' ||
    typeof metrics.increment !== 'function'
  ) {
    throw invalidOption('metrics', 'a MetricsSink', options.metrics);
  }
  const measure = metrics !== noopMetricsSink;
  const labels: MetricLabels = Object.freeze({ executor: name });

  let running = 0;
  let queued = 0;
  let head: Job | undefined;
  let tail: Job | undefined;
  let idleWaiters: Array<() => void> = [];

  function settleIdle(): void {
    if (running !== 0 || queued !== 0 || idleWaiters.length === 0) return;
    const waiters = idleWaiters;
    idleWaiters = [];
    for (const resolve of waiters) resolve();
  }

  // A slot was freed: hand free slots to the oldest queued jobs, or become idle. A job that finishes
  // synchronously inside the loop only decrements `running`; the outer loop goes on (no recursion).
  let pumping = false;
  function release(): void {
    running--;
    if (pumping) return;
    pumping = true;
    while (running < concurrency && head !== undefined) {
      const job = head;
      unlink(job);
      detach(job);
      if (measure) {
        metrics.gauge(EXECUTOR_METRICS.queueLength, queued, labels);
        metrics.observe(EXECUTOR_METRICS.waitSeconds, (performance.now() - job.enqueuedAt) / 1000, labels);
      }
      running++;
      start(job.fn).then(job.resolve, job.reject);
    }
    pumping = false;
    settleIdle();
  }

  // Shared across calls so that a free slot costs no closure when nobody measures.
  const releaseWithValue = (value: unknown) => {
    release();
    return value;
  };
  const releaseWithError = (error: unknown) => {
    release();
    throw error;
  };

  function start(fn: () => unknown): Promise<unknown> {
    let result: unknown;
    const startedAt = measure ? performance.now() : 0;
    try {
      result = fn();
    } catch (error) {
      if (measure)
        metrics.observe(EXECUTOR_METRICS.runSeconds, (performance.now() - startedAt) / 1000, labels);
      release();
      return Promise.reject(error);
    }
    if (!isThenable(result)) {
      if (measure)
        metrics.observe(EXECUTOR_METRICS.runSeconds, (performance.now() - startedAt) / 1000, labels);
      release();
      return Promise.resolve(result);
    }
    if (!measure) return Promise.resolve(result).then(releaseWithValue, releaseWithError);
    return Promise.resolve(result).then(
      (value) => {
        metrics.observe(EXECUTOR_METRICS.runSeconds, (performance.now() - startedAt) / 1000, labels);
        release();
        return value;
      },
      (error: unknown) => {
        metrics.observe(EXECUTOR_METRICS.runSeconds, (performance.now() - startedAt) / 1000, labels);
        release();
        throw error;
      },
    );
  }

  function unlink(job: Job): void {
    if (job.previous) job.previous.next = job.next;
    else head = job.next;
    if (job.next) job.next.previous = job.previous;
    else tail = job.previous;
    job.previous = undefined;
    job.next = undefined;
    queued--;
  }

  function detach(job: Job): void {
    if (job.timer !== undefined) clearTimeout(job.timer);
    job.timer = undefined;
    if (job.onAbort !== undefined) job.abortSignal?.removeEventListener('abort', job.onAbort);
    job.onAbort = undefined;
  }

  // A queued job leaves without running (abort, timeout, clear).
  function drop(job: Job, error: unknown): void {
    unlink(job);
    detach(job);
    if (measure) metrics.gauge(EXECUTOR_METRICS.queueLength, queued, labels);
    job.reject(error);
    settleIdle();
  }

  function enqueue(fn: () => unknown, abortSignal: AbortSignal | undefined): Promise<unknown> {
    return new Promise((resolve, reject) => {
      const job: Job = {
        fn,
        resolve,
        reject,
        enqueuedAt: performance.now(),
        abortSignal,
        onAbort: undefined,
        timer: undefined,
        previous: tail,
        next: undefined,
      };
      if (tail) tail.next = job;
      else head = job;
      tail = job;
      queued++;
      if (abortSignal) {
        job.onAbort = () => drop(job, abortReason(abortSignal));
        abortSignal.addEventListener('abort', job.onAbort, { once: true });
      }
      if (queueTimeoutMs !== undefined) {
        job.timer = setTimeout(
          () =>
            drop(
              job,
              new TimeoutError({
                timeoutMs: queueTimeoutMs,
                message: `executor "${name}": job waited more than ${queueTimeoutMs} ms in the queue`,
              }),
            ),
          queueTimeoutMs,
        );
        job.timer.unref?.();
      }
      if (measure) metrics.gauge(EXECUTOR_METRICS.queueLength, queued, labels);
    });
  }

  return {
    run<Result>(fn: () => Result | PromiseLike<Result>, runOptions?: ExecutorRunOptions) {
      const abortSignal = runOptions?.abortSignal;
      if (abortSignal?.aborted) return Promise.reject(abortReason(abortSignal));
      if (running < concurrency && queued === 0) {
        running++;
        if (measure) metrics.observe(EXECUTOR_METRICS.waitSeconds, 0, labels);
        return start(fn) as Promise<Awaited<Result>>;
      }
      if (queued >= maxQueue) {
        return Promise.reject(
          new QueueFullError({
            message: `executor "${name}": queue is full (${maxQueue} waiting, ${running} running)`,
          }),
        );
      }
      return enqueue(fn, abortSignal) as Promise<Awaited<Result>>;
    },
    onIdle() {
      if (running === 0 && queued === 0) return Promise.resolve();
      return new Promise<void>((resolve) => idleWaiters.push(resolve));
    },
    clear(reason?: Error) {
      while (head !== undefined) {
        drop(head, reason ?? new AbortedError({ message: `executor "${name}": queue cleared` }));
      }
    },
    get size() {
      return queued;
    },
    get pending() {
      return running;
    },
    concurrency,
    name,
  };
}

function isThenable(value: unknown): value is PromiseLike<unknown> {
  return (
    value !== null &&
    (typeof value === 'object' || typeof value === 'function') &&
    typeof (value as PromiseLike<unknown>).then === 'function'
  );
}
