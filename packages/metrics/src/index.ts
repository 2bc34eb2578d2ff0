// The names live in core, so that every producer imports them from one place; re-exported for users.
export type { MetricDefinition, MetricType, StandardMetricName } from '@victor-ai/core';
export { MetricNames, standardMetricDefinitions } from '@victor-ai/core';
export type {
  BaselineMetric,
  BetterDirection,
  ComparisonRow,
  ComparisonStatus,
  PerformanceBaseline,
  PerformanceComparison,
  PerformanceResult,
} from './compare-performance.js';
export { comparePerformance, formatPerformanceTable } from './compare-performance.js';
export { escapeHelp, escapeLabelValue, formatSampleValue } from './exposition-text.js';
export type { LogLinearHistogramOptions } from './log-linear-histogram.js';
export { LogLinearHistogram } from './log-linear-histogram.js';
export type { MetricsHandlerOptions } from './metrics-handler.js';
export { createMetricsHandler, PROMETHEUS_CONTENT_TYPE } from './metrics-handler.js';
export type {
  CacheHitRate,
  HistogramSummary,
  MetricDescription,
  MetricsSummary,
  PerformanceMonitor,
  PerformanceMonitorOptions,
  ValueSummary,
} from './performance-monitor.js';
export { createPerformanceMonitor, DEFAULT_BUCKETS } from './performance-monitor.js';
export type {
  OpenTelemetryApiLike,
  RequestTimer,
  SpanAttributeValue,
  SpanLike,
  TracerLike,
  TracingOptions,
} from './request-timer.js';
export { createSpanTracer, loadOpenTelemetryApi } from './request-timer.js';
export type { RuntimeMetrics, RuntimeMetricsOptions } from './runtime-metrics.js';
export { startRuntimeMetrics } from './runtime-metrics.js';
export type { CounterHandle, DropReason, GaugeHandle, HistogramHandle } from './series.js';
