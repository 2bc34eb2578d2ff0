import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { parseExposition } from './__fixtures__/parse-exposition.js';
import { canonicalLabelText, escapeHelp, escapeLabelValue, formatSampleValue } from './exposition-text.js';

const labelName = fc.stringMatching(/^[a-zA-Z_][a-zA-Z0-9_]{0,8}$/).filter((name) => !name.startsWith('__'));

describe('escapeLabelValue', () => {
  it('should escape backslash, double quote and line feed', () => {
    expect(escapeLabelValue('a\\b"c\nd')).toBe('a\\\\b\\"c\\nd');
    expect(escapeLabelValue('plain')).toBe('plain');
  });

  it('should round-trip any string through the exposition parser', () => {
    fc.assert(
      fc.property(fc.string({ unit: 'grapheme' }), (value) => {
        const families = parseExposition(`# TYPE m gauge\nm{v="${escapeLabelValue(value)}"} 1\n`);
        expect(families.get('m')?.samples[0]?.labels.v).toBe(value);
      }),
    );
  });
});

describe('escapeHelp', () => {
  it('should escape backslash and line feed and round-trip through the parser', () => {
    expect(escapeHelp('a\\b\nc"')).toBe('a\\\\b\\nc"');
    fc.assert(
      fc.property(fc.string(), (help) => {
        const families = parseExposition(`# HELP m ${escapeHelp(help)}\n# TYPE m gauge\nm 1\n`);
        expect(families.get('m')?.help).toBe(help);
      }),
    );
  });
});

describe('formatSampleValue', () => {
  it('should write infinities and NaN the Prometheus way', () => {
    expect(formatSampleValue(Number.POSITIVE_INFINITY)).toBe('+Inf');
    expect(formatSampleValue(Number.NEGATIVE_INFINITY)).toBe('-Inf');
    expect(formatSampleValue(Number.NaN)).toBe('NaN');
  });

  it('should write every finite double so that it parses back to the same number', () => {
    fc.assert(
      fc.property(fc.double({ noNaN: true, noDefaultInfinity: true }), (value) => {
        const families = parseExposition(`# TYPE m gauge\nm ${formatSampleValue(value)}\n`);
        expect(families.get('m')?.samples[0]?.value).toBe(value === 0 ? 0 : value);
      }),
    );
  });
});

describe('canonicalLabelText', () => {
  it('should give the same text for the same labels in any key order', () => {
    fc.assert(
      fc.property(fc.dictionary(labelName, fc.string(), { maxKeys: 6 }), (labels) => {
        const reversed = Object.fromEntries(Object.entries(labels).reverse());
        expect(canonicalLabelText(reversed)).toBe(canonicalLabelText(labels));
      }),
    );
  });

  it('should give different texts for different label sets', () => {
    fc.assert(
      fc.property(
        fc.dictionary(labelName, fc.string(), { maxKeys: 4 }),
        fc.dictionary(labelName, fc.string(), { maxKeys: 4 }),
        (left, right) => {
          const same =
            JSON.stringify(Object.entries(left).sort()) === JSON.stringify(Object.entries(right).sort());
          expect(canonicalLabelText(left) === canonicalLabelText(right)).toBe(same);
        },
      ),
    );
  });

  it('should write the sorted, escaped label list of the exposition', () => {
    expect(canonicalLabelText({ b: '2', a: 'x"y' })).toBe('a="x\\"y",b="2"');
    expect(canonicalLabelText({})).toBe('');
  });

  it('should refuse invalid and reserved label names', () => {
    expect(canonicalLabelText({ '1a': 'x' })).toBeUndefined();
    expect(canonicalLabelText({ 'a-b': 'x' })).toBeUndefined();
    expect(canonicalLabelText({ __name__: 'x' })).toBeUndefined();
    expect(canonicalLabelText({ le: '1' })).toBe('le="1"');
    expect(canonicalLabelText({ le: '1' }, true)).toBeUndefined();
    expect(canonicalLabelText({ quantile: '1' }, true)).toBeUndefined();
  });
});
