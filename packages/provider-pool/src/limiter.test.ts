import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { InFlightLimiter } from './limiter.js';

describe('InFlightLimiter', () => {
  beforeEach(() => {
    vi.useFakeTimers();
  });
  afterEach(() => {
    vi.useRealTimers();
  });

  it('grants free slots synchronously and queues beyond maxInFlight in FIFO order', async () => {
    const limiter = new InFlightLimiter({ maxInFlight: 2 });
    expect(limiter.acquire()).toBeUndefined();
    expect(limiter.acquire()).toBeUndefined();
    const order: number[] = [];
    const third = limiter.acquire()!.then(() => order.push(3));
    const fourth = limiter.acquire()!.then(() => order.push(4));
    expect(limiter.inFlight).toBe(2);
    expect(limiter.queued).toBe(2);
    limiter.release();
    await third;
    limiter.release();
    await fourth;
    expect(order).toEqual([3, 4]);
    expect(limiter.inFlight).toBe(2);
    limiter.release();
    limiter.release();
    expect(limiter.inFlight).toBe(0);
  });

  it('fails with POOL_EXHAUSTED after the queue timeout, and frees the queue place', async () => {
    const limiter = new InFlightLimiter({ maxInFlight: 1, queueTimeoutMs: 100 });
    limiter.acquire();
    const waiting = limiter.acquire()!;
    const assertion = expect(waiting).rejects.toMatchObject({ code: 'POOL_EXHAUSTED', isRetryable: true });
    await vi.advanceTimersByTimeAsync(100);
    await assertion;
    expect(limiter.queued).toBe(0);
    limiter.release();
    expect(limiter.inFlight).toBe(0);
  });

  it('fails at once with POOL_EXHAUSTED when the queue is full', () => {
    const limiter = new InFlightLimiter({ maxInFlight: 1, maxQueued: 1 });
    limiter.acquire();
    void limiter.acquire()!.catch(() => {});
    expect(() => limiter.acquire()).toThrow(expect.objectContaining({ code: 'POOL_EXHAUSTED' }));
  });

  it('honours abortSignal while waiting and skips the aborted waiter on release', async () => {
    const limiter = new InFlightLimiter({ maxInFlight: 1 });
    limiter.acquire();
    const controller = new AbortController();
    const aborted = limiter.acquire(controller.signal)!;
    const next = limiter.acquire()!;
    controller.abort();
    await expect(aborted).rejects.toMatchObject({ code: 'ABORTED' });
    limiter.release();
    await expect(next).resolves.toBeUndefined();
    expect(limiter.inFlight).toBe(1);
  });

  it('rejects an already aborted signal without taking a slot', () => {
    const limiter = new InFlightLimiter({ maxInFlight: 1 });
    expect(() => limiter.acquire(AbortSignal.abort())).toThrow(expect.objectContaining({ code: 'ABORTED' }));
    expect(limiter.inFlight).toBe(0);
  });

  it('rejects waiters on close() and refuses later acquires', async () => {
    const limiter = new InFlightLimiter({ maxInFlight: 1 });
    limiter.acquire();
    const waiting = limiter.acquire()!;
    limiter.close();
    await expect(waiting).rejects.toMatchObject({ code: 'ABORTED' });
    expect(() => limiter.acquire()).toThrow(expect.objectContaining({ code: 'INVALID_CONFIG' }));
  });

  it('refuses bad options', () => {
    expect(() => new InFlightLimiter({ maxInFlight: 0 })).toThrow(
      'maxInFlight must be a positive integer, got 0',
    );
    expect(() => new InFlightLimiter({ queueTimeoutMs: -5 })).toThrow('queueTimeoutMs');
  });
});
