import type { Embedder, EmbedRequest, EmbedResponse } from '@victor-ai/core';
import { invalidOption } from '@victor-ai/core';

/** Anything with an `embed()` like core's optional `Provider.embed`. */
export interface EmbeddingSource {
  readonly id: string;
  embed(request: EmbedRequest): Promise<EmbedResponse>;
}

/**
 * Adapts a provider's `embed()` to core's `Embedder` (what tool selection and caches take), bound to one
 * model. Its `id` is `<provider id>:<model>`, stable for caching vectors.
 */
export function createEmbedder(source: EmbeddingSource, options: { model: string }): Embedder {
  if (typeof source?.embed !== 'function') throw invalidOption('source', 'a provider with embed()', source);
  const model = options?.model;
  if (typeof model !== 'string' || model.length === 0)
    throw invalidOption('model', 'a non-empty string', model);
  return {
    id: `${source.id}:${model}`,
    model,
    async embed(inputs, embedOptions) {
      const request: EmbedRequest = { model, inputs };
      if (embedOptions?.abortSignal) request.abortSignal = embedOptions.abortSignal;
      return (await source.embed(request)).embeddings;
    },
  };
}
