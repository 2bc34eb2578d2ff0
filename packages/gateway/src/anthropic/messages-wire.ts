import type {
  ChatRequest,
  ChatResponse,
  FinishReason,
  Message,
  StreamEvent,
  ToolChoice,
  ToolDefinition,
} from '@victor-ai/core';
import { z } from 'zod/v4';
import { HttpError } from '../http/http-error.js';

// The Anthropic Messages wire format, as much of it as the gateway speaks: text, tool use and tool results.
// Unknown fields are ignored; content the gateway cannot pass on (images, documents) is refused with 400.

const textBlock = z.object({ type: z.literal('text'), text: z.string() }).loose();
const toolUseBlock = z
  .object({
    type: z.literal('tool_use'),
    id: z.string(),
    name: z.string(),
    input: z.record(z.string(), z.unknown()),
  })
  .loose();
const toolResultBlock = z
  .object({
    type: z.literal('tool_result'),
    tool_use_id: z.string(),
    content: z.union([z.string(), z.array(z.object({ type: z.string() }).loose())]).optional(),
    is_error: z.boolean().optional(),
  })
  .loose();
const anyBlock = z.object({ type: z.string() }).loose();

const wireMessage = z.object({
  role: z.enum(['user', 'assistant']),
  content: z.union([z.string(), z.array(anyBlock)]),
});

/** An Anthropic Messages request body, validated. */
export const messagesRequestSchema = z.object({
  model: z.string().min(1),
  max_tokens: z.number().int().positive(),
  messages: z.array(wireMessage).min(1),
  system: z.union([z.string(), z.array(textBlock)]).optional(),
  stream: z.boolean().optional(),
  temperature: z.number().min(0).max(1).optional(),
  top_p: z.number().min(0).max(1).optional(),
  stop_sequences: z.array(z.string()).optional(),
  metadata: z.object({ user_id: z.string().optional() }).loose().optional(),
  tools: z
    .array(
      z
        .object({
          name: z.string().regex(/^[a-zA-Z0-9_-]{1,64}$/, 'must match [a-zA-Z0-9_-]{1,64}'),
          description: z.string().optional(),
          input_schema: z.record(z.string(), z.unknown()),
        })
        .loose(),
    )
    .optional(),
  tool_choice: z
    .discriminatedUnion('type', [
      z.object({ type: z.literal('auto') }).loose(),
      z.object({ type: z.literal('any') }).loose(),
      z.object({ type: z.literal('none') }).loose(),
      z.object({ type: z.literal('tool'), name: z.string() }).loose(),
    ])
    .optional(),
});

function badRequest(message: string, param: string | null = null): HttpError {
  return new HttpError({ status: 400, reason: 'invalid_request', message, param });
}

function textOfBlocks(blocks: ReadonlyArray<{ type: string }>, path: string): string {
  return blocks
    .map((block, index) => {
      const parsed = textBlock.safeParse(block);
      if (!parsed.success) {
        throw badRequest(
          `only text blocks are supported here; ${path}[${index}] has type ${JSON.stringify(block.type)}`,
          `${path}[${index}]`,
        );
      }
      return parsed.data.text;
    })
    .join('');
}

