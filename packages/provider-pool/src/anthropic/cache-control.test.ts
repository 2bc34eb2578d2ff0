import type { ChatRequest, Message, ToolDefinition } from '@victor-ai/core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { z } from 'zod/v4';
import { buildChatBody, promptCacheKeyOf } from '../openai-compatible/request-body.js';
import { buildResponsesBody } from '../openai-responses/request-body.js';
import { createLoopbackServer, type LoopbackServer } from '../testing/loopback-server.js';
import { type AnthropicProvider, createAnthropicProvider } from './provider.js';
import { buildMessagesBody } from './request-body.js';

const tool = (name: string): ToolDefinition => ({
  name,
  description: `the ${name} tool`,
  parameters: z.object({ path: z.string() }),
});
const tools = [tool('read_file'), tool('write_file')];
const conversation: Message[] = [
  { role: 'system', content: 'You are a coding agent.' },
  { role: 'user', content: 'open a.ts' },
  {
    role: 'assistant',
    content: '',
    toolCalls: [{ id: 'c1', name: 'read_file', arguments: { path: 'a.ts' } }],
  },
  { role: 'tool', toolCallId: 'c1', name: 'read_file', content: 'export const a = 1;' },
];

function body(request: Partial<ChatRequest>, control?: unknown): Record<string, unknown> {
  return JSON.parse(
    buildMessagesBody(
      { model: 'm', messages: conversation, tools, ...request } as ChatRequest,
      false,
      1024,
      undefined,
      control as boolean,
    ),
  );
}

function markers(value: unknown): string[] {
  const found: string[] = [];
  const walk = (node: unknown, path: string) => {
    if (Array.isArray(node)) {
      for (const [i, item] of node.entries()) walk(item, `${path}[${i}]`);
    } else if (typeof node === 'object' && node !== null) {
      for (const [key, child] of Object.entries(node)) {
        if (key === 'cache_control') found.push(path);
        else walk(child, `${path}.${key}`);
      }
    }
  };
  walk(value, '');
  return found;
}

describe('Anthropic cache_control breakpoints', () => {
  it('sends none unless switched on', () => {
    expect(markers(body({}))).toEqual([]);
    expect(markers(body({}, false))).toEqual([]);
  });

  it('marks the last tool, the system prompt, the last message and where the previous request ended', () => {
    const sent = body({}, true);
    expect(markers(sent)).toEqual([
      '.messages[0].content[0]',
      '.messages[2].content[0]',
      '.system[0]',
      '.tools[1]',
    ]);
    expect((sent.tools as Array<Record<string, unknown>>)[0]).not.toHaveProperty('cache_control');
    expect(sent.system).toEqual([
      { type: 'text', text: 'You are a coding agent.', cache_control: { type: 'ephemeral' } },
    ]);
  });

  it('never places more than 4, and honours a lower limit and a 1h TTL', () => {
    const long: Message[] = [...conversation];
    for (let i = 0; i < 20; i++)
      long.push({ role: 'assistant', content: `a${i}` }, { role: 'user', content: `u${i}` });
    expect(markers(body({ messages: long }, true))).toHaveLength(4);
    const two = body({ messages: long }, { maxBreakpoints: 2, ttl: '1h' });
    expect(markers(two)).toEqual(['.system[0]', '.tools[1]']);
    expect((two.tools as Array<Record<string, unknown>>)[1]!.cache_control).toEqual({
      type: 'ephemeral',
      ttl: '1h',
    });
    expect(() => body({}, { maxBreakpoints: 5 })).toThrow(/maxBreakpoints/);
  });

  it('leaves a part that changes every turn unmarked', () => {
    const sent = body({}, { tools: false, messages: false });
    expect(markers(sent)).toEqual(['.system[0]']);
    const perRequest = body({ providerOptions: { anthropic: { cacheControl: { system: false } } } }, true);
    expect(markers(perRequest)).not.toContain('.system[0]');
    expect(perRequest.system).toBe('You are a coding agent.');
  });

  it('does not mark a thinking block or an empty message', () => {
    const messages: Message[] = [{ role: 'user', content: '' }];
    expect(markers(body({ messages, tools: [] }, true))).toEqual([]);
  });
});

