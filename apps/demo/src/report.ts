import type { HistogramSummary, MetricsSummary } from '@victor-ai/metrics';
import { MetricNames } from '@victor-ai/metrics';
import { DemoMetrics } from './instrumentation.js';
import type { TurnRecord } from './session.js';

/** Percentiles of one figure, in milliseconds; `null` when nothing was measured. */
export interface Percentiles {
  p50: number | null;
  p95: number | null;
  max: number | null;
  count: number;
}

/** The slow-provider scenario's figures (docs/decisions.md) for one session, measured by the performance monitor and the memory sampler. */
export interface SessionFigures {
  model: string;
  offline: boolean;
  turns: number;
  modelCalls: number;
  toolCalls: number;
  /** Tool calls that ran at the same time as another call of their step. */
  parallelToolCalls: number;
  /** Tool calls a middleware refused. */
  blockedToolCalls: number;
  /** One model call (a step of a turn): request to last event. */
  chatLatencyMs: Percentiles;
  /** Start of a turn to its first text. */
  timeToFirstTokenMs: Percentiles;
  /** A whole turn: the user's message to the final answer, tools included. */
  totalResponseMs: Percentiles & { sum: number };
  /** Time the runtime itself took (turn total - model time - tool time), summed over the session. */
  runtimeOverhead: { totalMs: number; percentOfTotal: number | null; p50Ms: number | null };
  /** The tool-result cache: fresh hits over lookups. */
  cacheHitRate: { hits: number; misses: number; lookups: number; rate: number | null };
  /** Input tokens sent to the model, and the part the provider served from its prompt cache. */
  promptCache: { inputTokens: number; cachedInputTokens: number; share: number | null };
  /** Highest resident set size and V8 heap use seen during the session. */
  peakMemory: { rssBytes: number; heapUsedBytes: number };
}

function histogram(summary: MetricsSummary, name: string): HistogramSummary | undefined {
  const series = summary.histograms[name] ?? [];
  if (series.length <= 1) return series[0];
  // Several label sets: merge counts and sums; percentiles of the busiest series.
  const busiest = series.reduce((best, next) => (next.count > best.count ? next : best));
  return {
    ...busiest,
    count: series.reduce((total, next) => total + next.count, 0),
    sum: series.reduce((total, next) => total + next.sum, 0),
  };
}

function percentilesMs(series: HistogramSummary | undefined): Percentiles {
  const toMs = (value: number | null | undefined) =>
    value === null || value === undefined ? null : value * 1000;
  return {
    p50: toMs(series?.p50),
    p95: toMs(series?.p95),
    max: toMs(series?.max),
    count: series?.count ?? 0,
  };
}

function gauge(summary: MetricsSummary, name: string): number {
  return summary.gauges[name]?.[0]?.value ?? 0;
}

/** Computes the session's figures from the monitor's summary and the turn records. */
export function sessionFigures(
  summary: MetricsSummary,
  records: readonly TurnRecord[],
  model: { name: string; offline: boolean },
): SessionFigures {
  const total = histogram(summary, MetricNames.chatDuration);
  const overhead = histogram(summary, MetricNames.runtimeOverhead);
  const cache = summary.cacheHitRates.find((rate) => rate.cache === 'tool-results');
  const calls = records.flatMap((record) => record.toolCalls);
  const totalMs = (total?.sum ?? 0) * 1000;
  const inputTokens = records.reduce((sum, record) => sum + record.usage.inputTokens, 0);
  const cachedInputTokens = records.reduce((sum, record) => sum + (record.usage.cachedInputTokens ?? 0), 0);
  const overheadMs = (overhead?.sum ?? 0) * 1000;
  return {
    model: model.name,
    offline: model.offline,
    turns: records.length,
    modelCalls: records.reduce((sum, record) => sum + record.steps, 0),
    toolCalls: calls.length,
    parallelToolCalls: calls.filter((call) => call.parallel).length,
    blockedToolCalls: calls.filter((call) => call.blockedBy !== undefined).length,
    chatLatencyMs: percentilesMs(histogram(summary, DemoMetrics.modelCallDuration)),
    timeToFirstTokenMs: percentilesMs(histogram(summary, MetricNames.chatTimeToFirstToken)),
    totalResponseMs: { ...percentilesMs(total), sum: totalMs },
    runtimeOverhead: {
      totalMs: overheadMs,
      percentOfTotal: totalMs > 0 ? (overheadMs / totalMs) * 100 : null,
      p50Ms: overhead?.p50 === null || overhead?.p50 === undefined ? null : overhead.p50 * 1000,
    },
    cacheHitRate: {
      hits: cache?.hits ?? 0,
      misses: cache?.misses ?? 0,
      lookups: cache?.lookups ?? 0,
      rate: cache?.hitRate ?? null,
    },
    promptCache: {
      inputTokens,
      cachedInputTokens,
      share: inputTokens > 0 ? cachedInputTokens / inputTokens : null,
    },
    peakMemory: {
      rssBytes: gauge(summary, DemoMetrics.peakResidentMemory),
      heapUsedBytes: gauge(summary, DemoMetrics.peakHeapUsed),
    },
  };
}

