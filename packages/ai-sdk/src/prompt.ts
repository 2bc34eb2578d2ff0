import {
  type LanguageModelV3Message,
  type LanguageModelV3Prompt,
  type LanguageModelV3ToolResultOutput,
  type SharedV3ProviderOptions,
  type SharedV3Warning,
  UnsupportedFunctionalityError,
} from '@ai-sdk/provider';
import type { AssistantMessage, Message, ReasoningPart, ToolCall, ToolMessage } from '@victor-ai/core';
import { parseToolArguments } from '@victor-ai/core';

function toolOutputText(output: LanguageModelV3ToolResultOutput): { content: string; isError: boolean } {
  switch (output.type) {
    case 'text':
      return { content: output.value, isError: false };
    case 'json':
      return { content: JSON.stringify(output.value), isError: false };
    case 'error-text':
      return { content: output.value, isError: true };
    case 'error-json':
      return { content: JSON.stringify(output.value), isError: true };
    case 'execution-denied':
      return { content: output.reason ?? 'Tool execution denied.', isError: true };
    case 'content': {
      let content = '';
      for (const part of output.value) {
        if (part.type === 'text') content += part.text;
        else
          throw new UnsupportedFunctionalityError({
            functionality: `tool result content of type ${part.type}`,
          });
      }
      return { content, isError: false };
    }
  }
}

/** The provider name a reasoning part gets when it comes from an AI SDK model, its `providerData` the part's metadata. */
export const AI_SDK_REASONING_PROVIDER = 'ai-sdk';

/**
 * The Victor reasoning part of an AI SDK reasoning part and its provider metadata (or options): a part that
 * Victor produced carries its `provider` and `providerData` under the `victor` key; any other part is the AI
 * SDK model's own (`provider: 'ai-sdk'`, `providerData`: the metadata, so it can be sent back unchanged).
 */
export function toReasoningPart(text: string, metadata: Record<string, unknown> | undefined): ReasoningPart {
  const victor = metadata?.victor as { provider?: unknown; providerData?: unknown } | undefined;
  if (typeof victor?.provider === 'string') {
    return { type: 'reasoning', provider: victor.provider, text, providerData: victor.providerData };
  }
  return { type: 'reasoning', provider: AI_SDK_REASONING_PROVIDER, text, providerData: metadata ?? {} };
}

/** The AI SDK provider metadata (or options) that carries a Victor reasoning part; the inverse of `toReasoningPart`. */
export function reasoningMetadata(part: ReasoningPart): SharedV3ProviderOptions {
  if (part.provider === AI_SDK_REASONING_PROVIDER)
    return (part.providerData ?? {}) as SharedV3ProviderOptions;
  return { victor: { provider: part.provider, providerData: part.providerData } } as SharedV3ProviderOptions;
}

function toolCallArguments(name: string, input: unknown): ToolCall['arguments'] {
  if (typeof input === 'string') return parseToolArguments(name, input);
  if (typeof input === 'object' && input !== null && !Array.isArray(input)) {
    return input as ToolCall['arguments'];
  }
  return parseToolArguments(name, JSON.stringify(input ?? {}));
}

/**
 * Converts an AI SDK (v3 specification) prompt to Victor messages. Text parts are joined; tool results
 * become one tool message each (JSON outputs as JSON text, error outputs with `isError`); reasoning parts
 * become the assistant message's `reasoning` (see `toReasoningPart`). Provider-executed tool calls and their
 * results, and tool-approval answers have no Victor counterpart and are left out (with a warning added to
 * `warnings`); file parts throw `UnsupportedFunctionalityError`.
 */
