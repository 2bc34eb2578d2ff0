import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { HttpError } from './http-error.js';
import { locateJsonSyntaxError } from './json-syntax-error.js';
import { jsonNestingDepth, parseJson } from './parse-json.js';

describe('parseJson', () => {
  it('parses JSON within the depth limit', () => {
    expect(parseJson('{"a":[1,{"b":null}]}', { maxDepth: 3 })).toEqual({ a: [1, { b: null }] });
  });

  it('refuses nesting over maxDepth with a 400 json_too_deep naming the limit and the param', () => {
    const error = (() => {
      try {
        parseJson('[[[1]]]', { maxDepth: 2, what: 'arguments', param: 'tools[0]' });
      } catch (caught) {
        return caught;
      }
      return undefined;
    })();
    expect(HttpError.isHttpError(error)).toBe(true);
    const httpError = error as HttpError;
    expect(httpError.status).toBe(400);
    expect(httpError.reason).toBe('json_too_deep');
    expect(httpError.param).toBe('tools[0]');
    expect(httpError.message).toBe(
      'arguments nests arrays and objects deeper than the limit of 2 levels (maxJsonDepth)',
    );
  });

  it('says the line and column where malformed JSON breaks', () => {
    expect(() => parseJson('{\n  "a": 1,\n  "b" 2\n}')).toThrow(
      "the request body is not valid JSON: expected ':' at line 3, column 7 (offset 18)",
    );
    expect(() => parseJson('')).toThrow('expected a value at line 1, column 1');
    expect(() => parseJson('[1,]')).toThrow('expected a value at line 1, column 4');
    expect(() => parseJson('{"a":1} x')).toThrow('expected the end of the text');
  });
});

describe('jsonNestingDepth', () => {
  it('counts containers, not brackets inside strings', () => {
    expect(jsonNestingDepth('{"a":"[[[{{{\\"["}')).toBe(1);
    expect(jsonNestingDepth('[[],[[]]]')).toBe(3);
    expect(jsonNestingDepth('1')).toBe(0);
  });

  it('equals the depth of any JSON value', () => {
    const depthOf = (value: unknown): number =>
      typeof value === 'object' && value !== null ? 1 + Math.max(0, ...Object.values(value).map(depthOf)) : 0;
    fc.assert(
      fc.property(fc.jsonValue(), (value) => {
        expect(jsonNestingDepth(JSON.stringify(value))).toBe(depthOf(value));
      }),
    );
  });
});

describe('locateJsonSyntaxError', () => {
  it('finds no error in valid JSON', () => {
    fc.assert(
      fc.property(fc.jsonValue(), (value) => {
        expect(locateJsonSyntaxError(JSON.stringify(value, null, 1))).toBeUndefined();
      }),
    );
  });

  it('finds an error exactly when JSON.parse fails', () => {
    fc.assert(
      fc.property(fc.string({ unit: fc.constantFrom(...'{}[],:"\\ 01-.etruanlfx'.split('')) }), (text) => {
        let valid = true;
        try {
          JSON.parse(text);
        } catch {
          valid = false;
        }
        expect(locateJsonSyntaxError(text) === undefined).toBe(valid);
      }),
      { numRuns: 2_000 },
    );
  });

  it('handles any depth without recursion', () => {
    expect(locateJsonSyntaxError(`${'['.repeat(100_000)}${']'.repeat(100_000)}`)).toBeUndefined();
    expect(locateJsonSyntaxError(`${'['.repeat(100_000)}`)?.expected).toBe('a value');
    expect(locateJsonSyntaxError(`${'['.repeat(100_000)}1`)?.expected).toBe("',' or ']'");
  });
});

describe('jsonNestingDepth on strings', () => {
  // The character-by-character count the fast scan must agree with.
  const reference = (text: string): number => {
    let depth = 0;
    let deepest = 0;
    let inString = false;
    for (let index = 0; index < text.length; index++) {
      const code = text.charCodeAt(index);
      if (inString) {
        if (code === 92) index++;
        else if (code === 34) inString = false;
      } else if (code === 34) inString = true;
      else if (code === 123 || code === 91) deepest = Math.max(deepest, ++depth);
      else if (code === 125 || code === 93) depth--;
    }
    return deepest;
  };

  it('skips escaped quotes and backslashes inside strings', () => {
    expect(jsonNestingDepth('{"a":"\\\\"}')).toBe(1);
    expect(jsonNestingDepth('{"a":"\\\\\\"[[["}')).toBe(1);
    expect(jsonNestingDepth('[{"a":"x\\\\"},[["]]]"]]]')).toBe(3);
    expect(jsonNestingDepth('["unterminated [[[')).toBe(1);
  });

  it('agrees with a character-by-character count on 2,000 generated texts', () => {
    let seed = 7;
    const next = () => {
      seed = (seed * 1_103_515_245 + 12_345) % 2 ** 31;
      return seed / 2 ** 31;
    };
    const alphabet = ['[', ']', '{', '}', '"', '\\', 'a', ',', ':', ' '];
    for (let text = 0; text < 2_000; text++) {
      let value = '';
      const length = Math.floor(next() * 40);
      for (let index = 0; index < length; index++) value += alphabet[Math.floor(next() * alphabet.length)];
      expect(jsonNestingDepth(value), JSON.stringify(value)).toBe(reference(value));
    }
  });
});
