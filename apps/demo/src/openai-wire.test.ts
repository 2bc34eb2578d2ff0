import type { StreamEvent } from '@victor-ai/core';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  fromWireRequest,
  toWireCompletion,
  toWireFinishReason,
  WireChunkEncoder,
  WireError,
} from './openai-wire.js';

describe('fromWireRequest', () => {
  it('maps messages, tools and sampling options to core', () => {
    const { request, stream, includeUsage } = fromWireRequest({
      model: 'm',
      messages: [
        { role: 'developer', content: 'rules' },
        {
          role: 'user',
          content: [
            { type: 'text', text: 'a' },
            { type: 'text', text: 'b' },
          ],
        },
        {
          role: 'assistant',
          content: null,
          tool_calls: [{ id: 'c1', type: 'function', function: { name: 'f', arguments: '{"x":1}' } }],
        },
        { role: 'tool', tool_call_id: 'c1', content: 'done' },
      ],
      tools: [{ type: 'function', function: { name: 'f', parameters: { type: 'object' } } }],
      tool_choice: { type: 'function', function: { name: 'f' } },
      temperature: 0,
      top_p: 0.5,
      max_tokens: 10,
      max_completion_tokens: 20,
      stop: 'END',
      seed: 7,
      user: 'u1',
      stream: true,
      stream_options: { include_usage: true },
      logprobs: false,
    });
    expect(stream).toBe(true);
    expect(includeUsage).toBe(true);
    expect(request).toEqual({
      model: 'm',
      messages: [
        { role: 'system', content: 'rules' },
        { role: 'user', content: 'ab' },
        { role: 'assistant', content: '', toolCalls: [{ id: 'c1', name: 'f', arguments: { x: 1 } }] },
        { role: 'tool', toolCallId: 'c1', content: 'done' },
      ],
      tools: [{ name: 'f', description: '', parameters: { type: 'object' } }],
      toolChoice: { type: 'tool', name: 'f' },
      temperature: 0,
      topP: 0.5,
      maxTokens: 20,
      stop: ['END'],
      seed: 7,
      metadata: { userId: 'u1' },
    });
  });

  it('refuses what it cannot honour, naming the field', () => {
    const cases: Array<[unknown, string]> = [
      [{ messages: [{ role: 'user', content: 'x' }] }, 'model'],
      [{ model: 'm', messages: [] }, 'messages'],
      [{ model: 'm', messages: [{ role: 'user', content: 'x' }], n: 2 }, 'n'],
      [
        { model: 'm', messages: [{ role: 'user', content: [{ type: 'image_url' }] }] },
        'messages[0].content[0]',
      ],
      [
        {
          model: 'm',
          messages: [
            { role: 'assistant', tool_calls: [{ id: 'a', function: { name: 'f', arguments: '[1]' } }] },
          ],
        },
        'messages[0].tool_calls[0].function.arguments',
      ],
      [{ model: 'm', messages: [{ role: 'tool', content: 'x' }] }, 'messages[0].tool_call_id'],
      [{ model: 'm', messages: [{ role: 'user', content: 'x' }], temperature: 3 }, 'temperature'],
    ];
    for (const [body, param] of cases) {
      let caught: unknown;
      try {
        fromWireRequest(body);
      } catch (error) {
        caught = error;
      }
      expect(caught, JSON.stringify(body)).toBeInstanceOf(WireError);
      expect((caught as WireError).status).toBe(400);
      expect((caught as WireError).param).toBe(param);
    }
  });
});

