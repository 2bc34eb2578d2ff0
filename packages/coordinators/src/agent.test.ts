import { getEventListeners } from 'node:events';
import { resolve } from 'node:path';
import { MemoryCache } from '@victor-ai/cache';
import type { Message, Provider, Tool, ToolDefinition, ToolMiddleware } from '@victor-ai/core';
import { delay } from '@victor-ai/core';
import { createOpenAICompatibleProvider } from '@victor-ai/provider-pool';
import type { LoopbackReply, LoopbackRequest } from '@victor-ai/provider-pool/testing';
import { ToolRegistry } from '@victor-ai/tool-selection';
import { describe, expect, it } from 'vitest';
import { useLoopbackAgents } from './__fixtures__/loopback-agents.js';
import { textResponse } from './__fixtures__/responses.js';
import { createAgent } from './agent.js';
import type { AgentConfig } from './config.js';
import type { AgentStreamEvent } from './turn.js';

const loop = useLoopbackAgents();
const { agentWith } = loop;

type WireMessage = { role: string; content?: string; tool_call_id?: string };
const wireMessages = (request: LoopbackRequest) => request.body.messages as WireMessage[];
const lastWire = (request: LoopbackRequest) => wireMessages(request).at(-1)!;

/** Calls the tools the script names on the first step; answers with the tool outputs after. */
function toolScript(calls: Array<{ name: string; arguments: Record<string, unknown> }>) {
  return (request: LoopbackRequest): LoopbackReply => {
    if (lastWire(request).role === 'tool') {
      const outputs = wireMessages(request)
        .filter((message) => message.role === 'tool')
        .map((message) => message.content);
      return { text: `done: ${outputs.join(' | ')}` };
    }
    return { toolCalls: calls.map((call, index) => ({ id: `call_${index}`, ...call })) };
  };
}

function tool(definition: Partial<ToolDefinition> & { name: string }, execute: Tool['execute']): Tool {
  return {
    definition: {
      description: `${definition.name} tool`,
      parameters: { type: 'object', properties: {} },
      ...definition,
    },
    execute,
  };
}

/** The roles of a history, in order. */
const roles = (history: readonly Message[]) => history.map((message) => message.role);
/** The history a turn with one round of tool calls leaves: question, call, result, answer. */
const TOOL_TURN_ROLES = ['user', 'assistant', 'tool', 'assistant'];

/** A provider on the loopback server that records the abort signal of every request it is given. */
function signalRecordingProvider(signals: Set<AbortSignal>): Provider {
  const inner = createOpenAICompatibleProvider({ baseURL: loop.server.baseURL });
  return {
    id: 'watching',
    chat(request) {
      if (request.abortSignal) signals.add(request.abortSignal);
      return inner.chat(request);
    },
    stream(request) {
      if (request.abortSignal) signals.add(request.abortSignal);
      return inner.stream(request);
    },
    close: () => inner.close(),
  };
}

async function collect(events: AsyncIterable<AgentStreamEvent>): Promise<AgentStreamEvent[]> {
  const all: AgentStreamEvent[] = [];
  for await (const event of events) all.push(event);
  return all;
}

