import type {
  ChatRequest,
  ChatResponse,
  FinishReason,
  Message,
  StreamEvent,
  ToolChoice,
  ToolDefinition,
  Usage,
} from '@victor-ai/core';
import { z } from 'zod/v4';
import { HttpError } from '../http/http-error.js';
import { parseJson } from '../http/parse-json.js';

// The OpenAI Chat Completions wire format, as much of it as the gateway (and the demo's serve mode) speaks. Unknown fields
// are ignored (clients send many), fields that would change the answer and cannot be honoured are refused.

const textPart = z.object({ type: z.literal('text'), text: z.string() });
const contentSchema = z
  .union([z.string(), z.array(z.object({ type: z.string() }).loose()), z.null()])
  .optional();

const wireToolCall = z.object({
  id: z.string(),
  type: z.literal('function').optional(),
  function: z.object({ name: z.string(), arguments: z.string() }),
});

const wireMessage = z.object({
  role: z.enum(['system', 'developer', 'user', 'assistant', 'tool']),
  content: contentSchema,
  name: z.string().optional(),
  tool_calls: z.array(wireToolCall).optional(),
  tool_call_id: z.string().optional(),
});

const wireTool = z.object({
  type: z.literal('function'),
  function: z.object({
    name: z.string().regex(/^[a-zA-Z0-9_.-]{1,64}$/, 'must match [a-zA-Z0-9_.-]{1,64}'),
    description: z.string().optional(),
    parameters: z.record(z.string(), z.unknown()).optional(),
  }),
});

/** A Chat Completions request body, validated. */
export const chatCompletionRequestSchema = z.object({
  model: z.string().min(1),
  messages: z.array(wireMessage).min(1),
  stream: z.boolean().nullish(),
  stream_options: z.object({ include_usage: z.boolean().optional() }).nullish(),
  temperature: z.number().min(0).max(2).nullish(),
  top_p: z.number().min(0).max(1).nullish(),
  max_tokens: z.number().int().positive().nullish(),
  max_completion_tokens: z.number().int().positive().nullish(),
  stop: z.union([z.string(), z.array(z.string()).max(4)]).nullish(),
  seed: z.number().int().nullish(),
  n: z.literal(1).nullish(),
  user: z.string().nullish(),
  tools: z.array(wireTool).nullish(),
  tool_choice: z
    .union([
      z.enum(['auto', 'none', 'required']),
      z.object({ type: z.literal('function'), function: z.object({ name: z.string() }) }),
    ])
    .nullish(),
});

/** A request the server refuses, in OpenAI's error shape; an `HttpError` the hardened server answers. */
export class WireError extends HttpError {
  /** OpenAI's error `type`. */
  readonly type: string;

  constructor(status: number, message: string, param: string | null = null, type = 'invalid_request_error') {
    super({ status, reason: status >= 500 ? 'upstream_error' : 'invalid_request', message, param });
    this.name = 'WireError';
    this.type = type;
  }

  /** The JSON body OpenAI clients expect. */
  body(): { error: { message: string; type: string; param: string | null; code: string | null } } {
    return { error: { message: this.message, type: this.type, param: this.param, code: null } };
  }
}

function textOf(content: z.infer<typeof contentSchema>, path: string): string {
  if (content === undefined || content === null) return '';
  if (typeof content === 'string') return content;
  return content
    .map((part, index) => {
      const parsed = textPart.safeParse(part);
      if (!parsed.success) {
        throw new WireError(
          400,
          `only text content parts are supported; ${path}[${index}] has type ${JSON.stringify(part.type)}`,
          `${path}[${index}]`,
        );
      }
      return parsed.data.text;
    })
    .join('');
}

function parseArguments(text: string, path: string, maxDepth: number | undefined): Record<string, unknown> {
  let value: unknown;
  try {
    value = parseJson(text === '' ? '{}' : text, {
      what: path,
      param: path,
      ...(maxDepth ? { maxDepth } : {}),
    });
  } catch (error) {
    // Too deep is reported as such; any other parse failure as "must be a JSON object" below.
    if (HttpError.isHttpError(error) && error.reason === 'json_too_deep') throw error;
  }
  if (typeof value === 'object' && value !== null && !Array.isArray(value))
    return value as Record<string, unknown>;
  throw new WireError(400, `${path} must be a JSON object`, path);
}

