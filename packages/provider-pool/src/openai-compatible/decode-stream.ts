import type { StreamEvent, Usage } from '@victor-ai/core';
import { InvalidResponseError, parseToolArguments, type VictorError } from '@victor-ai/core';
import { streamError } from '../http-errors.js';
import { JsonStreamDecoder } from '../json-stream-decoder.js';
import { contentText, decodeUsage } from './decode-response.js';
import { mapFinishReason } from './finish-reason.js';

interface PendingToolCall {
  index: number;
  id: string;
  name: string;
  arguments: string;
}

interface WireDelta {
  content?: unknown;
  tool_calls?: Array<{ index?: unknown; id?: unknown; function?: { name?: unknown; arguments?: unknown } }>;
}

/**
 * Turns the `data` payloads of a Chat Completions stream into core's stream events: text deltas,
 * tool-call fragments assembled by `index` into complete parsed calls, the finish reason, the usage-only
 * last chunk, `[DONE]`. One decoder per response.
 */
export class OpenAIStreamDecoder extends JsonStreamDecoder {
  private started = false;
  private usage: Usage = { inputTokens: 0, outputTokens: 0 };
  private readonly toolCalls: PendingToolCall[] = [];
  private toolCallsClosed = false;
  private sawChoices = false;

  protected override onDone(out: StreamEvent[]): void {
    this.finish(out);
  }

  protected decode(parsed: Record<string, unknown>, out: StreamEvent[]): void {
    const chunk = parsed as {
      id?: unknown;
      model?: unknown;
      choices?: unknown;
      usage?: unknown;
      error?: { message?: unknown; code?: unknown };
    };
    if (chunk.error !== undefined && chunk.error !== null) {
      this.fail(out, streamError(chunk.error as { type?: unknown; code?: unknown; message?: unknown }));
      return;
    }
    if (!this.started) {
      this.started = true;
      const start: StreamEvent = { type: 'response-start' };
      if (typeof chunk.id === 'string') start.id = chunk.id;
      if (typeof chunk.model === 'string') start.model = chunk.model;
      out.push(start);
    }
    if (chunk.usage != null) this.usage = decodeUsage(chunk.usage);
    const choices = chunk.choices;
    if (!Array.isArray(choices)) return;
    this.sawChoices = true;
    if (choices.length === 0) return;
    const choice = choices[0] as { delta?: WireDelta; finish_reason?: unknown };
    const delta = choice.delta;
    if (delta) {
      const text = contentText(delta.content);
      if (text.length > 0) {
        out.push({ type: 'text-delta', delta: text });
      }
      if (Array.isArray(delta.tool_calls)) {
        for (const fragment of delta.tool_calls) this.toolCallFragment(fragment, out);
        if (this.finished) return;
      }
    }
    if (choice.finish_reason != null) {
      this.finishReason = mapFinishReason(choice.finish_reason);
      this.closeToolCalls(out);
    }
  }

  private toolCallFragment(
    fragment: { index?: unknown; id?: unknown; function?: { name?: unknown; arguments?: unknown } },
    out: StreamEvent[],
  ): void {
    const index = typeof fragment.index === 'number' ? fragment.index : this.toolCalls.length;
    let call = this.toolCalls[index];
    if (call === undefined) {
      const name = fragment.function?.name;
      if (typeof name !== 'string' || name.length === 0) {
        this.fail(
          out,
          new InvalidResponseError({
            message: `tool call ${index} started without a name: ${JSON.stringify(fragment)}`,
          }),
        );
        return;
      }
      call = {
        index,
        id: typeof fragment.id === 'string' ? fragment.id : `call_${index}`,
        name,
        arguments: '',
      };
      this.toolCalls[index] = call;
      out.push({ type: 'tool-call-start', index, id: call.id, name });
    }
    const argumentsDelta = fragment.function?.arguments;
    if (typeof argumentsDelta === 'string' && argumentsDelta.length > 0) {
      call.arguments += argumentsDelta;
      out.push({ type: 'tool-call-delta', index, id: call.id, argumentsDelta });
    }
  }

  private closeToolCalls(out: StreamEvent[]): void {
    if (this.toolCallsClosed) return;
    this.toolCallsClosed = true;
    for (const call of this.toolCalls) {
      if (call === undefined) continue;
      let args: Record<string, unknown>;
      try {
        args = parseToolArguments(call.name, call.arguments);
      } catch (error) {
        const cause = error as VictorError;
        this.fail(
          out,
          this.finishReason === 'length'
            ? new InvalidResponseError({
                message: `the response hit max tokens in the middle of tool ${JSON.stringify(call.name)}'s arguments`,
                cause,
              })
            : cause,
        );
        return;
      }
      out.push({
        type: 'tool-call-end',
        index: call.index,
        toolCall: { id: call.id, name: call.name, arguments: args },
      });
    }
  }

  protected finish(out: StreamEvent[]): void {
    if (!this.sawChoices) {
      // Not one chunk had `choices`: this is not a Chat Completions stream (another API, or an error body).
      this.fail(
        out,
        new InvalidResponseError({ message: 'the stream ended without any chunk carrying choices' }),
      );
      return;
    }
    this.closeToolCalls(out);
    if (this.finished) return;
    this.finished = true;
    out.push({ type: 'finish', finishReason: this.finishReason ?? 'stop', usage: this.usage });
  }
}
