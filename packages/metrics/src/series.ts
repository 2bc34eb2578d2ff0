import type { MetricLabels, MetricType } from '@victor-ai/core';
import { LogLinearHistogram } from './log-linear-histogram.js';

/** A bound counter series: resolve once with `monitor.counter(name, labels)`, then increment with no lookup. */
export interface CounterHandle {
  /** Adds `value` (default 1); negative or non-finite values are dropped. */
  increment(value?: number): void;
  /** The current total. */
  readonly value: number;
}

/** A bound gauge series: resolve once with `monitor.gaugeHandle(name, labels)`. */
export interface GaugeHandle {
  /** Sets the gauge; non-finite values are dropped. */
  set(value: number): void;
  /** Adds `delta` (may be negative). */
  add(delta: number): void;
  /** The current value. */
  readonly value: number;
}

/** A bound histogram series: resolve once with `monitor.histogram(name, labels)`. */
export interface HistogramHandle {
  /** Records one value (>= 0, finite); others are dropped. */
  observe(value: number): void;
  /** The value at quantile `q` (0 to 1) within the histogram's relative error; `NaN` while empty. */
  quantile(q: number): number;
  /** Number of observations. */
  readonly count: number;
  /** Sum of observations. */
  readonly sum: number;
}

/** Called by a series when it drops a report, with the reason. */
export type DropReporter = (reason: DropReason) => void;

/** Why the monitor dropped a report. */
export type DropReason =
  | 'invalid_value'
  | 'invalid_name'
  | 'invalid_labels'
  | 'type_conflict'
  | 'too_many_series'
  | 'too_many_metrics';

/** One counter series. */
export class CounterSeries implements CounterHandle {
  value = 0;
  constructor(
    readonly labels: MetricLabels,
    readonly labelText: string,
    private readonly onDrop: DropReporter,
  ) {}

  increment(value = 1): void {
    if (value >= 0 && value < Number.POSITIVE_INFINITY) this.value += value;
    else this.onDrop('invalid_value');
  }
}

/** One gauge series. */
export class GaugeSeries implements GaugeHandle {
  value = 0;
  constructor(
    readonly labels: MetricLabels,
    readonly labelText: string,
    private readonly onDrop: DropReporter,
  ) {}

  set(value: number): void {
    if (Number.isFinite(value)) this.value = value;
    else this.onDrop('invalid_value');
  }

  add(delta: number): void {
    if (Number.isFinite(delta)) this.value += delta;
    else this.onDrop('invalid_value');
  }
}

/** One histogram series. */
export class HistogramSeries implements HistogramHandle {
  readonly histogram: LogLinearHistogram;
  constructor(
    readonly labels: MetricLabels,
    readonly labelText: string,
    private readonly onDrop: DropReporter,
    bounds: readonly number[],
    significantBits: number,
  ) {
    this.histogram = new LogLinearHistogram({ bounds, significantBits });
  }

  observe(value: number): void {
    if (!this.histogram.record(value)) this.onDrop('invalid_value');
  }

  quantile(q: number): number {
    return this.histogram.quantile(q);
  }

  get count(): number {
    return this.histogram.count;
  }

  get sum(): number {
    return this.histogram.sum;
  }
}

/**
 * Whether `labels` still names the series whose (frozen, stringified) labels are `seriesLabels`: same
 * names, same values once stringified. Allocates nothing for string values (a number is stringified). An
 * object with inherited enumerable properties never matches, so it takes the slow path, still correctly.
 */
export function sameLabels(labels: MetricLabels, seriesLabels: MetricLabels): boolean {
  let count = 0;
  for (const name in labels) {
    const expected = seriesLabels[name];
    if (expected === undefined) return false;
    const value = labels[name];
    if (value !== expected && String(value) !== expected) return false;
    count++;
  }
  for (const _name in seriesLabels) count--;
  return count === 0;
}

/** A series of any kind. */
export type AnySeries = CounterSeries | GaugeSeries | HistogramSeries;

/** All series of one metric name, with the lookups that keep label handling cheap. */
export class MetricFamily {
  unlabeled: AnySeries | undefined;
  /** Series by the caller's label object: callers reuse one object per series on hot paths. */
  readonly byIdentity = new WeakMap<object, AnySeries>();
  /** Series by canonical label text, for label objects seen for the first time. */
  readonly byText = new Map<string, AnySeries>();

  constructor(
    readonly name: string,
    readonly type: MetricType,
    public help: string,
    public bounds: readonly number[],
  ) {}
}

/**
 * Frozen `{ [name]: value }` label objects, one per value (the first 100 values are kept, later ones built
 * per call), so that hot paths report with a label object the monitor already knows by identity.
 */
export function singleLabel(name: string): (value: string) => MetricLabels {
  const byValue = new Map<string, MetricLabels>();
  return (value) => {
    let labels = byValue.get(value);
    if (labels === undefined) {
      labels = Object.freeze({ [name]: value });
      if (byValue.size < 100) byValue.set(value, labels);
    }
    return labels;
  };
}
