import type { MetricLabels, MetricsSink } from '@victor-ai/core';

/** Prometheus names of the series every cache of this package reports. */
export const CACHE_METRICS = Object.freeze({
  hits: 'victor_cache_hits_total',
  misses: 'victor_cache_misses_total',
  staleHits: 'victor_cache_stale_hits_total',
  evictions: 'victor_cache_evictions_total',
  errors: 'victor_cache_errors_total',
  available: 'victor_cache_available',
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

export type { MetricsSink };
