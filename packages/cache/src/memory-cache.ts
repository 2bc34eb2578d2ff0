import type { Clock, MetricsSink } from '@victor-ai/core';
import { invalidOption, noopMetricsSink, systemClock } from '@victor-ai/core';
import { LRUCache } from 'lru-cache';
import { CacheCounters, CacheMetricLabels } from './cache-metrics.js';
import type { ComputeFunction, GetOrComputeOptions } from './get-or-compute.js';
import { getOrComputeAfterMiss } from './get-or-compute.js';
import { checkName, checkPositiveInteger, WriteDefaults } from './options.js';
import { DEFAULT_MAX_BYTES, DEFAULT_MAX_ENTRY_BYTES, estimateSize } from './size.js';
import type { CacheLookup, CacheStats, CacheWriteOptions, VictorCache } from './types.js';

/** Options of a `MemoryCache`; checked when it is built. */
export interface MemoryCacheOptions<Value = unknown> {
  /** Names the cache in metrics (`cache` label). */
  name: string;
  /** Most entries kept; the least recently used go first. Default 10,000. */
  maxEntries?: number;
  /** Most bytes kept, as `sizeOf` counts them; the least recently used go first. Default 64 MiB. */
  maxBytes?: number;
  /**
   * Largest single entry, in bytes; a bigger value is not stored (the key's old value is removed) and is
   * counted as `victor_cache_errors_total{operation="oversize"}`. Default 1 MiB (or `maxBytes` if smaller).
   */
  maxEntryBytes?: number;
  /**
   * Size of one entry in bytes. Default: `estimateSize` of the value (2 bytes per character of its
   * strings, 8 per number...) plus 2 bytes per character of the key.
   */
  sizeOf?: (value: Value, key: string) => number;
  /** TTL of entries written without `ttlMs`. Default 300,000 (5 minutes). */
  defaultTtlMs?: number;
  /** Stale window of entries written without `staleWhileRevalidateMs`. Default 0 (none). */
  staleWhileRevalidateMs?: number;
  /** Where hits, misses, stale hits and evictions are counted. */
  metrics?: MetricsSink;
  /** Time source, for tests. */
  clock?: Clock;
}

interface MemoryEntry<Value> {
  value: Value;
  /** `clock.now()` value at which the entry stops being fresh. */
  freshUntil: number;
  /** `clock.now()` value at which the stale window ends and the entry is gone. */
  expiresAt: number;
  freshUntilEpochMs: number;
  tags: readonly string[] | undefined;
}

const NO_TAGS: readonly string[] = Object.freeze([]);

/**
 * An in-process cache on lru-cache: a TTL per entry, bounds by entry count and by bytes, an optional
 * stale-while-revalidate window, tags for invalidation, and stats.
 */
export class MemoryCache<Value = unknown> implements VictorCache<Value> {
  readonly name: string;
  private readonly lru: LRUCache<string, MemoryEntry<Value>>;
  private readonly tagIndex = new Map<string, Set<string>>();
  /** The time source TTLs (and a tiered cache's staleness bound) are read from. */
  readonly clock: Clock;
  private readonly metrics: MetricsSink;
  private readonly labels: CacheMetricLabels;
  private readonly writeDefaults: WriteDefaults;
  private readonly counters: CacheCounters;
  private readonly sizeOf: (value: Value, key: string) => number;
  /** Largest single entry, in bytes. */
  readonly maxEntryBytes: number;

  constructor(options: MemoryCacheOptions<Value>) {
    this.name = checkName(options?.name);
    const maxEntries = checkPositiveInteger('maxEntries', options.maxEntries ?? 10_000);
    const maxBytes = checkPositiveInteger('maxBytes', options.maxBytes ?? DEFAULT_MAX_BYTES);
    this.maxEntryBytes = checkPositiveInteger(
      'maxEntryBytes',
      options.maxEntryBytes ?? Math.min(DEFAULT_MAX_ENTRY_BYTES, maxBytes),
    );
    if (this.maxEntryBytes > maxBytes) {
      throw invalidOption('maxEntryBytes', `at most maxBytes (${maxBytes})`, this.maxEntryBytes);
    }
    if (options.sizeOf !== undefined && typeof options.sizeOf !== 'function') {
      throw invalidOption('sizeOf', 'a function', options.sizeOf);
    }
    this.writeDefaults = new WriteDefaults(options);
    this.clock = options.clock ?? systemClock;
    this.metrics = options.metrics ?? noopMetricsSink;
    this.labels = new CacheMetricLabels(this.name, 'memory');
    this.counters = new CacheCounters(this.metrics, this.labels);
    this.sizeOf = options.sizeOf ?? estimateEntrySize;
    const clock = this.clock;
    this.lru = new LRUCache<string, MemoryEntry<Value>>({
      max: maxEntries,
      maxSize: maxBytes,
      // Sizes are computed in `write` (to refuse oversize entries there) and passed with each entry.
      maxEntrySize: this.maxEntryBytes,
      // Expiry is checked against our clock, so fake clocks work and there is no cached "now".
      perf: { now: () => clock.now() },
      ttlResolution: 0,
      ttlAutopurge: false,
      dispose: (entry, key, reason) => {
        this.untag(key, entry.tags);
        if (reason === 'evict') {
          this.counters.eviction();
        }
      },
    });
  }

  /** Number of entries held now (stale ones included until they are touched or evicted). */
  get size(): number {
    return this.lru.size;
  }

  /** Bytes held now, as `sizeOf` counts them. */
  get bytes(): number {
    return this.lru.calculatedSize ?? 0;
  }

