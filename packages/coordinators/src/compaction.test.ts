import type { Message } from '@victor-ai/core';
import fc from 'fast-check';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { problem } from './__fixtures__/message-validity.js';
import { compactContext, MemoryToolResultStore, modelSummariser } from './compaction.js';

const system: Message = { role: 'system', content: 'You are a coding agent.' };

/** A turn: the user asks, the model calls `calls` tools (results of `size` characters), then answers. */
function turn(n: number, calls: number, size = 100): Message[] {
  const out: Message[] = [{ role: 'user', content: `request ${n}` }];
  for (let c = 0; c < calls; c++) {
    const id = `t${n}c${c}`;
    out.push(
      {
        role: 'assistant',
        content: '',
        toolCalls: [{ id, name: 'read_file', arguments: { path: `f${n}.ts` } }],
      },
      { role: 'tool', toolCallId: id, name: 'read_file', content: `${n}:${'x'.repeat(size)}` },
    );
  }
  out.push({ role: 'assistant', content: `done ${n}` });
  return out;
}

function conversation(turns: number, calls = 1, size = 100): Message[] {
  const out: Message[] = [system];
  for (let n = 0; n < turns; n++) out.push(...turn(n, calls, size));
  return out;
}

afterEach(() => {
  vi.useRealTimers();
});

