// The `@victor-ai/executor/workers` entry: the worker-thread pool, the one part of this package that loads
// piscina. The root entry never imports it, so an application without a pool never loads piscina.
export type { WorkerPool, WorkerPoolOptions, WorkerRunOptions } from './worker-pool.js';
export { createWorkerPool, defaultWorkerPoolSize } from './worker-pool.js';
