/** Options for one cache write. */
export interface CacheSetOptions {
  /** Time to live of this entry in milliseconds; the cache's default when left out. */
  ttlMs?: number;
  /** Tags to invalidate this entry by. */
  tags?: readonly string[];
}

/** A key-value cache with TTL and tag invalidation; memory, Redis and tiered caches implement it. */
export interface Cache<Value = unknown> {
  /** Identifies the cache in metrics (`response`, `tool-result`, ...). */
  readonly name: string;
  get(key: string): Promise<Value | undefined>;
  set(key: string, value: Value, options?: CacheSetOptions): Promise<void>;
  delete(key: string): Promise<boolean>;
  /** Removes every entry carrying any of the tags; resolves to how many were removed, when known. */
  invalidateTags(tags: readonly string[]): Promise<number>;
  clear(): Promise<void>;
  close?(): Promise<void>;
}
