import { type Embedder, invalidOption, type Provider } from '@victor-ai/core';

/**
 * An `Embedder` over a `Provider` that can embed (an OpenAI-compatible endpoint such as OpenAI, Ollama or
 * vLLM), so a selector ranks with that model: `new ToolSelector({ registry, embedder:
 * embedderFromProvider(provider, { model: 'nomic-embed-text' }) })`.
 */
export function embedderFromProvider(provider: Provider, options: { model: string }): Embedder {
  if (typeof provider !== 'object' || provider === null || typeof provider.embed !== 'function') {
    throw invalidOption('provider', 'a Provider with embed()', provider);
  }
  const model = options?.model;
  if (typeof model !== 'string' || model === '') throw invalidOption('model', 'a non-empty string', model);
  const embed = provider.embed.bind(provider);
  return {
    id: provider.id,
    model,
    async embed(inputs, embedOptions) {
      const response = await embed({
        model,
        inputs,
        ...(embedOptions?.abortSignal ? { abortSignal: embedOptions.abortSignal } : {}),
      });
      return response.embeddings;
    },
  };
}
