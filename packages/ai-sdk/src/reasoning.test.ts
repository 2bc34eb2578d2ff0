import type { LanguageModelV3CallOptions, LanguageModelV3StreamPart } from '@ai-sdk/provider';
import type { ChatRequest, ChatResponse, Provider, ReasoningPart, StreamEvent } from '@victor-ai/core';
import { generateText, stepCountIs, streamText, tool } from 'ai';
import { MockLanguageModelV3 } from 'ai/test';
import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { fromAISDKModel } from './from-ai-sdk-model.js';
import { createVictorLanguageModel } from './victor-language-model.js';

const thinking: ReasoningPart = {
  type: 'reasoning',
  provider: 'anthropic',
  text: 'I should call the tool.',
  providerData: { type: 'thinking', thinking: 'I should call the tool.', signature: 'sig-1' },
};

const usage = { inputTokens: 10, outputTokens: 6, reasoningTokens: 4 };

/** A Victor provider that thinks, calls a tool once, then answers; it records the requests it gets. */
function thinkingProvider(requests: ChatRequest[]): Provider {
  const answer = (request: ChatRequest): ChatResponse => {
    const first = !request.messages.some((message) => message.role === 'tool');
    const message = first
      ? {
          role: 'assistant' as const,
          content: '',
          toolCalls: [{ id: 'call_1', name: 'lookup', arguments: { q: 'x' } }],
          reasoning: [thinking],
        }
      : { role: 'assistant' as const, content: 'done' };
    return {
      message,
      text: message.content,
      toolCalls: message.toolCalls ?? [],
      finishReason: first ? 'tool-calls' : 'stop',
      usage,
      providerMetadata: { anthropic: { stopSequence: null } },
    };
  };
  return {
    id: 'thinking',
    async chat(request) {
      requests.push(request);
      return answer(request);
    },
    async *stream(request): AsyncGenerator<StreamEvent> {
      requests.push(request);
      const response = answer(request);
      yield { type: 'response-start', id: 'r1' };
      for (const part of response.message.reasoning ?? []) {
        yield { type: 'reasoning-delta', delta: part.text };
        yield { type: 'reasoning-end', reasoning: part };
      }
      if (response.text !== '') yield { type: 'text-delta', delta: response.text };
      for (const [index, toolCall] of response.toolCalls.entries())
        yield { type: 'tool-call-end', index, toolCall };
      yield {
        type: 'finish',
        finishReason: response.finishReason,
        usage,
        providerMetadata: response.providerMetadata,
      };
    },
    async close() {},
  };
}

const lookup = tool({ inputSchema: z.object({ q: z.string() }), execute: async () => 'found' });

describe('reasoning through createVictorLanguageModel', () => {
  it('returns reasoning, reasoning tokens and the provider metadata, and sends the reasoning back next step', async () => {
    const requests: ChatRequest[] = [];
    const result = await generateText({
      model: createVictorLanguageModel({ provider: thinkingProvider(requests), model: 'm' }),
      prompt: 'x',
      tools: { lookup },
      stopWhen: stepCountIs(3),
    });
    expect(result.text).toBe('done');
    expect(result.steps[0]!.reasoningText).toBe('I should call the tool.');
    expect(result.steps[0]!.usage.outputTokenDetails.reasoningTokens).toBe(4);
    expect(result.steps[0]!.providerMetadata?.anthropic).toEqual({ stopSequence: null });
    const assistant = requests[1]!.messages.find((message) => message.role === 'assistant');
    expect(assistant).toMatchObject({ reasoning: [thinking], toolCalls: [{ id: 'call_1', name: 'lookup' }] });
  });

  it('streams reasoning and sends it back next step', async () => {
    const requests: ChatRequest[] = [];
    const result = streamText({
      model: createVictorLanguageModel({ provider: thinkingProvider(requests), model: 'm' }),
      prompt: 'x',
      tools: { lookup },
      stopWhen: stepCountIs(3),
    });
    const reasoning: string[] = [];
    for await (const part of result.fullStream)
      if (part.type === 'reasoning-delta') reasoning.push(part.text);
    expect(reasoning.join('')).toBe('I should call the tool.');
    expect(await result.text).toBe('done');
    const assistant = requests[1]!.messages.find((message) => message.role === 'assistant');
    expect(assistant).toMatchObject({ reasoning: [thinking] });
  });

  it('passes provider options other than its own through to the request', async () => {
    const requests: ChatRequest[] = [];
    await generateText({
      model: createVictorLanguageModel({ provider: thinkingProvider(requests), model: 'm' }),
      prompt: 'x',
      providerOptions: {
        anthropic: { thinking: { type: 'enabled', budgetTokens: 1024 } },
        victor: { userId: 'u' },
      },
    });
    expect(requests[0]!.providerOptions).toEqual({
      anthropic: { thinking: { type: 'enabled', budgetTokens: 1024 } },
    });
    expect(requests[0]!.metadata).toEqual({ userId: 'u' });
  });
});

