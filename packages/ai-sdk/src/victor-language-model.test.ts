import { APICallError } from '@ai-sdk/provider';
import { MemoryCache, ResponseCache } from '@victor-ai/cache';
import { wrapProvider } from '@victor-ai/middleware';
import { createOpenAICompatibleProvider, createProviderPool } from '@victor-ai/provider-pool';
import { createLoopbackServer } from '@victor-ai/provider-pool/testing';
import { generateObject, generateText, Output, stepCountIs, streamText, tool } from 'ai';
import { describe, expect, it, vi } from 'vitest';
import { z } from 'zod';
import { useLoopbackProvider } from './__fixtures__/loopback.js';
import { rejectionOf } from './__fixtures__/rejection.js';
import { createVictorLanguageModel } from './victor-language-model.js';

// The AI SDK logs the compatibility warnings these tests provoke on purpose.
(globalThis as { AI_SDK_LOG_WARNINGS?: boolean }).AI_SDK_LOG_WARNINGS = false;

const loopback = useLoopbackProvider();

const weather = tool({
  description: 'Current weather in a city',
  inputSchema: z.object({ city: z.string() }),
  execute: async ({ city }) => ({ city, celsius: city === 'Paris' ? 18 : 25 }),
});

/** What `generateText` over the loopback rejects with, tried once (no retries of the AI SDK). */
function generateError(): Promise<APICallError> {
  return rejectionOf(
    generateText({
      model: createVictorLanguageModel({ provider: loopback.provider, model: 'm' }),
      prompt: 'x',
      maxRetries: 0,
    }),
  );
}

function lastRequestMessages(): Array<Record<string, unknown>> {
  return loopback.server.requests.at(-1)!.body.messages as Array<Record<string, unknown>>;
}

