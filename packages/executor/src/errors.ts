import { VictorError } from '@victor-ai/core';

/** What a worker pool task is: the module URL and the export the worker calls. */
export interface WorkerTaskIdentity {
  moduleUrl: string;
  exportName: string;
}

/**
 * A worker thread died while running the call (`process.exit`, an uncaught error, out of memory, a result
 * that could not be cloned). The pool replaced the worker; code `WORKER_CRASHED`. Not retryable by default:
 * the same input usually crashes again.
 */
export class WorkerCrashedError extends VictorError {
  readonly moduleUrl: string;
  readonly exportName: string;

  constructor(options: { message?: string; cause?: unknown } & WorkerTaskIdentity) {
    super('WORKER_CRASHED', {
      message:
        options.message ??
        `worker crashed while running "${options.exportName}" from ${options.moduleUrl}: ${describeCause(options.cause)}`,
      cause: options.cause,
    });
    this.name = 'WorkerCrashedError';
    this.moduleUrl = options.moduleUrl;
    this.exportName = options.exportName;
  }
}

/**
 * The task function threw (or rejected) inside the worker; the worker is still healthy. Code
 * `WORKER_TASK_FAILED`; `remoteName`, `remoteCode` and `remoteStack` describe the original error, and
 * `isRetryable` is copied from it when it was a Victor error.
 */
export class WorkerTaskError extends VictorError {
  readonly moduleUrl: string;
  readonly exportName: string;
  readonly remoteName: string;
  readonly remoteCode: string | undefined;
  readonly remoteStack: string | undefined;

  constructor(
    options: WorkerTaskIdentity & {
      remoteName: string;
      remoteMessage: string;
      remoteCode?: string | undefined;
      remoteStack?: string | undefined;
      isRetryable?: boolean;
    },
  ) {
    super('WORKER_TASK_FAILED', {
      message: `"${options.exportName}" threw ${options.remoteName}: ${options.remoteMessage}`,
      isRetryable: options.isRetryable ?? false,
    });
    this.name = 'WorkerTaskError';
    this.moduleUrl = options.moduleUrl;
    this.exportName = options.exportName;
    this.remoteName = options.remoteName;
    this.remoteCode = options.remoteCode;
    this.remoteStack = options.remoteStack;
  }
}

function describeCause(cause: unknown): string {
  if (cause instanceof Error) return cause.message;
  if (typeof cause === 'string') return cause;
  return 'no reason given';
}
