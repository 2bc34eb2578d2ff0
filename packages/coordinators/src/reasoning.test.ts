import type { Tool } from '@victor-ai/core';
import { createOpenAIResponsesProvider } from '@victor-ai/provider-pool';
import { createLoopbackServer, type LoopbackServer } from '@victor-ai/provider-pool/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createAgent } from './agent.js';

let server: LoopbackServer;
beforeAll(async () => {
  server = await createLoopbackServer();
});
afterAll(async () => {
  await server.close();
});

const readFile: Tool = {
  definition: {
    name: 'read_file',
    description: 'Read a file',
    parameters: { type: 'object', properties: { path: { type: 'string' } }, required: ['path'] },
    readOnly: true,
  },
  execute: () => 'export function main() {}',
};

describe('createAgent, reasoning across a tool loop', () => {
  it.each(['chat', 'stream'] as const)(
    'sends the step reasoning back with its encrypted content on the next request (%s)',
    async (mode) => {
      const agent = createAgent({
        provider: createOpenAIResponsesProvider({ baseURL: server.baseURL, apiKey: 'k', store: false }),
        model: 'loopback-1',
        tools: [readFile],
      });
      try {
        server.enqueue(
          {
            toolCalls: [{ id: 'call_1', name: 'read_file', arguments: { path: 'a.ts' } }],
            reasoning: 'I should read it.',
          },
          { text: 'It exports main.' },
        );
        let text: string;
        if (mode === 'chat') {
          text = (await agent.chat('What does a.ts export?')).text;
        } else {
          text = '';
          for await (const event of agent.stream('What does a.ts export?')) {
            if (event.type === 'text-delta') text += event.delta;
          }
        }
        expect(text).toBe('It exports main.');
        const input = server.requests.at(-1)!.body.input as Array<Record<string, unknown>>;
        const reasoning = input.filter((item) => item.type === 'reasoning');
        expect(reasoning).toHaveLength(1);
        expect(reasoning[0]).toMatchObject({ encrypted_content: expect.stringMatching(/^enc_loopback_/) });
        // The reasoning item stands before the call it led to, as the Responses API wants it.
        expect(input.indexOf(reasoning[0]!)).toBeLessThan(
          input.findIndex((item) => item.type === 'function_call'),
        );
      } finally {
        await agent.close();
      }
    },
  );
});
