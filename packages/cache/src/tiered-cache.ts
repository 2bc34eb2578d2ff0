import { randomUUID } from 'node:crypto';
import type { MetricsSink } from '@victor-ai/core';
import { invalidOption, noopMetricsSink } from '@victor-ai/core';
import { CACHE_METRICS, CacheMetricLabels } from './cache-metrics.js';
import type { ComputeFunction, GetOrComputeOptions } from './get-or-compute.js';
import { getOrComputeAfterMiss } from './get-or-compute.js';
import type { MemoryCache } from './memory-cache.js';
import { checkName, checkPositiveInteger } from './options.js';
import type { CacheReadOptions, InvalidationMessage, RedisCache } from './redis-cache.js';
import type { CacheLookup, CacheStats, CacheWriteOptions, ComputeLock, VictorCache } from './types.js';

/** Options of a `TieredCache`. */
export interface TieredCacheOptions<Value = unknown> {
  /** Names the cache in metrics. Default the Redis tier's name. */
  name?: string;
  /** The in-process tier, in front. */
  memory: MemoryCache<Value>;
  /** The shared tier. Its connection also carries the invalidation messages. */
  redis: RedisCache<Value>;
  /** Longest time an entry stays in the memory tier, whatever its TTL. Default 60,000. */
  maxMemoryTtlMs?: number;
  /** Where tier-wide hits and misses are counted (each tier also reports its own). */
  metrics?: MetricsSink;
  /** Listen to other processes' invalidations. Default true. */
  subscribe?: boolean;
  /**
   * Longest time the memory tier is served without proof that the invalidation channel works: a `PING`
   * on the subscription connection every quarter of it proves that every invalidation published before
   * the `PING` has arrived. Past it (Redis paused, killed, or out of reach), reads skip the memory tier
   * and go to Redis (misses while Redis is away); once the channel answers again, everything the memory
   * tier held is dropped, so no entry older than the reconnection is served. Default 1,000. Has no
   * effect with `subscribe: false`.
   */
  maxStalenessMs?: number;
}

/**
 * A memory tier in front of a Redis tier: reads go to memory, then Redis, and promote what Redis had;
 * writes go to both; deletes, tag invalidations and clears reach the memory tier of every other process
 * through Redis pub/sub. The memory tier is served only while the invalidation channel has been proven
 * to work within `maxStalenessMs`; when it comes back after a lapse or a lost connection, the memory tier is
 * emptied, since messages may have been missed.
 */
export class TieredCache<Value = unknown> implements VictorCache<Value>, ComputeLock {
  readonly name: string;
  readonly memory: MemoryCache<Value>;
  readonly redis: RedisCache<Value>;
  /**
   * Resolves once this instance listens to other processes' invalidations and a first proof of the
   * channel has been answered (or timed out); the memory tier is served only from that proof on.
   */
  readonly subscribed: Promise<void>;
  private readonly instanceId = randomUUID();
  private readonly maxMemoryTtlMs: number;
  private readonly metrics: MetricsSink;
  private readonly labels: CacheMetricLabels;
  private counters: CacheStats = { hits: 0, misses: 0, staleHits: 0, evictions: 0, errors: 0 };
  private readonly stopListening: () => void;
  /** Keys written to memory while the Redis write failed. */
  private readonly localOnly = new Set<string>();
  /** Invalidations that could not be published yet. */
  private unsent: InvalidationMessage | undefined;
  /** Bumped by every invalidation; a Redis read that started before one is not promoted. */
  private generation = 0;
  private readonly maxStalenessMs: number;
  /** `clock.now()` until which the memory tier may be served (the channel was proven to work). */
  private trustedUntil: number;
  private confirming: Promise<void> | undefined;
  private confirmTimer: ReturnType<typeof setInterval> | undefined;
  private closed = false;

  constructor(options: TieredCacheOptions<Value>) {
    if (typeof options?.memory?.lookup !== 'function') {
      throw invalidOption('memory', 'a MemoryCache', options?.memory);
    }
    if (typeof options.redis?.subscribe !== 'function') {
      throw invalidOption('redis', 'a RedisCache', options.redis);
    }
    this.memory = options.memory;
    this.redis = options.redis;
    this.name = checkName(options.name ?? options.redis.name);
    this.maxMemoryTtlMs = checkPositiveInteger('maxMemoryTtlMs', options.maxMemoryTtlMs ?? 60_000);
    this.metrics = options.metrics ?? noopMetricsSink;
    this.labels = new CacheMetricLabels(this.name, 'tiered');
    this.maxStalenessMs = checkPositiveInteger('maxStalenessMs', options.maxStalenessMs ?? 1_000);
    this.stopListening = this.redis.onRecovered(() => this.onRedisRecovered());
    if (options.subscribe === false) {
      // No channel: nothing to prove, and nothing invalidates this memory tier but its TTLs.
      this.trustedUntil = Number.POSITIVE_INFINITY;
      this.subscribed = Promise.resolve();
      return;
    }
    this.trustedUntil = Number.NEGATIVE_INFINITY;
    this.subscribed = this.redis
      .subscribe(
        (message) => this.onInvalidation(message),
        () => this.onResubscribed(),
      )
      .then(() => this.confirm());
    this.confirmTimer = setInterval(
      () => void this.confirm(),
      Math.max(10, Math.floor(this.maxStalenessMs / 4)),
    );
    this.confirmTimer.unref?.();
  }

