/** Stable error codes shared by every Victor package; match on these, never on messages. */
export type VictorErrorCode =
  | 'HTTP_STATUS'
  | 'CONNECTION_FAILED'
  | 'TIMEOUT'
  | 'ABORTED'
  | 'POOL_EXHAUSTED'
  | 'CIRCUIT_OPEN'
  | 'INVALID_ARGUMENTS'
  | 'BLOCKED_BY_MIDDLEWARE'
  | 'CACHE_UNAVAILABLE'
  | 'INVALID_CONFIG'
  | 'INVALID_RESPONSE'
  | 'INVALID_REQUEST'
  | 'TOOL_NOT_FOUND'
  | 'TOOL_FAILED'
  | 'QUEUE_FULL'
  | 'WORKER_CRASHED'
  | 'WORKER_TASK_FAILED'
  | 'COMPUTE_FAILED'
  | 'AGENT_CLOSED';

const MARKER = Symbol.for('@victor-ai/core.error');

/** Options every Victor error takes. */
export interface VictorErrorOptions {
  message: string;
  cause?: unknown;
  isRetryable?: boolean;
}

/**
 * Base class of every error the runtime throws or returns: a stable `code`, `isRetryable` for retry
 * decisions, and `cause`. `VictorError.isInstance` recognises errors from another copy of the package.
 */
export class VictorError extends Error {
  readonly [MARKER] = true;
  readonly code: VictorErrorCode;
  readonly isRetryable: boolean;

  constructor(code: VictorErrorCode, options: VictorErrorOptions) {
    super(options.message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'VictorError';
    this.code = code;
    this.isRetryable = options.isRetryable ?? false;
  }

  /** True for any Victor error, including one created by another copy of this package. */
  static isInstance(error: unknown): error is VictorError {
    return typeof error === 'object' && error !== null && (error as Record<symbol, unknown>)[MARKER] === true;
  }

  /** A plain object for logs and tool results. */
  toJSON(): { name: string; code: VictorErrorCode; message: string; isRetryable: boolean } {
    return { name: this.name, code: this.code, message: this.message, isRetryable: this.isRetryable };
  }
}

/** The upstream answered with a non-2xx status. Retryable for 408, 409, 429 and 5xx. */
export class HttpStatusError extends VictorError {
  readonly status: number;
  readonly url: string;
  readonly responseBody: string;
  /** Milliseconds the server asked to wait (`retry-after` or `retry-after-ms`), when it said. */
  readonly retryAfterMs: number | undefined;

