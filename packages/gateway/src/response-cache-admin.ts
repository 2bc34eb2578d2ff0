import { MemoryCache, ResponseCache, TieredCache } from '@victor-ai/cache';
import { RedisCache } from '@victor-ai/cache/redis';
import type { Cache, MetricsSink } from '@victor-ai/core';
import type { GatewayConfig } from './config/gateway-config.js';
import { HttpError } from './http/http-error.js';
import type { GatewayRedisClient } from './redis-connection.js';

/** What to drop from the response cache: one API key's answers (by its `id`), or every answer. */
export type CacheInvalidation = { keyId: string } | { all: true };

/** The gateway's response cache and how to close what it opened. */
export interface GatewayResponseCache {
  responses: ResponseCache;
  /** Where invalidations reach: `process` (memory only), `shared` (Redis) or `every process` (tiered, pub/sub). */
  reach: 'process' | 'shared' | 'every process';
  close(): Promise<void>;
}

/**
 * The response cache `cache.type` describes, answers tagged by API key so one key's answers can be dropped:
 * `memory` (this process), `redis` (shared), or `tiered` (a memory tier in each process in front of Redis,
 * kept coherent by invalidations published over Redis pub/sub, on one Redis or a Redis Cluster).
 */
export function createGatewayResponseCache(
  config: NonNullable<GatewayConfig['cache']>,
  redis: GatewayRedisClient | undefined,
  namespace: string,
  metrics: MetricsSink,
  onWarning: (message: string) => void,
): GatewayResponseCache | undefined {
  if (config.type === 'none') return undefined;
  const memory = () =>
    new MemoryCache<unknown>({
      name: config.type === 'tiered' ? 'responses-memory' : 'responses',
      maxEntries: config.maxEntries ?? 5_000,
      metrics,
    });
  const shared = () =>
    new RedisCache<unknown>({
      name: 'responses',
      client: redis!,
      namespace,
      metrics,
      onWarning: (message) => onWarning(message),
    });
  let cache: Cache<unknown>;
  let reach: GatewayResponseCache['reach'];
  if (config.type === 'tiered' && redis) {
    cache = new TieredCache<unknown>({
      memory: memory(),
      redis: shared(),
      metrics,
      ...(config.maxStalenessMs === undefined ? {} : { maxStalenessMs: config.maxStalenessMs }),
    });
    reach = 'every process';
  } else if (config.type === 'redis' && redis) {
    cache = shared();
    reach = 'shared';
  } else {
    cache = memory();
    reach = 'process';
  }
  const responses = new ResponseCache({
    cache,
    tagTenants: true,
    ...(config.ttlMs ? { ttlMs: config.ttlMs } : {}),
  });
  return {
    responses,
    reach,
    // A Redis tier given the shared connection closes only its own subscription connection.
    close: async () => {
      if (cache instanceof TieredCache) await cache.close();
    },
  };
}

/** Drops the answers `target` names; resolves to how many entries went, when known. */
export async function invalidateResponses(
  cache: GatewayResponseCache | undefined,
  target: CacheInvalidation,
  keyIds: ReadonlySet<string>,
): Promise<number | undefined> {
  if (cache === undefined) {
    throw new HttpError({
      status: 404,
      reason: 'not_found',
      message: 'the response cache is off (cache.type)',
    });
  }
  if ('all' in target) {
    await cache.responses.clear();
    return undefined;
  }
  if (!keyIds.has(target.keyId)) {
    throw new HttpError({
      status: 404,
      reason: 'not_found',
      message: `no API key with id ${JSON.stringify(target.keyId)}`,
      param: 'keyId',
    });
  }
  return cache.responses.invalidateTenant(target.keyId);
}

/** Reads the body of `POST /admin/cache/invalidate`: `{ "keyId": "..." }` or `{ "all": true }`. */
export function parseInvalidation(body: unknown): CacheInvalidation {
  if (typeof body === 'object' && body !== null && !Array.isArray(body)) {
    const fields = body as Record<string, unknown>;
    const keys = Object.keys(fields);
    if (keys.length === 1 && typeof fields.keyId === 'string' && fields.keyId !== '') {
      return { keyId: fields.keyId };
    }
    if (keys.length === 1 && fields.all === true) return { all: true };
  }
  throw new HttpError({
    status: 400,
    reason: 'invalid_request',
    message: `expected {"keyId": "<API key id>"} or {"all": true}, got ${JSON.stringify(body)?.slice(0, 200)}`,
  });
}
