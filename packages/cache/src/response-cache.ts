import type { Cache, ChatRequest, ChatResponse, MetricsSink, StreamEvent } from '@victor-ai/core';
import { invalidOption } from '@victor-ai/core';
import { getOrCompute } from './get-or-compute.js';
import { isDeterministicRequest, responseCacheKey } from './keys.js';
import { checkTtl } from './options.js';
import { EntrySizeLimit } from './size.js';
import { cachedStream } from './stream-cache.js';

/** Options of a `ResponseCache`. */
export interface ResponseCacheOptions {
  /** Where responses are kept (memory, Redis or tiered). */
  cache: Cache<unknown>;
  /** TTL of a cached response. Default 300,000 (5 minutes). */
  ttlMs?: number;
  /** Which requests may be cached. Default `isDeterministicRequest` (temperature 0). */
  isCacheable?: (request: ChatRequest) => boolean;
  /**
   * Largest answer stored, in bytes as `estimateSize` counts them; a larger answer or
   * stream is returned but not stored. Default 1 MiB. The total is bounded by `cache` (a `MemoryCache`
   * holds 64 MiB by default).
   */
  maxEntryBytes?: number;
  /** Names this cache in metrics. Default `response`. */
  name?: string;
  /** Where answers refused for their size are counted: `victor_cache_errors_total{cache,tier="response",operation="oversize"}`. */
  metrics?: MetricsSink;
  /**
   * Tag each answer with its tenant (`tenant:<tenantId>`), so `invalidateTenant` can drop one tenant's
   * answers (in every process sharing the cache). Default false (no tag bookkeeping).
   */
  tagTenants?: boolean;
}

/** The tag `ResponseCache` gives a tenant's answers when `tagTenants` is on. */
export function tenantTag(tenantId: string): string {
  return `tenant:${tenantId}`;
}

/**
 * An opt-in cache of model answers, keyed by `responseCacheKey` (tenant always included): concurrent
 * identical requests call the model once, completed streams are replayed as the same events, and requests
 * that are not cacheable (by default: temperature other than 0) always go to the model.
 */
export class ResponseCache {
  private readonly cache: Cache<unknown>;
  private readonly ttlMs: number;
  private readonly isCacheable: (request: ChatRequest) => boolean;
  private readonly sizeLimit: EntrySizeLimit;
  private readonly tagTenants: boolean;

  constructor(options: ResponseCacheOptions) {
    if (typeof options?.cache?.get !== 'function') throw invalidOption('cache', 'a Cache', options?.cache);
    this.cache = options.cache;
    this.ttlMs = checkTtl('ttlMs', options.ttlMs ?? 300_000);
    const isCacheable = options.isCacheable ?? isDeterministicRequest;
    if (typeof isCacheable !== 'function') throw invalidOption('isCacheable', 'a function', isCacheable);
    this.isCacheable = isCacheable;
    this.sizeLimit = new EntrySizeLimit(options, 'response');
    this.tagTenants = options.tagTenants === true;
  }

  /**
   * The cached answer to `request`, or `call()`'s answer stored for next time; `cached` says which.
   * Concurrent identical requests share one call: `call` gets the signal to send it with, which aborts
   * only when every caller waiting for it has given up (the first caller's own signal would cancel the
   * answer for all of them).
   */
  async chat(
    request: ChatRequest,
    call: (abortSignal: AbortSignal | undefined) => Promise<ChatResponse>,
  ): Promise<{ response: ChatResponse; cached: boolean }> {
    if (!this.isCacheable(request)) return { response: await call(request.abortSignal), cached: false };
    let called = false;
    const response = (await getOrCompute(
      this.cache,
      responseCacheKey(request),
      ({ abortSignal }) => {
        called = true;
        return call(abortSignal);
      },
      {
        ttlMs: this.ttlMs,
        abortSignal: request.abortSignal,
        shouldStore: this.sizeLimit.fits,
        ...this.tagsOf(request),
      },
    )) as ChatResponse;
    return { response, cached: !called };
  }

  /** The cached stream for `request` replayed as the same events, or `start()`'s stream, stored once complete. */
  stream(request: ChatRequest, start: () => AsyncIterable<StreamEvent>): AsyncIterable<StreamEvent> {
    if (!this.isCacheable(request)) return start();
    return cachedStream(
      this.cache as Cache<readonly StreamEvent[]>,
      `${responseCacheKey(request)}:stream`,
      start,
      {
        ttlMs: this.ttlMs,
        abortSignal: request.abortSignal,
        maxEntryBytes: this.sizeLimit.maxEntryBytes,
        onOversize: this.sizeLimit.countOversize,
        ...this.tagsOf(request),
      },
    );
  }

  /**
   * Drops every answer cached for `tenantId` (needs `tagTenants`); with a tiered cache, other processes'
   * memory tiers drop them too. Resolves to how many entries were removed, when known.
   */
  invalidateTenant(tenantId: string): Promise<number> {
    if (!this.tagTenants) throw invalidOption('tagTenants', 'true to invalidate by tenant', this.tagTenants);
    return this.cache.invalidateTags([tenantTag(tenantId)]);
  }

  /** Drops every cached answer, of every tenant. */
  clear(): Promise<void> {
    return this.cache.clear();
  }

  private tagsOf(request: ChatRequest): { tags?: string[] } {
    const tenantId = request.metadata?.tenantId;
    return this.tagTenants && typeof tenantId === 'string' && tenantId !== ''
      ? { tags: [tenantTag(tenantId)] }
      : {};
  }
}
