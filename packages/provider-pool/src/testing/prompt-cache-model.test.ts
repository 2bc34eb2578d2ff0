import type { ChatRequest, Message, ToolDefinition } from '@victor-ai/core';
import { afterEach, describe, expect, it } from 'vitest';
import { z } from 'zod/v4';
import { createAnthropicProvider } from '../anthropic/provider.js';
import { createOpenAICompatibleProvider } from '../openai-compatible/provider.js';
import { createOpenAIResponsesProvider } from '../openai-responses/provider.js';
import { createLoopbackServer, type LoopbackServer } from './loopback-server.js';
import { LoopbackPromptCache } from './prompt-cache-model.js';

const tools: ToolDefinition[] = Array.from({ length: 12 }, (_, i) => ({
  name: `tool_${i}`,
  description: `Tool number ${i}: ${'does a careful thing with files and code. '.repeat(8)}`,
  parameters: z.object({ path: z.string(), depth: z.number().optional() }),
}));
const system: Message = {
  role: 'system',
  content: `You are a coding agent. ${'Follow the rules. '.repeat(40)}`,
};

let server: LoopbackServer | undefined;
afterEach(async () => {
  await server?.close();
  server = undefined;
});

describe('loopback prompt-cache model', () => {
  it('Anthropic: writes at breakpoints, reads them the next turn, and reports both in usage', async () => {
    server = await createLoopbackServer({ promptCache: true });
    const provider = createAnthropicProvider({ baseURL: server.url, cacheControl: { minStability: 0 } });
    const messages: Message[] = [system, { role: 'user', content: 'open a.ts' }];
    const first = await provider.chat({ model: 'claude', messages, tools });
    expect(first.usage.cachedInputTokens ?? 0).toBe(0);
    expect(first.usage.cacheWriteInputTokens).toBeGreaterThan(1024);
    messages.push(first.message, { role: 'user', content: 'now b.ts' });
    const second = await provider.chat({ model: 'claude', messages, tools });
    expect(second.usage.cachedInputTokens).toBe(first.usage.inputTokens);
    expect(second.usage.inputTokens).toBeGreaterThan(first.usage.inputTokens);
    // Without breakpoints nothing is cached.
    const off = await createAnthropicProvider({ baseURL: server.url, cacheControl: false }).chat({
      model: 'claude',
      messages,
      tools,
    });
    expect(off.usage.cachedInputTokens).toBe(0);
    await provider.close?.();
  });

  it('Anthropic: nothing is cached below the minimum length, and entries expire after the TTL', () => {
    let now = 0;
    const cache = new LoopbackPromptCache({ minCacheableTokens: 50, ttlMs: 1000, now: () => now });
    const marker = { type: 'ephemeral' };
    const body = (text: string) => ({
      model: 'm',
      system: [{ type: 'text', text, cache_control: marker }],
      messages: [{ role: 'user', content: 'hi' }],
    });
    expect(cache.anthropic(body('short'))).toMatchObject({ cachedTokens: 0, cacheWriteTokens: 0 });
    expect(cache.anthropic(body('short'))).toMatchObject({ cachedTokens: 0 });
    const long = 'x'.repeat(400);
    expect(cache.anthropic(body(long)).cacheWriteTokens).toBeGreaterThan(50);
    now = 900;
    expect(cache.anthropic(body(long)).cachedTokens).toBeGreaterThan(50);
    now = 1800; // the read at 900 refreshed the entry until 1900
    expect(cache.anthropic(body(long)).cachedTokens).toBeGreaterThan(50);
    now = 3000;
    expect(cache.anthropic(body(long))).toMatchObject({ cachedTokens: 0 });
  });

  it('OpenAI: the longest prefix seen before, in 128-token steps from 1,024 tokens', async () => {
    server = await createLoopbackServer({ promptCache: true });
    const provider = createOpenAICompatibleProvider({ baseURL: server.baseURL });
    const request: ChatRequest = {
      model: 'gpt',
      messages: [system, { role: 'user', content: 'open a.ts' }],
      tools,
      metadata: { conversationId: 'c1' },
    };
    const first = await provider.chat(request);
    expect(first.usage.cachedInputTokens).toBe(0);
    const second = await provider.chat({
      ...request,
      messages: [...request.messages, first.message, { role: 'user', content: 'b' }],
    });
    expect(second.usage.cachedInputTokens).toBeGreaterThanOrEqual(1024);
    expect((second.usage.cachedInputTokens! - 1024) % 128).toBe(0);
    expect(second.usage.cachedInputTokens).toBeLessThanOrEqual(first.usage.inputTokens);
    expect(first.usage.inputTokens - second.usage.cachedInputTokens!).toBeLessThan(128 + 10);
    // Another conversation's key does not share the cache.
    const other = await provider.chat({ ...request, metadata: { conversationId: 'c2' } });
    expect(other.usage.cachedInputTokens).toBe(0);
    // Short prompts are never cached.
    const short = await provider.chat({ model: 'gpt', messages: [{ role: 'user', content: 'hi' }] });
    const again = await provider.chat({ model: 'gpt', messages: [{ role: 'user', content: 'hi' }] });
    expect([short.usage.cachedInputTokens, again.usage.cachedInputTokens]).toEqual([0, 0]);
    await provider.close?.();
  });
});

describe('loopback prompt-cache model, normalisation', () => {
  it('treats a string content and the same text as one block as the same prefix', () => {
    const cache = new LoopbackPromptCache({ minCacheableTokens: 10 });
    const marker = { type: 'ephemeral' };
    const text = 'y'.repeat(200);
    const first = cache.anthropic({
      model: 'm',
      messages: [
        { role: 'user', content: [{ type: 'text', text, cache_control: marker }] },
        { role: 'assistant', content: [{ type: 'text', text: 'ok', cache_control: marker }] },
      ],
    });
    const second = cache.anthropic({
      model: 'm',
      messages: [
        { role: 'user', content: text },
        { role: 'assistant', content: [{ type: 'text', text: 'ok', cache_control: marker }] },
        { role: 'user', content: [{ type: 'text', text: 'next', cache_control: marker }] },
      ],
    });
    expect(second.cachedTokens).toBe(first.cacheWriteTokens);
    expect(second.cachedTokens).toBeGreaterThan(10);
  });
});

describe('loopback prompt-cache model, Responses API', () => {
  it('reports cached_tokens in input_tokens_details for a repeated prefix', async () => {
    server = await createLoopbackServer({ promptCache: true });
    const provider = createOpenAIResponsesProvider({ baseURL: server.baseURL });
    const request: ChatRequest = { model: 'gpt', messages: [system, { role: 'user', content: 'a' }], tools };
    const first = await provider.chat(request);
    const second = await provider.chat({
      ...request,
      messages: [...request.messages, { role: 'assistant', content: 'ok' }, { role: 'user', content: 'b' }],
    });
    expect(first.usage.cachedInputTokens).toBe(0);
    expect(second.usage.cachedInputTokens).toBeGreaterThanOrEqual(1024);
    await provider.close?.();
  });
});
