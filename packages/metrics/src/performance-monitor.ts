import type {
  Clock,
  MetricDefinition,
  MetricLabels,
  MetricsSink,
  MetricType,
  SpanTracer,
} from '@victor-ai/core';
import { invalidOption, MetricNames, standardMetricDefinitions, systemClock } from '@victor-ai/core';
import { canonicalLabelText, escapeHelp, formatSampleValue, METRIC_NAME_PATTERN } from './exposition-text.js';
import { validateBounds } from './log-linear-histogram.js';
import {
  createSpanTracer,
  RequestTimer,
  type RequestTimerTargets,
  type TracingOptions,
} from './request-timer.js';
import type { AnySeries, CounterHandle, DropReason, GaugeHandle, HistogramHandle } from './series.js';
import {
  CounterSeries,
  GaugeSeries,
  HistogramSeries,
  MetricFamily,
  sameLabels,
  singleLabel,
} from './series.js';

/** Default histogram bucket bounds in seconds: 10 µs to 60 s, fine enough for runtime overhead. */
export const DEFAULT_BUCKETS: readonly number[] = Object.freeze([
  0.00001, 0.000025, 0.00005, 0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25,
  0.5, 1, 2.5, 5, 10, 30, 60,
]);

/** A metric to declare up front: its kind, HELP text and (for histograms) bucket bounds. */
export interface MetricDescription {
  name: string;
  type: MetricType;
  help?: string;
  /** Histogram `le` bounds for the Prometheus exposition; `histogramBuckets` by default. */
  buckets?: readonly number[];
}

/** Options of {@link createPerformanceMonitor}. */
export interface PerformanceMonitorOptions {
  /** Time source for request timers; `systemClock` by default. */
  clock?: Clock;
  /** Default histogram `le` bounds for the Prometheus exposition; {@link DEFAULT_BUCKETS} by default. */
  histogramBuckets?: readonly number[];
  /** Histogram resolution (1 to 10, default 7: quantiles within 0.39% relative error). */
  significantBits?: number;
  /** Series per metric name beyond which new label sets are dropped (default 2,000). */
  maxSeriesPerMetric?: number;
  /** Metric names created on the fly (beyond the standard and declared ones) before new names are dropped (default 1,000). */
  maxMetrics?: number;
  /** How histograms are exposed to Prometheus: `histogram` (`_bucket`, default) or `summary` (quantiles). */
  prometheusHistogramType?: 'histogram' | 'summary';
  /** Metrics to declare besides the standard ones. */
  metrics?: readonly MetricDescription[];
  /** OpenTelemetry spans for request timers and for agents given this monitor; none by default. */
  tracing?: TracingOptions | undefined;
}

/** Labels and value of one counter or gauge series in a {@link MetricsSummary}. */
export interface ValueSummary {
  labels: Record<string, string>;
  value: number;
}

/** One histogram series in a {@link MetricsSummary}; statistics are `null` while it is empty. */
export interface HistogramSummary {
  labels: Record<string, string>;
  count: number;
  sum: number;
  mean: number | null;
  min: number | null;
  max: number | null;
  p50: number | null;
  p95: number | null;
  p99: number | null;
}

/** Hits, misses and stale hits of one cache (by its `cache` label), with rates over all lookups. */
export interface CacheHitRate {
  cache: string;
  hits: number;
  misses: number;
  staleHits: number;
  lookups: number;
  /** Fresh hits / lookups; `null` before the first lookup. */
  hitRate: number | null;
  /** Stale hits / lookups; `null` before the first lookup. */
  staleHitRate: number | null;
}

/** The JSON snapshot returned by `monitor.summary()`. */
export interface MetricsSummary {
  /** ISO time of the snapshot. */
  timestamp: string;
  counters: Record<string, ValueSummary[]>;
  gauges: Record<string, ValueSummary[]>;
  histograms: Record<string, HistogramSummary[]>;
  cacheHitRates: CacheHitRate[];
}

