import type { Tool } from '@victor-ai/core';
import type { LoopbackReply, LoopbackRequest } from '@victor-ai/provider-pool/testing';
import { describe, expect, it } from 'vitest';
import { useLoopbackAgents } from './__fixtures__/loopback-agents.js';
import { RECALL_TOOL_NAME } from './compaction.js';
import { estimateCounter, loadTokenCounter, tokenizerFor } from './tokenizer.js';

const loop = useLoopbackAgents();
const { agentWith } = loop;

// Tools named after what they do, so that lexical selection tells them apart.
const TOPICS = [
  'read file',
  'write file',
  'grep search',
  'git diff',
  'git commit',
  'run tests',
  'lint code',
  'format code',
  'http fetch',
  'sql query',
  'docker build',
  'list directory',
  'delete file',
  'move file',
  'compress archive',
];
const tools: Tool[] = TOPICS.map((topic) => ({
  definition: {
    name: topic.replace(' ', '_'),
    description: `${topic}: tool to ${topic}`,
    parameters: { type: 'object', properties: {} },
  },
  execute: () => `${topic} done`,
}));
const wire = (request: LoopbackRequest) =>
  request.body.messages as Array<{ role: string; content?: string; tool_calls?: unknown[] }>;
const toolNames = (request: LoopbackRequest) =>
  ((request.body.tools as Array<{ function: { name: string } }> | undefined) ?? []).map(
    (tool) => tool.function.name,
  );

describe('sticky tool selection in a conversation (the default)', () => {
  const selection = { minTools: 2, k: 2 } as const;

  it('keeps the tools offered before in their order, still adds a needed tool, and can be switched off', async () => {
    const sticky = agentWith({ tools, toolSelection: { ...selection, sticky: { maxTools: 6 } } });
    const first = await sticky.chat('read file from disk', { conversationId: 's' });
    const second = await sticky.chat('run tests please', { conversationId: 's' });
    expect(first.selectedTools).toContain('read_file');
    // The first turn's list is the start of the second's, and the newly needed tool is there.
    expect(second.selectedTools.slice(0, first.selectedTools.length)).toEqual(first.selectedTools);
    expect(second.selectedTools).toContain('run_tests');

    const reranked = agentWith({ tools, toolSelection: { ...selection, sticky: false } });
    const a = await reranked.chat('read file from disk', { conversationId: 's' });
    const b = await reranked.chat('run tests please', { conversationId: 's' });
    expect(b.selectedTools).toContain('run_tests');
    expect(b.selectedTools.slice(0, a.selectedTools.length)).not.toEqual(a.selectedTools);
  });

  it('changes the prefix only when a tool must leave', async () => {
    const agent = agentWith({ tools, toolSelection: { ...selection, sticky: { maxTools: 4 } } });
    const lists: string[][] = [];
    for (const query of ['read file', 'run tests', 'git diff', 'sql query', 'docker build']) {
      const turn = await agent.chat(query, { conversationId: 'p' });
      lists.push([...turn.selectedTools]);
    }
    for (let i = 1; i < lists.length; i++) {
      const kept = lists[i]!.slice(0, lists[i - 1]!.length).join() === lists[i - 1]!.join();
      // Below the limit the previous list is kept whole; at the limit, something had to leave.
      if (!kept) expect(lists[i - 1]!.length + 1).toBeGreaterThan(4);
      expect(lists[i]!.length).toBeLessThanOrEqual(4);
    }
    expect(lists.at(-1)).toContain('docker_build');
  });

  it('does not apply to stateless message arrays', async () => {
    const agent = agentWith({ tools, toolSelection: selection });
    const reranked = agentWith({ tools, toolSelection: { ...selection, sticky: false } });
    for (const query of ['read file', 'run tests', 'docker build']) {
      const stateless = await agent.chat([{ role: 'user', content: query }]);
      const fresh = await reranked.chat([{ role: 'user', content: query }]);
      expect(stateless.selectedTools).toEqual(fresh.selectedTools);
    }
  });
});

