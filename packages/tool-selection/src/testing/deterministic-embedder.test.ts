import { AbortedError } from '@victor-ai/core';
import { describe, expect, it } from 'vitest';
import { cosineSimilarity } from './cosine.js';
import { createDeterministicEmbedder } from './deterministic-embedder.js';

describe('createDeterministicEmbedder', () => {
  it('gives the same vector for the same text and closer vectors for shared words', async () => {
    const embedder = createDeterministicEmbedder({ dimensions: 128 });
    const [a, b, c, d] = await embedder.embed([
      'weather in Paris',
      'weather in Paris',
      'Paris weather today',
      'git',
    ]);
    expect([...a!]).toEqual([...b!]);
    expect(a).toHaveLength(128);
    expect(cosineSimilarity(a!, c!)).toBeGreaterThan(cosineSimilarity(a!, d!));
  });

  it('records calls, fails once on request, and honours abort', async () => {
    const embedder = createDeterministicEmbedder();
    embedder.failNext(new Error('boom'));
    await expect(embedder.embed(['x'])).rejects.toThrow('boom');
    await expect(embedder.embed(['x'])).resolves.toHaveLength(1);
    const controller = new AbortController();
    controller.abort();
    await expect(embedder.embed(['x'], { abortSignal: controller.signal })).rejects.toThrow(AbortedError);
    expect(embedder.calls).toEqual([['x'], ['x'], ['x']]);
  });

  it('rejects bad dimensions', () => {
    expect(() => createDeterministicEmbedder({ dimensions: 1 })).toThrow(/dimensions must be an integer/);
  });
});