  /** Hits, misses, stale hits, evictions since creation or the last `resetStats`. */
  stats(): CacheStats {
    return this.counters.snapshot();
  }

  /** Sets every counter of `stats()` back to zero. */
  resetStats(): void {
    this.counters.reset();
  }

  /** The fresh value for `key`, or `undefined`; stale entries count as misses here. */
  get(key: string): Promise<Value | undefined> {
    const entry = this.lru.get(key);
    if (entry !== undefined && this.clock.now() < entry.freshUntil) {
      this.counters.hit();
      return Promise.resolve(entry.value);
    }
    this.counters.miss();
    return Promise.resolve(undefined);
  }

  /** The entry for `key`, fresh or inside its stale window, or `undefined`. */
  getEntry(key: string): Promise<CacheLookup<Value> | undefined> {
    return Promise.resolve(this.lookup(key));
  }

  /** Synchronous `getEntry`, for callers on a hot path (`TieredCache`, `getOrCompute`). */
  lookup(key: string): CacheLookup<Value> | undefined {
    return this.lookupBefore(key, Number.POSITIVE_INFINITY);
  }

  /**
   * `lookup`, but `undefined` (counted as nothing) once `clock.now()` has reached `deadline`: how
   * `TieredCache` stops serving this tier past its staleness bound without reading the clock twice.
   */
  lookupBefore(key: string, deadline: number): CacheLookup<Value> | undefined {
    const now = this.clock.now();
    if (now >= deadline) return undefined;
    const entry = this.lru.get(key);
    if (entry === undefined || now >= entry.expiresAt) {
      // lru-cache drops expired entries too; this check makes the end of the window exact.
      if (entry !== undefined) this.lru.delete(key);
      this.counters.miss();
      return undefined;
    }
    const stale = now >= entry.freshUntil;
    this.counters.hit(stale);
    return { value: entry.value, stale, freshUntilEpochMs: entry.freshUntilEpochMs };
  }

  /** Stores `value` for `options.ttlMs` (or the default), tagged with `options.tags`. */
  set(key: string, value: Value, options?: CacheWriteOptions): Promise<void> {
    try {
      this.write(key, value, options);
      return Promise.resolve();
    } catch (error) {
      return Promise.reject(error);
    }
  }

  /** Synchronous `set`. */
  write(key: string, value: Value, options?: CacheWriteOptions): void {
    if (value === undefined) {
      this.lru.delete(key);
      return;
    }
    const ttlMs = this.writeDefaults.ttlOf(options);
    const staleMs = this.writeDefaults.staleMsOf(options);
    const tags = this.writeDefaults.tagsOf(options);
    const size = Math.max(1, Math.ceil(this.sizeOf(value, key)));
    if (!(size <= this.maxEntryBytes)) {
      // Not stored, and the old value must not outlive the write.
      this.lru.delete(key);
      this.counters.error('oversize');
      return;
    }
    const now = this.clock.now();
    const entry: MemoryEntry<Value> = {
      value,
      freshUntil: now + ttlMs,
      expiresAt: now + ttlMs + staleMs,
      freshUntilEpochMs: this.clock.epochMs() + ttlMs,
      tags,
    };
    this.lru.set(key, entry, { ttl: Math.ceil(ttlMs + staleMs), size });
    if (tags !== undefined) {
      for (const tag of tags) {
        let keys = this.tagIndex.get(tag);
        if (keys === undefined) {
          keys = new Set();
          this.tagIndex.set(tag, keys);
        }
        keys.add(key);
      }
    }
  }

  /** Removes `key`; resolves to whether it was there. */
  delete(key: string): Promise<boolean> {
    return Promise.resolve(this.lru.delete(key));
  }

  /** Removes every entry carrying any of `tags`; resolves to how many were removed. */
  invalidateTags(tags: readonly string[]): Promise<number> {
    return Promise.resolve(this.invalidateTagsNow(tags));
  }

  /** Synchronous `invalidateTags`. */
  invalidateTagsNow(tags: readonly string[]): number {
    let removed = 0;
    for (const tag of tags) {
      const keys = this.tagIndex.get(tag);
      if (keys === undefined) continue;
      for (const key of [...keys]) if (this.lru.delete(key)) removed++;
      this.tagIndex.delete(tag);
    }
    return removed;
  }

  /** Removes every entry. */
  clear(): Promise<void> {
    this.lru.clear();
    this.tagIndex.clear();
    return Promise.resolve();
  }

  /** Same as `clear`; a memory cache holds no connection. */
  close(): Promise<void> {
    return this.clear();
  }

  /**
   * The cached value for `key`, or the result of `compute` stored under it. Concurrent misses for one key
   * run `compute` once; a stale entry is returned at once and refreshed in the background.
   */
  getOrCompute(key: string, compute: ComputeFunction<Value>, options?: GetOrComputeOptions): Promise<Value> {
    const entry = this.lookup(key);
    if (entry !== undefined && !entry.stale) return Promise.resolve(entry.value);
    return getOrComputeAfterMiss(this, key, compute, options ?? {}, entry);
  }

  private untag(key: string, tags: readonly string[] | undefined): void {
    for (const tag of tags ?? NO_TAGS) {
      const keys = this.tagIndex.get(tag);
      if (keys === undefined) continue;
      keys.delete(key);
      if (keys.size === 0) this.tagIndex.delete(tag);
    }
  }
}

function estimateEntrySize(value: unknown, key: string): number {
  return estimateSize(value) + key.length * 2;
}
