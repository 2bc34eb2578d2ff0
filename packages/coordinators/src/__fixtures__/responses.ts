import type { ChatResponse, Usage } from '@victor-ai/core';

/** A finished model response that answers `text` and calls no tool. */
export function textResponse(text: string, usage: Usage = { inputTokens: 1, outputTokens: 1 }): ChatResponse {
  return { message: { role: 'assistant', content: text }, text, toolCalls: [], finishReason: 'stop', usage };
}