  constructor(options: {
    status: number;
    url: string;
    responseBody: string;
    message?: string;
    retryAfterMs?: number | undefined;
    cause?: unknown;
  }) {
    const { status } = options;
    super('HTTP_STATUS', {
      message: options.message ?? `HTTP ${status} from ${options.url}`,
      cause: options.cause,
      isRetryable: status === 408 || status === 409 || status === 429 || status >= 500,
    });
    this.name = 'HttpStatusError';
    this.status = status;
    this.url = options.url;
    this.responseBody = options.responseBody;
    this.retryAfterMs = options.retryAfterMs;
  }
}

/** The connection could not be made or was dropped before a complete answer. Retryable. */
export class ConnectionError extends VictorError {
  constructor(options: VictorErrorOptions) {
    super('CONNECTION_FAILED', { ...options, isRetryable: options.isRetryable ?? true });
    this.name = 'ConnectionError';
  }
}

/** An operation ran past its deadline. Retryable. */
export class TimeoutError extends VictorError {
  readonly timeoutMs: number;
  constructor(options: Partial<VictorErrorOptions> & { timeoutMs: number }) {
    super('TIMEOUT', {
      message: options.message ?? `timed out after ${options.timeoutMs} ms`,
      cause: options.cause,
      isRetryable: options.isRetryable ?? true,
    });
    this.name = 'TimeoutError';
    this.timeoutMs = options.timeoutMs;
  }
}

/** The caller aborted. Never retried. */
export class AbortedError extends VictorError {
  constructor(options: Partial<VictorErrorOptions> = {}) {
    super('ABORTED', { message: options.message ?? 'the operation was aborted', cause: options.cause });
    this.name = 'AbortedError';
  }
}

/** No connection or queue slot was free within the allowed wait. Retryable. */
export class PoolExhaustedError extends VictorError {
  constructor(options: VictorErrorOptions) {
    super('POOL_EXHAUSTED', { ...options, isRetryable: options.isRetryable ?? true });
    this.name = 'PoolExhaustedError';
  }
}

/** A bounded queue refused new work. Retryable later. */
export class QueueFullError extends VictorError {
  constructor(options: VictorErrorOptions) {
    super('QUEUE_FULL', { ...options, isRetryable: options.isRetryable ?? true });
    this.name = 'QueueFullError';
  }
}

/** The endpoint's circuit breaker is open; the call was not attempted. */
export class CircuitOpenError extends VictorError {
  readonly endpoint: string;
  readonly retryAtMs: number | undefined;
  constructor(options: VictorErrorOptions & { endpoint: string; retryAtMs?: number }) {
    super('CIRCUIT_OPEN', { ...options, isRetryable: options.isRetryable ?? true });
    this.name = 'CircuitOpenError';
    this.endpoint = options.endpoint;
    this.retryAtMs = options.retryAtMs;
  }
}

/** Arguments (of a tool call, or of a function) failed validation. */
export class InvalidArgumentsError extends VictorError {
  constructor(options: VictorErrorOptions) {
    super('INVALID_ARGUMENTS', options);
    this.name = 'InvalidArgumentsError';
  }
}

/** A middleware blocked a call; `reasonCode` is the middleware's own code. */
export class BlockedByMiddlewareError extends VictorError {
  readonly middleware: string;
  readonly reasonCode: string;
  constructor(options: VictorErrorOptions & { middleware: string; reasonCode: string }) {
    super('BLOCKED_BY_MIDDLEWARE', options);
    this.name = 'BlockedByMiddlewareError';
    this.middleware = options.middleware;
    this.reasonCode = options.reasonCode;
  }
}

/** A cache backend (Redis) could not be reached; callers degrade to a miss. */
export class CacheUnavailableError extends VictorError {
  constructor(options: VictorErrorOptions) {
    super('CACHE_UNAVAILABLE', { ...options, isRetryable: options.isRetryable ?? true });
    this.name = 'CacheUnavailableError';
  }
}

/** An option or configuration value is invalid; the message names the option and the bad value. */
export class InvalidConfigError extends VictorError {
  readonly option: string;
  constructor(options: VictorErrorOptions & { option: string }) {
    super('INVALID_CONFIG', options);
    this.name = 'InvalidConfigError';
    this.option = options.option;
  }
}

/** A provider sent something that cannot be decoded (malformed JSON, unknown event, cut-off stream). */
export class InvalidResponseError extends VictorError {
  constructor(options: VictorErrorOptions) {
    super('INVALID_RESPONSE', options);
    this.name = 'InvalidResponseError';
  }
}

/**
 * The request itself cannot be sent or was refused as malformed (it cannot be serialised, it is too deep or
 * too large, or the server answered 400, 413 or 422 to it). Never retried, and never counted against an
 * endpoint's health: another attempt would fail the same way.
 */
export class InvalidRequestError extends VictorError {
  constructor(options: VictorErrorOptions) {
    super('INVALID_REQUEST', { ...options, isRetryable: false });
    this.name = 'InvalidRequestError';
  }
}

/** A turn was started on an agent after its `close()`. Never retried: create a new agent. */
export class AgentClosedError extends VictorError {
  constructor(options: Partial<VictorErrorOptions> = {}) {
    super('AGENT_CLOSED', {
      message: options.message ?? 'the agent is closed: create a new one',
      cause: options.cause,
    });
    this.name = 'AgentClosedError';
  }
}

/** Describes a value for an error message: short, and never throws. */
export function describeValue(value: unknown): string {
  if (typeof value === 'string')
    return JSON.stringify(value.length > 80 ? `${value.slice(0, 77)}...` : value);
  if (typeof value === 'number' || typeof value === 'boolean' || value == null) return String(value);
  if (typeof value === 'function') return 'a function';
  if (Array.isArray(value)) return `an array of ${value.length}`;
  try {
    const text = JSON.stringify(value);
    return text.length > 80 ? `${text.slice(0, 77)}...` : text;
  } catch {
    return Object.prototype.toString.call(value);
  }
}

/** Builds the standard error for a bad option: `"<option> must be <expected>, got <value>"`. */
export function invalidOption(option: string, expected: string, value: unknown): InvalidConfigError {
  return new InvalidConfigError({
    option,
    message: `${option} must be ${expected}, got ${describeValue(value)}`,
  });
}
