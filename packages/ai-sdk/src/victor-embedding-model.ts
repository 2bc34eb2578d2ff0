import type { EmbeddingModelV3, EmbeddingModelV3CallOptions, EmbeddingModelV3Result } from '@ai-sdk/provider';
import { type Embedder, invalidOption, type Provider } from '@victor-ai/core';
import { toAPICallError } from './errors.js';

/** Options of `createVictorEmbeddingModel`: a provider with `embed` and a model, or a core `Embedder`. */
export type VictorEmbeddingModelOptions =
  | { provider: Provider; model: string; providerName?: string; maxEmbeddingsPerCall?: number }
  | { embedder: Embedder; providerName?: string; maxEmbeddingsPerCall?: number };

/**
 * An AI SDK embedding model (specification v3) over a Victor provider's `embed()` or a core `Embedder`.
 * By default the AI SDK hands it every value of an `embedMany` in one call (`maxEmbeddingsPerCall` is
 * `Infinity`) and Victor does the batching: the OpenAI-compatible provider splits by its
 * `embeddingBatchSize` and sends the batches concurrently over its warm connections.
 */
export function createVictorEmbeddingModel(options: VictorEmbeddingModelOptions): EmbeddingModelV3 {
  if (typeof options !== 'object' || options === null) throw invalidOption('options', 'an object', options);
  const maxEmbeddingsPerCall = options.maxEmbeddingsPerCall ?? Number.POSITIVE_INFINITY;
  if (typeof maxEmbeddingsPerCall !== 'number' || !(maxEmbeddingsPerCall >= 1)) {
    throw invalidOption('maxEmbeddingsPerCall', 'a number >= 1', maxEmbeddingsPerCall);
  }
  const providerName = options.providerName ?? 'victor';
  let id: string;
  let modelId: string;
  let embed: (
    values: readonly string[],
    abortSignal: AbortSignal | undefined,
  ) => Promise<{ embeddings: Float32Array[]; tokens?: number }>;
  if ('embedder' in options) {
    const { embedder } = options;
    if (typeof embedder?.embed !== 'function') throw invalidOption('embedder', 'a core Embedder', embedder);
    id = embedder.id;
    modelId = embedder.model;
    embed = async (values, abortSignal) => ({ embeddings: await embedder.embed(values, { abortSignal }) });
  } else {
    const { provider, model } = options;
    if (typeof provider?.embed !== 'function') {
      throw invalidOption('provider', 'a Victor Provider with embed()', provider);
    }
    if (typeof model !== 'string' || model === '') throw invalidOption('model', 'a non-empty string', model);
    id = provider.id;
    modelId = model;
    const providerEmbed = provider.embed.bind(provider);
    embed = async (values, abortSignal) => {
      const response = await providerEmbed({ model, inputs: values, abortSignal });
      return { embeddings: response.embeddings, tokens: response.usage?.inputTokens };
    };
  }
  return {
    specificationVersion: 'v3',
    provider: providerName,
    modelId,
    maxEmbeddingsPerCall,
    supportsParallelCalls: true,
    async doEmbed(callOptions: EmbeddingModelV3CallOptions): Promise<EmbeddingModelV3Result> {
      let result: { embeddings: Float32Array[]; tokens?: number };
      try {
        result = await embed(callOptions.values, callOptions.abortSignal);
      } catch (error) {
        throw toAPICallError(error, id, callOptions.abortSignal);
      }
      const embeddings = result.embeddings.map((vector) => Array.from(vector));
      return {
        embeddings,
        usage: result.tokens === undefined ? undefined : { tokens: result.tokens },
        warnings: [],
      };
    },
  };
}
