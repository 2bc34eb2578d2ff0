import { VictorError } from '@victor-ai/core';
import { nonNegativeNumber } from './options.js';

/** How long to wait between attempts: exponential growth, capped, with full jitter. */
export interface BackoffOptions {
  /** Cap of the first retry's wait; default 50 ms. */
  initialDelayMs?: number;
  /** Largest wait; default 2,000 ms. */
  maxDelayMs?: number;
  /** Growth factor per attempt; default 2. */
  multiplier?: number;
}

/** Backoff options with their defaults filled in and checked. */
export interface ResolvedBackoff {
  initialDelayMs: number;
  maxDelayMs: number;
  multiplier: number;
}

/** Checks backoff options and fills in the defaults. */
export function resolveBackoff(options: BackoffOptions = {}): ResolvedBackoff {
  const initialDelayMs = nonNegativeNumber('backoff.initialDelayMs', options.initialDelayMs, 50);
  const maxDelayMs = nonNegativeNumber('backoff.maxDelayMs', options.maxDelayMs, 2_000);
  const multiplier = nonNegativeNumber('backoff.multiplier', options.multiplier, 2);
  return { initialDelayMs, maxDelayMs, multiplier: Math.max(1, multiplier) };
}

/**
 * The wait before retry number `retry` (1 for the first retry): a uniform draw from
 * `[0, min(maxDelayMs, initialDelayMs * multiplier^(retry-1)))` ("full jitter"), so that many clients
 * failing together do not retry together. A server's `Retry-After` raises it to at least that long.
 */
export function backoffDelay(
  retry: number,
  backoff: ResolvedBackoff,
  random: () => number = Math.random,
  retryAfterMs?: number,
): number {
  const cap = Math.min(
    backoff.maxDelayMs,
    backoff.initialDelayMs * backoff.multiplier ** Math.max(0, retry - 1),
  );
  const jittered = random() * cap;
  return retryAfterMs !== undefined && retryAfterMs > jittered ? retryAfterMs : jittered;
}

/**
 * True when a failed call may be tried again: a Victor error marked retryable (connection failures,
 * timeouts, 408, 409, 429, 5xx, pool exhausted, circuit open), and never an abort.
 */
export function isRetryableError(error: unknown): boolean {
  return VictorError.isInstance(error) && error.isRetryable && error.code !== 'ABORTED';
}
