// The function every pool worker runs (plain JS so a worker loads it without TypeScript tooling; the
// build copies it next to dist/index.js). It imports the task's module, calls the named export, and turns
// a thrown error into a result, so that the main thread can tell "the task threw" (worker healthy) from
// "the worker died" (a rejection from the pool).

const VICTOR_ERROR = Symbol.for('@victor-ai/core.error');
const modules = new Map();

/**
 * Runs one pool task.
 * @param {{ moduleUrl: string, exportName: string, argument: unknown, tool: boolean, context?: object }} task
 * @returns {Promise<{ ok: true, value: unknown } | { ok: false, kind: 'load' | 'threw', error: object }>}
 */
export default async function runTask(task) {
  let target;
  try {
    let loading = modules.get(task.moduleUrl);
    if (loading === undefined) {
      loading = import(task.moduleUrl);
      modules.set(task.moduleUrl, loading);
      loading.catch(() => modules.delete(task.moduleUrl));
    }
    const namespace = await loading;
    target = namespace[task.exportName];
  } catch (error) {
    return { ok: false, kind: 'load', error: describe(error) };
  }
  const call = task.tool ? target?.execute : target;
  if (typeof call !== 'function') {
    const expected = task.tool ? 'a Tool (an object with an execute function)' : 'a function';
    return {
      ok: false,
      kind: 'load',
      error: { name: 'TypeError', message: `export "${task.exportName}" is not ${expected}` },
    };
  }
  try {
    const value = task.tool
      ? await target.execute(task.argument, task.context ?? {})
      : await target(task.argument);
    return { ok: true, value };
  } catch (error) {
    return { ok: false, kind: 'threw', error: describe(error) };
  }
}

function describe(error) {
  if (error instanceof Error || (typeof error === 'object' && error !== null && 'message' in error)) {
    const victor = error[VICTOR_ERROR] === true;
    return {
      name: typeof error.name === 'string' ? error.name : 'Error',
      message: String(error.message),
      code: typeof error.code === 'string' ? error.code : undefined,
      stack: typeof error.stack === 'string' ? error.stack : undefined,
      isRetryable: victor ? error.isRetryable === true : false,
    };
  }
  return { name: typeof error, message: String(error), isRetryable: false };
}