/** A `MetricsSink` that keeps what it is told, and reports it as JSON and Prometheus text. */
export interface PerformanceMonitor extends MetricsSink {
  /** Opens OpenTelemetry spans when the monitor was created with `tracing`; `undefined` otherwise. */
  readonly tracer: SpanTracer | undefined;
  /** Declares a metric's kind, HELP text and buckets; throws `InvalidConfigError` on a conflict. */
  describe(description: MetricDescription): void;
  /** A counter series bound once, to increment without lookups on a hot path. */
  counter(name: string, labels?: MetricLabels): CounterHandle;
  /** A gauge series bound once. */
  gaugeHandle(name: string, labels?: MetricLabels): GaugeHandle;
  /** A histogram series bound once. */
  histogram(name: string, labels?: MetricLabels): HistogramHandle;
  /**
   * Starts timing one chat turn: mark provider time and the first token on the returned timer, then `end()`
   * it; it records chat duration, provider time, runtime overhead (total minus provider time) and TTFT.
   */
  startRequest(labels?: MetricLabels): RequestTimer;
  /** Registers a function run before every snapshot (to refresh gauges); returns its unregistration. */
  addCollector(collect: () => void): () => void;
  /** A JSON snapshot: every series, p50/p95/p99/max of histograms, cache hit rates. */
  summary(): MetricsSummary;
  /** Everything in the Prometheus text exposition format (version 0.0.4). */
  toPrometheus(): string;
  /** Forgets every recorded value (declarations stay). */
  reset(): void;
}

const EMPTY_LABELS: MetricLabels = Object.freeze({});

/** Creates a {@link PerformanceMonitor}; options are checked here and throw `InvalidConfigError`. */
export function createPerformanceMonitor(options: PerformanceMonitorOptions = {}): PerformanceMonitor {
  return new Monitor(options);
}

