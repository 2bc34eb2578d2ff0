import { MetricNames } from '@victor-ai/metrics';
import { describe, expect, it } from 'vitest';
import { createDemoMonitor, DemoMetrics, MemoryPeaks } from './instrumentation.js';
import { formatFiguresTable, sessionFigures } from './report.js';
import type { TurnRecord } from './session.js';

function turn(
  steps: number,
  calls: Array<{ parallel?: boolean; blockedBy?: string }>,
  usage: TurnRecord['usage'] = { inputTokens: 0, outputTokens: 0 },
): TurnRecord {
  return {
    usage,
    user: 'u',
    text: 't',
    steps,
    selectedTools: [],
    toolCalls: calls.map((call, index) => ({
      step: 1,
      id: `c${index}`,
      name: 'read_file',
      arguments: {},
      ok: call.blockedBy === undefined,
      cached: false,
      parallel: call.parallel ?? false,
      ...(call.blockedBy ? { blockedBy: call.blockedBy } : {}),
    })),
    timing: { totalMs: 1, providerMs: 1, toolMs: 0, overheadMs: 0 },
  };
}

describe('sessionFigures', () => {
  it('reads the figures from the monitor summary and counts the tool calls', () => {
    const monitor = createDemoMonitor();
    for (const seconds of [0.1, 0.2, 0.3, 0.4]) monitor.observe(DemoMetrics.modelCallDuration, seconds);
    monitor.observe(MetricNames.chatTimeToFirstToken, 0.05);
    monitor.observe(MetricNames.chatDuration, 0.5);
    monitor.observe(MetricNames.chatDuration, 1.5);
    monitor.observe(MetricNames.runtimeOverhead, 0.001);
    monitor.observe(MetricNames.runtimeOverhead, 0.003);
    const labels = Object.freeze({ cache: 'tool-results', tier: 'memory' });
    monitor.increment(MetricNames.cacheHits, labels, 3);
    monitor.increment(MetricNames.cacheMisses, labels, 1);
    monitor.gauge(DemoMetrics.peakResidentMemory, 50 * 1024 * 1024);
    monitor.gauge(DemoMetrics.peakHeapUsed, 10 * 1024 * 1024);
    const figures = sessionFigures(
      monitor.summary(),
      [
        turn(2, [{ parallel: true }, { parallel: true }], {
          inputTokens: 3000,
          cachedInputTokens: 2048,
          outputTokens: 10,
        }),
        turn(2, [{ blockedBy: 'safety' }], { inputTokens: 1000, outputTokens: 5 }),
      ],
      { name: 'm', offline: true },
    );
    expect(figures).toMatchObject({
      model: 'm',
      offline: true,
      turns: 2,
      modelCalls: 4,
      toolCalls: 3,
      parallelToolCalls: 2,
      blockedToolCalls: 1,
      cacheHitRate: { hits: 3, misses: 1, lookups: 4, rate: 0.75 },
      promptCache: { inputTokens: 4000, cachedInputTokens: 2048, share: 0.512 },
      peakMemory: { rssBytes: 50 * 1024 * 1024, heapUsedBytes: 10 * 1024 * 1024 },
    });
    expect(figures.chatLatencyMs.count).toBe(4);
    expect(figures.chatLatencyMs.p50).toBeCloseTo(200, -1);
    expect(figures.chatLatencyMs.p95).toBeCloseTo(400, -1);
    expect(figures.timeToFirstTokenMs.p50).toBeCloseTo(50, 0);
    expect(figures.totalResponseMs.sum).toBeCloseTo(2000, 6);
    expect(figures.runtimeOverhead.totalMs).toBeCloseTo(4, 6);
    expect(figures.runtimeOverhead.percentOfTotal).toBeCloseTo(0.2, 6);
  });

  it('says n/a where nothing was measured', () => {
    const figures = sessionFigures(createDemoMonitor().summary(), [], { name: 'm', offline: false });
    expect(figures.chatLatencyMs).toEqual({ p50: null, p95: null, max: null, count: 0 });
    expect(figures.cacheHitRate.rate).toBeNull();
    expect(figures.runtimeOverhead.percentOfTotal).toBeNull();
    expect(figures.promptCache.share).toBeNull();
    expect(formatFiguresTable(figures)).toContain('│ cache hit rate (tool results)  │ n/a');
    expect(formatFiguresTable(figures)).toContain('│ prompt cache (input tokens)    │ n/a');
  });
});

describe('formatFiguresTable', () => {
  it('draws one aligned row per figure', () => {
    const monitor = createDemoMonitor();
    monitor.observe(DemoMetrics.modelCallDuration, 0.0421);
    monitor.observe(MetricNames.chatDuration, 0.25);
    const table = formatFiguresTable(
      sessionFigures(monitor.summary(), [turn(1, [])], { name: 'gpt', offline: false }),
    );
    const lines = table.split('\n');
    expect(lines[0]).toBe('session figures · 1 turns · model gpt');
    const widths = new Set(lines.slice(1).map((line) => line.length));
    expect(widths.size).toBe(1);
    expect(table).toMatch(/│ chat latency \(per model call\)\s+│ p50 42\.\d ms · p95 42\.\d ms/);
    expect(table).toContain('│ total response time (per turn) │ p50 250 ms');
  });
});

describe('MemoryPeaks', () => {
  it('keeps the highest memory seen and reports it as gauges', () => {
    const monitor = createDemoMonitor();
    const peaks = new MemoryPeaks(monitor).start(1_000);
    const held = new Array(200_000).fill('x').map((value, index) => `${value}${index}`);
    peaks.stop();
    expect(held.length).toBe(200_000);
    expect(peaks.rssBytes).toBeGreaterThan(0);
    expect(peaks.heapUsedBytes).toBeGreaterThan(0);
    expect(monitor.summary().gauges[DemoMetrics.peakResidentMemory]![0]!.value).toBe(peaks.rssBytes);
  });
});
