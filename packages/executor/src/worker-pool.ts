import { existsSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { fileURLToPath } from 'node:url';
import type { ResourceLimits } from 'node:worker_threads';
import {
  AbortedError,
  abortReason,
  combineSignals,
  InvalidArgumentsError,
  InvalidConfigError,
  invalidOption,
  type MetricLabels,
  type MetricsSink,
  noopMetricsSink,
  type ToolContext,
} from '@victor-ai/core';
import { Piscina } from 'piscina';
import { WorkerCrashedError, WorkerTaskError } from './errors.js';
import { createExecutor, EXECUTOR_METRICS } from './executor.js';
import type { WorkerTask } from './worker-task.js';

/** Options of `createWorkerPool`. */
export interface WorkerPoolOptions {
  /** Worker threads; a positive integer. Default `os.availableParallelism() - 1`, at least 1. */
  size?: number;
  /** Calls allowed to wait for a free worker; a non-negative integer or `Infinity`. Default 1000. */
  maxQueue?: number;
  /** Longest wait for a free worker before the call fails with `TimeoutError`; none when omitted. */
  queueTimeoutMs?: number;
  /** Default deadline of one call once it runs (the worker is then stopped and replaced); none when omitted. */
  timeoutMs?: number;
  /** Receives queue length, wait time, run time and worker restarts. Default: the no-op sink. */
  metrics?: MetricsSink;
  /** The `executor` label of every metric. Default `"workers"`. */
  name?: string;
  /** V8 heap limits of each worker; a worker over its limit is replaced and its call fails. */
  resourceLimits?: ResourceLimits;
  /**
   * Where the pool's worker script (`worker-entry.mjs`) is, as a `file:` URL or an absolute path. Default:
   * next to this module (`dist/worker-entry.mjs`), which after bundling means next to the bundle.
   */
  workerEntry?: string | URL;
}

/** Options of one `WorkerPool.run` call. */
export interface WorkerRunOptions {
  /** Aborting removes a queued call; a running call's worker is stopped and replaced. */
  abortSignal?: AbortSignal;
  /** Deadline once the call runs; overrides the pool's `timeoutMs`. Fails with `TimeoutError`. */
  timeoutMs?: number;
}

/** A pool of worker threads that runs CPU-bound functions off the main thread. */
export interface WorkerPool {
  /**
   * Runs `task` with `argument` (structured-cloned) in a worker. Rejects with `WorkerTaskError` when the
   * function throws, `WorkerCrashedError` when the worker dies, `TimeoutError`, `AbortedError` (or the
   * abort reason), `QueueFullError`, `InvalidArgumentsError` when the argument cannot be cloned, and
   * `InvalidConfigError` when the module or export cannot be loaded.
   */
  run<Argument, Result>(
    task: WorkerTask<Argument, Result>,
    argument: Argument,
    options?: WorkerRunOptions,
  ): Promise<Awaited<Result>>;
  /**
   * Runs the `Tool` exported as `task.exportName` by `task.moduleUrl` in a worker: calls its
   * `execute(args, context)` with the context's `tenantId`, `userId` and `metadata`; its `abortSignal`
   * stops the call.
   */
  runTool<Output>(
    task: WorkerTask<unknown, Output>,
    args: unknown,
    context?: ToolContext,
    options?: Omit<WorkerRunOptions, 'abortSignal'>,
  ): Promise<Awaited<Output>>;
  /**
   * Stops accepting calls, rejects queued ones with `AbortedError`, waits for running ones (or, with
   * `force`, stops them with `AbortedError`) and terminates every worker.
   */
  close(options?: { force?: boolean }): Promise<void>;
  /** Worker threads alive now. */
  readonly threads: number;
  /** Calls waiting for a free worker. */
  readonly queued: number;
  /** Calls running in workers. */
  readonly running: number;
  /** Workers replaced since the pool started (crashes, aborts and timeouts). */
  readonly restarts: number;
  /** The `size` option. */
  readonly size: number;
  /** The `name` option. */
  readonly name: string;
}

interface TaskMessage {
  moduleUrl: string;
  exportName: string;
  argument: unknown;
  tool: boolean;
  context: { tenantId?: string; userId?: string; metadata?: Readonly<Record<string, unknown>> } | undefined;
}

type TaskReply =
  | { ok: true; value: unknown }
  | {
      ok: false;
      kind: 'load' | 'threw';
      error: { name: string; message: string; code?: string; stack?: string; isRetryable?: boolean };
    };

/** Finds the worker script; a bundled application must ship it next to its bundle (or name it). */
function workerEntryPath(workerEntry: string | URL | undefined): string {
  const option = workerEntry ?? new URL('./worker-entry.mjs', import.meta.url);
  let path: string;
  try {
    path = option instanceof URL || option.startsWith('file:') ? fileURLToPath(option) : option;
  } catch {
    throw invalidOption('workerEntry', 'a file: URL or an absolute path', workerEntry);
  }
  if (!existsSync(path)) {
    throw new InvalidConfigError({
      option: 'workerEntry',
      message:
        workerEntry === undefined
          ? `the worker script ${JSON.stringify(path)} does not exist: a bundled application must copy @victor-ai/executor/dist/worker-entry.mjs next to its bundle, or pass workerEntry`
          : `workerEntry ${JSON.stringify(path)} does not exist`,
    });
  }
  return path;
}

/** The default pool size: the machine's cores minus one (for the main thread), at least 1. */
export function defaultWorkerPoolSize(): number {
  return Math.max(1, availableParallelism() - 1);
}

/** Creates a worker-thread pool (piscina underneath) with a bounded FIFO queue in front of it. */
export function createWorkerPool(options: WorkerPoolOptions = {}): WorkerPool {
  const size = options.size === undefined ? defaultWorkerPoolSize() : options.size;
  if (!Number.isInteger(size) || size < 1) throw invalidOption('size', 'a positive integer', options.size);
  const defaultTimeoutMs = checkTimeout('timeoutMs', options.timeoutMs);
  const name = options.name === undefined ? 'workers' : options.name;
  const filename = workerEntryPath(options.workerEntry);
  const metrics = options.metrics === undefined ? noopMetricsSink : options.metrics;
  // Validates maxQueue, queueTimeoutMs, name and metrics.
  const executor = createExecutor({
    concurrency: size,
    maxQueue: options.maxQueue,
    queueTimeoutMs: options.queueTimeoutMs,
    metrics,
    name,
  });
  const restartLabels = {
    crash: Object.freeze({ executor: name, reason: 'crash' }),
    abort: Object.freeze({ executor: name, reason: 'abort' }),
    timeout: Object.freeze({ executor: name, reason: 'timeout' }),
  } satisfies Record<string, MetricLabels>;

  const piscina = new Piscina({
    filename,
    minThreads: size,
    maxThreads: size,
    concurrentTasksPerWorker: 1,
    idleTimeout: Number.POSITIVE_INFINITY,
    ...(options.resourceLimits === undefined ? {} : { resourceLimits: options.resourceLimits }),
  });
  let restarts = 0;
  let closed = false;
  let terminating = false;
  let closing: Promise<void> | undefined;
  const countRestart = (labels: MetricLabels) => {
    restarts++;
    metrics.increment(EXECUTOR_METRICS.workerRestarts, labels);
  };
  // An idle worker that dies (no call to fail) is replaced by piscina; without a listener the 'error'
  // event would take the process down.
  piscina.on('error', () => {
    if (!terminating) countRestart(restartLabels.crash);
  });

  function dispatch(
    message: TaskMessage,
    abortSignal: AbortSignal | undefined,
    timeoutMs: number | undefined,
  ) {
    const combined = combineSignals([abortSignal], timeoutMs === undefined ? {} : { timeoutMs });
    const signal = combined.signal;
    let pending: Promise<TaskReply>;
    try {
      pending = piscina.run(message, signal === undefined ? undefined : { signal });
    } catch (error) {
      combined.dispose();
      return Promise.reject(translateFailure(error, message, signal));
    }
    return pending.then(
      (reply: TaskReply) => {
        combined.dispose();
        if (reply.ok) return reply.value;
        throw translateReply(reply, message);
      },
      (error: unknown) => {
        combined.dispose();
        throw translateFailure(error, message, signal);
      },
    );
  }

  function translateFailure(error: unknown, message: TaskMessage, signal: AbortSignal | undefined): Error {
    if (isDataCloneError(error)) {
      return new InvalidArgumentsError({
        message: `the argument of "${message.exportName}" cannot be sent to a worker: ${(error as Error).message}`,
        cause: error,
      });
    }
    if (signal?.aborted) {
      const reason = abortReason(signal);
      countRestart(reason.name === 'TimeoutError' ? restartLabels.timeout : restartLabels.abort);
      return reason;
    }
    if (terminating) {
      return new AbortedError({
        message: `worker pool "${name}" was closed while the call ran`,
        cause: error,
      });
    }
    countRestart(restartLabels.crash);
    return new WorkerCrashedError({
      moduleUrl: message.moduleUrl,
      exportName: message.exportName,
      cause: error,
    });
  }

  function translateReply(reply: Extract<TaskReply, { ok: false }>, message: TaskMessage): Error {
    const { error } = reply;
    if (reply.kind === 'load') {
      return new InvalidConfigError({
        option: 'task',
        message: `cannot load export "${message.exportName}" of ${message.moduleUrl}: ${error.message}`,
      });
    }
    return new WorkerTaskError({
      moduleUrl: message.moduleUrl,
      exportName: message.exportName,
      remoteName: error.name,
      remoteMessage: error.message,
      remoteCode: error.code,
      remoteStack: error.stack,
      isRetryable: error.isRetryable === true,
    });
  }

  /** The message of one call: the task, its argument, and for a tool the context a worker can take. */
  function taskMessage(
    task: Pick<WorkerTask, 'moduleUrl' | 'exportName'>,
    argument: unknown,
    context: ToolContext | undefined | false,
  ): TaskMessage {
    return {
      moduleUrl: task.moduleUrl,
      exportName: task.exportName,
      argument,
      tool: context !== false,
      context:
        context === undefined || context === false
          ? undefined
          : { tenantId: context.tenantId, userId: context.userId, metadata: context.metadata },
    };
  }

  function submit(
    message: TaskMessage,
    abortSignal: AbortSignal | undefined,
    runOptions: { timeoutMs?: number | undefined } | undefined,
  ) {
    const timeoutMs =
      runOptions?.timeoutMs === undefined
        ? defaultTimeoutMs
        : checkTimeout('timeoutMs', runOptions.timeoutMs);
    if (closed) {
      return Promise.reject(new AbortedError({ message: `worker pool "${name}" is closed` }));
    }
    return executor.run(
      () => dispatch(message, abortSignal, timeoutMs),
      abortSignal ? { abortSignal } : undefined,
    );
  }

  return {
    run<Argument, Result>(
      task: WorkerTask<Argument, Result>,
      argument: Argument,
      runOptions?: WorkerRunOptions,
    ) {
      const message = taskMessage(task, argument, false);
      return submit(message, runOptions?.abortSignal, runOptions) as Promise<Awaited<Result>>;
    },
    runTool<Output>(
      task: WorkerTask<unknown, Output>,
      args: unknown,
      context?: ToolContext,
      runOptions?: Omit<WorkerRunOptions, 'abortSignal'>,
    ) {
      const message = taskMessage(task, args, context);
      return submit(message, context?.abortSignal, runOptions) as Promise<Awaited<Output>>;
    },
    close(closeOptions?: { force?: boolean }) {
      if (closing !== undefined) return closing;
      closed = true;
      executor.clear(
        new AbortedError({ message: `worker pool "${name}" was closed before the call started` }),
      );
      closing = (async () => {
        if (closeOptions?.force !== true) await executor.onIdle();
        terminating = true;
        await piscina.destroy();
        await executor.onIdle();
      })();
      return closing;
    },
    get threads() {
      return piscina.threads.length;
    },
    get queued() {
      return executor.size;
    },
    get running() {
      return executor.pending;
    },
    get restarts() {
      return restarts;
    },
    size,
    name,
  };
}

function checkTimeout(option: string, value: unknown): number | undefined {
  if (value === undefined) return undefined;
  if (typeof value !== 'number' || !(value > 0 && Number.isFinite(value))) {
    throw invalidOption(option, 'a positive finite number', value);
  }
  return value;
}

function isDataCloneError(error: unknown): boolean {
  return typeof error === 'object' && error !== null && (error as Error).name === 'DataCloneError';
}
