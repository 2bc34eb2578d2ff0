import type { ChatRequest } from '@victor-ai/core';
import { afterEach, describe, expect, it } from 'vitest';
import { useLoopbackProvider } from '../__fixtures__/loopback-provider.js';
import { collectEvents } from '../testing/collect-events.js';
import { createOpenAICompatibleProvider } from './provider.js';

const loopback = useLoopbackProvider((baseURL) =>
  createOpenAICompatibleProvider({ baseURL, apiKey: 'test-key' }),
);
afterEach(() => {
  loopback.server.configure({ latencyMs: 0, ttftMs: 0, chunkGapMs: 0 });
});

const request = (content: string, extra: Partial<ChatRequest> = {}): ChatRequest => ({
  model: 'loopback-1',
  messages: [{ role: 'user', content }],
  ...extra,
});

// What every provider must do (errors, aborts, deadlines, keep-alive, stream events, tool-call fragments,
// cancelling) is in provider-behaviour.suite.ts, which runs for this provider too; here is what is its own.
describe('OpenAICompatibleProvider', () => {
  describe('chat', () => {
    it('returns the text, finish reason and usage', async () => {
      loopback.server.enqueue({ text: 'Hello there', usage: { inputTokens: 7, outputTokens: 3 } });
      const response = await loopback.provider.chat(request('hi'));
      expect(response.text).toBe('Hello there');
      expect(response.message).toEqual({ role: 'assistant', content: 'Hello there' });
      expect(response.finishReason).toBe('stop');
      expect(response.usage).toEqual({ inputTokens: 7, outputTokens: 3 });
      expect(response.model).toBe('loopback-1');
    });

    it('parses tool calls', async () => {
      loopback.server.enqueue({ toolCalls: [{ id: 'c1', name: 'read_file', arguments: { path: 'a.ts' } }] });
      const response = await loopback.provider.chat(request('read a.ts'));
      expect(response.finishReason).toBe('tool-calls');
      expect(response.toolCalls).toEqual([{ id: 'c1', name: 'read_file', arguments: { path: 'a.ts' } }]);
    });

    it('sends the request in Chat Completions form, with the key and the tools', async () => {
      await loopback.provider.chat(
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
      const seen = loopback.server.requests.at(-1)!;
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

    it('reads Retry-After in seconds as well as retry-after-ms', async () => {
      loopback.server.enqueue({ kind: 'status', status: 429, headers: { 'retry-after': '2' } });
      await expect(loopback.provider.chat(request('x'))).rejects.toMatchObject({
        status: 429,
        retryAfterMs: 2000,
      });
    });
  });

  describe('stream', () => {
    it('yields start, text deltas and finish with usage, in order', async () => {
      const usage = { inputTokens: 5, outputTokens: 2 };
      loopback.server.enqueue({ text: 'abcdefghij', chunkSize: 4, usage });
      const events = await collectEvents(loopback.provider.stream(request('hi')));
      expect(events).toEqual([
        { type: 'response-start', id: expect.any(String), model: 'loopback-1' },
        { type: 'text-delta', delta: 'abcd' },
        { type: 'text-delta', delta: 'efgh' },
        { type: 'text-delta', delta: 'ij' },
        { type: 'finish', finishReason: 'stop', usage },
      ]);
    });
  });

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
