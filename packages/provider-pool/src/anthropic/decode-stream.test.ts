import { readFileSync } from 'node:fs';
import type { StreamEvent } from '@victor-ai/core';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { SseDecoder } from '../sse-decoder.js';
import { AnthropicStreamDecoder } from './decode-stream.js';

function fixture(name: string): string {
  return readFileSync(new URL(`./__fixtures__/${name}`, import.meta.url), 'utf8');
}

/** Decodes SSE text split into the given chunks, as the provider does. */
function decode(text: string, cuts: number[] = []): StreamEvent[] {
  const sse = new SseDecoder();
  const decoder = new AnthropicStreamDecoder();
  const out: StreamEvent[] = [];
  const bytes = new TextEncoder().encode(text);
  const points = [...new Set(cuts.map((cut) => cut % (bytes.length + 1)))].sort((a, b) => a - b);
  let previous = 0;
  for (const point of [...points, bytes.length]) {
    for (const event of sse.push(bytes.slice(previous, point))) decoder.push(event.data, out);
    previous = point;
  }
  for (const event of sse.end()) decoder.push(event.data, out);
  decoder.end(out);
  return out;
}

describe('AnthropicStreamDecoder', () => {
  it('decodes text, skips ping and server tools, assembles tool_use JSON and gives {} for no input', () => {
    const events = decode(fixture('tool-use.sse'));
    expect(events[0]).toEqual({ type: 'response-start', id: 'msg_fixture_1', model: 'claude-fixture' });
    const text = events.flatMap((event) => (event.type === 'text-delta' ? [event.delta] : [])).join('');
    expect(text).toBe('Let me check the weather.');
    expect(events.filter((event) => event.type === 'tool-call-end')).toEqual([
      {
        type: 'tool-call-end',
        index: 0,
        toolCall: {
          id: 'toolu_weather',
          name: 'get_weather',
          arguments: { location: 'San Francisco, CA', unit: 'celsius' },
        },
      },
      { type: 'tool-call-end', index: 1, toolCall: { id: 'toolu_time', name: 'get_time', arguments: {} } },
    ]);
    expect(events.at(-1)).toEqual({
      type: 'finish',
      finishReason: 'tool-calls',
      usage: { inputTokens: 150, cachedInputTokens: 30, outputTokens: 89 },
    });
  });

  it('gives the same events however the bytes are split', () => {
    const text = fixture('tool-use.sse');
    const whole = decode(text);
    fc.assert(
      fc.property(fc.array(fc.nat(), { maxLength: 8 }), (cuts) => {
        const split = decode(text, cuts);
        // Text deltas may be split differently only if chunks split an event; events are whole, so equal.
        expect(split).toEqual(whole);
      }),
      { numRuns: 200 },
    );
  });

  it('ends with a typed INVALID_RESPONSE naming the tool when max_tokens cuts its JSON', () => {
    const events = decode(fixture('max-tokens-in-tool.sse'));
    const last = events.at(-1) as { type: string; error: Error & { code: string } };
    expect(last.type).toBe('error');
    expect(last.error.code).toBe('INVALID_RESPONSE');
    expect(last.error.message).toMatch(/max tokens.*write_file/);
    expect(events.some((event) => event.type === 'tool-call-end' || event.type === 'finish')).toBe(false);
  });

  it('turns an overloaded_error event into a retryable HTTP 529 error event', () => {
    const events = decode(fixture('overloaded.sse'));
    expect(events.at(-1)).toMatchObject({
      type: 'error',
      error: { code: 'HTTP_STATUS', status: 529, isRetryable: true },
    });
  });

  it('takes cumulative usage from message_delta, input tokens included', () => {
    const events = decode(fixture('message-delta-usage.sse'));
    expect(events.at(-1)).toEqual({
      type: 'finish',
      finishReason: 'stop',
      usage: { inputTokens: 42, outputTokens: 7 },
    });
  });

  it('reports a stream cut before message_delta as CONNECTION_FAILED', () => {
    const text = fixture('tool-use.sse');
    const events = decode(text.slice(0, text.indexOf('event: message_delta')));
    expect(events.at(-1)).toMatchObject({ type: 'error', error: { code: 'CONNECTION_FAILED' } });
  });

  it('reports a malformed event as INVALID_RESPONSE and ignores what follows', () => {
    const decoder = new AnthropicStreamDecoder();
    const out: StreamEvent[] = [];
    decoder.push('{"type":"message_start","message":{}}', out);
    decoder.push('{"type": "content_block_delta", "delta": {"text"', out);
    decoder.push('{"type":"message_stop"}', out);
    expect(out.map((event) => event.type)).toEqual(['response-start', 'error']);
    expect(decoder.done).toBe(true);
  });

  it('emits response-start once for a repeated message_start', () => {
    const decoder = new AnthropicStreamDecoder();
    const out: StreamEvent[] = [];
    decoder.push('{"type":"message_start","message":{"id":"a"}}', out);
    decoder.push('{"type":"message_start","message":{"id":"a"}}', out);
    expect(out).toEqual([{ type: 'response-start', id: 'a' }]);
  });
});
