import { invalidOption, type Tool } from '@victor-ai/core';
import type { WorkerPool, WorkerRunOptions } from './worker-pool.js';
import { checkExportName, toModuleUrl, type WorkerTask } from './worker-task.js';

/** Options of `createPooledTool`. */
export interface PooledToolOptions<Arguments, Output> {
  /** The pool the tool runs on. */
  pool: WorkerPool;
  /** The tool as the main thread knows it; its definition must say `cpuBound: true`. */
  tool: Tool<Arguments, Output>;
  /** The module that exports the same tool, as a `file:` URL or an absolute path. */
  moduleUrl: string | URL;
  /** The export holding the tool in that module. */
  exportName: string;
  /** Deadline of one call once it runs in a worker; overrides the pool's `timeoutMs`. */
  timeoutMs?: WorkerRunOptions['timeoutMs'];
}

/**
 * Wraps a CPU-bound `Tool` so that `execute` runs in the worker pool instead of on the main thread: same
 * definition, arguments and result (both structured-cloned), the context's `abortSignal` stops the call.
 * The worker loads the tool from `moduleUrl` / `exportName`, so that module must be loadable by plain Node.
 */
export function createPooledTool<Arguments, Output>(
  options: PooledToolOptions<Arguments, Output>,
): Tool<Arguments, Awaited<Output>> {
  const { pool, tool } = options;
  if (typeof pool?.runTool !== 'function') throw invalidOption('pool', 'a WorkerPool', pool);
  if (tool?.definition?.cpuBound !== true) {
    throw invalidOption(
      'tool',
      'a Tool whose definition says cpuBound: true',
      tool?.definition?.name ?? tool,
    );
  }
  const task: WorkerTask<unknown, Output> = Object.freeze({
    moduleUrl: toModuleUrl(options.moduleUrl, 'moduleUrl'),
    exportName: checkExportName(options.exportName),
  });
  const runOptions = options.timeoutMs === undefined ? undefined : { timeoutMs: options.timeoutMs };
  return {
    definition: tool.definition,
    execute: (args, context) => pool.runTool(task, args, context, runOptions),
  };
}