/** Parses an Anthropic Messages body into core's `ChatRequest` (and whether it streams); throws `HttpError` 400. */
export function fromMessagesRequest(body: unknown): { request: ChatRequest; stream: boolean } {
  const parsed = messagesRequestSchema.safeParse(body);
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!;
    const param = issue.path.map(String).join('.');
    throw badRequest(`${param === '' ? 'the body' : param}: ${issue.message}`, param || null);
  }
  const wire = parsed.data;
  const messages: Message[] = [];
  if (wire.system !== undefined) {
    const system = typeof wire.system === 'string' ? wire.system : textOfBlocks(wire.system, 'system');
    if (system !== '') messages.push({ role: 'system', content: system });
  }
  wire.messages.forEach((message, index) => {
    const path = `messages[${index}].content`;
    if (typeof message.content === 'string') {
      messages.push({ role: message.role, content: message.content });
      return;
    }
    if (message.role === 'assistant') {
      let text = '';
      const toolCalls: Array<{ id: string; name: string; arguments: Record<string, unknown> }> = [];
      message.content.forEach((block, blockIndex) => {
        if (block.type === 'text') text += textOfBlocks([block], path);
        else if (block.type === 'tool_use') {
          const use = toolUseBlock.safeParse(block);
          if (!use.success)
            throw badRequest(
              `${path}[${blockIndex}] is not a valid tool_use block`,
              `${path}[${blockIndex}]`,
            );
          toolCalls.push({ id: use.data.id, name: use.data.name, arguments: use.data.input });
        } else if (block.type !== 'thinking' && block.type !== 'redacted_thinking') {
          throw badRequest(
            `${path}[${blockIndex}] has unsupported type ${JSON.stringify(block.type)}`,
            `${path}[${blockIndex}]`,
          );
        }
      });
      messages.push(
        toolCalls.length > 0
          ? { role: 'assistant', content: text, toolCalls }
          : { role: 'assistant', content: text },
      );
      return;
    }
    // A user turn: tool results become tool messages (first, as Anthropic requires), text a user message.
    let text = '';
    message.content.forEach((block, blockIndex) => {
      if (block.type === 'tool_result') {
        const result = toolResultBlock.safeParse(block);
        if (!result.success)
          throw badRequest(
            `${path}[${blockIndex}] is not a valid tool_result block`,
            `${path}[${blockIndex}]`,
          );
        const content = result.data.content;
        messages.push({
          role: 'tool',
          toolCallId: result.data.tool_use_id,
          content:
            content === undefined
              ? ''
              : typeof content === 'string'
                ? content
                : textOfBlocks(content, `${path}[${blockIndex}].content`),
          ...(result.data.is_error ? { isError: true } : {}),
        });
      } else text += textOfBlocks([block], path);
    });
    if (text !== '') messages.push({ role: 'user', content: text });
  });
  const request: ChatRequest = { model: wire.model, messages, maxTokens: wire.max_tokens };
  if (wire.tools && wire.tools.length > 0) {
    request.tools = wire.tools.map(
      (tool): ToolDefinition => ({
        name: tool.name,
        description: tool.description ?? '',
        parameters: tool.input_schema,
      }),
    );
  }
  if (wire.tool_choice) {
    const choice = wire.tool_choice;
    const map: Record<string, ToolChoice> = { auto: 'auto', any: 'required', none: 'none' };
    request.toolChoice =
      choice.type === 'tool' ? { type: 'tool', name: (choice as { name: string }).name } : map[choice.type]!;
  }
  if (wire.temperature !== undefined) request.temperature = wire.temperature;
  if (wire.top_p !== undefined) request.topP = wire.top_p;
  if (wire.stop_sequences && wire.stop_sequences.length > 0) request.stop = wire.stop_sequences;
  if (wire.metadata?.user_id) request.metadata = { userId: wire.metadata.user_id };
  return { request, stream: wire.stream === true };
}

/** Anthropic's `stop_reason` for core's finish reason. */
export function toStopReason(reason: FinishReason): string {
  if (reason === 'tool-calls') return 'tool_use';
  if (reason === 'length') return 'max_tokens';
  return 'end_turn';
}

/** An Anthropic `message` body for a complete response. */
export function toMessagesResponse(response: ChatResponse, id: string, model: string): object {
  const content: object[] = [];
  if (response.text !== '') content.push({ type: 'text', text: response.text });
  for (const call of response.toolCalls) {
    content.push({ type: 'tool_use', id: call.id, name: call.name, input: call.arguments });
  }
  return {
    id,
    type: 'message',
    role: 'assistant',
    model: response.model ?? model,
    content,
    stop_reason: toStopReason(response.finishReason),
    stop_sequence: null,
    usage: { input_tokens: response.usage.inputTokens, output_tokens: response.usage.outputTokens },
  };
}

