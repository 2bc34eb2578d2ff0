import type { ChatRequest, JsonSchema, Message, ToolChoice, ToolDefinition } from '@victor-ai/core';
import { toJsonSchema } from '@victor-ai/core';
import { promptCacheKeyOf } from '../openai-compatible/request-body.js';
import { appendRawMember, ToolsJsonCache } from '../tools-json.js';

/** The provider kind: the key of its `providerOptions`, `providerMetadata` and reasoning parts. */
export const RESPONSES_PROVIDER = 'openai-responses';

/** Request settings of the Responses API that core's `ChatRequest` does not model. */
export interface ResponsesRequestOptions {
  /** Keep the response on OpenAI's side (`store`); default true, as the API's own default. */
  store?: boolean;
  /** Extra output to include, e.g. `["reasoning.encrypted_content"]` (added for you when `store` is false). */
  include?: readonly string[];
  /** Continue from a stored response: then `messages` should hold only what is new since it. */
  previousResponseId?: string;
  /** Let the model call several tools in one turn (`parallel_tool_calls`); default the API's (true). */
  parallelToolCalls?: boolean;
  /** Reasoning settings of reasoning models, sent as `reasoning`, e.g. `{ effort: 'low', summary: 'auto' }`. */
  reasoning?: { effort?: string; summary?: string };
  /** Send function tools with `strict: true` when their schema allows it (strict mode's rules); default true. */
  strictTools?: boolean;
}

interface ResponsesTool {
  type: 'function';
  name: string;
  description: string;
  parameters: Record<string, unknown>;
  strict?: boolean;
}

/**
 * True when a JSON schema meets strict mode's rules (every object closed with `additionalProperties:
 * false` and every property required, no unsupported keywords), so `strict: true` can be sent as is.
 */
export function allowsStrict(schema: unknown, depth = 0): boolean {
  if (depth > 64 || typeof schema !== 'object' || schema === null) return false;
  const node = schema as Record<string, unknown>;
  for (const key of ['oneOf', 'not', 'if', 'patternProperties', 'dependentSchemas', 'allOf']) {
    if (key in node) return false;
  }
  if (Array.isArray(node.anyOf) && !node.anyOf.every((branch) => allowsStrict(branch, depth + 1)))
    return false;
  const type = node.type;
  const isObject = type === 'object' || (Array.isArray(type) && type.includes('object'));
  if (isObject) {
    if (node.additionalProperties !== false) return false;
    const properties = (node.properties ?? {}) as Record<string, unknown>;
    const required = Array.isArray(node.required) ? (node.required as unknown[]) : [];
    for (const [name, property] of Object.entries(properties)) {
      if (!required.includes(name) || !allowsStrict(property, depth + 1)) return false;
    }
  }
  if (node.items !== undefined && !allowsStrict(node.items, depth + 1)) return false;
  return true;
}

function toResponsesTool(definition: ToolDefinition, strict: boolean): ResponsesTool {
  const parameters = toJsonSchema(definition.parameters) as JsonSchema;
  const tool: ResponsesTool = {
    type: 'function',
    name: definition.name,
    description: definition.description,
    parameters,
  };
  tool.strict = strict && allowsStrict(parameters);
  return tool;
}

// Tools are serialised once per definition and spliced into each body (strict and non-strict caches).
const strictToolsJson = new ToolsJsonCache((definition) => toResponsesTool(definition, true));
const looseToolsJson = new ToolsJsonCache((definition) => toResponsesTool(definition, false));

function toToolChoice(choice: ToolChoice): unknown {
  return typeof choice === 'string' ? choice : { type: 'function', name: choice.name };
}

/** Turns core messages into Responses `input` items; reasoning parts of this provider go back as they came. */
export function toResponsesInput(messages: readonly Message[]): unknown[] {
  const input: unknown[] = [];
  for (const message of messages) {
    switch (message.role) {
      case 'system':
      case 'user':
        input.push({ role: message.role, content: message.content });
        break;
      case 'assistant':
        if (message.reasoning) {
          for (const part of message.reasoning) {
            if (part.provider === RESPONSES_PROVIDER && part.providerData !== undefined)
              input.push(part.providerData);
          }
        }
        if (message.content.length > 0) input.push({ role: 'assistant', content: message.content });
        if (message.toolCalls) {
          for (const call of message.toolCalls) {
            input.push({
              type: 'function_call',
              call_id: call.id,
              name: call.name,
              arguments: JSON.stringify(call.arguments),
            });
          }
        }
        break;
      case 'tool':
        input.push({ type: 'function_call_output', call_id: message.toolCallId, output: message.content });
        break;
    }
  }
  return input;
}

/** Reads the request's `providerOptions['openai-responses']` over the provider's defaults. */
export function responsesOptionsOf(
  request: ChatRequest,
  defaults: ResponsesRequestOptions,
): ResponsesRequestOptions {
  const own = request.providerOptions?.[RESPONSES_PROVIDER] as ResponsesRequestOptions | undefined;
  return own === undefined ? defaults : { ...defaults, ...own };
}

/** Builds the JSON body of a `POST /responses` request. */
export function buildResponsesBody(
  request: ChatRequest,
  stream: boolean,
  options: ResponsesRequestOptions = {},
): string {
  const body: Record<string, unknown> = { model: request.model, input: toResponsesInput(request.messages) };
  if (request.toolChoice !== undefined) body.tool_choice = toToolChoice(request.toolChoice);
  if (options.parallelToolCalls !== undefined) body.parallel_tool_calls = options.parallelToolCalls;
  if (request.temperature !== undefined) body.temperature = request.temperature;
  if (request.topP !== undefined) body.top_p = request.topP;
  if (request.maxTokens !== undefined) body.max_output_tokens = request.maxTokens;
  if (request.metadata?.userId !== undefined) body.safety_identifier = request.metadata.userId;
  const cacheKey = promptCacheKeyOf(request);
  if (cacheKey !== undefined) body.prompt_cache_key = cacheKey;
  if (options.reasoning !== undefined) body.reasoning = options.reasoning;
  if (options.previousResponseId !== undefined) body.previous_response_id = options.previousResponseId;
  let include = options.include;
  if (options.store !== undefined) {
    body.store = options.store;
    // Without storage, reasoning survives a tool loop only as encrypted content carried by the client.
    if (options.store === false && !include?.includes('reasoning.encrypted_content')) {
      include = [...(include ?? []), 'reasoning.encrypted_content'];
    }
  }
  if (include !== undefined && include.length > 0) body.include = include;
  if (stream) body.stream = true;
  const json = JSON.stringify(body);
  if (!request.tools || request.tools.length === 0) return json;
  const tools = options.strictTools === false ? looseToolsJson : strictToolsJson;
  return appendRawMember(json, 'tools', tools.json(request.tools));
}
