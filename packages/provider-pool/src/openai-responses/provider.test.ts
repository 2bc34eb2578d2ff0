import type { ChatRequest, Message, ToolDefinition } from '@victor-ai/core';
import { VictorError } from '@victor-ai/core';
import { describe, expect, it } from 'vitest';
import { useLoopbackProvider } from '../__fixtures__/loopback-provider.js';
import { createProviderPool } from '../provider-pool.js';
import { collectEvents } from '../testing/collect-events.js';
import { createOpenAIResponsesProvider } from './provider.js';
import { allowsStrict, buildResponsesBody } from './request-body.js';

const loopback = useLoopbackProvider((baseURL) =>
  createOpenAIResponsesProvider({ baseURL, apiKey: 'test-key', store: false }),
);

const readFile: ToolDefinition = {
  name: 'read_file',
  description: 'Reads a file',
  parameters: {
    type: 'object',
    properties: { path: { type: 'string' } },
    required: ['path'],
    additionalProperties: false,
  },
};
const search: ToolDefinition = {
  name: 'search',
  description: 'Searches',
  parameters: {
    type: 'object',
    properties: { query: { type: 'string' }, limit: { type: 'number' } },
    required: ['query'],
  },
};

function lastBody(): Record<string, unknown> {
  return loopback.server.requests[loopback.server.requests.length - 1]!.body;
}

