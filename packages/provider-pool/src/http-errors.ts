import {
  AbortedError,
  abortReason,
  ConnectionError,
  HttpStatusError,
  InvalidRequestError,
  InvalidResponseError,
  TimeoutError,
  VictorError,
} from '@victor-ai/core';

/** Turns whatever undici threw into a Victor error: abort, timeout, invalid request or connection failure. */
export function toVictorError(error: unknown, url: string, abortSignal?: AbortSignal): VictorError {
  if (VictorError.isInstance(error)) return error;
  if (abortSignal?.aborted) {
    const reason = abortReason(abortSignal);
    return VictorError.isInstance(reason) ? reason : new AbortedError({ cause: reason });
  }
  const code = (error as { code?: unknown } | null)?.code;
  const name = (error as { name?: unknown } | null)?.name;
  if (name === 'AbortError' || code === 'UND_ERR_ABORTED' || code === 'ABORT_ERR') {
    return new AbortedError({ cause: error });
  }
  if (
    code === 'UND_ERR_HEADERS_TIMEOUT' ||
    code === 'UND_ERR_BODY_TIMEOUT' ||
    code === 'UND_ERR_CONNECT_TIMEOUT'
  ) {
    return new TimeoutError({ timeoutMs: 0, message: `${String(code)} from ${url}`, cause: error });
  }
  const message = error instanceof Error ? error.message : String(error);
  // undici refused the request before sending it (a bad header value, say): every endpoint would.
  if (code === 'UND_ERR_INVALID_ARG') {
    return new InvalidRequestError({ message: `request to ${url} is invalid: ${message}`, cause: error });
  }
  return new ConnectionError({ message: `request to ${url} failed: ${message}`, cause: error });
}

/** Reads `retry-after-ms` or `retry-after` (seconds or an HTTP date) into milliseconds. */
export function parseRetryAfter(
  headers: Record<string, string | string[] | undefined>,
  nowMs: number = Date.now(),
): number | undefined {
  const ms = first(headers['retry-after-ms']);
  if (ms !== undefined) {
    const value = Number(ms);
    if (Number.isFinite(value) && value >= 0) return value;
  }
  const after = first(headers['retry-after']);
  if (after === undefined) return undefined;
  const seconds = Number(after);
  if (Number.isFinite(seconds) && seconds >= 0) return seconds * 1000;
  const date = Date.parse(after);
  return Number.isNaN(date) ? undefined : Math.max(0, date - nowMs);
}

function first(value: string | string[] | undefined): string | undefined {
  return Array.isArray(value) ? value[0] : value;
}

/** Builds the typed error for a non-2xx answer, with the provider's own message when it gave one. */
export function httpStatusError(
  status: number,
  url: string,
  responseBody: string,
  headers: Record<string, string | string[] | undefined>,
): HttpStatusError {
  let detail = '';
  try {
    const parsed = JSON.parse(responseBody) as { error?: { message?: unknown } | string; message?: unknown };
    const message =
      typeof parsed.error === 'string'
        ? parsed.error
        : typeof parsed.error?.message === 'string'
          ? parsed.error.message
          : typeof parsed.message === 'string'
            ? parsed.message
            : undefined;
    if (message) detail = `: ${message}`;
  } catch {
    if (responseBody.length > 0) detail = `: ${responseBody.slice(0, 200)}`;
  }
  return new HttpStatusError({
    status,
    url,
    responseBody,
    message: `HTTP ${status} from ${url}${detail}`,
    retryAfterMs: parseRetryAfter(headers),
  });
}

// Error types of the Messages API that mean "try again", with the HTTP status they stand for.
const RETRYABLE_STREAM_ERRORS: Record<string, number> = {
  server_error: 500,
  overloaded_error: 529,
  api_error: 500,
  rate_limit_error: 429,
  rate_limit_exceeded: 429,
  timeout_error: 504,
};

/**
 * Turns an error a provider sent inside a 200 stream (`{type, message}` or `{code, message}`) into a typed
 * error: overloaded, server, rate-limit and timeout errors become retryable `HttpStatusError`s with the
 * status they stand for, anything else an `InvalidResponseError`.
 */
export function streamError(
  error: { type?: unknown; code?: unknown; message?: unknown } | undefined,
): VictorError {
  const type =
    typeof error?.type === 'string'
      ? error.type
      : typeof error?.code === 'string'
        ? error.code
        : 'unknown_error';
  const message = typeof error?.message === 'string' ? error.message : JSON.stringify(error);
  const status = RETRYABLE_STREAM_ERRORS[type];
  const text = `provider sent ${type} in the stream: ${message}`;
  if (status !== undefined) {
    return new HttpStatusError({
      status,
      url: 'stream',
      responseBody: JSON.stringify({ error }),
      message: text,
    });
  }
  return new InvalidResponseError({ message: text });
}
