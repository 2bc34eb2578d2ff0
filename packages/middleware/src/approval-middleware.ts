import {
  type MiddlewareContext,
  type MiddlewareDecision,
  MiddlewarePriority,
  type MiddlewareScope,
  type ToolCall,
  type ToolMiddleware,
} from '@victor-ai/core';
import { MiddlewareResultCode } from './codes.js';
import { checkOptions, checkPriority, checkTimeoutMs } from './options.js';

/** What an approver answers: yes/no, optionally with a reason for the model. */
export type ApprovalAnswer = boolean | { approved: boolean; reason?: string };

/** Options of `createApprovalMiddleware`. */
export interface ApprovalMiddlewareOptions {
  /** Asks (a human, a policy service) whether the call may run. */
  approve: (call: ToolCall, context: MiddlewareContext) => ApprovalAnswer | Promise<ApprovalAnswer>;
  /** Which calls need approval; default every call in scope. Calls it skips stay synchronous. */
  when?: (call: ToolCall, context: MiddlewareContext) => boolean;
  /** Deny when no answer comes within this many milliseconds; default: wait for the answer. */
  timeoutMs?: number;
  /** Default `approval`. */
  name?: string;
  /** Default `MiddlewarePriority.low`: after the cheap checks, so nobody is asked about a call they would block. */
  priority?: number;
  appliesTo?: MiddlewareScope;
}

/**
 * A guard that asks an async callback before flagged calls run, and blocks with `APPROVAL_DENIED` when it
 * says no, throws (fail closed) or does not answer within `timeoutMs`.
 */
export function createApprovalMiddleware(options: ApprovalMiddlewareOptions): ToolMiddleware {
  checkOptions(options, ['approve'], ['when']);
  const { approve, when, timeoutMs } = options;
  checkTimeoutMs('timeoutMs', timeoutMs);
  const priority = checkPriority(options.priority, MiddlewarePriority.low);

  function decide(call: ToolCall, answer: ApprovalAnswer): MiddlewareDecision | undefined {
    const approved = typeof answer === 'boolean' ? answer : answer?.approved === true;
    if (approved) return undefined;
    const reason = typeof answer === 'object' && answer?.reason ? `: ${answer.reason}` : '';
    return {
      type: 'block',
      code: MiddlewareResultCode.approvalDenied,
      reason: `the call to tool ${JSON.stringify(call.name)} was not approved${reason}`,
    };
  }

  function withTimeout(pending: PromiseLike<ApprovalAnswer>, ms: number): Promise<ApprovalAnswer> {
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => resolve({ approved: false, reason: `no answer within ${ms} ms` }), ms);
      pending.then(
        (answer) => {
          clearTimeout(timer);
          resolve(answer);
        },
        (error: unknown) => {
          clearTimeout(timer);
          reject(error);
        },
      );
    });
  }

  const middleware: ToolMiddleware = {
    name: options.name ?? 'approval',
    priority,
    kind: 'guard',
    before(call, context) {
      if (when !== undefined && !when(call, context)) return undefined;
      const answer = approve(call, context);
      if (typeof (answer as PromiseLike<ApprovalAnswer> | undefined)?.then !== 'function') {
        return decide(call, answer as ApprovalAnswer);
      }
      const pending = Promise.resolve(answer);
      const bounded = timeoutMs === undefined ? pending : withTimeout(pending, timeoutMs);
      return bounded.then((value) => decide(call, value));
    },
  };
  if (options.appliesTo !== undefined) middleware.appliesTo = options.appliesTo;
  return middleware;
}
