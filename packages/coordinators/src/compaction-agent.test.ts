import type { ChatRequest, ChatResponse, Message, Provider, Tool } from '@victor-ai/core';
import { buildChatBody, buildMessagesBody, buildResponsesBody } from '@victor-ai/provider-pool';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { createAgent } from './agent.js';
import { DEFAULT_SUMMARY_PROMPT } from './compaction.js';

/** What both APIs require of a message list (the system prompt aside); returns the first problem. */
function problem(messages: readonly Message[]): string | undefined {
  let i = 0;
  while (i < messages.length && messages[i]!.role === 'system') i++;
  if (messages.slice(i).some((m) => m.role === 'system')) return 'system message after the start';
  if (i < messages.length && messages[i]!.role !== 'user') return `starts with ${messages[i]!.role}`;
  for (; i < messages.length; i++) {
    const message = messages[i]!;
    if (message.role === 'assistant' && message.toolCalls?.length) {
      const ids = new Set(message.toolCalls.map((call) => call.id));
      let j = i + 1;
      while (j < messages.length && messages[j]!.role === 'tool') {
        const result = messages[j] as { toolCallId: string };
        if (!ids.delete(result.toolCallId)) return `result ${result.toolCallId} without its call`;
        j++;
      }
      if (ids.size > 0) return `call ${[...ids][0]} without its result`;
      i = j - 1;
    } else if (message.role === 'tool') return `result ${message.toolCallId} without its call`;
  }
  const anthropic = JSON.parse(buildMessagesBody({ model: 'm', messages }, false, 1024)).messages as Array<{
    role: string;
  }>;
  if (anthropic[0]?.role !== 'user') return 'the Messages request does not start with a user message';
  for (let k = 1; k < anthropic.length; k++) {
    if (anthropic[k]!.role === anthropic[k - 1]!.role) return `two ${anthropic[k]!.role} messages in a row`;
  }
  JSON.parse(buildChatBody({ model: 'm', messages }, false, false));
  JSON.parse(buildResponsesBody({ model: 'm', messages }, false));
  return undefined;
}

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

function reply(text: string): ChatResponse {
  return {
    message: { role: 'assistant', content: text },
    text,
    toolCalls: [],
    finishReason: 'stop',
    usage: { inputTokens: 10, outputTokens: 2 },
  };
}

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
