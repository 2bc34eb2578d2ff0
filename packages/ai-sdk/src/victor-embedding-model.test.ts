import { APICallError } from '@ai-sdk/provider';
import { createEmbedder } from '@victor-ai/provider-pool';
import { loopbackEmbedding } from '@victor-ai/provider-pool/testing';
import { embed, embedMany } from 'ai';
import { describe, expect, it } from 'vitest';
import { useLoopbackProvider } from './__fixtures__/loopback.js';
import { rejectionOf } from './__fixtures__/rejection.js';
import { createVictorEmbeddingModel } from './victor-embedding-model.js';

const loopback = useLoopbackProvider({ embeddingDimensions: 6 }, { embeddingBatchSize: 3 });

function close(actual: number[], expected: Float32Array): void {
  expect(actual).toHaveLength(expected.length);
  actual.forEach((value, index) => {
    expect(value).toBeCloseTo(expected[index]!, 5);
  });
}

describe('createVictorEmbeddingModel', () => {
  it('refuses a provider without embed, naming the option', () => {
    expect(() => createVictorEmbeddingModel({ provider: { id: 'x' } as never, model: 'e' })).toThrow(
      /provider must be a Victor Provider with embed\(\)/,
    );
  });

  it("embeds one value with the AI SDK's embed()", async () => {
    const { embedding } = await embed({
      model: createVictorEmbeddingModel({ provider: loopback.provider, model: 'embed-1' }),
      value: 'hello',
    });
    close(embedding, loopbackEmbedding('hello', 6));
    expect(loopback.server.requests[0]!.body.model).toBe('embed-1');
  });

  it("hands a whole embedMany to Victor, which splits it by the provider's batch size", async () => {
    const values = Array.from({ length: 7 }, (_, index) => `text ${index}`);
    const { embeddings } = await embedMany({
      model: createVictorEmbeddingModel({ provider: loopback.provider, model: 'embed-1' }),
      values,
    });
    embeddings.forEach((embedding, index) => {
      close(embedding, loopbackEmbedding(values[index]!, 6));
    });
    expect(loopback.server.requests.filter((request) => request.api === 'embeddings')).toHaveLength(3);
  });

  it('works over a core Embedder', async () => {
    const model = createVictorEmbeddingModel({
      embedder: createEmbedder(loopback.provider, { model: 'embed-2' }),
    });
    expect(model.modelId).toBe('embed-2');
    const { embedding } = await embed({ model, value: 'x' });
    close(embedding, loopbackEmbedding('x', 6));
  });

  it('maps a failure to an APICallError', async () => {
    loopback.server.enqueue({ kind: 'status', status: 500 });
    const error = await rejectionOf<APICallError>(
      embed({
        model: createVictorEmbeddingModel({ provider: loopback.provider, model: 'embed-1' }),
        value: 'x',
        maxRetries: 0,
      }),
    );
    expect(APICallError.isInstance(error)).toBe(true);
    expect(error.statusCode).toBe(500);
  });
});
