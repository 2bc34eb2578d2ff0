import { invalidOption } from '@victor-ai/core';
import { tokenize } from './tokenize.js';
import type { ToolText } from './tool-text.js';

/** The fields a tool is indexed under, in the order of `ToolText`. */
export const LEXICAL_FIELDS = [
  'name',
  'description',
  'parameterNames',
  'parameterDescriptions',
  'labels',
] as const;

/** One of the indexed fields. */
export type LexicalField = (typeof LEXICAL_FIELDS)[number];

/** BM25F parameters. */
export interface Bm25Options {
  /** Term-frequency saturation; 1.2 unless set. */
  k1?: number;
  /** Weight of each field's term frequency; see `DEFAULT_FIELD_WEIGHTS`. */
  fieldWeights?: Partial<Record<LexicalField, number>>;
  /** Length normalisation per field, 0 (none) to 1 (full); 0.75 for every field unless set. */
  fieldB?: Partial<Record<LexicalField, number>>;
}

/** Field weights used unless overridden: names and descriptions count most. */
export const DEFAULT_FIELD_WEIGHTS: Readonly<Record<LexicalField, number>> = Object.freeze({
  name: 3,
  description: 2,
  parameterNames: 1,
  parameterDescriptions: 0.5,
  labels: 1,
});

/** A weighted query: term ids with the weight of each. */
export interface LexicalQuery {
  readonly termIds: Uint32Array;
  readonly weights: Float32Array;
  /** The highest score any document could reach; scores divided by it lie in [0, 1). */
  readonly maxScore: number;
}

/** Ranked documents: indexes into the document array the index was built from, best first. */
export interface SearchHits {
  readonly documents: number[];
  readonly scores: number[];
}

function checkNumber(option: string, value: number | undefined, min: number, max: number): void {
  if (value !== undefined && !(typeof value === 'number' && value >= min && value <= max)) {
    throw invalidOption(option, `a number from ${min} to ${max}`, value);
  }
}

/**
 * A BM25F inverted index over tools, built once. Postings are stored as compressed-sparse-row typed arrays
 * (term -> document ids and precomputed impact scores), so a query is a few array scans with no allocation
 * beyond the result.
 */
export class LexicalIndex {
  readonly documentCount: number;
  readonly #terms: Map<string, number>;
  readonly #idf: Float32Array;
  readonly #offsets: Uint32Array;
  readonly #postingDocuments: Uint32Array;
  readonly #postingImpacts: Float32Array;
  readonly #k1: number;
  // Scratch space reused by every search (JavaScript runs one search at a time).
  readonly #accumulator: Float32Array;
  readonly #touched: Uint32Array;

  private constructor(
    documentCount: number,
    terms: Map<string, number>,
    idf: Float32Array,
    offsets: Uint32Array,
    postingDocuments: Uint32Array,
    postingImpacts: Float32Array,
    k1: number,
  ) {
    this.documentCount = documentCount;
    this.#terms = terms;
    this.#idf = idf;
    this.#offsets = offsets;
    this.#postingDocuments = postingDocuments;
    this.#postingImpacts = postingImpacts;
    this.#k1 = k1;
    this.#accumulator = new Float32Array(documentCount);
    this.#touched = new Uint32Array(documentCount);
  }

  /** Builds the index over tool texts (document i is `texts[i]`). */
  static build(texts: readonly ToolText[], options: Bm25Options = {}): LexicalIndex {
    const k1 = options.k1 ?? 1.2;
    checkNumber('k1', options.k1, 0, 10);
    const weights = LEXICAL_FIELDS.map((field) => {
      const weight = options.fieldWeights?.[field];
      checkNumber(`fieldWeights.${field}`, weight, 0, 100);
      return weight ?? DEFAULT_FIELD_WEIGHTS[field];
    });
    const bs = LEXICAL_FIELDS.map((field) => {
      const b = options.fieldB?.[field];
      checkNumber(`fieldB.${field}`, b, 0, 1);
      return b ?? 0.75;
    });
    const fieldCount = LEXICAL_FIELDS.length;
    const documentCount = texts.length;

    const terms = new Map<string, number>();
    const documentFrequency: number[] = [];
    // Per document: term id -> term frequency per field, flattened as [termId, field, count, ...].
    const documentTermFrequencies: Array<Map<number, Float64Array>> = new Array(documentCount);
    const fieldLengths = new Float64Array(documentCount * fieldCount);
    const totalFieldLength = new Float64Array(fieldCount);

    for (let document = 0; document < documentCount; document++) {
      const text = texts[document]!;
      const frequencies = new Map<number, Float64Array>();
      for (let field = 0; field < fieldCount; field++) {
        const tokens = tokenize(text[LEXICAL_FIELDS[field]!]);
        fieldLengths[document * fieldCount + field] = tokens.length;
        totalFieldLength[field]! += tokens.length;
        for (const token of tokens) {
          let termId = terms.get(token);
          if (termId === undefined) {
            termId = terms.size;
            terms.set(token, termId);
            documentFrequency.push(0);
          }
          let perField = frequencies.get(termId);
          if (perField === undefined) {
            perField = new Float64Array(fieldCount);
            frequencies.set(termId, perField);
            documentFrequency[termId]!++;
          }
          perField[field]!++;
        }
      }
      documentTermFrequencies[document] = frequencies;
    }

    const termCount = terms.size;
    const idf = new Float32Array(termCount);
    for (let termId = 0; termId < termCount; termId++) {
      const df = documentFrequency[termId]!;
      idf[termId] = Math.log(1 + (documentCount - df + 0.5) / (df + 0.5));
    }
    const offsets = new Uint32Array(termCount + 1);
    for (let termId = 0; termId < termCount; termId++)
      offsets[termId + 1] = offsets[termId]! + documentFrequency[termId]!;
    const postingCount = offsets[termCount]!;
    const postingDocuments = new Uint32Array(postingCount);
    const postingImpacts = new Float32Array(postingCount);
    const cursor = offsets.slice(0, termCount);
    const averageFieldLength = Array.from(totalFieldLength, (total) =>
      documentCount > 0 ? total / documentCount : 0,
    );

    for (let document = 0; document < documentCount; document++) {
      for (const [termId, perField] of documentTermFrequencies[document]!) {
        let pseudoFrequency = 0;
        for (let field = 0; field < fieldCount; field++) {
          const frequency = perField[field]!;
          if (frequency === 0) continue;
          const average = averageFieldLength[field]! || 1;
          const normaliser =
            1 - bs[field]! + (bs[field]! * fieldLengths[document * fieldCount + field]!) / average;
          pseudoFrequency += (weights[field]! * frequency) / normaliser;
        }
        const slot = cursor[termId]!++;
        postingDocuments[slot] = document;
        postingImpacts[slot] = (idf[termId]! * pseudoFrequency * (k1 + 1)) / (k1 + pseudoFrequency);
      }
    }
    return new LexicalIndex(documentCount, terms, idf, offsets, postingDocuments, postingImpacts, k1);
  }

