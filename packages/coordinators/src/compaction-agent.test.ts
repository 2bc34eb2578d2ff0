import type { ChatRequest, Provider, Tool } from '@victor-ai/core';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { problem } from './__fixtures__/message-validity.js';
import { textResponse } from './__fixtures__/responses.js';
import { createAgent } from './agent.js';
import { DEFAULT_SUMMARY_PROMPT } from './compaction.js';

interface SessionTurn {
  calls: number;
  size: number;
}

/** An in-process provider: calls `calls` tools on a turn's first step, answers after; records requests. */
function scriptedProvider(turns: SessionTurn[], summariser: 'ok' | 'fail') {
  const requests: ChatRequest[] = [];
  let turn = 0;
  const provider: Provider = {
    id: 'scripted',
    async chat(request) {
      const system = request.messages[0];
      if (system?.role === 'system' && system.content === DEFAULT_SUMMARY_PROMPT) {
        if (summariser === 'fail') throw new Error('summariser down');
        return reply('summary of the earlier turns');
      }
      requests.push(request);
      const last = request.messages.at(-1)!;
      if (last.role === 'user') {
        const { calls } = turns[turn++]!;
        if (calls > 0) {
          const toolCalls = Array.from({ length: calls }, (_, c) => ({
            id: `t${turn}c${c}`,
            name: 'read_file',
            arguments: { size: turns[turn - 1]!.size, c },
          }));
          return { ...reply(''), message: { role: 'assistant', content: '', toolCalls }, toolCalls };
        }
      }
      return reply(`answer ${turn}`);
    },
    stream() {
      throw new Error('not used');
    },
    async close() {},
  };
  return { provider, requests };
}

const reply = (text: string) => textResponse(text, { inputTokens: 10, outputTokens: 2 });

const readFile: Tool = {
  definition: {
    name: 'read_file',
    description: 'read a file',
    parameters: { type: 'object', properties: { size: { type: 'number' }, c: { type: 'number' } } },
    readOnly: true,
  },
  execute: ({ size, c }) => `${String(c)}:${'x'.repeat(Number(size))}`,
};

describe('the agent compacting a stored conversation', () => {
  it('always sends requests that both APIs accept, and keeps the system prompt and the last turn (property)', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.array(
          fc.record({ calls: fc.integer({ min: 0, max: 3 }), size: fc.integer({ min: 0, max: 6000 }) }),
          { minLength: 1, maxLength: 12 },
        ),
        fc.integer({ min: 300, max: 8000 }),
        fc.integer({ min: 1, max: 4 }),
        fc.constantFrom('ok' as const, 'fail' as const),
        fc.boolean(),
        async (turns, budget, keepLastTurns, summariser, summarise) => {
          const { provider, requests } = scriptedProvider(turns, summariser);
          const agent = createAgent({
            provider,
            model: 'm',
            systemPrompt: 'You are a coding agent.',
            tools: [readFile],
            contextBudgetTokens: budget,
            compaction: { keepLastTurns, maxToolResultTokens: 200, ...(summarise ? {} : { summary: false }) },
          });
          try {
            for (let n = 0; n < turns.length; n++) await agent.chat(`request ${n}`);
          } finally {
            await agent.close();
          }
          for (const request of requests) {
            expect(problem(request.messages)).toBeUndefined();
            expect(request.messages[0]).toEqual({ role: 'system', content: 'You are a coding agent.' });
          }
          // The last turn's question is always sent as it was asked.
          const last = requests.at(-1)!.messages;
          expect(last.some((m) => m.role === 'user' && m.content === `request ${turns.length - 1}`)).toBe(
            true,
          );
        },
      ),
      { numRuns: 60 },
    );
  });
});
