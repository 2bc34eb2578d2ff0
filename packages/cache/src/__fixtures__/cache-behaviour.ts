import { AbortedError } from '@victor-ai/core';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { CachedComputeError, getOrCompute } from '../get-or-compute.js';
import type { VictorCache } from '../types.js';
import { ManualClock } from './manual-clock.js';

/** What a behaviour-suite factory builds: the cache under test, and how to dispose of it. */
export interface CacheUnderTest {
  cache: VictorCache<unknown>;
  /** A second cache of the same kind, with another name, sharing the backend (for isolation checks). */
  other?: VictorCache<unknown>;
  close(): Promise<void>;
}

/**
 * A subject of two caches that `build` makes under the names "behaviour" and "other" (one backend), each
 * `ready` first; after each test both are cleared, then closed.
 */
export async function cachePairUnderTest<Subject extends VictorCache<unknown> & { close(): Promise<void> }>(
  build: (name: string) => Subject,
  ready: (cache: Subject) => Promise<unknown> = () => Promise.resolve(),
): Promise<CacheUnderTest> {
  const cache = build('behaviour');
  const other = build('other');
  await Promise.all([ready(cache), ready(other)]);
  return {
    cache,
    other,
    close: async () => {
      await cache.clear();
      await other.clear();
      await Promise.all([cache.close(), other.close()]);
    },
  };
}

/** Resolves once every pending promise callback and I/O callback queued so far has run. */
function settle(): Promise<void> {
  return new Promise((resolve) => setImmediate(resolve));
}

/** Waits until `condition` holds; a backend round trip can take a while on a loaded machine. */
async function until(condition: () => boolean): Promise<void> {
  await vi.waitFor(
    () => {
      if (!condition()) throw new Error('condition not reached');
    },
    { timeout: 5_000, interval: 1 },
  );
}

/**
 * The behaviour every `Cache` of this package must show, run against each implementation (like undici's
 * cache-store-test-utils). `create` gets a manual clock that the implementation must read time from.
 */
