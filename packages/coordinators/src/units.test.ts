import type { Embedder, Message, ToolCall, ToolDefinition } from '@victor-ai/core';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { BatchProcessor } from './batch-processor.js';
import { callPaths, conflicts, type ScheduledCall } from './conflicts.js';
import { ContextCoordinator } from './context-coordinator.js';
import { PromptCoordinator } from './prompt-coordinator.js';

const definition = (name: string, extra: Partial<ToolDefinition> = {}): ToolDefinition => ({
  name,
  description: name,
  parameters: {},
  ...extra,
});
const scheduled = (
  name: string,
  args: Record<string, unknown>,
  extra: Partial<ToolDefinition> = {},
): ScheduledCall => {
  const call: ToolCall = { id: name, name, arguments: args };
  return { call, definition: definition(name, extra), paths: callPaths(call, '/ws') };
};

const read = (path: string) => scheduled('read', { path }, { readOnly: true });
const write = (path: string) => scheduled('write', { path });
const reader = (name: string, extra: Partial<ToolDefinition> = {}) =>
  scheduled(name, {}, { readOnly: true, ...extra });

describe('conflicts', () => {
  it.each<[string, ScheduledCall, ScheduledCall, boolean]>([
    ['lets reads run together', read('a'), read('a'), false],
    ['orders a write and a read of the same path', write('src/a.ts'), read('./src/a.ts'), true],
    ['orders a write and a read of a path inside it', write('src'), read('src/a.ts'), true],
    [
      'lets a write run with a read of a sibling path of the same prefix',
      write('src'),
      read('srcs/a.ts'),
      false,
    ],
    [
      'treats a writer with no path as touching everything',
      scheduled('shell', { command: 'make' }),
      read('a'),
      true,
    ],
    ['runs exclusive tools alone', reader('a', { exclusive: true }), reader('b'), true],
  ])('%s', (_name, earlier, later, expected) => {
    expect(conflicts(earlier, later)).toBe(expected);
  });

  it('honours explicit dependencies', () => {
    const dependsOn = (later: ToolCall, earlier: ToolCall) =>
      later.name === 'deploy' && earlier.name === 'build';
    expect(conflicts(reader('build'), reader('deploy'), dependsOn)).toBe(true);
  });
});

describe('ContextCoordinator', () => {
  it('returns the messages themselves when they fit', () => {
    const context = new ContextCoordinator({ budgetTokens: 1000 });
    const messages: Message[] = [{ role: 'user', content: 'hi' }];
    expect(context.window(messages)).toBe(messages);
  });

  it('drops the oldest messages, starting at a user message, keeping the last user message', () => {
    const context = new ContextCoordinator({ budgetTokens: 30, estimate: () => 10 });
    const messages: Message[] = [
      { role: 'user', content: '1' },
      { role: 'assistant', content: '', toolCalls: [{ id: 't', name: 'x', arguments: {} }] },
      { role: 'tool', toolCallId: 't', content: 'r' },
      { role: 'assistant', content: '2' },
      { role: 'user', content: '3' },
    ];
    // ['2', '3'] would fit, but the Messages API refuses a request whose first message is the assistant's.
    expect(context.window(messages).map((message) => message.content)).toEqual(['3']);
    expect(new ContextCoordinator({ budgetTokens: 1, estimate: () => 10 }).window(messages)).toEqual([
      messages[4],
    ]);
    // Without a user message in what fits: the last message (an array turn), or nothing (a stored history).
    const tail = messages.slice(0, 4);
    expect(new ContextCoordinator({ budgetTokens: 15, estimate: () => 10 }).window(tail)).toEqual([
      messages[3],
    ]);
    expect(
      new ContextCoordinator({ budgetTokens: 15, estimate: () => 10 }).window(tail, 0, undefined, false),
    ).toEqual([]);
  });

  it('keeps a running token count per conversation and forgets the least recently used', () => {
    const context = new ContextCoordinator({ budgetTokens: 25, estimate: () => 10, maxConversations: 2 });
    context.append('a', { role: 'user', content: 'x' }, { role: 'assistant', content: 'y' });
    expect(context.tokens('a')).toBe(20);
    expect(context.fits('a')).toBe(true);
    context.append('a', { role: 'user', content: 'z' });
    expect(context.fits('a')).toBe(false);
    context.append('b', { role: 'user', content: 'x' });
    context.append('c', { role: 'user', content: 'x' });
    expect(context.history('a')).toEqual([]);
    expect(context.history('c')).toHaveLength(1);
  });

  it('refuses a bad budget, naming it', () => {
    expect(() => new ContextCoordinator({ budgetTokens: 0 })).toThrow(
      'budgetTokens must be a positive integer, got 0',
    );
  });
});

