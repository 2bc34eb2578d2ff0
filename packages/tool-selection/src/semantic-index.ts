import { AbortedError, type Embedder, InvalidResponseError, invalidOption } from '@victor-ai/core';
import { EmbeddingCache } from './embedding-cache.js';
import { insertTopK, type SearchHits } from './lexical-index.js';

/**
 * What a text is embedded for, passed to `Embedder.embed` beside the signal: tool texts are `document`,
 * requests `query`. Embedders that keep vectors on disk keep documents only; others ignore it.
 */
export type EmbedInputType = 'query' | 'document';

/** The options `SemanticIndex` and `ToolSelector` pass to `Embedder.embed`. */
export interface EmbedCallOptions {
  abortSignal?: AbortSignal;
  inputType: EmbedInputType;
}

/** Options of `SemanticIndex.build`. */
export interface SemanticIndexOptions {
  /** Where vectors are looked up and stored; a private cache unless given. */
  cache?: EmbeddingCache;
  /** Most texts per `embed` call; 128 unless set. */
  batchSize?: number;
  abortSignal?: AbortSignal;
}

/** Scales a vector to unit length in place (a zero vector stays zero). */
export function normalize(vector: Float32Array): Float32Array {
  let sum = 0;
  for (let i = 0; i < vector.length; i++) sum += vector[i]! * vector[i]!;
  if (sum > 0) {
    const scale = 1 / Math.sqrt(sum);
    for (let i = 0; i < vector.length; i++) vector[i]! *= scale;
  }
  return vector;
}

function throwIfAborted(abortSignal: AbortSignal | undefined): void {
  if (abortSignal?.aborted) throw new AbortedError({ cause: abortSignal.reason });
}

/**
 * Unit vectors of every tool in one `Float32Array` (row i = document i), searched by cosine similarity.
 * Built through an `Embedder`: only texts missing from the cache are embedded, in batches.
 */
export class SemanticIndex {
  readonly documentCount: number;
  readonly dimensions: number;
  readonly #matrix: Float32Array;

  private constructor(matrix: Float32Array, documentCount: number, dimensions: number) {
    this.#matrix = matrix;
    this.documentCount = documentCount;
    this.dimensions = dimensions;
  }

  /** Embeds (or takes from the cache) every text and builds the index; document i is `texts[i]`. */
  static async build(
    texts: readonly string[],
    embedder: Embedder,
    options: SemanticIndexOptions = {},
  ): Promise<SemanticIndex> {
    const batchSize = options.batchSize ?? 128;
    if (!Number.isInteger(batchSize) || batchSize < 1) {
      throw invalidOption('batchSize', 'a positive integer', options.batchSize);
    }
    const cache = options.cache ?? new EmbeddingCache();
    const { abortSignal } = options;
    throwIfAborted(abortSignal);
    const embedOptions: EmbedCallOptions = abortSignal
      ? { abortSignal, inputType: 'document' }
      : { inputType: 'document' };
    const vectors: Array<Float32Array | undefined> = new Array(texts.length);
    const keys = texts.map((text) => EmbeddingCache.key(embedder.id, embedder.model, text));
    const missing: number[] = [];
    // Identical texts are embedded once.
    const firstByKey = new Map<string, number>();
    for (let i = 0; i < texts.length; i++) {
      const cached = cache.get(keys[i]!);
      if (cached !== undefined) vectors[i] = cached;
      else if (!firstByKey.has(keys[i]!)) {
        firstByKey.set(keys[i]!, i);
        missing.push(i);
      }
    }
    for (let start = 0; start < missing.length; start += batchSize) {
      const batch = missing.slice(start, start + batchSize);
      const embeddings = await embedder.embed(
        batch.map((i) => texts[i]!),
        embedOptions,
      );
      throwIfAborted(abortSignal);
      if (!Array.isArray(embeddings) || embeddings.length !== batch.length) {
        throw new InvalidResponseError({
          message: `embedder ${embedder.id} returned ${Array.isArray(embeddings) ? embeddings.length : 'no'} vectors for ${batch.length} inputs`,
        });
      }
      for (let j = 0; j < batch.length; j++) {
        const vector = normalize(Float32Array.from(embeddings[j]!));
        vectors[batch[j]!] = vector;
        cache.set(keys[batch[j]!]!, vector);
      }
    }
    for (let i = 0; i < texts.length; i++) {
      if (vectors[i] === undefined) vectors[i] = vectors[firstByKey.get(keys[i]!)!];
    }
    const dimensions = texts.length === 0 ? 0 : vectors[0]!.length;
    const matrix = new Float32Array(texts.length * dimensions);
    for (let i = 0; i < texts.length; i++) {
      const vector = vectors[i]!;
      if (vector.length !== dimensions) {
        throw new InvalidResponseError({
          message: `embedder ${embedder.id} returned vectors of ${vector.length} and ${dimensions} dimensions`,
        });
      }
      matrix.set(vector, i * dimensions);
    }
    return new SemanticIndex(matrix, texts.length, dimensions);
  }

