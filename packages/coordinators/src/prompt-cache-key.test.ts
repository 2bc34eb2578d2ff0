import { createOpenAICompatibleProvider, createOpenAIResponsesProvider } from '@victor-ai/provider-pool';
import { createLoopbackServer } from '@victor-ai/provider-pool/testing';
import { describe, expect, it } from 'vitest';
import { createAgent } from './agent.js';

describe('prompt_cache_key from the agent', () => {
  it('is the tenant and the conversation of the turn, `default` when none is named (Chat Completions)', async () => {
    const server = await createLoopbackServer({ promptCache: true });
    const agent = createAgent({
      provider: createOpenAICompatibleProvider({ baseURL: server.baseURL }),
      model: 'loopback-1',
    });
    try {
      await agent.chat('hello', { conversationId: 'conv-1', tenantId: 'acme' });
      await agent.chat('hello');
      await agent.chat('hello', { tenantId: 'acme' });
      expect(server.requests.map((request) => request.body.prompt_cache_key)).toEqual([
        'acme:conv-1',
        ':default',
        'acme:default',
      ]);
    } finally {
      await agent.close();
      await server.close();
    }
  });

  it('is set on Responses requests too', async () => {
    const server = await createLoopbackServer({ promptCache: true });
    const agent = createAgent({
      provider: createOpenAIResponsesProvider({ baseURL: server.baseURL }),
      model: 'loopback-1',
    });
    try {
      await agent.chat('hello', { conversationId: 'c2', tenantId: 't' });
      await agent.chat('hello');
      expect(server.requests.map((request) => request.body.prompt_cache_key)).toEqual(['t:c2', ':default']);
    } finally {
      await agent.close();
      await server.close();
    }
  });
});
