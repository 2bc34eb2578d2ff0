import type { AssistantMessage, Message } from './messages.js';
import type { ToolCall, ToolDefinition } from './tools.js';

/** How the model may use tools: freely, not at all, at least one, or one named tool. */
export type ToolChoice = 'auto' | 'none' | 'required' | { type: 'tool'; name: string };

/** Why the model stopped. */
export type FinishReason = 'stop' | 'length' | 'tool-calls' | 'content-filter' | 'error' | 'other';

/**
 * Token counts of one response. `inputTokens` counts the whole input, cached part included;
 * `cachedInputTokens` is the part of it served from the provider's prompt cache.
 */
export interface Usage {
  inputTokens: number;
  outputTokens: number;
  cachedInputTokens?: number;
  /** The part of `inputTokens` written to the provider's prompt cache (Anthropic bills it at 1.25x). */
  cacheWriteInputTokens?: number;
  /** The part of `outputTokens` spent on reasoning, when the provider says it. */
  reasoningTokens?: number;
}

/** Who a request is for: the tenant scopes caches, the user scopes rate limits. */
export interface RequestMetadata {
  tenantId?: string;
  userId?: string;
  [key: string]: string | undefined;
}

/** One call to a chat model. */
export interface ChatRequest {
  model: string;
  messages: readonly Message[];
  tools?: readonly ToolDefinition[];
  toolChoice?: ToolChoice;
  temperature?: number;
  topP?: number;
  maxTokens?: number;
  stop?: readonly string[];
  seed?: number;
  metadata?: RequestMetadata;
  /** Extra HTTP headers for this request only. */
  headers?: Readonly<Record<string, string>>;
  /**
   * Options only one provider understands, keyed by provider kind (`openai-responses`, `anthropic`, ...);
   * every other provider ignores them. Each provider's README lists its keys.
   */
  providerOptions?: Readonly<Record<string, Readonly<Record<string, unknown>>>>;
  abortSignal?: AbortSignal;
}

/** A complete answer from a chat model. */
export interface ChatResponse {
  id?: string;
  model?: string;
  message: AssistantMessage;
  /** Same as `message.content`. */
  text: string;
  toolCalls: ToolCall[];
  finishReason: FinishReason;
  usage: Usage;
  /**
   * What the provider returned that Victor does not model, keyed by provider kind (for example
   * `openai-responses`: the response id and built-in tool calls such as web search). Opaque elsewhere.
   */
  providerMetadata?: Readonly<Record<string, unknown>>;
}
