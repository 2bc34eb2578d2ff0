import type { ChatRequest } from '@victor-ai/core';

/** Output tokens reserved for a request that sets no `max_tokens`: what a budget counts until its usage is known. */
export const DEFAULT_RESERVED_OUTPUT_TOKENS = 4_096;

/**
 * An upper estimate of the tokens a chat request will spend, reserved against token limits and budgets
 * before the model is called: the prompt at one token per 3 characters (tokenizers average about 4 for
 * English) plus 8 per message, tools and tool calls included, plus `maxTokens` (else `defaultOutputTokens`).
 */
export function estimateChatTokens(
  request: ChatRequest,
  defaultOutputTokens = DEFAULT_RESERVED_OUTPUT_TOKENS,
): number {
  let characters = 0;
  for (const message of request.messages) {
    characters += message.content.length + 32;
    if (message.role === 'assistant' && message.toolCalls) {
      for (const call of message.toolCalls) characters += call.name.length + jsonLength(call.arguments);
    }
  }
  for (const tool of request.tools ?? []) {
    characters += tool.name.length + (tool.description?.length ?? 0) + jsonLength(tool.parameters);
  }
  return Math.ceil(characters / 3) + (request.maxTokens ?? defaultOutputTokens);
}

// The JSON length of a value from the wire; a schema object that does not serialise counts 4,096.
function jsonLength(value: unknown): number {
  try {
    return JSON.stringify(value ?? {})?.length ?? 0;
  } catch {
    return 4_096;
  }
}

/** An upper estimate of the tokens an embeddings request will spend: one per 3 characters of its inputs. */
export function estimateEmbeddingTokens(inputs: readonly string[]): number {
  let characters = 0;
  for (const input of inputs) characters += input.length + 3;
  return Math.ceil(characters / 3);
}
