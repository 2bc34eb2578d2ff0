import { describe, expect, it } from 'vitest';
import { porterStem } from './porter-stemmer.js';

describe('porterStem', () => {
  // Pairs from Porter's paper and his published sample vocabulary.
  it.each([
    ['caresses', 'caress'],
    ['ponies', 'poni'],
    ['ties', 'ti'],
    ['cats', 'cat'],
    ['feed', 'feed'],
    ['agreed', 'agre'],
    ['plastered', 'plaster'],
    ['motoring', 'motor'],
    ['sing', 'sing'],
    ['conflated', 'conflat'],
    ['hopping', 'hop'],
    ['falling', 'fall'],
    ['filing', 'file'],
    ['happy', 'happi'],
    ['relational', 'relat'],
    ['conditional', 'condit'],
    ['generalization', 'gener'],
    ['hopeful', 'hope'],
    ['goodness', 'good'],
    ['electrical', 'electr'],
    ['adjustment', 'adjust'],
    ['adoption', 'adopt'],
    ['controlling', 'control'],
    ['rolled', 'roll'],
    ['connections', 'connect'],
    ['connected', 'connect'],
    ['calculate', 'calcul'],
    ['calculation', 'calcul'],
  ])('stems %s to %s', (word, expected) => {
    expect(porterStem(word)).toBe(expected);
  });

  it('leaves words of one or two letters alone', () => {
    expect(porterStem('is')).toBe('is');
    expect(porterStem('a')).toBe('a');
  });
});
