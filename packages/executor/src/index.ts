export type { WorkerTaskIdentity } from './errors.js';
export { WorkerCrashedError, WorkerTaskError } from './errors.js';
export type { Executor, ExecutorOptions, ExecutorRunOptions } from './executor.js';
export { createExecutor, EXECUTOR_METRICS } from './executor.js';
export type { PooledToolOptions } from './pooled-tool.js';
export { createPooledTool } from './pooled-tool.js';
// createWorkerPool and defaultWorkerPoolSize live in '@victor-ai/executor/workers' (they load piscina).
export type { WorkerPool, WorkerPoolOptions, WorkerRunOptions } from './worker-pool.js';
export type { WorkerTask } from './worker-task.js';
export { defineWorkerTask } from './worker-task.js';
