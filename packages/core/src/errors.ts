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

/**
 * `isRetryable` of a code's errors: `true` or `false`, the caller's value, else this default; `'never'`,
 * always false whatever the caller says.
 */
type Retryability = boolean | 'never';

/** The base class `codedError` makes: `VictorError`'s statics, and a constructor taking the options only. */
type CodedErrorClass = Omit<typeof VictorError, 'prototype'> &
  (new (
    options: VictorErrorOptions,
  ) => VictorError);

/** The base class of one code's errors: it sets `code`, `name` and `isRetryable` (by `retryable`). */
function codedError(code: VictorErrorCode, name: string, retryable: Retryability): CodedErrorClass {
  return class extends VictorError {
    constructor(options: VictorErrorOptions) {
      const isRetryable = retryable === 'never' ? false : (options.isRetryable ?? retryable);
      super(code, { message: options.message, cause: options.cause, isRetryable });
      this.name = name;
    }
  };
}

/** The upstream answered with a non-2xx status. Retryable for 408, 409, 429 and 5xx. */
export class HttpStatusError extends codedError('HTTP_STATUS', 'HttpStatusError', false) {
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
    super({
      message: options.message ?? `HTTP ${status} from ${options.url}`,
      cause: options.cause,
      isRetryable: status === 408 || status === 409 || status === 429 || status >= 500,
    });
    this.status = status;
    this.url = options.url;
    this.responseBody = options.responseBody;
    this.retryAfterMs = options.retryAfterMs;
  }
}

/** The connection could not be made or was dropped before a complete answer. Retryable. */
export class ConnectionError extends codedError('CONNECTION_FAILED', 'ConnectionError', true) {}

/** An operation ran past its deadline. Retryable. */
export class TimeoutError extends codedError('TIMEOUT', 'TimeoutError', true) {
  readonly timeoutMs: number;
  constructor(options: Partial<VictorErrorOptions> & { timeoutMs: number }) {
    super({ ...options, message: options.message ?? `timed out after ${options.timeoutMs} ms` });
    this.timeoutMs = options.timeoutMs;
  }
}

/** The caller aborted. Never retried. */
export class AbortedError extends codedError('ABORTED', 'AbortedError', 'never') {
  constructor(options: Partial<VictorErrorOptions> = {}) {
    super({ ...options, message: options.message ?? 'the operation was aborted' });
  }
}

/** No connection or queue slot was free within the allowed wait. Retryable. */
export class PoolExhaustedError extends codedError('POOL_EXHAUSTED', 'PoolExhaustedError', true) {}

/** A bounded queue refused new work. Retryable later. */
export class QueueFullError extends codedError('QUEUE_FULL', 'QueueFullError', true) {}

/** The endpoint's circuit breaker is open; the call was not attempted. */
export class CircuitOpenError extends codedError('CIRCUIT_OPEN', 'CircuitOpenError', true) {
  readonly endpoint: string;
  readonly retryAtMs: number | undefined;
  constructor(options: VictorErrorOptions & { endpoint: string; retryAtMs?: number }) {
    super(options);
    this.endpoint = options.endpoint;
    this.retryAtMs = options.retryAtMs;
  }
}

/** Arguments (of a tool call, or of a function) failed validation. */
export class InvalidArgumentsError extends codedError('INVALID_ARGUMENTS', 'InvalidArgumentsError', false) {}

/** A middleware blocked a call; `reasonCode` is the middleware's own code. */
export class BlockedByMiddlewareError extends codedError(
  'BLOCKED_BY_MIDDLEWARE',
  'BlockedByMiddlewareError',
  false,
) {
  readonly middleware: string;
  readonly reasonCode: string;
  constructor(options: VictorErrorOptions & { middleware: string; reasonCode: string }) {
    super(options);
    this.middleware = options.middleware;
    this.reasonCode = options.reasonCode;
  }
}

/** A cache backend (Redis) could not be reached; callers degrade to a miss. */
export class CacheUnavailableError extends codedError('CACHE_UNAVAILABLE', 'CacheUnavailableError', true) {}

/** An option or configuration value is invalid; the message names the option and the bad value. */
export class InvalidConfigError extends codedError('INVALID_CONFIG', 'InvalidConfigError', false) {
  readonly option: string;
  constructor(options: VictorErrorOptions & { option: string }) {
    super(options);
    this.option = options.option;
  }
}

/** A provider sent something that cannot be decoded (malformed JSON, unknown event, cut-off stream). */
export class InvalidResponseError extends codedError('INVALID_RESPONSE', 'InvalidResponseError', false) {}

/**
 * The request itself cannot be sent or was refused as malformed (it cannot be serialised, it is too deep or
 * too large, or the server answered 400, 413 or 422 to it). Never retried, and never counted against an
 * endpoint's health: another attempt would fail the same way.
 */
export class InvalidRequestError extends codedError('INVALID_REQUEST', 'InvalidRequestError', 'never') {}

/** A turn was started on an agent after its `close()`. Never retried: create a new agent. */
export class AgentClosedError extends codedError('AGENT_CLOSED', 'AgentClosedError', 'never') {
  constructor(options: Partial<VictorErrorOptions> = {}) {
    super({ ...options, message: options.message ?? 'the agent is closed: create a new one' });
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