/** Options of `fromWireRequest`. */
export interface FromWireRequestOptions {
  /** Deepest nesting accepted in tool-call `arguments` (JSON inside a string); default 64. */
  maxJsonDepth?: number;
}

/**
 * Parses a Chat Completions body into core's `ChatRequest` (and whether it streams); throws `WireError`,
 * or `HttpError` (`json_too_deep`) for tool-call arguments nested deeper than `maxJsonDepth`.
 */
export function fromWireRequest(
  body: unknown,
  options: FromWireRequestOptions = {},
): {
  request: ChatRequest;
  stream: boolean;
  includeUsage: boolean;
} {
  const parsed = chatCompletionRequestSchema.safeParse(body);
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!;
    const param = issue.path.map(String).join('.');
    throw new WireError(400, `${param === '' ? 'the body' : param}: ${issue.message}`, param || null);
  }
  const wire = parsed.data;
  const messages: Message[] = wire.messages.map((message, index): Message => {
    const path = `messages[${index}]`;
    switch (message.role) {
      case 'system':
      case 'developer':
        return { role: 'system', content: textOf(message.content, `${path}.content`) };
      case 'user':
        return { role: 'user', content: textOf(message.content, `${path}.content`) };
      case 'assistant': {
        const content = textOf(message.content, `${path}.content`);
        if (!message.tool_calls || message.tool_calls.length === 0) return { role: 'assistant', content };
        return {
          role: 'assistant',
          content,
          toolCalls: message.tool_calls.map((call, callIndex) => ({
            id: call.id,
            name: call.function.name,
            arguments: parseArguments(
              call.function.arguments,
              `${path}.tool_calls[${callIndex}].function.arguments`,
              options.maxJsonDepth,
            ),
          })),
        };
      }
      default:
        if (!message.tool_call_id)
          throw new WireError(400, `${path}.tool_call_id is required`, `${path}.tool_call_id`);
        return {
          role: 'tool',
          toolCallId: message.tool_call_id,
          content: textOf(message.content, `${path}.content`),
          ...(message.name ? { name: message.name } : {}),
        };
    }
  });
  const request: ChatRequest = { model: wire.model, messages };
  if (wire.tools && wire.tools.length > 0) {
    request.tools = wire.tools.map(
      (tool): ToolDefinition => ({
        name: tool.function.name,
        description: tool.function.description ?? '',
        parameters: tool.function.parameters ?? { type: 'object', properties: {} },
      }),
    );
  }
  if (wire.tool_choice !== undefined && wire.tool_choice !== null) {
    request.toolChoice =
      typeof wire.tool_choice === 'string'
        ? (wire.tool_choice as ToolChoice)
        : { type: 'tool', name: wire.tool_choice.function.name };
  }
  if (wire.temperature !== undefined && wire.temperature !== null) request.temperature = wire.temperature;
  if (wire.top_p !== undefined && wire.top_p !== null) request.topP = wire.top_p;
  const maxTokens = wire.max_completion_tokens ?? wire.max_tokens;
  if (maxTokens !== undefined && maxTokens !== null) request.maxTokens = maxTokens;
  if (wire.stop !== undefined && wire.stop !== null)
    request.stop = typeof wire.stop === 'string' ? [wire.stop] : wire.stop;
  if (wire.seed !== undefined && wire.seed !== null) request.seed = wire.seed;
  if (wire.user) request.metadata = { userId: wire.user };
  return { request, stream: wire.stream === true, includeUsage: wire.stream_options?.include_usage === true };
}

/** OpenAI's `finish_reason` for core's. */
export function toWireFinishReason(reason: FinishReason): string {
  switch (reason) {
    case 'tool-calls':
      return 'tool_calls';
    case 'length':
      return 'length';
    case 'content-filter':
      return 'content_filter';
    default:
      return 'stop';
  }
}

