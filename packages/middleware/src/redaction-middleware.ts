import {
  MiddlewarePriority,
  type MiddlewareScope,
  type ToolMiddleware,
  type ToolResult,
} from '@victor-ai/core';
import { checkOptions, checkPriority } from './options.js';
import { redactSecrets, redactString, type SecretPattern } from './secrets.js';

/** Options of `createRedactionMiddleware`. */
export interface RedactionMiddlewareOptions {
  patterns?: readonly SecretPattern[];
  /** Default `redaction`. */
  name?: string;
  /** Default `MiddlewarePriority.critical`, so that its `after` runs last, on the final result. */
  priority?: number;
  appliesTo?: MiddlewareScope;
}

/**
 * A guard that removes secrets from tool results (output and error messages) before the model sees them.
 * It fails closed: if redaction throws, the result is replaced by an error rather than passed on.
 */
export function createRedactionMiddleware(options: RedactionMiddlewareOptions = {}): ToolMiddleware {
  checkOptions(options);
  const priority = checkPriority(options.priority, MiddlewarePriority.critical);
  const scanOptions = options.patterns === undefined ? {} : { patterns: options.patterns };
  const patterns = options.patterns;
  const middleware: ToolMiddleware = {
    name: options.name ?? 'redaction',
    priority,
    kind: 'guard',
    after(_call, result): ToolResult | undefined {
      if (result.ok) {
        const output = redactSecrets(result.output, scanOptions);
        return output === result.output ? undefined : { ...result, output };
      }
      const message = redactString(result.error.message, patterns);
      return message === result.error.message
        ? undefined
        : { ...result, error: { ...result.error, message } };
    },
  };
  if (options.appliesTo !== undefined) middleware.appliesTo = options.appliesTo;
  return middleware;
}
