import type { LanguageModelV3StreamPart, SharedV3ProviderMetadata } from '@ai-sdk/provider';
import {
  InvalidResponseError,
  parseToolArguments,
  type StreamEvent,
  type VictorError,
} from '@victor-ai/core';
import { reasoningMetadata, toReasoningPart } from './prompt.js';
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
 * are framed by `text-start`/`text-end`, reasoning by `reasoning-start`/`reasoning-end` (whose metadata
 * carries the Victor part, so the AI SDK sends it back on the next step), tool calls become `tool-input-*`
 * parts and a `tool-call`, an `error` event becomes an `error` part followed by a `finish` with reason `error`.
 */
export class StreamPartEncoder {
  private textOpen = false;
  private reasoningId: string | undefined;
  private reasoningCount = 0;
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
      case 'reasoning-delta':
        out.push({ type: 'reasoning-delta', id: this.openReasoning(out), delta: event.delta });
        return;
      case 'reasoning-end': {
        const opened = this.reasoningId === undefined;
        const id = this.openReasoning(out);
        if (opened && event.reasoning.text !== '') {
          out.push({ type: 'reasoning-delta', id, delta: event.reasoning.text });
        }
        out.push({
          type: 'reasoning-end',
          id,
          providerMetadata: reasoningMetadata(event.reasoning) as SharedV3ProviderMetadata,
        });
        this.reasoningId = undefined;
        return;
      }
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
          providerMetadata: this.finishMetadata(event.usage.cachedInputTokens, event.providerMetadata),
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

  private openReasoning(out: LanguageModelV3StreamPart[]): string {
    if (this.reasoningId === undefined) {
      this.reasoningId = `reasoning-${this.reasoningCount++}`;
      out.push({ type: 'reasoning-start', id: this.reasoningId });
    }
    return this.reasoningId;
  }

  /** The provider's own metadata (keyed by provider kind) beside this model's `victor` entry. */
  private finishMetadata(
    cachedInputTokens: number | undefined,
    fromProvider: Readonly<Record<string, unknown>> | undefined,
  ): SharedV3ProviderMetadata | undefined {
    let metadata = this.providerMetadata;
    if (cachedInputTokens !== undefined && metadata !== undefined) {
      metadata = { ...metadata, victor: { ...metadata.victor, cachedInputTokens } };
    }
    if (fromProvider === undefined) return metadata;
    return { ...(fromProvider as SharedV3ProviderMetadata), ...metadata };
  }
}

/**
 * Converts AI SDK (v3 specification) stream parts to Victor stream events, one part at a time: a
 * `response-start` comes first (from `response-metadata` when the model sends it before anything else),
 * `tool-input-*` parts become `tool-call-start`/`-delta`, a `tool-call` becomes `tool-call-end` with parsed
 * arguments, reasoning becomes `reasoning-delta` and `reasoning-end` events (see `toReasoningPart`). Sources,
 * files, raw chunks and provider-executed tool calls are left out. `push`
 * returns true once the stream has ended (`finish` or `error`); an `error` part before any event throws.
 */
export class StreamPartDecoder {
  private started = false;
  private readonly reasoningText = new Map<string, string>();
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
      case 'reasoning-start':
        this.reasoningText.set(part.id, '');
        return false;
      case 'reasoning-delta':
        this.start(out);
        this.reasoningText.set(part.id, (this.reasoningText.get(part.id) ?? '') + part.delta);
        out.push({ type: 'reasoning-delta', delta: part.delta });
        return false;
      case 'reasoning-end': {
        this.start(out);
        const text = this.reasoningText.get(part.id) ?? '';
        this.reasoningText.delete(part.id);
        out.push({ type: 'reasoning-end', reasoning: toReasoningPart(text, part.providerMetadata) });
        return false;
      }
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
      case 'finish': {
        this.start(out);
        const event: StreamEvent = {
          type: 'finish',
          finishReason: fromLanguageModelFinishReason(part.finishReason),
          usage: fromLanguageModelUsage(part.usage),
        };
        const metadata = withoutVictor(part.providerMetadata);
        if (metadata !== undefined) event.providerMetadata = metadata;
        out.push(event);
        return true;
      }
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

/** A model's provider metadata without the `victor` entry this package adds; undefined when nothing is left. */
export function withoutVictor(
  metadata: SharedV3ProviderMetadata | undefined,
): Record<string, unknown> | undefined {
  if (metadata === undefined) return undefined;
  const { victor: _victor, ...rest } = metadata;
  return Object.keys(rest).length === 0 ? undefined : rest;
}
