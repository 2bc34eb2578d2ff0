import { existsSync, mkdtempSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { MemoryCache } from '@victor-ai/cache';
import { type Agent, createAgent } from '@victor-ai/coordinators';
import type { ToolMiddleware } from '@victor-ai/core';
import { createValidationMiddleware } from '@victor-ai/middleware';
import { createOpenAICompatibleProvider } from '@victor-ai/provider-pool';
import {
  createLoopbackServer,
  type LoopbackReply,
  type LoopbackRequest,
  type LoopbackServer,
} from '@victor-ai/provider-pool/testing';
import { afterAll, beforeAll, beforeEach, describe, expect, it, vi } from 'vitest';
import { connectMcpServers, type McpToolSource } from './connect-mcp-servers.js';

const require = createRequire(import.meta.url);
const FILESYSTEM = require.resolve('@modelcontextprotocol/server-filesystem/dist/index.js');
const TEST_SERVER = new URL('./__fixtures__/test-server.mjs', import.meta.url).pathname;

let model: LoopbackServer;
let script: ((request: LoopbackRequest) => LoopbackReply | undefined) | undefined;
let root: string;
// Two sources for the whole file: starting a server costs seconds on a busy machine.
let shared: McpToolSource;
let approving: McpToolSource;
const asked: string[] = [];
const agents: Agent[] = [];

beforeAll(async () => {
  model = await createLoopbackServer({ reply: (request) => script?.(request) });
  root = mkdtempSync(join(tmpdir(), 'victor-mcp-agent-'));
  writeFileSync(join(root, 'notes.txt'), 'first version\n');
  [shared, approving] = await Promise.all([
    connectMcpServers([
      { name: 'files', command: process.execPath, args: [FILESYSTEM, root] },
      { name: 't', command: process.execPath, args: [TEST_SERVER] },
    ]),
    connectMcpServers([{ name: 't', command: process.execPath, args: [TEST_SERVER] }], {
      approveDestructive: (call) => {
        asked.push(call.name);
        return true;
      },
    }),
  ]);
}, 60_000);
afterAll(async () => {
  await Promise.all(agents.map((agent) => agent.close()));
  await Promise.all([shared.close(), approving.close(), model.close()]);
});
beforeEach(() => {
  script = undefined;
});

type WireMessage = { role: string; content?: string };
const wire = (request: LoopbackRequest) => request.body.messages as WireMessage[];

/** Calls the tools on the first step, then answers with the tool messages it got. */
function callTools(...calls: Array<{ name: string; arguments: Record<string, unknown> }>) {
  return (request: LoopbackRequest): LoopbackReply => {
    if (wire(request).at(-1)?.role === 'tool') {
      const outputs = wire(request)
        .filter((message) => message.role === 'tool')
        .map((message) => message.content);
      return { text: `done: ${outputs.join(' | ')}` };
    }
    return { toolCalls: calls.map((call, index) => ({ id: `call_${index}`, ...call })) };
  };
}

const noWrites: ToolMiddleware = {
  name: 'no-writes',
  before: (call) =>
    call.name === 'files__write_file'
      ? { type: 'block', code: 'NO_WRITES', reason: 'writes are off here' }
      : undefined,
};

function agentOver(
  source: McpToolSource,
  options: { toolTimeoutMs?: number; middleware?: boolean } = {},
): Agent {
  const agent = createAgent({
    provider: createOpenAICompatibleProvider({ baseURL: model.baseURL }),
    model: 'loopback-1',
    tools: source.tools(),
    ...(options.middleware === false
      ? {}
      : { middleware: [noWrites, createValidationMiddleware(), ...source.middleware] }),
    toolResultCache: { cache: new MemoryCache({ name: 'mcp-test' }) },
    toolSelection: { enabled: false },
    ...(options.toolTimeoutMs !== undefined ? { toolTimeoutMs: options.toolTimeoutMs } : {}),
  });
  agents.push(agent);
  return agent;
}

const cancelledOn = async (source: McpToolSource): Promise<number> =>
  (
    JSON.parse((await source.registry.get('t__pid')!.tool!.execute({}, {})) as string) as {
      cancelled: number;
    }
  ).cancelled;

describe('MCP tools in createAgent', () => {
  it('runs calls through the middleware chain: a blocked call never reaches the server', async () => {
    const agent = agentOver(shared);
    const target = join(root, 'written.txt');
    script = callTools({ name: 'files__write_file', arguments: { path: target, content: 'x' } });
    const result = await agent.chat('write a file');
    expect(result.toolResults[0]).toMatchObject({
      ok: false,
      error: { code: 'NO_WRITES', middleware: 'no-writes' },
    });
    expect(existsSync(target)).toBe(false);
  });

  it('validates arguments against a JSON Schema 2020-12 input schema before the server sees them', async () => {
    const agent = agentOver(shared);
    script = callTools({ name: 't__modern_schema', arguments: { n: 'seven' } });
    const rejected = await agent.chat('bad');
    expect(rejected.toolResults[0]).toMatchObject({ ok: false, error: { code: 'INVALID_ARGUMENTS' } });
    script = callTools({ name: 't__modern_schema', arguments: { n: 7 } });
    const accepted = await agent.chat('good');
    expect(accepted.toolResults[0]).toMatchObject({ ok: true, output: 'n=7' });
  });

  it('serves a repeated read-only call from the tool-result cache', async () => {
    const agent = agentOver(shared);
    const path = join(root, 'notes.txt');
    script = callTools({ name: 'files__read_text_file', arguments: { path } });
    const first = await agent.chat('read it');
    expect(first.toolResults[0]).toMatchObject({ ok: true });
    expect(first.toolResults[0]!.ok && first.toolResults[0]!.cached).toBeFalsy();
    // Changed behind the cache's back: a second read served by the server would see it.
    writeFileSync(path, 'second version\n');
    const second = await agent.chat('read it again');
    expect(second.toolResults[0]).toMatchObject({ ok: true, cached: true });
    expect(JSON.stringify(second.toolResults[0])).toContain('first version');
  });

  it('gives the model an isError result as a failed tool message it can read', async () => {
    const agent = agentOver(shared);
    script = callTools({ name: 't__fail', arguments: {} });
    const result = await agent.chat('look up invoice 42');
    expect(result.toolResults[0]).toMatchObject({
      ok: false,
      error: { code: 'TOOL_FAILED', message: 'the invoice 42 does not exist' },
    });
    expect(result.text).toContain('error TOOL_FAILED: the invoice 42 does not exist');
  });

  it('refuses a destructive tool without approval, and asks approveDestructive when given', async () => {
    script = callTools({ name: 't__delete_everything', arguments: {} });
    const blocked = await agentOver(shared).chat('delete');
    expect(blocked.toolResults[0]).toMatchObject({
      ok: false,
      error: { code: 'APPROVAL_DENIED', middleware: 'mcp-destructive-approval' },
    });
    expect(asked).toEqual([]);
    const approved = await agentOver(approving).chat('delete');
    expect(approved.toolResults[0]).toMatchObject({ ok: true, output: 'deleted everything' });
    expect(asked).toEqual(['t__delete_everything']);
  });

  it('fails a destructive tool closed when the source middleware is left out', async () => {
    script = callTools({ name: 't__delete_everything', arguments: {} });
    const result = await agentOver(approving, { middleware: false }).chat('delete');
    expect(result.toolResults[0]).toMatchObject({ ok: false, error: { code: 'TOOL_FAILED' } });
    expect(result.toolResults[0]!.ok === false && result.toolResults[0]!.error.message).toContain(
      'runs only after approval',
    );
  });

  it("stops a hanging call at the agent's tool timeout and cancels it on the server", async () => {
    const agent = agentOver(shared, { toolTimeoutMs: 100 });
    const before = await cancelledOn(shared);
    script = callTools({ name: 't__hang', arguments: {} });
    const result = await agent.chat('hang');
    expect(result.toolResults[0]).toMatchObject({ ok: false, error: { code: 'TIMEOUT' } });
    expect(await cancelledOn(shared)).toBe(before + 1);
  });
});

describe('MCP tools in createAgent, through the live registry', () => {
  it('offers and runs a tool the server adds (list_changed) after the agent was created', async () => {
    const agent = createAgent({
      provider: createOpenAICompatibleProvider({ baseURL: model.baseURL }),
      model: 'loopback-1',
      registry: shared.registry,
      middleware: [createValidationMiddleware(), ...shared.middleware],
    });
    agents.push(agent);
    const offered = (request: LoopbackRequest) =>
      ((request.body.tools ?? []) as Array<{ function: { name: string } }>).map(
        (entry) => entry.function.name,
      );
    const seenOffers: string[][] = [];
    const call = callTools({ name: 't__fresh_weather_report', arguments: {} });
    script = (request) => {
      if (wire(request).at(-1)?.role !== 'tool') seenOffers.push(offered(request));
      return call(request);
    };
    const before = await agent.chat('give me the fresh weather report');
    expect(before.selectedTools).not.toContain('t__fresh_weather_report');
    expect(before.toolResults[0]).toMatchObject({ ok: false, error: { code: 'TOOL_NOT_FOUND' } });

    await shared.registry.get('t__add_tool')!.tool!.execute({ name: 'fresh_weather_report' }, {});
    // The server's list_changed reaches the registry asynchronously (a tools/list round trip).
    await vi.waitFor(() => expect(shared.registry.has('t__fresh_weather_report')).toBe(true), {
      timeout: 10_000,
    });
    const after = await agent.chat('give me the fresh weather report');
    // Sticky selection (the agent's default in a conversation) keeps the tools offered before and appends
    // the new one, so it need not come first.
    expect(after.selectedTools).toContain('t__fresh_weather_report');
    expect(seenOffers.at(-1)).toContain('t__fresh_weather_report');
    expect(after.toolResults[0]).toMatchObject({
      name: 't__fresh_weather_report',
      ok: true,
      output: 'fresh_weather_report ran with {}',
    });
  });
});