/** Answers the summarising call with a summary (or fails it), and ordinary turns with a long answer. */
function sessionScript(
  summary: 'ok' | 'fail',
  calls?: (request: LoopbackRequest) => LoopbackReply | undefined,
) {
  const summaries: LoopbackRequest[] = [];
  loop.script = (request) => {
    if (wire(request)[0]?.content?.startsWith('Summarise the conversation')) {
      summaries.push(request);
      if (summary === 'fail')
        return { kind: 'status', status: 400, body: { error: { message: 'summariser down' } } };
      return {
        text: 'SUMMARY: the user asked about turns 0-5.',
        usage: { inputTokens: 77, outputTokens: 9 },
      };
    }
    return calls?.(request) ?? { text: `answer ${'y'.repeat(400)}` };
  };
  return summaries;
}

describe('compaction near the budget (the default)', () => {
  it('summarises older turns through the model, keeps the last turns, and counts the summary in usage', async () => {
    const summaries = sessionScript('ok');
    const compacted: number[] = [];
    const agent = agentWith({
      contextBudgetTokens: 1200,
      compaction: { keepLastTurns: 2, onCompact: (_id, result) => compacted.push(result.removed.length) },
    });
    let report: unknown;
    for (let i = 0; i < 12 && report === undefined; i++) {
      const turn = await agent.chat(`question ${i} ${'x'.repeat(300)}`);
      if (turn.compaction !== undefined) {
        report = turn.compaction;
        expect(turn.compaction.outcome).toBe('summarised');
        expect(turn.compaction.summaryUsage).toEqual({ inputTokens: 77, outputTokens: 9 });
        expect(turn.usage.inputTokens).toBeGreaterThanOrEqual(77);
      }
    }
    expect(report).toBeDefined();
    expect(summaries).toHaveLength(1);
    // The summarising call carries the default prompt and the agent's model.
    expect(summaries[0]!.body.model).toBe('loopback-1');
    const history = agent.history();
    expect(history[0]!.content).toMatch(/^Summary of the earlier conversation:\nSUMMARY/);
    // The summary, then the two kept turns: the one before and the compacting turn itself.
    expect(history.filter((message) => message.role === 'user')).toHaveLength(3);
    expect(compacted[0]).toBeGreaterThan(0);
  });

  it('drops the older turns when the summariser fails, handing them to onCompact (nothing the caller stored is lost)', async () => {
    sessionScript('fail');
    const removed: string[] = [];
    const agent = agentWith({
      contextBudgetTokens: 1200,
      compaction: {
        keepLastTurns: 2,
        onCompact: (_id, result) => removed.push(...result.removed.map((m) => m.content)),
      },
    });
    let outcome: string | undefined;
    for (let i = 0; i < 12 && outcome === undefined; i++) {
      const turn = await agent.chat(`question ${i} ${'x'.repeat(300)}`);
      outcome = turn.compaction?.outcome;
    }
    expect(outcome).toBe('summary-failed');
    expect(removed[0]).toMatch(/^question 0 /);
    expect(agent.history()[0]!.content).not.toMatch(/^Summary/);
    // Archived + kept = every message of the conversation: nothing vanished.
    const kept = agent.history().filter((m) => m.role === 'user').length;
    expect(removed.filter((content) => content.startsWith('question')).length + kept).toBeGreaterThan(3);
  });

  it('can be switched off: the window drops the oldest messages instead', async () => {
    sessionScript('ok');
    const agent = agentWith({ contextBudgetTokens: 1200, compaction: false });
    for (let i = 0; i < 10; i++) {
      const turn = await agent.chat(`question ${i} ${'x'.repeat(300)}`);
      expect(turn.compaction).toBeUndefined();
    }
    expect(agent.history()[0]!.content).not.toMatch(/^Summary/);
  });

  it('stores large tool results as references the model can read back with recall_tool_result', async () => {
    const big = `BIG-${'z'.repeat(8000)}`;
    const dump: Tool = {
      definition: {
        name: 'dump',
        description: 'dump a big file',
        parameters: { type: 'object', properties: {} },
      },
      execute: () => big,
    };
    let recalled: string | undefined;
    sessionScript('ok', (request) => {
      const messages = wire(request);
      const last = messages.at(-1)!;
      if (last.role === 'tool') {
        if (
          last.content?.startsWith('BIG-') === false &&
          recalled === undefined &&
          toolNames(request).includes(RECALL_TOOL_NAME)
        )
          recalled = last.content;
        return { text: 'ok' };
      }
      const text = last.content ?? '';
      if (text.startsWith('dump'))
        return { toolCalls: [{ id: `d${messages.length}`, name: 'dump', arguments: {} }] };
      if (text.startsWith('recall')) {
        const reference = /stored as (result-\d+)/.exec(messages.map((m) => m.content ?? '').join('\n'))?.[1];
        return { toolCalls: [{ id: 'r1', name: RECALL_TOOL_NAME, arguments: { reference } }] };
      }
      return { text: 'fine' };
    });
    const agent = agentWith({
      tools: [dump],
      contextBudgetTokens: 4000,
      compaction: { keepLastTurns: 3, maxToolResultTokens: 200, summary: false },
    });
    let references: string[] = [];
    for (let i = 0; i < 6 && references.length === 0; i++) {
      const turn = await agent.chat(`dump ${i}`);
      references = turn.compaction?.references ?? [];
    }
    expect(references.length).toBeGreaterThan(0);
    const turn = await agent.chat('recall the first dump');
    expect(turn.selectedTools).toContain(RECALL_TOOL_NAME);
    expect(turn.toolResults[0]).toMatchObject({ name: RECALL_TOOL_NAME, ok: true, output: big });
    // Another tenant cannot read it.
    const other = await agent.chat('recall the first dump', { tenantId: 'other', conversationId: 'x' });
    expect(other.toolResults[0]?.ok ?? false).toBe(false);
  });
});

