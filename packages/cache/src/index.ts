export { CACHE_METRICS } from './cache-metrics.js';
export {
  CachedComputeError,
  type ComputeContext,
  type ComputeFunction,
  type GetOrComputeOptions,
  getOrCompute,
} from './get-or-compute.js';
export {
  isDeterministicRequest,
  KEY_VERSION,
  type ResponseCacheKeyOptions,
  responseCacheKey,
  toolResultCacheKey,
  toolSetHash,
} from './keys.js';
export { MemoryCache, type MemoryCacheOptions } from './memory-cache.js';
// RedisCache lives in '@victor-ai/cache/redis' (it loads ioredis); its option types are here too.
export type { CacheReadOptions, InvalidationMessage, RedisCacheOptions } from './redis-cache.js';
export { ResponseCache, type ResponseCacheOptions, tenantTag } from './response-cache.js';
export { DEFAULT_MAX_BYTES, DEFAULT_MAX_ENTRY_BYTES, estimateSize } from './size.js';
export {
  type CachedStreamOptions,
  cachedStream,
  type RecordStreamOptions,
  recordStream,
  replayStream,
} from './stream-cache.js';
export { TieredCache, type TieredCacheOptions } from './tiered-cache.js';
export { ToolResultCache, type ToolResultCacheOptions } from './tool-result-cache.js';
export type {
  CacheLookup,
  CacheStats,
  CacheWarningHandler,
  CacheWriteOptions,
  ComputeLock,
  VictorCache,
} from './types.js';
