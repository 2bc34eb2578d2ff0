import type { ChatRequest, Message, ToolDefinition } from '@victor-ai/core';
import { describe, expect, it } from 'vitest';
import { z } from 'zod/v4';
import { buildChatBody, promptCacheKeyOf } from '../openai-compatible/request-body.js';
import { buildResponsesBody } from '../openai-responses/request-body.js';
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
