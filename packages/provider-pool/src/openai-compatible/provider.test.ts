import type { ChatRequest, StreamEvent } from '@victor-ai/core';
import { VictorError } from '@victor-ai/core';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { createLoopbackServer, type LoopbackServer } from '../testing/loopback-server.js';
import { createOpenAICompatibleProvider, type OpenAICompatibleProvider } from './provider.js';

let server: LoopbackServer;
let provider: OpenAICompatibleProvider;

beforeAll(async () => {
  server = await createLoopbackServer();
  provider = createOpenAICompatibleProvider({ baseURL: server.baseURL, apiKey: 'test-key' });
});
afterAll(async () => {
  await provider.close();
  await server.close();
});
afterEach(() => {
  server.configure({ latencyMs: 0, ttftMs: 0, chunkGapMs: 0 });
});

const request = (content: string, extra: Partial<ChatRequest> = {}): ChatRequest => ({
  model: 'loopback-1',
  messages: [{ role: 'user', content }],
  ...extra,
});

async function collect(events: AsyncIterable<StreamEvent>): Promise<StreamEvent[]> {
  const all: StreamEvent[] = [];
  for await (const event of events) all.push(event);
  return all;
}

describe('OpenAICompatibleProvider', () => {
  describe('chat', () => {
    it('returns the text, finish reason and usage', async () => {
      server.enqueue({ text: 'Hello there', usage: { inputTokens: 7, outputTokens: 3 } });
      const response = await provider.chat(request('hi'));
      expect(response.text).toBe('Hello there');
      expect(response.message).toEqual({ role: 'assistant', content: 'Hello there' });
      expect(response.finishReason).toBe('stop');
      expect(response.usage).toEqual({ inputTokens: 7, outputTokens: 3 });
      expect(response.model).toBe('loopback-1');
    });

    it('parses tool calls', async () => {
      server.enqueue({ toolCalls: [{ id: 'c1', name: 'read_file', arguments: { path: 'a.ts' } }] });
      const response = await provider.chat(request('read a.ts'));
      expect(response.finishReason).toBe('tool-calls');
      expect(response.toolCalls).toEqual([{ id: 'c1', name: 'read_file', arguments: { path: 'a.ts' } }]);
    });

    it('sends the request in Chat Completions form, with the key and the tools', async () => {
      await provider.chat(
        request('x', {
          temperature: 0,
          maxTokens: 5,
          stop: ['\n'],
          toolChoice: { type: 'tool', name: 'ls' },
          metadata: { userId: 'u1' },
          tools: [{ name: 'ls', description: 'list', parameters: { type: 'object', properties: {} } }],
          messages: [
            { role: 'system', content: 's' },
            { role: 'user', content: 'x' },
            {
              role: 'assistant',
              content: '',
              toolCalls: [{ id: 't1', name: 'ls', arguments: { dir: '.' } }],
            },
            { role: 'tool', toolCallId: 't1', content: 'a.ts' },
          ],
        }),
      );
      const seen = server.requests.at(-1)!;
      expect(seen.headers.authorization).toBe('Bearer test-key');
      expect(seen.body).toEqual({
        model: 'loopback-1',
        messages: [
          { role: 'system', content: 's' },
          { role: 'user', content: 'x' },
          {
            role: 'assistant',
            content: null,
            tool_calls: [{ id: 't1', type: 'function', function: { name: 'ls', arguments: '{"dir":"."}' } }],
          },
          { role: 'tool', tool_call_id: 't1', content: 'a.ts' },
        ],
        tools: [
          {
            type: 'function',
            function: { name: 'ls', description: 'list', parameters: { type: 'object', properties: {} } },
          },
        ],
        tool_choice: { type: 'function', function: { name: 'ls' } },
        temperature: 0,
        max_tokens: 5,
        stop: ['\n'],
        user: 'u1',
      });
    });

    it('turns an HTTP error into a typed error with the provider message and Retry-After', async () => {
      server.enqueue({
        kind: 'status',
        status: 429,
        body: { error: { message: 'slow down' } },
        headers: { 'retry-after': '2' },
      });
      const error = await provider.chat(request('x')).catch((caught: unknown) => caught);
      expect(VictorError.isInstance(error)).toBe(true);
      expect(error).toMatchObject({
        code: 'HTTP_STATUS',
        status: 429,
        isRetryable: true,
        retryAfterMs: 2000,
      });
      expect((error as Error).message).toContain('slow down');
    });

    it('reports a dropped connection as a retryable connection error', async () => {
      server.enqueue({ kind: 'drop' });
      await expect(provider.chat(request('x'))).rejects.toMatchObject({
        code: 'CONNECTION_FAILED',
        isRetryable: true,
      });
    });

    it('reports a malformed body as an invalid response', async () => {
      server.enqueue({ kind: 'malformed', afterChunks: 0 });
      await expect(provider.chat(request('x'))).rejects.toSatisfy(VictorError.isInstance);
    });

    it('aborts with an AbortedError and is not retryable', async () => {
      server.configure({ latencyMs: 5_000 });
      const controller = new AbortController();
      const pending = provider.chat(request('x', { abortSignal: controller.signal }));
      setTimeout(() => controller.abort(), 20);
      await expect(pending).rejects.toMatchObject({ code: 'ABORTED', isRetryable: false });
    });

    it('opens no new connection in steady state (keep-alive)', async () => {
      const fresh = createOpenAICompatibleProvider({ baseURL: server.baseURL });
      const before = server.connectionCount;
      for (let i = 0; i < 10; i++) await fresh.chat(request(`warm${i}`));
      const warmed = server.connectionCount;
      expect(warmed - before).toBeGreaterThan(0);
      for (let i = 0; i < 30; i++) await fresh.chat(request(`n${i}`));
      expect(server.connectionCount).toBe(warmed);
      await fresh.close();
    });

    it('enforces its own deadline with a TimeoutError', async () => {
      const strict = createOpenAICompatibleProvider({ baseURL: server.baseURL, timeoutMs: 50 });
      server.enqueue({ kind: 'stall' });
      await expect(strict.chat(request('x'))).rejects.toMatchObject({ code: 'TIMEOUT' });
      await strict.close();
    });
  });

  describe('stream', () => {
    it('yields start, text deltas and finish with usage, in order', async () => {
      server.enqueue({ text: 'abcdefghij', chunkSize: 4, usage: { inputTokens: 5, outputTokens: 2 } });
      const events = await collect(provider.stream(request('hi')));
      expect(events).toEqual([
        { type: 'response-start', id: expect.any(String), model: 'loopback-1' },
        { type: 'text-delta', delta: 'abcd' },
        { type: 'text-delta', delta: 'efgh' },
        { type: 'text-delta', delta: 'ij' },
        { type: 'finish', finishReason: 'stop', usage: { inputTokens: 5, outputTokens: 2 } },
      ]);
    });

    it('assembles tool-call fragments into complete parsed calls', async () => {
      server.enqueue({
        toolCalls: [
          { id: 'a', name: 'read_file', arguments: { path: 'src/index.ts', limit: 10 } },
          { id: 'b', name: 'list_dir', arguments: {} },
        ],
      });
      const events = await collect(provider.stream(request('x')));
      const types = events.map((event) => event.type);
      expect(types.filter((type) => type === 'tool-call-start')).toHaveLength(2);
      expect(events.filter((event) => event.type === 'tool-call-end')).toEqual([
        {
          type: 'tool-call-end',
          index: 0,
          toolCall: { id: 'a', name: 'read_file', arguments: { path: 'src/index.ts', limit: 10 } },
        },
        { type: 'tool-call-end', index: 1, toolCall: { id: 'b', name: 'list_dir', arguments: {} } },
      ]);
      expect(events.at(-1)).toMatchObject({ type: 'finish', finishReason: 'tool-calls' });
    });

    it('rejects the first next() on an HTTP error, so it can be retried', async () => {
      server.enqueue({ kind: 'status', status: 503 });
      await expect(collect(provider.stream(request('x')))).rejects.toMatchObject({
        code: 'HTTP_STATUS',
        status: 503,
      });
    });

    it('ends with an error event when a malformed event arrives mid-stream', async () => {
      server.enqueue({ kind: 'malformed', afterChunks: 2, reply: { text: 'abcdefgh', chunkSize: 2 } });
      const events = await collect(provider.stream(request('x')));
      expect(events.at(-1)).toMatchObject({ type: 'error', error: { code: 'INVALID_RESPONSE' } });
      expect(events.filter((event) => event.type === 'finish')).toHaveLength(0);
    });

    it('ends with an error event when the connection drops mid-stream', async () => {
      server.configure({ chunkGapMs: 2 });
      server.enqueue({ kind: 'drop-mid-stream', afterChunks: 3, reply: { text: 'abcdefgh', chunkSize: 2 } });
      const events = await collect(provider.stream(request('x')));
      expect(events[0]).toMatchObject({ type: 'response-start' });
      expect(events.at(-1)).toMatchObject({ type: 'error', error: { code: 'CONNECTION_FAILED' } });
    });

    it('keeps the connection after a complete stream', async () => {
      const fresh = createOpenAICompatibleProvider({ baseURL: server.baseURL });
      for (let i = 0; i < 10; i++) await collect(fresh.stream(request(`warm${i}`)));
      const warmed = server.connectionCount;
      for (let i = 0; i < 30; i++) await collect(fresh.stream(request(`n${i}`)));
      expect(server.connectionCount).toBe(warmed);
      await fresh.close();
    });
  });

  // Truncated tool JSON, cancel on break, abort mid-stream and calls after close() are in
  // provider-behaviour.suite.ts, which runs for this provider too.
  describe('options', () => {
    it.each([
      [{ baseURL: 'ftp://x' }, 'baseURL must be an http(s) URL, got "ftp://x"'],
      [{ baseURL: 'not a url' }, 'baseURL must be an http(s) URL'],
      [{ baseURL: 'http://x/v1', connections: 0 }, 'connections must be a positive integer, got 0'],
      [
        { baseURL: 'http://x/v1', timeoutMs: -1 },
        'timeoutMs must be a positive finite number of milliseconds, got -1',
      ],
    ])('refuses %j', (options, message) => {
      expect(() => createOpenAICompatibleProvider(options)).toThrow(message);
    });
  });
});
