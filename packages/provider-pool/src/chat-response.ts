import type {
  AssistantMessage,
  ChatResponse,
  FinishReason,
  ReasoningPart,
  ToolCall,
  Usage,
} from '@victor-ai/core';

/** A decoded whole answer: the assistant message (with its tool calls and reasoning, if any) and the answer's `id` and `model` when they are strings. */
export function chatResponse(
  text: string,
  toolCalls: ToolCall[],
  finishReason: FinishReason,
  usage: Usage,
  id: unknown,
  model: unknown,
  reasoning?: ReasoningPart[],
): ChatResponse {
  const message: AssistantMessage =
    toolCalls.length > 0
      ? { role: 'assistant', content: text, toolCalls }
      : { role: 'assistant', content: text };
  if (reasoning !== undefined && reasoning.length > 0) message.reasoning = reasoning;
  const response: ChatResponse = {
    message,
    text,
    toolCalls,
    finishReason,
    usage,
  };
  if (typeof id === 'string') response.id = id;
  if (typeof model === 'string') response.model = model;
  return response;
}
