import {
  type Clock,
  invalidOption,
  type MiddlewareContext,
  type MiddlewareDecision,
  MiddlewarePriority,
  type MiddlewareScope,
  systemClock,
  type ToolCall,
  type ToolMiddleware,
} from '@victor-ai/core';
import { MiddlewareResultCode } from './codes.js';
import { checkOptions, checkPriority } from './options.js';

/** A token bucket: up to `capacity` calls at once, refilled at `refillPerSecond` tokens a second. */
export interface TokenBucketLimit {
  capacity: number;
  refillPerSecond: number;
}

/** What a store answers to one `take`. */
export interface RateLimitVerdict {
  allowed: boolean;
  /** Tokens left after this take (whole or fractional). */
  remaining: number;
  /** When refused: how long until enough tokens are back. 0 when allowed. */
  retryAfterMs: number;
}

/**
 * Where buckets live. The memory store answers synchronously (the chain stays on its fast path); a shared
 * store (Redis) may answer with a promise. `nowMs` is wall-clock milliseconds, comparable across processes.
 */
export interface RateLimitStore {
  take(
    key: string,
    limit: TokenBucketLimit,
    cost: number,
    nowMs: number,
  ): RateLimitVerdict | Promise<RateLimitVerdict>;
}

interface Bucket {
  tokens: number;
  updatedMs: number;
}

// Float noise in a bucket's token count that is not a real shortfall (refill error is ~1e-15).
const TOKEN_EPSILON = 1e-9;

/** Options of `createMemoryRateLimitStore`. */
export interface MemoryRateLimitStoreOptions {
  /**
   * Most buckets kept; beyond it a full (refilled) or the longest-idle of the oldest buckets is dropped.
   * Default 10,000.
   */
  maxKeys?: number;
}

/** An in-process token bucket store, bounded in size. */
export function createMemoryRateLimitStore(options: MemoryRateLimitStoreOptions = {}): RateLimitStore {
  const maxKeys = options.maxKeys ?? 10_000;
  if (!Number.isInteger(maxKeys) || maxKeys < 1)
    throw invalidOption('maxKeys', 'a positive integer', maxKeys);
  const buckets = new Map<string, Bucket>();

  // Drops the longest-idle bucket among the oldest few (a dropped bucket starts full again, so prefer one
  // that has refilled anyway). Runs only when a new key arrives at a full store.
  function evict(nowMs: number, limit: TokenBucketLimit): void {
    let victim: string | undefined;
    let oldest = Number.POSITIVE_INFINITY;
    let looked = 0;
    for (const [key, bucket] of buckets) {
      const refilled =
        bucket.tokens + ((nowMs - bucket.updatedMs) / 1000) * limit.refillPerSecond >= limit.capacity;
      if (refilled) {
        victim = key;
        break;
      }
      if (bucket.updatedMs < oldest) {
        oldest = bucket.updatedMs;
        victim = key;
      }
      if (++looked >= 16) break;
    }
    if (victim !== undefined) buckets.delete(victim);
  }

  return {
    take(key, limit, cost, nowMs) {
      let bucket = buckets.get(key);
      if (bucket === undefined) {
        if (buckets.size >= maxKeys) evict(nowMs, limit);
        bucket = { tokens: limit.capacity, updatedMs: nowMs };
        buckets.set(key, bucket);
      } else {
        const elapsed = Math.max(0, nowMs - bucket.updatedMs);
        bucket.tokens = Math.min(limit.capacity, bucket.tokens + (elapsed / 1000) * limit.refillPerSecond);
        bucket.updatedMs = nowMs;
      }
      // Refill is float arithmetic: 0.499 s at 2 tokens/s leaves 0.998 tokens, and the 0.002 short computes
      // as 1.0000000000000009 ms. Noise below TOKEN_EPSILON (tokens) is not a shortfall, so the ceiling
      // rounds to the true millisecond and a retry at the promised time is allowed.
      if (bucket.tokens + TOKEN_EPSILON >= cost) {
        bucket.tokens = Math.max(0, bucket.tokens - cost);
        return { allowed: true, remaining: bucket.tokens, retryAfterMs: 0 };
      }
      const retryAfterMs = Math.max(
        1,
        Math.ceil(((cost - bucket.tokens - TOKEN_EPSILON) * 1000) / limit.refillPerSecond),
      );
      return { allowed: false, remaining: bucket.tokens, retryAfterMs };
    },
  };
}

