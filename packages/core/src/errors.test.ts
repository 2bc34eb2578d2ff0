import { describe, expect, it } from 'vitest';
import * as errors from './errors.js';
import {
  AbortedError,
  AgentClosedError,
  BlockedByMiddlewareError,
  CircuitOpenError,
  HttpStatusError,
  InvalidConfigError,
  InvalidRequestError,
  invalidOption,
  TimeoutError,
  VictorError,
  type VictorErrorCode,
} from './errors.js';

describe('error classes', () => {
  const message = 'm';
  // Every error class of the module: options to build one, its code, and `isRetryable` when the caller is silent.
  const classes: Array<[name: string, options: object, code: VictorErrorCode, retryable: boolean]> = [
    ['HttpStatusError', { status: 503, url: 'u', responseBody: '' }, 'HTTP_STATUS', true],
    ['ConnectionError', { message }, 'CONNECTION_FAILED', true],
    ['TimeoutError', { timeoutMs: 5 }, 'TIMEOUT', true],
    ['AbortedError', {}, 'ABORTED', false],
    ['PoolExhaustedError', { message }, 'POOL_EXHAUSTED', true],
    ['QueueFullError', { message }, 'QUEUE_FULL', true],
    ['CircuitOpenError', { message, endpoint: 'e' }, 'CIRCUIT_OPEN', true],
    ['InvalidArgumentsError', { message }, 'INVALID_ARGUMENTS', false],
    [
      'BlockedByMiddlewareError',
      { message, middleware: 'mw', reasonCode: 'R' },
      'BLOCKED_BY_MIDDLEWARE',
      false,
    ],
    ['CacheUnavailableError', { message }, 'CACHE_UNAVAILABLE', true],
    ['InvalidConfigError', { message, option: 'o' }, 'INVALID_CONFIG', false],
    ['InvalidResponseError', { message }, 'INVALID_RESPONSE', false],
    ['InvalidRequestError', { message }, 'INVALID_REQUEST', false],
    ['AgentClosedError', {}, 'AGENT_CLOSED', false],
  ];

  type ErrorClass = new (options: object) => VictorError;
  const exported = new Map<string, ErrorClass>();
  for (const [name, value] of Object.entries(errors)) {
    if (typeof value === 'function' && value.prototype instanceof VictorError) {
      exported.set(name, value as ErrorClass);
    }
  }

  it('cover every error class the module exports', () => {
    expect(classes.map(([name]) => name).sort()).toEqual([...exported.keys()].sort());
  });

  it.each(classes)('%s has its code %s, its name, and isRetryable %s', (name, options, code, retryable) => {
    const ErrorClass = exported.get(name);
    if (ErrorClass === undefined) throw new Error(`${name} is not exported`);
    const error = new ErrorClass(options);
    expect(error).toBeInstanceOf(VictorError);
    expect(error).toBeInstanceOf(Error);
    expect(error.code).toBe(code);
    expect(error.name).toBe(name);
    expect(error.isRetryable).toBe(retryable);
    expect(error.stack?.startsWith(`${name}: `)).toBe(true);
    expect(error.toJSON()).toEqual({ name, code, message: error.message, isRetryable: retryable });
  });

  it("keep the caller's message and the fields of their own options", () => {
    expect(new TimeoutError({ timeoutMs: 5 }).message).toBe('timed out after 5 ms');
    expect(new TimeoutError({ timeoutMs: 5, message }).message).toBe(message);
    expect(new AgentClosedError({ message }).message).toBe(message);
    expect(new CircuitOpenError({ message, endpoint: 'e', retryAtMs: 9 })).toMatchObject({
      endpoint: 'e',
      retryAtMs: 9,
    });
    expect(new BlockedByMiddlewareError({ message, middleware: 'mw', reasonCode: 'R' })).toMatchObject({
      middleware: 'mw',
      reasonCode: 'R',
    });
    expect(new HttpStatusError({ status: 429, url: 'u', responseBody: 'b', retryAfterMs: 7 })).toMatchObject({
      status: 429,
      url: 'u',
      responseBody: 'b',
      retryAfterMs: 7,
      message: 'HTTP 429 from u',
    });
  });

  it('let the caller override the default retryability, except where it is never retried', () => {
    expect(new errors.CacheUnavailableError({ message, isRetryable: false }).isRetryable).toBe(false);
    expect(new errors.InvalidArgumentsError({ message, isRetryable: true }).isRetryable).toBe(true);
    expect(new AbortedError({ message, isRetryable: true }).isRetryable).toBe(false);
    expect(new AgentClosedError({ isRetryable: true }).isRetryable).toBe(false);
  });
});

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