/** OpenAI's `usage` object for core's. */
export function toWireUsage(usage: Usage): Record<string, unknown> {
  const wire: Record<string, unknown> = {
    prompt_tokens: usage.inputTokens,
    completion_tokens: usage.outputTokens,
    total_tokens: usage.inputTokens + usage.outputTokens,
  };
  if (usage.cachedInputTokens !== undefined)
    wire.prompt_tokens_details = { cached_tokens: usage.cachedInputTokens };
  return wire;
}

/** A `chat.completion` body for a complete response. */
export function toWireCompletion(response: ChatResponse, id: string, model: string, created: number): object {
  const message: Record<string, unknown> = {
    role: 'assistant',
    content: response.toolCalls.length > 0 && response.text === '' ? null : response.text,
    refusal: null,
  };
  if (response.toolCalls.length > 0) {
    message.tool_calls = response.toolCalls.map((call) => ({
      id: call.id,
      type: 'function',
      function: { name: call.name, arguments: JSON.stringify(call.arguments) },
    }));
  }
  return {
    id,
    object: 'chat.completion',
    created,
    model: response.model ?? model,
    choices: [
      { index: 0, message, logprobs: null, finish_reason: toWireFinishReason(response.finishReason) },
    ],
    usage: toWireUsage(response.usage),
  };
}

/**
 * Turns core stream events into `chat.completion.chunk` objects, one call per event (zero, one or two
 * chunks each): the role first, text and tool-call fragments as they come, the finish reason, then the
 * usage chunk when the client asked for it.
 */
export class WireChunkEncoder {
  private started = false;
  private readonly argumentsSent = new Map<number, boolean>();

  constructor(
    private readonly id: string,
    private readonly model: string,
    private readonly created: number,
    private readonly includeUsage: boolean,
  ) {}

  /** The chunks for one event; an `error` event is not encoded here (the server writes it as an error). */
  encode(event: StreamEvent): object[] {
    const chunks: object[] = [];
    if (!this.started && event.type !== 'error') {
      this.started = true;
      chunks.push(this.chunk({ role: 'assistant', content: '' }, null));
    }
    switch (event.type) {
      case 'text-delta':
        if (event.delta !== '') chunks.push(this.chunk({ content: event.delta }, null));
        break;
      case 'tool-call-start':
        this.argumentsSent.set(event.index, false);
        chunks.push(
          this.chunk(
            {
              tool_calls: [
                {
                  index: event.index,
                  id: event.id,
                  type: 'function',
                  function: { name: event.name, arguments: '' },
                },
              ],
            },
            null,
          ),
        );
        break;
      case 'tool-call-delta':
        this.argumentsSent.set(event.index, true);
        chunks.push(
          this.chunk(
            { tool_calls: [{ index: event.index, function: { arguments: event.argumentsDelta } }] },
            null,
          ),
        );
        break;
      case 'tool-call-end': {
        const sent = this.argumentsSent.get(event.index);
        const args = JSON.stringify(event.toolCall.arguments);
        if (sent === undefined) {
          // No start was streamed for this call: send it whole.
          chunks.push(
            this.chunk(
              {
                tool_calls: [
                  {
                    index: event.index,
                    id: event.toolCall.id,
                    type: 'function',
                    function: { name: event.toolCall.name, arguments: args },
                  },
                ],
              },
              null,
            ),
          );
        } else if (!sent) {
          chunks.push(
            this.chunk({ tool_calls: [{ index: event.index, function: { arguments: args } }] }, null),
          );
        }
        this.argumentsSent.set(event.index, true);
        break;
      }
      case 'finish':
        chunks.push(this.chunk({}, toWireFinishReason(event.finishReason)));
        if (this.includeUsage) {
          chunks.push({
            id: this.id,
            object: 'chat.completion.chunk',
            created: this.created,
            model: this.model,
            choices: [],
            usage: toWireUsage(event.usage),
          });
        }
        break;
      default:
        break;
    }
    return chunks;
  }

  private chunk(delta: Record<string, unknown>, finishReason: string | null): object {
    return {
      id: this.id,
      object: 'chat.completion.chunk',
      created: this.created,
      model: this.model,
      choices: [{ index: 0, delta, logprobs: null, finish_reason: finishReason }],
    };
  }
}
