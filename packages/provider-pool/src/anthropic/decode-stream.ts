import type { StreamEvent, Usage, VictorError } from '@victor-ai/core';
import { InvalidResponseError, parseToolArguments } from '@victor-ai/core';
import { streamError } from '../http-errors.js';
import { JsonStreamDecoder } from '../json-stream-decoder.js';
import { decodeAnthropicUsage, thinkingPart } from './decode-response.js';
import { mapStopReason } from './stop-reason.js';

interface PendingToolCall {
  index: number;
  id: string;
  name: string;
  arguments: string;
  /** Input given whole in `content_block_start` (non-empty object), used when no delta arrives. */
  initialInput: Record<string, unknown> | undefined;
}

/**
 * Turns the `data` payloads of a Messages API stream into core's stream events: text deltas, `tool_use`
 * blocks whose `input_json_delta` fragments are assembled into parsed calls (no input is `{}`), the
 * `message_delta` stop reason and cumulative usage, `ping`, and `error` events. A tool's JSON cut off by
 * `max_tokens` ends the stream with a typed `INVALID_RESPONSE` error naming the tool. One decoder per
 * response. Server-side tool blocks (`server_tool_use`, `mcp_tool_use`) are not tool calls for the caller.
 */
export class AnthropicStreamDecoder extends JsonStreamDecoder {
  private started = false;
  private rawStopReason: unknown;
  private readonly usage: Usage = { inputTokens: 0, outputTokens: 0 };
  private readonly blocks = new Map<number, PendingToolCall>();
  /** Thinking blocks being streamed, by block index, assembled as the API sends them. */
  private readonly thinking = new Map<number, Record<string, unknown>>();
  private toolCallCount = 0;
  private unparsable: { call: PendingToolCall; error: VictorError } | undefined;

  protected decode(event: Record<string, unknown>, out: StreamEvent[]): void {
    switch (event.type) {
      case 'message_start':
        this.messageStart(event.message as Record<string, unknown> | undefined, out);
        return;
      case 'content_block_start':
        this.blockStart(event.index, event.content_block as Record<string, unknown> | undefined, out);
        return;
      case 'content_block_delta':
        this.blockDelta(event.index, event.delta as Record<string, unknown> | undefined, out);
        return;
      case 'content_block_stop':
        this.blockStop(event.index, out);
        return;
      case 'message_delta': {
        const delta = event.delta as { stop_reason?: unknown } | undefined;
        if (delta?.stop_reason != null) {
          this.rawStopReason = delta.stop_reason;
          this.finishReason = mapStopReason(delta.stop_reason);
        }
        // message_delta usage is cumulative: its counts replace the ones from message_start.
        decodeAnthropicUsage(event.usage, this.usage);
        return;
      }
      case 'message_stop':
        this.finish(out);
        return;
      case 'ping':
        return;
      case 'error':
        this.fail(out, streamError(event.error as { type?: unknown; message?: unknown }));
        return;
      default:
        // New event types are ignored, as the API's versioning policy asks of clients.
        return;
    }
  }

  private messageStart(message: Record<string, unknown> | undefined, out: StreamEvent[]): void {
    if (message?.usage !== undefined) decodeAnthropicUsage(message.usage, this.usage);
    if (this.started) return; // a repeated message_start adds nothing new for the caller
    this.started = true;
    const start: StreamEvent = { type: 'response-start' };
    if (typeof message?.id === 'string') start.id = message.id;
    if (typeof message?.model === 'string') start.model = message.model;
    out.push(start);
  }

  private ensureStarted(out: StreamEvent[]): void {
    if (this.started) return;
    this.started = true;
    out.push({ type: 'response-start' });
  }

