import type { ChatResponse, ToolCall, Usage } from '@victor-ai/core';
import { InvalidResponseError, parseToolArguments } from '@victor-ai/core';
import { chatResponse } from '../chat-response.js';
import { decodeOpenAIStyleUsage, type OpenAIUsageFields } from '../usage.js';
import { mapFinishReason } from './finish-reason.js';

const CHAT_USAGE_FIELDS: OpenAIUsageFields = {
  input: 'prompt_tokens',
  output: 'completion_tokens',
  cached: ['prompt_tokens_details', 'cached_tokens'],
};

/** Reads a Chat Completions `usage` object; missing counts are 0. */
export function decodeUsage(usage: unknown): Usage {
  return decodeOpenAIStyleUsage(usage, CHAT_USAGE_FIELDS);
}

/**
 * The text of a message's `content`: a string as is, or the `text` parts of an array of typed parts (as
 * Mistral's reasoning models send, with `thinking` parts that are not answer text).
 */
export function contentText(content: unknown): string {
  if (typeof content === 'string') return content;
  if (!Array.isArray(content)) return '';
  let text = '';
  for (const part of content as Array<{ type?: unknown; text?: unknown }>) {
    if (part?.type === 'text' && typeof part.text === 'string') text += part.text;
  }
  return text;
}

interface WireToolCall {
  id?: unknown;
  function?: { name?: unknown; arguments?: unknown };
}

/** Decodes a whole (non-streaming) Chat Completions response body. */
export function decodeChatResponse(body: unknown): ChatResponse {
  const record = body as { id?: unknown; model?: unknown; choices?: unknown; usage?: unknown } | null;
  const choice = Array.isArray(record?.choices)
    ? (record.choices[0] as Record<string, unknown> | undefined)
    : undefined;
  const message = choice?.message as { content?: unknown; tool_calls?: unknown } | undefined;
  if (!choice || typeof message !== 'object' || message === null) {
    throw new InvalidResponseError({
      message: `chat completion has no choices[0].message: ${JSON.stringify(body).slice(0, 200)}`,
    });
  }
  const text = contentText(message.content);
  const toolCalls: ToolCall[] = [];
  if (Array.isArray(message.tool_calls)) {
    for (const wire of message.tool_calls as WireToolCall[]) {
      const name = wire.function?.name;
      if (typeof name !== 'string') {
        throw new InvalidResponseError({
          message: `tool call without a function name: ${JSON.stringify(wire)}`,
        });
      }
      const args = wire.function?.arguments;
      toolCalls.push({
        id: typeof wire.id === 'string' ? wire.id : `call_${toolCalls.length}`,
        name,
        arguments:
          typeof args === 'string'
            ? parseToolArguments(name, args)
            : ((args ?? {}) as Record<string, unknown>),
      });
    }
  }
  return chatResponse(
    text,
    toolCalls,
    mapFinishReason(choice.finish_reason),
    decodeUsage(record?.usage),
    record?.id,
    record?.model,
  );
}
