import { InvalidConfigError } from '@victor-ai/core';
import type { RateLimitStore, RateLimitVerdict, TokenBucketLimit } from '@victor-ai/middleware';
import type { Cluster, Redis } from 'ioredis';

// One token bucket per key, refilled by elapsed time, read and written in one atomic script. The time is
// Redis's own (TIME), so processes with skewed clocks share one bucket correctly. Returns
// { allowed (0/1), tokens left (as text: Lua numbers would be cut to integers), ms until enough tokens }.
const TOKEN_BUCKET_SCRIPT = `
local time = redis.call('TIME')
local now = tonumber(time[1]) * 1000 + math.floor(tonumber(time[2]) / 1000)
local capacity = tonumber(ARGV[1])
local perMs = tonumber(ARGV[2])
local cost = tonumber(ARGV[3])
local state = redis.call('HMGET', KEYS[1], 't', 'at')
local tokens = tonumber(state[1])
local at = tonumber(state[2])
if tokens == nil or at == nil then
  tokens = capacity
  at = now
end
tokens = math.min(capacity, tokens + math.max(0, now - at) * perMs)
local allowed = 0
local retry = 0
if tokens >= cost then
  tokens = tokens - cost
  allowed = 1
else
  retry = math.ceil((cost - tokens) / perMs)
end
redis.call('HSET', KEYS[1], 't', tostring(tokens), 'at', tostring(now))
redis.call('PEXPIRE', KEYS[1], math.ceil(capacity / perMs) + 1000)
return { allowed, tostring(tokens), retry }
`;

/** What the store does when Redis cannot answer. */
export type FailMode = 'open' | 'closed';

/** Options of `createRedisRateLimitStore`. */
export interface RedisRateLimitStoreOptions {
  /**
   * An ioredis connection, to one Redis or a Redis Cluster (`Cluster`); the store neither closes it nor
   * changes it; give it a `commandTimeout`. Each bucket is one key (`<prefix>:{<key>}`), so the script
   * runs on the one node owning that key's slot.
   */
  client: Redis | Cluster;
  /** First part of every key; default `victor-gateway:rl`. */
  keyPrefix?: string;
  /**
   * When Redis fails or times out: `open` (default) allows the take (availability over the limit),
   * `closed` refuses it with `retryAfterMs` 1,000 (the limit over availability).
   */
  failMode?: FailMode;
  /** Told of each Redis failure (the store itself never throws). */
  onError?: (error: unknown) => void;
}

/** A `RateLimitStore` with the verdict's `degraded` flag: true when Redis failed and `failMode` decided. */
export interface RedisRateLimitStore extends RateLimitStore {
  take(
    key: string,
    limit: TokenBucketLimit,
    cost: number,
    nowMs: number,
  ): Promise<RateLimitVerdict & { degraded: boolean }>;
}

/**
 * A `RateLimitStore` (the interface of `@victor-ai/middleware`'s rate limiter) on Redis: an atomic token
 * bucket in Lua, so every process sharing the Redis shares each key's bucket. Fails open or closed.
 */
export function createRedisRateLimitStore(options: RedisRateLimitStoreOptions): RedisRateLimitStore {
  const { client } = options;
  if (typeof client?.evalsha !== 'function') {
    throw new InvalidConfigError({
      option: 'client',
      message: `client must be an ioredis Redis or Cluster connection, got ${String(client)}`,
    });
  }
  const failMode = options.failMode ?? 'open';
  if (failMode !== 'open' && failMode !== 'closed') {
    throw new InvalidConfigError({
      option: 'failMode',
      message: `failMode must be "open" or "closed", got ${JSON.stringify(failMode)}`,
    });
  }
  const prefix = options.keyPrefix ?? 'victor-gateway:rl';
  const redis = client as (Redis | Cluster) & {
    victorTokenBucket?: (
      key: string,
      capacity: number,
      perMs: number,
      cost: number,
    ) => Promise<[number, string, number]>;
  };
  if (typeof redis.victorTokenBucket !== 'function') {
    redis.defineCommand('victorTokenBucket', { numberOfKeys: 1, lua: TOKEN_BUCKET_SCRIPT });
  }
  return {
    async take(key, limit, cost) {
      try {
        const [allowed, tokens, retry] = await redis.victorTokenBucket!(
          `${prefix}:{${key}}`,
          limit.capacity,
          limit.refillPerSecond / 1000,
          cost,
        );
        return {
          allowed: allowed === 1,
          remaining: Number(tokens),
          retryAfterMs: Number(retry),
          degraded: false,
        };
      } catch (error) {
        options.onError?.(error);
        return failMode === 'open'
          ? { allowed: true, remaining: 0, retryAfterMs: 0, degraded: true }
          : { allowed: false, remaining: 0, retryAfterMs: 1_000, degraded: true };
      }
    },
  };
}
