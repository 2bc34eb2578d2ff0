import { createOpenAICompatibleProvider } from '@victor-ai/provider-pool';
import { createLoopbackServer } from '@victor-ai/provider-pool/testing';
import { describe, expect, it } from 'vitest';
import { createAgent } from './agent.js';

describe('prompt_cache_key from the agent', () => {
  it('is the tenant and the conversation of the turn, and absent without a conversation id', async () => {
    const server = await createLoopbackServer({ promptCache: true });
    const agent = createAgent({
      provider: createOpenAICompatibleProvider({ baseURL: server.baseURL }),
      model: 'loopback-1',
    });
    try {
      await agent.chat('hello', { conversationId: 'conv-1', tenantId: 'acme' });
      await agent.chat('hello');
      expect(server.requests.map((request) => request.body.prompt_cache_key)).toEqual([
        'acme:conv-1',
        undefined,
      ]);
    } finally {
      await agent.close();
      await server.close();
    }
  });
});