  /** Hits (either tier), misses (both), stale hits since creation or the last `resetStats`. */
  stats(): CacheStats {
    return { ...this.counters };
  }

  /** Sets every counter of `stats()` back to zero. */
  resetStats(): void {
    this.counters = { hits: 0, misses: 0, staleHits: 0, evictions: 0, errors: 0 };
  }

  /** The fresh value from memory, else from Redis (promoted into memory), else `undefined`. */
  async get(key: string, options?: CacheReadOptions): Promise<Value | undefined> {
    const entry = await this.getEntry(key, options);
    return entry === undefined || entry.stale ? undefined : entry.value;
  }

  /** The entry from memory, else from Redis, fresh or inside its stale window. */
  async getEntry(key: string, options?: CacheReadOptions): Promise<CacheLookup<Value> | undefined> {
    const local = this.memory.lookupBefore(key, this.trustedUntil);
    if (local !== undefined && !local.stale) {
      this.record(CACHE_METRICS.hits);
      return local;
    }
    const generation = this.generation;
    const remote = await this.redis.getEntry(key, options);
    if (remote === undefined) {
      if (local !== undefined) {
        this.record(CACHE_METRICS.staleHits);
        return local;
      }
      this.record(CACHE_METRICS.misses);
      return undefined;
    }
    if (remote.stale) {
      this.record(CACHE_METRICS.staleHits);
      return remote;
    }
    this.record(CACHE_METRICS.hits);
    if (generation === this.generation) this.promote(key, remote);
    return remote;
  }

  /** Writes to memory and Redis, and tells other processes to drop their memory copy. */
  async set(key: string, value: Value, options?: CacheWriteOptions): Promise<void> {
    this.generation++;
    this.memory.write(key, value, this.memoryOptions(options));
    // While Redis is away the value lives only here; it is dropped when Redis is back, so every
    // instance then reads the same thing from Redis.
    if (!(await this.redis.store(key, value, options))) this.localOnly.add(key);
    else this.localOnly.delete(key);
    await this.announce({ keys: [key] });
  }

  /** Removes `key` from both tiers here and from the memory tier of other processes. */
  async delete(key: string): Promise<boolean> {
    this.generation++;
    const local = await this.memory.delete(key);
    const remote = await this.redis.delete(key);
    await this.announce({ keys: [key] });
    return local || remote;
  }

  /** Removes tagged entries from both tiers here and from the memory tier of other processes. */
  async invalidateTags(tags: readonly string[]): Promise<number> {
    if (tags.length === 0) return 0;
    this.generation++;
    const local = this.memory.invalidateTagsNow(tags);
    const remote = await this.redis.invalidateTags(tags);
    await this.announce({ tags: [...tags] });
    return Math.max(local, remote);
  }

  /** Empties both tiers here and the memory tier of other processes. */
  async clear(): Promise<void> {
    this.generation++;
    await this.memory.clear();
    await this.redis.clear();
    await this.announce({ clear: true });
  }

  /** Takes a short cross-process lock in the Redis tier. */
  tryAcquireLock(key: string, ttlMs: number): Promise<string | false | undefined> {
    return this.redis.tryAcquireLock(key, ttlMs);
  }

  /** Lets go of a lock taken with `tryAcquireLock`. */
  releaseLock(key: string, token: string): Promise<void> {
    return this.redis.releaseLock(key, token);
  }

  /**
   * The cached value for `key` (memory, then Redis), or the result of `compute` stored in both; one
   * computation per key in this process and, through a Redis lock, across processes.
   */
  getOrCompute(key: string, compute: ComputeFunction<Value>, options?: GetOrComputeOptions): Promise<Value> {
    const local = this.memory.lookupBefore(key, this.trustedUntil);
    if (local !== undefined && !local.stale) {
      this.record(CACHE_METRICS.hits);
      return Promise.resolve(local.value);
    }
    return this.getEntry(key, { abortSignal: options?.abortSignal }).then((entry) =>
      entry !== undefined && !entry.stale
        ? entry.value
        : getOrComputeAfterMiss(this, key, compute, options ?? {}, entry),
    );
  }

