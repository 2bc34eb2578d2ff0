import type { ChatRequest, Message, ToolChoice, ToolDefinition } from '@victor-ai/core';
import { toJsonSchema } from '@victor-ai/core';
import { appendRawMember, ToolsJsonCache } from '../tools-json.js';

/** A tool as the Chat Completions API wants it. */
interface OpenAITool {
  type: 'function';
  function: { name: string; description: string; parameters: Record<string, unknown> };
}

function toOpenAITool(definition: ToolDefinition): OpenAITool {
  return {
    type: 'function',
    function: {
      name: definition.name,
      description: definition.description,
      parameters: toJsonSchema(definition.parameters),
    },
  };
}

// Tools are serialised once per definition and per tools array, and spliced into each body.
const toolsJson = new ToolsJsonCache(toOpenAITool);

function toOpenAIMessage(message: Message): object {
  switch (message.role) {
    case 'assistant':
      if (message.toolCalls && message.toolCalls.length > 0) {
        return {
          role: 'assistant',
          content: message.content.length > 0 ? message.content : null,
          tool_calls: message.toolCalls.map((call) => ({
            id: call.id,
            type: 'function',
            function: { name: call.name, arguments: JSON.stringify(call.arguments) },
          })),
        };
      }
      return message;
    case 'tool':
      return { role: 'tool', tool_call_id: message.toolCallId, content: message.content };
    default:
      return message;
  }
}

function toOpenAIToolChoice(choice: ToolChoice): unknown {
  return typeof choice === 'string' ? choice : { type: 'function', function: { name: choice.name } };
}

/**
 * The `prompt_cache_key` of a request: `providerOptions.openai.promptCacheKey` when given, else
 * `<tenantId>:<conversationId>` from its metadata when it names a conversation, else none. Requests with
 * the same key are routed to the same prompt cache.
 */
export function promptCacheKeyOf(request: ChatRequest): string | undefined {
  const own = request.providerOptions?.openai?.promptCacheKey;
  if (typeof own === 'string') return own;
  const conversation = request.metadata?.conversationId;
  if (conversation === undefined) return undefined;
  return `${request.metadata?.tenantId ?? ''}:${conversation}`;
}

/** Builds the JSON body of a Chat Completions request. */
export function buildChatBody(request: ChatRequest, stream: boolean, includeStreamUsage: boolean): string {
  const body: Record<string, unknown> = {
    model: request.model,
    messages: request.messages.map(toOpenAIMessage),
  };
  if (request.toolChoice !== undefined) body.tool_choice = toOpenAIToolChoice(request.toolChoice);
  if (request.temperature !== undefined) body.temperature = request.temperature;
  if (request.topP !== undefined) body.top_p = request.topP;
  if (request.maxTokens !== undefined) body.max_tokens = request.maxTokens;
  if (request.stop !== undefined && request.stop.length > 0) body.stop = request.stop;
  if (request.seed !== undefined) body.seed = request.seed;
  if (request.metadata?.userId !== undefined) body.user = request.metadata.userId;
  const cacheKey = promptCacheKeyOf(request);
  if (cacheKey !== undefined) body.prompt_cache_key = cacheKey;
  if (stream) {
    body.stream = true;
    if (includeStreamUsage) body.stream_options = { include_usage: true };
  }
  const json = JSON.stringify(body);
  return request.tools && request.tools.length > 0
    ? appendRawMember(json, 'tools', toolsJson.json(request.tools))
    : json;
}