describe('toWireCompletion', () => {
  it('writes content null and tool calls with string arguments when the model called tools', () => {
    const body = toWireCompletion(
      {
        message: { role: 'assistant', content: '', toolCalls: [{ id: 'c', name: 'f', arguments: { a: 1 } }] },
        text: '',
        toolCalls: [{ id: 'c', name: 'f', arguments: { a: 1 } }],
        finishReason: 'tool-calls',
        usage: { inputTokens: 3, outputTokens: 2, cachedInputTokens: 1 },
      },
      'id1',
      'm',
      5,
    );
    expect(body).toEqual({
      id: 'id1',
      object: 'chat.completion',
      created: 5,
      model: 'm',
      choices: [
        {
          index: 0,
          message: {
            role: 'assistant',
            content: null,
            refusal: null,
            tool_calls: [{ id: 'c', type: 'function', function: { name: 'f', arguments: '{"a":1}' } }],
          },
          logprobs: null,
          finish_reason: 'tool_calls',
        },
      ],
      usage: {
        prompt_tokens: 3,
        completion_tokens: 2,
        total_tokens: 5,
        prompt_tokens_details: { cached_tokens: 1 },
      },
    });
  });

  it('maps every finish reason', () => {
    expect(
      (['stop', 'length', 'tool-calls', 'content-filter', 'error', 'other'] as const).map(toWireFinishReason),
    ).toEqual(['stop', 'length', 'tool_calls', 'content_filter', 'stop', 'stop']);
  });
});

describe('WireChunkEncoder', () => {
  type Chunk = {
    choices: Array<{ delta: Record<string, unknown>; finish_reason: string | null }>;
    usage?: unknown;
  };

  it('streams any split of a text so that the deltas join back to it (property)', () => {
    fc.assert(
      fc.property(fc.array(fc.string(), { maxLength: 8 }), (parts) => {
        const encoder = new WireChunkEncoder('id', 'm', 1, false);
        const events: StreamEvent[] = [
          { type: 'response-start' },
          ...parts.map((delta): StreamEvent => ({ type: 'text-delta', delta })),
          { type: 'finish', finishReason: 'stop', usage: { inputTokens: 1, outputTokens: 1 } },
        ];
        const chunks = events.flatMap((event) => encoder.encode(event)) as Chunk[];
        expect(chunks[0]!.choices[0]!.delta).toEqual({ role: 'assistant', content: '' });
        const text = chunks
          .map((chunk) => (chunk.choices[0]?.delta.content as string | undefined) ?? '')
          .join('');
        expect(text).toBe(parts.join(''));
        expect(chunks.at(-1)!.choices[0]!.finish_reason).toBe('stop');
      }),
    );
  });

  it('streams tool calls as start and argument fragments, and a whole call when no start came', () => {
    const encoder = new WireChunkEncoder('id', 'm', 1, true);
    const chunks = [
      { type: 'tool-call-start', index: 0, id: 'a', name: 'f' },
      { type: 'tool-call-delta', index: 0, id: 'a', argumentsDelta: '{"x":' },
      { type: 'tool-call-delta', index: 0, id: 'a', argumentsDelta: '1}' },
      { type: 'tool-call-end', index: 0, toolCall: { id: 'a', name: 'f', arguments: { x: 1 } } },
      { type: 'tool-call-end', index: 1, toolCall: { id: 'b', name: 'g', arguments: {} } },
      { type: 'finish', finishReason: 'tool-calls', usage: { inputTokens: 2, outputTokens: 3 } },
    ].flatMap((event) => encoder.encode(event as StreamEvent)) as Chunk[];
    const toolDeltas = chunks.flatMap((chunk) => (chunk.choices[0]?.delta.tool_calls as unknown[]) ?? []);
    expect(toolDeltas).toEqual([
      { index: 0, id: 'a', type: 'function', function: { name: 'f', arguments: '' } },
      { index: 0, function: { arguments: '{"x":' } },
      { index: 0, function: { arguments: '1}' } },
      { index: 1, id: 'b', type: 'function', function: { name: 'g', arguments: '{}' } },
    ]);
    expect(chunks.at(-2)!.choices[0]!.finish_reason).toBe('tool_calls');
    expect(chunks.at(-1)).toMatchObject({
      choices: [],
      usage: { prompt_tokens: 2, completion_tokens: 3, total_tokens: 5 },
    });
  });
});
