// Extended thinking across a tool loop: the signed thinking blocks (and redacted ones) must go back in the
// next request exactly as they came, or the Messages API refuses it.
import type { ChatRequest, Message, StreamEvent, ToolDefinition } from '@victor-ai/core';
import { describe, expect, it } from 'vitest';
import { useLoopbackProvider } from '../__fixtures__/loopback-provider.js';
import { createAnthropicProvider } from './provider.js';

const loopback = useLoopbackProvider((baseURL) =>
  createAnthropicProvider({ baseURL, thinking: { type: 'enabled', budget_tokens: 2048 } }),
);

const tool: ToolDefinition = {
  name: 'read_file',
  description: 'Reads a file',
  parameters: { type: 'object', properties: { path: { type: 'string' } }, required: ['path'] },
};
// Unicode, escapes and a long signature: what a byte-for-byte check should survive.
const thinkingText = 'Let me think: "a.ts" — read it first.\nThen answer.';
const signature = `EqQBCkYIBxgCKkB${'x'.repeat(300)}==`;
const redacted = {
  type: 'redacted_thinking',
  data: 'EmwKAhgBEgy3va3pzix/LafPsn4aDFIT2Xlxh0L5L8rLVyIwxtE3rAFBa8cr3qpP',
};
const thinkingBlock = { type: 'thinking', thinking: thinkingText, signature };
const expectedBlocks = [JSON.stringify(thinkingBlock), JSON.stringify(redacted)];

function event(type: string, payload: object): string {
  return `event: ${type}\ndata: ${JSON.stringify({ type, ...payload })}\n\n`;
}

const streamed = [
  event('message_start', {
    message: { id: 'msg_1', model: 'claude', usage: { input_tokens: 10, output_tokens: 1 } },
  }),
  event('content_block_start', {
    index: 0,
    content_block: { type: 'thinking', thinking: '', signature: '' },
  }),
  event('content_block_delta', {
    index: 0,
    delta: { type: 'thinking_delta', thinking: thinkingText.slice(0, 20) },
  }),
  event('content_block_delta', {
    index: 0,
    delta: { type: 'thinking_delta', thinking: thinkingText.slice(20) },
  }),
  event('content_block_delta', { index: 0, delta: { type: 'signature_delta', signature } }),
  event('content_block_stop', { index: 0 }),
  event('content_block_start', { index: 1, content_block: redacted }),
  event('content_block_stop', { index: 1 }),
  event('content_block_start', {
    index: 2,
    content_block: { type: 'tool_use', id: 'toolu_1', name: 'read_file', input: {} },
  }),
  event('content_block_delta', {
    index: 2,
    delta: { type: 'input_json_delta', partial_json: '{"path":"a.ts"}' },
  }),
  event('content_block_stop', { index: 2 }),
  event('message_delta', { delta: { stop_reason: 'tool_use' }, usage: { output_tokens: 30 } }),
  event('message_stop', {}),
].join('');

const whole = JSON.stringify({
  id: 'msg_1',
  type: 'message',
  role: 'assistant',
  model: 'claude',
  content: [
    thinkingBlock,
    redacted,
    { type: 'tool_use', id: 'toolu_1', name: 'read_file', input: { path: 'a.ts' } },
  ],
  stop_reason: 'tool_use',
  usage: { input_tokens: 10, output_tokens: 30 },
});

describe('Anthropic extended thinking', () => {
  it.each(['chat', 'stream'] as const)(
    'sends the signed thinking blocks back byte for byte in a tool loop (%s)',
    async (mode) => {
      loopback.server.enqueue(
        mode === 'chat' ? { kind: 'raw', body: whole } : { kind: 'raw', body: streamed },
        {
          text: 'It exports main.',
        },
      );
      const messages: Message[] = [{ role: 'user', content: 'What does a.ts export?' }];
      const request = (): ChatRequest => ({ model: 'claude', messages, tools: [tool] });
      let assistant: Message;
      if (mode === 'chat') {
        assistant = (await loopback.provider.chat(request())).message;
      } else {
        const events: StreamEvent[] = [];
        for await (const item of loopback.provider.stream(request())) events.push(item);
        const deltas = events.flatMap((item) => (item.type === 'reasoning-delta' ? [item.delta] : []));
        expect(deltas.join('')).toBe(thinkingText);
        assistant = {
          role: 'assistant',
          content: '',
          toolCalls: events.flatMap((item) => (item.type === 'tool-call-end' ? [item.toolCall] : [])),
          reasoning: events.flatMap((item) => (item.type === 'reasoning-end' ? [item.reasoning] : [])),
        };
      }
      expect(assistant).toMatchObject({
        reasoning: [{ provider: 'anthropic', text: thinkingText }, { text: '' }],
      });
      messages.push(assistant, { role: 'tool', toolCallId: 'toolu_1', content: 'export function main() {}' });
      await loopback.provider.chat(request());
      const sent = loopback.server.requests.at(-1)!.body as {
        thinking: unknown;
        messages: Array<{ content: unknown }>;
      };
      expect(sent.thinking).toEqual({ type: 'enabled', budget_tokens: 2048 });
      const blocks = sent.messages[1]!.content as object[];
      expect(blocks.slice(0, 2).map((block) => JSON.stringify(block))).toEqual(expectedBlocks);
      expect(blocks[2]).toEqual({
        type: 'tool_use',
        id: 'toolu_1',
        name: 'read_file',
        input: { path: 'a.ts' },
      });
    },
  );

  it('lets a request override thinking through providerOptions', async () => {
    await loopback.provider.chat({
      model: 'claude',
      messages: [{ role: 'user', content: 'x' }],
      providerOptions: { anthropic: { thinking: { type: 'disabled' } } },
    });
    expect((loopback.server.requests.at(-1)!.body as { thinking: unknown }).thinking).toEqual({
      type: 'disabled',
    });
  });
});
