import type { Cache, CacheSetOptions } from '@victor-ai/core';

/** Options for one write to a Victor cache: core's TTL and tags, plus a stale-while-revalidate window. */
export interface CacheWriteOptions extends CacheSetOptions {
  /**
   * Milliseconds after the TTL during which the entry is still kept and served as stale by `getEntry`
   * and `getOrCompute` (which refresh it in the background). Plain `get` never returns a stale entry.
   */
  staleWhileRevalidateMs?: number;
}

/** What `getEntry` found: the value, whether it is past its TTL, and when it stops being fresh. */
export interface CacheLookup<Value> {
  value: Value;
  /** True when the entry is past its TTL but inside its stale-while-revalidate window. */
  stale: boolean;
  /** Wall-clock epoch milliseconds at which the entry stops being fresh. */
  freshUntilEpochMs: number;
}

/** Counters a cache keeps about itself since it was created (or since `resetStats`). */
export interface CacheStats {
  hits: number;
  misses: number;
  staleHits: number;
  evictions: number;
  /** Backend failures that were turned into misses or skipped writes (Redis only). */
  errors: number;
}

/** A short cross-process lock, used by `getOrCompute` so one process computes while the others wait. */
export interface ComputeLock {
  /**
   * Tries to take the lock for `ttlMs`. Resolves to a token when taken, `false` when another holder has
   * it, and `undefined` when the lock backend is unavailable (the caller then computes by itself).
   */
  tryAcquireLock(key: string, ttlMs: number): Promise<string | false | undefined>;
  /** Releases the lock if `token` still holds it. Never rejects. */
  releaseLock(key: string, token: string): Promise<void>;
}

/** A `Cache` of this package: core's contract plus stale-aware lookups and write options. */
export interface VictorCache<Value = unknown> extends Cache<Value> {
  set(key: string, value: Value, options?: CacheWriteOptions): Promise<void>;
  /** Like `get`, but also returns entries inside their stale window, flagged `stale`. */
  getEntry(key: string): Promise<CacheLookup<Value> | undefined>;
}

/** Receives the warnings a cache emits (Redis unavailable, recovered); `console.warn` by default. */
export type CacheWarningHandler = (message: string, error?: unknown) => void;
