import perfHooks from 'node:perf_hooks';
import { InvalidConfigError, MetricNames } from '@victor-ai/core';
import { describe, expect, it, vi } from 'vitest';
import { createPerformanceMonitor } from './performance-monitor.js';
import { startRuntimeMetrics } from './runtime-metrics.js';

function activeResources(): string[] {
  return process.getActiveResourcesInfo().filter((resource) => resource !== 'TTYWrap');
}

describe('startRuntimeMetrics', () => {
  it('should report heap and RSS gauges at each snapshot', () => {
    const monitor = createPerformanceMonitor();
    const runtime = startRuntimeMetrics(monitor);
    try {
      const gauges = monitor.summary().gauges;
      expect(gauges[MetricNames.heapUsed]?.[0]?.value).toBeGreaterThan(0);
      expect(gauges[MetricNames.heapTotal]?.[0]?.value).toBeGreaterThanOrEqual(
        gauges[MetricNames.heapUsed]?.[0]?.value ?? Number.POSITIVE_INFINITY,
      );
      expect(gauges[MetricNames.residentMemory]?.[0]?.value).toBeGreaterThan(0);
    } finally {
      runtime.stop();
    }
  });

  it('should report event-loop delay in seconds, resolution subtracted, once the sampler has run', async () => {
    const monitor = createPerformanceMonitor();
    const runtime = startRuntimeMetrics(monitor, { resolutionMs: 1 });
    try {
      // Wait on the sampler itself, not on a duration: turns of the loop until its gauges appear.
      let gauges = monitor.summary().gauges;
      for (let turn = 0; turn < 1000 && gauges[MetricNames.eventLoopDelayMax] === undefined; turn++) {
        await new Promise((resolve) => setImmediate(resolve));
        gauges = monitor.summary().gauges;
      }
      const p50 = gauges[MetricNames.eventLoopDelayP50]?.[0]?.value ?? Number.NaN;
      const p99 = gauges[MetricNames.eventLoopDelayP99]?.[0]?.value ?? Number.NaN;
      const max = gauges[MetricNames.eventLoopDelayMax]?.[0]?.value ?? Number.NaN;
      expect(p50).toBeGreaterThanOrEqual(0);
      expect(p99).toBeGreaterThanOrEqual(p50);
      expect(max).toBeGreaterThanOrEqual(p99);
      // Seconds, not nanoseconds: a loop delay of an hour would mean a unit error.
      expect(max).toBeLessThan(3600);
    } finally {
      runtime.stop();
    }
  });

  it('should leave no timer or handle running after stop, and stop updating', () => {
    const before = activeResources();
    const create = vi.spyOn(perfHooks, 'monitorEventLoopDelay');
    const monitor = createPerformanceMonitor();
    const runtime = startRuntimeMetrics(monitor);
    const sampler = create.mock.results[0]?.value as perfHooks.IntervalHistogram;
    const disable = vi.spyOn(sampler, 'disable');
    create.mockRestore();
    monitor.summary();
    runtime.stop();
    runtime.stop();
    expect(disable).toHaveBeenCalledTimes(1);
    expect(activeResources()).toEqual(before);
    monitor.gauge(MetricNames.heapUsed, -1);
    monitor.summary();
    expect(monitor.summary().gauges[MetricNames.heapUsed]?.[0]?.value).toBe(-1);
  });

  it('should reject a bad resolution', () => {
    expect(() => startRuntimeMetrics(createPerformanceMonitor(), { resolutionMs: 0 })).toThrow(
      InvalidConfigError,
    );
    expect(() => startRuntimeMetrics(createPerformanceMonitor(), { resolutionMs: 0.5 })).toThrow(
      /resolutionMs must be an integer >= 1, got 0.5/,
    );
  });
});
