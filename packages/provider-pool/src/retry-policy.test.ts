import {
  AbortedError,
  CircuitOpenError,
  ConnectionError,
  HttpStatusError,
  InvalidArgumentsError,
  InvalidRequestError,
  InvalidResponseError,
  TimeoutError,
  type VictorError,
} from '@victor-ai/core';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { countsAgainstEndpoint, RetryPolicy } from './retry-policy.js';

const errors: VictorError[] = [
  new ConnectionError({ message: 'reset' }),
  new TimeoutError({ timeoutMs: 5 }),
  new HttpStatusError({ status: 503, url: 'u', responseBody: '' }),
  new HttpStatusError({ status: 429, url: 'u', responseBody: '', retryAfterMs: 20 }),
  new HttpStatusError({ status: 400, url: 'u', responseBody: '' }),
  new HttpStatusError({ status: 413, url: 'u', responseBody: '' }),
  new HttpStatusError({ status: 422, url: 'u', responseBody: '' }),
  new InvalidResponseError({ message: 'garbage' }),
  new InvalidRequestError({ message: 'too deep' }),
  new InvalidArgumentsError({ message: 'bad' }),
  new CircuitOpenError({ message: 'open', endpoint: 'e' }),
  new AbortedError(),
];

describe('RetryPolicy', () => {
  describe('shouldRetry', () => {
    it('never retries after the first delivered event, whatever the failure and attempts left', () => {
      const policy = new RetryPolicy({ maxAttempts: 100 });
      fc.assert(
        fc.property(
          fc.constantFrom(...errors),
          fc.integer({ min: 1, max: 99 }),
          fc.boolean(),
          (error, attempt, aborted) => {
            expect(policy.shouldRetry({ error, attempt, delivered: true, aborted })).toBe(false);
          },
        ),
      );
    });

    it('never retries an abort, a request error or a 4xx other than 408/409/429', () => {
      const policy = new RetryPolicy({ maxAttempts: 5 });
      const retried = errors
        .filter((error) => policy.shouldRetry({ error, attempt: 1, delivered: false, aborted: false }))
        .map((error) => (error as { status?: number }).status ?? error.code);
      expect(retried).toEqual(['CONNECTION_FAILED', 'TIMEOUT', 503, 429, 'INVALID_RESPONSE', 'CIRCUIT_OPEN']);
    });

    it('stops when the caller aborted or the attempts ran out', () => {
      const policy = new RetryPolicy({ maxAttempts: 3 });
      const error = new ConnectionError({ message: 'reset' });
      expect(policy.shouldRetry({ error, attempt: 2, delivered: false, aborted: false })).toBe(true);
      expect(policy.shouldRetry({ error, attempt: 3, delivered: false, aborted: false })).toBe(false);
      expect(policy.shouldRetry({ error, attempt: 1, delivered: false, aborted: true })).toBe(false);
    });
  });

  describe('retryDelay', () => {
    const policy = new RetryPolicy({
      backoff: { initialDelayMs: 100, maxDelayMs: 1_000 },
      maxRetryWaitMs: 2_000,
      random: () => 0.5,
    });
    const reset = new ConnectionError({ message: 'reset' });

    it('backs off on the same endpoint only', () => {
      expect(policy.retryDelay(1, true, reset, 0)).toBe(50);
      expect(policy.retryDelay(2, true, reset, 0)).toBe(100);
      expect(policy.retryDelay(1, false, reset, 0)).toBe(0);
    });

    it('waits at least Retry-After and an endpoint block, and gives up beyond maxRetryWaitMs', () => {
      const limited = new HttpStatusError({ status: 429, url: 'u', responseBody: '', retryAfterMs: 700 });
      expect(policy.retryDelay(1, true, limited, 0)).toBe(700);
      expect(policy.retryDelay(1, false, reset, 300)).toBe(300);
      expect(policy.retryDelay(1, false, reset, 2_001)).toBeUndefined();
    });
  });

  it('refuses bad options, naming them', () => {
    expect(() => new RetryPolicy({ maxAttempts: 0 })).toThrow(
      'maxAttempts must be a positive integer, got 0',
    );
    expect(() => new RetryPolicy({ maxRetryWaitMs: -1 })).toThrow('maxRetryWaitMs');
  });
});

describe('countsAgainstEndpoint', () => {
  it('counts the endpoint’s faults and nothing the request or the caller caused', () => {
    const counted = errors
      .filter(countsAgainstEndpoint)
      .map((error) => (error as { status?: number }).status ?? error.code);
    expect(counted).toEqual(['CONNECTION_FAILED', 'TIMEOUT', 503, 429, 'INVALID_RESPONSE', 'CIRCUIT_OPEN']);
  });
});