describe('prompt_cache_key', () => {
  const request: ChatRequest = {
    model: 'm',
    messages: conversation,
    metadata: { tenantId: 't1', conversationId: 'conv-9' },
  };

  it('is the tenant and the conversation, or the one given', () => {
    expect(promptCacheKeyOf(request)).toBe('t1:conv-9');
    expect(promptCacheKeyOf({ ...request, providerOptions: { openai: { promptCacheKey: 'k' } } })).toBe('k');
    expect(promptCacheKeyOf({ model: 'm', messages: [] })).toBeUndefined();
    expect(JSON.parse(buildChatBody(request, false, false)).prompt_cache_key).toBe('t1:conv-9');
    expect(JSON.parse(buildResponsesBody(request, false)).prompt_cache_key).toBe('t1:conv-9');
    expect(JSON.parse(buildChatBody({ model: 'm', messages: [] }, false, false))).not.toHaveProperty(
      'prompt_cache_key',
    );
  });
});

describe('Anthropic provider: breakpoints on by default, only on a prefix that stays', () => {
  let server: LoopbackServer;
  beforeAll(async () => {
    server = await createLoopbackServer({ recordRequests: 1000 });
  });
  afterAll(async () => {
    await server.close();
  });

  async function send(
    provider: AnthropicProvider,
    requests: Array<Partial<ChatRequest>>,
  ): Promise<string[][]> {
    const before = server.requests.length;
    for (const request of requests)
      await provider.chat({ model: 'm', messages: conversation, tools, ...request });
    return server.requests.slice(before).map((request) => markers(request.body));
  }
  const inConversation = (id: string, extra: Partial<ChatRequest> = {}): Partial<ChatRequest> => ({
    metadata: { conversationId: id, tenantId: 't' },
    ...extra,
  });
  const ALL = ['.messages[0].content[0]', '.messages[2].content[0]', '.system[0]', '.tools[1]'];
  const rotatingTools = (id: string, count: number) =>
    Array.from({ length: count }, (_, i) =>
      inConversation(id, { tools: [tool(`tool_${i}`), tool('read_file')] }),
    );

  it('marks the tools, the system prompt and the messages of a conversation that keeps them', async () => {
    const provider = createAnthropicProvider({ baseURL: server.url });
    try {
      for (const found of await send(provider, [
        inConversation('c1'),
        inConversation('c1'),
        inConversation('c1'),
      ]))
        expect(found).toEqual(ALL);
    } finally {
      await provider.close();
    }
  });

  it('stops marking tools that change on every request, and messages whose start does', async () => {
    const provider = createAnthropicProvider({ baseURL: server.url });
    try {
      const rotating = await send(provider, rotatingTools('c2', 8));
      for (const found of rotating.slice(2)) expect(found).toEqual([]);
      // Stable tools and system, but a window that drops the oldest message on every request.
      const sliding = Array.from({ length: 8 }, (_, i) =>
        inConversation('c3', {
          messages: [
            conversation[0]!,
            { role: 'user', content: `turn ${i}` },
            { role: 'assistant', content: 'ok' },
            { role: 'user', content: 'next' },
          ],
        }),
      );
      for (const found of (await send(provider, sliding)).slice(2))
        expect(found).toEqual(['.system[0]', '.tools[1]']);
      // Requests without a conversation id count as one conversation per tenant: unrelated one-off
      // requests keep their shared tools and system prompt marked, not their differing messages.
      const loose = await send(
        provider,
        ['a', 'b', 'c', 'd'].map((text) => ({
          messages: [conversation[0]!, { role: 'user', content: text }],
        })),
      );
      expect(loose[3]).toEqual(['.system[0]', '.tools[1]']);
    } finally {
      await provider.close();
    }
  });

  it('keeps marking a prefix that changes each turn but stays within the turn (its tool steps read it)', async () => {
    const provider = createAnthropicProvider({ baseURL: server.url });
    try {
      // Two requests a turn (the call, then the answer after the tool results) with the same tools.
      const turns = Array.from({ length: 10 }, (_, i) =>
        inConversation('c4', { tools: [tool(`tool_${i >> 1}`)] }),
      );
      const sent = await send(provider, turns);
      for (const found of sent) expect(found).toContain('.tools[0]');
    } finally {
      await provider.close();
    }
  });

  it('can be switched off, or set to mark every request', async () => {
    const off = createAnthropicProvider({ baseURL: server.url, cacheControl: false });
    const always = createAnthropicProvider({ baseURL: server.url, cacheControl: { minStability: 0 } });
    try {
      for (const found of await send(off, [inConversation('c5'), inConversation('c5')]))
        expect(found).toEqual([]);
      for (const found of await send(always, rotatingTools('c6', 6))) expect(found).toHaveLength(4);
      await expect(
        send(createAnthropicProvider({ baseURL: server.url, cacheControl: { minStability: 2 } }), [
          inConversation('c7'),
        ]),
      ).rejects.toThrow(/minStability/);
    } finally {
      await off.close();
      await always.close();
    }
  });
});
