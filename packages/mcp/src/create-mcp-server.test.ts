import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import { InMemoryTransport } from '@modelcontextprotocol/sdk/inMemory.js';
import { type CallToolResult, ToolListChangedNotificationSchema } from '@modelcontextprotocol/sdk/types.js';
import { MemoryCache } from '@victor-ai/cache';
import type { Tool, ToolMiddleware } from '@victor-ai/core';
import { ToolRegistry } from '@victor-ai/tool-selection';
import { afterEach, describe, expect, it } from 'vitest';
import { connectMcpServers } from './connect-mcp-servers.js';
import { createMcpServer, type VictorMcpServer } from './create-mcp-server.js';

const TEST_SERVER = new URL('./__fixtures__/test-server.mjs', import.meta.url).pathname;
const cleanups: Array<() => Promise<void>> = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

function localTools(calls: string[]): Tool[] {
  return [
    {
      definition: {
        name: 'get_weather',
        description: 'Current weather conditions for a city.',
        parameters: { type: 'object', properties: { city: { type: 'string' } }, required: ['city'] },
        readOnly: true,
      },
      execute: ({ city }) => {
        calls.push(`weather:${city}`);
        return { city, sky: 'clear', celsius: 21 };
      },
    },
    {
      definition: {
        name: 'send_email',
        description: 'Send an email message to a recipient.',
        parameters: { type: 'object', properties: { to: { type: 'string' }, body: { type: 'string' } } },
      },
      execute: ({ to }) => {
        calls.push(`email:${to}`);
        return `sent to ${to}`;
      },
    },
    {
      definition: {
        name: 'create_invoice',
        description: 'Create an invoice for a customer and an amount.',
        parameters: {
          type: 'object',
          properties: { customer: { type: 'string' }, amount: { type: 'number' } },
        },
      },
      execute: () => 'invoice 7',
    },
  ];
}

const blockEmail: ToolMiddleware = {
  name: 'no-email',
  before: (call) =>
    call.name === 'send_email' ? { type: 'block', code: 'NO_EMAIL', reason: 'email is off' } : undefined,
};

async function inMemoryClient(server: VictorMcpServer): Promise<Client> {
  const [clientSide, serverSide] = InMemoryTransport.createLinkedPair();
  await server.connect(serverSide);
  const client = new Client({ name: 'test-client', version: '1.0.0' });
  await client.connect(clientSide);
  cleanups.push(() => client.close());
  return client;
}

const text = (result: unknown) => ((result as CallToolResult).content[0] as { text: string }).text;