  /** Bytes held by the vectors. */
  get memoryBytes(): number {
    return this.#matrix.byteLength;
  }

  /**
   * The `k` documents most similar to several unit query vectors, for a query that asks for several things
   * (its whole text first, then each request). `interleave` takes each list's next best document in turn,
   * so that every request gets places; `max` ranks each document by its best cosine over the vectors.
   */
  searchEach(
    queries: readonly Float32Array[],
    k: number,
    allowed?: Uint8Array,
    merge: 'interleave' | 'max' = 'interleave',
  ): SearchHits {
    if (queries.length === 1) return this.search(queries[0]!, k, allowed);
    const lists = queries.map((query) => this.search(query, k, allowed));
    const documents: number[] = [];
    const scores: number[] = [];
    if (merge === 'max') {
      const best = new Map<number, number>();
      for (const list of lists) {
        list.documents.forEach((document, rank) => {
          const score = list.scores[rank]!;
          const known = best.get(document);
          if (known === undefined || score > known) best.set(document, score);
        });
      }
      for (const [document, score] of best) insertTopK(documents, scores, document, score, k);
      return { documents, scores };
    }
    const seen = new Set<number>();
    for (let rank = 0; documents.length < k; rank++) {
      let any = false;
      for (const list of lists) {
        const document = list.documents[rank];
        if (document === undefined) continue;
        any = true;
        if (seen.has(document)) continue;
        seen.add(document);
        documents.push(document);
        scores.push(list.scores[rank]!);
        if (documents.length >= k) break;
      }
      if (!any) break;
    }
    return { documents, scores };
  }

  /**
   * The `k` documents most similar to a unit query vector (cosine), best first. `allowed` is a mask by
   * document index (1 = may be returned).
   */
  search(query: Float32Array, k: number, allowed?: Uint8Array): SearchHits {
    const documents: number[] = [];
    const scores: number[] = [];
    const dimensions = this.dimensions;
    if (query.length !== dimensions || k < 1) return { documents, scores };
    const matrix = this.#matrix;
    for (let document = 0; document < this.documentCount; document++) {
      if (allowed !== undefined && allowed[document] === 0) continue;
      const offset = document * dimensions;
      // Four accumulators: independent additions that the CPU can overlap.
      let dot0 = 0;
      let dot1 = 0;
      let dot2 = 0;
      let dot3 = 0;
      let i = 0;
      for (; i + 3 < dimensions; i += 4) {
        dot0 += matrix[offset + i]! * query[i]!;
        dot1 += matrix[offset + i + 1]! * query[i + 1]!;
        dot2 += matrix[offset + i + 2]! * query[i + 2]!;
        dot3 += matrix[offset + i + 3]! * query[i + 3]!;
      }
      for (; i < dimensions; i++) dot0 += matrix[offset + i]! * query[i]!;
      const dot = dot0 + dot1 + dot2 + dot3;
      insertTopK(documents, scores, document, dot, k);
    }
    return { documents, scores };
  }
}
