import type { ChatResponse, FinishReason, ToolCall, Usage } from '@victor-ai/core';

/** A decoded whole answer: the assistant message (with its tool calls, if any) and the answer's `id` and `model` when they are strings. */
export function chatResponse(
  text: string,
  toolCalls: ToolCall[],
  finishReason: FinishReason,
  usage: Usage,
  id: unknown,
  model: unknown,
): ChatResponse {
  const response: ChatResponse = {
    message:
      toolCalls.length > 0
        ? { role: 'assistant', content: text, toolCalls }
        : { role: 'assistant', content: text },
    text,
    toolCalls,
    finishReason,
    usage,
  };
  if (typeof id === 'string') response.id = id;
  if (typeof model === 'string') response.model = model;
  return response;
}
