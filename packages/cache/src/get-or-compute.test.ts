import type { Cache } from '@victor-ai/core';
import { AbortedError } from '@victor-ai/core';
import { describe, expect, it } from 'vitest';
import { CachedComputeError, getOrCompute } from './get-or-compute.js';
import { MemoryCache } from './memory-cache.js';

/** A Cache of core's contract only (no getEntry, no lock), as a user might bring. */
function plainCache(): Cache<unknown> & { map: Map<string, unknown> } {
  const map = new Map<string, unknown>();
  return {
    name: 'plain',
    map,
    get: async (key) => map.get(key),
    set: async (key, value) => {
      map.set(key, value);
    },
    delete: async (key) => map.delete(key),
    invalidateTags: async () => 0,
    clear: async () => map.clear(),
  };
}

describe('getOrCompute', () => {
  it('works over any Cache of core contract', async () => {
    const cache = plainCache();
    let calls = 0;
    const compute = async () => ++calls;
    expect(await Promise.all([getOrCompute(cache, 'k', compute), getOrCompute(cache, 'k', compute)])).toEqual(
      [1, 1],
    );
    expect(await getOrCompute(cache, 'k', compute)).toBe(1);
    expect(cache.map.get('k')).toBe(1);
  });

  it('keeps single-flight per cache: two caches compute the same key separately', async () => {
    const first = plainCache();
    const second = plainCache();
    let calls = 0;
    await Promise.all([getOrCompute(first, 'k', () => ++calls), getOrCompute(second, 'k', () => ++calls)]);
    expect(calls).toBe(2);
  });

  it('rejects at once for an already aborted signal, without computing', async () => {
    let calls = 0;
    await expect(
      getOrCompute(plainCache(), 'k', () => ++calls, { abortSignal: AbortSignal.abort() }),
    ).rejects.toBeInstanceOf(AbortedError);
    expect(calls).toBe(0);
  });

  it('does not store undefined', async () => {
    const cache = plainCache();
    expect(await getOrCompute(cache, 'k', () => undefined)).toBeUndefined();
    expect(cache.map.has('k')).toBe(false);
  });

  it('replays a cached failure with its code and original name', async () => {
    const cache = new MemoryCache({ name: 'm' });
    class DiskError extends Error {
      override name = 'DiskError';
    }
    const options = { cacheErrors: { ttlMs: 1_000 } } as const;
    await expect(
      getOrCompute(cache, 'k', () => Promise.reject(new DiskError('full')), options),
    ).rejects.toThrow('full');
    const replayed = await getOrCompute(cache, 'k', () => 'never', options).catch((error: unknown) => error);
    expect(replayed).toBeInstanceOf(CachedComputeError);
    expect(replayed).toMatchObject({ originalName: 'DiskError', message: 'full', code: 'COMPUTE_FAILED' });
  });

  it('calls onRevalidateError when a background refresh fails, and keeps the stale value', async () => {
    let now = 1_000;
    const clock = { now: () => now, epochMs: () => now };
    const cache = new MemoryCache({ name: 'm', clock });
    await cache.set('k', 'old', { ttlMs: 10, staleWhileRevalidateMs: 1_000 });
    now += 20;
    const errors: unknown[] = [];
    const value = await getOrCompute(cache, 'k', () => Promise.reject(new Error('down')), {
      onRevalidateError: (error) => errors.push(error),
    });
    expect(value).toBe('old');
    await new Promise((resolve) => setImmediate(resolve));
    expect(errors).toHaveLength(1);
    expect((await cache.getEntry('k'))?.value).toBe('old');
  });
});

describe('getOrCompute, abandoned computations', () => {
  it('lets a caller that comes after every waiter left start afresh', async () => {
    const cache = new MemoryCache<string>({ name: 'm' });
    const first = new AbortController();
    const abandoned = getOrCompute(
      cache,
      'k',
      ({ abortSignal }) =>
        new Promise<string>((_, reject) => {
          abortSignal.addEventListener('abort', () => setTimeout(() => reject(abortSignal.reason), 5));
        }),
      { abortSignal: first.signal },
    );
    first.abort();
    await expect(abandoned).rejects.toBeInstanceOf(AbortedError);
    await expect(getOrCompute(cache, 'k', async () => 'fresh')).resolves.toBe('fresh');
  });

  it('gives a compute that reads its signal only after every waiter left an aborted signal', async () => {
    const cache = new MemoryCache<string>({ name: 'm' });
    const caller = new AbortController();
    let resume = () => {};
    let started = () => {};
    const computing = new Promise<void>((resolve) => {
      started = resolve;
    });
    const seen: AbortSignal[] = [];
    const leaving = getOrCompute(
      cache,
      'k',
      async (context) => {
        await new Promise<void>((resolve) => {
          resume = resolve;
          started();
        });
        seen.push(context.abortSignal);
        return 'late';
      },
      { abortSignal: caller.signal },
    );
    await computing;
    caller.abort(new Error('gone'));
    await expect(leaving).rejects.toThrow('gone');
    resume();
    await new Promise((resolve) => setImmediate(resolve));
    expect(seen).toHaveLength(1);
    expect(seen[0]?.aborted).toBe(true);
    expect(seen[0]?.reason).toMatchObject({ message: 'gone' });
  });

  it('makes no AbortController for a miss whose compute never reads its signal', async () => {
    const Original = globalThis.AbortController;
    let made = 0;
    globalThis.AbortController = class extends Original {
      constructor() {
        super();
        made++;
      }
    };
    try {
      const cache = new MemoryCache<string>({ name: 'm' });
      const caller = new AbortController();
      made = 0;
      await getOrCompute(cache, 'a', () => 'v');
      await getOrCompute(cache, 'b', async () => 'v', { abortSignal: caller.signal });
      expect(made).toBe(0);
      let signal: AbortSignal | undefined;
      await getOrCompute(cache, 'c', (context) => {
        signal = context.abortSignal;
        return 'v';
      });
      expect(made).toBe(1);
      expect(signal?.aborted).toBe(false);
    } finally {
      globalThis.AbortController = Original;
    }
  });

  it('gives the same signal on every read, and a spread of the context keeps it', async () => {
    const cache = new MemoryCache<boolean>({ name: 'm' });
    const same = await getOrCompute(cache, 'k', (context) => {
      const first = context.abortSignal;
      const copy = { ...context };
      return first === context.abortSignal && copy.abortSignal === first;
    });
    expect(same).toBe(true);
  });

  it('does not store a value when shouldStore says no', async () => {
    const cache = new MemoryCache<string>({ name: 'm' });
    await expect(getOrCompute(cache, 'k', async () => 'v', { shouldStore: () => false })).resolves.toBe('v');
    expect(await cache.get('k')).toBeUndefined();
  });

  it('reads again after taking the cross-process lock: a value stored by the last holder is not computed again', async () => {
    // Another process computed, stored and let go of the lock between this caller's miss and its lock.
    const cache = Object.assign(plainCache(), {
      tryAcquireLock: async () => {
        cache.map.set('k', 'from the other process');
        return 'token';
      },
      released: [] as string[],
      releaseLock: async (key: string) => {
        cache.released.push(key);
      },
    });
    let calls = 0;
    const value = await getOrCompute(cache, 'k', async () => `computed ${++calls}`);
    expect(value).toBe('from the other process');
    expect(calls).toBe(0);
    expect(cache.released).toEqual(['\u0000lock:k']);
  });
});
