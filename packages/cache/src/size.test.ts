import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { estimateSize } from './size.js';

describe('estimateSize', () => {
  it('counts 2 bytes per character of a string', () => {
    expect(estimateSize('abc')).toBe(6);
  });

  it('counts strings, names and numbers of an object without serialising it', () => {
    // 16 for the object, 2 x 4 for "text", 2 x 1,000 for the text.
    expect(estimateSize({ text: 'x'.repeat(1_000) })).toBe(2_024);
  });

  it('measures values with no JSON form (bigint, cycles) instead of throwing', () => {
    const cycle: Record<string, unknown> = { n: 10n };
    cycle.self = cycle;
    expect(estimateSize(10n)).toBeGreaterThan(0);
    expect(estimateSize(cycle)).toBeGreaterThan(0);
  });

  it('falls back to the JSON text for a value of many parts, never below it', () => {
    const rows = Array.from({ length: 20_000 }, (_, index) => ({ index, name: 'row' }));
    expect(estimateSize(rows)).toBeGreaterThanOrEqual(JSON.stringify(rows).length * 2);
  });

  it('is never below the UTF-16 size of the strings a JSON value holds', () => {
    fc.assert(
      fc.property(fc.jsonValue(), (value) => {
        const strings = JSON.stringify(value).match(/"(?:[^"\\]|\\.)*"/g) ?? [];
        const characters = strings.reduce((sum, text) => sum + (JSON.parse(text) as string).length, 0);
        expect(estimateSize(value)).toBeGreaterThanOrEqual(characters * 2);
      }),
    );
  });
});