export function fromLanguageModelPrompt(
  prompt: LanguageModelV3Prompt,
  warnings?: SharedV3Warning[],
): Message[] {
  const messages: Message[] = [];
  const dropped = new Set<string>();
  for (const message of prompt) {
    switch (message.role) {
      case 'system':
        messages.push({ role: 'system', content: message.content });
        break;
      case 'user': {
        let content = '';
        for (const part of message.content) {
          if (part.type === 'text') content += part.text;
          else throw new UnsupportedFunctionalityError({ functionality: `file parts (${part.mediaType})` });
        }
        messages.push({ role: 'user', content });
        break;
      }
      case 'assistant': {
        let content = '';
        let toolCalls: ToolCall[] | undefined;
        let reasoning: ReasoningPart[] | undefined;
        for (const part of message.content) {
          if (part.type === 'text') content += part.text;
          else if (part.type === 'tool-call') {
            if (part.providerExecuted) {
              dropped.add('provider-executed tool calls');
              continue;
            }
            if (toolCalls === undefined) toolCalls = [];
            toolCalls.push({
              id: part.toolCallId,
              name: part.toolName,
              arguments: toolCallArguments(part.toolName, part.input),
            });
          } else if (part.type === 'reasoning') {
            if (reasoning === undefined) reasoning = [];
            reasoning.push(toReasoningPart(part.text, part.providerOptions));
          } else if (part.type === 'tool-result') dropped.add('provider-executed tool results');
          else throw new UnsupportedFunctionalityError({ functionality: `file parts (${part.mediaType})` });
        }
        const assistant: AssistantMessage = { role: 'assistant', content };
        if (toolCalls !== undefined) assistant.toolCalls = toolCalls;
        if (reasoning !== undefined) assistant.reasoning = reasoning;
        messages.push(assistant);
        break;
      }
      case 'tool':
        for (const part of message.content) {
          if (part.type !== 'tool-result') {
            dropped.add('tool approval responses');
            continue;
          }
          const { content, isError } = toolOutputText(part.output);
          const toolMessage: ToolMessage = { role: 'tool', toolCallId: part.toolCallId, content };
          if (part.toolName !== '') toolMessage.name = part.toolName;
          if (isError) toolMessage.isError = true;
          messages.push(toolMessage);
        }
        break;
    }
  }
  if (warnings !== undefined) {
    for (const feature of dropped) {
      warnings.push({
        type: 'unsupported',
        feature,
        details: 'left out of the prompt sent to the Victor provider',
      });
    }
  }
  return messages;
}

/**
 * Converts Victor messages to an AI SDK (v3 specification) prompt: one AI SDK message per Victor message,
 * reasoning first in an assistant message, tool messages as one `tool-result` part (`error-text` when
 * `isError`), so that
 * `fromLanguageModelPrompt(toLanguageModelPrompt(messages))` gives the messages back.
 */
export function toLanguageModelPrompt(messages: readonly Message[]): LanguageModelV3Prompt {
  const prompt: LanguageModelV3Message[] = [];
  for (const message of messages) {
    switch (message.role) {
      case 'system':
        prompt.push({ role: 'system', content: message.content });
        break;
      case 'user':
        prompt.push({ role: 'user', content: [{ type: 'text', text: message.content }] });
        break;
      case 'assistant': {
        const content: Extract<LanguageModelV3Message, { role: 'assistant' }>['content'] = [];
        for (const part of message.reasoning ?? []) {
          content.push({ type: 'reasoning', text: part.text, providerOptions: reasoningMetadata(part) });
        }
        if (message.content !== '' || message.toolCalls === undefined || message.toolCalls.length === 0) {
          content.push({ type: 'text', text: message.content });
        }
        for (const call of message.toolCalls ?? []) {
          content.push({
            type: 'tool-call',
            toolCallId: call.id,
            toolName: call.name,
            input: call.arguments,
          });
        }
        prompt.push({ role: 'assistant', content });
        break;
      }
      case 'tool':
        prompt.push({
          role: 'tool',
          content: [
            {
              type: 'tool-result',
              toolCallId: message.toolCallId,
              toolName: message.name ?? '',
              output: message.isError
                ? { type: 'error-text', value: message.content }
                : { type: 'text', value: message.content },
            },
          ],
        });
        break;
    }
  }
  return prompt;
}
