import type { ChatRequest, Message, ToolChoice, ToolDefinition } from '@victor-ai/core';
import { invalidOption, toJsonSchema } from '@victor-ai/core';
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

/** A message as the Messages API wants it. */
export interface AnthropicMessage {
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

/**
 * Where the Messages API's prompt-cache breakpoints (`cache_control`) go. Each flag turns one place off;
 * at most `maxBreakpoints` (the API allows 4) are placed, in the order tools, system, messages.
 */
export interface AnthropicCacheControl {
  /** Mark the end of the tool list (the last tool); default true. Turn off when the tools change every turn. */
  tools?: boolean;
  /** Mark the end of the system prompt; default true. Turn off when the system prompt changes every turn. */
  system?: boolean;
  /**
   * Mark the conversation: the last message (written for the next turn) and the last message before the
   * latest assistant message (where the previous request ended, so it is read). Default true; turn off when
   * the history's start changes every turn (a window that drops the oldest messages).
   */
  messages?: boolean;
  /** Cache lifetime sent as `ttl`: `5m` (the API's default, not sent) or `1h`. */
  ttl?: '5m' | '1h';
  /** At most this many breakpoints, 0 to 4; default 4. */
  maxBreakpoints?: number;
  /**
   * A part is marked only while it tends to stay: the share of a conversation's recent requests that sent it
   * unchanged from the request before (a moving average over about the last 4, starting at 0.5) must be at
   * least this. A prefix that changes on every request (a timestamp in the system prompt, unrelated one-off
   * requests) falls below it after two requests and is then never marked, so it is not written at 1.25
   * times the price for nothing; one that changes each turn but stays within the turn's tool steps is still
   * read by those steps, and stays marked. Requests with the same `metadata.tenantId` and
   * `metadata.conversationId` are one conversation (without a conversation id: one per tenant).
   * Default 0.3; 0 marks every request.
   */
  minStability?: number;
}

interface PrefixRecord {
  tools: string;
  system: string;
  first: Message | undefined;
  /** Moving averages of "kept unchanged from the request before": tools, tools+system, tools+system+messages. */
  stability: [number, number, number];
}

function sameMessage(a: Message | undefined, b: Message | undefined): boolean {
  return a === b || (a !== undefined && b !== undefined && a.role === b.role && a.content === b.content);
}

/** Weight of the newest request in the moving averages of `PrefixStability`. */
const STABILITY_WEIGHT = 0.25;

/**
 * Remembers, per conversation, how often each part of the prompt's prefix (tools, system prompt, start of
 * the messages) was sent unchanged from one request to the next; the provider marks only the parts that
 * tend to stay. Bounded: the least recently seen conversation is forgotten beyond `maxConversations`
 * (default 1,000).
 */
export class PrefixStability {
  private readonly conversations = new Map<string, PrefixRecord>();

  constructor(private readonly maxConversations = 1000) {}

