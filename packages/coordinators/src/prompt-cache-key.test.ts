import { createOpenAICompatibleProvider, createOpenAIResponsesProvider } from '@victor-ai/provider-pool';
import { createLoopbackServer } from '@victor-ai/provider-pool/testing';
import { describe, expect, it } from 'vitest';
import { createAgent } from './agent.js';
import type { TurnOptions } from './turn.js';

describe('prompt_cache_key from the agent', () => {
  it.each<{
    api: string;
    createProvider: typeof createOpenAICompatibleProvider | typeof createOpenAIResponsesProvider;
    turns: (TurnOptions | undefined)[];
    keys: string[];
  }>([
    {
      api: 'Chat Completions',
      createProvider: createOpenAICompatibleProvider,
      turns: [{ conversationId: 'conv-1', tenantId: 'acme' }, undefined, { tenantId: 'acme' }],
      keys: ['acme:conv-1', ':default', 'acme:default'],
    },
    {
      api: 'Responses',
      createProvider: createOpenAIResponsesProvider,
      turns: [{ conversationId: 'c2', tenantId: 't' }, undefined],
      keys: ['t:c2', ':default'],
    },
  ])(
    'is the tenant and the conversation of the turn, `default` when none is named ($api)',
    async ({ createProvider, turns, keys }) => {
      const server = await createLoopbackServer({ promptCache: true });
      const agent = createAgent({
        provider: createProvider({ baseURL: server.baseURL }),
        model: 'loopback-1',
      });
      try {
        for (const options of turns) await agent.chat('hello', options);
        expect(server.requests.map((request) => request.body.prompt_cache_key)).toEqual(keys);
      } finally {
        await agent.close();
        await server.close();
      }
    },
  );
});
