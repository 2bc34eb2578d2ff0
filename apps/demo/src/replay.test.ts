import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { replayCommand } from './replay.js';

let dir: string;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'victor-replay-'));
  await writeFile(
    join(dir, 'anthropic.chunks.txt'),
    [
      '{"type":"message_start","message":{"id":"msg_1","model":"m","usage":{"input_tokens":5,"output_tokens":1}}}',
      '{"type":"content_block_start","index":0,"content_block":{"type":"text","text":""}}',
      '{"type":"ping"}',
      '{"type":"content_block_delta","index":0,"delta":{"type":"text_delta","text":"Reading."}}',
      '{"type":"content_block_stop","index":0}',
      '{"type":"content_block_start","index":1,"content_block":{"type":"tool_use","id":"toolu_1","name":"read_file","input":{}}}',
      '{"type":"content_block_delta","index":1,"delta":{"type":"input_json_delta","partial_json":"{\\"path\\":"}}',
      '{"type":"content_block_delta","index":1,"delta":{"type":"input_json_delta","partial_json":"\\"a.txt\\"}"}}',
      '{"type":"content_block_stop","index":1}',
      '{"type":"message_delta","delta":{"stop_reason":"tool_use"},"usage":{"output_tokens":12}}',
      '{"type":"message_stop"}',
    ].join('\n'),
  );
  await writeFile(
    join(dir, 'openai.sse'),
    'data: {"id":"c","choices":[{"index":0,"delta":{"content":"Hello"},"finish_reason":null}]}\n\n' +
      'data: {"id":"c","choices":[{"index":0,"delta":{},"finish_reason":"stop"}]}\n\n' +
      'data: {"id":"c","choices":[],"usage":{"prompt_tokens":4,"completion_tokens":1}}\n\ndata: [DONE]\n\n',
  );
  await writeFile(
    join(dir, 'openai.json'),
    JSON.stringify({
      id: 'c2',
      choices: [{ index: 0, message: { role: 'assistant', content: 'Whole' }, finish_reason: 'length' }],
      usage: { prompt_tokens: 2, completion_tokens: 3 },
    }),
  );
});

afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

function capture(): { write(text: string): void; lines(): Array<Record<string, unknown>>; text: string } {
  const sink = {
    text: '',
    write(text: string) {
      sink.text += text;
    },
    lines: () =>
      sink.text
        .trim()
        .split('\n')
        .map((line) => JSON.parse(line) as Record<string, unknown>),
  };
  return sink;
}

describe('replayCommand', () => {
  it('prints one JSON object per Anthropic file with text, parsed tool calls, finish reason and usage', async () => {
    const output = capture();
    const code = await replayCommand(['--api', 'anthropic', join(dir, 'anthropic.chunks.txt')], output);
    expect(code).toBe(0);
    expect(output.lines()).toEqual([
      {
        file: join(dir, 'anthropic.chunks.txt'),
        text: 'Reading.',
        toolCalls: [{ id: 'toolu_1', name: 'read_file', arguments: { path: 'a.txt' } }],
        finishReason: 'tool-calls',
        usage: { inputTokens: 5, outputTokens: 12 },
        error: null,
      },
    ]);
  });

  it('replays raw SSE and whole JSON bodies for openai-chat, in argument order', async () => {
    const output = capture();
    const code = await replayCommand(
      ['replay', '--api=openai-chat', join(dir, 'openai.sse'), join(dir, 'openai.json')],
      output,
    );
    expect(code).toBe(0);
    expect(output.lines().map((line) => [line.text, line.finishReason, line.usage])).toEqual([
      ['Hello', 'stop', { inputTokens: 4, outputTokens: 1 }],
      ['Whole', 'length', { inputTokens: 2, outputTokens: 3 }],
    ]);
  });

  it('reports a file that does not decode, or does not exist, with an error code and exit code 1', async () => {
    const output = capture();
    const code = await replayCommand(
      ['--api', 'openai-chat', join(dir, 'anthropic.chunks.txt'), join(dir, 'missing.txt')],
      output,
    );
    expect(code).toBe(1);
    const [wrongApi, missing] = output.lines();
    expect(wrongApi!.error).toMatchObject({ code: expect.any(String) });
    expect(missing!.error).toMatchObject({ code: 'READ_FAILED' });
  });

  it('decodes OpenAI Responses recordings: text, tool calls, reasoning, usage, built-in tool items passed through', async () => {
    const lines = [
      { type: 'response.created', response: { id: 'resp_1', model: 'gpt-x' } },
      { type: 'response.reasoning_summary_text.delta', item_id: 'rs_1', delta: 'Checking.' },
      {
        type: 'response.output_item.done',
        output_index: 0,
        item: { type: 'reasoning', id: 'rs_1', summary: [] },
      },
      { type: 'response.output_item.done', output_index: 1, item: { type: 'web_search_call', id: 'ws_1' } },
      { type: 'response.output_text.delta', item_id: 'msg_1', output_index: 2, delta: 'Found it.' },
      {
        type: 'response.output_item.done',
        output_index: 3,
        item: {
          type: 'function_call',
          id: 'fc_1',
          call_id: 'call_1',
          name: 'open',
          arguments: '{"url":"u"}',
        },
      },
      {
        type: 'response.completed',
        response: {
          id: 'resp_1',
          status: 'completed',
          usage: {
            input_tokens: 9,
            input_tokens_details: { cached_tokens: 4 },
            output_tokens: 20,
            output_tokens_details: { reasoning_tokens: 12 },
          },
        },
      },
    ];
    await writeFile(join(dir, 'responses.chunks.txt'), lines.map((line) => JSON.stringify(line)).join('\n'));
    const output = capture();
    const code = await replayCommand(
      ['--api', 'openai-responses', join(dir, 'responses.chunks.txt')],
      output,
    );
    expect(code).toBe(0);
    expect(output.lines()[0]).toEqual({
      file: join(dir, 'responses.chunks.txt'),
      text: 'Found it.',
      toolCalls: [{ id: 'call_1', name: 'open', arguments: { url: 'u' } }],
      finishReason: 'tool-calls',
      usage: { inputTokens: 9, outputTokens: 20, cachedInputTokens: 4, reasoningTokens: 12 },
      reasoning: 'Checking.',
      passedThrough: ['web_search_call'],
      error: null,
    });
  });

  it('refuses a missing or unknown --api and no files with exit code 2', async () => {
    expect(await replayCommand(['x.txt'], capture())).toBe(2);
    expect(await replayCommand(['--api', 'gemini', 'x.txt'], capture())).toBe(2);
    expect(await replayCommand(['--api', 'anthropic'], capture())).toBe(2);
  });
});