describe('OpenAIResponsesProvider', () => {
  describe('chat', () => {
    it('returns text, reasoning, usage with cached and reasoning tokens, and the response id', async () => {
      loopback.server.enqueue({
        text: 'Hello there',
        reasoning: 'The user greets me.',
        usage: { inputTokens: 7, outputTokens: 3 },
      });
      const response = await loopback.provider.chat({
        model: 'loopback-1',
        messages: [{ role: 'user', content: 'hi' }],
      });
      expect(response.text).toBe('Hello there');
      expect(response.finishReason).toBe('stop');
      expect(response.usage).toEqual({
        inputTokens: 7,
        outputTokens: 11,
        cachedInputTokens: 0,
        reasoningTokens: 8,
      });
      expect(response.message.reasoning).toEqual([
        {
          type: 'reasoning',
          provider: 'openai-responses',
          text: 'The user greets me.',
          providerData: expect.objectContaining({
            type: 'reasoning',
            encrypted_content: expect.stringMatching(/^enc_/),
          }),
        },
      ]);
      expect(response.providerMetadata).toEqual({ 'openai-responses': { responseId: response.id } });
      expect(loopback.server.requests.at(-1)!.path).toBe('/v1/responses');
      expect(loopback.server.requests.at(-1)!.headers.authorization).toBe('Bearer test-key');
    });

    it('sends tools (strict where the schema allows), tool_choice, parallel_tool_calls, store and include', async () => {
      const parallel = createOpenAIResponsesProvider({
        baseURL: loopback.server.baseURL,
        store: false,
        parallelToolCalls: false,
        reasoning: { effort: 'low', summary: 'auto' },
      });
      await parallel.chat({
        model: 'loopback-1',
        messages: [
          { role: 'system', content: 'Be brief.' },
          { role: 'user', content: 'x' },
        ],
        tools: [readFile, search],
        toolChoice: { type: 'tool', name: 'read_file' },
        maxTokens: 50,
        providerOptions: { 'openai-responses': { previousResponseId: 'resp_before' } },
      });
      await parallel.close();
      expect(lastBody()).toEqual({
        model: 'loopback-1',
        input: [
          { role: 'system', content: 'Be brief.' },
          { role: 'user', content: 'x' },
        ],
        tool_choice: { type: 'function', name: 'read_file' },
        parallel_tool_calls: false,
        max_output_tokens: 50,
        reasoning: { effort: 'low', summary: 'auto' },
        previous_response_id: 'resp_before',
        store: false,
        include: ['reasoning.encrypted_content'],
        tools: [
          {
            type: 'function',
            name: 'read_file',
            description: 'Reads a file',
            parameters: readFile.parameters,
            strict: true,
          },
          {
            type: 'function',
            name: 'search',
            description: 'Searches',
            parameters: search.parameters,
            strict: false,
          },
        ],
      });
    });
  });

  describe('a tool loop', () => {
    it.each(['chat', 'stream'] as const)(
      'sends the reasoning items back with their encrypted content (%s)',
      async (mode) => {
        loopback.server.enqueue(
          {
            toolCalls: [{ id: 'call_1', name: 'read_file', arguments: { path: 'a.ts' } }],
            reasoning: 'I should read it.',
          },
          { text: 'It exports main.' },
        );
        const messages: Message[] = [{ role: 'user', content: 'What does a.ts export?' }];
        const turn = async (): Promise<{ text: string; message: Message; calls: number }> => {
          const request: ChatRequest = { model: 'loopback-1', messages, tools: [readFile] };
          if (mode === 'chat') {
            const response = await loopback.provider.chat(request);
            return { text: response.text, message: response.message, calls: response.toolCalls.length };
          }
          // What an agent loop does with the events: text, tool calls and reasoning make the message.
          const events = await collectEvents(loopback.provider.stream(request));
          const text = events.map((event) => (event.type === 'text-delta' ? event.delta : '')).join('');
          const toolCalls = events.flatMap((event) =>
            event.type === 'tool-call-end' ? [event.toolCall] : [],
          );
          const reasoning = events.flatMap((event) =>
            event.type === 'reasoning-end' ? [event.reasoning] : [],
          );
          expect(events.filter((event) => event.type === 'reasoning-delta').length).toBeGreaterThan(0);
          const message: Message = { role: 'assistant', content: text, toolCalls, reasoning };
          return { text, message, calls: toolCalls.length };
        };
        const first = await turn();
        expect(first.calls).toBe(1);
        const sentReasoning = (first.message as { reasoning: Array<{ providerData: unknown }> }).reasoning[0]!
          .providerData;
        messages.push(first.message, {
          role: 'tool',
          toolCallId: 'call_1',
          name: 'read_file',
          content: 'export function main() {}',
        });
        const second = await turn();
        expect(second.text).toBe('It exports main.');
        const input = lastBody().input as Array<Record<string, unknown>>;
        expect(input).toEqual([
          { role: 'user', content: 'What does a.ts export?' },
          sentReasoning,
          { type: 'function_call', call_id: 'call_1', name: 'read_file', arguments: '{"path":"a.ts"}' },
          { type: 'function_call_output', call_id: 'call_1', output: 'export function main() {}' },
        ]);
        expect(input[1]).toMatchObject({
          type: 'reasoning',
          encrypted_content: expect.stringMatching(/^enc_loopback_/),
        });
      },
    );
  });

  describe('stream', () => {
    it('maps the events as they arrive, tool calls assembled and parsed', async () => {
      loopback.server.enqueue({
        text: 'ok',
        toolCalls: [{ id: 'call_9', name: 'search', arguments: { query: 'q' } }],
      });
      const events = await collectEvents(
        loopback.provider.stream({ model: 'loopback-1', messages: [{ role: 'user', content: 'x' }] }),
      );
      expect(events.map((event) => event.type)).toEqual([
        'response-start',
        'reasoning-delta',
        'reasoning-end',
        'text-delta',
        'tool-call-start',
        'tool-call-delta',
        'tool-call-delta',
        'tool-call-end',
        'finish',
      ]);
      expect(events.at(-2)).toMatchObject({
        toolCall: { id: 'call_9', name: 'search', arguments: { query: 'q' } },
      });
      expect(events.at(-1)).toMatchObject({ finishReason: 'tool-calls', usage: { reasoningTokens: 8 } });
    });

    it('passes unknown output items through as provider metadata, never failing on them', async () => {
      const item = {
        type: 'web_search_call',
        id: 'ws_1',
        status: 'completed',
        action: { type: 'search', query: 'x' },
      };
      loopback.server.enqueue({
        kind: 'raw',
        body: [
          `data: ${JSON.stringify({ type: 'response.created', response: { id: 'resp_ws', model: 'm' } })}`,
          `data: ${JSON.stringify({ type: 'response.output_item.done', output_index: 0, item })}`,
          `data: ${JSON.stringify({ type: 'response.web_search_call.completed', item_id: 'ws_1' })}`,
          `data: ${JSON.stringify({ type: 'response.output_text.delta', item_id: 'm1', output_index: 1, delta: 'Found.' })}`,
          `data: ${JSON.stringify({ type: 'response.completed', response: { id: 'resp_ws', status: 'completed', usage: { input_tokens: 1, output_tokens: 2 } } })}`,
          '',
        ].join('\n\n'),
      });
      const events = await collectEvents(
        loopback.provider.stream({ model: 'm', messages: [{ role: 'user', content: 'x' }] }),
      );
      expect(events.at(-1)).toEqual({
        type: 'finish',
        finishReason: 'stop',
        usage: { inputTokens: 1, outputTokens: 2 },
        providerMetadata: { 'openai-responses': { responseId: 'resp_ws', outputItems: [item] } },
      });
    });
  });

  describe('errors', () => {
    const request: ChatRequest = { model: 'm', messages: [{ role: 'user', content: 'x' }] };
    const sse = (...payloads: object[]) =>
      payloads.map((payload) => `data: ${JSON.stringify(payload)}\n\n`).join('');

    it('turns response.failed into a typed error, retryable for server errors', async () => {
      loopback.server.enqueue({
        kind: 'raw',
        body: sse(
          { type: 'response.created', response: { id: 'r' } },
          {
            type: 'response.failed',
            response: { id: 'r', status: 'failed', error: { code: 'server_error', message: 'boom' } },
          },
        ),
      });
      const events = await collectEvents(loopback.provider.stream(request));
      expect(events.map((event) => event.type)).toEqual(['response-start', 'error']);
      const { error } = events[1] as { error: Error };
      expect(error).toMatchObject({ code: 'HTTP_STATUS', status: 500, isRetryable: true });
      expect(error.message).toContain('boom');
      loopback.server.enqueue({
        kind: 'raw',
        body: JSON.stringify({
          id: 'r',
          status: 'failed',
          output: [],
          error: { code: 'server_error', message: 'boom' },
        }),
      });
      await expect(loopback.provider.chat(request)).rejects.toMatchObject({
        code: 'HTTP_STATUS',
        status: 500,
      });
    });

    it('turns an error event after text into an error event', async () => {
      loopback.server.enqueue({
        kind: 'raw',
        body: sse(
          { type: 'response.created', response: { id: 'r' } },
          { type: 'response.output_text.delta', item_id: 'm', output_index: 0, delta: 'Hi' },
          { type: 'error', code: 'rate_limit_exceeded', message: 'slow down' },
        ),
      });
      const events = await collectEvents(loopback.provider.stream(request));
      expect(events.at(-1)).toMatchObject({ type: 'error', error: { code: 'HTTP_STATUS', status: 429 } });
    });

    it('reports a malformed event and a cut-off stream as typed errors', async () => {
      loopback.server.enqueue(
        {
          kind: 'raw',
          body: `${sse({ type: 'response.created', response: { id: 'r' } })}data: {"type": "response.output_text.delta", "delta"\n\n`,
        },
        {
          kind: 'raw',
          body: sse(
            { type: 'response.created', response: { id: 'r' } },
            { type: 'response.output_text.delta', delta: 'Hi' },
          ),
        },
      );
      const malformed = await collectEvents(loopback.provider.stream(request));
      expect(malformed.at(-1)).toMatchObject({ type: 'error', error: { code: 'INVALID_RESPONSE' } });
      const cut = await collectEvents(loopback.provider.stream(request));
      expect(cut.at(-1)).toMatchObject({ type: 'error', error: { code: 'CONNECTION_FAILED' } });
    });

    it('turns HTTP 4xx and 5xx bodies into typed errors with the server message', async () => {
      loopback.server.enqueue(
        {
          kind: 'status',
          status: 400,
          body: { error: { message: 'Unsupported parameter: temperature', type: 'invalid_request_error' } },
        },
        { kind: 'status', status: 503 },
      );
      await expect(loopback.provider.chat(request)).rejects.toMatchObject({
        code: 'HTTP_STATUS',
        status: 400,
        isRetryable: false,
      });
      await expect(collectEvents(loopback.provider.stream(request))).rejects.toMatchObject({
        status: 503,
        isRetryable: true,
      });
    });

    it('aborts with ABORTED', async () => {
      loopback.server.enqueue({ kind: 'stall' });
      const controller = new AbortController();
      const pending = loopback.provider.chat({ ...request, abortSignal: controller.signal });
      setTimeout(() => controller.abort(), 5);
      const error = await pending.catch((caught: unknown) => caught);
      expect(VictorError.isInstance(error) && error.code).toBe('ABORTED');
    });

    it('works under a pool: a failed attempt goes to the next endpoint', async () => {
      const pool = createProviderPool({
        endpoints: [
          { name: 'a', provider: createOpenAIResponsesProvider({ baseURL: loopback.server.baseURL }) },
          { name: 'b', provider: createOpenAIResponsesProvider({ baseURL: loopback.server.baseURL }) },
        ],
        selection: 'ordered',
      });
      loopback.server.enqueue({ kind: 'status', status: 503 });
      await expect(
        pool.chat({ model: 'm', messages: [{ role: 'user', content: 'again' }] }),
      ).resolves.toMatchObject({
        text: 'You said: again',
      });
      await pool.close();
    });
  });

  it('refuses bad options, naming them', () => {
    expect(() =>
      createOpenAIResponsesProvider({ baseURL: loopback.server.baseURL, store: 'no' as never }),
    ).toThrow('store must be a boolean, got "no"');
    expect(() =>
      createOpenAIResponsesProvider({ baseURL: loopback.server.baseURL, include: 'x' as never }),
    ).toThrow('include must be an array of strings');
  });
});

describe('allowsStrict', () => {
  it('accepts closed objects whose properties are all required, and nothing else', () => {
    expect(allowsStrict(readFile.parameters)).toBe(true);
    expect(allowsStrict(search.parameters)).toBe(false);
    expect(allowsStrict({ type: 'object', properties: {}, additionalProperties: false })).toBe(true);
    expect(
      allowsStrict({
        type: 'object',
        properties: { nested: { type: 'object', properties: { a: { type: 'string' } }, required: ['a'] } },
        required: ['nested'],
        additionalProperties: false,
      }),
    ).toBe(false);
  });
});

describe('buildResponsesBody', () => {
  it('leaves reasoning of other providers out of the input', () => {
    const body = JSON.parse(
      buildResponsesBody(
        {
          model: 'm',
          messages: [
            {
              role: 'assistant',
              content: 'a',
              reasoning: [
                { type: 'reasoning', provider: 'anthropic', text: 't', providerData: { type: 'thinking' } },
              ],
            },
          ],
        },
        false,
      ),
    );
    expect(body.input).toEqual([{ role: 'assistant', content: 'a' }]);
  });
});