describe('createMcpServer', () => {
  describe('all tools', () => {
    it('lists the registry with annotations and runs calls through the middleware chain', async () => {
      const calls: string[] = [];
      const registry = new ToolRegistry(localTools(calls));
      const server = createMcpServer({ registry, middleware: [blockEmail] });
      cleanups.push(() => server.close());
      const client = await inMemoryClient(server);

      const { tools } = await client.listTools();
      expect(tools.map((tool) => tool.name)).toEqual(['get_weather', 'send_email', 'create_invoice']);
      expect(tools[0]!.annotations).toEqual({ readOnlyHint: true });
      expect(tools[0]!.inputSchema.required).toEqual(['city']);

      const weather = await client.callTool({ name: 'get_weather', arguments: { city: 'Lisbon' } });
      expect(weather.structuredContent).toEqual({ city: 'Lisbon', sky: 'clear', celsius: 21 });
      const blocked = await client.callTool({ name: 'send_email', arguments: { to: 'a@b.c' } });
      expect(blocked.isError).toBe(true);
      expect(text(blocked)).toBe('error NO_EMAIL: email is off');
      expect(calls).toEqual(['weather:Lisbon']);
      const missing = await client.callTool({ name: 'nope', arguments: {} });
      expect(missing.isError).toBe(true);
      expect(text(missing)).toContain('TOOL_NOT_FOUND');
    });

    it('tells clients when the registry changes (list_changed)', async () => {
      const registry = new ToolRegistry(localTools([]));
      const server = createMcpServer({ registry });
      cleanups.push(() => server.close());
      const client = await inMemoryClient(server);
      const notified = new Promise<void>((resolve) =>
        client.setNotificationHandler(ToolListChangedNotificationSchema, () => resolve()),
      );
      registry.remove('send_email');
      await notified;
      expect((await client.listTools()).tools.map((tool) => tool.name)).toEqual([
        'get_weather',
        'create_invoice',
      ]);
    });
  });

  describe('tool-search mode', () => {
    it('over Streamable HTTP: two tools, search ranked by Victor selection, calls through middleware and cache', async () => {
      const calls: string[] = [];
      const registry = new ToolRegistry(localTools(calls));
      const server = createMcpServer({
        registry,
        mode: 'tool-search',
        middleware: [blockEmail],
        toolResultCache: { cache: new MemoryCache({ name: 'mcp-server-test' }) },
      });
      const endpoint = await server.listen({ port: 0 });
      cleanups.push(() => server.close());
      cleanups.push(() => endpoint.close());
      expect(endpoint.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/mcp$/);
      const client = new Client({ name: 'test-client', version: '1.0.0' });
      await client.connect(new StreamableHTTPClientTransport(new URL(endpoint.url)));
      cleanups.push(() => client.close());

      const { tools } = await client.listTools();
      expect(tools.map((tool) => tool.name)).toEqual(['search_tools', 'call_tool']);
      const found = await client.callTool({
        name: 'search_tools',
        arguments: { query: 'weather in Lisbon', k: 2 },
      });
      const hits = (found.structuredContent as { tools: Array<{ name: string; inputSchema: unknown }> })
        .tools;
      expect(hits[0]!.name).toBe('get_weather');
      expect(hits[0]!.inputSchema).toMatchObject({ required: ['city'] });
      expect(hits.length).toBeLessThanOrEqual(2);

      const call = { name: 'call_tool', arguments: { name: 'get_weather', arguments: { city: 'Porto' } } };
      expect((await client.callTool(call)).structuredContent).toMatchObject({ city: 'Porto' });
      await client.callTool(call);
      // The second call came from the tool-result cache.
      expect(calls).toEqual(['weather:Porto']);
      const blocked = await client.callTool({
        name: 'call_tool',
        arguments: { name: 'send_email', arguments: {} },
      });
      expect(text(blocked)).toBe('error NO_EMAIL: email is off');
      const direct = await client.callTool({ name: 'get_weather', arguments: { city: 'Faro' } });
      expect(direct.isError).toBe(true);
      expect(text(direct)).toContain('use search_tools and call_tool');
    });

    it('aggregates upstream MCP servers and forwards their list_changed', async () => {
      const source = await connectMcpServers([
        { name: 'up', command: process.execPath, args: [TEST_SERVER, '--tools', '40'] },
      ]);
      cleanups.push(() => source.close());
      const server = createMcpServer({
        registry: source.registry,
        mode: 'tool-search',
        middleware: source.middleware,
      });
      cleanups.push(() => server.close());
      const client = await inMemoryClient(server);

      const found = await client.callTool({
        name: 'search_tools',
        arguments: { query: 'echo the text back', k: 3 },
      });
      expect((found.structuredContent as { tools: Array<{ name: string }> }).tools[0]!.name).toBe('up__echo');
      const echoed = await client.callTool({
        name: 'call_tool',
        arguments: { name: 'up__echo', arguments: { text: 'through two hops' } },
      });
      expect(text(echoed)).toBe('through two hops');
      const destructive = await client.callTool({
        name: 'call_tool',
        arguments: { name: 'up__delete_everything' },
      });
      expect(text(destructive)).toContain('APPROVAL_DENIED');

      const notified = new Promise<void>((resolve) =>
        client.setNotificationHandler(ToolListChangedNotificationSchema, () => resolve()),
      );
      await client.callTool({
        name: 'call_tool',
        arguments: { name: 'up__add_tool', arguments: { name: 'zebra_tool' } },
      });
      await notified;
      const again = await client.callTool({ name: 'search_tools', arguments: { query: 'zebra tool', k: 1 } });
      expect((again.structuredContent as { tools: Array<{ name: string }> }).tools[0]!.name).toBe(
        'up__zebra_tool',
      );
    });
  });

  it('names the bad option', () => {
    expect(() => createMcpServer({ registry: {} as ToolRegistry })).toThrow(
      'registry must be a ToolRegistry',
    );
    expect(() => createMcpServer({ registry: new ToolRegistry(), mode: 'some' as 'all' })).toThrow(
      'mode must be "all" or "tool-search", got "some"',
    );
  });
});