  /** Number of distinct terms. */
  get termCount(): number {
    return this.#terms.size;
  }

  /** Approximate bytes held by the postings, dictionary and scratch arrays. */
  get memoryBytes(): number {
    let dictionary = 0;
    // A Map entry costs roughly 40 bytes plus the key string (2 bytes per char, ~16 bytes header).
    for (const term of this.#terms.keys()) dictionary += 56 + term.length * 2;
    return (
      dictionary +
      this.#idf.byteLength +
      this.#offsets.byteLength +
      this.#postingDocuments.byteLength +
      this.#postingImpacts.byteLength +
      this.#accumulator.byteLength +
      this.#touched.byteLength
    );
  }

  /**
   * Turns query text into weighted terms known to the index. `context` (recent conversation) adds its
   * terms at `contextWeight` each.
   */
  prepare(query: string, context?: string, contextWeight = 0.3): LexicalQuery {
    const weightsById = new Map<number, number>();
    for (const token of tokenize(query)) {
      const termId = this.#terms.get(token);
      if (termId !== undefined) weightsById.set(termId, (weightsById.get(termId) ?? 0) + 1);
    }
    if (context !== undefined && context !== '' && contextWeight > 0) {
      for (const token of tokenize(context)) {
        const termId = this.#terms.get(token);
        if (termId !== undefined) weightsById.set(termId, (weightsById.get(termId) ?? 0) + contextWeight);
      }
    }
    const termIds = new Uint32Array(weightsById.size);
    const weights = new Float32Array(weightsById.size);
    let maxScore = 0;
    let index = 0;
    for (const [termId, weight] of weightsById) {
      termIds[index] = termId;
      weights[index] = weight;
      maxScore += weight * this.#idf[termId]! * (this.#k1 + 1);
      index++;
    }
    return { termIds, weights, maxScore };
  }

  /**
   * The `k` best documents for a prepared query. `allowed`, when given, is a mask by document index (1 =
   * may be returned). Documents with no query term are never returned.
   */
  search(query: LexicalQuery, k: number, allowed?: Uint8Array): SearchHits {
    const accumulator = this.#accumulator;
    const touched = this.#touched;
    const offsets = this.#offsets;
    const postingDocuments = this.#postingDocuments;
    const postingImpacts = this.#postingImpacts;
    let touchedCount = 0;
    const { termIds, weights } = query;
    for (let q = 0; q < termIds.length; q++) {
      const termId = termIds[q]!;
      const weight = weights[q]!;
      const end = offsets[termId + 1]!;
      for (let posting = offsets[termId]!; posting < end; posting++) {
        const document = postingDocuments[posting]!;
        if (accumulator[document] === 0) touched[touchedCount++] = document;
        accumulator[document]! += weight * postingImpacts[posting]!;
      }
    }
    const documents: number[] = [];
    const scores: number[] = [];
    for (let t = 0; t < touchedCount; t++) {
      const document = touched[t]!;
      const score = accumulator[document]!;
      accumulator[document] = 0;
      if (allowed !== undefined && allowed[document] === 0) continue;
      insertTopK(documents, scores, document, score, k);
    }
    return { documents, scores };
  }
}

/** Keeps the `k` best (score desc, then document asc) in two parallel sorted arrays. */
export function insertTopK(
  documents: number[],
  scores: number[],
  document: number,
  score: number,
  k: number,
): void {
  let position = scores.length;
  if (position === k) {
    const last = scores[k - 1]!;
    if (score < last || (score === last && document > documents[k - 1]!)) return;
  }
  while (
    position > 0 &&
    (scores[position - 1]! < score || (scores[position - 1] === score && documents[position - 1]! > document))
  ) {
    position--;
  }
  if (scores.length === k) {
    documents.pop();
    scores.pop();
  }
  documents.splice(position, 0, document);
  scores.splice(position, 0, score);
}
