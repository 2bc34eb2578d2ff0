import type { MetricLabels, MetricsSink } from '@victor-ai/core';
import { MetricNames } from '@victor-ai/core';
import type { CacheStats } from './types.js';

/** Prometheus names of the series every cache of this package reports (core's `MetricNames`, by role). */
export const CACHE_METRICS = Object.freeze({
  hits: MetricNames.cacheHits,
  misses: MetricNames.cacheMisses,
  staleHits: MetricNames.cacheStaleHits,
  evictions: MetricNames.cacheEvictions,
  errors: MetricNames.cacheErrors,
  available: MetricNames.cacheAvailable,
});

/** Label objects built once per cache, so the hot path allocates nothing. */
export class CacheMetricLabels {
  readonly base: MetricLabels;
  private readonly byOperation = new Map<string, MetricLabels>();

  constructor(name: string, tier: string) {
    this.base = Object.freeze({ cache: name, tier });
  }

  operation(operation: string): MetricLabels {
    let labels = this.byOperation.get(operation);
    if (!labels) {
      labels = Object.freeze({ ...this.base, operation });
      this.byOperation.set(operation, labels);
    }
    return labels;
  }
}

/** A cache's `stats()` counters and the matching metrics, counted together. */
export class CacheCounters {
  private counts: CacheStats = { hits: 0, misses: 0, staleHits: 0, evictions: 0, errors: 0 };

  constructor(
    private readonly metrics: MetricsSink,
    private readonly labels: CacheMetricLabels,
  ) {}

  /** A value served: fresh, or `stale` (after its TTL, within its stale-while-revalidate window). */
  hit(stale = false): void {
    if (stale) this.counts.staleHits++;
    else this.counts.hits++;
    this.metrics.increment(stale ? CACHE_METRICS.staleHits : CACHE_METRICS.hits, this.labels.base);
  }

  miss(): void {
    this.counts.misses++;
    this.metrics.increment(CACHE_METRICS.misses, this.labels.base);
  }

  eviction(): void {
    this.counts.evictions++;
    this.metrics.increment(CACHE_METRICS.evictions, this.labels.base);
  }

  /** A failed operation (`get`, `set`, `encode`, ...), counted under its `operation` label. */
  error(operation: string): void {
    this.counts.errors++;
    this.metrics.increment(CACHE_METRICS.errors, this.labels.operation(operation));
  }

  /** A copy of the counters. */
  snapshot(): CacheStats {
    return { ...this.counts };
  }

  reset(): void {
    this.counts = { hits: 0, misses: 0, staleHits: 0, evictions: 0, errors: 0 };
  }
}

/**
 * Counts values that a cache layer refused for their size, as
 * `victor_cache_errors_total{cache,tier,operation="oversize"}`.
 */
export function oversizeCounter(metrics: MetricsSink, name: string, tier: string): () => void {
  const labels = new CacheMetricLabels(name, tier).operation('oversize');
  return () => metrics.increment(CACHE_METRICS.errors, labels);
}

export type { MetricsSink };
