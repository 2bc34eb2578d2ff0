import type { MetricLabels, MetricsSink } from '@victor-ai/core';

/** A MetricsSink that keeps counter totals and last gauge values by `name{labels}`. */
export class RecordingMetrics implements MetricsSink {
  readonly counters = new Map<string, number>();
  readonly gauges = new Map<string, number>();

  increment(name: string, labels?: MetricLabels, value = 1): void {
    const id = seriesId(name, labels);
    this.counters.set(id, (this.counters.get(id) ?? 0) + value);
  }

  gauge(name: string, value: number, labels?: MetricLabels): void {
    this.gauges.set(seriesId(name, labels), value);
  }

  observe(): void {}

  /** Sum of a counter over every series whose labels include `labels`. */
  total(name: string, labels: Record<string, string> = {}): number {
    let sum = 0;
    for (const [id, value] of this.counters) {
      if (!id.startsWith(`${name}{`)) continue;
      if (Object.entries(labels).every(([key, item]) => id.includes(`${key}="${item}"`))) sum += value;
    }
    return sum;
  }
}

function seriesId(name: string, labels: MetricLabels | undefined): string {
  const parts = Object.entries(labels ?? {})
    .sort(([a], [b]) => a.localeCompare(b))
    .map(([key, value]) => `${key}="${value}"`);
  return `${name}{${parts.join(',')}}`;
}
