// The names live in core, so that every producer imports them from one place; re-exported for users.
export type { MetricDefinition, MetricType, StandardMetricName } from '@victor-ai/core';
export { MetricNames, standardMetricDefinitions } from '@victor-ai/core';
export {
  type BaselineMetric,
  type BetterDirection,
  type ComparisonRow,
  type ComparisonStatus,
  comparePerformance,
  formatPerformanceTable,
  type PerformanceBaseline,
  type PerformanceComparison,
  type PerformanceResult,
} from './compare-performance.js';
export { escapeHelp, escapeLabelValue, formatSampleValue } from './exposition-text.js';
export { LogLinearHistogram, type LogLinearHistogramOptions } from './log-linear-histogram.js';
export {
  createMetricsHandler,
  type MetricsHandlerOptions,
  PROMETHEUS_CONTENT_TYPE,
} from './metrics-handler.js';
export {
  type CacheHitRate,
  createPerformanceMonitor,
  DEFAULT_BUCKETS,
  type HistogramSummary,
  type MetricDescription,
  type MetricsSummary,
  type PerformanceMonitor,
  type PerformanceMonitorOptions,
  type ValueSummary,
} from './performance-monitor.js';
export {
  createSpanTracer,
  loadOpenTelemetryApi,
  type OpenTelemetryApiLike,
  type RequestTimer,
  type SpanAttributeValue,
  type SpanLike,
  type TracerLike,
  type TracingOptions,
} from './request-timer.js';
export { type RuntimeMetrics, type RuntimeMetricsOptions, startRuntimeMetrics } from './runtime-metrics.js';
export type { CounterHandle, DropReason, GaugeHandle, HistogramHandle } from './series.js';
