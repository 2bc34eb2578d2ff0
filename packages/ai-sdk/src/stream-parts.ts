import type { LanguageModelV3StreamPart, SharedV3ProviderMetadata } from '@ai-sdk/provider';
import {
  InvalidResponseError,
  parseToolArguments,
  type StreamEvent,
  type VictorError,
} from '@victor-ai/core';
import {
  fromLanguageModelFinishReason,
  fromLanguageModelUsage,
  toLanguageModelFinishReason,
  toLanguageModelUsage,
} from './usage.js';

/** The id of the one text block a Victor stream carries. */
export const TEXT_ID = 'text-0';

/**
 * Converts Victor stream events to AI SDK (v3 specification) stream parts, one event at a time: text deltas
 * are framed by `text-start`/`text-end`, tool calls become `tool-input-*` parts and a `tool-call`, an
 * `error` event becomes an `error` part followed by a `finish` with reason `error`.
 */
export class StreamPartEncoder {
  private textOpen = false;
  private readonly openInputs = new Set<string>();

  constructor(
    private readonly mapError: (error: VictorError) => unknown,
    private readonly providerMetadata?: SharedV3ProviderMetadata,
  ) {}

  /** Appends the parts for `event` to `out`. */
  push(event: StreamEvent, out: LanguageModelV3StreamPart[]): void {
    switch (event.type) {
      case 'response-start':
        out.push({ type: 'response-metadata', id: event.id, modelId: event.model });
        return;
      case 'text-delta':
        if (!this.textOpen) {
          this.textOpen = true;
          out.push({ type: 'text-start', id: TEXT_ID });
        }
        out.push({ type: 'text-delta', id: TEXT_ID, delta: event.delta });
        return;
      case 'tool-call-start':
        this.openInputs.add(event.id);
        out.push({ type: 'tool-input-start', id: event.id, toolName: event.name });
        return;
      case 'tool-call-delta':
        out.push({ type: 'tool-input-delta', id: event.id, delta: event.argumentsDelta });
        return;
      case 'tool-call-end': {
        const { toolCall } = event;
        if (this.openInputs.delete(toolCall.id)) out.push({ type: 'tool-input-end', id: toolCall.id });
        out.push({
          type: 'tool-call',
          toolCallId: toolCall.id,
          toolName: toolCall.name,
          input: JSON.stringify(toolCall.arguments),
        });
        return;
      }
      case 'finish':
        this.closeText(out);
        out.push({
          type: 'finish',
          finishReason: toLanguageModelFinishReason(event.finishReason),
          usage: toLanguageModelUsage(event.usage),
          providerMetadata: this.finishMetadata(event.usage.cachedInputTokens),
        });
        return;
      case 'error':
        this.closeText(out);
        out.push({ type: 'error', error: this.mapError(event.error) });
        out.push({
          type: 'finish',
          finishReason: toLanguageModelFinishReason('error'),
          usage: toLanguageModelUsage({ inputTokens: 0, outputTokens: 0 }),
          providerMetadata: this.providerMetadata,
        });
        return;
    }
  }

  private closeText(out: LanguageModelV3StreamPart[]): void {
    if (!this.textOpen) return;
    this.textOpen = false;
    out.push({ type: 'text-end', id: TEXT_ID });
  }

  private finishMetadata(cachedInputTokens: number | undefined): SharedV3ProviderMetadata | undefined {
    if (this.providerMetadata === undefined || cachedInputTokens === undefined) return this.providerMetadata;
    return { ...this.providerMetadata, victor: { ...this.providerMetadata.victor, cachedInputTokens } };
  }
}

/**
 * Converts AI SDK (v3 specification) stream parts to Victor stream events, one part at a time: a
 * `response-start` comes first (from `response-metadata` when the model sends it before anything else),
 * `tool-input-*` parts become `tool-call-start`/`-delta`, a `tool-call` becomes `tool-call-end` with parsed
 * arguments. Reasoning, sources, files, raw chunks and provider-executed tool calls are left out. `push`
 * returns true once the stream has ended (`finish` or `error`); an `error` part before any event throws.
 */
export class StreamPartDecoder {
  private started = false;
  private nextIndex = 0;
  private readonly indexes = new Map<string, number>();

  constructor(
    private readonly mapError: (error: unknown) => VictorError,
    private readonly modelId: string,
  ) {}

  /** Whether a `response-start` was emitted (so failures now arrive as `error` events). */
  get hasStarted(): boolean {
    return this.started;
  }

  /** Appends the events for `part` to `out`; true when the stream is over. */
  push(part: LanguageModelV3StreamPart, out: StreamEvent[]): boolean {
    switch (part.type) {
      case 'response-metadata':
        if (!this.started) {
          this.started = true;
          out.push({ type: 'response-start', id: part.id, model: part.modelId });
        }
        return false;
      case 'text-delta':
        this.start(out);
        out.push({ type: 'text-delta', delta: part.delta });
        return false;
      case 'tool-input-start': {
        if (part.providerExecuted) return false;
        this.start(out);
        const index = this.nextIndex++;
        this.indexes.set(part.id, index);
        out.push({ type: 'tool-call-start', index, id: part.id, name: part.toolName });
        return false;
      }
      case 'tool-input-delta': {
        const index = this.indexes.get(part.id);
        if (index !== undefined)
          out.push({ type: 'tool-call-delta', index, id: part.id, argumentsDelta: part.delta });
        return false;
      }
      case 'tool-call': {
        if (part.providerExecuted) return false;
        this.start(out);
        let index = this.indexes.get(part.toolCallId);
        if (index === undefined) index = this.nextIndex++;
        let parsed: Record<string, unknown>;
        try {
          parsed = parseToolArguments(part.toolName, part.input);
        } catch (error) {
          out.push({
            type: 'error',
            error: new InvalidResponseError({
              message: `${this.modelId} sent a call of tool ${JSON.stringify(part.toolName)} whose input is not a JSON object: ${JSON.stringify(part.input.slice(0, 120))}`,
              cause: error,
            }),
          });
          return true;
        }
        out.push({
          type: 'tool-call-end',
          index,
          toolCall: { id: part.toolCallId, name: part.toolName, arguments: parsed },
        });
        return false;
      }
      case 'finish':
        this.start(out);
        out.push({
          type: 'finish',
          finishReason: fromLanguageModelFinishReason(part.finishReason),
          usage: fromLanguageModelUsage(part.usage),
        });
        return true;
      case 'error':
        // Before anything was delivered a failure rejects the iteration, as core's stream contract says.
        if (!this.started) throw this.mapError(part.error);
        out.push({ type: 'error', error: this.mapError(part.error) });
        return true;
      default:
        return false;
    }
  }

  private start(out: StreamEvent[]): void {
    if (this.started) return;
    this.started = true;
    out.push({ type: 'response-start' });
  }
}
