import { describe, expect, it } from 'vitest';
import { reciprocalRankFusion, weightedFusion } from './fusion.js';

const lexical = { documents: [1, 2, 3], scores: [9, 6, 3] };
const semantic = { documents: [3, 4, 1], scores: [0.9, 0.8, 0.1] };

describe('reciprocalRankFusion', () => {
  it('favours documents ranked well by both lists and records both ranks', () => {
    const fused = reciprocalRankFusion(lexical, semantic, 10, 60);
    expect(fused.map((hit) => hit.document)).toEqual([1, 3, 2, 4]);
    expect(fused[0]).toEqual({ document: 1, score: 1 / 61 + 1 / 63, lexicalRank: 0, semanticRank: 2 });
    expect(fused[2]).toMatchObject({ lexicalRank: 1, semanticRank: -1 });
  });

  it('uses k 10 unless given', () => {
    expect(reciprocalRankFusion(lexical, semantic, 10)[0]!.score).toBeCloseTo(1 / 11 + 1 / 13, 12);
  });

  it('returns at most k', () => {
    expect(reciprocalRankFusion(lexical, semantic, 2)).toHaveLength(2);
  });
});

describe('weightedFusion', () => {
  it('mixes normalised BM25 and cosine by lexicalWeight', () => {
    const fused = weightedFusion(lexical, 10, semantic, 10, 0.5);
    expect(fused[0]!.document).toBe(3);
    expect(fused[0]!.score).toBeCloseTo(0.5 * 0.3 + 0.5 * 0.9);
    const lexicalOnly = weightedFusion(lexical, 10, semantic, 10, 1);
    expect(lexicalOnly.slice(0, 3).map((hit) => hit.document)).toEqual([1, 2, 3]);
  });
});
