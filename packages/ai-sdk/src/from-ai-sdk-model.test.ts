import { createOpenAICompatible } from '@ai-sdk/openai-compatible';
import { createAgent } from '@victor-ai/coordinators';
import { defineTool, HttpStatusError, type StreamEvent, VictorError } from '@victor-ai/core';
import { createProviderPool } from '@victor-ai/provider-pool';
import {
  collectEvents,
  createLoopbackServer,
  type LoopbackServer,
  loopbackEmbedding,
} from '@victor-ai/provider-pool/testing';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { rejectionOf } from './__fixtures__/rejection.js';
import { fromAISDKEmbeddingModel } from './from-ai-sdk-embedding-model.js';
import { fromAISDKModel } from './from-ai-sdk-model.js';

let server: LoopbackServer;

beforeEach(async () => {
  server = await createLoopbackServer({ embeddingDimensions: 4 });
});

afterEach(async () => {
  await server.close();
});

function aiSdkModel() {
  return createOpenAICompatible({ name: 'loopback', baseURL: server.baseURL, includeUsage: true }).chatModel(
    'loopback-1',
  );
}

const readFileTool = defineTool({
  definition: {
    name: 'read_file',
    description: 'Read a file',
    parameters: { type: 'object', properties: { path: { type: 'string' } }, required: ['path'] },
    readOnly: true,
  },
  execute: ({ path }) => `contents of ${path}`,
});

/** What a `chat()` through `fromAISDKModel` over the loopback rejects with. */
function chatError(): Promise<unknown> {
  return rejectionOf(
    fromAISDKModel(aiSdkModel()).chat({ model: 'm', messages: [{ role: 'user', content: 'x' }] }),
  );
}

