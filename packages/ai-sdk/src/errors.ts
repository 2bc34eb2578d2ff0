import { APICallError } from '@ai-sdk/provider';
import {
  AbortedError,
  ConnectionError,
  HttpStatusError,
  InvalidResponseError,
  TimeoutError,
  VictorError,
} from '@victor-ai/core';

/**
 * The AI SDK error for a Victor error: an `APICallError` with the same `isRetryable`, the HTTP status and
 * body when there was one, `retry-after-ms` in `responseHeaders` when the server asked to wait (the AI SDK's
 * retry honours it), Victor's error as `cause` and `{ code }` as `data`. An abort becomes the signal's reason
 * (an `AbortError`), as a `fetch`-based provider would throw, so the AI SDK never retries it.
 */
export function toAPICallError(error: unknown, providerId: string, abortSignal?: AbortSignal): unknown {
  if (abortSignal?.aborted) return abortSignal.reason ?? error;
  if (!VictorError.isInstance(error)) return error;
  if (error.code === 'ABORTED') return new DOMException(error.message, 'AbortError');
  const http = error instanceof HttpStatusError || error.code === 'HTTP_STATUS';
  const status = http ? (error as HttpStatusError).status : undefined;
  const retryAfterMs = http ? (error as HttpStatusError).retryAfterMs : undefined;
  return new APICallError({
    message: `${error.message} [${error.code}]`,
    url: http ? (error as HttpStatusError).url : providerId,
    requestBodyValues: undefined,
    statusCode: status,
    responseBody: http ? (error as HttpStatusError).responseBody : undefined,
    responseHeaders:
      retryAfterMs === undefined
        ? undefined
        : { 'retry-after-ms': String(retryAfterMs), 'retry-after': String(Math.ceil(retryAfterMs / 1000)) },
    isRetryable: error.isRetryable,
    cause: error,
    data: { code: error.code },
  });
}

function headerNumber(headers: Record<string, string> | undefined, name: string): number | undefined {
  const value = headers?.[name];
  if (value === undefined) return undefined;
  const parsed = Number(value);
  return Number.isFinite(parsed) && parsed >= 0 ? parsed : undefined;
}

/** Milliseconds an AI SDK error's response headers ask to wait (`retry-after-ms`, or `retry-after` in seconds). */
function retryAfter(headers: Record<string, string> | undefined): number | undefined {
  const ms = headerNumber(headers, 'retry-after-ms');
  if (ms !== undefined) return ms;
  const seconds = headerNumber(headers, 'retry-after');
  return seconds === undefined ? undefined : seconds * 1000;
}

function isAbortLike(error: unknown): boolean {
  return (
    typeof error === 'object' &&
    error !== null &&
    ((error as { name?: unknown }).name === 'AbortError' ||
      (error as { name?: unknown }).name === 'ResponseAborted')
  );
}

/**
 * The Victor error for whatever an AI SDK model threw: `APICallError` with a status becomes `HttpStatusError`
 * (retryable for 408, 409, 429, 5xx; `retryAfterMs` from its headers), one without becomes
 * `ConnectionError`, an abort (or anything thrown once `abortSignal` fired) `AbortedError`, a timeout
 * `TimeoutError`, anything else `InvalidResponseError`. The original error is the `cause`.
 */
export function fromAISDKError(error: unknown, modelId: string, abortSignal?: AbortSignal): VictorError {
  if (VictorError.isInstance(error)) return error;
  if (abortSignal?.aborted || isAbortLike(error)) {
    return new AbortedError({ message: `the call to ${modelId} was aborted`, cause: error });
  }
  const message = error instanceof Error ? error.message : String(error);
  if (APICallError.isInstance(error)) {
    if (error.statusCode !== undefined) {
      return new HttpStatusError({
        status: error.statusCode,
        url: error.url,
        responseBody: error.responseBody ?? '',
        message: `HTTP ${error.statusCode} from ${error.url}: ${message}`,
        retryAfterMs: retryAfter(error.responseHeaders),
        cause: error,
      });
    }
    return new ConnectionError({
      message: `${modelId}: ${message}`,
      cause: error,
      isRetryable: error.isRetryable,
    });
  }
  if ((error as { name?: unknown } | null)?.name === 'TimeoutError') {
    return new TimeoutError({ timeoutMs: 0, message: `${modelId}: ${message}`, cause: error });
  }
  return new InvalidResponseError({ message: `${modelId}: ${message}`, cause: error });
}
