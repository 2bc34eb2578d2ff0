import {
  type Clock,
  type MiddlewareContext,
  type MiddlewareScope,
  systemClock,
  type ToolCall,
  type ToolMiddleware,
  type ToolResult,
} from '@victor-ai/core';
import { MiddlewareResultCode } from './codes.js';
import { checkOptions, checkPriority } from './options.js';
import { redactSecrets, type SecretPattern } from './secrets.js';

/** One line of the audit log: who ran which tool with what, and how it ended. Secrets are redacted. */
export interface AuditEntry {
  /** ISO 8601 time the call ended. */
  time: string;
  toolCallId: string;
  tool: string;
  tenantId?: string;
  userId?: string;
  /** The arguments the tool ran with (or was refused with), secrets redacted; absent when turned off. */
  arguments?: Record<string, unknown>;
  /** `blocked`: a middleware refused the call; `error`: it ran (or failed to) and returned an error. */
  outcome: 'ok' | 'error' | 'blocked';
  errorCode?: string;
  errorMessage?: string;
  /** The middleware that refused the call. */
  middleware?: string;
  durationMs?: number;
}

/** Options of `createAuditMiddleware`. */
export interface AuditMiddlewareOptions {
  /** Receives each entry. A promise it returns is not awaited (the call does not wait for the log). */
  log: (entry: AuditEntry) => void | Promise<void>;
  /** Called when `log` throws or rejects. */
  onLogError?: (error: unknown) => void;
  /** Include the (redacted) arguments; default true. */
  includeArguments?: boolean;
  secretPatterns?: readonly SecretPattern[];
  clock?: Clock;
  /** Default `audit`. */
  name?: string;
  /**
   * Default -1, before the critical guards: `after` hooks run in reverse, so the audit then sees the
   * calls they block.
   */
  priority?: number;
  appliesTo?: MiddlewareScope;
}

/**
 * An observer that writes one structured entry per tool call (including blocked ones, when it runs before
 * the guards) with secrets redacted. Fails open: a broken log never stops a call.
 */
export function createAuditMiddleware(options: AuditMiddlewareOptions): ToolMiddleware {
  checkOptions(options, ['log'], ['onLogError']);
  const priority = checkPriority(options.priority, -1);
  const { log, onLogError } = options;
  const includeArguments = options.includeArguments ?? true;
  const clock = options.clock ?? systemClock;
  const scanOptions = options.secretPatterns === undefined ? {} : { patterns: options.secretPatterns };

  function failed(error: unknown): void {
    try {
      onLogError?.(error);
    } catch {
      // Nothing left to tell.
    }
  }

  const middleware: ToolMiddleware = {
    name: options.name ?? 'audit',
    priority,
    kind: 'observer',
    after(call: ToolCall, result: ToolResult, context: MiddlewareContext): undefined {
      const entry: AuditEntry = {
        time: new Date(clock.epochMs()).toISOString(),
        toolCallId: call.id,
        tool: call.name,
        outcome: result.ok
          ? 'ok'
          : result.error.middleware !== undefined &&
              result.error.code !== MiddlewareResultCode.middlewareFailed
            ? 'blocked'
            : 'error',
      };
      if (context.tenantId !== undefined) entry.tenantId = context.tenantId;
      if (context.userId !== undefined) entry.userId = context.userId;
      if (includeArguments) entry.arguments = redactSecrets(call.arguments, scanOptions);
      if (!result.ok) {
        entry.errorCode = result.error.code;
        entry.errorMessage = redactSecrets(result.error.message, scanOptions);
        if (result.error.middleware !== undefined) entry.middleware = result.error.middleware;
      }
      if (result.durationMs !== undefined) entry.durationMs = result.durationMs;
      try {
        const pending = log(entry);
        if (pending !== undefined && typeof (pending as Promise<void>).then === 'function') {
          (pending as Promise<void>).then(undefined, failed);
        }
      } catch (error) {
        failed(error);
      }
      return undefined;
    },
  };
  if (options.appliesTo !== undefined) middleware.appliesTo = options.appliesTo;
  return middleware;
}