  /** Records a request's prefix parts and returns how stable each part has been (0 to 1; 0.5 when new). */
  observe(
    key: string,
    tools: string,
    system: string,
    first: Message | undefined,
  ): readonly [number, number, number] {
    const previous = this.conversations.get(key);
    let stability: [number, number, number] = [0.5, 0.5, 0.5];
    if (previous !== undefined) {
      this.conversations.delete(key);
      const kept0 = previous.tools === tools;
      const kept1 = kept0 && previous.system === system;
      const kept2 = kept1 && sameMessage(previous.first, first);
      const [s0, s1, s2] = previous.stability;
      stability = [
        s0 + STABILITY_WEIGHT * ((kept0 ? 1 : 0) - s0),
        s1 + STABILITY_WEIGHT * ((kept1 ? 1 : 0) - s1),
        s2 + STABILITY_WEIGHT * ((kept2 ? 1 : 0) - s2),
      ];
    } else if (this.conversations.size >= this.maxConversations) {
      this.conversations.delete(this.conversations.keys().next().value!);
    }
    this.conversations.set(key, { tools, system, first, stability });
    return stability;
  }
}

/** Reads `cacheControl` of a request's `providerOptions.anthropic` over the provider's default (`false`: off). */
export function cacheControlOf(
  request: ChatRequest,
  fallback: AnthropicCacheControl | boolean | undefined,
): AnthropicCacheControl | undefined {
  const own = request.providerOptions?.[ANTHROPIC_PROVIDER]?.cacheControl as
    | AnthropicCacheControl
    | boolean
    | undefined;
  const setting = own ?? fallback;
  if (setting === undefined || setting === false) return undefined;
  return setting === true ? {} : setting;
}

/** Adds `cache_control` to the last content block of a message (a string content becomes one text block). */
function markMessage(message: AnthropicMessage, marker: Record<string, unknown>): boolean {
  if (typeof message.content === 'string') {
    if (message.content.length === 0) return false;
    message.content = [{ type: 'text', text: message.content, cache_control: marker }];
    return true;
  }
  const last = message.content[message.content.length - 1] as Record<string, unknown> | undefined;
  // Thinking blocks cannot carry cache_control.
  if (last === undefined || last.type === 'thinking' || last.type === 'redacted_thinking') return false;
  message.content[message.content.length - 1] = { ...last, cache_control: marker };
  return true;
}

/**
 * Places up to 4 prompt-cache breakpoints: the last tool, the system prompt, the last message, and the last
 * message before the latest assistant message. Returns the system value to send and whether the tools are marked.
 */
export function placeCacheBreakpoints(
  system: string | undefined,
  messages: AnthropicMessage[],
  hasTools: boolean,
  control: AnthropicCacheControl,
): { system: unknown; markTools: boolean; marker: Record<string, unknown>; count: number } {
  const limit = control.maxBreakpoints ?? 4;
  if (!Number.isInteger(limit) || limit < 0 || limit > 4) {
    throw invalidOption('cacheControl.maxBreakpoints', 'an integer from 0 to 4', limit);
  }
  const marker: Record<string, unknown> =
    control.ttl === '1h' ? { type: 'ephemeral', ttl: '1h' } : { type: 'ephemeral' };
  let count = 0;
  const markTools = hasTools && control.tools !== false && count < limit;
  if (markTools) count++;
  let systemValue: unknown = system;
  if (system !== undefined && system.length > 0 && control.system !== false && count < limit) {
    systemValue = [{ type: 'text', text: system, cache_control: marker }];
    count++;
  }
  if (control.messages !== false && messages.length > 0) {
    const last = messages.length - 1;
    if (count < limit && markMessage(messages[last]!, marker)) count++;
    let lastAssistant = -1;
    for (let i = last; i >= 0; i--) {
      if (messages[i]!.role === 'assistant') {
        lastAssistant = i;
        break;
      }
    }
    const previousEnd = lastAssistant - 1;
    if (
      previousEnd >= 0 &&
      previousEnd !== last &&
      count < limit &&
      markMessage(messages[previousEnd]!, marker)
    )
      count++;
  }
  return { system: systemValue, markTools, marker, count };
}

/** Builds the JSON body of a Messages API request; `max_tokens` is required there, so a default fills in. */
export function buildMessagesBody(
  request: ChatRequest,
  stream: boolean,
  defaultMaxTokens: number,
  defaultThinking?: AnthropicThinking,
  defaultCacheControl?: AnthropicCacheControl | boolean,
  stability?: PrefixStability,
): string {
  const { system, messages } = toAnthropicMessages(request.messages);
  const body: Record<string, unknown> = {
    model: request.model,
    max_tokens: request.maxTokens ?? defaultMaxTokens,
    messages,
  };
  const hasTools = request.tools !== undefined && request.tools.length > 0;
  let control = cacheControlOf(request, defaultCacheControl);
  if (control !== undefined && stability !== undefined) {
    const minStability = control.minStability ?? 0.3;
    if (typeof minStability !== 'number' || !(minStability >= 0 && minStability <= 1)) {
      throw invalidOption('cacheControl.minStability', 'a number from 0 to 1', minStability);
    }
    let first: Message | undefined;
    for (const message of request.messages) {
      if (message.role !== 'system') {
        first = message;
        break;
      }
    }
    const stable = stability.observe(
      // Requests without a conversation id share one entry per tenant (\u0000 is in no conversation id).
      `${request.metadata?.tenantId ?? ''}:${request.metadata?.conversationId ?? '\u0000'}`,
      hasTools ? toolsJson.json(request.tools!) : '',
      system ?? '',
      first,
    );
    if (stable[2] < minStability) {
      control = {
        ...control,
        tools: control.tools !== false && stable[0] >= minStability,
        system: control.system !== false && stable[1] >= minStability,
        messages: false,
      };
    }
  }
  const placed =
    control === undefined ? undefined : placeCacheBreakpoints(system, messages, hasTools, control);
  if (placed !== undefined) {
    if (placed.system !== undefined) body.system = placed.system;
  } else if (system !== undefined) body.system = system;
  if (request.toolChoice !== undefined) body.tool_choice = toAnthropicToolChoice(request.toolChoice);
  if (request.temperature !== undefined) body.temperature = request.temperature;
  if (request.topP !== undefined) body.top_p = request.topP;
  if (request.stop !== undefined && request.stop.length > 0) body.stop_sequences = request.stop;
  if (request.metadata?.userId !== undefined) body.metadata = { user_id: request.metadata.userId };
  const thinking = request.providerOptions?.[ANTHROPIC_PROVIDER]?.thinking ?? defaultThinking;
  if (thinking !== undefined) body.thinking = thinking;
  if (stream) body.stream = true;
  const json = JSON.stringify(body);
  if (!hasTools) return json;
  let tools = toolsJson.json(request.tools!);
  // The cached tools JSON ends with `}]`: the marker goes into the last tool object.
  if (placed?.markTools) tools = `${tools.slice(0, -2)},"cache_control":${JSON.stringify(placed.marker)}}]`;
  return appendRawMember(json, 'tools', tools);
}
