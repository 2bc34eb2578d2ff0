import { invalidOption } from '@victor-ai/core';

/** Which direction is better for a benchmark metric. */
export type BetterDirection = 'lower' | 'higher';

/** One metric of a committed baseline: its value, how far it may move the wrong way, which way is better. */
export interface BaselineMetric {
  value: number;
  /** Allowed relative change in the bad direction, e.g. 0.25 for 25%. */
  tolerance: number;
  better: BetterDirection;
}

/** A committed benchmark baseline. */
export interface PerformanceBaseline {
  metrics: Record<string, BaselineMetric>;
}

/** A benchmark result: metric name to value (best as ratios to a baseline measured in the same run). */
export interface PerformanceResult {
  metrics: Record<string, number>;
}

/** The verdict for one metric. */
export type ComparisonStatus = 'ok' | 'improved' | 'regression' | 'missing' | 'new';

/** One row of a {@link PerformanceComparison}. */
export interface ComparisonRow {
  name: string;
  baseline: number | undefined;
  current: number | undefined;
  /** `current / baseline`; `undefined` when either side is missing. */
  ratio: number | undefined;
  tolerance: number | undefined;
  better: BetterDirection | undefined;
  status: ComparisonStatus;
}

/** The outcome of {@link comparePerformance}. */
export interface PerformanceComparison {
  rows: ComparisonRow[];
  /** Rows that regressed or went missing; a CI check fails when this is above zero. */
  regressions: number;
}

/**
 * Compares a benchmark result with a baseline by ratio, with a tolerance per metric. A metric regresses when it
 * moves the bad way by more than its tolerance; a metric of the baseline that the result lacks counts as a
 * regression; metrics only in the result are listed as `new`. Throws `InvalidConfigError` on malformed input.
 */
export function comparePerformance(
  result: PerformanceResult,
  baseline: PerformanceBaseline,
): PerformanceComparison {
  const current = checkResult(result);
  const expected = checkBaseline(baseline);
  const rows: ComparisonRow[] = [];
  let regressions = 0;
  for (const [name, metric] of Object.entries(expected)) {
    const value = current[name];
    if (value === undefined) {
      rows.push({
        name,
        baseline: metric.value,
        current: undefined,
        ratio: undefined,
        ...limits(metric),
        status: 'missing',
      });
      regressions++;
      continue;
    }
    // Compared by products, not by the ratio, so that a baseline of 0 (e.g. "no garbage collections") works.
    const ratio = metric.value === 0 ? (value === 0 ? 1 : Number.POSITIVE_INFINITY) : value / metric.value;
    const high = metric.value * (1 + metric.tolerance);
    const low = metric.value * (1 - metric.tolerance);
    const worse = metric.better === 'lower' ? value > high : value < low;
    const better = metric.better === 'lower' ? value < low : value > high;
    const status: ComparisonStatus = worse ? 'regression' : better ? 'improved' : 'ok';
    if (worse) regressions++;
    rows.push({ name, baseline: metric.value, current: value, ratio, ...limits(metric), status });
  }
  for (const [name, value] of Object.entries(current)) {
    if (name in expected) continue;
    rows.push({
      name,
      baseline: undefined,
      current: value,
      ratio: undefined,
      tolerance: undefined,
      better: undefined,
      status: 'new',
    });
  }
  return { rows, regressions };
}

function limits(metric: BaselineMetric): Pick<ComparisonRow, 'tolerance' | 'better'> {
  return { tolerance: metric.tolerance, better: metric.better };
}

function checkResult(result: PerformanceResult): Record<string, number> {
  const metrics = result?.metrics;
  if (typeof metrics !== 'object' || metrics === null) {
    throw invalidOption('result.metrics', 'an object of metric values', metrics);
  }
  for (const [name, value] of Object.entries(metrics)) {
    if (typeof value !== 'number' || !Number.isFinite(value)) {
      throw invalidOption(`result.metrics.${name}`, 'a finite number', value);
    }
  }
  return metrics;
}

function checkBaseline(baseline: PerformanceBaseline): Record<string, BaselineMetric> {
  const metrics = baseline?.metrics;
  if (typeof metrics !== 'object' || metrics === null) {
    throw invalidOption('baseline.metrics', 'an object of { value, tolerance, better }', metrics);
  }
  for (const [name, metric] of Object.entries(metrics)) {
    const path = `baseline.metrics.${name}`;
    if (typeof metric !== 'object' || metric === null) throw invalidOption(path, 'an object', metric);
    if (typeof metric.value !== 'number' || !(metric.value >= 0) || !Number.isFinite(metric.value)) {
      throw invalidOption(`${path}.value`, 'a finite number >= 0', metric.value);
    }
    if (
      typeof metric.tolerance !== 'number' ||
      !(metric.tolerance >= 0) ||
      !Number.isFinite(metric.tolerance)
    ) {
      throw invalidOption(`${path}.tolerance`, 'a finite number >= 0', metric.tolerance);
    }
    if (metric.better !== 'lower' && metric.better !== 'higher') {
      throw invalidOption(`${path}.better`, '"lower" or "higher"', metric.better);
    }
  }
  return metrics;
}

function formatNumber(value: number | undefined, digits = 4): string {
  return value === undefined ? '-' : Number(value.toPrecision(digits)).toString();
}

/** A plain-text table of a comparison, one metric per line, for CI logs. */
export function formatPerformanceTable(comparison: PerformanceComparison): string {
  const header = ['metric', 'baseline', 'current', 'ratio', 'allowed', 'status'];
  const lines = comparison.rows.map((row) => [
    row.name,
    formatNumber(row.baseline),
    formatNumber(row.current),
    row.ratio === undefined ? '-' : `${row.ratio.toFixed(3)}x`,
    row.tolerance === undefined
      ? '-'
      : row.better === 'lower'
        ? `<= ${(1 + row.tolerance).toFixed(2)}x`
        : `>= ${(1 - row.tolerance).toFixed(2)}x`,
    row.status.toUpperCase(),
  ]);
  const widths = header.map((title, column) =>
    Math.max(title.length, ...lines.map((line) => line[column]!.length)),
  );
  const render = (cells: string[]) =>
    cells
      .map((cell, column) => cell.padEnd(widths[column]!))
      .join('  ')
      .trimEnd();
  const summary = comparison.regressions === 0 ? 'no regressions' : `${comparison.regressions} regression(s)`;
  return `${[render(header), render(widths.map((width) => '-'.repeat(width))), ...lines.map(render)].join('\n')}\n${summary}\n`;
}
