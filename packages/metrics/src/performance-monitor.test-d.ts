import type { MetricsSink, SpanTracer, StandardMetricName } from '@victor-ai/core';
import { describe, expectTypeOf, it } from 'vitest';
import { MetricNames } from './index.js';
import { createPerformanceMonitor, type PerformanceMonitor } from './performance-monitor.js';
import type { CounterHandle, HistogramHandle } from './series.js';

describe('createPerformanceMonitor', () => {
  it('is a MetricsSink any package reports into, with an optional tracer', () => {
    const monitor = createPerformanceMonitor();
    expectTypeOf(monitor).toEqualTypeOf<PerformanceMonitor>();
    expectTypeOf(monitor).toExtend<MetricsSink>();
    expectTypeOf(monitor.tracer).toEqualTypeOf<SpanTracer | undefined>();
  });

  it('binds series to handles of their kind', () => {
    const monitor = createPerformanceMonitor();
    expectTypeOf(monitor.counter(MetricNames.toolCalls)).toEqualTypeOf<CounterHandle>();
    expectTypeOf(monitor.histogram(MetricNames.chatDuration)).toEqualTypeOf<HistogramHandle>();
  });

  it('re-exports the literal names of core', () => {
    expectTypeOf(MetricNames.chatDuration).toExtend<StandardMetricName>();
    expectTypeOf(MetricNames.chatDuration).toEqualTypeOf<'victor_chat_duration_seconds'>();
  });
});
