import type { EmbedRequest, Provider } from '@victor-ai/core';
import { describe, expect, it, vi } from 'vitest';
import { embedderFromProvider } from './embedder-from-provider.js';

function provider(embed?: Provider['embed']): Provider {
  return {
    id: 'openai-compatible:http://127.0.0.1:1',
    chat: vi.fn(),
    stream: vi.fn(),
    close: vi.fn(),
    ...(embed ? { embed } : {}),
  } as unknown as Provider;
}

describe('embedderFromProvider', () => {
  it('passes the model, inputs and abort signal through and returns the vectors', async () => {
    const vectors = [new Float32Array([1, 0])];
    const embed = vi.fn(async (_request: EmbedRequest) => ({ embeddings: vectors }));
    const embedder = embedderFromProvider(provider(embed), { model: 'nomic-embed-text' });
    const controller = new AbortController();
    expect(embedder.id).toBe('openai-compatible:http://127.0.0.1:1');
    expect(embedder.model).toBe('nomic-embed-text');
    await expect(embedder.embed(['hello'], { abortSignal: controller.signal })).resolves.toBe(vectors);
    expect(embed).toHaveBeenCalledWith({
      model: 'nomic-embed-text',
      inputs: ['hello'],
      abortSignal: controller.signal,
    });
  });

  it('rejects a provider without embed() and an empty model', () => {
    expect(() => embedderFromProvider(provider(), { model: 'm' })).toThrow(
      /provider must be a Provider with embed/,
    );
    expect(() =>
      embedderFromProvider(
        provider(async () => ({ embeddings: [] })),
        { model: '' },
      ),
    ).toThrow(/model must be a non-empty string/);
  });
});
