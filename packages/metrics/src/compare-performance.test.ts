import { InvalidConfigError } from '@victor-ai/core';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  comparePerformance,
  formatPerformanceTable,
  type PerformanceBaseline,
} from './compare-performance.js';

const baseline: PerformanceBaseline = {
  metrics: {
    overhead_ratio: { value: 2, tolerance: 0.25, better: 'lower' },
    throughput_ratio: { value: 0.9, tolerance: 0.1, better: 'higher' },
    gc_count: { value: 0, tolerance: 0, better: 'lower' },
  },
};

describe('comparePerformance', () => {
  it('should pass values within tolerance and flag those beyond it in the bad direction', () => {
    const within = comparePerformance(
      { metrics: { overhead_ratio: 2.5, throughput_ratio: 0.81, gc_count: 0 } },
      baseline,
    );
    expect(within.regressions).toBe(0);
    expect(within.rows.map((row) => row.status)).toEqual(['ok', 'ok', 'ok']);

    const worse = comparePerformance(
      { metrics: { overhead_ratio: 2.51, throughput_ratio: 0.8, gc_count: 1 } },
      baseline,
    );
    expect(worse.regressions).toBe(3);
    expect(worse.rows.map((row) => row.status)).toEqual(['regression', 'regression', 'regression']);
    expect(worse.rows[0]?.ratio).toBeCloseTo(1.255, 10);
    expect(worse.rows[2]?.ratio).toBe(Number.POSITIVE_INFINITY);
  });

  it('should call large moves in the good direction improvements, not regressions', () => {
    const comparison = comparePerformance(
      { metrics: { overhead_ratio: 1, throughput_ratio: 1.2, gc_count: 0 } },
      baseline,
    );
    expect(comparison.rows.map((row) => row.status)).toEqual(['improved', 'improved', 'ok']);
    expect(comparison.regressions).toBe(0);
  });

  it('should count a metric missing from the result as a regression and list new ones', () => {
    const comparison = comparePerformance(
      { metrics: { overhead_ratio: 2, gc_count: 0, extra: 5 } },
      baseline,
    );
    expect(comparison.regressions).toBe(1);
    expect(comparison.rows.find((row) => row.name === 'throughput_ratio')?.status).toBe('missing');
    expect(comparison.rows.find((row) => row.name === 'extra')?.status).toBe('new');
  });

  it('should regress exactly when the value crosses the tolerance (property)', () => {
    fc.assert(
      fc.property(
        fc.double({ min: 0.001, max: 1000, noNaN: true }),
        fc.double({ min: 0, max: 2, noNaN: true }),
        fc.double({ min: 0, max: 2000, noNaN: true }),
        fc.constantFrom('lower' as const, 'higher' as const),
        (value, tolerance, current, better) => {
          const { regressions } = comparePerformance(
            { metrics: { m: current } },
            { metrics: { m: { value, tolerance, better } } },
          );
          const expected =
            better === 'lower' ? current > value * (1 + tolerance) : current < value * (1 - tolerance);
          expect(regressions).toBe(expected ? 1 : 0);
        },
      ),
    );
  });

  it.each([
    [{ metrics: { a: 'fast' } }, baseline, /result.metrics.a must be a finite number, got "fast"/],
    [{}, baseline, /result.metrics must be an object/],
    [
      { metrics: {} },
      { metrics: { a: { value: -1, tolerance: 0, better: 'lower' } } },
      /baseline.metrics.a.value must be a finite number >= 0/,
    ],
    [
      { metrics: {} },
      { metrics: { a: { value: 1, tolerance: -0.1, better: 'lower' } } },
      /tolerance must be a finite number >= 0/,
    ],
    [
      { metrics: {} },
      { metrics: { a: { value: 1, tolerance: 0, better: 'faster' } } },
      /better must be "lower" or "higher", got "faster"/,
    ],
  ])('should reject malformed input %#', (result, base, message) => {
    expect(() => comparePerformance(result as never, base as never)).toThrow(InvalidConfigError);
    expect(() => comparePerformance(result as never, base as never)).toThrow(message);
  });
});

describe('formatPerformanceTable', () => {
  it('should print one aligned line per metric with its verdict and a summary line', () => {
    const text = formatPerformanceTable(
      comparePerformance({ metrics: { overhead_ratio: 3, throughput_ratio: 0.9, gc_count: 0 } }, baseline),
    );
    const lines = text.trimEnd().split('\n');
    expect(lines[0]).toMatch(/^metric\s+baseline\s+current\s+ratio\s+allowed\s+status$/);
    expect(lines[2]).toMatch(/^overhead_ratio\s+2\s+3\s+1\.500x\s+<= 1\.25x\s+REGRESSION$/);
    expect(lines[3]).toMatch(/^throughput_ratio\s+0\.9\s+0\.9\s+1\.000x\s+>= 0\.90x\s+OK$/);
    expect(lines.at(-1)).toBe('1 regression(s)');
  });
});
