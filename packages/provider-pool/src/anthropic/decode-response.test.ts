import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { decodeAnthropicUsage, decodeMessagesResponse } from './decode-response.js';
import { buildMessagesBody } from './request-body.js';

describe('decodeMessagesResponse', () => {
  it('keeps text, client tool_use blocks and signed thinking blocks (as reasoning), not server tools', () => {
    const body = JSON.parse(readFileSync(new URL('./__fixtures__/message.json', import.meta.url), 'utf8'));
    expect(decodeMessagesResponse(body)).toEqual({
      id: 'msg_fixture_5',
      model: 'claude-fixture',
      text: 'Reading it.',
      message: {
        role: 'assistant',
        content: 'Reading it.',
        toolCalls: [
          { id: 'toolu_read', name: 'read_file', arguments: { path: 'a.txt' } },
          { id: 'toolu_none', name: 'now', arguments: {} },
        ],
        reasoning: [
          {
            type: 'reasoning',
            provider: 'anthropic',
            text: 'hmm',
            providerData: { type: 'thinking', thinking: 'hmm', signature: 'x' },
          },
        ],
      },
      toolCalls: [
        { id: 'toolu_read', name: 'read_file', arguments: { path: 'a.txt' } },
        { id: 'toolu_none', name: 'now', arguments: {} },
      ],
      finishReason: 'tool-calls',
      usage: { inputTokens: 75, cachedInputTokens: 20, cacheWriteInputTokens: 5, outputTokens: 12 },
    });
  });

  it('refuses a body without content with INVALID_RESPONSE', () => {
    expect(() => decodeMessagesResponse({ type: 'error', error: { type: 'x' } })).toThrow(
      expect.objectContaining({ code: 'INVALID_RESPONSE' }),
    );
  });
});

describe('decodeAnthropicUsage', () => {
  it('counts missing fields as 0', () => {
    expect(decodeAnthropicUsage(undefined)).toEqual({ inputTokens: 0, outputTokens: 0 });
    expect(decodeAnthropicUsage({ output_tokens: 3 })).toEqual({ inputTokens: 0, outputTokens: 3 });
  });
});

describe('buildMessagesBody', () => {
  it('moves system text out, sends tool results in one user message, maps tools and choices', () => {
    const body = JSON.parse(
      buildMessagesBody(
        {
          model: 'claude-x',
          messages: [
            { role: 'system', content: 'be brief' },
            { role: 'user', content: 'list and read' },
            {
              role: 'assistant',
              content: 'ok',
              toolCalls: [
                { id: 't1', name: 'ls', arguments: {} },
                { id: 't2', name: 'cat', arguments: { path: 'a' } },
              ],
            },
            { role: 'tool', toolCallId: 't1', content: 'a' },
            { role: 'tool', toolCallId: 't2', content: 'no such file', isError: true },
          ],
          tools: [{ name: 'ls', description: 'list', parameters: { type: 'object', properties: {} } }],
          toolChoice: 'required',
          stop: ['END'],
          temperature: 0,
          metadata: { userId: 'u1' },
        },
        true,
        1024,
      ),
    );
    expect(body).toEqual({
      model: 'claude-x',
      max_tokens: 1024,
      system: 'be brief',
      messages: [
        { role: 'user', content: 'list and read' },
        {
          role: 'assistant',
          content: [
            { type: 'text', text: 'ok' },
            { type: 'tool_use', id: 't1', name: 'ls', input: {} },
            { type: 'tool_use', id: 't2', name: 'cat', input: { path: 'a' } },
          ],
        },
        {
          role: 'user',
          content: [
            { type: 'tool_result', tool_use_id: 't1', content: 'a' },
            { type: 'tool_result', tool_use_id: 't2', content: 'no such file', is_error: true },
          ],
        },
      ],
      tools: [{ name: 'ls', description: 'list', input_schema: { type: 'object', properties: {} } }],
      tool_choice: { type: 'any' },
      temperature: 0,
      stop_sequences: ['END'],
      metadata: { user_id: 'u1' },
      stream: true,
    });
  });
});