describe('fromAISDKModel', () => {
  it('refuses something that is not a language model, naming the option', () => {
    expect(() => fromAISDKModel({} as never)).toThrow(/model must be an AI SDK language model/);
  });

  it('refuses a model of another specification version', () => {
    const v4 = { specificationVersion: 'v4', provider: 'p', modelId: 'm', doGenerate() {}, doStream() {} };
    expect(() => fromAISDKModel(v4 as never)).toThrow(/model.specificationVersion must be "v3".*got "v4"/);
  });

  describe('chat', () => {
    it('returns text, usage, finish reason, id and model', async () => {
      server.enqueue({ text: 'Hi!', usage: { inputTokens: 9, outputTokens: 2 } });
      const provider = fromAISDKModel(aiSdkModel());
      expect(provider.id).toBe('ai-sdk:loopback.chat:loopback-1');
      const response = await provider.chat({
        model: 'ignored',
        messages: [
          { role: 'system', content: 'Be brief.' },
          { role: 'user', content: 'Hello' },
        ],
        temperature: 0.2,
        maxTokens: 10,
        stop: ['END'],
      });
      expect(response).toMatchObject({
        text: 'Hi!',
        message: { role: 'assistant', content: 'Hi!' },
        toolCalls: [],
        finishReason: 'stop',
        usage: { inputTokens: 9, outputTokens: 2 },
        model: 'loopback-1',
      });
      const body = server.requests[0]!.body;
      expect(body.messages).toEqual([
        { role: 'system', content: 'Be brief.' },
        { role: 'user', content: 'Hello' },
      ]);
      expect(body).toMatchObject({ temperature: 0.2, max_tokens: 10, stop: ['END'] });
    });

    it('sends tools and returns parsed tool calls', async () => {
      server.enqueue({ toolCalls: [{ id: 'call_9', name: 'read_file', arguments: { path: 'a.ts' } }] });
      const response = await fromAISDKModel(aiSdkModel()).chat({
        model: 'm',
        messages: [{ role: 'user', content: 'read a.ts' }],
        tools: [readFileTool.definition],
        toolChoice: 'required',
      });
      expect(response.finishReason).toBe('tool-calls');
      expect(response.toolCalls).toEqual([{ id: 'call_9', name: 'read_file', arguments: { path: 'a.ts' } }]);
      expect(server.requests[0]!.body.tool_choice).toBe('required');
      expect(server.requests[0]!.body.tools).toEqual([
        {
          type: 'function',
          function: {
            name: 'read_file',
            description: 'Read a file',
            parameters: readFileTool.definition.parameters,
          },
        },
      ]);
    });

    it('maps a 429 to a retryable HttpStatusError with retryAfterMs', async () => {
      server.enqueue({
        kind: 'status',
        status: 429,
        headers: { 'retry-after': '3' },
        body: { error: { message: 'later' } },
      });
      const error = await chatError();
      expect(error).toBeInstanceOf(HttpStatusError);
      expect(error).toMatchObject({
        code: 'HTTP_STATUS',
        status: 429,
        isRetryable: true,
        retryAfterMs: 3000,
      });
    });

    it('maps a 400 to an HttpStatusError that is not retryable', async () => {
      server.enqueue({ kind: 'status', status: 400, body: { error: { message: 'bad' } } });
      const error = await chatError();
      expect(error).toMatchObject({ code: 'HTTP_STATUS', status: 400, isRetryable: false });
    });

    it('maps a dropped connection to a retryable CONNECTION_FAILED', async () => {
      server.enqueue({ kind: 'drop' });
      const error = await chatError();
      expect(VictorError.isInstance(error)).toBe(true);
      expect(error).toMatchObject({ code: 'CONNECTION_FAILED', isRetryable: true });
    });

    it('maps an abort to ABORTED', async () => {
      server.enqueue({ kind: 'stall' });
      const controller = new AbortController();
      const pending = fromAISDKModel(aiSdkModel()).chat({
        model: 'm',
        messages: [{ role: 'user', content: 'x' }],
        abortSignal: controller.signal,
      });
      await vi.waitFor(() => expect(server.requestCount).toBe(1));
      controller.abort();
      await expect(pending).rejects.toMatchObject({ code: 'ABORTED', isRetryable: false });
    });

    it('fails once closed', async () => {
      const provider = fromAISDKModel(aiSdkModel());
      await provider.close();
      await expect(
        provider.chat({ model: 'm', messages: [{ role: 'user', content: 'x' }] }),
      ).rejects.toMatchObject({
        code: 'INVALID_CONFIG',
      });
    });
  });

  describe('stream', () => {
    it('yields response-start, text, tool calls and finish in order', async () => {
      server.enqueue({
        text: 'Reading it now',
        chunkSize: 4,
        toolCalls: [{ id: 'call_1', name: 'read_file', arguments: { path: 'src/index.ts' } }],
        usage: { inputTokens: 20, outputTokens: 8 },
      });
      const events = await collectEvents(
        fromAISDKModel(aiSdkModel()).stream({
          model: 'm',
          messages: [{ role: 'user', content: 'x' }],
          tools: [readFileTool.definition],
        }),
      );
      expect(events[0]).toMatchObject({ type: 'response-start', model: 'loopback-1' });
      const text = events.flatMap((event) => (event.type === 'text-delta' ? [event.delta] : [])).join('');
      expect(text).toBe('Reading it now');
      expect(events.find((event) => event.type === 'tool-call-start')).toEqual({
        type: 'tool-call-start',
        index: 0,
        id: 'call_1',
        name: 'read_file',
      });
      const deltas = events.flatMap((event) =>
        event.type === 'tool-call-delta' ? [event.argumentsDelta] : [],
      );
      expect(JSON.parse(deltas.join(''))).toEqual({ path: 'src/index.ts' });
      expect(events.find((event) => event.type === 'tool-call-end')).toEqual({
        type: 'tool-call-end',
        index: 0,
        toolCall: { id: 'call_1', name: 'read_file', arguments: { path: 'src/index.ts' } },
      });
      expect(events.at(-1)).toEqual({
        type: 'finish',
        finishReason: 'tool-calls',
        usage: { inputTokens: 20, outputTokens: 8, cachedInputTokens: 0, reasoningTokens: 0 },
        // What the AI SDK provider reports under its own name passes through.
        providerMetadata: { loopback: {} },
      });
    });

    it('rejects the first next() on a failure before any event (so a pool can retry it)', async () => {
      server.enqueue({ kind: 'status', status: 503 });
      const iterator = fromAISDKModel(aiSdkModel())
        .stream({ model: 'm', messages: [{ role: 'user', content: 'x' }] })
        [Symbol.asyncIterator]();
      await expect(iterator.next()).rejects.toMatchObject({
        code: 'HTTP_STATUS',
        status: 503,
        isRetryable: true,
      });
    });

    it('ends with one error event when the stream is malformed', async () => {
      server.enqueue({
        kind: 'malformed',
        afterChunks: 2,
        reply: { text: 'abcdefghijklmnop', chunkSize: 2 },
      });
      const events = await collectEvents(
        fromAISDKModel(aiSdkModel()).stream({ model: 'm', messages: [{ role: 'user', content: 'x' }] }),
      );
      expect(events[0]!.type).toBe('response-start');
      const errors = events.filter((event) => event.type === 'error');
      expect(errors).toHaveLength(1);
      expect(events.at(-1)).toBe(errors[0]);
      expect(VictorError.isInstance((errors[0] as { error: unknown }).error)).toBe(true);
    });

    it('cancels the HTTP response when the consumer breaks out', async () => {
      server.configure({ chunkGapMs: 20 });
      server.enqueue({ text: 'y'.repeat(200), chunkSize: 2 });
      for await (const event of fromAISDKModel(aiSdkModel()).stream({
        model: 'm',
        messages: [{ role: 'user', content: 'x' }],
      })) {
        if (event.type === 'text-delta') break;
      }
      await vi.waitFor(() => expect(server.cancelledCount).toBe(1));
    });

    it('ends with an ABORTED error when aborted mid-stream', async () => {
      server.configure({ chunkGapMs: 20 });
      server.enqueue({ text: 'z'.repeat(200), chunkSize: 2 });
      const controller = new AbortController();
      const events: StreamEvent[] = [];
      for await (const event of fromAISDKModel(aiSdkModel()).stream({
        model: 'm',
        messages: [{ role: 'user', content: 'x' }],
        abortSignal: controller.signal,
      })) {
        events.push(event);
        if (event.type === 'text-delta') controller.abort();
      }
      expect(events.at(-1)).toMatchObject({ type: 'error', error: { code: 'ABORTED' } });
      await vi.waitFor(() => expect(server.cancelledCount).toBe(1));
    });
  });

  describe('with Victor', () => {
    it('drives createAgent with tools over several steps', async () => {
      server.enqueue(
        { toolCalls: [{ id: 'call_1', name: 'read_file', arguments: { path: 'a.ts' } }] },
        { text: 'a.ts exports nothing' },
      );
      const agent = createAgent({
        provider: fromAISDKModel(aiSdkModel()),
        model: 'loopback-1',
        tools: [readFileTool],
      });
      try {
        const turn = await agent.chat('What does a.ts export?');
        expect(turn.text).toBe('a.ts exports nothing');
        expect(turn.steps).toBe(2);
        expect(turn.toolResults).toEqual([expect.objectContaining({ ok: true, output: 'contents of a.ts' })]);
        const messages = server.requests[1]!.body.messages as Array<Record<string, unknown>>;
        expect(messages.at(-1)).toMatchObject({
          role: 'tool',
          tool_call_id: 'call_1',
          content: 'contents of a.ts',
        });
      } finally {
        await agent.close();
      }
    });

    it('streams an agent turn with a tool call', async () => {
      server.enqueue(
        { toolCalls: [{ id: 'call_1', name: 'read_file', arguments: { path: 'b.ts' } }] },
        { text: 'done reading', chunkSize: 3 },
      );
      const agent = createAgent({
        provider: fromAISDKModel(aiSdkModel()),
        model: 'loopback-1',
        tools: [readFileTool],
      });
      try {
        const types: string[] = [];
        let text = '';
        for await (const event of agent.stream('read b.ts')) {
          types.push(event.type);
          if (event.type === 'text-delta') text += event.delta;
        }
        expect(text).toBe('done reading');
        expect(types).toEqual(
          expect.arrayContaining(['tool-call-end', 'tool-result', 'step-finish', 'turn-finish']),
        );
      } finally {
        await agent.close();
      }
    });

    it('aborts a streaming agent turn and cancels the request', async () => {
      server.configure({ chunkGapMs: 20 });
      server.enqueue({ text: 'w'.repeat(300), chunkSize: 3 });
      const agent = createAgent({ provider: fromAISDKModel(aiSdkModel()), model: 'loopback-1' });
      const controller = new AbortController();
      const types: string[] = [];
      try {
        for await (const event of agent.stream('long answer', { abortSignal: controller.signal })) {
          types.push(event.type);
          if (event.type === 'text-delta') controller.abort();
        }
      } catch (error) {
        expect(error).toMatchObject({ code: 'ABORTED' });
      } finally {
        await agent.close();
      }
      expect(types).not.toContain('turn-finish');
      await vi.waitFor(() => expect(server.cancelledCount).toBe(1));
      expect(agent.history('default')).toEqual([]);
    });

    it('serves as a ProviderPool endpoint that is retried after a 503', async () => {
      server.enqueue({ kind: 'status', status: 503 }, { text: 'second attempt' });
      const pool = createProviderPool({
        endpoints: [{ name: 'ai-sdk', provider: fromAISDKModel(aiSdkModel()) }],
        backoff: { initialDelayMs: 1, maxDelayMs: 1 },
      });
      try {
        const response = await pool.chat({ model: 'm', messages: [{ role: 'user', content: 'x' }] });
        expect(response.text).toBe('second attempt');
        expect(server.requestCount).toBe(2);
      } finally {
        await pool.close();
      }
    });
  });
});

describe('fromAISDKEmbeddingModel', () => {
  it('returns Float32Array vectors in input order, split into batches of the given size', async () => {
    const model = createOpenAICompatible({ name: 'loopback', baseURL: server.baseURL }).embeddingModel(
      'embed-1',
    );
    const embedder = fromAISDKEmbeddingModel(model, { batchSize: 2 });
    expect(embedder.model).toBe('embed-1');
    const inputs = ['one', 'two', 'three', 'four', 'five'];
    const vectors = await embedder.embed(inputs);
    expect(vectors).toHaveLength(5);
    vectors.forEach((vector, index) => {
      expect(vector).toBeInstanceOf(Float32Array);
      expect(Array.from(vector)).toEqual(Array.from(loopbackEmbedding(inputs[index]!, 4)));
    });
    expect(server.requests.filter((request) => request.api === 'embeddings')).toHaveLength(3);
  });

  it('refuses a batch size that is not a positive integer', () => {
    const model = createOpenAICompatible({ name: 'loopback', baseURL: server.baseURL }).embeddingModel(
      'embed-1',
    );
    expect(() => fromAISDKEmbeddingModel(model, { batchSize: 0 })).toThrow(
      /batchSize must be an integer >= 1, got 0/,
    );
  });
});
