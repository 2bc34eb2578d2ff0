import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { splitWords, tokenize } from './tokenize.js';

describe('splitWords', () => {
  it.each([
    ['getWeatherForecast', ['get', 'weather', 'forecast']],
    ['get_weather.v2', ['get', 'weather', 'v', '2']],
    ['HTTPServer2', ['http', 'server', '2']],
    ['Alarm_1_AddAlarm', ['alarm', '1', 'add', 'alarm']],
    ['kebab-case name', ['kebab', 'case', 'name']],
    ['', []],
    ['listURLs and IDs', ['list', 'urls', 'and', 'ids']],
    ['Qual a temperatura em Divinópolis', ['qual', 'a', 'temperatura', 'em', 'divinópolis']],
    ['getÜberCity', ['get', 'über', 'city']],
  ])('splits %j', (text, expected) => {
    expect(splitWords(text)).toEqual(expected);
  });
});

describe('tokenize', () => {
  it('drops stop words, single letters and numbers, and stems the rest', () => {
    expect(tokenize('What is the weather in Paris for 3 days?')).toEqual(['weather', 'pari', 'dai']);
  });

  it('gives the same terms for an identifier and its words', () => {
    expect(tokenize('calculateTriangleArea')).toEqual(tokenize('calculate triangle area'));
  });

  it('returns only lower-case terms of two or more characters, never a stop word', () => {
    fc.assert(
      fc.property(fc.string({ maxLength: 60 }), (text) => {
        for (const term of tokenize(text)) {
          expect(term.length).toBeGreaterThanOrEqual(2);
          expect(term).toBe(term.toLowerCase());
          expect(['the', 'and', 'of']).not.toContain(term);
        }
      }),
    );
  });
});
