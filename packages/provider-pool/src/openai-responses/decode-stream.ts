import type { FinishReason, StreamEvent, Usage, VictorError } from '@victor-ai/core';
import { InvalidResponseError } from '@victor-ai/core';
import { JsonStreamDecoder } from '../json-stream-decoder.js';
import {
  decodeResponsesUsage,
  functionCall,
  MODELLED_ITEMS,
  messageText,
  reasoningPart,
  responsesError,
  responsesFinishReason,
  responsesMetadata,
} from './decode-response.js';

interface PendingCall {
  index: number;
  id: string;
  name: string;
  arguments: string;
  ended: boolean;
}

/**
 * Turns the `data` payloads of a Responses API stream into core's stream events as they arrive:
 * `response.created` (start), `response.output_text.delta` (text), reasoning summary and text deltas
 * (`reasoning-delta`), `response.output_item.added` / `response.function_call_arguments.delta` /
 * `response.output_item.done` (tool calls, assembled and parsed), reasoning items (`reasoning-end`, to
 * be sent back), `response.completed` / `response.incomplete` (finish, with usage and the output items
 * Victor does not model as provider metadata), `response.failed` and `error` (a typed error). Unknown
 * events are ignored. One decoder per response.
 */
export class ResponsesStreamDecoder extends JsonStreamDecoder {
  private started = false;
  private responseId: unknown;
  private readonly calls = new Map<string, PendingCall>();
  private callCount = 0;
  /** Message items that streamed text deltas (their `done` adds nothing). */
  private readonly streamedText = new Set<string | number>();
  private readonly others: unknown[] = [];

  protected decode(event: Record<string, unknown>, out: StreamEvent[]): void {
    switch (event.type) {
      case 'response.created':
      case 'response.in_progress':
        this.start(event.response as Record<string, unknown> | undefined, out);
        return;
      case 'response.output_text.delta':
        this.start(undefined, out);
        if (typeof event.delta === 'string' && event.delta.length > 0) {
          // Some servers rotate item ids within a response: the output index identifies the item too.
          if (typeof event.item_id === 'string') this.streamedText.add(event.item_id);
          if (typeof event.output_index === 'number') this.streamedText.add(event.output_index);
          out.push({ type: 'text-delta', delta: event.delta });
        }
        return;
      case 'response.reasoning_summary_text.delta':
      case 'response.reasoning_text.delta':
        this.start(undefined, out);
        if (typeof event.delta === 'string' && event.delta.length > 0) {
          out.push({ type: 'reasoning-delta', delta: event.delta });
        }
        return;
      case 'response.output_item.added':
        this.itemAdded(event.item as Record<string, unknown> | undefined, out);
        return;
      case 'response.function_call_arguments.delta':
        this.argumentsDelta(event.item_id, event.delta, out);
        return;
      case 'response.output_item.done':
        this.itemDone(event.item as Record<string, unknown> | undefined, event.output_index, out);
        return;
      case 'response.completed':
      case 'response.incomplete':
        this.complete(event.response as Record<string, unknown> | undefined, out);
        return;
      case 'response.failed': {
        const response = event.response as { error?: unknown } | undefined;
        this.fail(out, responsesError(response?.error, 'the response failed without an error'));
        return;
      }
      case 'error': {
        // `{type: "error", code, message}`, or the error nested under `error`.
        const payload = (event.error ?? event) as { type?: unknown; code?: unknown; message?: unknown };
        const type =
          typeof payload.code === 'string' && payload.type === 'error' ? payload.code : payload.type;
        this.fail(out, responsesError({ type, message: payload.message }, 'the stream sent an error event'));
        return;
      }
      default:
        // Other events (content parts, annotations, built-in tools' progress) add nothing for the caller.
        return;
    }
  }

  private start(response: Record<string, unknown> | undefined, out: StreamEvent[]): void {
    if (response?.id !== undefined) this.responseId = response.id;
    if (this.started) return;
    this.started = true;
    const start: StreamEvent = { type: 'response-start' };
    if (typeof response?.id === 'string') start.id = response.id;
    if (typeof response?.model === 'string') start.model = response.model;
    out.push(start);
  }

  private itemAdded(item: Record<string, unknown> | undefined, out: StreamEvent[]): void {
    this.start(undefined, out);
    if (item?.type !== 'function_call') return;
    const key = typeof item.id === 'string' ? item.id : String(this.callCount);
    if (this.calls.has(key)) return;
    const name = item.name;
    if (typeof name !== 'string' || name.length === 0) {
      this.fail(out, new InvalidResponseError({ message: `function_call item ${key} without a name` }));
      return;
    }
    const call: PendingCall = {
      index: this.callCount++,
      id: typeof item.call_id === 'string' ? item.call_id : key,
      name,
      arguments: '',
      ended: false,
    };
    this.calls.set(key, call);
    out.push({ type: 'tool-call-start', index: call.index, id: call.id, name });
  }

  private argumentsDelta(itemId: unknown, delta: unknown, out: StreamEvent[]): void {
    if (typeof itemId !== 'string' || typeof delta !== 'string' || delta.length === 0) return;
    const call = this.calls.get(itemId);
    if (call === undefined || call.ended) return;
    call.arguments += delta;
    out.push({ type: 'tool-call-delta', index: call.index, id: call.id, argumentsDelta: delta });
  }

  private itemDone(
    item: Record<string, unknown> | undefined,
    outputIndex: unknown,
    out: StreamEvent[],
  ): void {
    this.start(undefined, out);
    if (typeof item !== 'object' || item === null) return;
    switch (item.type) {
      case 'function_call': {
        const key = typeof item.id === 'string' ? item.id : undefined;
        if (key === undefined || !this.calls.has(key)) this.itemAdded(item, out);
        if (this.finished) return;
        const call = this.calls.get(key ?? String(this.callCount - 1));
        if (call === undefined || call.ended) return;
        call.ended = true;
        try {
          const whole = typeof item.arguments === 'string' ? item : { ...item, arguments: call.arguments };
          const toolCall = functionCall(whole);
          toolCall.id = call.id;
          out.push({ type: 'tool-call-end', index: call.index, toolCall });
        } catch (error) {
          this.fail(out, error as VictorError);
        }
        return;
      }
      case 'reasoning':
        out.push({ type: 'reasoning-end', reasoning: reasoningPart(item) });
        return;
      case 'message': {
        // Servers that send no text deltas still give the text here.
        if (this.streamedText.has(item.id as string) || this.streamedText.has(outputIndex as number)) return;
        const text = messageText(item);
        if (text.length > 0) out.push({ type: 'text-delta', delta: text });
        return;
      }
      default:
        if (!MODELLED_ITEMS.has(item.type as string)) this.others.push(item);
    }
  }

  /** Never reached from `end()` (the API gives no finish reason before `response.completed`). */
  protected finish(out: StreamEvent[]): void {
    this.complete(undefined, out);
  }

  private complete(response: Record<string, unknown> | undefined, out: StreamEvent[]): void {
    this.start(response, out);
    const usage: Usage = decodeResponsesUsage(response?.usage);
    const finishReason: FinishReason = responsesFinishReason(response ?? {}, this.callCount > 0);
    this.finished = true;
    out.push({
      type: 'finish',
      finishReason,
      usage,
      providerMetadata: responsesMetadata(this.responseId ?? response?.id, this.others),
    });
  }
}
