import type { ChatRequest, ChatResponse, ModelMiddleware, Provider, StreamEvent } from '@victor-ai/core';
import { InvalidConfigError } from '@victor-ai/core';
import { describe, expect, it, vi } from 'vitest';
import { wrapProvider } from './wrap-provider.js';

function response(text: string): ChatResponse {
  return {
    message: { role: 'assistant', content: text },
    text,
    toolCalls: [],
    finishReason: 'stop',
    usage: { inputTokens: 1, outputTokens: 1 },
  } as ChatResponse;
}

function fakeProvider(log: string[]) {
  const seen: ChatRequest[] = [];
  let returned = 0;
  const provider: Provider = {
    id: 'fake:1',
    async chat(request) {
      seen.push(request);
      log.push('provider.chat');
      return response(`model:${request.model}`);
    },
    stream(request) {
      seen.push(request);
      log.push('provider.stream');
      return {
        [Symbol.asyncIterator]() {
          let index = 0;
          const events: StreamEvent[] = [
            { type: 'text-delta', delta: 'a' },
            { type: 'text-delta', delta: 'b' },
            { type: 'finish', finishReason: 'stop', usage: { inputTokens: 1, outputTokens: 2 } },
          ];
          return {
            async next() {
              const value = events[index++];
              return value === undefined ? { done: true, value: undefined } : { done: false, value };
            },
            async return() {
              returned++;
              return { done: true, value: undefined };
            },
          };
        },
      };
    },
    embed: vi.fn(async () => ({ embeddings: [] })),
    close: vi.fn(async () => {}),
  };
  return { provider, seen, returnedCount: () => returned };
}

const request: ChatRequest = { model: 'm', messages: [{ role: 'user', content: 'hi' }] } as ChatRequest;

function tagging(name: string, log: string[]): ModelMiddleware {
  return {
    name,
    transformRequest(r) {
      log.push(`transform:${name}`);
      return { ...r, model: `${r.model}+${name}` };
    },
    async wrapChat(next, r) {
      log.push(`chat-in:${name}:${r.model}`);
      const result = await next(r);
      log.push(`chat-out:${name}`);
      return { ...result, text: `${result.text}|${name}` };
    },
    async *wrapStream(next, r) {
      log.push(`stream-in:${name}:${r.model}`);
      for await (const event of next(r)) {
        yield event.type === 'text-delta' ? { ...event, delta: `${event.delta}${name}` } : event;
      }
    },
  };
}

async function collect(iterable: AsyncIterable<StreamEvent>): Promise<StreamEvent[]> {
  const events: StreamEvent[] = [];
  for await (const event of iterable) events.push(event);
  return events;
}

describe('wrapProvider', () => {
  it('should let the first middleware see the request first and the response last (chat)', async () => {
    const log: string[] = [];
    const { provider, seen } = fakeProvider(log);
    const wrapped = wrapProvider(provider, [tagging('first', log), tagging('second', log)]);
    const result = await wrapped.chat(request);
    expect(log).toEqual([
      'transform:first',
      'chat-in:first:m+first',
      'transform:second',
      'chat-in:second:m+first+second',
      'provider.chat',
      'chat-out:second',
      'chat-out:first',
    ]);
    expect(seen[0]?.model).toBe('m+first+second');
    expect(result.text).toBe('model:m+first+second|second|first');
  });

  it('should compose stream wrappers in the same order', async () => {
    const log: string[] = [];
    const { provider } = fakeProvider(log);
    const wrapped = wrapProvider(provider, [tagging('first', log), tagging('second', log)]);
    const events = await collect(wrapped.stream(request));
    expect(log).toEqual([
      'transform:first',
      'stream-in:first:m+first',
      'transform:second',
      'stream-in:second:m+first+second',
      'provider.stream',
    ]);
    expect(events.filter((e) => e.type === 'text-delta').map((e) => (e as { delta: string }).delta)).toEqual([
      'asecondfirst',
      'bsecondfirst',
    ]);
  });

  it('should pass straight through when middlewares have no hooks, and keep id, embed and close', async () => {
    const log: string[] = [];
    const { provider } = fakeProvider(log);
    const wrapped = wrapProvider(provider, [{ name: 'empty' }]);
    expect(wrapped.id).toBe('fake:1');
    expect((await wrapped.chat(request)).text).toBe('model:m');
    expect(await collect(wrapped.stream(request))).toHaveLength(3);
    await wrapped.embed?.({ inputs: ['x'] });
    expect(provider.embed).toHaveBeenCalledWith({ inputs: ['x'] });
    await wrapped.close();
    expect(provider.close).toHaveBeenCalledOnce();
  });

  it('should cancel the provider stream when the consumer breaks out', async () => {
    const log: string[] = [];
    const { provider, returnedCount } = fakeProvider(log);
    const wrapped = wrapProvider(provider, [tagging('first', log)]);
    for await (const event of wrapped.stream(request)) {
      expect(event.type).toBe('text-delta');
      break;
    }
    expect(returnedCount()).toBe(1);
  });

  it('should apply a transform without a stream wrapper to streams too', async () => {
    const log: string[] = [];
    const { provider, seen } = fakeProvider(log);
    const wrapped = wrapProvider(provider, [
      { name: 'async-transform', transformRequest: async (r) => ({ ...r, temperature: 0 }) },
    ]);
    await collect(wrapped.stream(request));
    expect(seen[0]?.temperature).toBe(0);
  });

  it('should reject bad middlewares at construction', () => {
    const { provider } = fakeProvider([]);
    expect(() => wrapProvider(provider, [{ name: '' }])).toThrow(InvalidConfigError);
    expect(() => wrapProvider(provider, [{ name: 'x', wrapChat: 1 } as unknown as ModelMiddleware])).toThrow(
      'middlewares[0].wrapChat',
    );
  });
});

describe('wrapProvider failures', () => {
  it('should let a failure before the first event reject the iteration, through every layer', async () => {
    const failing: Provider = {
      id: 'failing',
      chat: () => Promise.reject(new Error('connect ECONNREFUSED')),
      stream: () => ({
        [Symbol.asyncIterator]: () => ({ next: () => Promise.reject(new Error('connect ECONNREFUSED')) }),
      }),
      close: async () => {},
    };
    const log: string[] = [];
    const wrapped = wrapProvider(failing, [tagging('first', log), tagging('second', log)]);
    await expect(wrapped.chat(request)).rejects.toThrow('ECONNREFUSED');
    await expect(collect(wrapped.stream(request))).rejects.toThrow('ECONNREFUSED');
  });
});