  private blockStart(index: unknown, block: Record<string, unknown> | undefined, out: StreamEvent[]): void {
    this.ensureStarted(out);
    if (typeof index !== 'number' || !block) {
      this.fail(
        out,
        new InvalidResponseError({ message: 'content_block_start without index or content_block' }),
      );
      return;
    }
    if (block.type === 'text') {
      if (typeof block.text === 'string' && block.text.length > 0)
        out.push({ type: 'text-delta', delta: block.text });
      return;
    }
    if (block.type === 'thinking' || block.type === 'redacted_thinking') {
      // Kept as the API's own block (fields in its order) so it goes back unchanged.
      const pending: Record<string, unknown> =
        block.type === 'thinking'
          ? {
              type: 'thinking',
              thinking: typeof block.thinking === 'string' ? block.thinking : '',
              signature: typeof block.signature === 'string' ? block.signature : '',
            }
          : { ...block };
      this.thinking.set(index, pending);
      if (typeof block.thinking === 'string' && block.thinking.length > 0) {
        out.push({ type: 'reasoning-delta', delta: block.thinking });
      }
      return;
    }
    if (block.type !== 'tool_use') return;
    if (typeof block.name !== 'string' || block.name.length === 0) {
      this.fail(out, new InvalidResponseError({ message: `tool_use block ${index} without a name` }));
      return;
    }
    const input = block.input;
    const call: PendingToolCall = {
      index: this.toolCallCount++,
      id: typeof block.id === 'string' ? block.id : `toolu_${index}`,
      name: block.name,
      arguments: '',
      initialInput:
        typeof input === 'object' && input !== null && !Array.isArray(input) && Object.keys(input).length > 0
          ? (input as Record<string, unknown>)
          : undefined,
    };
    this.blocks.set(index, call);
    out.push({ type: 'tool-call-start', index: call.index, id: call.id, name: call.name });
  }

  private blockDelta(index: unknown, delta: Record<string, unknown> | undefined, out: StreamEvent[]): void {
    this.ensureStarted(out);
    if (!delta) return;
    if (delta.type === 'text_delta') {
      if (typeof delta.text === 'string' && delta.text.length > 0)
        out.push({ type: 'text-delta', delta: delta.text });
      return;
    }
    if (delta.type === 'thinking_delta' || delta.type === 'signature_delta') {
      const pending = typeof index === 'number' ? this.thinking.get(index) : undefined;
      if (pending === undefined) return;
      if (
        delta.type === 'thinking_delta' &&
        typeof delta.thinking === 'string' &&
        delta.thinking.length > 0
      ) {
        pending.thinking = `${pending.thinking as string}${delta.thinking}`;
        out.push({ type: 'reasoning-delta', delta: delta.thinking });
      } else if (delta.type === 'signature_delta' && typeof delta.signature === 'string') {
        pending.signature = `${pending.signature as string}${delta.signature}`;
      }
      return;
    }
    if (delta.type !== 'input_json_delta' || typeof index !== 'number') return;
    const call = this.blocks.get(index);
    const fragment = delta.partial_json;
    if (call === undefined || typeof fragment !== 'string' || fragment.length === 0) return;
    call.arguments += fragment;
    out.push({ type: 'tool-call-delta', index: call.index, id: call.id, argumentsDelta: fragment });
  }

  private blockStop(index: unknown, out: StreamEvent[]): void {
    if (typeof index !== 'number') return;
    const thinking = this.thinking.get(index);
    if (thinking !== undefined) {
      this.thinking.delete(index);
      out.push({ type: 'reasoning-end', reasoning: thinkingPart(thinking) });
      return;
    }
    const call = this.blocks.get(index);
    if (call === undefined) return;
    this.blocks.delete(index);
    let args: Record<string, unknown>;
    if (call.arguments.length === 0 && call.initialInput !== undefined) {
      args = call.initialInput;
    } else {
      try {
        args = parseToolArguments(call.name, call.arguments);
      } catch (error) {
        // Wait for message_delta: a max_tokens stop explains the cut and gets its own message.
        this.unparsable ??= { call, error: error as VictorError };
        return;
      }
    }
    if (this.unparsable) return; // nothing after a broken call is handed out
    out.push({
      type: 'tool-call-end',
      index: call.index,
      toolCall: { id: call.id, name: call.name, arguments: args },
    });
  }

  protected finish(out: StreamEvent[]): void {
    if (this.finished) return;
    // A tool block still open at the end was cut off, like one whose JSON did not parse.
    for (const call of this.blocks.values()) {
      if (this.unparsable) break;
      try {
        parseToolArguments(call.name, call.arguments);
        this.unparsable = {
          call,
          error: new InvalidResponseError({ message: `tool ${JSON.stringify(call.name)} was never closed` }),
        };
      } catch (error) {
        this.unparsable = { call, error: error as VictorError };
      }
    }
    if (this.unparsable) {
      const { call, error } = this.unparsable;
      this.fail(
        out,
        this.finishReason === 'length'
          ? new InvalidResponseError({
              message: `the response hit max tokens (stop_reason ${JSON.stringify(this.rawStopReason)}) in the middle of tool ${JSON.stringify(call.name)}'s arguments`,
              cause: error,
            })
          : error,
      );
      return;
    }
    this.finished = true;
    this.ensureStarted(out);
    out.push({ type: 'finish', finishReason: this.finishReason ?? 'stop', usage: { ...this.usage } });
  }
}