describe('PromptCoordinator', () => {
  it('puts the system prompt first and reuses the message for the same tools', () => {
    const prompt = new PromptCoordinator({ systemPrompt: 'Be brief.', listTools: true });
    const tools = [definition('read_file'), definition('list_dir')];
    const first = prompt.build([{ role: 'user', content: 'hi' }], tools);
    expect(first[0]).toEqual({
      role: 'system',
      content: 'Be brief.\n\nTools you can call: read_file, list_dir.',
    });
    expect(prompt.build([], [...tools])[0]).toBe(first[0]);
  });
});

describe('BatchProcessor', () => {
  beforeEach(() => {
    vi.useFakeTimers();
  });
  afterEach(() => {
    vi.useRealTimers();
  });

  function countingEmbedder() {
    const calls: number[] = [];
    const embedder: Embedder = {
      id: 'test',
      model: 'test',
      async embed(inputs) {
        calls.push(inputs.length);
        return inputs.map((text) => Float32Array.of(text.length));
      },
    };
    return { embedder, calls };
  }

  it('coalesces identical calls in flight', async () => {
    const batch = new BatchProcessor();
    let runs = 0;
    const run = async () => {
      runs++;
      await Promise.resolve();
      return 42;
    };
    const results = await Promise.all([
      batch.coalesce('k', run),
      batch.coalesce('k', run),
      batch.coalesce('other', run),
    ]);
    expect(results).toEqual([42, 42, 42]);
    expect(runs).toBe(2);
    expect(batch.coalescing).toBe(0);
  });

  it('sends 256 concurrent embeddings in one call when they fit a batch', async () => {
    const { embedder, calls } = countingEmbedder();
    const batched = new BatchProcessor({ maxBatchSize: 256 }).batchEmbedder(embedder);
    const all = Promise.all(Array.from({ length: 256 }, (_, index) => batched.embed([`text ${index}`])));
    const vectors = await all;
    expect(calls).toEqual([256]);
    expect(vectors[10]![0]![0]).toBe('text 10'.length);
  });

  it('sends a partial batch after maxWaitMs', async () => {
    const { embedder, calls } = countingEmbedder();
    const batched = new BatchProcessor({ maxWaitMs: 5 }).batchEmbedder(embedder);
    const pending = batched.embed(['a', 'bb']);
    await vi.advanceTimersByTimeAsync(4);
    expect(calls).toEqual([]);
    await vi.advanceTimersByTimeAsync(1);
    expect(await pending).toHaveLength(2);
    expect(calls).toEqual([2]);
  });

  it('refuses work beyond maxPending with a typed error', async () => {
    const { embedder } = countingEmbedder();
    const batched = new BatchProcessor({ maxPending: 2, maxWaitMs: 5 }).batchEmbedder(embedder);
    const first = batched.embed(['a', 'b']);
    await expect(batched.embed(['c'])).rejects.toMatchObject({ code: 'QUEUE_FULL' });
    await vi.advanceTimersByTimeAsync(5);
    await first;
  });

  it('passes an embedder failure to every waiting caller', async () => {
    const failing: Embedder = { id: 'f', model: 'f', embed: () => Promise.reject(new Error('down')) };
    const batched = new BatchProcessor({ maxWaitMs: 1 }).batchEmbedder(failing);
    const left = expect(batched.embed(['a'])).rejects.toThrow('down');
    const right = expect(batched.embed(['b'])).rejects.toThrow('down');
    await vi.advanceTimersByTimeAsync(1);
    await left;
    await right;
  });

  describe('failures', () => {
    it('rejects the callers of an embedder that throws synchronously, and frees their places', async () => {
      const throwing: Embedder = {
        id: 't',
        model: 't',
        embed: () => {
          throw new Error('sync boom');
        },
      };
      const batched = new BatchProcessor({ maxWaitMs: 1, maxPending: 2 }).batchEmbedder(throwing);
      const call = expect(batched.embed(['a', 'b'])).rejects.toThrow('sync boom');
      await vi.advanceTimersByTimeAsync(1);
      await call;
      expect(batched.pending).toBe(0);
    });

    it('rejects an aborted call at once and leaves the others in the batch', async () => {
      const seen: string[][] = [];
      const embedder: Embedder = {
        id: 'e',
        model: 'e',
        embed: async (inputs) => {
          seen.push([...inputs]);
          return inputs.map(() => Float32Array.of(1));
        },
      };
      const batched = new BatchProcessor({ maxWaitMs: 5 }).batchEmbedder(embedder);
      const controller = new AbortController();
      const aborted = expect(
        batched.embed(['gone'], { abortSignal: controller.signal }),
      ).rejects.toMatchObject({
        code: 'ABORTED',
      });
      const kept = batched.embed(['kept']);
      controller.abort();
      await aborted;
      expect(batched.pending).toBe(1);
      await vi.advanceTimersByTimeAsync(5);
      expect(await kept).toHaveLength(1);
      expect(seen).toEqual([['kept']]);
      expect(batched.pending).toBe(0);
    });
  });
});

