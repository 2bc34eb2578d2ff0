import { ConnectionError, HttpStatusError } from '@victor-ai/core';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { backoffDelay, isRetryableError, resolveBackoff } from './retry.js';

describe('backoffDelay', () => {
  it('stays within [0, min(max, initial x multiplier^(n-1))) for any draw', () => {
    const backoff = resolveBackoff({ initialDelayMs: 10, maxDelayMs: 500, multiplier: 2 });
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 30 }),
        fc.double({ min: 0, max: 1, maxExcluded: true, noNaN: true }),
        (retry, draw) => {
          const wait = backoffDelay(retry, backoff, () => draw);
          expect(wait).toBeGreaterThanOrEqual(0);
          expect(wait).toBeLessThan(Math.min(500, 10 * 2 ** (retry - 1)) + 1e-9);
        },
      ),
    );
  });

  it('waits at least Retry-After', () => {
    expect(backoffDelay(1, resolveBackoff(), () => 0.1, 3_000)).toBe(3_000);
  });
});

describe('isRetryableError', () => {
  it('accepts retryable Victor errors only', () => {
    expect(isRetryableError(new ConnectionError({ message: 'x' }))).toBe(true);
    expect(isRetryableError(new HttpStatusError({ status: 404, url: 'u', responseBody: '' }))).toBe(false);
    expect(isRetryableError(new Error('plain'))).toBe(false);
  });
});
