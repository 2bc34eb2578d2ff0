export { CACHE_METRICS } from './cache-metrics.js';
export type { ComputeContext, ComputeFunction, GetOrComputeOptions } from './get-or-compute.js';
export { CachedComputeError, getOrCompute } from './get-or-compute.js';
export type { ResponseCacheKeyOptions } from './keys.js';
export {
  isDeterministicRequest,
  KEY_VERSION,
  responseCacheKey,
  toolResultCacheKey,
  toolSetHash,
} from './keys.js';
export type { MemoryCacheOptions } from './memory-cache.js';
export { MemoryCache } from './memory-cache.js';
// RedisCache lives in '@victor-ai/cache/redis' (it loads ioredis); its option types are here too.
export type { CacheReadOptions, InvalidationMessage, RedisCacheOptions } from './redis-cache.js';
export type { ResponseCacheOptions } from './response-cache.js';
export { ResponseCache, tenantTag } from './response-cache.js';
export { DEFAULT_MAX_BYTES, DEFAULT_MAX_ENTRY_BYTES, estimateSize } from './size.js';
export type { CachedStreamOptions, RecordStreamOptions } from './stream-cache.js';
export { cachedStream, recordStream, replayStream } from './stream-cache.js';
export type { TieredCacheOptions } from './tiered-cache.js';
export { TieredCache } from './tiered-cache.js';
export type { ToolResultCacheOptions } from './tool-result-cache.js';
export { ToolResultCache } from './tool-result-cache.js';
export type {
  CacheLookup,
  CacheStats,
  CacheWarningHandler,
  CacheWriteOptions,
  ComputeLock,
  VictorCache,
} from './types.js';
