import { describe, expect, it } from 'vitest';
import { useLoopbackProvider } from '../__fixtures__/loopback-provider.js';
import { createEmbedder } from '../embedder.js';
import { loopbackEmbedding } from '../testing/loopback-server.js';
import { decodeEmbeddings } from './embeddings.js';
import { createOpenAICompatibleProvider } from './provider.js';

const loopback = useLoopbackProvider(
  (baseURL) => createOpenAICompatibleProvider({ baseURL, embeddingModel: 'embed-1', embeddingBatchSize: 3 }),
  { embeddingDimensions: 16 },
);

describe('OpenAICompatibleProvider.embed', () => {
  it('returns one Float32Array per input, in order, split into batches of embeddingBatchSize', async () => {
    const inputs = ['a', 'b', 'c', 'd', 'e', 'f', 'g'];
    const before = loopback.server.requestCount;
    const { embeddings, usage } = await loopback.provider.embed({ inputs });
    expect(loopback.server.requestCount - before).toBe(3);
    const batches = loopback.server.requests.slice(-3).map((request) => request.body.input);
    expect(batches.map((batch) => (batch as string[]).length).sort()).toEqual([1, 3, 3]);
    expect(embeddings).toHaveLength(7);
    embeddings.forEach((vector, index) => {
      expect(vector).toBeInstanceOf(Float32Array);
      expect(vector).toEqual(loopbackEmbedding(inputs[index]!, 16));
    });
    expect(usage?.inputTokens).toBe(7);
  });

  it('decodes base64 vectors to the same values', async () => {
    const base64 = createOpenAICompatibleProvider({
      baseURL: loopback.server.baseURL,
      embeddingEncoding: 'base64',
    });
    const { embeddings } = await base64.embed({ model: 'embed-1', inputs: ['hello'] });
    expect(loopback.server.requests.at(-1)!.body.encoding_format).toBe('base64');
    expect(embeddings[0]).toEqual(loopbackEmbedding('hello', 16));
    await base64.close();
  });

  it('fails the whole call with the failing batch error', async () => {
    loopback.server.enqueue({ kind: 'status', status: 400, body: { error: { message: 'too long' } } });
    await expect(loopback.provider.embed({ inputs: ['a', 'b', 'c', 'd'] })).rejects.toMatchObject({
      code: 'HTTP_STATUS',
      status: 400,
    });
  });

  it('needs a model from the request or the options', async () => {
    const bare = createOpenAICompatibleProvider({ baseURL: loopback.server.baseURL });
    await expect(bare.embed({ inputs: ['a'] })).rejects.toMatchObject({ code: 'INVALID_CONFIG' });
    await bare.close();
  });

  it('returns nothing for no inputs without a request', async () => {
    const before = loopback.server.requestCount;
    await expect(loopback.provider.embed({ inputs: [] })).resolves.toEqual({
      embeddings: [],
      usage: { inputTokens: 0 },
    });
    expect(loopback.server.requestCount).toBe(before);
  });
});

describe('decodeEmbeddings', () => {
  it('places vectors by index and checks the count', () => {
    const body = {
      data: [
        { index: 1, embedding: [2] },
        { index: 0, embedding: [1] },
      ],
    };
    expect(decodeEmbeddings(body, 2).embeddings).toEqual([Float32Array.of(1), Float32Array.of(2)]);
    expect(() => decodeEmbeddings(body, 3)).toThrow(expect.objectContaining({ code: 'INVALID_RESPONSE' }));
    expect(() =>
      decodeEmbeddings(
        {
          data: [
            { index: 0, embedding: [1] },
            { index: 0, embedding: [1] },
          ],
        },
        2,
      ),
    ).toThrow('repeated index');
  });
});

describe('createEmbedder', () => {
  it('adapts embed() to core Embedder with a stable id', async () => {
    const embedder = createEmbedder(loopback.provider, { model: 'embed-1' });
    expect(embedder.id).toBe(`${loopback.provider.id}:embed-1`);
    expect(embedder.model).toBe('embed-1');
    const vectors = await embedder.embed(['x', 'y']);
    expect(vectors[1]).toEqual(loopbackEmbedding('y', 16));
  });

  it('refuses a source without embed() and an empty model', () => {
    expect(() => createEmbedder({} as never, { model: 'm' })).toThrow(
      'source must be a provider with embed()',
    );
    expect(() => createEmbedder(loopback.provider, { model: '' })).toThrow(
      'model must be a non-empty string',
    );
  });
});
