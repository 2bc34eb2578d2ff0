import type { ChatRequest, ChatResponse, EmbedRequest, EmbedResponse } from '@victor-ai/core';
import { AbortedError, combineSignals, invalidOption } from '@victor-ai/core';
import { HttpProvider, type HttpProviderOptions, type StreamDecoder } from '../http-provider.js';
import { positiveInteger } from '../options.js';
import { decodeChatResponse } from './decode-response.js';
import { OpenAIStreamDecoder } from './decode-stream.js';
import { buildEmbeddingsBody, decodeEmbeddings } from './embeddings.js';
import { buildChatBody } from './request-body.js';

/** Options of `createOpenAICompatibleProvider`. */
export interface OpenAICompatibleProviderOptions extends HttpProviderOptions {
  /** Sent as `Authorization: Bearer <apiKey>` when given (`undefined`, e.g. an unset env var, sends none). */
  apiKey?: string | undefined;
  /** Ask for the usage-only last chunk (`stream_options.include_usage`); default true. */
  includeStreamUsage?: boolean;
  /** Embeddings model used when an `embed()` request names none. */
  embeddingModel?: string | undefined;
  /** Most inputs per `/embeddings` request; larger `embed()` calls are split. Default 256. */
  embeddingBatchSize?: number;
  /** Ask for vectors as base64 float32 (smaller, faster to decode) or as JSON numbers; default `float`. */
  embeddingEncoding?: 'float' | 'base64';
}

/**
 * A Chat Completions and embeddings provider (OpenAI, Ollama, vLLM, llama.cpp, LM Studio, ...) over a
 * keep-alive undici pool.
 */
export class OpenAICompatibleProvider extends HttpProvider {
  protected readonly chatPath: string;
  private readonly embeddingsPath: string;
  private readonly includeStreamUsage: boolean;
  private readonly embeddingModel: string | undefined;
  private readonly embeddingBatchSize: number;
  private readonly embeddingEncoding: 'float' | 'base64';

  constructor(options: OpenAICompatibleProviderOptions) {
    super('openai-compatible', options, options?.apiKey ? { authorization: `Bearer ${options.apiKey}` } : {});
    this.chatPath = `${this.pathPrefix}/chat/completions`;
    this.embeddingsPath = `${this.pathPrefix}/embeddings`;
    this.includeStreamUsage = options.includeStreamUsage ?? true;
    if (options.embeddingModel !== undefined && typeof options.embeddingModel !== 'string') {
      throw invalidOption('embeddingModel', 'a string', options.embeddingModel);
    }
    this.embeddingModel = options.embeddingModel;
    this.embeddingBatchSize = positiveInteger('embeddingBatchSize', options.embeddingBatchSize, 256);
    const encoding = options.embeddingEncoding ?? 'float';
    if (encoding !== 'float' && encoding !== 'base64') {
      throw invalidOption('embeddingEncoding', '"float" or "base64"', encoding);
    }
    this.embeddingEncoding = encoding;
  }

  protected buildBody(request: ChatRequest, stream: boolean): string {
    return buildChatBody(request, stream, this.includeStreamUsage);
  }

  protected decodeResponse(body: unknown): ChatResponse {
    return decodeChatResponse(body);
  }

  protected createStreamDecoder(): StreamDecoder {
    return new OpenAIStreamDecoder();
  }

  /**
   * Embeds texts with `/embeddings`, in batches of `embeddingBatchSize` sent concurrently (the endpoint's
   * in-flight limit still applies). Vectors come back in input order; one failed batch cancels the others.
   */
  async embed(request: EmbedRequest): Promise<EmbedResponse> {
    this.assertOpen();
    const model = request.model ?? this.embeddingModel;
    if (model === undefined)
      throw invalidOption('model', 'given (in the request or as embeddingModel)', model);
    const inputs = request.inputs;
    if (inputs.length === 0) return { embeddings: [], usage: { inputTokens: 0 } };
    const size = this.embeddingBatchSize;
    if (inputs.length <= size) return this.embedBatch(model, inputs, request.abortSignal);
    const controller = new AbortController();
    const combined = combineSignals([request.abortSignal, controller.signal]);
    try {
      const batches: Array<Promise<EmbedResponse>> = [];
      for (let start = 0; start < inputs.length; start += size) {
        batches.push(
          this.embedBatch(model, inputs.slice(start, start + size), combined.signal).catch((error) => {
            if (!controller.signal.aborted)
              controller.abort(new AbortedError({ message: 'a sibling batch failed' }));
            throw error;
          }),
        );
      }
      const results = await Promise.allSettled(batches);
      const embeddings: Float32Array[] = [];
      let inputTokens = 0;
      let firstError: unknown;
      for (const result of results) {
        if (result.status === 'rejected') {
          // Report the batch that failed first, not the siblings cancelled because of it.
          if (firstError === undefined || (firstError as { code?: string }).code === 'ABORTED')
            firstError = result.reason;
          continue;
        }
        for (const vector of result.value.embeddings) embeddings.push(vector);
        inputTokens += result.value.usage?.inputTokens ?? 0;
      }
      if (firstError !== undefined) throw firstError;
      return { embeddings, usage: { inputTokens } };
    } finally {
      combined.dispose();
    }
  }

  private async embedBatch(
    model: string,
    inputs: readonly string[],
    abortSignal: AbortSignal | undefined,
  ): Promise<EmbedResponse> {
    const body = await this.postJson(
      this.embeddingsPath,
      buildEmbeddingsBody(model, inputs, this.embeddingEncoding),
      undefined,
      abortSignal,
    );
    return decodeEmbeddings(body, inputs.length);
  }
}

/** Creates an OpenAI-compatible Chat Completions provider; options are checked here. */
export function createOpenAICompatibleProvider(
  options: OpenAICompatibleProviderOptions,
): OpenAICompatibleProvider {
  return new OpenAICompatibleProvider(options);
}
