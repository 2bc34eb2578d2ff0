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
  const inConversation = (extra: Partial<ChatRequest> = {}): Partial<ChatRequest> => ({
    metadata: { conversationId: 'c1', tenantId: 't' },
    ...extra,
  });

  it('marks a conversation once its prefix was sent unchanged twice', async () => {
    const provider = createAnthropicProvider({ baseURL: server.url });
    try {
      const sent = await send(provider, [inConversation(), inConversation(), inConversation()]);
      expect(sent[0]).toEqual([]);
      expect(sent[1]).toEqual([]);
      expect(sent[2]).toEqual([
        '.messages[0].content[0]',
        '.messages[2].content[0]',
        '.system[0]',
        '.tools[1]',
      ]);
      // Requests without a conversation id count as one conversation: a stable tools + system prefix is
      // marked from the third, their differing messages are not.
      const loose = await send(
        provider,
        ['a', 'b', 'c'].map((text) => ({ messages: [conversation[0]!, { role: 'user', content: text }] })),
      );
      expect(loose.map((found) => found.length)).toEqual([0, 0, 2]);
      expect(loose[2]).toEqual(['.system[0]', '.tools[1]']);
    } finally {
      await provider.close();
    }
  });

  it('never marks tools that change every turn, nor messages whose start changes every turn', async () => {
    const provider = createAnthropicProvider({ baseURL: server.url });
    try {
      const rotating = Array.from({ length: 6 }, (_, i) =>
        inConversation({ tools: [tool(`tool_${i}`), tool('read_file')] }),
      );
      for (const markersOfRequest of await send(provider, rotating)) expect(markersOfRequest).toEqual([]);
      // Stable tools and system, but a window that drops the oldest message every request.
      const sliding = Array.from({ length: 6 }, (_, i) =>
        inConversation({
          metadata: { conversationId: 'c2' },
          messages: [
            conversation[0]!,
            { role: 'user', content: `turn ${i}` },
            { role: 'assistant', content: 'ok' },
            { role: 'user', content: 'next' },
          ],
        }),
      );
      const sent = await send(provider, sliding);
      for (const markersOfRequest of sent.slice(2))
        expect(markersOfRequest).toEqual(['.system[0]', '.tools[1]']);
    } finally {
      await provider.close();
    }
  });

  it('can be switched off, or set to mark every request', async () => {
    const off = createAnthropicProvider({ baseURL: server.url, cacheControl: false });
    const always = createAnthropicProvider({ baseURL: server.url, cacheControl: { stableAfter: 0 } });
    try {
      for (const sent of await send(off, [inConversation(), inConversation(), inConversation()]))
        expect(sent).toEqual([]);
      expect((await send(always, [inConversation()]))[0]).toHaveLength(4);
      await expect(
        send(createAnthropicProvider({ baseURL: server.url, cacheControl: { stableAfter: -1 } }), [
          inConversation(),
        ]),
      ).rejects.toThrow(/stableAfter/);
    } finally {
      await off.close();
      await always.close();
    }
  });
});
