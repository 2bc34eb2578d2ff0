import { describe, expect, it } from 'vitest';
import {
  AbortedError,
  HttpStatusError,
  InvalidConfigError,
  InvalidRequestError,
  invalidOption,
  TimeoutError,
  VictorError,
} from './errors.js';

describe('VictorError', () => {
  it('recognises its own instances and subclasses', () => {
    const error = new HttpStatusError({ status: 503, url: 'http://x/v1', responseBody: '' });
    expect(VictorError.isInstance(error)).toBe(true);
    expect(error).toBeInstanceOf(VictorError);
    expect(error.code).toBe('HTTP_STATUS');
  });

  it('recognises an error from another copy of the package by its marker', () => {
    const foreign = Object.assign(new Error('x'), {
      [Symbol.for('@victor-ai/core.error')]: true,
      code: 'TIMEOUT',
    });
    expect(VictorError.isInstance(foreign)).toBe(true);
    expect(VictorError.isInstance(new Error('plain'))).toBe(false);
    expect(VictorError.isInstance(null)).toBe(false);
  });

  it('keeps the cause', () => {
    const cause = new Error('socket hang up');
    expect(new TimeoutError({ timeoutMs: 5, cause }).cause).toBe(cause);
  });

  describe('isRetryable', () => {
    it.each([
      [408, true],
      [429, true],
      [500, true],
      [503, true],
      [400, false],
      [401, false],
      [404, false],
    ])('HTTP %i is retryable: %s', (status, retryable) => {
      expect(new HttpStatusError({ status, url: 'u', responseBody: '' }).isRetryable).toBe(retryable);
    });

    it('never retries an abort', () => {
      expect(new AbortedError().isRetryable).toBe(false);
    });
  });
});

describe('invalidOption', () => {
  it('names the option and the bad value', () => {
    const error = invalidOption('maxRetries', 'a non-negative integer', -1);
    expect(error).toBeInstanceOf(InvalidConfigError);
    expect(error.code).toBe('INVALID_CONFIG');
    expect(error.option).toBe('maxRetries');
    expect(error.message).toBe('maxRetries must be a non-negative integer, got -1');
  });
});

describe('retryable errors', () => {
  it('stay retryable when isRetryable is passed as undefined', async () => {
    const { ConnectionError, QueueFullError } = await import('./errors.js');
    expect(new ConnectionError({ message: 'x', isRetryable: undefined }).isRetryable).toBe(true);
    expect(new QueueFullError({ message: 'x', isRetryable: undefined }).isRetryable).toBe(true);
    expect(new ConnectionError({ message: 'x', isRetryable: false }).isRetryable).toBe(false);
  });
});

describe('InvalidRequestError', () => {
  it('is never retryable, whatever the options say', () => {
    const error = new InvalidRequestError({ message: 'too deep', isRetryable: true });
    expect(error.code).toBe('INVALID_REQUEST');
    expect(error.isRetryable).toBe(false);
    expect(VictorError.isInstance(error)).toBe(true);
  });
});