describe('createAgent', () => {
  describe('configuration', () => {
    it('names the bad field', () => {
      const provider = createOpenAICompatibleProvider({ baseURL: loop.server.baseURL });
      expect(() => createAgent({ provider, model: 'm', toolConcurrency: 0 })).toThrow(
        /config\.toolConcurrency/,
      );
      expect(() => createAgent({ provider, model: '' })).toThrow(/config\.model/);
      expect(() => createAgent({ model: 'm' })).toThrow(/config\.provider: give a provider/);
      expect(() => createAgent({ provider, model: 'm', tools: [{ name: 'x' } as unknown as Tool] })).toThrow(
        /config\.tools\[0\]/,
      );
      expect(() => createAgent({ provider, model: 'm', maxStep: 3 } as AgentConfig)).toThrow(
        /unknown option "maxStep"/,
      );
      void provider.close();
    });

    it('refuses bad and duplicate tool names and unusable schemas when the agent is created', () => {
      const provider = createOpenAICompatibleProvider({ baseURL: loop.server.baseURL });
      const named = (name: string, parameters: unknown = { type: 'object' }) =>
        tool({ name, parameters: parameters as ToolDefinition['parameters'] }, () => 'x');
      expect(() => createAgent({ provider, model: 'm', tools: [named('read file')] })).toThrow(
        expect.objectContaining({
          code: 'INVALID_CONFIG',
          message: 'config.tools[0].definition.name: must match [a-zA-Z0-9_.-]{1,64}, got "read file"',
        }),
      );
      expect(() =>
        createAgent({ provider, model: 'm', tools: [named('a'), named('b'), named('a')] }),
      ).toThrow('config.tools[2].definition.name: "a" is already the name of config.tools[0]');
      const valibotLike = { '~standard': { version: 1, vendor: 'valibot', validate: () => ({ value: {} }) } };
      expect(() => createAgent({ provider, model: 'm', tools: [named('search', valibotLike)] })).toThrow(
        /config\.tools\[0\]\.definition\.parameters of tool "search" is a valibot schema without a JSON Schema form/,
      );
      void provider.close();
    });

    it('takes a workspaceRoot that is absolute by the platform rules, and refuses a relative one', () => {
      const provider = createOpenAICompatibleProvider({ baseURL: loop.server.baseURL });
      expect(() => createAgent({ provider, model: 'm', workspaceRoot: 'project' })).toThrow(
        'config.workspaceRoot: must be an absolute path',
      );
      expect(() => createAgent({ provider, model: 'm', workspaceRoot: resolve('project') })).not.toThrow();
      void provider.close();
    });

    it('gives middlewares with prepare() each tool before the first turn', async () => {
      const prepared: string[] = [];
      const preparing: ToolMiddleware = {
        name: 'preparing',
        prepare: (definition) => prepared.push(definition.name),
      };
      agentWith({
        tools: [tool({ name: 'one' }, () => 1), tool({ name: 'two' }, () => 2)],
        middleware: [preparing],
      });
      expect(prepared).toEqual([]);
      await new Promise((done) => setImmediate(done));
      expect(prepared).toEqual(['one', 'two']);
    });
  });

  describe('hot path', () => {
    it('answers a turn with no tools without building tool parts, and keeps the history', async () => {
      const agent = agentWith();
      const first = await agent.chat('hello');
      expect(first.path).toBe('hot');
      expect(first.text).toBe('You said: hello');
      const second = await agent.chat('again');
      expect(second.text).toBe('You said: again');
      expect(wireMessages(loop.server.requests.at(-1)!).map((message) => message.role)).toEqual([
        'system',
        'user',
        'assistant',
        'user',
      ]);
      expect(agent.history().map((message) => message.content)).toEqual([
        'hello',
        'You said: hello',
        'again',
        'You said: again',
      ]);
      expect(agent.built()).not.toContain('tools');
      expect(agent.built()).not.toContain('selector');
      expect(agent.built()).not.toContain('middleware');
      expect(second.timing.totalMs).toBeGreaterThanOrEqual(second.timing.providerMs);
    });

    it('takes the full path when the history outgrows the context budget, and trims it', async () => {
      const agent = agentWith({ contextBudgetTokens: 60, systemPrompt: undefined });
      await agent.chat('a'.repeat(120));
      const result = await agent.chat('b'.repeat(120));
      expect(result.path).toBe('full');
      const sent = wireMessages(loop.server.requests.at(-1)!);
      expect(sent.at(-1)!.content).toBe('b'.repeat(120));
      expect(sent.some((message) => message.content === 'a'.repeat(120))).toBe(false);
    });
  });

  describe('tools', () => {
    it('runs the model’s tool calls and goes back to the model with the results', async () => {
      loop.script = toolScript([{ name: 'read_file', arguments: { path: 'a.ts' } }]);
      const agent = agentWith({
        tools: [tool({ name: 'read_file', readOnly: true }, (args) => `contents of ${String(args.path)}`)],
      });
      const result = await agent.chat('read a.ts');
      expect(result.steps).toBe(2);
      expect(result.text).toBe('done: contents of a.ts');
      expect(result.toolResults).toMatchObject([{ name: 'read_file', ok: true, output: 'contents of a.ts' }]);
      expect(roles(agent.history())).toEqual(TOOL_TURN_ROLES);
    });

    it('runs independent calls at once', async () => {
      let running = 0;
      let most = 0;
      const slow = tool({ name: 'fetch_doc', readOnly: true }, async (args) => {
        running++;
        most = Math.max(most, running);
        await delay(30);
        running--;
        return `doc ${String(args.path)}`;
      });
      loop.script = toolScript(
        Array.from({ length: 10 }, (_, index) => ({
          name: 'fetch_doc',
          arguments: { path: `doc${index}.md` },
        })),
      );
      const agent = agentWith({ tools: [slow] });
      const result = await agent.chat('fetch ten docs');
      expect(result.toolResults).toHaveLength(10);
      expect(most).toBe(10);
    });

    it('keeps the concurrency limit', async () => {
      let running = 0;
      let most = 0;
      const slow = tool({ name: 'fetch_doc', readOnly: true }, async () => {
        running++;
        most = Math.max(most, running);
        await delay(10);
        running--;
        return 'ok';
      });
      loop.script = toolScript(
        Array.from({ length: 9 }, (_, index) => ({ name: 'fetch_doc', arguments: { path: `d${index}` } })),
      );
      await agentWith({ tools: [slow], toolConcurrency: 3 }).chat('go');
      expect(most).toBe(3);
    });

    it('runs conflicting calls in the order the model gave them', async () => {
      const log: string[] = [];
      const step = (name: string) => async (args: Record<string, unknown>) => {
        log.push(`start ${name} ${String(args.path)}`);
        await delay(5);
        log.push(`end ${name} ${String(args.path)}`);
        return 'ok';
      };
      loop.script = toolScript([
        { name: 'write_file', arguments: { path: 'src/a.ts' } },
        { name: 'read_file', arguments: { path: 'src/a.ts' } },
        { name: 'read_file', arguments: { path: 'docs/b.md' } },
      ]);
      const agent = agentWith({
        tools: [
          tool({ name: 'write_file' }, step('write')),
          tool({ name: 'read_file', readOnly: true }, step('read')),
        ],
        workspaceRoot: '/work/project',
      });
      await agent.chat('edit then read');
      // The read of the written file waits for the write; the unrelated read does not.
      expect(log.indexOf('start read src/a.ts')).toBeGreaterThan(log.indexOf('end write src/a.ts'));
      expect(log.indexOf('start read docs/b.md')).toBeLessThan(log.indexOf('end write src/a.ts'));
    });

    it('returns every failure as a result the model can read', async () => {
      const blocker: ToolMiddleware = {
        name: 'no-rm',
        appliesTo: { names: ['shell'] },
        before: () => ({ type: 'block', code: 'DANGEROUS_COMMAND', reason: 'rm -rf / is not allowed' }),
      };
      loop.script = toolScript([
        { name: 'shell', arguments: { command: 'rm -rf /' } },
        { name: 'explode', arguments: {} },
        { name: 'no_such_tool', arguments: {} },
      ]);
      const agent = agentWith({
        tools: [
          tool({ name: 'shell' }, () => 'should not run'),
          tool({ name: 'explode', readOnly: true }, () => {
            throw new Error('kaboom');
          }),
        ],
        middleware: [blocker],
      });
      const result = await agent.chat('do risky things');
      expect(result.text).toMatch(/^done: /);
      expect(result.toolResults.map((toolResult) => toolResult.ok)).toEqual([false, false, false]);
      expect(result.toolResults.map((toolResult) => (toolResult.ok ? '' : toolResult.error.code))).toEqual([
        'DANGEROUS_COMMAND',
        'TOOL_FAILED',
        'TOOL_NOT_FOUND',
      ]);
      expect(result.text).toContain('kaboom');
    });

    it('stops at maxSteps', async () => {
      loop.script = () => ({ toolCalls: [{ name: 'ping', arguments: {} }] });
      const result = await agentWith({
        tools: [tool({ name: 'ping', readOnly: true }, () => 'pong')],
        maxSteps: 3,
      }).chat('loop');
      expect(result.steps).toBe(3);
      expect(result.maxStepsReached).toBe(true);
    });
  });

  describe('tool selection', () => {
    it('offers the model only the selected tools when there are many', async () => {
      const many = Array.from({ length: 40 }, (_, index) =>
        tool({ name: `tool_${index}`, description: `does unrelated thing number ${index}` }, () => 'x'),
      );
      many.push(
        tool({ name: 'search_weather', description: 'get the weather forecast for a city' }, () => 'sunny'),
      );
      const agent = agentWith({ tools: many, toolSelection: { k: 5 } });
      const result = await agent.chat('what is the weather forecast in Paris?');
      // The ranked tool first, then the prior fills the selection up to minTools (12 by default).
      expect(result.selectedTools).toHaveLength(12);
      expect(result.selectedTools[0]).toBe('search_weather');
      const sent = loop.server.requests.at(-1)!.body.tools as Array<{ function: { name: string } }>;
      expect(sent.map((entry) => entry.function.name)).toEqual(result.selectedTools);
      // The model answered without tools: the tool coordinator was never needed.
      expect(agent.built()).toContain('selector');
      expect(agent.built()).not.toContain('tools');
    });

    it('never offers fewer than min(minTools, registered) tools, even when no word matches', async () => {
      const thirteen = Array.from({ length: 13 }, (_, index) =>
        tool({ name: `tool_${index}`, description: `does unrelated thing number ${index}` }, () => 'x'),
      );
      const agent = agentWith({ tools: thirteen });
      const result = await agent.chat('What does src/index.ts export?');
      expect(result.selectedTools).toHaveLength(12);
      const fewer = agentWith({ tools: thirteen, toolSelection: { minTools: 4, k: 2 } });
      expect((await fewer.chat('What does src/index.ts export?')).selectedTools).toHaveLength(4);
    });

    it('refuses a call to a registered tool the turn did not offer (TOOL_NOT_OFFERED), unless allowed', async () => {
      const ran: string[] = [];
      const many = Array.from({ length: 40 }, (_, index) =>
        tool({ name: `tool_${index}`, description: `does unrelated thing number ${index}` }, () => {
          ran.push(`tool_${index}`);
          return 'x';
        }),
      );
      many.push(
        tool({ name: 'search_weather', description: 'get the weather forecast for a city' }, () => 'sunny'),
      );
      loop.script = toolScript([
        { name: 'tool_30', arguments: {} },
        { name: 'search_weather', arguments: {} },
      ]);
      const strict = await agentWith({ tools: many }).chat('what is the weather forecast in Paris?');
      expect(strict.selectedTools).not.toContain('tool_30');
      expect(strict.toolResults).toMatchObject([
        { name: 'tool_30', ok: false, error: { code: 'TOOL_NOT_OFFERED' } },
        { name: 'search_weather', ok: true, output: 'sunny' },
      ]);
      expect(strict.toolResults[0]!.ok === false && strict.toolResults[0]!.error.message).toContain(
        '"tool_30" was not offered',
      );
      expect(ran).toEqual([]);
      const lenient = await agentWith({ tools: many, toolSelection: { allowUnofferedTools: true } }).chat(
        'what is the weather forecast in Paris?',
      );
      expect(lenient.toolResults.map((entry) => [entry.name, entry.ok])).toEqual([
        ['tool_30', true],
        ['search_weather', true],
      ]);
      expect(ran).toEqual(['tool_30']);
    });

    it('runs a registered tool the selection did not offer when allowed, through the middleware, and refuses an unknown one', async () => {
      const many = Array.from({ length: 40 }, (_, index) =>
        tool({ name: `tool_${index}`, description: `does unrelated thing number ${index}` }, () => 'x'),
      );
      many.push(
        tool({ name: 'search_weather', description: 'get the weather forecast for a city' }, () => 'sunny'),
      );
      const seen: string[] = [];
      const watcher: ToolMiddleware = {
        name: 'watcher',
        before: (call) => {
          seen.push(call.name);
          return { type: 'pass' };
        },
      };
      const agent = agentWith({
        tools: many,
        toolSelection: { k: 5, allowUnofferedTools: true },
        middleware: [watcher],
      });
      loop.script = toolScript([
        { name: 'tool_30', arguments: {} },
        { name: 'no_such_tool', arguments: {} },
      ]);
      const result = await agent.chat('what is the weather forecast in Paris?');
      expect(result.selectedTools).not.toContain('tool_30');
      expect(result.toolResults.map((entry) => [entry.name, entry.ok])).toEqual([
        ['tool_30', true],
        ['no_such_tool', false],
      ]);
      expect(result.toolResults[1]).toMatchObject({ error: { code: 'TOOL_NOT_FOUND' } });
      expect(seen).toEqual(['tool_30']);
    });
  });

  describe('live registry', () => {
    it('offers and runs a tool added to the registry after createAgent, and forgets a removed one', async () => {
      const registry = new ToolRegistry([
        tool({ name: 'read_file', readOnly: true }, (args) => `contents of ${String(args.path)}`),
      ]);
      const agent = agentWith({ registry });
      loop.script = toolScript([{ name: 'get_weather', arguments: { city: 'Paris' } }]);
      const before = await agent.chat([{ role: 'user', content: 'weather in Paris?' }]);
      expect(before.selectedTools).toEqual(['read_file']);
      expect(before.toolResults).toMatchObject([{ ok: false, error: { code: 'TOOL_NOT_FOUND' } }]);

      registry.add(
        tool({ name: 'get_weather', description: 'weather for a city' }, (args) => `sunny in ${args.city}`),
      );
      const after = await agent.chat([{ role: 'user', content: 'weather in Paris?' }]);
      expect(after.selectedTools).toEqual(['read_file', 'get_weather']);
      expect(after.toolResults).toMatchObject([{ name: 'get_weather', ok: true, output: 'sunny in Paris' }]);

      registry.remove('get_weather');
      const removed = await agent.chat([{ role: 'user', content: 'weather in Paris?' }]);
      expect(removed.selectedTools).toEqual(['read_file']);
      expect(removed.toolResults).toMatchObject([{ ok: false, error: { code: 'TOOL_NOT_FOUND' } }]);
    });

    it('starts selecting once the registry holds more than minTools tools', async () => {
      const registry = new ToolRegistry();
      const agent = agentWith({ registry, toolSelection: { minTools: 3, k: 1 } });
      const none = await agent.chat([{ role: 'user', content: 'hello' }]);
      expect(none.selectedTools).toEqual([]);
      expect(none.path).toBe('full');
      registry.add(
        Array.from({ length: 6 }, (_, index) =>
          tool({ name: `tool_${index}`, description: `unrelated ${index}` }, () => 'x'),
        ),
      );
      registry.add(tool({ name: 'get_weather', description: 'weather for a city' }, () => 'sunny'));
      const selected = await agent.chat([{ role: 'user', content: 'weather in Paris?' }]);
      expect(selected.selectedTools).toHaveLength(3);
      expect(selected.selectedTools[0]).toBe('get_weather');
      expect(agent.built()).toContain('selector');
    });

    it('refuses tools and registry together, and a registry that is not one', () => {
      const provider = createOpenAICompatibleProvider({ baseURL: loop.server.baseURL });
      expect(() => createAgent({ provider, model: 'm', tools: [], registry: new ToolRegistry() })).toThrow(
        /config\.registry: give either tools or registry/,
      );
      expect(() => createAgent({ provider, model: 'm', registry: {} as unknown as ToolRegistry })).toThrow(
        /config\.registry: must be a ToolRegistry/,
      );
    });
  });

  describe('response cache', () => {
    it('serves a repeated deterministic request from the cache, and never across tenants', async () => {
      const cache = new MemoryCache<unknown>({ name: 'response' });
      const agent = agentWith({ responseCache: { cache }, temperature: 0 });
      const history: Message[] = [{ role: 'user', content: 'cache me' }];
      const before = loop.server.requestCount;
      const first = await agent.chat(history, { tenantId: 'tenant-a' });
      const again = await agent.chat(history, { tenantId: 'tenant-a' });
      expect(first.cached).toBe(false);
      expect(again.cached).toBe(true);
      expect(again.text).toBe(first.text);
      expect(loop.server.requestCount - before).toBe(1);
      const other = await agent.chat(history, { tenantId: 'tenant-b' });
      expect(other.cached).toBe(false);
      expect(loop.server.requestCount - before).toBe(2);
    });

    it('does not cache a turn in which a tool with side effects ran', async () => {
      const cache = new MemoryCache<unknown>({ name: 'response' });
      loop.script = toolScript([{ name: 'write_file', arguments: { path: 'a' } }]);
      const agent = agentWith({
        responseCache: { cache },
        temperature: 0,
        tools: [tool({ name: 'write_file' }, () => 'written')],
      });
      const history: Message[] = [{ role: 'user', content: 'write it' }];
      await agent.chat(history);
      const again = await agent.chat(history);
      expect(again.cached).toBe(false);
    });

    it('is not used for requests that are not deterministic', async () => {
      const cache = new MemoryCache<unknown>({ name: 'response' });
      const agent = agentWith({ responseCache: { cache } });
      const history: Message[] = [{ role: 'user', content: 'random' }];
      await agent.chat(history);
      expect((await agent.chat(history)).cached).toBe(false);
    });
  });

  describe('stream', () => {
    it('passes events through as they arrive, runs tools between steps, and updates the history at the end', async () => {
      loop.script = toolScript([{ name: 'read_file', arguments: { path: 'x' } }]);
      const agent = agentWith({ tools: [tool({ name: 'read_file', readOnly: true }, () => 'X')] });
      const events = await collect(agent.stream('read x'));
      const types = events.map((event) => event.type);
      expect(types.indexOf('tool-call-end')).toBeLessThan(types.indexOf('tool-result'));
      expect(types.filter((type) => type === 'step-finish')).toHaveLength(2);
      const finish = events.at(-1);
      expect(finish).toMatchObject({ type: 'turn-finish', result: { text: 'done: X', steps: 2 } });
      expect(
        events
          .filter((event) => event.type === 'text-delta')
          .map((event) => (event as { delta: string }).delta)
          .join(''),
      ).toBe('done: X');
      expect(roles(agent.history())).toEqual(TOOL_TURN_ROLES);
    });

    it('cancels the HTTP request when the consumer stops, and when aborted', async () => {
      loop.server.configure({ chunkGapMs: 10 });
      try {
        loop.script = () => ({ text: 'y'.repeat(300), chunkSize: 1 });
        const agent = agentWith();
        const cancelledBefore = loop.server.cancelledCount;
        let deltas = 0;
        for await (const event of agent.stream('long answer please')) {
          if (event.type === 'text-delta' && ++deltas === 3) break;
        }
        await expect.poll(() => loop.server.cancelledCount).toBe(cancelledBefore + 1);

        const controller = new AbortController();
        const run = async () => {
          for await (const event of agent.stream('again', { abortSignal: controller.signal })) {
            if (event.type === 'text-delta') controller.abort();
          }
        };
        await expect(run()).rejects.toMatchObject({ code: 'ABORTED' });
        await expect.poll(() => loop.server.cancelledCount).toBe(cancelledBefore + 2);
      } finally {
        loop.server.configure({ chunkGapMs: 0 });
      }
    });
  });

  describe('close', () => {
    it('refuses turns after close', async () => {
      const agent = agentWith();
      await agent.close();
      await expect(agent.chat('x')).rejects.toMatchObject({ code: 'AGENT_CLOSED', name: 'AgentClosedError' });
      await expect(collect(agent.stream('x'))).rejects.toMatchObject({ code: 'AGENT_CLOSED' });
    });

    it('aborts a turn waiting for the model, and cancels its request', async () => {
      loop.server.configure({ latencyMs: 10_000 });
      try {
        const agent = agentWith();
        const requestsBefore = loop.server.requestCount;
        const cancelledBefore = loop.server.cancelledCount;
        const outcome = agent.chat('a slow question').catch((error: unknown) => error);
        await expect.poll(() => loop.server.requestCount).toBe(requestsBefore + 1);
        await agent.close();
        expect(await outcome).toMatchObject({ code: 'ABORTED', message: expect.stringMatching(/closed/) });
        await expect.poll(() => loop.server.cancelledCount).toBe(cancelledBefore + 1);
        expect(agent.history()).toEqual([]);
      } finally {
        loop.server.configure({ latencyMs: 0 });
      }
    });

    it("aborts a running tool through its signal, the caller's own signal still counting", async () => {
      loop.script = toolScript([{ name: 'wait', arguments: {} }]);
      let toolSignal: AbortSignal | undefined;
      let started!: () => void;
      const running = new Promise<void>((resolve) => {
        started = resolve;
      });
      const agent = agentWith({
        tools: [
          tool(
            { name: 'wait' },
            (_args, context) =>
              new Promise((_resolve, reject) => {
                toolSignal = context.abortSignal;
                context.abortSignal?.addEventListener('abort', () => reject(context.abortSignal?.reason));
                started();
              }),
          ),
        ],
      });
      const own = new AbortController();
      const outcome = agent.chat('wait for it', { abortSignal: own.signal }).catch((error: unknown) => error);
      await running;
      expect(toolSignal?.aborted).toBe(false);
      await agent.close();
      expect(toolSignal?.aborted).toBe(true);
      expect(own.signal.aborted).toBe(false);
      expect(await outcome).toMatchObject({ code: 'ABORTED' });
      expect(agent.history()).toEqual([]);
    });

    it('leaves no listener on its close signal once turns are done, however many ran at once', async () => {
      const signals = new Set<AbortSignal>();
      const agent = agentWith({ provider: signalRecordingProvider(signals) });
      await Promise.all(Array.from({ length: 40 }, (_, index) => agent.chat(`question ${index}`)));
      await Promise.all(Array.from({ length: 20 }, (_, index) => collect(agent.stream(`stream ${index}`))));
      // Turns without a signal of their own all get the agent's close signal itself.
      expect(signals.size).toBe(1);
      const [closeSignal] = [...signals];
      // undici lets go of a request's listener once its body has closed, a tick after the answer.
      await expect.poll(() => getEventListeners(closeSignal!, 'abort').length).toBe(0);
      // Turns with a signal of their own get a combination, undone when they end, read or not.
      const own = Array.from({ length: 30 }, () => new AbortController().signal);
      await Promise.all(
        own.slice(0, 20).map((signal, index) => agent.chat(`q${index}`, { abortSignal: signal })),
      );
      await Promise.all(
        own.slice(20).map((signal, index) => collect(agent.stream(`s${index}`, { abortSignal: signal }))),
      );
      agent.stream('never read', { abortSignal: new AbortController().signal });
      expect(signals.size).toBe(31);
      await expect.poll(() => getEventListeners(closeSignal!, 'abort').length).toBe(0);
      for (const signal of own) expect(getEventListeners(signal, 'abort')).toHaveLength(0);
    });

    it('gives tools a signal of their step: a listener a tool forgets does not stay on the agent, nor the step on it', async () => {
      loop.script = toolScript([{ name: 'leaky', arguments: {} }]);
      const requestSignals = new Set<AbortSignal>();
      const toolSignals: AbortSignal[] = [];
      const agent = agentWith({
        provider: signalRecordingProvider(requestSignals),
        tools: [
          tool({ name: 'leaky' }, (_args, context) => {
            toolSignals.push(context.abortSignal!);
            context.abortSignal!.addEventListener('abort', () => {});
            return 'ok';
          }),
        ],
      });
      await agent.chat('go');
      const [closeSignal] = [...requestSignals];
      // Keep every listener given to the agent's signal, as a removed entry may stay reachable until the
      // garbage collector visits it: a finished step must not be reachable through one.
      const kept: Array<() => void> = [];
      type Listener = Parameters<AbortSignal['addEventListener']>[1];
      closeSignal!.addEventListener = function (
        this: AbortSignal,
        type: string,
        listener: Listener,
        options,
      ) {
        kept.push(listener as () => void);
        EventTarget.prototype.addEventListener.call(this, type, listener, options);
      } as AbortSignal['addEventListener'];
      await agent.chat('again');
      expect(toolSignals).toHaveLength(2);
      expect(toolSignals[0]).not.toBe(toolSignals[1]);
      expect(kept.length).toBeGreaterThan(0);
      for (const listener of kept) listener();
      expect(toolSignals[1]!.aborted).toBe(false);
      expect(requestSignals.size).toBe(1);
      expect(toolSignals).not.toContain(closeSignal);
      // undici lets go of the last request's listener once its body has closed, a tick after the answer.
      await expect.poll(() => getEventListeners(closeSignal!, 'abort').length).toBe(0);
    });

    it('treats a null abortSignal as none, and refuses one that is not an AbortSignal, naming it', async () => {
      loop.script = () => ({ text: 'fine' });
      const agent = agentWith();
      expect((await agent.chat('x', { abortSignal: null as unknown as AbortSignal })).text).toBe('fine');
      await expect(agent.chat('x', { abortSignal: 'soon' as unknown as AbortSignal })).rejects.toMatchObject({
        code: 'INVALID_ARGUMENTS',
        message: 'abortSignal must be an AbortSignal, got "soon"',
      });
      await expect(
        collect(agent.stream('x', { abortSignal: {} as unknown as AbortSignal })),
      ).rejects.toMatchObject({ code: 'INVALID_ARGUMENTS' });
    });

    it('ends a running stream with an ABORTED error', async () => {
      loop.server.configure({ chunkGapMs: 20 });
      try {
        loop.script = () => ({ text: 'z'.repeat(200), chunkSize: 1 });
        const agent = agentWith();
        const seen: string[] = [];
        const run = async () => {
          for await (const event of agent.stream('a long answer')) {
            seen.push(event.type);
            if (event.type === 'text-delta' && seen.filter((type) => type === 'text-delta').length === 2) {
              void agent.close();
            }
          }
        };
        await expect(run()).rejects.toMatchObject({ code: 'ABORTED' });
        expect(seen.filter((type) => type === 'text-delta').length).toBeLessThan(200);
      } finally {
        loop.server.configure({ chunkGapMs: 0 });
      }
    });
  });
});

