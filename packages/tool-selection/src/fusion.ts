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
 * Needs no score calibration between lists, which is why it is the default.
 */
export function reciprocalRankFusion(
  lexical: SearchHits,
  semantic: SearchHits,
  k: number,
  rrfK = 60,
): FusedHit[] {
  const byDocument = new Map<number, FusedHit>();
  lexical.documents.forEach((document, rank) => {
    byDocument.set(document, { document, score: 1 / (rrfK + rank + 1), lexicalRank: rank, semanticRank: -1 });
  });
  semantic.documents.forEach((document, rank) => {
    const contribution = 1 / (rrfK + rank + 1);
    const hit = byDocument.get(document);
    if (hit === undefined)
      byDocument.set(document, { document, score: contribution, lexicalRank: -1, semanticRank: rank });
    else {
      hit.score += contribution;
      hit.semanticRank = rank;
    }
  });
  return topFused(byDocument, k);
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
  const byDocument = new Map<number, FusedHit>();
  const scale = lexicalMaxScore > 0 ? lexicalWeight / lexicalMaxScore : 0;
  lexical.documents.forEach((document, rank) => {
    byDocument.set(document, {
      document,
      score: lexical.scores[rank]! * scale,
      lexicalRank: rank,
      semanticRank: -1,
    });
  });
  semantic.documents.forEach((document, rank) => {
    const contribution = (1 - lexicalWeight) * Math.max(0, semantic.scores[rank]!);
    const hit = byDocument.get(document);
    if (hit === undefined)
      byDocument.set(document, { document, score: contribution, lexicalRank: -1, semanticRank: rank });
    else {
      hit.score += contribution;
      hit.semanticRank = rank;
    }
  });
  return topFused(byDocument, k);
}

function topFused(byDocument: Map<number, FusedHit>, k: number): FusedHit[] {
  const hits = [...byDocument.values()];
  hits.sort((a, b) => b.score - a.score || a.document - b.document);
  if (hits.length > k) hits.length = k;
  return hits;
}
