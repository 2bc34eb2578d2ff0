import type { SearchHits } from './lexical-index.js';

/** One fused candidate: its rank in each list (0-based, -1 when absent) and its fused score. */
export interface FusedHit {
  document: number;
  score: number;
  lexicalRank: number;
  semanticRank: number;
}

/**
 * Reciprocal rank fusion (Cormack et al., 2009): score = sum over lists of 1 / (rrfK + rank), rank from 1.
 * Needs no score calibration between lists. `rrfK` is 10 unless given (the paper's 60 spreads the weight
 * over more places; 10 measured better with a real sentence encoder).
 */
export function reciprocalRankFusion(
  lexical: SearchHits,
  semantic: SearchHits,
  k: number,
  rrfK = 10,
): FusedHit[] {
  const byRank = (rank: number) => 1 / (rrfK + rank + 1);
  return fuse(lexical, semantic, byRank, byRank, k);
}

/**
 * Weighted sum of normalised scores: `lexicalWeight * bm25 / maxBm25 + (1 - lexicalWeight) * cosine`,
 * where `maxBm25` is the best score the query could reach. Documents missing from a list score 0 there.
 */
export function weightedFusion(
  lexical: SearchHits,
  lexicalMaxScore: number,
  semantic: SearchHits,
  k: number,
  lexicalWeight = 0.5,
): FusedHit[] {
  const scale = lexicalMaxScore > 0 ? lexicalWeight / lexicalMaxScore : 0;
  return fuse(
    lexical,
    semantic,
    (rank) => lexical.scores[rank]! * scale,
    (rank) => (1 - lexicalWeight) * Math.max(0, semantic.scores[rank]!),
    k,
  );
}

/** Adds each document's contribution from both lists (by rank) and keeps the `k` best. */
function fuse(
  lexical: SearchHits,
  semantic: SearchHits,
  lexicalScore: (rank: number) => number,
  semanticScore: (rank: number) => number,
  k: number,
): FusedHit[] {
  const byDocument = new Map<number, FusedHit>();
  lexical.documents.forEach((document, rank) => {
    byDocument.set(document, { document, score: lexicalScore(rank), lexicalRank: rank, semanticRank: -1 });
  });
  semantic.documents.forEach((document, rank) => {
    const contribution = semanticScore(rank);
    const hit = byDocument.get(document);
    if (hit === undefined)
      byDocument.set(document, { document, score: contribution, lexicalRank: -1, semanticRank: rank });
    else {
      hit.score += contribution;
      hit.semanticRank = rank;
    }
  });
  const hits = [...byDocument.values()];
  hits.sort((a, b) => b.score - a.score || a.document - b.document);
  if (hits.length > k) hits.length = k;
  return hits;
}