describe('createAgent, history and edge cases', () => {
  const answering = (answer: (request: import('@victor-ai/core').ChatRequest) => string) => {
    const requests: import('@victor-ai/core').ChatRequest[] = [];
    const provider: import('@victor-ai/core').Provider = {
      id: 'spy',
      async chat(request) {
        requests.push(request);
        return textResponse(answer(request));
      },
      stream() {
        throw new Error('not used');
      },
      close: async () => {},
    };
    return { provider, requests };
  };

  it('never sends the stored history array itself, so a kept request does not change later', async () => {
    const { provider, requests } = answering(() => 'ok');
    const agent = createAgent({ provider, model: 'm' });
    await agent.chat('one');
    await agent.chat('two');
    expect(requests[0]!.messages.map((message) => message.content)).toEqual(['one']);
    expect(requests[0]!.messages).not.toBe(agent.history());
  });

  it('leaves the history unchanged when a turn fails', async () => {
    let fail = true;
    const { provider } = answering(() => {
      if (fail) throw new Error('provider down');
      return 'fine';
    });
    const agent = createAgent({ provider, model: 'm' });
    await expect(agent.chat('first')).rejects.toThrow('provider down');
    expect(agent.history()).toEqual([]);
    fail = false;
    await agent.chat('second');
    expect(agent.history().map((message) => message.content)).toEqual(['second', 'fine']);
  });

  it('runs the turns of one conversation one after the other', async () => {
    const { provider, requests } = answering((request) => `answer to ${request.messages.at(-1)!.content}`);
    const agent = createAgent({ provider, model: 'm' });
    await Promise.all([agent.chat('q1'), agent.chat('q2')]);
    expect(agent.history().map((message) => message.content)).toEqual([
      'q1',
      'answer to q1',
      'q2',
      'answer to q2',
    ]);
    expect(requests[1]!.messages.map((message) => message.content)).toEqual(['q1', 'answer to q1', 'q2']);
  });

  it('does not store tool calls that never ran when maxSteps stops the turn', async () => {
    loop.script = (request) =>
      lastWire(request).role === 'user' && lastWire(request).content === 'then?'
        ? { text: 'fine' }
        : { toolCalls: [{ name: 'ping', arguments: {} }], text: 'calling' };
    const agent = agentWith({ tools: [tool({ name: 'ping', readOnly: true }, () => 'pong')], maxSteps: 1 });
    const first = await agent.chat('loop');
    expect(first.maxStepsReached).toBe(true);
    await agent.chat('then?');
    const sent = wireMessages(loop.server.requests.at(-1)!) as Array<WireMessage & { tool_calls?: unknown }>;
    expect(sent.some((message) => message.tool_calls !== undefined)).toBe(false);
  });

  it('passes toolSelection.cacheSize to the selector (0: every selection computed)', async () => {
    const many = Array.from({ length: 20 }, (_, index) =>
      tool({ name: `tool_${index}`, description: `unrelated ${index}` }, () => 'x'),
    );
    const selectionLookups = (cacheSize: number | undefined) => {
      const counts: Record<string, number> = {};
      const metrics = {
        increment(name: string, labels?: Readonly<Record<string, string>>) {
          if (name === 'victor_tool_selection_cache_total') {
            counts[labels!.cache!] = (counts[labels!.cache!] ?? 0) + 1;
          }
        },
        gauge() {},
        observe() {},
      };
      return {
        agent: agentWith({
          tools: many,
          metrics,
          toolSelection: cacheSize === undefined ? { k: 3 } : { k: 3, cacheSize },
        }),
        counts,
      };
    };
    const off = selectionLookups(0);
    const on = selectionLookups(undefined);
    for (const { agent } of [off, on]) {
      await agent.chat([{ role: 'user', content: 'unrelated 3' }]);
      await agent.chat([{ role: 'user', content: 'unrelated 3' }]);
    }
    expect(off.counts).toEqual({});
    expect(on.counts).toEqual({ miss: 1, hit: 1 });
    expect(() =>
      createAgent({
        provider: createOpenAICompatibleProvider({ baseURL: loop.server.baseURL }),
        model: 'm',
        toolSelection: { cacheSize: -1 },
      }),
    ).toThrow(/config\.toolSelection\.cacheSize/);
  });

  it('offers the tool a named toolChoice asks for, even when selection would drop it', async () => {
    const many = Array.from({ length: 30 }, (_, index) =>
      tool({ name: `tool_${index}`, description: `unrelated ${index}` }, () => 'x'),
    );
    many.push(tool({ name: 'weather', description: 'weather forecast for a city' }, () => 'sunny'));
    const agent = agentWith({ tools: many, toolSelection: { k: 3 } });
    const result = await agent.chat([{ role: 'user', content: 'weather in Paris' }], {
      toolChoice: { type: 'tool', name: 'tool_7' },
    });
    expect(result.selectedTools).toContain('tool_7');
  });

  it('selects tools with a hybrid strategy through the embedder', async () => {
    const { createDeterministicEmbedder } = await import('@victor-ai/tool-selection/testing');
    const many = Array.from({ length: 20 }, (_, index) =>
      tool({ name: `tool_${index}`, description: `unrelated ${index}` }, () => 'x'),
    );
    many.push(tool({ name: 'weather', description: 'weather forecast for a city' }, () => 'sunny'));
    const agent = agentWith({
      tools: many,
      toolSelection: { strategy: 'hybrid', embedder: createDeterministicEmbedder(), k: 3 },
    });
    const result = await agent.chat([{ role: 'user', content: 'weather forecast in Paris' }]);
    expect(result.selectedTools[0]).toBe('weather');
  });

  it('answers when the response cache fails to read', async () => {
    const broken = new MemoryCache<unknown>({ name: 'response' });
    broken.get = () => Promise.reject(new Error('redis down'));
    const agent = agentWith({ responseCache: { cache: broken }, temperature: 0 });
    const result = await agent.chat([{ role: 'user', content: 'still works' }]);
    expect(result.text).toBe('You said: still works');
  });

  it('refuses provider and providers together, and hybrid selection without an embedder', () => {
    const provider = createOpenAICompatibleProvider({ baseURL: loop.server.baseURL });
    expect(() => createAgent({ provider, providers: { b: provider }, model: 'm' })).toThrow(
      /config\.providers: give either/,
    );
    expect(() => createAgent({ provider, model: 'm', toolSelection: { strategy: 'hybrid' } })).toThrow(
      /config\.toolSelection\.embedder/,
    );
    void provider.close();
  });

  it('passes a mid-stream error on as the last event and stores nothing', async () => {
    loop.script = () => ({ kind: 'malformed', afterChunks: 2, reply: { text: 'abcdef', chunkSize: 2 } });
    const agent = agentWith();
    const events = await collect(agent.stream('break please'));
    expect(events.at(-1)).toMatchObject({ type: 'error', error: { code: 'INVALID_RESPONSE' } });
    expect(agent.history()).toEqual([]);
  });

  it('does not count the consumer’s time as provider time', async () => {
    let now = 0;
    const clock = { now: () => now, epochMs: () => now };
    const agent = agentWith({ clock });
    for await (const event of agent.stream('hello there')) {
      if (event.type === 'text-delta') now += 1_000; // the consumer is slow
      if (event.type === 'turn-finish') {
        expect(event.result.timing.providerMs).toBe(0);
        expect(event.result.timing.totalMs).toBeGreaterThan(0);
      }
    }
  });
});