export function cacheBehaviourSuite(create: (clock: ManualClock) => Promise<CacheUnderTest>): void {
  let clock: ManualClock;
  let subject: CacheUnderTest;
  let cache: VictorCache<unknown>;

  beforeEach(async () => {
    clock = new ManualClock();
    subject = await create(clock);
    cache = subject.cache;
  });
  afterEach(async () => {
    await subject.close();
  });

  describe('get and set', () => {
    it('misses a key never written', async () => {
      expect(await cache.get('absent')).toBeUndefined();
      expect(await cache.getEntry('absent')).toBeUndefined();
    });

    it('returns what was written, for JSON values of every kind', async () => {
      const values: unknown[] = [{ a: [1, 'x', null], b: { c: true } }, 'text', 42, [1, 2], null, false, ''];
      for (const [index, value] of values.entries()) await cache.set(`k${index}`, value);
      for (const [index, value] of values.entries()) expect(await cache.get(`k${index}`)).toEqual(value);
    });

    it('keeps keys with any characters apart', async () => {
      const keys = ['a', 'a:b', 'a b', 'ключ', 'a\u0000b', 'x'.repeat(500), '*', 'tag:a'];
      for (const key of keys) await cache.set(key, key);
      for (const key of keys) expect(await cache.get(key)).toBe(key);
    });

    it('replaces the value of a key written twice', async () => {
      await cache.set('k', 1);
      await cache.set('k', 2);
      expect(await cache.get('k')).toBe(2);
    });

    it('delete removes a key and says whether it was there', async () => {
      await cache.set('k', 1);
      expect(await cache.delete('k')).toBe(true);
      expect(await cache.get('k')).toBeUndefined();
      expect(await cache.delete('k')).toBe(false);
    });

    it('clear removes every entry of this cache and none of another', async () => {
      await cache.set('a', 1);
      await cache.set('b', 2, { tags: ['t'] });
      await subject.other?.set('a', 'other');
      await cache.clear();
      expect(await cache.get('a')).toBeUndefined();
      expect(await cache.get('b')).toBeUndefined();
      if (subject.other) expect(await subject.other.get('a')).toBe('other');
    });
  });

  describe('ttl', () => {
    it('respects a TTL per entry, not only a global one', async () => {
      await cache.set('short', 's', { ttlMs: 1_000 });
      await cache.set('long', 'l', { ttlMs: 5_000 });
      clock.advance(999);
      expect(await cache.get('short')).toBe('s');
      clock.advance(1);
      expect(await cache.get('short')).toBeUndefined();
      expect(await cache.get('long')).toBe('l');
      clock.advance(4_000);
      expect(await cache.get('long')).toBeUndefined();
    });

    it('serves an entry inside its stale window only as stale', async () => {
      await cache.set('k', 'v', { ttlMs: 1_000, staleWhileRevalidateMs: 2_000 });
      expect(await cache.getEntry('k')).toMatchObject({ value: 'v', stale: false });
      clock.advance(1_500);
      expect(await cache.get('k')).toBeUndefined();
      expect(await cache.getEntry('k')).toMatchObject({ value: 'v', stale: true });
      clock.advance(1_500);
      expect(await cache.getEntry('k')).toBeUndefined();
    });

    it('refuses a TTL that is not a positive number, naming it', async () => {
      await expect(cache.set('k', 1, { ttlMs: -1 })).rejects.toThrow('ttlMs must be a positive');
    });
  });

  describe('tags', () => {
    it('invalidateTags removes exactly the entries carrying any of the tags', async () => {
      await cache.set('a', 1, { tags: ['t1'] });
      await cache.set('b', 2, { tags: ['t1', 't2'] });
      await cache.set('c', 3, { tags: ['t2'] });
      await cache.set('d', 4);
      expect(await cache.invalidateTags(['t1'])).toBe(2);
      expect(await cache.get('a')).toBeUndefined();
      expect(await cache.get('b')).toBeUndefined();
      expect(await cache.get('c')).toBe(3);
      expect(await cache.get('d')).toBe(4);
      expect(await cache.invalidateTags(['t2', 'unknown'])).toBe(1);
      expect(await cache.get('c')).toBeUndefined();
    });

    it('leaves a key rewritten without the tag in place', async () => {
      await cache.set('k', 'old', { tags: ['t'] });
      await cache.set('k', 'new', { tags: ['other'] });
      await cache.invalidateTags(['t']);
      expect(await cache.get('k')).toBe('new');
    });

    it('resolves 0 for tags nothing carries', async () => {
      expect(await cache.invalidateTags(['nothing'])).toBe(0);
      expect(await cache.invalidateTags([])).toBe(0);
    });
  });

  describe('getOrCompute', () => {
    it('computes once for concurrent misses of one key, and serves the stored value after', async () => {
      let calls = 0;
      const compute = async () => {
        calls++;
        await settle();
        return { answer: 42 };
      };
      const results = await Promise.all(Array.from({ length: 5 }, () => getOrCompute(cache, 'k', compute)));
      expect(results).toEqual(Array.from({ length: 5 }, () => ({ answer: 42 })));
      expect(calls).toBe(1);
      expect(await getOrCompute(cache, 'k', compute)).toEqual({ answer: 42 });
      expect(calls).toBe(1);
      expect(await cache.get('k')).toEqual({ answer: 42 });
    });

    it('does not cache a failure unless asked', async () => {
      let calls = 0;
      const failing = async () => {
        calls++;
        throw new Error('boom');
      };
      const results = await Promise.allSettled([
        getOrCompute(cache, 'k', failing),
        getOrCompute(cache, 'k', failing),
      ]);
      expect(results.map((result) => result.status)).toEqual(['rejected', 'rejected']);
      expect(calls).toBe(1);
      await expect(getOrCompute(cache, 'k', async () => 'ok')).resolves.toBe('ok');
    });

    it('replays a cached failure for its TTL when cacheErrors is set', async () => {
      let calls = 0;
      const failing = async () => {
        calls++;
        throw new Error('boom');
      };
      const options = { cacheErrors: { ttlMs: 1_000 } } as const;
      await expect(getOrCompute(cache, 'k', failing, options)).rejects.toThrow('boom');
      await expect(getOrCompute(cache, 'k', failing, options)).rejects.toBeInstanceOf(CachedComputeError);
      expect(calls).toBe(1);
      clock.advance(1_000);
      await expect(getOrCompute(cache, 'k', failing, options)).rejects.toThrow('boom');
      expect(calls).toBe(2);
    });

    it('serves a stale entry at once and refreshes it in the background', async () => {
      await cache.set('k', 'old', { ttlMs: 1_000, staleWhileRevalidateMs: 10_000 });
      clock.advance(1_500);
      let calls = 0;
      const value = await getOrCompute(cache, 'k', async () => {
        calls++;
        return 'new';
      });
      expect(value).toBe('old');
      await until(() => calls === 1);
      await vi.waitFor(async () => expect(await cache.get('k')).toBe('new'), { timeout: 5_000, interval: 1 });
      expect(calls).toBe(1);
    });

    it('lets one waiter give up while the others get the value', async () => {
      let release: ((value: string) => void) | undefined;
      const compute = () =>
        new Promise<string>((resolve) => {
          release = resolve;
        });
      const controller = new AbortController();
      const leaving = getOrCompute(cache, 'k', compute, { abortSignal: controller.signal });
      const staying = getOrCompute(cache, 'k', compute);
      await until(() => release !== undefined);
      controller.abort();
      await expect(leaving).rejects.toBeInstanceOf(AbortedError);
      release?.('value');
      await expect(staying).resolves.toBe('value');
    });

    it('aborts compute once every waiter has given up, and stores nothing', async () => {
      let computeSignal: AbortSignal | undefined;
      const compute = ({ abortSignal }: { abortSignal: AbortSignal }) =>
        new Promise<string>((_, reject) => {
          computeSignal = abortSignal;
          abortSignal.addEventListener('abort', () => reject(abortSignal.reason));
        });
      const controller = new AbortController();
      const waiting = getOrCompute(cache, 'k', compute, { abortSignal: controller.signal });
      await until(() => computeSignal !== undefined);
      controller.abort();
      await expect(waiting).rejects.toBeInstanceOf(AbortedError);
      expect(computeSignal?.aborted).toBe(true);
      expect(await cache.get('k')).toBeUndefined();
    });

    it('stores the computed value with its TTL and tags', async () => {
      await getOrCompute(cache, 'k', () => 'v', { ttlMs: 1_000, tags: ['t'] });
      expect(await cache.get('k')).toBe('v');
      expect(await cache.invalidateTags(['t'])).toBe(1);
      await getOrCompute(cache, 'k', () => 'v', { ttlMs: 1_000 });
      clock.advance(1_000);
      expect(await cache.get('k')).toBeUndefined();
    });
  });
}
