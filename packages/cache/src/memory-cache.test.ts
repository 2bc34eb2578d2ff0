import { describe, expect, it } from 'vitest';
import { cacheBehaviourSuite } from './__fixtures__/cache-behaviour.js';
import { ManualClock } from './__fixtures__/manual-clock.js';
import { RecordingMetrics } from './__fixtures__/recording-metrics.js';
import { MemoryCache, type MemoryCacheOptions } from './memory-cache.js';

/** A MemoryCache of strings whose size is their length, counting into fresh metrics. */
function stringCache(options: Omit<MemoryCacheOptions<string>, 'sizeOf' | 'metrics'>) {
  const metrics = new RecordingMetrics();
  const cache = new MemoryCache<string>({ ...options, sizeOf: (value) => value.length, metrics });
  return { cache, metrics };
}

describe('MemoryCache', () => {
  describe('Cache behaviour', () => {
    cacheBehaviourSuite(async (clock) => {
      const cache = new MemoryCache({ name: 'behaviour', clock });
      return { cache, close: () => cache.close() };
    });
  });

  describe('bounds', () => {
    it('evicts the least recently used entry past maxEntries', async () => {
      const cache = new MemoryCache({ name: 'm', maxEntries: 2 });
      await cache.set('a', 1);
      await cache.set('b', 2);
      await cache.get('a');
      await cache.set('c', 3);
      expect(await cache.get('b')).toBeUndefined();
      expect(await cache.get('a')).toBe(1);
      expect(await cache.get('c')).toBe(3);
      expect(cache.stats().evictions).toBe(1);
    });

    it('evicts by bytes when full, and counts the evictions', async () => {
      const { cache, metrics } = stringCache({ name: 'm', maxBytes: 1_000 });
      for (let i = 0; i < 10; i++) await cache.set(`k${i}`, 'x'.repeat(300));
      expect(cache.bytes).toBeLessThanOrEqual(1_000);
      expect(cache.size).toBe(3);
      expect(await cache.get('k9')).toBeDefined();
      expect(await cache.get('k0')).toBeUndefined();
      expect(cache.stats().evictions).toBe(7);
      expect(metrics.total('victor_cache_evictions_total', { cache: 'm' })).toBe(7);
    });

    it('estimates sizes when no sizeOf is given', async () => {
      const cache = new MemoryCache({ name: 'm', maxBytes: 10_000 });
      await cache.set('k', { text: 'x'.repeat(1_000) });
      expect(cache.bytes).toBeGreaterThan(2_000);
      expect(cache.bytes).toBeLessThan(2_100);
    });

    it('does not keep an entry larger than maxEntryBytes, nor its tags', async () => {
      const { cache } = stringCache({ name: 'm', maxBytes: 1_000, maxEntryBytes: 100 });
      await cache.set('big', 'x'.repeat(200), { tags: ['t'] });
      await cache.set('small', 'x', { tags: ['t'] });
      expect(await cache.get('big')).toBeUndefined();
      expect(await cache.invalidateTags(['t'])).toBe(1);
    });

    it('is bounded by default: 64 MiB in all, 1 MiB per entry', async () => {
      const { cache, metrics } = stringCache({ name: 'defaults' });
      expect(cache.maxEntryBytes).toBe(1024 * 1024);
      await cache.set('fits', 'x'.repeat(1024 * 1024));
      await cache.set('too-big', 'x'.repeat(1024 * 1024 + 1));
      expect(await cache.get('fits')).toBeDefined();
      expect(await cache.get('too-big')).toBeUndefined();
      // 70 entries of 1 MiB: the total stays under 64 MiB.
      for (let i = 0; i < 70; i++) await cache.set(`k${i}`, 'x'.repeat(1024 * 1024));
      expect(cache.bytes).toBeLessThanOrEqual(64 * 1024 * 1024);
      expect(cache.size).toBe(64);
      expect(metrics.total('victor_cache_errors_total', { cache: 'defaults', operation: 'oversize' })).toBe(
        1,
      );
    });

    it('removes the old value of a key rewritten with an oversize value, and counts it', async () => {
      const { cache, metrics } = stringCache({ name: 'm', maxEntryBytes: 100 });
      await cache.set('k', 'small');
      await cache.set('k', 'x'.repeat(101));
      expect(await cache.get('k')).toBeUndefined();
      expect(cache.stats().errors).toBe(1);
      expect(metrics.total('victor_cache_errors_total', { operation: 'oversize' })).toBe(1);
    });

    it('estimates values with no JSON form instead of refusing them', async () => {
      const cycle: Record<string, unknown> = { n: 10n, text: 'x'.repeat(500) };
      cycle.self = cycle;
      const cache = new MemoryCache({ name: 'm' });
      await cache.set('k', cycle);
      expect(await cache.get('k')).toBe(cycle);
      expect(cache.bytes).toBeGreaterThan(1_000);
    });

    it('drops evicted keys from the tag index', async () => {
      const cache = new MemoryCache({ name: 'm', maxEntries: 1 });
      await cache.set('a', 1, { tags: ['t'] });
      await cache.set('b', 2);
      await cache.set('a', 3);
      expect(await cache.invalidateTags(['t'])).toBe(0);
      expect(await cache.get('a')).toBe(3);
    });
  });

  describe('stats and metrics', () => {
    it('counts hits, misses and stale hits, and reports them under the cache name', async () => {
      const clock = new ManualClock();
      const metrics = new RecordingMetrics();
      const cache = new MemoryCache({ name: 'responses', clock, metrics });
      await cache.set('k', 1, { ttlMs: 10, staleWhileRevalidateMs: 10 });
      await cache.get('k');
      await cache.get('nope');
      clock.advance(15);
      await cache.getEntry('k');
      expect(cache.stats()).toEqual({ hits: 1, misses: 1, staleHits: 1, evictions: 0, errors: 0 });
      expect(metrics.counters.get('victor_cache_hits_total{cache="responses",tier="memory"}')).toBe(1);
      expect(metrics.counters.get('victor_cache_misses_total{cache="responses",tier="memory"}')).toBe(1);
      expect(metrics.counters.get('victor_cache_stale_hits_total{cache="responses",tier="memory"}')).toBe(1);
      cache.resetStats();
      expect(cache.stats().hits).toBe(0);
    });
  });

  describe('getOrCompute', () => {
    it('answers a hit without calling compute', async () => {
      const cache = new MemoryCache({ name: 'm' });
      await cache.set('k', 'v');
      expect(await cache.getOrCompute('k', () => 'other')).toBe('v');
    });

    it('computes and stores on a miss', async () => {
      const cache = new MemoryCache({ name: 'm' });
      expect(await cache.getOrCompute('k', () => 'v')).toBe('v');
      expect(await cache.get('k')).toBe('v');
    });
  });

  describe('options', () => {
    it.each([
      [{ name: '' }, 'name must be'],
      [{ name: 'm', maxEntries: 0 }, 'maxEntries must be a positive integer, got 0'],
      [{ name: 'm', maxBytes: -5 }, 'maxBytes must be a positive integer, got -5'],
      [{ name: 'm', maxEntryBytes: 0 }, 'maxEntryBytes must be a positive integer, got 0'],
      [{ name: 'm', maxBytes: 10, maxEntryBytes: 11 }, 'maxEntryBytes must be at most maxBytes (10), got 11'],
      [
        { name: 'm', defaultTtlMs: 0 },
        'defaultTtlMs must be a positive finite number of milliseconds, got 0',
      ],
      [
        { name: 'm', staleWhileRevalidateMs: 1.5 },
        'staleWhileRevalidateMs must be a non-negative integer, got 1.5',
      ],
    ])('refuses %j with a message naming the option', (options, message) => {
      expect(() => new MemoryCache(options)).toThrow(message);
    });
  });
});
