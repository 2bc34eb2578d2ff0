import type { ChatRequest, ChatResponse } from './chat.js';
import type { StreamEvent } from './stream.js';

/** A request to turn texts into vectors. */
export interface EmbedRequest {
  model?: string;
  inputs: readonly string[];
  abortSignal?: AbortSignal;
}

/** Vectors in the order of the inputs. */
export interface EmbedResponse {
  embeddings: Float32Array[];
  usage?: { inputTokens: number };
}

/** A model provider: chat, streaming chat, optionally embeddings. */
export interface Provider {
  /** Identifies the provider instance in metrics and errors (`openai-compatible:http://host:port`). */
  readonly id: string;
  chat(request: ChatRequest): Promise<ChatResponse>;
  /** Events as they arrive; breaking out of the loop or aborting cancels the request. */
  stream(request: ChatRequest): AsyncIterable<StreamEvent>;
  embed?(request: EmbedRequest): Promise<EmbedResponse>;
  /** Closes connections; later calls fail. */
  close(): Promise<void>;
}

/** Turns texts into vectors; what tool selection and caches need from an embeddings model. */
export interface Embedder {
  /** Stable identity for caching vectors (`provider:model`). */
  readonly id: string;
  readonly model: string;
  embed(inputs: readonly string[], options?: { abortSignal?: AbortSignal }): Promise<Float32Array[]>;
}