/** Options of `createRateLimitMiddleware`. */
export interface RateLimitMiddlewareOptions {
  /** The bucket every tool gets (per key). */
  limit: TokenBucketLimit;
  /** Buckets for particular tools, by name; they replace `limit` for that tool. */
  toolLimits?: Readonly<Record<string, TokenBucketLimit>>;
  /** Bucket key; default per tenant and tool: `<tenantId or "-">:<tool name>`. */
  key?: (call: ToolCall, context: MiddlewareContext) => string;
  /** Tokens one call takes; default 1. */
  cost?: (call: ToolCall, context: MiddlewareContext) => number;
  /** Default `createMemoryRateLimitStore()`. */
  store?: RateLimitStore;
  clock?: Clock;
  /** Default `rate-limit`. */
  name?: string;
  /** Default `MiddlewarePriority.high`. */
  priority?: number;
  appliesTo?: MiddlewareScope;
}

function validateLimit(option: string, limit: unknown): asserts limit is TokenBucketLimit {
  if (typeof limit !== 'object' || limit === null)
    throw invalidOption(option, 'an object { capacity, refillPerSecond }', limit);
  const { capacity, refillPerSecond } = limit as Record<string, unknown>;
  if (typeof capacity !== 'number' || !(capacity > 0) || !Number.isFinite(capacity)) {
    throw invalidOption(`${option}.capacity`, 'a positive finite number', capacity);
  }
  if (typeof refillPerSecond !== 'number' || !(refillPerSecond > 0) || !Number.isFinite(refillPerSecond)) {
    throw invalidOption(`${option}.refillPerSecond`, 'a positive finite number', refillPerSecond);
  }
}

function defaultKey(call: ToolCall, context: MiddlewareContext): string {
  return `${context.tenantId ?? '-'}:${call.name}`;
}

/**
 * A guard that limits calls with token buckets, per tenant and tool by default. Refuses with
 * `RATE_LIMITED` and a reason saying when to retry. Synchronous with the memory store.
 */
export function createRateLimitMiddleware(options: RateLimitMiddlewareOptions): ToolMiddleware {
  checkOptions(options, [], ['key', 'cost']);
  validateLimit('limit', options.limit);
  const toolLimits = options.toolLimits ?? {};
  for (const [name, limit] of Object.entries(toolLimits)) validateLimit(`toolLimits.${name}`, limit);
  if (options.store !== undefined && typeof options.store?.take !== 'function') {
    throw invalidOption('store', 'a RateLimitStore', options.store);
  }
  const priority = checkPriority(options.priority, MiddlewarePriority.high);
  const limit = options.limit;
  const store = options.store ?? createMemoryRateLimitStore();
  const clock = options.clock ?? systemClock;
  const key = options.key ?? defaultKey;
  const cost = options.cost;

  function decide(
    call: ToolCall,
    bucketKey: string,
    verdict: RateLimitVerdict,
  ): MiddlewareDecision | undefined {
    if (verdict.allowed) return undefined;
    return {
      type: 'block',
      code: MiddlewareResultCode.rateLimited,
      reason: `rate limit reached for tool ${JSON.stringify(call.name)} (${bucketKey}); retry in ${verdict.retryAfterMs} ms`,
    };
  }

  const middleware: ToolMiddleware = {
    name: options.name ?? 'rate-limit',
    priority,
    kind: 'guard',
    before(call, context) {
      // The call was counted when it first passed; a recheck of rewritten arguments is not a new call.
      if (context.recheck === true) return undefined;
      const bucketKey = key(call, context);
      const tokens = cost === undefined ? 1 : cost(call, context);
      const verdict = store.take(bucketKey, toolLimits[call.name] ?? limit, tokens, clock.epochMs());
      if (typeof (verdict as PromiseLike<RateLimitVerdict>).then === 'function') {
        return Promise.resolve(verdict).then((value) => decide(call, bucketKey, value));
      }
      return decide(call, bucketKey, verdict as RateLimitVerdict);
    },
  };
  if (options.appliesTo !== undefined) middleware.appliesTo = options.appliesTo;
  return middleware;
}
