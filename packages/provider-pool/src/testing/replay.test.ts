import { describe, expect, it } from 'vitest';
import { replayRecordings, serveRecording } from './replay.js';

const anthropicLines = [
  '{"type":"message_start","message":{"id":"msg_1","model":"m","usage":{"input_tokens":5,"output_tokens":1}}}',
  '{"type":"content_block_start","index":0,"content_block":{"type":"tool_use","id":"toolu_1","name":"ls","input":{}}}',
  '{"type":"content_block_stop","index":0}',
  '{"type":"message_delta","delta":{"stop_reason":"tool_use"},"usage":{"output_tokens":9}}',
  '{"type":"message_stop"}',
].join('\n');

const openAILines = [
  '{"id":"c1","model":"m","choices":[{"index":0,"delta":{"role":"assistant","content":"Hi"},"finish_reason":null}]}',
  '{"id":"c1","model":"m","choices":[{"index":0,"delta":{},"finish_reason":"stop"}],"usage":{"prompt_tokens":3,"completion_tokens":1}}',
].join('\n');

describe('serveRecording', () => {
  it('turns one payload per line into SSE with event names for Anthropic and [DONE] for OpenAI', () => {
    expect(serveRecording('anthropic', anthropicLines).reply.body).toContain('event: message_start\ndata: {');
    expect(serveRecording('openai-chat', openAILines).reply.body.endsWith('data: [DONE]\n\n')).toBe(true);
  });

  it('serves a whole JSON body for chat(), an error body with status 400', () => {
    expect(serveRecording('openai-chat', '{"choices":[]}')).toMatchObject({
      mode: 'chat',
      reply: { status: 200 },
    });
    expect(serveRecording('openai-chat', '{"error":{"message":"bad"}}')).toMatchObject({
      mode: 'chat',
      reply: { status: 400 },
    });
  });

  it('serves raw SSE as is', () => {
    const raw = 'data: {"a":1}\n\ndata: [DONE]\n\n';
    expect(serveRecording('openai-chat', raw)).toEqual({
      mode: 'stream',
      reply: { kind: 'raw', body: raw, contentType: 'text/event-stream' },
    });
  });
});

describe('replayRecordings', () => {
  it('decodes each recording through the real provider', async () => {
    const [anthropic] = await replayRecordings('anthropic', [
      { file: 'a.chunks.txt', content: anthropicLines },
    ]);
    expect(anthropic).toEqual({
      file: 'a.chunks.txt',
      text: '',
      toolCalls: [{ id: 'toolu_1', name: 'ls', arguments: {} }],
      finishReason: 'tool-calls',
      usage: { inputTokens: 5, outputTokens: 9 },
      error: null,
    });
    const results = await replayRecordings('openai-chat', [
      { file: 'b.chunks.txt', content: openAILines },
      { file: 'c.json', content: '{"error":{"message":"unsupported parameter"}}' },
      { file: 'd.chunks.txt', content: '{"choices":[{"delta":{"content":"cut"}}]}\n{not json' },
    ]);
    expect(results[0]).toMatchObject({
      text: 'Hi',
      finishReason: 'stop',
      usage: { inputTokens: 3, outputTokens: 1 },
      error: null,
    });
    expect(results[1]!.error).toMatchObject({ code: 'HTTP_STATUS' });
    expect(results[1]!.error!.message).toContain('unsupported parameter');
    expect(results[2]).toMatchObject({
      text: 'cut',
      finishReason: null,
      error: { code: 'INVALID_RESPONSE' },
    });
  });
});
