import type { ChatResponse, ReasoningPart, ToolCall, Usage } from '@victor-ai/core';
import { InvalidResponseError } from '@victor-ai/core';
import { chatResponse } from '../chat-response.js';
import { mapStopReason } from './stop-reason.js';

/**
 * Reads a Messages API `usage` object. `inputTokens` counts the whole prompt (uncached, cache reads and
 * cache writes), `cachedInputTokens` the part read from the prompt cache, `cacheWriteInputTokens` the part written to it;
 * missing counts are 0.
 */
export function decodeAnthropicUsage(usage: unknown, into?: Usage): Usage {
  const result: Usage = into ?? { inputTokens: 0, outputTokens: 0 };
  if (typeof usage !== 'object' || usage === null) return result;
  const record = usage as {
    input_tokens?: unknown;
    output_tokens?: unknown;
    cache_read_input_tokens?: unknown;
    cache_creation_input_tokens?: unknown;
  };
  const hasInput =
    typeof record.input_tokens === 'number' ||
    typeof record.cache_read_input_tokens === 'number' ||
    typeof record.cache_creation_input_tokens === 'number';
  if (hasInput) {
    const read = typeof record.cache_read_input_tokens === 'number' ? record.cache_read_input_tokens : 0;
    const written =
      typeof record.cache_creation_input_tokens === 'number' ? record.cache_creation_input_tokens : 0;
    const plain = typeof record.input_tokens === 'number' ? record.input_tokens : 0;
    result.inputTokens = plain + read + written;
    if (read > 0 || typeof record.cache_read_input_tokens === 'number') result.cachedInputTokens = read;
    if (written > 0) result.cacheWriteInputTokens = written;
  }
  if (typeof record.output_tokens === 'number') result.outputTokens = record.output_tokens;
  return result;
}

/** Decodes a whole (non-streaming) Messages API response body; thinking blocks become reasoning parts, and server-side tool blocks are not tool calls. */
export function decodeMessagesResponse(body: unknown): ChatResponse {
  const record = body as {
    type?: unknown;
    id?: unknown;
    model?: unknown;
    content?: unknown;
    stop_reason?: unknown;
    usage?: unknown;
    error?: { type?: unknown; message?: unknown };
  } | null;
  if (!record || !Array.isArray(record.content)) {
    throw new InvalidResponseError({
      message: `message has no content array: ${JSON.stringify(body).slice(0, 200)}`,
    });
  }
  let text = '';
  const toolCalls: ToolCall[] = [];
  const reasoning: ReasoningPart[] = [];
  for (const block of record.content as Array<Record<string, unknown>>) {
    if (block.type === 'text' && typeof block.text === 'string') {
      text += block.text;
    } else if (block.type === 'thinking' || block.type === 'redacted_thinking') {
      reasoning.push(thinkingPart(block));
    } else if (block.type === 'tool_use') {
      if (typeof block.name !== 'string' || typeof block.id !== 'string') {
        throw new InvalidResponseError({
          message: `tool_use block without id or name: ${JSON.stringify(block)}`,
        });
      }
      const input = block.input;
      toolCalls.push({
        id: block.id,
        name: block.name,
        arguments:
          typeof input === 'object' && input !== null && !Array.isArray(input)
            ? (input as Record<string, unknown>)
            : {},
      });
    }
  }
  return chatResponse(
    text,
    toolCalls,
    mapStopReason(record.stop_reason),
    decodeAnthropicUsage(record.usage),
    record.id,
    record.model,
    reasoning,
  );
}

/** A thinking or redacted-thinking block as a reasoning part; the block itself (with its signature) goes back. */
export function thinkingPart(block: Record<string, unknown>): ReasoningPart {
  return {
    type: 'reasoning',
    provider: 'anthropic',
    text: typeof block.thinking === 'string' ? block.thinking : '',
    providerData: block,
  };
}
