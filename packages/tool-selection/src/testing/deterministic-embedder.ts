import { AbortedError, type Embedder, invalidOption } from '@victor-ai/core';
import { tokenize } from '../tokenize.js';

/** Options of `createDeterministicEmbedder`. */
export interface DeterministicEmbedderOptions {
  /** Vector length; 256 unless set. */
  dimensions?: number;
  /** The embedder's `id`; `deterministic` unless set. */
  id?: string;
  /** The embedder's `model`; `hashed-bag-of-words` unless set. */
  model?: string;
}

/** A deterministic embedder that also records its calls, for tests. */
export interface DeterministicEmbedder extends Embedder {
  /** The inputs of every `embed` call, in order. */
  readonly calls: string[][];
  /** Makes the next `embed` call reject with this error. */
  failNext(error: Error): void;
}

function hash(text: string, seed: number): number {
  let h = seed ^ 0x811c9dc5;
  for (let i = 0; i < text.length; i++) {
    h ^= text.charCodeAt(i);
    h = Math.imul(h, 16777619);
  }
  return h >>> 0;
}

/**
 * An `Embedder` for tests and offline smoke checks: stemmed words and their character trigrams hashed into
 * a fixed-size vector (feature hashing). Same text, same vector; texts that share words are close. It
 * knows no meaning: no synonym is ever near another, so it says nothing about real semantic accuracy.
 */
export function createDeterministicEmbedder(
  options: DeterministicEmbedderOptions = {},
): DeterministicEmbedder {
  const dimensions = options.dimensions ?? 256;
  if (!Number.isInteger(dimensions) || dimensions < 2 || dimensions > 65_536) {
    throw invalidOption('dimensions', 'an integer from 2 to 65536', options.dimensions);
  }
  const calls: string[][] = [];
  let failure: Error | undefined;
  const embedOne = (text: string): Float32Array => {
    const vector = new Float32Array(dimensions);
    for (const term of tokenize(text)) {
      const h = hash(term, 1);
      vector[h % dimensions]! += h & 0x80000000 ? -1 : 1;
      const padded = `#${term}#`;
      for (let i = 0; i + 3 <= padded.length; i++) {
        const g = hash(padded.slice(i, i + 3), 2);
        vector[g % dimensions]! += g & 0x80000000 ? -0.5 : 0.5;
      }
    }
    return vector;
  };
  return {
    id: options.id ?? 'deterministic',
    model: options.model ?? 'hashed-bag-of-words',
    calls,
    failNext(error: Error) {
      failure = error;
    },
    async embed(inputs, embedOptions) {
      calls.push([...inputs]);
      if (embedOptions?.abortSignal?.aborted)
        throw new AbortedError({ cause: embedOptions.abortSignal.reason });
      if (failure !== undefined) {
        const error = failure;
        failure = undefined;
        throw error;
      }
      return inputs.map(embedOne);
    },
  };
}
