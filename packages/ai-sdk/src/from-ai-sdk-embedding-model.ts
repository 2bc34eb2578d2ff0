import type { EmbeddingModelV3 } from '@ai-sdk/provider';
import { type Embedder, InvalidResponseError, invalidOption } from '@victor-ai/core';
import { fromAISDKError } from './errors.js';

/** Options of `fromAISDKEmbeddingModel`. */
export interface FromAISDKEmbeddingModelOptions {
  /** The embedder's id (what caches of vectors are keyed by); default `ai-sdk:<provider>:<modelId>`. */
  id?: string;
  /** Values per `doEmbed` call, at most the model's `maxEmbeddingsPerCall`; default that limit, or 256 without one. */
  batchSize?: number;
}

/**
 * A core `Embedder` over any AI SDK embedding model (specification v3), for tool selection and caches:
 * inputs are split by the model's `maxEmbeddingsPerCall` (or `batchSize`), batches run concurrently when
 * the model supports parallel calls, and the vectors come back as `Float32Array`s in input order.
 */
export function fromAISDKEmbeddingModel(
  model: EmbeddingModelV3,
  options: FromAISDKEmbeddingModelOptions = {},
): Embedder {
  if (typeof model?.doEmbed !== 'function') throw invalidOption('model', 'an AI SDK embedding model', model);
  if (model.specificationVersion !== 'v3') {
    throw invalidOption('model.specificationVersion', '"v3"', model.specificationVersion);
  }
  const batchSize = options.batchSize ?? 256;
  if (!Number.isInteger(batchSize) || batchSize < 1)
    throw invalidOption('batchSize', 'an integer >= 1', batchSize);
  const { modelId } = model;
  const id = options.id ?? `ai-sdk:${model.provider}:${modelId}`;
  let limits: Promise<{ size: number; parallel: boolean }> | undefined;
  const resolveLimits = async () => {
    const max = await model.maxEmbeddingsPerCall;
    const parallel = await model.supportsParallelCalls;
    const limit = max === undefined || !Number.isFinite(max) ? undefined : Math.max(1, Math.floor(max));
    const size = Math.min(batchSize ?? limit ?? 256, limit ?? Number.POSITIVE_INFINITY);
    return { size, parallel };
  };

  const limitsOnce = () => {
    if (limits === undefined) limits = resolveLimits();
    return limits;
  };

  async function embedBatch(values: string[], abortSignal: AbortSignal | undefined): Promise<Float32Array[]> {
    let result: Awaited<ReturnType<EmbeddingModelV3['doEmbed']>>;
    try {
      result = await model.doEmbed({ values, abortSignal });
    } catch (error) {
      throw fromAISDKError(error, modelId, abortSignal);
    }
    if (result.embeddings.length !== values.length) {
      throw new InvalidResponseError({
        message: `${modelId} returned ${result.embeddings.length} embeddings for ${values.length} inputs`,
      });
    }
    return result.embeddings.map((vector) => Float32Array.from(vector));
  }

  return {
    id,
    model: modelId,
    async embed(inputs, embedOptions) {
      if (inputs.length === 0) return [];
      const abortSignal = embedOptions?.abortSignal;
      const { size, parallel } = await limitsOnce();
      if (inputs.length <= size) return embedBatch([...inputs], abortSignal);
      const batches: string[][] = [];
      for (let start = 0; start < inputs.length; start += size)
        batches.push(inputs.slice(start, start + size));
      let vectors: Float32Array[][];
      if (parallel) vectors = await Promise.all(batches.map((batch) => embedBatch(batch, abortSignal)));
      else {
        vectors = [];
        for (const batch of batches) vectors.push(await embedBatch(batch, abortSignal));
      }
      return vectors.flat();
    },
  };
}
