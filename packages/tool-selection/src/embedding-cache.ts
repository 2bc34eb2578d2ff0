import { createHash } from 'node:crypto';
import { invalidOption } from '@victor-ai/core';

/** Options of an `EmbeddingCache`. */
export interface EmbeddingCacheOptions {
  /** Most vectors kept; the least recently used go first. 100,000 unless set. */
  maxEntries?: number;
}

/** The SHA-256 (base64url) of a text, the part of an embedding's cache key that names the text. */
export function textHash(text: string): string {
  return createHash('sha256').update(text).digest('base64url');
}

/**
 * Vectors by (embedder id, model, text hash), so a tool is embedded once per model however often the
 * registry changes. Share one cache between selectors to share the work.
 */
export class EmbeddingCache {
  // A Map, not lru-cache: lru-cache allocates its slots for `max` (100,000 by default) when it is created,
  // which bench/embedding-cache.bench.mjs measures at 13 ms or more against ~0 for a Map in the same run.
  readonly #entries = new Map<string, Float32Array>();
  readonly #maxEntries: number;

  /** Creates an empty cache. */
  constructor(options: EmbeddingCacheOptions = {}) {
    const maxEntries = options.maxEntries ?? 100_000;
    if (!Number.isInteger(maxEntries) || maxEntries < 1) {
      throw invalidOption('maxEntries', 'a positive integer', options.maxEntries);
    }
    this.#maxEntries = maxEntries;
  }

  /** The cache key of a text for an embedder and model. */
  static key(embedderId: string, model: string, text: string): string {
    return `${embedderId}\u0000${model}\u0000${textHash(text)}`;
  }

  /** Number of vectors held. */
  get size(): number {
    return this.#entries.size;
  }

  /** The vector stored under `key`, if any (and marks it recently used). */
  get(key: string): Float32Array | undefined {
    const vector = this.#entries.get(key);
    if (vector !== undefined) {
      this.#entries.delete(key);
      this.#entries.set(key, vector);
    }
    return vector;
  }

  /** Stores a vector. */
  set(key: string, vector: Float32Array): void {
    this.#entries.delete(key);
    this.#entries.set(key, vector);
    if (this.#entries.size > this.#maxEntries) {
      const oldest = this.#entries.keys().next().value as string;
      this.#entries.delete(oldest);
    }
  }

  /** Drops every vector. */
  clear(): void {
    this.#entries.clear();
  }
}