/** Anthropic's error body for an `HttpError`. */
export function anthropicErrorBody(error: HttpError): {
  type: 'error';
  error: { type: string; message: string };
} {
  let type = error.status >= 500 ? 'api_error' : 'invalid_request_error';
  if (error.status === 401) type = 'authentication_error';
  else if (error.status === 403) type = 'permission_error';
  else if (error.status === 404) type = 'not_found_error';
  else if (error.status === 413) type = 'request_too_large';
  else if (error.status === 429) type = 'rate_limit_error';
  else if (error.status === 503) type = 'overloaded_error';
  return { type: 'error', error: { type, message: error.message } };
}

/**
 * Turns core stream events into Anthropic's SSE events (`message_start`, `content_block_*`,
 * `message_delta`, `message_stop`), one call per event; each item is `[event name, data]`.
 */
export class MessagesEventEncoder {
  private started = false;
  private blockIndex = -1;
  private openBlock: 'text' | 'tool' | undefined;
  private readonly toolArguments = new Map<number, boolean>();

  constructor(
    private readonly id: string,
    private readonly model: string,
  ) {}

  /** The events for one core event; an `error` event is not encoded here. */
  encode(event: StreamEvent): Array<[string, object]> {
    const out: Array<[string, object]> = [];
    if (!this.started && event.type !== 'error') {
      this.started = true;
      out.push([
        'message_start',
        {
          type: 'message_start',
          message: {
            id: this.id,
            type: 'message',
            role: 'assistant',
            model: this.model,
            content: [],
            stop_reason: null,
            stop_sequence: null,
            usage: { input_tokens: 0, output_tokens: 0 },
          },
        },
      ]);
    }
    switch (event.type) {
      case 'text-delta':
        if (event.delta === '') break;
        if (this.openBlock !== 'text') {
          this.close(out);
          this.open(out, { type: 'text', text: '' }, 'text');
        }
        this.delta(out, { type: 'text_delta', text: event.delta });
        break;
      case 'tool-call-start':
        this.close(out);
        this.open(out, { type: 'tool_use', id: event.id, name: event.name, input: {} }, 'tool');
        this.toolArguments.set(event.index, false);
        break;
      case 'tool-call-delta':
        this.toolArguments.set(event.index, true);
        this.delta(out, { type: 'input_json_delta', partial_json: event.argumentsDelta });
        break;
      case 'tool-call-end': {
        const sent = this.toolArguments.get(event.index);
        if (sent === undefined) {
          this.close(out);
          this.open(
            out,
            { type: 'tool_use', id: event.toolCall.id, name: event.toolCall.name, input: {} },
            'tool',
          );
        }
        if (!sent) {
          this.delta(out, {
            type: 'input_json_delta',
            partial_json: JSON.stringify(event.toolCall.arguments),
          });
        }
        this.toolArguments.set(event.index, true);
        this.close(out);
        break;
      }
      case 'finish':
        this.close(out);
        out.push([
          'message_delta',
          {
            type: 'message_delta',
            delta: { stop_reason: toStopReason(event.finishReason), stop_sequence: null },
            usage: { input_tokens: event.usage.inputTokens, output_tokens: event.usage.outputTokens },
          },
        ]);
        out.push(['message_stop', { type: 'message_stop' }]);
        break;
      default:
        break;
    }
    return out;
  }

  private open(out: Array<[string, object]>, block: object, kind: 'text' | 'tool'): void {
    this.blockIndex++;
    this.openBlock = kind;
    out.push([
      'content_block_start',
      { type: 'content_block_start', index: this.blockIndex, content_block: block },
    ]);
  }

  /** A `content_block_delta` for the open block. */
  private delta(out: Array<[string, object]>, delta: object): void {
    out.push(['content_block_delta', { type: 'content_block_delta', index: this.blockIndex, delta }]);
  }

  private close(out: Array<[string, object]>): void {
    if (this.openBlock === undefined) return;
    out.push(['content_block_stop', { type: 'content_block_stop', index: this.blockIndex }]);
    this.openBlock = undefined;
  }
}