function formatMs(value: number | null): string {
  if (value === null) return 'n/a';
  return value >= 100 ? `${value.toFixed(0)} ms` : `${value.toFixed(1)} ms`;
}

function formatMiB(bytes: number): string {
  return `${(bytes / 1024 / 1024).toFixed(1)} MiB`;
}

/** The figures as a text table for the terminal. */
export function formatFiguresTable(figures: SessionFigures): string {
  const rows: Array<[string, string, string]> = [
    [
      'chat latency (per model call)',
      `p50 ${formatMs(figures.chatLatencyMs.p50)} · p95 ${formatMs(figures.chatLatencyMs.p95)}`,
      `${figures.chatLatencyMs.count} model calls`,
    ],
    [
      'time to first token',
      `p50 ${formatMs(figures.timeToFirstTokenMs.p50)} · p95 ${formatMs(figures.timeToFirstTokenMs.p95)}`,
      `${figures.timeToFirstTokenMs.count} turns`,
    ],
    [
      'total response time (per turn)',
      `p50 ${formatMs(figures.totalResponseMs.p50)} · p95 ${formatMs(figures.totalResponseMs.p95)}`,
      `session ${formatMs(figures.totalResponseMs.sum)}`,
    ],
    [
      'runtime overhead',
      `${formatMs(figures.runtimeOverhead.totalMs)} (${figures.runtimeOverhead.percentOfTotal === null ? 'n/a' : `${figures.runtimeOverhead.percentOfTotal.toFixed(2)}%`} of total)`,
      `p50 ${formatMs(figures.runtimeOverhead.p50Ms)} per turn`,
    ],
    [
      'cache hit rate (tool results)',
      figures.cacheHitRate.rate === null ? 'n/a' : `${(figures.cacheHitRate.rate * 100).toFixed(1)}%`,
      `${figures.cacheHitRate.hits} hits / ${figures.cacheHitRate.lookups} lookups`,
    ],
    [
      'prompt cache (input tokens)',
      figures.promptCache.share === null ? 'n/a' : `${(figures.promptCache.share * 100).toFixed(1)}%`,
      `${figures.promptCache.cachedInputTokens} cached of ${figures.promptCache.inputTokens}`,
    ],
    [
      'peak memory',
      `RSS ${formatMiB(figures.peakMemory.rssBytes)}`,
      `heap used ${formatMiB(figures.peakMemory.heapUsedBytes)}`,
    ],
    [
      'tool calls',
      `${figures.toolCalls}`,
      `${figures.parallelToolCalls} in parallel · ${figures.blockedToolCalls} blocked`,
    ],
  ];
  const widths = [0, 1, 2].map((column) =>
    Math.max(...rows.map((row) => row[column]!.length), ['figure', 'value', 'detail'][column]!.length),
  );
  const line = (cells: readonly string[]) =>
    `│ ${cells.map((cell, column) => cell.padEnd(widths[column]!)).join(' │ ')} │`;
  const rule = (left: string, middle: string, right: string) =>
    `${left}${widths.map((width) => '─'.repeat(width + 2)).join(middle)}${right}`;
  const title = `session figures · ${figures.turns} turns · model ${figures.model}${figures.offline ? ' (offline loopback)' : ''}`;
  return [
    title,
    rule('┌', '┬', '┐'),
    line(['figure', 'value', 'detail']),
    rule('├', '┼', '┤'),
    ...rows.map(line),
    rule('└', '┴', '┘'),
  ].join('\n');
}
