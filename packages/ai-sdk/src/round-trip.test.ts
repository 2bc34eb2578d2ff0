import type { LanguageModelV3StreamPart } from '@ai-sdk/provider';
import {
  HttpStatusError,
  type Message,
  type ReasoningPart,
  type StreamEvent,
  type ToolCall,
  type Usage,
} from '@victor-ai/core';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { fromAISDKError, toAPICallError } from './errors.js';
import { fromLanguageModelPrompt, toLanguageModelPrompt } from './prompt.js';
import { StreamPartDecoder, StreamPartEncoder } from './stream-parts.js';
import { fromLanguageModelUsage, toLanguageModelUsage } from './usage.js';

// JSON.parse(JSON.stringify(x)) drops what JSON cannot carry (-0, undefined), as any wire would.
const jsonObject = fc
  .dictionary(fc.string({ maxLength: 8 }), fc.jsonValue({ maxDepth: 2 }), { maxKeys: 4 })
  .map((value) => JSON.parse(JSON.stringify(value)) as Record<string, unknown>);

const toolCall: fc.Arbitrary<ToolCall> = fc.record({
  id: fc.string({ minLength: 1, maxLength: 12 }),
  name: fc.stringMatching(/^[a-zA-Z0-9_.-]{1,20}$/),
  arguments: jsonObject,
});

/** Reasoning from a Victor provider (its own provider name and JSON data) or from an AI SDK model. */
const reasoningPart: fc.Arbitrary<ReasoningPart> = fc.oneof(
  fc.record({
    type: fc.constant('reasoning' as const),
    provider: fc.constantFrom('anthropic', 'openai-responses'),
    text: fc.string(),
    providerData: jsonObject,
  }),
  fc.record({
    type: fc.constant('reasoning' as const),
    provider: fc.constant('ai-sdk'),
    text: fc.string(),
    providerData: fc.dictionary(fc.constantFrom('openai', 'anthropic', 'google'), jsonObject, { maxKeys: 2 }),
  }),
);

const message: fc.Arbitrary<Message> = fc.oneof(
  fc.record({ role: fc.constant('system' as const), content: fc.string() }),
  fc.record({ role: fc.constant('user' as const), content: fc.string() }),
  fc.record({ role: fc.constant('assistant' as const), content: fc.string() }),
  fc.record(
    {
      role: fc.constant('assistant' as const),
      content: fc.string(),
      toolCalls: fc.array(toolCall, { minLength: 1, maxLength: 3 }),
      reasoning: fc.array(reasoningPart, { minLength: 1, maxLength: 2 }),
    },
    { requiredKeys: ['role', 'content'] },
  ),
  fc.record(
    {
      role: fc.constant('tool' as const),
      toolCallId: fc.string({ minLength: 1 }),
      name: fc.stringMatching(/^[a-zA-Z0-9_.-]{1,20}$/),
      content: fc.string(),
      isError: fc.constant(true),
    },
    { requiredKeys: ['role', 'toolCallId', 'content'] },
  ),
);

const usage: fc.Arbitrary<Usage> = fc
  .record({
    inputTokens: fc.nat(100_000),
    outputTokens: fc.nat(100_000),
    cached: fc.option(fc.nat(100_000)),
    reasoning: fc.option(fc.nat(100_000)),
  })
  .map(({ inputTokens, outputTokens, cached, reasoning }) => {
    const value: Usage = { inputTokens, outputTokens };
    if (cached !== null) value.cachedInputTokens = Math.min(cached, inputTokens);
    if (reasoning !== null) value.reasoningTokens = Math.min(reasoning, outputTokens);
    return value;
  });

const finishReason = fc.constantFrom(
  'stop',
  'length',
  'tool-calls',
  'content-filter',
  'error',
  'other' as const,
);

/** A well-formed Victor stream: start, text and tool calls in any order, finish. */
const events: fc.Arbitrary<StreamEvent[]> = fc
  .record({
    id: fc.option(fc.string({ minLength: 1 }), { nil: undefined }),
    model: fc.option(fc.string({ minLength: 1 }), { nil: undefined }),
    body: fc.array(
      fc.oneof(
        fc.string({ minLength: 1 }).map((delta) => ({ delta })),
        toolCall.map((call) => ({ call })),
        fc
          .tuple(reasoningPart, fc.array(fc.string({ minLength: 1 }), { maxLength: 3 }))
          .map(([part, deltas]) => ({
            reasoning: { ...part, text: deltas.join('') },
            deltas,
          })),
      ),
      { maxLength: 8 },
    ),
    finishReason,
    usage,
    providerMetadata: fc.option(
      fc.dictionary(fc.constantFrom('openai', 'anthropic'), jsonObject, { minKeys: 1 }),
      {
        nil: undefined,
      },
    ),
  })
  .map(({ id, model, body, finishReason, usage, providerMetadata }) => {
    const out: StreamEvent[] = [{ type: 'response-start', id, model }];
    let index = 0;
    const seen = new Set<string>();
    for (const item of body) {
      if ('delta' in item) out.push({ type: 'text-delta', delta: item.delta });
      else if ('reasoning' in item) {
        for (const delta of item.deltas) out.push({ type: 'reasoning-delta', delta });
        out.push({ type: 'reasoning-end', reasoning: item.reasoning });
      } else {
        if (seen.has(item.call.id)) continue;
        seen.add(item.call.id);
        const args = JSON.stringify(item.call.arguments);
        out.push({ type: 'tool-call-start', index, id: item.call.id, name: item.call.name });
        out.push({ type: 'tool-call-delta', index, id: item.call.id, argumentsDelta: args });
        out.push({ type: 'tool-call-end', index, toolCall: item.call });
        index++;
      }
    }
    out.push(
      providerMetadata === undefined
        ? { type: 'finish', finishReason, usage }
        : { type: 'finish', finishReason, usage, providerMetadata },
    );
    return out;
  });

