import perfHooks from 'node:perf_hooks';
import { invalidOption, MetricNames } from '@victor-ai/core';
import type { PerformanceMonitor } from './performance-monitor.js';

/** Options of {@link startRuntimeMetrics}. */
export interface RuntimeMetricsOptions {
  /** Event-loop delay sampling resolution in milliseconds (integer >= 1, default 10). */
  resolutionMs?: number;
}

/** Running runtime metrics; `stop()` disables the sampler and removes the collector. */
export interface RuntimeMetrics {
  /** Stops sampling; idempotent. Leaves no timer or handle behind. */
  stop(): void;
}

/**
 * Reports event-loop delay (p50, p99, max since the previous snapshot, sampling resolution subtracted) and
 * heap/RSS gauges into `monitor`.
 * Values are read when a snapshot is taken (`summary()`, `toPrometheus()`), so no JavaScript timer runs.
 */
export function startRuntimeMetrics(
  monitor: PerformanceMonitor,
  options: RuntimeMetricsOptions = {},
): RuntimeMetrics {
  const resolutionMs = options.resolutionMs ?? 10;
  if (!Number.isInteger(resolutionMs) || resolutionMs < 1) {
    throw invalidOption('resolutionMs', 'an integer >= 1', resolutionMs);
  }
  // Through the module object (not a named import) so that tests can watch enable/disable.
  const delay = perfHooks.monitorEventLoopDelay({ resolution: resolutionMs });
  delay.enable();
  const p50 = monitor.gaugeHandle(MetricNames.eventLoopDelayP50);
  const p99 = monitor.gaugeHandle(MetricNames.eventLoopDelayP99);
  const max = monitor.gaugeHandle(MetricNames.eventLoopDelayMax);
  const heapUsed = monitor.gaugeHandle(MetricNames.heapUsed);
  const heapTotal = monitor.gaugeHandle(MetricNames.heapTotal);
  const resident = monitor.gaugeHandle(MetricNames.residentMemory);
  // The sampler records the whole interval between its timer ticks, resolution included: subtract it so that
  // an idle loop reports a delay near 0 rather than near `resolutionMs`.
  const resolutionNs = resolutionMs * 1e6;
  const seconds = (nanoseconds: number) => Math.max(0, nanoseconds - resolutionNs) / 1e9;
  const removeCollector = monitor.addCollector(() => {
    // The histogram is empty until the sampler has fired once; the gauges appear after that.
    if (delay.count > 0) {
      p50.set(seconds(delay.percentile(50)));
      p99.set(seconds(delay.percentile(99)));
      max.set(seconds(delay.max));
      delay.reset();
    }
    const memory = process.memoryUsage();
    heapUsed.set(memory.heapUsed);
    heapTotal.set(memory.heapTotal);
    resident.set(memory.rss);
  });
  let stopped = false;
  return {
    stop() {
      if (stopped) return;
      stopped = true;
      delay.disable();
      removeCollector();
    },
  };
}