describe('ToolCoordinator', () => {
  it('returns ABORTED results for calls still waiting for a slot when the turn is aborted', async () => {
    const { ToolCoordinator } = await import('./tool-coordinator.js');
    const { createToolMiddlewareChain } = await import('@victor-ai/middleware');
    let release!: () => void;
    const gate = new Promise<void>((resolve) => {
      release = resolve;
    });
    const slow = {
      definition: definition('slow', { readOnly: true }),
      execute: async () => {
        await gate;
        return 'done';
      },
    };
    const coordinator = new ToolCoordinator({
      lookup: () => slow,
      chain: createToolMiddlewareChain([]),
      concurrency: 1,
    });
    const controller = new AbortController();
    const calls: ToolCall[] = [0, 1, 2].map((index) => ({
      id: `c${index}`,
      name: 'slow',
      arguments: { path: `p${index}` },
    }));
    const running = coordinator.run(calls, { abortSignal: controller.signal });
    await Promise.resolve();
    controller.abort();
    release();
    const results = await running;
    expect(results.slice(1).map((result) => (result.ok ? 'ok' : result.error.code))).toEqual([
      'ABORTED',
      'ABORTED',
    ]);
  });

  it('answers a call of an unknown tool with TOOL_NOT_FOUND', async () => {
    const { ToolCoordinator } = await import('./tool-coordinator.js');
    const { createToolMiddlewareChain } = await import('@victor-ai/middleware');
    const coordinator = new ToolCoordinator({
      lookup: () => undefined,
      chain: createToolMiddlewareChain([]),
    });
    const [result] = await coordinator.run([{ id: 'x', name: 'nope', arguments: {} }]);
    expect(result).toMatchObject({ ok: false, error: { code: 'TOOL_NOT_FOUND' } });
  });
});

describe('ProviderCoordinator', () => {
  const provider = (id: string) => ({ id, chat: vi.fn(), stream: vi.fn(), close: vi.fn(async () => {}) });

  it('switches provider and model, routes per request, and closes every provider', async () => {
    const { ProviderCoordinator } = await import('./provider-coordinator.js');
    const fast = provider('fast');
    const smart = provider('smart');
    const coordinator = new ProviderCoordinator({
      providers: { fast, smart },
      model: 'small',
      route: (request) => (request.messages.length > 2 ? { provider: 'smart', model: 'large' } : undefined),
    });
    const short = { model: '', messages: [{ role: 'user' as const, content: 'hi' }] };
    expect(coordinator.resolve(short)).toMatchObject({ name: 'fast', model: 'small' });
    const long = { model: '', messages: [short.messages[0]!, short.messages[0]!, short.messages[0]!] };
    expect(coordinator.resolve(long)).toMatchObject({ name: 'smart', model: 'large' });
    coordinator.switchTo('smart', 'medium');
    expect(coordinator.choice).toMatchObject({ name: 'smart', model: 'medium' });
    expect(() => coordinator.switchTo('nope')).toThrow('provider must be one of fast, smart, got "nope"');
    await coordinator.close();
    expect(fast.close).toHaveBeenCalled();
    expect(smart.close).toHaveBeenCalled();
  });
});
