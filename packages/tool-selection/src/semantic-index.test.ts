import { AbortedError, InvalidConfigError, InvalidResponseError } from '@victor-ai/core';
import { describe, expect, it } from 'vitest';
import { EmbeddingCache } from './embedding-cache.js';
import { normalize, SemanticIndex } from './semantic-index.js';
import { createDeterministicEmbedder } from './testing/deterministic-embedder.js';

const texts = [
  'weather forecast for a city',
  'read a file from disk',
  'send an email message',
  'weather radar map',
];

describe('SemanticIndex', () => {
  describe('build', () => {
    it('embeds in batches of batchSize', async () => {
      const embedder = createDeterministicEmbedder();
      await SemanticIndex.build(texts, embedder, { batchSize: 3 });
      expect(embedder.calls.map((call) => call.length)).toEqual([3, 1]);
    });

    it('embeds nothing again for texts already in the cache', async () => {
      const embedder = createDeterministicEmbedder();
      const cache = new EmbeddingCache();
      await SemanticIndex.build(texts, embedder, { cache });
      await SemanticIndex.build([...texts, 'new text'], embedder, { cache });
      expect(embedder.calls).toEqual([texts, ['new text']]);
    });

    it('keeps vectors of different models apart in one cache', async () => {
      const cache = new EmbeddingCache();
      const first = createDeterministicEmbedder({ model: 'a' });
      const second = createDeterministicEmbedder({ model: 'b' });
      await SemanticIndex.build(texts, first, { cache });
      await SemanticIndex.build(texts, second, { cache });
      expect(second.calls).toEqual([texts]);
      expect(cache.size).toBe(8);
    });

    it('embeds a text that appears twice once', async () => {
      const embedder = createDeterministicEmbedder();
      const index = await SemanticIndex.build(['same', 'same'], embedder);
      expect(embedder.calls).toEqual([['same']]);
      expect(index.documentCount).toBe(2);
    });

    it('marks tool texts as documents for the embedder', async () => {
      const seen: unknown[] = [];
      const inner = createDeterministicEmbedder();
      const embedder = {
        id: inner.id,
        model: inner.model,
        embed: (inputs: readonly string[], options?: { abortSignal?: AbortSignal }) => {
          seen.push(options);
          return inner.embed(inputs, options);
        },
      };
      await SemanticIndex.build(texts, embedder);
      expect(seen).toEqual([{ inputType: 'document' }]);
    });

    it('rejects an embedder that returns the wrong number of vectors', async () => {
      const embedder = { id: 'broken', model: 'm', embed: async () => [new Float32Array(2)] };
      await expect(SemanticIndex.build(['a', 'b'], embedder)).rejects.toThrow(InvalidResponseError);
    });

    it('rejects vectors of different lengths', async () => {
      let call = 0;
      const embedder = {
        id: 'ragged',
        model: 'm',
        embed: async (inputs: readonly string[]) => inputs.map(() => new Float32Array(++call + 1).fill(1)),
      };
      await expect(SemanticIndex.build(['a', 'b'], embedder)).rejects.toThrow(/dimensions/);
    });

    it('rejects with AbortedError when the signal is aborted', async () => {
      const controller = new AbortController();
      controller.abort();
      await expect(
        SemanticIndex.build(texts, createDeterministicEmbedder(), { abortSignal: controller.signal }),
      ).rejects.toThrow(AbortedError);
    });

    it('rejects a bad batchSize naming the option', async () => {
      await expect(
        SemanticIndex.build(texts, createDeterministicEmbedder(), { batchSize: 0 }),
      ).rejects.toThrow(InvalidConfigError);
    });
  });

  describe('search', () => {
    it('ranks by cosine similarity and honours the mask', async () => {
      const embedder = createDeterministicEmbedder();
      const index = await SemanticIndex.build(texts, embedder);
      const [query] = await embedder.embed(['weather']);
      const hits = index.search(normalize(query!), 2);
      expect(hits.documents.sort()).toEqual([0, 3]);
      const allowed = new Uint8Array([0, 1, 1, 1]);
      expect(index.search(normalize(query!), 1, allowed).documents).toEqual([3]);
      expect(hits.scores[0]).toBeLessThanOrEqual(1);
    });

    it('searchEach interleaves the lists of several query vectors, each document once', () => {
      const unit = (x: number, y: number) => normalize(Float32Array.from([x, y]));
      return SemanticIndex.build(['a', 'b', 'c', 'd'], {
        id: 'fixed',
        model: 'm',
        embed: async () => [unit(1, 0), unit(0.9, 0.1), unit(0, 1), unit(0.1, 0.9)],
      }).then((index) => {
        const queries = [unit(1, 0), unit(0, 1)];
        // One vector alone ranks a, b first; taking from each list in turn gives each request a place.
        expect(index.search(queries[0]!, 2).documents).toEqual([0, 1]);
        expect(index.searchEach(queries, 2).documents).toEqual([0, 2]);
        expect(index.searchEach(queries, 4).documents).toEqual([0, 2, 1, 3]);
        expect(index.searchEach(queries, 2, undefined, 'max').documents).toEqual([0, 2]);
        expect(index.searchEach([queries[0]!], 2).documents).toEqual([0, 1]);
        expect(index.searchEach(queries, 2, new Uint8Array([0, 1, 1, 1])).documents).toEqual([1, 2]);
      });
    });

    it('returns nothing for a query vector of the wrong length', async () => {
      const index = await SemanticIndex.build(texts, createDeterministicEmbedder({ dimensions: 8 }));
      expect(index.search(new Float32Array(4), 3).documents).toEqual([]);
      expect(index.memoryBytes).toBe(4 * 8 * 4);
    });
  });
});

describe('normalize', () => {
  it('scales to unit length and leaves zero vectors alone', () => {
    expect([...normalize(new Float32Array([3, 4]))]).toEqual([0.6000000238418579, 0.800000011920929]);
    expect([...normalize(new Float32Array([0, 0]))]).toEqual([0, 0]);
  });
});

describe('EmbeddingCache', () => {
  it('drops the least recently used vector past maxEntries', () => {
    const cache = new EmbeddingCache({ maxEntries: 2 });
    cache.set('a', new Float32Array(1));
    cache.set('b', new Float32Array(1));
    cache.get('a');
    cache.set('c', new Float32Array(1));
    expect(cache.get('b')).toBeUndefined();
    expect(cache.get('a')).toBeDefined();
    expect(() => new EmbeddingCache({ maxEntries: 0 })).toThrow(
      /maxEntries must be a positive integer, got 0/,
    );
  });

  it('keys by embedder id, model and text', () => {
    const key = EmbeddingCache.key('e', 'm', 'text');
    expect(key).toBe(EmbeddingCache.key('e', 'm', 'text'));
    expect(key).not.toBe(EmbeddingCache.key('e', 'm2', 'text'));
    expect(key).not.toBe(EmbeddingCache.key('e2', 'm', 'text'));
    expect(key).not.toBe(EmbeddingCache.key('e', 'm', 'text2'));
  });
});
