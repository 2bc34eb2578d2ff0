import { createAgent } from '@victor-ai/coordinators';
import { createOpenAICompatibleProvider } from '@victor-ai/provider-pool';
import { createLoopbackServer, type LoopbackRequest } from '@victor-ai/provider-pool/testing';
import { ToolSelector } from '@victor-ai/tool-selection';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { connectMcpServers, type McpSourceEvent, type McpToolSource } from './connect-mcp-servers.js';

const TEST_SERVER = new URL('./__fixtures__/test-server.mjs', import.meta.url).pathname;
const SERVERS = 4;
const TOOLS_PER_SERVER = 1_250;
const AREAS = ['billing', 'weather', 'support', 'deploy'];

let source: McpToolSource;
const events: McpSourceEvent[] = [];

beforeAll(async () => {
  source = await connectMcpServers(
    Array.from({ length: SERVERS }, (_, index) => ({
      name: `s${index}`,
      command: process.execPath,
      args: [
        TEST_SERVER,
        '--tools',
        String(TOOLS_PER_SERVER),
        '--page-size',
        '500',
        '--prefix',
        AREAS[index]!,
      ],
    })),
    { onEvent: (event) => events.push(event) },
  );
}, 60_000);
afterAll(async () => {
  await source.close();
});

describe('5,000 tools across MCP servers', () => {
  it('registers every tool of every server under a unique portable name', () => {
    expect(source.failures()).toEqual([]);
    expect(source.registry.size).toBe(SERVERS * (TOOLS_PER_SERVER + 10));
    const names = source.registry.list().map((entry) => entry.definition.name);
    expect(new Set(names).size).toBe(names.length);
    expect(source.registry.has('s3__deploy_tool_1249')).toBe(true);
  });

  it('selects the few tools that fit out of all of them', async () => {
    const selector = new ToolSelector({ registry: source.registry, k: 5 });
    const selection = await selector.select('golden zipper support records');
    expect(selection.tools[0]!.name).toBe('s2__support_tool_1233');
    expect(selection.tools.length).toBe(5);
  });

  it('offers the model only the selected tools and runs the one it calls', async () => {
    const offered: number[] = [];
    const model = await createLoopbackServer({
      reply: (request: LoopbackRequest) => {
        const tools = (request.body.tools ?? []) as Array<{ function: { name: string } }>;
        offered.push(tools.length);
        const messages = request.body.messages as Array<{ role: string; content?: string }>;
        if (messages.at(-1)?.role === 'tool') return { text: `result: ${messages.at(-1)!.content}` };
        return { toolCalls: [{ id: 'call_0', name: tools[0]!.function.name, arguments: { id: 'x1' } }] };
      },
    });
    const agent = createAgent({
      provider: createOpenAICompatibleProvider({ baseURL: model.baseURL }),
      model: 'loopback-1',
      tools: source.tools(),
      middleware: [...source.middleware],
      // minTools is the floor of a selection (12 unless set): 8 here, so that 8 tools are offered.
      toolSelection: { k: 8, minTools: 8 },
    });
    try {
      const result = await agent.chat('show the weather bronze pencil records');
      expect(offered[0]).toBe(8);
      expect(result.selectedTools[0]).toBe('s1__weather_tool_777');
      expect(result.toolResults[0]).toMatchObject({
        ok: true,
        output: 'weather_tool_777 ran with {"id":"x1"}',
      });
    } finally {
      await agent.close();
      await model.close();
    }
  });

  it("refreshes one server's list without touching the other servers' tools", async () => {
    const before = source.registry.list().map((entry) => entry.tool);
    const changed = new Promise<void>((resolve) => {
      const timer = setInterval(() => {
        if (
          events.some((event) => event.type === 'tools-changed' && event.server === 's1' && event.added === 1)
        ) {
          clearInterval(timer);
          resolve();
        }
      }, 5);
    });
    await source.registry.get('s1__add_tool')!.tool!.execute({ name: 'late_arrival' }, {});
    await changed;
    expect(source.registry.size).toBe(SERVERS * (TOOLS_PER_SERVER + 10) + 1);
    const after = new Set(source.registry.list().map((entry) => entry.tool));
    expect(before.every((tool) => after.has(tool))).toBe(true);
    const selector = new ToolSelector({ registry: source.registry, k: 3 });
    expect((await selector.select('late arrival')).tools[0]!.name).toBe('s1__late_arrival');
  });
});
