// The `@victor-ai/cache/redis` entry: the Redis-backed cache, the one part of this package that loads
// ioredis. The root entry never imports it, so an application without Redis never loads ioredis.
export type { CacheReadOptions, InvalidationMessage, RedisCacheOptions } from './redis-cache.js';
export { RedisCache } from './redis-cache.js';