  /** Closes the Redis tier's connections and empties the memory tier. */
  async close(): Promise<void> {
    this.closed = true;
    clearInterval(this.confirmTimer);
    this.stopListening();
    await this.redis.close();
    await this.memory.close();
  }

  /**
   * Publishes an invalidation; what could not be published (Redis unreachable) is kept and sent with the
   * next one, or when the connection comes back.
   */
  private async announce(change: Omit<InvalidationMessage, 'origin'>): Promise<void> {
    const unsent = this.unsent;
    this.unsent = undefined;
    const message: InvalidationMessage = { origin: this.instanceId };
    if (unsent?.clear || change.clear) message.clear = true;
    else {
      const keys = [...(unsent?.keys ?? []), ...(change.keys ?? [])];
      const tags = [...(unsent?.tags ?? []), ...(change.tags ?? [])];
      if (keys.length > 0) message.keys = keys;
      if (tags.length > 0) message.tags = tags;
    }
    if (!(await this.redis.publish(message))) {
      const pending = this.unsent as InvalidationMessage | undefined;
      this.unsent = message;
      // Another call may have queued meanwhile; fold it in.
      if (pending !== undefined) {
        if (pending.clear) message.clear = true;
        message.keys = [...(message.keys ?? []), ...(pending.keys ?? [])];
        message.tags = [...(message.tags ?? []), ...(pending.tags ?? [])];
      }
    }
  }

  private promote(key: string, remote: CacheLookup<Value> & { tags?: readonly string[] }): void {
    const remainingMs = remote.freshUntilEpochMs - this.redis.clock.epochMs();
    if (remainingMs <= 0) return;
    const options: CacheWriteOptions = { ttlMs: Math.min(remainingMs, this.maxMemoryTtlMs) };
    if (remote.tags !== undefined) options.tags = remote.tags;
    this.memory.write(key, remote.value, options);
  }

  private memoryOptions(options: CacheWriteOptions | undefined): CacheWriteOptions {
    const ttlMs = options?.ttlMs;
    if (ttlMs !== undefined && ttlMs <= this.maxMemoryTtlMs) return options ?? {};
    // Without a TTL the Redis tier's default applies there; memory must not keep the entry longer.
    const memory: CacheWriteOptions = {
      ...options,
      ttlMs: Math.min(ttlMs ?? this.redis.defaultTtlMs, this.maxMemoryTtlMs),
    };
    if (options?.staleWhileRevalidateMs === undefined && this.redis.defaultStaleMs > 0) {
      memory.staleWhileRevalidateMs = this.redis.defaultStaleMs;
    }
    return memory;
  }

  private onRedisRecovered(): void {
    this.generation++;
    for (const key of this.localOnly) void this.memory.delete(key);
    this.localOnly.clear();
    if (this.unsent !== undefined) void this.announce({});
  }

  private onInvalidation(message: InvalidationMessage): void {
    if (message.origin === this.instanceId) return;
    this.generation++;
    if (message.clear) {
      void this.memory.clear();
      return;
    }
    if (message.keys) for (const key of message.keys) void this.memory.delete(key);
    if (message.tags) this.memory.invalidateTagsNow(message.tags);
  }

  /**
   * Proves the channel works (a round trip on the subscription connection) and extends the time the
   * memory tier may be served. If that time had run out since the last proof, what the memory tier holds
   * may have missed invalidations: it is dropped.
   */
  private confirm(): Promise<void> {
    this.confirming ??= (async () => {
      // The memory tier's clock: `lookupBefore` compares the bound with it.
      const clock = this.memory.clock;
      const sentAt = clock.now();
      const confirmed = !this.closed && (await this.redis.confirmSubscription(this.maxStalenessMs));
      if (!confirmed || this.closed) return;
      if (clock.now() >= this.trustedUntil) {
        this.generation++;
        void this.memory.clear();
      }
      this.trustedUntil = Math.max(this.trustedUntil, sentAt + this.maxStalenessMs);
    })().finally(() => {
      this.confirming = undefined;
    });
    return this.confirming;
  }

  private onResubscribed(): void {
    this.generation++;
    void this.memory.clear();
  }

  private record(name: string): void {
    if (name === CACHE_METRICS.hits) this.counters.hits++;
    else if (name === CACHE_METRICS.misses) this.counters.misses++;
    else this.counters.staleHits++;
    this.metrics.increment(name, this.labels.base);
  }
}