describe('compactContext', () => {
  it('does nothing below the trigger', async () => {
    const messages = conversation(3);
    const result = await compactContext(messages, { budgetTokens: 100_000 });
    expect(result).toMatchObject({ compacted: false, outcome: 'none' });
    expect(result.messages).toEqual(messages);
  });

  it('summarises older turns, keeps the system prompt and the last turns verbatim, and counts the cost', async () => {
    const messages = conversation(10);
    const summarise = vi.fn(async (older: readonly Message[]) => ({
      text: `${older.length} messages about f0..f5`,
      usage: { inputTokens: 300, outputTokens: 20 },
    }));
    const result = await compactContext(messages, { budgetTokens: 500, keepLastTurns: 4, summarise });
    expect(result.outcome).toBe('summarised');
    expect(result.messages[0]).toBe(system);
    expect(result.messages[1]).toEqual({
      role: 'user',
      content: 'Summary of the earlier conversation:\n24 messages about f0..f5',
    });
    expect(result.messages.slice(3)).toEqual(messages.slice(-16));
    expect(result.removed).toHaveLength(24);
    expect(result.summaryUsage).toEqual({ inputTokens: 300, outputTokens: 20 });
    expect(result.tokensAfter).toBeLessThan(result.tokensBefore);
    expect(problem(result.messages)).toBeUndefined();
  });

  it('does not summarise a summary again when the kept turns alone are over the trigger', async () => {
    const messages = conversation(10);
    const summarise = vi.fn(async (older: readonly Message[]) => ({
      text: `${older.length} messages`,
      usage: { inputTokens: 300, outputTokens: 20 },
    }));
    const first = await compactContext(messages, { budgetTokens: 500, keepLastTurns: 4, summarise });
    expect(first.outcome).toBe('summarised');
    // The next turns: still over the trigger with only the summary older than the last 4 turns.
    const next = await compactContext(first.messages, { budgetTokens: 50, keepLastTurns: 4, summarise });
    expect(summarise).toHaveBeenCalledTimes(1);
    expect(next.compacted).toBe(false);
    expect(next.messages).toEqual(first.messages);
    // One more turn makes the oldest kept turn foldable again: the summary and that turn are summarised.
    const longer = [...first.messages, ...turn(10, 1, 100)];
    const again = await compactContext(longer, { budgetTokens: 50, keepLastTurns: 4, summarise });
    expect(summarise).toHaveBeenCalledTimes(2);
    expect(again.outcome).toBe('summarised');
    expect(again.removed[0]).toEqual(first.messages[1]);
    expect(problem(again.messages)).toBeUndefined();
  });

  it('moves large tool results of kept turns to the store, but not those of the last turn', async () => {
    const store = new MemoryToolResultStore();
    const messages = conversation(6, 1, 8000);
    const result = await compactContext(messages, { budgetTokens: 5000, keepLastTurns: 3, store });
    expect(result.references).toEqual(['result-1', 'result-2']);
    expect(store.get('result-1')).toBe(`3:${'x'.repeat(8000)}`);
    expect(result.messages.at(-2)).toEqual(messages.at(-2));
    expect((result.messages[3] as { content: string }).content).toMatch(/stored as result-1/);
  });

  it('drops the older turns when the summariser fails, and keeps them for the caller', async () => {
    const messages = conversation(8);
    const result = await compactContext(messages, {
      budgetTokens: 300,
      keepLastTurns: 2,
      summarise: async () => {
        throw new Error('model down');
      },
    });
    expect(result.outcome).toBe('summary-failed');
    expect(result.messages).toEqual([system, ...messages.slice(-8)]);
    expect([system, ...result.removed, ...result.messages.slice(1)]).toEqual(messages);
  });

  it('drops the older turns when the summariser times out, and aborts it', async () => {
    vi.useFakeTimers();
    let aborted = false;
    const pending = compactContext(conversation(8), {
      budgetTokens: 300,
      keepLastTurns: 2,
      summaryTimeoutMs: 1000,
      summarise: (_older, signal) =>
        new Promise((_resolve, reject) => {
          signal.addEventListener('abort', () => {
            aborted = true;
            reject(new Error('aborted'));
          });
        }),
    });
    await vi.advanceTimersByTimeAsync(1000);
    const result = await pending;
    expect(result.outcome).toBe('summary-timeout');
    expect(aborted).toBe(true);
    expect(result.messages).toHaveLength(9);
  });

  it('modelSummariser sends the configured prompt and model and returns the usage', async () => {
    const chat = vi.fn(async () => ({ text: 'short summary', usage: { inputTokens: 50, outputTokens: 5 } }));
    const summarise = modelSummariser({ chat, model: 'cheap-model', prompt: 'Summarise.' });
    const summary = await summarise(turn(1, 1), new AbortController().signal);
    expect(summary).toEqual({ text: 'short summary', usage: { inputTokens: 50, outputTokens: 5 } });
    expect(chat).toHaveBeenCalledWith(
      expect.objectContaining({
        model: 'cheap-model',
        messages: [{ role: 'system', content: 'Summarise.' }, expect.anything()],
      }),
    );
    expect(() => modelSummariser({ chat, model: '' })).toThrow(/model/);
  });

  it('always leaves a request that both APIs accept (property)', async () => {
    const turnArb = fc.record({
      calls: fc.integer({ min: 0, max: 3 }),
      size: fc.integer({ min: 0, max: 6000 }),
    });
    await fc.assert(
      fc.asyncProperty(
        fc.array(turnArb, { minLength: 1, maxLength: 14 }),
        fc.integer({ min: 50, max: 8000 }),
        fc.integer({ min: 1, max: 5 }),
        fc.constantFrom('ok', 'fail', 'none'),
        fc.boolean(),
        async (turns, budget, keep, summariser, pendingCall) => {
          const messages: Message[] = [system];
          for (const [n, t] of turns.entries()) messages.push(...turn(n, t.calls, t.size));
          if (pendingCall) messages.pop(); // the last turn stops inside its tool loop
          const result = await compactContext(messages, {
            budgetTokens: budget,
            keepLastTurns: keep,
            store: new MemoryToolResultStore(),
            ...(summariser === 'none'
              ? {}
              : {
                  summarise: async () => {
                    if (summariser === 'fail') throw new Error('down');
                    return { text: 'summary' };
                  },
                }),
          });
          expect(problem(result.messages)).toBeUndefined();
          expect(result.messages[0]).toBe(system);
          // The last turn is never touched.
          const last = messages.findLastIndex((m) => m.role === 'user');
          expect(result.messages.slice(result.messages.length - (messages.length - last))).toEqual(
            messages.slice(last),
          );
        },
      ),
      { numRuns: 200 },
    );
  });

  describe('MemoryToolResultStore', () => {
    it('drops the least recently used results past maxBytes and never reuses a reference', () => {
      const store = new MemoryToolResultStore({ maxBytes: 40 });
      const first = store.put('a'.repeat(10)); // 20 bytes
      const second = store.put('b'.repeat(10)); // 20 bytes: full
      expect(store.get(first)).toBe('a'.repeat(10)); // first is now the most recently used
      const third = store.put('c'.repeat(10)); // evicts second
      expect([first, second, third]).toEqual(['result-1', 'result-2', 'result-3']);
      expect(store.get(second)).toBeUndefined();
      expect(store.get(first)).toBe('a'.repeat(10));
      expect(store.get(third)).toBe('c'.repeat(10));
      // Larger than the whole bound: not kept, and its reference is new.
      expect(store.get(store.put('d'.repeat(30)))).toBeUndefined();
      expect(store.put('e')).toBe('result-5');
    });

    it('refuses a bad maxBytes, naming it', () => {
      expect(() => new MemoryToolResultStore({ maxBytes: 0 })).toThrow(
        /maxBytes must be a positive integer, got 0/,
      );
      expect(() => new MemoryToolResultStore({ maxBytes: 1.5 })).toThrow(/maxBytes/);
    });
  });
});
