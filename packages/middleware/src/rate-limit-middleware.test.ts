import { type Clock, InvalidConfigError, type MiddlewareContext, type ToolDefinition } from '@victor-ai/core';
import { describe, expect, it } from 'vitest';
import { createToolMiddlewareChain } from './chain.js';
import {
  createMemoryRateLimitStore,
  createRateLimitMiddleware,
  type RateLimitStore,
} from './rate-limit-middleware.js';

function fakeClock(start = 1_000_000): Clock & { advance(ms: number): void } {
  let now = start;
  return { now: () => now, epochMs: () => now, advance: (ms) => (now += ms) };
}

const definition: ToolDefinition = { name: 'search', description: '', parameters: { type: 'object' } };
const call = (name = 'search') => ({ id: '1', name, arguments: {} });
const ctx = (tenantId?: string): MiddlewareContext =>
  tenantId === undefined ? { definition } : { definition, tenantId };

/** The decision of a used-up bucket: a block by the rate-limit rule, saying when to retry. */
const limited = (retryMs: number) => ({
  type: 'block',
  code: 'RATE_LIMITED',
  reason: expect.stringContaining(`retry in ${retryMs} ms`),
});

describe('createRateLimitMiddleware', () => {
  it('should allow a burst up to capacity, then block with a retry time', () => {
    const clock = fakeClock();
    const limiter = createRateLimitMiddleware({ limit: { capacity: 2, refillPerSecond: 1 }, clock });
    expect(limiter.before!(call(), ctx())).toBeUndefined();
    expect(limiter.before!(call(), ctx())).toBeUndefined();
    const blocked = limiter.before!(call(), ctx());
    expect(blocked).toMatchObject({ type: 'block', code: 'RATE_LIMITED' });
    expect(blocked).toHaveProperty('reason', expect.stringContaining('retry in 1000 ms'));
  });

  it('should refill over time', () => {
    const clock = fakeClock();
    const limiter = createRateLimitMiddleware({ limit: { capacity: 1, refillPerSecond: 2 }, clock });
    expect(limiter.before!(call(), ctx())).toBeUndefined();
    expect(limiter.before!(call(), ctx())).toEqual(limited(500));
    clock.advance(400);
    expect(limiter.before!(call(), ctx())).toEqual(limited(100));
    clock.advance(100);
    expect(limiter.before!(call(), ctx())).toBeUndefined();
  });

  it('should round the retry time to the true millisecond, not float noise, and allow the retry then', () => {
    // 499 ms at 2 tokens/s leaves 0.998 tokens: 1 ms short (the float ceiling used to say 2 ms).
    const clock = fakeClock();
    const limiter = createRateLimitMiddleware({ limit: { capacity: 1, refillPerSecond: 2 }, clock });
    expect(limiter.before!(call(), ctx())).toBeUndefined();
    clock.advance(499);
    expect(limiter.before!(call(), ctx())).toEqual(limited(1));
    clock.advance(1);
    expect(limiter.before!(call(), ctx())).toBeUndefined();

    const store = createMemoryRateLimitStore();
    const bucket = { capacity: 1, refillPerSecond: 2 };
    expect(store.take('k', bucket, 1, 0)).toMatchObject({ allowed: true });
    expect(store.take('k', bucket, 1, 499)).toMatchObject({ allowed: false, retryAfterMs: 1 });
    expect(store.take('k', bucket, 1, 500)).toMatchObject({ allowed: true, retryAfterMs: 0 });
  });

  it('should keep separate buckets per tenant and per tool', () => {
    const clock = fakeClock();
    const limiter = createRateLimitMiddleware({
      limit: { capacity: 1, refillPerSecond: 0.001 },
      toolLimits: { fetch: { capacity: 3, refillPerSecond: 0.001 } },
      clock,
    });
    expect(limiter.before!(call(), ctx('a'))).toBeUndefined();
    expect(limiter.before!(call(), ctx('a'))).toEqual(limited(1_000_000));
    expect(limiter.before!(call(), ctx('b'))).toBeUndefined();
    for (let i = 0; i < 3; i++) expect(limiter.before!(call('fetch'), ctx('a'))).toBeUndefined();
    expect(limiter.before!(call('fetch'), ctx('a'))).toEqual(limited(1_000_000));
  });

  it('should stay synchronous with the memory store and await an async store', async () => {
    const seen: string[] = [];
    const asyncStore: RateLimitStore = {
      async take(key) {
        seen.push(key);
        return { allowed: false, remaining: 0, retryAfterMs: 250 };
      },
    };
    const chain = createToolMiddlewareChain([
      createRateLimitMiddleware({
        limit: { capacity: 1, refillPerSecond: 1 },
        store: asyncStore,
        key: () => 'k',
      }),
    ]);
    const pending = chain.execute({ definition, execute: () => 'ran' }, call(), { tenantId: 't' });
    expect(pending).toBeInstanceOf(Promise);
    expect(await pending).toMatchObject({ ok: false, error: { code: 'RATE_LIMITED' } });
    expect(seen).toEqual(['k']);
    const syncChain = createToolMiddlewareChain([
      createRateLimitMiddleware({ limit: { capacity: 1, refillPerSecond: 1 } }),
    ]);
    expect(syncChain.execute({ definition, execute: () => 'ran' }, call())).toMatchObject({ ok: true });
  });

  it('should honour a cost function', () => {
    const limiter = createRateLimitMiddleware({
      limit: { capacity: 5, refillPerSecond: 1 },
      cost: () => 3,
      clock: fakeClock(),
    });
    expect(limiter.before!(call(), ctx())).toBeUndefined();
    // 2 tokens left, a call costs 3: one more token, at 1 per second.
    expect(limiter.before!(call(), ctx())).toEqual(limited(1000));
  });

  it('should reject bad limits naming the option', () => {
    expect(() => createRateLimitMiddleware({ limit: { capacity: 0, refillPerSecond: 1 } })).toThrow(
      InvalidConfigError,
    );
    expect(() =>
      createRateLimitMiddleware({
        limit: { capacity: 1, refillPerSecond: 1 },
        toolLimits: { x: { capacity: 1, refillPerSecond: -1 } },
      }),
    ).toThrow('toolLimits.x.refillPerSecond');
  });
});

describe('createMemoryRateLimitStore', () => {
  it('should stay within maxKeys, dropping a refilled bucket first, else the longest idle', () => {
    const store = createMemoryRateLimitStore({ maxKeys: 2 });
    const limit = { capacity: 1, refillPerSecond: 1 };
    expect(store.take('a', limit, 1, 0)).toMatchObject({ allowed: true });
    expect(store.take('b', limit, 1, 500)).toMatchObject({ allowed: true });
    // At 600 ms neither has refilled; `a` has been idle longest and is dropped for `c`.
    expect(store.take('c', limit, 1, 600)).toMatchObject({ allowed: true });
    expect(store.take('b', limit, 1, 600)).toMatchObject({ allowed: false });
    expect(store.take('c', limit, 1, 600)).toMatchObject({ allowed: false });
    // At 1,550 ms `b` (0.1 token at 600) is full again and is the one dropped for `d`; `c` stays empty.
    expect(store.take('d', limit, 1, 1_550)).toMatchObject({ allowed: true });
    expect(store.take('c', limit, 1, 1_550)).toMatchObject({ allowed: false });
  });
});
