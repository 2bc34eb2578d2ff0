import { InvalidConfigError } from '@victor-ai/core';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { LogLinearHistogram } from './log-linear-histogram.js';

function exactQuantile(sorted: number[], q: number): number {
  return sorted[Math.max(1, Math.ceil(q * sorted.length)) - 1]!;
}

describe('LogLinearHistogram', () => {
  describe('quantiles', () => {
    it('should stay within 2^-(bits+1) relative error of the exact nearest-rank value on random data', () => {
      fc.assert(
        fc.property(
          fc.array(fc.double({ min: 1e-9, max: 1e6, noNaN: true, noDefaultInfinity: true }), {
            minLength: 1,
            maxLength: 400,
          }),
          fc.integer({ min: 1, max: 10 }),
          (values, significantBits) => {
            const histogram = new LogLinearHistogram({ significantBits });
            for (const value of values) expect(histogram.record(value)).toBe(true);
            const sorted = [...values].sort((left, right) => left - right);
            const bound = 2 ** -(significantBits + 1);
            for (const q of [0, 0.01, 0.25, 0.5, 0.9, 0.95, 0.99, 0.999]) {
              const exact = exactQuantile(sorted, q);
              const estimate = histogram.quantile(q);
              expect(Math.abs(estimate - exact) / exact).toBeLessThanOrEqual(bound * (1 + 1e-12));
            }
            expect(histogram.quantile(1)).toBe(sorted.at(-1));
          },
        ),
        { numRuns: 200 },
      );
    });

    it('should hold the bound on 100,000 log-normal latencies at the default resolution (0.39%)', () => {
      let seed = 42;
      const next = () => {
        seed = (seed * 1103515245 + 12345) % 2147483648;
        return (seed + 0.5) / 2147483648;
      };
      const histogram = new LogLinearHistogram();
      const values: number[] = [];
      for (let index = 0; index < 100_000; index++) {
        const gaussian = Math.sqrt(-2 * Math.log(next())) * Math.cos(2 * Math.PI * next());
        const value = 0.002 * Math.exp(gaussian);
        values.push(value);
        histogram.record(value);
      }
      values.sort((left, right) => left - right);
      for (const q of [0.5, 0.95, 0.99, 0.999]) {
        const exact = exactQuantile(values, q);
        expect(Math.abs(histogram.quantile(q) - exact) / exact).toBeLessThanOrEqual(2 ** -8);
      }
      expect(histogram.count).toBe(100_000);
      expect(histogram.min).toBe(values[0]);
      expect(histogram.max).toBe(values.at(-1));
    });

    it('should answer NaN while empty and for q outside 0..1', () => {
      const histogram = new LogLinearHistogram();
      expect(histogram.quantile(0.5)).toBeNaN();
      expect(histogram.mean()).toBeNaN();
      histogram.record(1);
      expect(histogram.quantile(1.5)).toBeNaN();
      expect(histogram.quantile(-0.1)).toBeNaN();
    });

    it('should count zero and values below 2^-32 in a zero bucket answered by the minimum', () => {
      const histogram = new LogLinearHistogram();
      histogram.record(0);
      histogram.record(0);
      histogram.record(1);
      expect(histogram.quantile(0.5)).toBe(0);
      expect(histogram.quantile(0.99)).toBeCloseTo(1, 2);
    });

    it('should clamp values beyond 2^32 into the top bucket and still report the exact maximum', () => {
      const histogram = new LogLinearHistogram();
      histogram.record(1e12);
      histogram.record(2e12);
      expect(histogram.quantile(1)).toBe(2e12);
      expect(histogram.quantile(0.5)).toBeLessThanOrEqual(2e12);
      expect(histogram.count).toBe(2);
    });
  });

  describe('recording', () => {
    it('should reject negative, NaN and infinite values without counting them', () => {
      const histogram = new LogLinearHistogram();
      for (const bad of [-1, Number.NaN, Number.POSITIVE_INFINITY, Number.NEGATIVE_INFINITY]) {
        expect(histogram.record(bad)).toBe(false);
      }
      expect(histogram.count).toBe(0);
      expect(histogram.sum).toBe(0);
    });

    it('should keep count, sum, min, max and mean exactly', () => {
      const histogram = new LogLinearHistogram();
      for (const value of [0.5, 0.25, 2]) histogram.record(value);
      expect(histogram.count).toBe(3);
      expect(histogram.sum).toBe(2.75);
      expect(histogram.min).toBe(0.25);
      expect(histogram.max).toBe(2);
      expect(histogram.mean()).toBeCloseTo(2.75 / 3, 12);
    });

    it('should count coarse bounds exactly, a value equal to a bound falling in that bucket (le)', () => {
      fc.assert(
        fc.property(fc.array(fc.double({ min: 0, max: 10, noNaN: true }), { maxLength: 200 }), (values) => {
          const bounds = [0.1, 0.5, 1, 5];
          const histogram = new LogLinearHistogram({ bounds });
          for (const value of values) histogram.record(value);
          let cumulative = 0;
          bounds.forEach((bound, index) => {
            cumulative += histogram.boundCounts[index]!;
            expect(cumulative).toBe(values.filter((value) => value <= bound).length);
          });
          expect(cumulative + histogram.boundCounts[bounds.length]!).toBe(values.length);
        }),
      );
      const histogram = new LogLinearHistogram({ bounds: [1] });
      histogram.record(1);
      expect([...histogram.boundCounts]).toEqual([1, 0]);
    });

    it('should forget everything on reset', () => {
      const histogram = new LogLinearHistogram({ bounds: [1] });
      histogram.record(0.5);
      histogram.record(3);
      histogram.reset();
      expect(histogram.count).toBe(0);
      expect(histogram.sum).toBe(0);
      expect(histogram.quantile(0.5)).toBeNaN();
      expect([...histogram.boundCounts]).toEqual([0, 0]);
      histogram.record(2);
      expect(histogram.quantile(0.5)).toBe(2);
    });
  });

  describe('options', () => {
    it.each([0, 11, 1.5, '7'])('should reject significantBits %s', (significantBits) => {
      expect(() => new LogLinearHistogram({ significantBits: significantBits as number })).toThrow(
        InvalidConfigError,
      );
      expect(() => new LogLinearHistogram({ significantBits: significantBits as number })).toThrow(
        /significantBits must be an integer from 1 to 10, got/,
      );
    });

    it.each([[[1, 1]], [[2, 1]], [[Number.NaN]], [[Number.POSITIVE_INFINITY]]])(
      'should reject bounds %j',
      (bounds) => {
        expect(() => new LogLinearHistogram({ bounds })).toThrow(/bounds must be an array of ascending/);
      },
    );
  });
});
