import type {
  ChatResponse,
  FinishReason,
  ReasoningPart,
  ToolCall,
  Usage,
  VictorError,
} from '@victor-ai/core';
import { InvalidResponseError, parseToolArguments } from '@victor-ai/core';
import { chatResponse } from '../chat-response.js';
import { streamError } from '../http-errors.js';
import { decodeOpenAIStyleUsage, type OpenAIUsageFields } from '../usage.js';
import { RESPONSES_PROVIDER } from './request-body.js';

const RESPONSES_USAGE_FIELDS: OpenAIUsageFields = {
  input: 'input_tokens',
  output: 'output_tokens',
  cached: ['input_tokens_details', 'cached_tokens'],
  reasoning: ['output_tokens_details', 'reasoning_tokens'],
};

/** Reads a Responses `usage` object: input (cached part included), output (reasoning part included). */
export function decodeResponsesUsage(usage: unknown): Usage {
  return decodeOpenAIStyleUsage(usage, RESPONSES_USAGE_FIELDS);
}

/** The readable text of a reasoning item: its summary parts, or its reasoning text parts. */
export function reasoningText(item: Record<string, unknown>): string {
  let text = '';
  for (const key of ['summary', 'content']) {
    const parts = item[key];
    if (!Array.isArray(parts)) continue;
    for (const part of parts as Array<{ text?: unknown }>) {
      if (typeof part?.text === 'string') text += text.length > 0 ? `\n\n${part.text}` : part.text;
    }
    if (text.length > 0) return text;
  }
  return text;
}

/** A reasoning output item as a core reasoning part; the item itself is what goes back. */
export function reasoningPart(item: Record<string, unknown>): ReasoningPart {
  return { type: 'reasoning', provider: RESPONSES_PROVIDER, text: reasoningText(item), providerData: item };
}

/** The text of a `message` output item: its `output_text` parts. */
export function messageText(item: Record<string, unknown>): string {
  let text = '';
  if (!Array.isArray(item.content)) return text;
  for (const part of item.content as Array<{ type?: unknown; text?: unknown }>) {
    if (part?.type === 'output_text' && typeof part.text === 'string') text += part.text;
  }
  return text;
}

/** A `function_call` output item as a core tool call (`id` is the item's `call_id`). */
export function functionCall(item: Record<string, unknown>): ToolCall {
  const name = item.name;
  if (typeof name !== 'string' || name.length === 0) {
    throw new InvalidResponseError({
      message: `function_call item without a name: ${JSON.stringify(item).slice(0, 200)}`,
    });
  }
  const id = typeof item.call_id === 'string' ? item.call_id : typeof item.id === 'string' ? item.id : name;
  const args = item.arguments;
  return {
    id,
    name,
    arguments:
      typeof args === 'string'
        ? parseToolArguments(name, args)
        : typeof args === 'object' && args !== null && !Array.isArray(args)
          ? (args as Record<string, unknown>)
          : {},
  };
}

/** The finish reason of a response: `incomplete` maps its reason; tool calls otherwise win over `stop`. */
export function responsesFinishReason(
  response: Record<string, unknown>,
  hasToolCalls: boolean,
): FinishReason {
  if (response.status === 'incomplete') {
    const reason = (response.incomplete_details as { reason?: unknown } | null | undefined)?.reason;
    return reason === 'max_output_tokens'
      ? 'length'
      : reason === 'content_filter'
        ? 'content-filter'
        : 'other';
  }
  return hasToolCalls ? 'tool-calls' : 'stop';
}

/** The typed error of a failed response (`response.failed`, an `error` event or an `{error}` body). */
export function responsesError(error: unknown, fallback: string): VictorError {
  if (typeof error === 'object' && error !== null) {
    return streamError(error as { type?: unknown; code?: unknown; message?: unknown });
  }
  return new InvalidResponseError({ message: fallback });
}

/** Output item types the provider decodes; every other type is passed through as provider metadata. */
export const MODELLED_ITEMS = new Set(['message', 'function_call', 'reasoning']);

/** Builds `providerMetadata['openai-responses']`: the response id and the output items Victor does not model. */
export function responsesMetadata(
  responseId: unknown,
  otherItems: readonly unknown[],
): Readonly<Record<string, unknown>> {
  const metadata: Record<string, unknown> = {};
  if (typeof responseId === 'string') metadata.responseId = responseId;
  if (otherItems.length > 0) metadata.outputItems = otherItems;
  return { [RESPONSES_PROVIDER]: metadata };
}

/**
 * Decodes a whole Responses API body: `output_text` of message items, function calls with parsed
 * arguments, reasoning items as reasoning parts, usage with cached and reasoning tokens; other output items
 * (web search, code interpreter, ...) are passed through in `providerMetadata`. A failed response throws
 * its typed error.
 */
export function decodeResponsesResponse(body: unknown): ChatResponse {
  const record = body as Record<string, unknown> | null;
  if (typeof record !== 'object' || record === null || !Array.isArray(record.output)) {
    if (record && typeof record === 'object' && record.error) {
      throw responsesError(record.error, 'the response failed');
    }
    throw new InvalidResponseError({
      message: `response has no output array: ${JSON.stringify(body).slice(0, 200)}`,
    });
  }
  if (record.status === 'failed') throw responsesError(record.error, 'the response failed without an error');
  let text = '';
  const toolCalls: ToolCall[] = [];
  const reasoning: ReasoningPart[] = [];
  const others: unknown[] = [];
  for (const item of record.output as Array<Record<string, unknown>>) {
    if (typeof item !== 'object' || item === null) continue;
    if (item.type === 'message') text += messageText(item);
    else if (item.type === 'function_call') toolCalls.push(functionCall(item));
    else if (item.type === 'reasoning') reasoning.push(reasoningPart(item));
    else others.push(item);
  }
  const response = chatResponse(
    text,
    toolCalls,
    responsesFinishReason(record, toolCalls.length > 0),
    decodeResponsesUsage(record.usage),
    record.id,
    record.model,
    reasoning,
  );
  response.providerMetadata = responsesMetadata(record.id, others);
  return response;
}
