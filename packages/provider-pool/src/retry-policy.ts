import type { VictorError } from '@victor-ai/core';
import { optionalDuration, positiveInteger } from './options.js';
import { type BackoffOptions, backoffDelay, type ResolvedBackoff, resolveBackoff } from './retry.js';

/** Options of `RetryPolicy`: how many attempts, how long to wait between them. */
export interface RetryPolicyOptions {
  /** Most attempts per request, the first included; default 3. */
  maxAttempts?: number;
  /** Waits between attempts on the same endpoint (full jitter, raised to `Retry-After`). */
  backoff?: BackoffOptions;
  /** Longest wait a server's `Retry-After` may ask for before the failure is passed on; default 10,000 ms. */
  maxRetryWaitMs?: number;
  /** Random source in [0, 1) for jitter; default `Math.random`. */
  random?: () => number;
}

/** What the policy knows about a failed attempt when it decides whether to make another one. */
export interface FailedAttempt {
  /** The typed failure. */
  error: VictorError;
  /** Number of the attempt that failed, 1 for the first. */
  attempt: number;
  /** True once any part of the answer (a stream event) reached the caller. */
  delivered: boolean;
  /** True when the caller's signal or the request deadline has aborted. */
  aborted: boolean;
}

/**
 * The one place that decides retries for `ProviderPool`, for `chat()`, `stream()` and `embed()` alike, on
 * the model of undici's retry interceptor (`lib/handler/retry-handler.js`): a failure is retried when it
 * is the endpoint's fault (retryable, or an undecodable answer), attempts remain, nothing was delivered
 * yet, and nobody aborted; the wait is exponential backoff with full jitter, raised to `Retry-After`.
 * Unlike undici, an answer cannot be resumed, so the policy never retries after the first delivered event.
 */
export class RetryPolicy {
  /** Most attempts per request, the first included. */
  readonly maxAttempts: number;
  /** Longest wait before a retry; a server asking for more gets its failure passed on. */
  readonly maxRetryWaitMs: number;
  private readonly backoff: ResolvedBackoff;
  private readonly random: () => number;

  constructor(options: RetryPolicyOptions = {}) {
    this.maxAttempts = positiveInteger('maxAttempts', options.maxAttempts, 3);
    this.backoff = resolveBackoff(options.backoff);
    this.maxRetryWaitMs = optionalDuration('maxRetryWaitMs', options.maxRetryWaitMs) ?? 10_000;
    this.random = options.random ?? Math.random;
  }

  /** True when another attempt should be made after this failure. */
  shouldRetry(failure: FailedAttempt): boolean {
    // A delivered event cannot be taken back: a second answer would be spliced onto the first.
    if (failure.delivered || failure.aborted) return false;
    if (failure.attempt >= this.maxAttempts) return false;
    return countsAgainstEndpoint(failure.error);
  }

  /**
   * Milliseconds to wait before retry number `retry` (1 for the first): backoff when it goes to the
   * endpoint that just failed, none on a fresh one; at least what `Retry-After` or an endpoint's block
   * asks (`blockedForMs`). `undefined` when that is longer than `maxRetryWaitMs`.
   */
  retryDelay(
    retry: number,
    sameEndpoint: boolean,
    lastError: VictorError,
    blockedForMs: number,
  ): number | undefined {
    let wait = sameEndpoint ? backoffDelay(retry, this.backoff, this.random, retryAfterOf(lastError)) : 0;
    if (blockedForMs > wait) wait = blockedForMs;
    return wait > this.maxRetryWaitMs ? undefined : wait;
  }
}

/**
 * True when a failure says something about the endpoint (it is retried, and its breaker counts it):
 * retryable errors and undecodable answers. An abort, and anything caused by the request itself (a 4xx,
 * `INVALID_REQUEST`, bad arguments), says nothing about the endpoint and is never retried.
 */
export function countsAgainstEndpoint(error: VictorError): boolean {
  if (error.code === 'ABORTED' || error.code === 'INVALID_REQUEST') return false;
  return error.isRetryable || error.code === 'INVALID_RESPONSE';
}

/** The wait a failure's server asked for (`Retry-After`), in ms, when it asked for one. */
export function retryAfterOf(error: VictorError | undefined): number | undefined {
  const value = (error as { retryAfterMs?: unknown } | undefined)?.retryAfterMs;
  return typeof value === 'number' && value > 0 ? value : undefined;
}