describe('createVictorLanguageModel', () => {
  describe('options', () => {
    it('refuses a provider without chat and stream, naming the option', () => {
      expect(() => createVictorLanguageModel({ provider: {} as never, model: 'm' })).toThrow(
        /provider must be/,
      );
    });

    it('refuses an empty model name', () => {
      expect(() => createVictorLanguageModel({ provider: loopback.provider, model: '' })).toThrow(
        /model must be a non-empty string, got ""/,
      );
    });
  });

  describe('generateText', () => {
    it('returns the text, finish reason, usage and provider metadata', async () => {
      loopback.server.enqueue({ text: 'Hello there', usage: { inputTokens: 12, outputTokens: 3 } });
      const result = await generateText({
        model: createVictorLanguageModel({ provider: loopback.provider, model: 'loopback-1' }),
        system: 'Be brief.',
        prompt: 'Hi',
        temperature: 0.5,
        maxOutputTokens: 64,
      });
      expect(result.text).toBe('Hello there');
      expect(result.finishReason).toBe('stop');
      expect(result.usage.inputTokens).toBe(12);
      expect(result.usage.outputTokens).toBe(3);
      expect(result.providerMetadata?.victor?.provider).toBe(loopback.provider.id);
      const body = loopback.server.requests.at(-1)!.body;
      expect(body.model).toBe('loopback-1');
      expect(body.temperature).toBe(0.5);
      expect(body.max_tokens).toBe(64);
      expect(lastRequestMessages()).toEqual([
        { role: 'system', content: 'Be brief.' },
        { role: 'user', content: 'Hi' },
      ]);
    });

    it('reports cached input tokens', async () => {
      loopback.server.enqueue({
        kind: 'raw',
        body: JSON.stringify({
          id: 'chatcmpl-1',
          model: 'loopback-1',
          choices: [{ index: 0, message: { role: 'assistant', content: 'ok' }, finish_reason: 'stop' }],
          usage: { prompt_tokens: 100, completion_tokens: 2, prompt_tokens_details: { cached_tokens: 80 } },
        }),
      });
      const result = await generateText({
        model: createVictorLanguageModel({ provider: loopback.provider, model: 'm' }),
        prompt: 'x',
      });
      expect(result.usage.inputTokens).toBe(100);
      expect(result.usage.inputTokenDetails.cacheReadTokens).toBe(80);
      expect(result.usage.inputTokenDetails.noCacheTokens).toBe(20);
      expect(result.providerMetadata?.victor?.cachedInputTokens).toBe(80);
      expect(result.response.id).toBe('chatcmpl-1');
    });

    it('runs tool calls over several steps and sends the results back', async () => {
      loopback.server.enqueue(
        { toolCalls: [{ id: 'call_1', name: 'weather', arguments: { city: 'Paris' } }] },
        { toolCalls: [{ id: 'call_2', name: 'weather', arguments: { city: 'Rome' } }] },
        { text: 'Paris 18, Rome 25' },
      );
      const result = await generateText({
        model: createVictorLanguageModel({ provider: loopback.provider, model: 'm' }),
        prompt: 'Weather in Paris and Rome?',
        tools: { weather },
        stopWhen: stepCountIs(5),
      });
      expect(result.text).toBe('Paris 18, Rome 25');
      expect(result.steps.map((step) => step.finishReason)).toEqual(['tool-calls', 'tool-calls', 'stop']);
      expect(result.steps[0]!.toolResults[0]!.output).toEqual({ city: 'Paris', celsius: 18 });
      expect(loopback.server.requests[0]!.body.tools).toEqual([
        expect.objectContaining({
          type: 'function',
          function: expect.objectContaining({ name: 'weather', description: 'Current weather in a city' }),
        }),
      ]);
      const messages = lastRequestMessages();
      expect(messages.filter((message) => message.role === 'tool')).toEqual([
        expect.objectContaining({
          tool_call_id: 'call_1',
          content: JSON.stringify({ city: 'Paris', celsius: 18 }),
        }),
        expect.objectContaining({
          tool_call_id: 'call_2',
          content: JSON.stringify({ city: 'Rome', celsius: 25 }),
        }),
      ]);
    });

    it('forwards a required tool choice', async () => {
      loopback.server.enqueue({ toolCalls: [{ name: 'weather', arguments: { city: 'Paris' } }] });
      await generateText({
        model: createVictorLanguageModel({ provider: loopback.provider, model: 'm' }),
        prompt: 'x',
        tools: { weather },
        toolChoice: { type: 'tool', toolName: 'weather' },
      });
      expect(loopback.server.requests[0]!.body.tool_choice).toEqual({
        type: 'function',
        function: { name: 'weather' },
      });
    });

    it('produces structured output with Output.object, the schema given in the system message', async () => {
      loopback.server.enqueue({ text: '{"name":"Ada","born":1815}' });
      const result = await generateText({
        model: createVictorLanguageModel({ provider: loopback.provider, model: 'm' }),
        prompt: 'Who wrote the first program?',
        output: Output.object({ schema: z.object({ name: z.string(), born: z.number() }) }),
      });
      expect(result.output).toEqual({ name: 'Ada', born: 1815 });
      const system = lastRequestMessages()[0]!;
      expect(system.role).toBe('system');
      expect(String(system.content)).toContain('"born"');
      expect(result.warnings).toEqual([
        expect.objectContaining({ type: 'compatibility', feature: 'responseFormat' }),
      ]);
    });

    it('works with generateObject', async () => {
      loopback.server.enqueue({ text: '{"city":"Oslo","celsius":4}' });
      const { object } = await generateObject({
        model: createVictorLanguageModel({ provider: loopback.provider, model: 'm' }),
        schema: z.object({ city: z.string(), celsius: z.number() }),
        prompt: 'Weather in Oslo as JSON',
      });
      expect(object).toEqual({ city: 'Oslo', celsius: 4 });
    });

    it('serves a repeated deterministic request from the response cache', async () => {
      const model = createVictorLanguageModel({
        provider: loopback.provider,
        model: 'm',
        responseCache: new ResponseCache({ cache: new MemoryCache({ name: 'responses' }) }),
      });
      const first = await generateText({ model, prompt: 'same', temperature: 0 });
      const second = await generateText({ model, prompt: 'same', temperature: 0 });
      expect(second.text).toBe(first.text);
      expect(loopback.server.requestCount).toBe(1);
      expect(first.providerMetadata?.victor?.cached).toBeUndefined();
      expect(second.providerMetadata?.victor?.cached).toBe(true);
    });

    it('runs over a provider wrapped in model middleware', async () => {
      const wrapped = wrapProvider(loopback.provider, [
        { name: 'cap-tokens', transformRequest: (request) => ({ ...request, maxTokens: 5 }) },
      ]);
      loopback.server.enqueue({ text: 'short' });
      const result = await generateText({
        model: createVictorLanguageModel({ provider: wrapped, model: 'm' }),
        prompt: 'x',
      });
      expect(result.text).toBe('short');
      expect(loopback.server.requests[0]!.body.max_tokens).toBe(5);
    });

    it('sends metadata from options and providerOptions.victor with the request', async () => {
      const seen: unknown[] = [];
      const wrapped = wrapProvider(loopback.provider, [
        {
          name: 'spy',
          transformRequest: (request) => {
            seen.push(request.metadata);
            return request;
          },
        },
      ]);
      await generateText({
        model: createVictorLanguageModel({ provider: wrapped, model: 'm', metadata: { tenantId: 'acme' } }),
        prompt: 'x',
        providerOptions: { victor: { userId: 'u1' } },
      });
      expect(seen).toEqual([{ tenantId: 'acme', userId: 'u1' }]);
    });

    it('runs over a ProviderPool that falls back past a failing endpoint', async () => {
      const failing = await createLoopbackServer();
      failing.enqueue({ kind: 'status', status: 503 });
      const pool = createProviderPool({
        selection: 'ordered',
        endpoints: [
          { name: 'failing', provider: createOpenAICompatibleProvider({ baseURL: failing.baseURL }) },
          { name: 'healthy', provider: createOpenAICompatibleProvider({ baseURL: loopback.server.baseURL }) },
        ],
        backoff: { initialDelayMs: 1, maxDelayMs: 1 },
      });
      try {
        loopback.server.enqueue({ text: 'from the healthy endpoint' });
        const result = await generateText({
          model: createVictorLanguageModel({ provider: pool, model: 'm' }),
          prompt: 'x',
        });
        expect(result.text).toBe('from the healthy endpoint');
        expect(failing.requestCount).toBe(1);
      } finally {
        await pool.close();
        await failing.close();
      }
    });
  });

  describe('errors', () => {
    it('maps a 429 to a retryable APICallError with the Retry-After and Victor code in the cause', async () => {
      loopback.server.enqueue({
        kind: 'status',
        status: 429,
        body: { error: { message: 'slow down' } },
        headers: { 'retry-after': '7' },
      });
      const apiError = await generateError();
      expect(APICallError.isInstance(apiError)).toBe(true);
      expect(apiError.statusCode).toBe(429);
      expect(apiError.isRetryable).toBe(true);
      expect(apiError.responseHeaders?.['retry-after-ms']).toBe('7000');
      expect(apiError.responseBody).toContain('slow down');
      expect((apiError.cause as { code: string }).code).toBe('HTTP_STATUS');
      expect(apiError.data).toEqual({ code: 'HTTP_STATUS' });
    });

    it('lets the AI SDK retry a 429 after the wait the server asked for', async () => {
      loopback.server.enqueue(
        { kind: 'status', status: 429, headers: { 'retry-after-ms': '5' } },
        { text: 'second try' },
      );
      const result = await generateText({
        model: createVictorLanguageModel({ provider: loopback.provider, model: 'm' }),
        prompt: 'x',
        maxRetries: 1,
      });
      expect(result.text).toBe('second try');
      expect(loopback.server.requestCount).toBe(2);
    });

    it('maps a 500 to a retryable APICallError', async () => {
      loopback.server.enqueue({ kind: 'status', status: 500, body: 'boom' });
      const error = await generateError();
      expect(APICallError.isInstance(error)).toBe(true);
      expect(error.statusCode).toBe(500);
      expect(error.isRetryable).toBe(true);
    });

    it('maps a 400 to an APICallError that is not retried', async () => {
      loopback.server.enqueue({ kind: 'status', status: 400, body: 'bad request' }, { text: 'never sent' });
      const error = await rejectionOf<APICallError>(
        generateText({
          model: createVictorLanguageModel({ provider: loopback.provider, model: 'm' }),
          prompt: 'x',
        }),
      );
      expect(error.statusCode).toBe(400);
      expect(error.isRetryable).toBe(false);
      expect(loopback.server.requestCount).toBe(1);
    });

    it('rejects with the abort reason when aborted, and never retries', async () => {
      loopback.server.enqueue({ kind: 'stall' });
      const controller = new AbortController();
      const pending = rejectionOf<Error>(
        generateText({
          model: createVictorLanguageModel({ provider: loopback.provider, model: 'm' }),
          prompt: 'x',
          abortSignal: controller.signal,
          maxRetries: 3,
        }),
      );
      await vi.waitFor(() => expect(loopback.server.requestCount).toBe(1));
      controller.abort();
      const error = await pending;
      expect(error.name).toBe('AbortError');
      expect(loopback.server.requestCount).toBe(1);
      await vi.waitFor(() => expect(loopback.server.cancelledCount).toBe(1));
    });

    it('maps a connection failure to a retryable APICallError without status', async () => {
      loopback.server.enqueue({ kind: 'drop' });
      const error = await generateError();
      expect(APICallError.isInstance(error)).toBe(true);
      expect(error.statusCode).toBeUndefined();
      expect(error.isRetryable).toBe(true);
      expect((error.cause as { code: string }).code).toBe('CONNECTION_FAILED');
    });
  });

  describe('streamText', () => {
    it('streams text with usage and finish reason', async () => {
      loopback.server.enqueue({
        text: 'streamed answer in several chunks',
        chunkSize: 5,
        usage: { inputTokens: 7, outputTokens: 6 },
      });
      const result = streamText({
        model: createVictorLanguageModel({ provider: loopback.provider, model: 'm' }),
        prompt: 'x',
      });
      const chunks: string[] = [];
      for await (const chunk of result.textStream) chunks.push(chunk);
      expect(chunks.length).toBeGreaterThan(1);
      expect(chunks.join('')).toBe('streamed answer in several chunks');
      expect(await result.finishReason).toBe('stop');
      expect((await result.usage).inputTokens).toBe(7);
      expect((await result.providerMetadata)?.victor?.provider).toBe(loopback.provider.id);
      expect(loopback.server.requests[0]!.body.stream).toBe(true);
    });

    it('streams tool calls over several steps', async () => {
      loopback.server.enqueue(
        { toolCalls: [{ id: 'call_1', name: 'weather', arguments: { city: 'Rome' } }] },
        { text: 'It is 25 in Rome' },
      );
      const result = streamText({
        model: createVictorLanguageModel({ provider: loopback.provider, model: 'm' }),
        prompt: 'Weather in Rome?',
        tools: { weather },
        stopWhen: stepCountIs(3),
      });
      const types = new Set<string>();
      for await (const part of result.fullStream) types.add(part.type);
      expect(await result.text).toBe('It is 25 in Rome');
      expect((await result.steps).length).toBe(2);
      expect([...types]).toEqual(
        expect.arrayContaining([
          'tool-input-start',
          'tool-input-delta',
          'tool-call',
          'tool-result',
          'text-delta',
        ]),
      );
      expect((await result.toolResults).length).toBe(0); // the last step's; the first step's are in steps
      expect((await result.steps)[0]!.toolResults[0]!.output).toEqual({ city: 'Rome', celsius: 25 });
    });

    it('streams structured output', async () => {
      loopback.server.enqueue({ text: '{"items":["a","b","c"]}', chunkSize: 4 });
      const result = streamText({
        model: createVictorLanguageModel({ provider: loopback.provider, model: 'm' }),
        prompt: 'x',
        output: Output.object({ schema: z.object({ items: z.array(z.string()) }) }),
      });
      const partials: unknown[] = [];
      for await (const partial of result.partialOutputStream) partials.push(partial);
      expect(partials.length).toBeGreaterThan(1);
      expect(await result.output).toEqual({ items: ['a', 'b', 'c'] });
    });

    it('stops the HTTP response when aborted mid-stream', async () => {
      loopback.server.configure({ chunkGapMs: 20 });
      loopback.server.enqueue({ text: 'x'.repeat(400), chunkSize: 4 });
      const controller = new AbortController();
      const onAbort = vi.fn();
      const result = streamText({
        model: createVictorLanguageModel({ provider: loopback.provider, model: 'm' }),
        prompt: 'x',
        abortSignal: controller.signal,
        onAbort,
      });
      let received = '';
      for await (const chunk of result.textStream) {
        received += chunk;
        if (received.length >= 8) controller.abort();
      }
      expect(received.length).toBeLessThan(400);
      expect(onAbort).toHaveBeenCalledTimes(1);
      await vi.waitFor(() => expect(loopback.server.cancelledCount).toBe(1));
    });

    it('replays a repeated deterministic stream from the response cache', async () => {
      const model = createVictorLanguageModel({
        provider: loopback.provider,
        model: 'm',
        responseCache: new ResponseCache({ cache: new MemoryCache({ name: 'streams' }) }),
      });
      loopback.server.enqueue({ text: 'cached stream answer', chunkSize: 4 });
      const first = streamText({ model, prompt: 'same', temperature: 0 });
      expect(await first.text).toBe('cached stream answer');
      const second = streamText({ model, prompt: 'same', temperature: 0 });
      expect(await second.text).toBe('cached stream answer');
      expect(await second.finishReason).toBe('stop');
      expect(loopback.server.requestCount).toBe(1);
    });

    it('reports a malformed stream as an error part whose cause has Victor code', async () => {
      loopback.server.enqueue({
        kind: 'malformed',
        afterChunks: 2,
        reply: { text: 'abcdefghijklmnopqrstuvwxyz', chunkSize: 4 },
      });
      const errors: unknown[] = [];
      const result = streamText({
        model: createVictorLanguageModel({ provider: loopback.provider, model: 'm' }),
        prompt: 'x',
        onError: ({ error }) => {
          errors.push(error);
        },
      });
      const parts: string[] = [];
      for await (const part of result.fullStream) parts.push(part.type);
      expect(parts).toContain('error');
      expect(errors).toHaveLength(1);
      expect(APICallError.isInstance(errors[0])).toBe(true);
      expect(((errors[0] as APICallError).cause as { code: string }).code).toBe('INVALID_RESPONSE');
      expect(await result.finishReason).toBe('error');
    });

    it('rejects a failure before the first event so the AI SDK can retry it', async () => {
      loopback.server.enqueue(
        { kind: 'status', status: 503, headers: { 'retry-after-ms': '1' } },
        { text: 'after retry' },
      );
      const result = streamText({
        model: createVictorLanguageModel({ provider: loopback.provider, model: 'm' }),
        prompt: 'x',
        maxRetries: 1,
      });
      expect(await result.text).toBe('after retry');
      expect(loopback.server.requestCount).toBe(2);
    });
  });
});