describe('token counting', () => {
  it('names the tokenizer of a model family', () => {
    expect(tokenizerFor('gpt-4o-mini')).toBe('o200k_base');
    expect(tokenizerFor('openai/gpt-5')).toBe('o200k_base');
    expect(tokenizerFor('o3-mini')).toBe('o200k_base');
    expect(tokenizerFor('gpt-4.1')).toBe('o200k_base');
    expect(tokenizerFor('gpt-4-turbo')).toBe('cl100k_base');
    expect(tokenizerFor('gpt-3.5-turbo')).toBe('cl100k_base');
    expect(tokenizerFor('claude-sonnet-4-5')).toBe('estimate');
    expect(tokenizerFor('loopback-1')).toBe('estimate');
  });

  it('counts with the real tokenizer where one exists, the estimate elsewhere', async () => {
    const o200k = await loadTokenCounter('gpt-4o');
    expect(o200k.tokenizer).toBe('o200k_base');
    expect(o200k.count('hello world')).toBe(2);
    expect(o200k.countMessage({ role: 'user', content: 'hello world' })).toBe(6);
    expect((await loadTokenCounter('gpt-4')).count('hello world')).toBe(2);
    expect(await loadTokenCounter('claude-haiku-4-5')).toBe(estimateCounter);
    expect(estimateCounter.count('12345678')).toBe(2);
  });

  it('the agent says which one counts its budget', async () => {
    loop.script = () => ({ text: 'hi' });
    const openai = agentWith({ model: 'gpt-4o-mini' });
    expect(openai.tokenizer()).toBe('estimate');
    await openai.chat('hello');
    expect(openai.tokenizer()).toBe('o200k_base');
    const estimated = agentWith({ model: 'gpt-4o-mini', tokenCounting: 'estimate' });
    await estimated.chat('hello');
    expect(estimated.tokenizer()).toBe('estimate');
    const other = agentWith({ model: 'claude-sonnet-4-5' });
    await other.chat('hello');
    expect(other.tokenizer()).toBe('estimate');
  });
});
