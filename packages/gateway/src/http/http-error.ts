import { VictorError, type VictorErrorCode } from '@victor-ai/core';

/** Stable reasons of the errors the hardened HTTP server answers with; match on these, never on messages. */
export type HttpErrorReason =
  | 'body_too_large'
  | 'json_too_deep'
  | 'invalid_json'
  | 'host_not_allowed'
  | 'unsupported_media_type'
  | 'overloaded'
  | 'not_found'
  | 'method_not_allowed'
  | 'invalid_request'
  | 'unauthorized'
  | 'rate_limited'
  | 'budget_exceeded'
  | 'no_healthy_endpoint'
  | 'upstream_error';

/** Options of `HttpError`. */
export interface HttpErrorOptions {
  status: number;
  reason: HttpErrorReason;
  message: string;
  /** The request field at fault, as a path (`messages[0].content`), when one is. */
  param?: string | null;
  /** Extra response headers (`retry-after`, `allow`). */
  headers?: Record<string, string>;
  /** Close the connection after the answer (the request body was not read to its end). */
  closeConnection?: boolean;
  cause?: unknown;
}

function codeOf(status: number): VictorErrorCode {
  if (status === 503 || status === 429) return 'QUEUE_FULL';
  if (status === 502) return 'CONNECTION_FAILED';
  if (status === 504) return 'TIMEOUT';
  return 'INVALID_ARGUMENTS';
}

/**
 * An HTTP request the server refuses or cannot answer: the status, a stable `reason`, the response
 * headers to send, and whether the connection must close after the answer.
 */
export class HttpError extends VictorError {
  readonly status: number;
  readonly reason: HttpErrorReason;
  readonly param: string | null;
  readonly headers: Record<string, string>;
  readonly closeConnection: boolean;

  constructor(options: HttpErrorOptions) {
    const status = options.status;
    super(codeOf(status), {
      message: options.message,
      cause: options.cause,
      isRetryable: status === 429 || status === 503,
    });
    this.name = 'HttpError';
    this.status = status;
    this.reason = options.reason;
    this.param = options.param ?? null;
    this.headers = options.headers ?? {};
    this.closeConnection = options.closeConnection ?? false;
  }

  /** True for an `HttpError`, including one from another copy of this package. */
  static isHttpError(error: unknown): error is HttpError {
    return (
      VictorError.isInstance(error) &&
      typeof (error as { status?: unknown }).status === 'number' &&
      typeof (error as { reason?: unknown }).reason === 'string'
    );
  }
}