describe('createAgent, tool-result cache', () => {
  it('marks results the cache answered, and a write invalidates them', async () => {
    let reads = 0;
    const files: Record<string, string> = { 'a.ts': 'v1' };
    const read = tool({ name: 'read_file', readOnly: true }, (args) => {
      reads++;
      return files[String(args.path)];
    });
    const write = tool({ name: 'write_file' }, (args) => {
      files[String(args.path)] = String(args.content);
      return 'ok';
    });
    const agent = agentWith({
      tools: [read, write],
      toolResultCache: { cache: new MemoryCache<unknown>({ name: 'tool-result' }) },
      workspaceRoot: '/ws',
    });
    loop.script = toolScript([{ name: 'read_file', arguments: { path: 'a.ts' } }]);
    const first = await agent.chat([{ role: 'user', content: 'read a' }]);
    const second = await agent.chat([{ role: 'user', content: 'read a again' }]);
    expect(first.toolResults[0]).not.toHaveProperty('cached');
    expect(second.toolResults[0]).toMatchObject({ ok: true, output: 'v1', cached: true });
    expect(reads).toBe(1);
    loop.script = toolScript([{ name: 'write_file', arguments: { path: 'a.ts', content: 'v2' } }]);
    await agent.chat([{ role: 'user', content: 'write a' }]);
    loop.script = toolScript([{ name: 'read_file', arguments: { path: 'a.ts' } }]);
    const third = await agent.chat([{ role: 'user', content: 'read a once more' }]);
    expect(third.toolResults[0]).toMatchObject({ ok: true, output: 'v2' });
    expect(reads).toBe(2);
  });
});