function throughAISDK(input: StreamEvent[]): { parts: LanguageModelV3StreamPart[]; back: StreamEvent[] } {
  const encoder = new StreamPartEncoder((error) => toAPICallError(error, 'p'));
  const parts: LanguageModelV3StreamPart[] = [];
  for (const event of input) encoder.push(event, parts);
  const decoder = new StreamPartDecoder((error) => fromAISDKError(error, 'm'), 'm');
  const back: StreamEvent[] = [];
  for (const part of parts) if (decoder.push(part, back)) break;
  return { parts, back };
}

describe('round trips through the AI SDK specification', () => {
  it('keeps a conversation: Victor messages -> AI SDK prompt -> Victor messages', () => {
    fc.assert(
      fc.property(fc.array(message, { maxLength: 8 }), (messages) => {
        expect(fromLanguageModelPrompt(toLanguageModelPrompt(messages))).toEqual(messages);
      }),
    );
  });

  it('keeps a stream (text, reasoning, tool calls, provider metadata): Victor events -> AI SDK parts -> Victor events', () => {
    fc.assert(
      fc.property(events, (input) => {
        const { parts, back } = throughAISDK(input);
        expect(back).toEqual(input);
        // Text is framed once, and closed before finish.
        const textStarts = parts.filter((part) => part.type === 'text-start').length;
        expect(textStarts).toBe(input.some((event) => event.type === 'text-delta') ? 1 : 0);
        expect(parts.filter((part) => part.type === 'text-end').length).toBe(textStarts);
      }),
    );
  });

  it('keeps a tool call: tool-call-end -> AI SDK tool-call part -> tool-call-end', () => {
    fc.assert(
      fc.property(toolCall, (call) => {
        const input: StreamEvent[] = [
          { type: 'response-start' },
          { type: 'tool-call-end', index: 0, toolCall: call },
        ];
        const { parts, back } = throughAISDK(input);
        expect(parts.find((part) => part.type === 'tool-call')).toEqual({
          type: 'tool-call',
          toolCallId: call.id,
          toolName: call.name,
          input: JSON.stringify(call.arguments),
        });
        expect(back).toEqual(input);
      }),
    );
  });

  it('keeps an HTTP error: status, retryability and Retry-After', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 400, max: 599 }),
        fc.option(fc.nat(120_000), { nil: undefined }),
        fc.string(),
        (status, retryAfterMs, responseBody) => {
          const original = new HttpStatusError({
            status,
            url: 'http://h/v1/chat/completions',
            responseBody,
            retryAfterMs,
          });
          const back = fromAISDKError(toAPICallError(original, 'p'), 'm') as HttpStatusError;
          expect(back).toBeInstanceOf(HttpStatusError);
          expect(back.status).toBe(status);
          expect(back.isRetryable).toBe(original.isRetryable);
          expect(back.retryAfterMs).toBe(retryAfterMs);
          expect(back.responseBody).toBe(responseBody);
        },
      ),
    );
  });

  it('keeps usage, cached and reasoning tokens included', () => {
    fc.assert(
      fc.property(usage, (value) => {
        expect(fromLanguageModelUsage(toLanguageModelUsage(value))).toEqual(value);
      }),
    );
  });

  it('ends a stream with an error part then a finish with reason error, and decodes it back to one error event', () => {
    const error = new HttpStatusError({ status: 503, url: 'u', responseBody: '' });
    const { parts, back } = throughAISDK([
      { type: 'response-start' },
      { type: 'text-delta', delta: 'a' },
      { type: 'error', error },
    ]);
    expect(parts.slice(-3).map((part) => part.type)).toEqual(['text-end', 'error', 'finish']);
    expect(back.at(-1)).toMatchObject({ type: 'error', error: { code: 'HTTP_STATUS', status: 503 } });
  });
});
