import { ConnectionError, VictorError } from '@victor-ai/core';

/** What went wrong with an MCP server: it did not start, its tool list failed, or it went away. */
export type McpServerFailure = 'start-failed' | 'list-failed' | 'disconnected' | 'gave-up';

/**
 * An MCP server could not be reached, failed to start, or died (code `CONNECTION_FAILED`); `server` names
 * it and `failure` says which. Calls to its tools fail with it while the other servers' tools keep working.
 */
export class McpServerError extends ConnectionError {
  readonly server: string;
  readonly failure: McpServerFailure;

  constructor(options: {
    server: string;
    failure: McpServerFailure;
    message: string;
    cause?: unknown;
    isRetryable?: boolean;
  }) {
    super({
      message: options.message,
      cause: options.cause,
      isRetryable: options.isRetryable ?? options.failure !== 'gave-up',
    });
    this.name = 'McpServerError';
    this.server = options.server;
    this.failure = options.failure;
  }

  /** True for an `McpServerError`, including one from another copy of this package. */
  static override isInstance(error: unknown): error is McpServerError {
    return VictorError.isInstance(error) && (error as { name?: unknown }).name === 'McpServerError';
  }
}

/** An MCP tool answered with `isError: true` (code `TOOL_FAILED`); the message is the tool's own text. */
export class McpToolError extends VictorError {
  readonly server: string;
  readonly tool: string;

  constructor(options: { server: string; tool: string; message: string }) {
    super('TOOL_FAILED', { message: options.message });
    this.name = 'McpToolError';
    this.server = options.server;
    this.tool = options.tool;
  }
}
