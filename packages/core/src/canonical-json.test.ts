import { createHash } from 'node:crypto';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { canonicalHash, canonicalJson } from './canonical-json.js';

const jsonValue = fc.jsonValue({ maxDepth: 4 }).filter((value) => !containsNegativeZero(value));

function containsNegativeZero(value: unknown): boolean {
  if (Object.is(value, -0)) return true;
  if (Array.isArray(value)) return value.some(containsNegativeZero);
  if (value && typeof value === 'object') return Object.values(value).some(containsNegativeZero);
  return false;
}

function shuffleKeys(value: unknown, seed: number): unknown {
  if (Array.isArray(value)) return value.map((item) => shuffleKeys(item, seed + 1));
  if (value && typeof value === 'object') {
    const entries = Object.entries(value);
    const rotated = entries
      .slice(seed % Math.max(entries.length, 1))
      .concat(entries.slice(0, seed % Math.max(entries.length, 1)))
      .reverse();
    return Object.fromEntries(rotated.map(([key, item]) => [key, shuffleKeys(item, seed + 1)]));
  }
  return value;
}

describe('canonicalJson', () => {
  it('gives the same text for the same value in any key order', () => {
    fc.assert(
      fc.property(jsonValue, fc.nat(10), (value, seed) => {
        expect(canonicalJson(shuffleKeys(value, seed))).toBe(canonicalJson(value));
      }),
    );
  });

  it('round-trips through JSON.parse to an equal value', () => {
    fc.assert(
      fc.property(jsonValue, (value) => {
        expect(JSON.parse(canonicalJson(value))).toEqual(value);
      }),
    );
  });

  it('sorts keys and leaves out undefined properties', () => {
    expect(canonicalJson({ b: 1, a: { d: [1, 'x'], c: null }, u: undefined })).toBe(
      '{"a":{"c":null,"d":[1,"x"]},"b":1}',
    );
  });

  it('refuses values with no JSON form, naming where they are', () => {
    expect(() => canonicalJson({ a: [1, Number.NaN] })).toThrow('$.a[1] is NaN');
    expect(() => canonicalJson({ f: () => 1 })).toThrow('$.f is a function');
  });
});

describe('canonicalHash', () => {
  it('gives different keys for different values', () => {
    fc.assert(
      fc.property(jsonValue, jsonValue, (left, right) => {
        fc.pre(canonicalJson(left) !== canonicalJson(right));
        expect(canonicalHash(left)).not.toBe(canonicalHash(right));
      }),
    );
  });

  it('gives the same key for the same value in any key order', () => {
    fc.assert(
      fc.property(jsonValue, fc.nat(10), (value, seed) => {
        expect(canonicalHash(shuffleKeys(value, seed))).toBe(canonicalHash(value));
      }),
    );
  });

  it('tells a string from the number it spells', () => {
    expect(canonicalHash({ a: '1' })).not.toBe(canonicalHash({ a: 1 }));
  });

  it('keeps its keys: the SHA-256 (base64url) of the canonical JSON, as stored caches hold them', () => {
    // Pinned: a key already in Redis must still be found after an upgrade.
    expect(canonicalHash({ b: [1, 'x'], a: null })).toBe('wiy3sDU3cOKzgJSvZBFD6_AI3fLR8t7bnYdZlvzyRfo');
    fc.assert(
      fc.property(jsonValue, (value) => {
        expect(canonicalHash(value)).toBe(
          createHash('sha256').update(canonicalJson(value)).digest('base64url'),
        );
      }),
    );
  });
});

describe('canonicalJson, values that are not plain data', () => {
  it('refuses a Map, a Set and class instances instead of writing {}', () => {
    expect(() => canonicalJson({ a: new Map([['k', 1]]) })).toThrow('$.a is a Map, not a plain object');
    expect(() => canonicalJson([new Set([1])])).toThrow('$[0] is a Set');
    expect(() => canonicalJson(new URL('http://x'))).toThrow('$ is a URL');
  });

  it('accepts objects without a prototype', () => {
    const bare = Object.assign(Object.create(null), { b: 1, a: 2 });
    expect(canonicalJson(bare)).toBe('{"a":2,"b":1}');
  });
});
