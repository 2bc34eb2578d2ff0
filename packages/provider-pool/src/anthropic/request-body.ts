import type { ChatRequest, Message, ToolChoice, ToolDefinition } from '@victor-ai/core';
import { toJsonSchema } from '@victor-ai/core';
import { appendRawMember, ToolsJsonCache } from '../tools-json.js';

/** A tool as the Messages API wants it. */
interface AnthropicTool {
  name: string;
  description: string;
  input_schema: Record<string, unknown>;
}

/** The `thinking` setting of a Messages request, passed through as given. */
export type AnthropicThinking =
  | { type: 'enabled'; budget_tokens: number; [key: string]: unknown }
  | { type: 'disabled' }
  | { type: string; [key: string]: unknown };

/** The provider kind: the key of its `providerOptions` and of its reasoning parts. */
export const ANTHROPIC_PROVIDER = 'anthropic';

type ContentBlock =
  | Record<string, unknown>
  | { type: 'text'; text: string }
  | { type: 'tool_use'; id: string; name: string; input: Record<string, unknown> }
  | { type: 'tool_result'; tool_use_id: string; content: string; is_error?: boolean };

interface AnthropicMessage {
  role: 'user' | 'assistant';
  content: string | ContentBlock[];
}

// Tool definitions are converted once per definition object and reused by every request.
function toAnthropicTool(definition: ToolDefinition): AnthropicTool {
  return {
    name: definition.name,
    description: definition.description,
    input_schema: toJsonSchema(definition.parameters),
  };
}

// Tools are serialised once per definition and per tools array, and spliced into each body.
const toolsJson = new ToolsJsonCache(toAnthropicTool);

function toAnthropicToolChoice(choice: ToolChoice): unknown {
  if (typeof choice !== 'string') return { type: 'tool', name: choice.name };
  return { type: choice === 'required' ? 'any' : choice };
}

/** Splits core messages into Anthropic's `system` text and alternating user/assistant messages. */
export function toAnthropicMessages(messages: readonly Message[]): {
  system: string | undefined;
  messages: AnthropicMessage[];
} {
  let system: string | undefined;
  const out: AnthropicMessage[] = [];
  for (const message of messages) {
    switch (message.role) {
      case 'system':
        system = system === undefined ? message.content : `${system}\n\n${message.content}`;
        break;
      case 'user':
        out.push({ role: 'user', content: message.content });
        break;
      case 'assistant': {
        // Signed thinking blocks go back first and unchanged, or the API refuses the tool loop's next turn.
        const thinking: ContentBlock[] = [];
        for (const part of message.reasoning ?? []) {
          if (
            part.provider === ANTHROPIC_PROVIDER &&
            typeof part.providerData === 'object' &&
            part.providerData !== null
          ) {
            thinking.push(part.providerData as Record<string, unknown>);
          }
        }
        if ((!message.toolCalls || message.toolCalls.length === 0) && thinking.length === 0) {
          out.push({ role: 'assistant', content: message.content });
          break;
        }
        const blocks: ContentBlock[] = thinking;
        if (message.content.length > 0) blocks.push({ type: 'text', text: message.content });
        for (const call of message.toolCalls ?? []) {
          blocks.push({ type: 'tool_use', id: call.id, name: call.name, input: call.arguments });
        }
        out.push({ role: 'assistant', content: blocks });
        break;
      }
      case 'tool': {
        const block: ContentBlock = {
          type: 'tool_result',
          tool_use_id: message.toolCallId,
          content: message.content,
        };
        if (message.isError) block.is_error = true;
        // Results of one turn's tool calls go back in a single user message, as the API requires.
        const previous = out[out.length - 1];
        if (
          previous?.role === 'user' &&
          Array.isArray(previous.content) &&
          (previous.content[0] as { type?: unknown } | undefined)?.type === 'tool_result'
        ) {
          previous.content.push(block);
        } else {
          out.push({ role: 'user', content: [block] });
        }
        break;
      }
    }
  }
  return { system, messages: out };
}

/** Builds the JSON body of a Messages API request; `max_tokens` is required there, so a default fills in. */
export function buildMessagesBody(
  request: ChatRequest,
  stream: boolean,
  defaultMaxTokens: number,
  defaultThinking?: AnthropicThinking,
): string {
  const { system, messages } = toAnthropicMessages(request.messages);
  const body: Record<string, unknown> = {
    model: request.model,
    max_tokens: request.maxTokens ?? defaultMaxTokens,
    messages,
  };
  if (system !== undefined) body.system = system;
  if (request.toolChoice !== undefined) body.tool_choice = toAnthropicToolChoice(request.toolChoice);
  if (request.temperature !== undefined) body.temperature = request.temperature;
  if (request.topP !== undefined) body.top_p = request.topP;
  if (request.stop !== undefined && request.stop.length > 0) body.stop_sequences = request.stop;
  if (request.metadata?.userId !== undefined) body.metadata = { user_id: request.metadata.userId };
  const thinking = request.providerOptions?.[ANTHROPIC_PROVIDER]?.thinking ?? defaultThinking;
  if (thinking !== undefined) body.thinking = thinking;
  if (stream) body.stream = true;
  const json = JSON.stringify(body);
  return request.tools && request.tools.length > 0
    ? appendRawMember(json, 'tools', toolsJson.json(request.tools))
    : json;
}
