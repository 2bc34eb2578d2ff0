export { WorkerCrashedError, WorkerTaskError, type WorkerTaskIdentity } from './errors.js';
export {
  createExecutor,
  EXECUTOR_METRICS,
  type Executor,
  type ExecutorOptions,
  type ExecutorRunOptions,
} from './executor.js';
export { createPooledTool, type PooledToolOptions } from './pooled-tool.js';
// createWorkerPool and defaultWorkerPoolSize live in '@victor-ai/executor/workers' (they load piscina).
export type { WorkerPool, WorkerPoolOptions, WorkerRunOptions } from './worker-pool.js';
export { defineWorkerTask, type WorkerTask } from './worker-task.js';