class Monitor implements PerformanceMonitor {
  readonly tracer: SpanTracer | undefined;
  readonly #families = new Map<string, MetricFamily>();
  readonly #collectors = new Set<() => void>();
  readonly #clock: Clock;
  readonly #buckets: readonly number[];
  readonly #significantBits: number;
  readonly #maxSeries: number;
  readonly #maxMetrics: number;
  #undeclaredMetrics = 0;
  readonly #histogramType: 'histogram' | 'summary';
  readonly #dropped: Record<DropReason, CounterSeries>;
  readonly #onDrop = (reason: DropReason): void => {
    this.#dropped[reason].value++;
  };
  readonly #timerTargets: RequestTimerTargets;

  constructor(options: PerformanceMonitorOptions) {
    if (typeof options !== 'object' || options === null) throw invalidOption('options', 'an object', options);
    const clock = options.clock ?? systemClock;
    if (typeof clock?.now !== 'function') throw invalidOption('clock', 'a Clock with now()', clock);
    this.#clock = clock;
    const buckets = options.histogramBuckets ?? DEFAULT_BUCKETS;
    validateBounds(buckets, 'histogramBuckets');
    this.#buckets = Object.freeze([...buckets]);
    const significantBits = options.significantBits ?? 7;
    if (!Number.isInteger(significantBits) || significantBits < 1 || significantBits > 10) {
      throw invalidOption('significantBits', 'an integer from 1 to 10', significantBits);
    }
    this.#significantBits = significantBits;
    const maxSeries = options.maxSeriesPerMetric ?? 2000;
    if (!Number.isInteger(maxSeries) || maxSeries < 1) {
      throw invalidOption('maxSeriesPerMetric', 'a positive integer', maxSeries);
    }
    this.#maxSeries = maxSeries;
    const maxMetrics = options.maxMetrics ?? 1000;
    if (!Number.isInteger(maxMetrics) || maxMetrics < 0) {
      throw invalidOption('maxMetrics', 'an integer >= 0', maxMetrics);
    }
    this.#maxMetrics = maxMetrics;
    const histogramType = options.prometheusHistogramType ?? 'histogram';
    if (histogramType !== 'histogram' && histogramType !== 'summary') {
      throw invalidOption('prometheusHistogramType', '"histogram" or "summary"', histogramType);
    }
    this.#histogramType = histogramType;
    const tracing = options.tracing;
    if (tracing !== undefined && typeof tracing?.api?.trace?.getTracer !== 'function') {
      throw invalidOption('tracing.api', 'the @opentelemetry/api module', tracing?.api);
    }
    this.tracer = tracing === undefined ? undefined : createSpanTracer(tracing);

    for (const definition of standardMetricDefinitions) this.#declare(definition);
    const extra = options.metrics ?? [];
    if (!Array.isArray(extra)) throw invalidOption('metrics', 'an array of metric descriptions', extra);
    for (const description of extra) this.describe(description);

    const droppedFamily = this.#families.get(MetricNames.metricsDropped)!;
    const dropSeries = (reason: DropReason) =>
      this.#series(droppedFamily, Object.freeze({ reason })) as CounterSeries;
    this.#dropped = {
      invalid_value: dropSeries('invalid_value'),
      invalid_name: dropSeries('invalid_name'),
      invalid_labels: dropSeries('invalid_labels'),
      type_conflict: dropSeries('type_conflict'),
      too_many_series: dropSeries('too_many_series'),
      too_many_metrics: dropSeries('too_many_metrics'),
    };
    this.#timerTargets = {
      clock,
      resolve: (name, labels) => this.#resolve(name, 'histogram', labels) as HistogramSeries | undefined,
      inFlight: this.#resolve(MetricNames.chatRequestsInFlight, 'gauge', undefined) as GaugeSeries,
      outcome: (outcome) => this.#resolve(MetricNames.chatRequests, 'counter', outcomeLabels(outcome)),
      tracing,
    };
  }

  increment(name: string, labels?: MetricLabels, value = 1): void {
    const series = this.#resolve(name, 'counter', labels) as CounterSeries | undefined;
    if (series !== undefined) series.increment(value);
  }

  gauge(name: string, value: number, labels?: MetricLabels): void {
    const series = this.#resolve(name, 'gauge', labels) as GaugeSeries | undefined;
    if (series !== undefined) series.set(value);
  }

  observe(name: string, value: number, labels?: MetricLabels): void {
    const series = this.#resolve(name, 'histogram', labels) as HistogramSeries | undefined;
    if (series !== undefined) series.observe(value);
  }

  describe(description: MetricDescription): void {
    if (typeof description !== 'object' || description === null) {
      throw invalidOption('metric description', 'an object with name and type', description);
    }
    const { name, type } = description;
    if (typeof name !== 'string' || !METRIC_NAME_PATTERN.test(name)) {
      throw invalidOption('metric name', 'a Prometheus metric name ([a-zA-Z_:][a-zA-Z0-9_:]*)', name);
    }
    if (type !== 'counter' && type !== 'gauge' && type !== 'histogram') {
      throw invalidOption(`type of ${name}`, '"counter", "gauge" or "histogram"', type);
    }
    if (description.help !== undefined && typeof description.help !== 'string') {
      throw invalidOption(`help of ${name}`, 'a string', description.help);
    }
    if (description.buckets !== undefined) validateBounds(description.buckets, `buckets of ${name}`);
    const existing = this.#families.get(name);
    if (existing === undefined) {
      this.#declare({
        name,
        type,
        help: description.help ?? `${name} (${type}).`,
        buckets: description.buckets,
      });
      return;
    }
    if (existing.type !== type)
      throw invalidOption(`type of ${name}`, `"${existing.type}" as declared`, type);
    if (description.help !== undefined) existing.help = description.help;
    if (description.buckets !== undefined) {
      if (existing.byText.size > 0 || existing.unlabeled !== undefined) {
        throw invalidOption(
          `buckets of ${name}`,
          'declared before the first observation',
          description.buckets,
        );
      }
      existing.bounds = Object.freeze([...description.buckets]);
    }
  }

  counter(name: string, labels?: MetricLabels): CounterHandle {
    return this.#bind(name, 'counter', labels) as CounterSeries;
  }

  gaugeHandle(name: string, labels?: MetricLabels): GaugeHandle {
    return this.#bind(name, 'gauge', labels) as GaugeSeries;
  }

  histogram(name: string, labels?: MetricLabels): HistogramHandle {
    return this.#bind(name, 'histogram', labels) as HistogramSeries;
  }

  startRequest(labels?: MetricLabels): RequestTimer {
    return new RequestTimer(this.#timerTargets, labels);
  }

  addCollector(collect: () => void): () => void {
    if (typeof collect !== 'function') throw invalidOption('collector', 'a function', collect);
    const entry = () => collect();
    this.#collectors.add(entry);
    return () => {
      this.#collectors.delete(entry);
    };
  }

  summary(): MetricsSummary {
    this.#collect();
    const result: MetricsSummary = {
      timestamp: new Date(this.#clock.epochMs()).toISOString(),
      counters: {},
      gauges: {},
      histograms: {},
      cacheHitRates: [],
    };
    for (const family of this.#families.values()) {
      const all = seriesOf(family);
      if (all.length === 0) continue;
      if (family.type === 'histogram') {
        result.histograms[family.name] = all.map((series) => summarizeHistogram(series as HistogramSeries));
      } else {
        const target = family.type === 'counter' ? result.counters : result.gauges;
        target[family.name] = all.map((series) => ({
          labels: { ...series.labels },
          value: (series as CounterSeries | GaugeSeries).value,
        }));
      }
    }
    result.cacheHitRates = this.#cacheHitRates();
    return result;
  }

  toPrometheus(): string {
    this.#collect();
    let text = '';
    for (const family of this.#families.values()) {
      const all = seriesOf(family);
      if (all.length === 0) continue;
      const type = family.type === 'histogram' ? this.#histogramType : family.type;
      text += `# HELP ${family.name} ${escapeHelp(family.help)}\n# TYPE ${family.name} ${type}\n`;
      for (const series of all) {
        if (series instanceof HistogramSeries) {
          text +=
            type === 'summary' ? summaryLines(family.name, series) : histogramLines(family.name, series);
        } else {
          text += `${family.name}${braces(series.labelText)} ${formatSampleValue(series.value)}\n`;
        }
      }
    }
    return text;
  }

  reset(): void {
    for (const family of this.#families.values()) {
      for (const series of seriesOf(family)) {
        if (series instanceof HistogramSeries) series.histogram.reset();
        else series.value = 0;
      }
    }
  }

  #declare(
    definition: Pick<MetricDefinition, 'name' | 'type' | 'help'> & { buckets?: readonly number[] },
  ): void {
    const bounds = Object.freeze([...(definition.buckets ?? this.#buckets)]);
    this.#families.set(
      definition.name,
      new MetricFamily(definition.name, definition.type, definition.help, bounds),
    );
  }

  #collect(): void {
    for (const collect of this.#collectors) {
      try {
        collect();
      } catch {
        // A failing collector must not break the scrape; its gauges keep their previous values.
      }
    }
  }

  #bind(name: string, type: MetricType, labels: MetricLabels | undefined): AnySeries {
    const family = this.#families.get(name);
    if (family !== undefined && family.type !== type) {
      throw invalidOption(`type of ${name}`, `"${family.type}" as declared`, type);
    }
    if (family === undefined && (typeof name !== 'string' || !METRIC_NAME_PATTERN.test(name))) {
      throw invalidOption('metric name', 'a Prometheus metric name ([a-zA-Z_:][a-zA-Z0-9_:]*)', name);
    }
    const series = this.#resolve(name, type, labels);
    if (series === undefined)
      throw invalidOption(`labels of ${name}`, 'valid, within maxSeriesPerMetric and maxMetrics', labels);
    return series;
  }

  /** The hot path: family by name, series by label object identity, canonical text only on first sight. */
  #resolve(name: string, type: MetricType, labels: MetricLabels | undefined): AnySeries | undefined {
    let family = this.#families.get(name);
    if (family === undefined) {
      if (typeof name !== 'string' || !METRIC_NAME_PATTERN.test(name)) {
        this.#onDrop('invalid_name');
        return undefined;
      }
      if (this.#undeclaredMetrics >= this.#maxMetrics) {
        this.#onDrop('too_many_metrics');
        return undefined;
      }
      this.#undeclaredMetrics++;
      family = new MetricFamily(name, type, `${name} (${type}).`, this.#buckets);
      this.#families.set(name, family);
    } else if (family.type !== type) {
      this.#onDrop('type_conflict');
      return undefined;
    }
    if (labels === undefined) return family.unlabeled ?? this.#series(family, EMPTY_LABELS);
    const known = family.byIdentity.get(labels);
    // A frozen object cannot have changed; any other is checked against its series, so that a label object
    // mutated after use lands in the right series instead of the one it named first.
    if (known !== undefined && (Object.isFrozen(labels) || sameLabels(labels, known.labels))) return known;
    return this.#series(family, labels);
  }

  #series(family: MetricFamily, labels: MetricLabels): AnySeries | undefined {
    if (typeof labels !== 'object' || labels === null) {
      this.#onDrop('invalid_labels');
      return undefined;
    }
    const text = canonicalLabelText(labels, family.type === 'histogram');
    if (text === undefined) {
      this.#onDrop('invalid_labels');
      return undefined;
    }
    let series = text === '' ? family.unlabeled : family.byText.get(text);
    if (series === undefined) {
      if (family.byText.size >= this.#maxSeries && family.name !== MetricNames.metricsDropped) {
        this.#onDrop('too_many_series');
        return undefined;
      }
      const copy: Record<string, string> = {};
      for (const key of Object.keys(labels).sort()) copy[key] = String(labels[key]);
      const frozen = Object.freeze(copy);
      series =
        family.type === 'counter'
          ? new CounterSeries(frozen, text, this.#onDrop)
          : family.type === 'gauge'
            ? new GaugeSeries(frozen, text, this.#onDrop)
            : new HistogramSeries(frozen, text, this.#onDrop, family.bounds, this.#significantBits);
      if (text === '') family.unlabeled = series;
      else family.byText.set(text, series);
    }
    family.byIdentity.set(labels, series);
    return series;
  }

  #cacheHitRates(): CacheHitRate[] {
    const rates = new Map<string, CacheHitRate>();
    const add = (name: string, field: 'hits' | 'misses' | 'staleHits') => {
      const family = this.#families.get(name);
      if (family === undefined || family.type !== 'counter') return;
      for (const series of seriesOf(family)) {
        const cache = series.labels.cache ?? '';
        let rate = rates.get(cache);
        if (rate === undefined) {
          rate = { cache, hits: 0, misses: 0, staleHits: 0, lookups: 0, hitRate: null, staleHitRate: null };
          rates.set(cache, rate);
        }
        rate[field] += (series as CounterSeries).value;
      }
    };
    add(MetricNames.cacheHits, 'hits');
    add(MetricNames.cacheMisses, 'misses');
    add(MetricNames.cacheStaleHits, 'staleHits');
    for (const rate of rates.values()) {
      rate.lookups = rate.hits + rate.misses + rate.staleHits;
      if (rate.lookups > 0) {
        rate.hitRate = rate.hits / rate.lookups;
        rate.staleHitRate = rate.staleHits / rate.lookups;
      }
    }
    return [...rates.values()].sort((left, right) => (left.cache < right.cache ? -1 : 1));
  }
}

const outcomeLabels = singleLabel('outcome');

function seriesOf(family: MetricFamily): AnySeries[] {
  const all: AnySeries[] = [];
  if (family.unlabeled !== undefined) all.push(family.unlabeled);
  for (const series of family.byText.values()) all.push(series);
  return all;
}

function braces(labelText: string): string {
  return labelText === '' ? '' : `{${labelText}}`;
}

function withLabel(labelText: string, name: string, value: string): string {
  return `{${labelText === '' ? '' : `${labelText},`}${name}="${value}"}`;
}

function histogramLines(name: string, series: HistogramSeries): string {
  const { histogram, labelText } = series;
  let text = '';
  let cumulative = 0;
  for (let index = 0; index < histogram.bounds.length; index++) {
    cumulative += histogram.boundCounts[index]!;
    const le = formatSampleValue(histogram.bounds[index]!);
    text += `${name}_bucket${withLabel(labelText, 'le', le)} ${cumulative}\n`;
  }
  text += `${name}_bucket${withLabel(labelText, 'le', '+Inf')} ${histogram.count}\n`;
  text += `${name}_sum${braces(labelText)} ${formatSampleValue(histogram.sum)}\n`;
  text += `${name}_count${braces(labelText)} ${histogram.count}\n`;
  return text;
}

const SUMMARY_QUANTILES = [0.5, 0.95, 0.99] as const;

function summaryLines(name: string, series: HistogramSeries): string {
  const { histogram, labelText } = series;
  let text = '';
  for (const q of SUMMARY_QUANTILES) {
    text += `${name}${withLabel(labelText, 'quantile', String(q))} ${formatSampleValue(histogram.quantile(q))}\n`;
  }
  text += `${name}_sum${braces(labelText)} ${formatSampleValue(histogram.sum)}\n`;
  text += `${name}_count${braces(labelText)} ${histogram.count}\n`;
  return text;
}

function orNull(value: number): number | null {
  return Number.isFinite(value) ? value : null;
}

function summarizeHistogram(series: HistogramSeries): HistogramSummary {
  const { histogram } = series;
  return {
    labels: { ...series.labels },
    count: histogram.count,
    sum: histogram.sum,
    mean: orNull(histogram.mean()),
    min: orNull(histogram.min),
    max: orNull(histogram.max),
    p50: orNull(histogram.quantile(0.5)),
    p95: orNull(histogram.quantile(0.95)),
    p99: orNull(histogram.quantile(0.99)),
  };
}
