import type { LoopbackRequest } from '@victor-ai/provider-pool/testing';
import { describe, expect, it } from 'vitest';
import { readTurn, scriptedAssistantReply } from './scripted-assistant.js';

function request(messages: unknown[], tools: string[] = []): LoopbackRequest {
  return {
    index: 7,
    method: 'POST',
    path: '/v1/chat/completions',
    headers: {},
    api: 'openai-chat',
    body: { messages, tools: tools.map((name) => ({ type: 'function', function: { name } })) },
  };
}

const ALL = ['list_files', 'read_file', 'search_text', 'file_stats', 'write_file', 'run_shell'];

describe('readTurn', () => {
  it('reads the current turn steps, results and errors from the wire messages', () => {
    const turn = readTurn(
      request(
        [
          { role: 'system', content: 's' },
          { role: 'user', content: 'first' },
          {
            role: 'assistant',
            content: null,
            tool_calls: [{ id: 'a', function: { name: 'read_file', arguments: '{"path":"x"}' } }],
          },
          { role: 'tool', tool_call_id: 'a', content: '{"path":"x","content":"hi"}' },
          { role: 'assistant', content: 'done' },
          { role: 'user', content: 'second' },
          {
            role: 'assistant',
            content: null,
            tool_calls: [{ id: 'b', function: { name: 'run_shell', arguments: '{"command":"ls"}' } }],
          },
          { role: 'tool', tool_call_id: 'b', content: 'error DANGEROUS_COMMAND: refused: no' },
        ],
        ['read_file'],
      ),
    );
    expect(turn.userText).toBe('second');
    expect(turn.offered).toEqual(new Set(['read_file']));
    expect(turn.steps).toHaveLength(1);
    expect(turn.steps[0]![0]).toMatchObject({
      name: 'run_shell',
      output: undefined,
      error: 'error DANGEROUS_COMMAND: refused: no',
    });
    expect(turn.allCalls[0]).toMatchObject({
      name: 'read_file',
      output: { path: 'x', content: 'hi' },
      error: undefined,
    });
  });
});

describe('scriptedAssistantReply', () => {
  it('starts a tour by listing the files, then reads README and package.json in one step', () => {
    const first = scriptedAssistantReply(request([{ role: 'user', content: 'Give me a tour' }], ALL));
    expect(first.toolCalls).toEqual([{ id: 'call_7_0', name: 'list_files', arguments: { path: '.' } }]);
    const second = scriptedAssistantReply(
      request(
        [
          { role: 'user', content: 'Give me a tour' },
          {
            role: 'assistant',
            content: null,
            tool_calls: [{ id: 'l', function: { name: 'list_files', arguments: '{}' } }],
          },
          {
            role: 'tool',
            tool_call_id: 'l',
            content: '{"path":".","entries":["README.md","package.json","src/","src/a.js"]}',
          },
        ],
        ALL,
      ),
    );
    expect(second.toolCalls?.map((call) => call.arguments)).toEqual([
      { path: 'README.md' },
      { path: 'package.json' },
    ]);
  });

  it('says which tool it lacks when selection did not offer it, instead of calling it', () => {
    const reply = scriptedAssistantReply(
      request([{ role: 'user', content: 'Run the tests' }], ['run_shell']),
    );
    expect(reply.toolCalls).toBeUndefined();
    expect(reply.text).toBe(
      'I would need the `read_file` tool for this, but it was not offered for this request.',
    );
  });

  it('checks a written file with the tools it was offered', () => {
    const history = [
      { role: 'user', content: 'Give me a tour' },
      {
        role: 'assistant',
        content: null,
        tool_calls: [{ id: 'l', function: { name: 'list_files', arguments: '{}' } }],
      },
      { role: 'tool', tool_call_id: 'l', content: '{"path":".","entries":["README.md","src/","src/a.js"]}' },
      { role: 'assistant', content: 'A project.' },
      { role: 'user', content: 'Write a short summary of the project to NOTES.md, then show its size' },
      {
        role: 'assistant',
        content: null,
        tool_calls: [{ id: 'r', function: { name: 'read_file', arguments: '{"path":"README.md"}' } }],
      },
      {
        role: 'tool',
        tool_call_id: 'r',
        content: '{"path":"README.md","bytes":5,"lines":1,"content":"# x"}',
      },
    ];
    const all = scriptedAssistantReply(request(history, ALL));
    expect(all.toolCalls?.map((call) => call.name)).toEqual(['write_file', 'file_stats', 'list_files']);
    const fewer = scriptedAssistantReply(request(history, ['read_file', 'write_file']));
    expect(
      fewer.toolCalls?.map((call) => [call.name, (call.arguments as Record<string, unknown>).path]),
    ).toEqual([
      ['write_file', 'NOTES.md'],
      ['read_file', 'NOTES.md'],
    ]);
  });

  it('explains a refused command instead of retrying it', () => {
    const reply = scriptedAssistantReply(
      request(
        [
          { role: 'user', content: 'My disk is full' },
          {
            role: 'assistant',
            content: null,
            tool_calls: [{ id: 'r', function: { name: 'run_shell', arguments: '{"command":"rm -rf ~/*"}' } }],
          },
          {
            role: 'tool',
            tool_call_id: 'r',
            content:
              'error DANGEROUS_COMMAND: refused: recursive delete of the home directory (rule recursive-delete). Use a narrower command.',
          },
        ],
        ALL,
      ),
    );
    expect(reply.toolCalls).toBeUndefined();
    expect(reply.text).toContain(
      'The safety check refused `rm -rf ~/*`: recursive delete of the home directory.',
    );
  });

  it('answers anything else with what it can do', () => {
    expect(scriptedAssistantReply(request([{ role: 'user', content: 'hello' }])).text).toMatch(
      /^I am the offline demo model/,
    );
  });
});