describe('reasoning through fromAISDKModel', () => {
  const reasoningMetadata = { openai: { itemId: 'rs_1', reasoningEncryptedContent: 'enc' } };

  it('keeps reasoning, reasoning tokens and provider metadata of a generated answer', async () => {
    const calls: LanguageModelV3CallOptions[] = [];
    const model = new MockLanguageModelV3({
      doGenerate: async (options) => {
        calls.push(options);
        return {
          content: [
            { type: 'reasoning', text: 'Thinking.', providerMetadata: reasoningMetadata },
            { type: 'text', text: 'Answer.' },
          ],
          finishReason: { unified: 'stop', raw: 'stop' },
          usage: {
            inputTokens: { total: 5, noCache: 5, cacheRead: undefined, cacheWrite: undefined },
            outputTokens: { total: 9, text: 4, reasoning: 5 },
          },
          providerMetadata: { openai: { responseId: 'resp_1' } },
          warnings: [],
        };
      },
    });
    const provider = fromAISDKModel(model);
    const response = await provider.chat({
      model: 'm',
      messages: [{ role: 'user', content: 'q' }],
      providerOptions: { openai: { reasoningEffort: 'low' } },
    });
    expect(response.message.reasoning).toEqual([
      { type: 'reasoning', provider: 'ai-sdk', text: 'Thinking.', providerData: reasoningMetadata },
    ]);
    expect(response.usage).toEqual({ inputTokens: 5, outputTokens: 9, reasoningTokens: 5 });
    expect(response.providerMetadata).toEqual({ openai: { responseId: 'resp_1' } });
    expect(calls[0]!.providerOptions).toEqual({ openai: { reasoningEffort: 'low' } });

    // Sent back on the next request, the reasoning part carries the model's own metadata again.
    await provider.chat({
      model: 'm',
      messages: [{ role: 'user', content: 'q' }, response.message, { role: 'user', content: 'more' }],
    });
    expect(calls[1]!.prompt[1]).toEqual({
      role: 'assistant',
      content: [
        { type: 'reasoning', text: 'Thinking.', providerOptions: reasoningMetadata },
        { type: 'text', text: 'Answer.' },
      ],
    });
  });

  it('streams reasoning as reasoning-delta and reasoning-end events', async () => {
    const parts: LanguageModelV3StreamPart[] = [
      { type: 'stream-start', warnings: [] },
      { type: 'response-metadata', id: 'resp_1', modelId: 'mock' },
      { type: 'reasoning-start', id: 'rs_1' },
      { type: 'reasoning-delta', id: 'rs_1', delta: 'Think' },
      { type: 'reasoning-delta', id: 'rs_1', delta: 'ing.' },
      { type: 'reasoning-end', id: 'rs_1', providerMetadata: reasoningMetadata },
      { type: 'text-start', id: 't' },
      { type: 'text-delta', id: 't', delta: 'Answer.' },
      { type: 'text-end', id: 't' },
      {
        type: 'finish',
        finishReason: { unified: 'stop', raw: 'stop' },
        usage: {
          inputTokens: { total: 5, noCache: 5, cacheRead: undefined, cacheWrite: undefined },
          outputTokens: { total: 9, text: 4, reasoning: 5 },
        },
      },
    ];
    const model = new MockLanguageModelV3({
      doStream: async () => ({
        stream: new ReadableStream({
          start(controller) {
            for (const part of parts) controller.enqueue(part);
            controller.close();
          },
        }),
      }),
    });
    const events: StreamEvent[] = [];
    for await (const event of fromAISDKModel(model).stream({
      model: 'm',
      messages: [{ role: 'user', content: 'q' }],
    })) {
      events.push(event);
    }
    expect(events).toEqual([
      { type: 'response-start', id: 'resp_1', model: 'mock' },
      { type: 'reasoning-delta', delta: 'Think' },
      { type: 'reasoning-delta', delta: 'ing.' },
      {
        type: 'reasoning-end',
        reasoning: {
          type: 'reasoning',
          provider: 'ai-sdk',
          text: 'Thinking.',
          providerData: reasoningMetadata,
        },
      },
      { type: 'text-delta', delta: 'Answer.' },
      {
        type: 'finish',
        finishReason: 'stop',
        usage: { inputTokens: 5, outputTokens: 9, reasoningTokens: 5 },
      },
    ]);
  });
});
