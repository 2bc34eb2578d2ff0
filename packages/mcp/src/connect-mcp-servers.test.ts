import { getEventListeners } from 'node:events';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { createServer, type Server as HttpServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import { StreamableHTTPServerTransport } from '@modelcontextprotocol/sdk/server/streamableHttp.js';
import { VictorError } from '@victor-ai/core';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { z } from 'zod';
import { connectMcpServers, type McpSourceEvent, type McpToolSource } from './connect-mcp-servers.js';
import { McpServerError } from './errors.js';
import type { McpToolOutput } from './results.js';
import type { McpServerConfig } from './server-connection.js';
import { PORTABLE_TOOL_NAME_PATTERN } from './tool-names.js';

const require = (await import('node:module')).createRequire(import.meta.url);
const FILESYSTEM = require.resolve('@modelcontextprotocol/server-filesystem/dist/index.js');
const MEMORY = require.resolve('@modelcontextprotocol/server-memory/dist/index.js');
const TEST_SERVER = new URL('./__fixtures__/test-server.mjs', import.meta.url).pathname;

const sources: McpToolSource[] = [];
afterEach(async () => {
  await Promise.all(sources.splice(0).map((source) => source.close()));
});

async function connect(
  servers: McpServerConfig[],
  options: Parameters<typeof connectMcpServers>[1] = {},
): Promise<McpToolSource> {
  const source = await connectMcpServers(servers, options);
  sources.push(source);
  return source;
}

const testServer = (name: string, ...args: string[]): McpServerConfig => ({
  name,
  command: process.execPath,
  args: [TEST_SERVER, ...args],
});

/** Resolves with the first event the predicate accepts (events are pushed into `events` by onEvent). */
function eventWaiter() {
  const events: McpSourceEvent[] = [];
  const waiting: Array<{
    test: (event: McpSourceEvent) => boolean;
    resolve: (event: McpSourceEvent) => void;
  }> = [];
  return {
    events,
    onEvent(event: McpSourceEvent) {
      events.push(event);
      for (const waiter of [...waiting]) {
        if (waiter.test(event)) {
          waiting.splice(waiting.indexOf(waiter), 1);
          waiter.resolve(event);
        }
      }
    },
    next(test: (event: McpSourceEvent) => boolean): Promise<McpSourceEvent> {
      return new Promise((resolve) => waiting.push({ test, resolve }));
    },
  };
}

/** The error a promise rejects with (or fails the test when it resolves). */
async function failureOf(promise: Promise<unknown>): Promise<VictorError & Record<string, unknown>> {
  try {
    await promise;
  } catch (error) {
    return error as VictorError & Record<string, unknown>;
  }
  throw new Error('expected a rejection');
}

const run = async (
  source: McpToolSource,
  name: string,
  args: Record<string, unknown> = {},
  signal?: AbortSignal,
): Promise<unknown> => {
  const tool = source.registry.get(name)?.tool;
  if (tool === undefined) throw new Error(`no tool ${name}`);
  return tool.execute(args, signal ? { abortSignal: signal } : {});
};

describe('connectMcpServers', () => {
  describe('real servers over stdio', () => {
    it('lists the filesystem server, maps annotations and results, and reports isError as a readable failure', async () => {
      const root = mkdtempSync(join(tmpdir(), 'victor-mcp-'));
      writeFileSync(join(root, 'notes.txt'), 'hello from disk\n');
      const source = await connect([{ name: 'files', command: process.execPath, args: [FILESYSTEM, root] }]);
      const names = source.registry.list().map((entry) => entry.definition.name);
      expect(names).toContain('files__read_text_file');
      expect(names).toContain('files__write_file');
      for (const name of names) expect(name).toMatch(PORTABLE_TOOL_NAME_PATTERN);
      const read = source.registry.get('files__read_text_file')!.definition;
      expect(read.readOnly).toBe(true);
      expect(read.tags).toContain('read-only');
      const write = source.registry.get('files__write_file')!.definition;
      expect(write.readOnly).toBeUndefined();
      expect(write.tags).toContain('destructive');
      // Accepted as the server sent it (draft-07 here), not converted.
      expect(source.registry.get('files__read_text_file')!.parameters.$schema).toMatch(/draft-07/);

      const output = (await run(source, 'files__read_text_file', {
        path: join(root, 'notes.txt'),
      })) as McpToolOutput;
      expect(output.text).toBe('hello from disk\n');
      const failure = await failureOf(run(source, 'files__read_text_file', { path: '/etc/hostname' }));
      expect(VictorError.isInstance(failure) && failure.code).toBe('TOOL_FAILED');
      expect(failure.message).toMatch(/outside allowed directories/);
    });

    it('calls the memory server', async () => {
      const source = await connect([{ name: 'memory', command: process.execPath, args: [MEMORY] }], {
        allowDestructive: true,
      });
      await run(source, 'memory__create_entities', {
        entities: [{ name: 'Lisbon', entityType: 'city', observations: ['has trams'] }],
      });
      const found = await run(source, 'memory__search_nodes', { query: 'Lisbon' });
      expect(JSON.stringify(found)).toContain('has trams');
    });
  });

  describe('listing', () => {
    it('follows every page of tools/list and makes every name portable', async () => {
      const waiter = eventWaiter();
      const source = await connect([testServer('paged', '--tools', '25', '--page-size', '7')], {
        onEvent: waiter.onEvent,
      });
      expect(source.registry.size).toBe(10 + 25);
      expect(source.registry.has('paged__gen_tool_24')).toBe(true);
      expect(source.registry.has('paged__modern_schema')).toBe(true);
      expect(source.origin('paged__modern_schema')).toEqual({ server: 'paged', tool: 'modern.schema' });
      expect(source.renames()).toEqual([
        { server: 'paged', original: 'modern.schema', name: 'paged__modern_schema', reason: 'sanitized' },
      ]);
      expect(waiter.events).toContainEqual({
        type: 'tool-renamed',
        rename: {
          server: 'paged',
          original: 'modern.schema',
          name: 'paged__modern_schema',
          reason: 'sanitized',
        },
      });
      // A JSON Schema 2020-12 input schema is kept as it is.
      expect(source.registry.get('paged__modern_schema')!.parameters.$schema).toBe(
        'https://json-schema.org/draft/2020-12/schema',
      );
    });

    it('resolves name collisions across servers the same way every time, and reports them', async () => {
      const servers = [
        { ...testServer('a', '--tools', '1', '--prefix', 'x'), prefix: 'shared' },
        { ...testServer('b', '--tools', '1', '--prefix', 'x'), prefix: 'shared' },
      ];
      const first = await connect(servers);
      const names = first.registry.list().map((entry) => entry.definition.name);
      const renames = first.renames();
      await first.close();
      const second = await connect(servers);
      expect(second.registry.list().map((entry) => entry.definition.name)).toEqual(names);
      expect(second.renames()).toEqual(renames);
      expect(names).toContain('shared__echo');
      const collision = renames.find((rename) => rename.original === 'echo')!;
      expect(collision).toMatchObject({ server: 'b', reason: 'collision' });
      expect(collision.name).toMatch(/^shared__echo_[0-9a-f]{6}$/);
      expect(second.origin(collision.name)).toEqual({ server: 'b', tool: 'echo' });
      expect(new Set(names).size).toBe(names.length);
    });

    it('over Streamable HTTP, from a server built with the SDK', async () => {
      const http = await startSdkHttpServer();
      try {
        const source = await connect([{ name: 'remote', url: http.url, prefix: 'r' }]);
        expect(source.registry.list().map((entry) => entry.definition.name)).toEqual(['r__add', 'r__shout']);
        expect(source.registry.get('r__add')!.definition.readOnly).toBe(true);
        expect(await run(source, 'r__add', { a: 2, b: 3 })).toEqual({
          text: '5',
          structuredContent: { sum: 5 },
        });
        expect(await run(source, 'r__shout', { text: 'hi' })).toBe('HI');
        // The SDK client is there for what the package does not wrap.
        const tools = await source.client('remote')!.listTools();
        expect(tools.tools.map((tool) => tool.name)).toEqual(['add', 'shout']);
        expect(source.client('unknown')).toBeUndefined();
      } finally {
        await http.close();
      }
    });
  });

  describe('results', () => {
    it('keeps images out of the output as references, and passes progress on', async () => {
      const waiter = eventWaiter();
      const source = await connect([testServer('t')], { onEvent: waiter.onEvent });
      const output = (await run(source, 't__image')) as McpToolOutput;
      expect(output.text).toBe('a pixel');
      expect(output.media).toHaveLength(1);
      const reference = output.media![0]!;
      expect(reference).toMatchObject({ type: 'image', mimeType: 'image/png', bytes: 70 });
      expect(JSON.stringify(output)).not.toContain('iVBOR');
      expect(source.media(reference.ref)?.data).toMatch(/^iVBOR/);

      expect(await run(source, 't__progress')).toBe('done');
      const progress = waiter.events
        .filter((event) => event.type === 'tool-progress')
        .map((event) => event.type === 'tool-progress' && event.progress.progress);
      // In order and none invented. The SDK client handles a notification later than a response read in the
      // same chunk and then drops it, so on a loaded machine the last step can be lost behind the result.
      expect(progress.length).toBeGreaterThan(0);
      expect(progress).toEqual([1, 2, 3].slice(0, progress.length));
    });

    it('asks servers for progress only when onEvent listens', async () => {
      const source = await connect([testServer('quiet')]);
      expect(await run(source, 'quiet__progress')).toBe('done, no progress asked');
      // The prepared request options are shared by calls: concurrent calls still get their own answers.
      const answers = await Promise.all(
        ['a', 'b', 'c'].map((text) => source.registry.get('quiet__echo')!.tool!.execute({ text }, {})),
      );
      expect(answers).toEqual(['a', 'b', 'c']);
    });
  });

  describe('failures', () => {
    it('reports a server that cannot start with a typed error and keeps the others', async () => {
      const source = await connect([
        testServer('good'),
        { name: 'missing', command: '/nonexistent/victor-mcp-server' },
        {
          name: 'exits',
          command: process.execPath,
          args: ['-e', 'process.stderr.write("bad config"); process.exit(2)'],
        },
      ]);
      expect(source.registry.has('good__echo')).toBe(true);
      const failures = source.failures();
      expect(failures.map((failure) => [failure.server, failure.code, failure.failure])).toEqual([
        ['missing', 'CONNECTION_FAILED', 'start-failed'],
        ['exits', 'CONNECTION_FAILED', 'start-failed'],
      ]);
      expect(failures[0]!.message).toContain('/nonexistent/victor-mcp-server');
      expect(failures[1]!.message).toContain('bad config');
      expect(McpServerError.isInstance(failures[0])).toBe(true);
      expect(source.servers().map((server) => [server.name, server.state])).toEqual([
        ['good', 'connected'],
        ['missing', 'failed'],
        ['exits', 'failed'],
      ]);
    });

    it('fails a call whose server crashes in the middle of it, then reconnects with backoff', async () => {
      const waiter = eventWaiter();
      const source = await connect([testServer('fragile'), testServer('steady')], {
        onEvent: waiter.onEvent,
        reconnect: { initialDelayMs: 20, maxAttempts: 3 },
      });
      const before = JSON.parse((await run(source, 'fragile__pid')) as string) as { pid: number };
      const steadyTool = source.registry.get('steady__echo')!.tool;
      const reconnected = waiter.next(
        (event) => event.type === 'server-connected' && event.server === 'fragile',
      );

      const error = await failureOf(run(source, 'fragile__crash'));
      expect(McpServerError.isInstance(error)).toBe(true);
      expect(error).toMatchObject({ code: 'CONNECTION_FAILED', failure: 'disconnected', server: 'fragile' });
      // The other server's tools go on working while this one is away.
      expect(await run(source, 'steady__echo', { text: 'still here' })).toBe('still here');

      await reconnected;
      expect(waiter.events.map((event) => event.type)).toContain('server-reconnecting');
      const after = JSON.parse((await run(source, 'fragile__pid')) as string) as { pid: number };
      expect(after.pid).not.toBe(before.pid);
      // Reconnection re-listed the same tools: nothing was re-registered for either server.
      expect(source.registry.get('steady__echo')!.tool).toBe(steadyTool);
    });

    it('gives up after maxAttempts and removes the server tools', async () => {
      const root = mkdtempSync(join(tmpdir(), 'victor-mcp-'));
      const script = join(root, 'once.mjs');
      const marker = join(root, 'started');
      // Starts once as a real server; every later start exits at once.
      writeFileSync(
        script,
        `import { existsSync, writeFileSync } from 'node:fs';
if (existsSync(${JSON.stringify(marker)})) process.exit(1);
writeFileSync(${JSON.stringify(marker)}, '1');
await import(${JSON.stringify(TEST_SERVER)});`,
      );
      const waiter = eventWaiter();
      const source = await connect(
        [{ name: 'once', command: process.execPath, args: [script] }, testServer('other')],
        {
          onEvent: waiter.onEvent,
          reconnect: { initialDelayMs: 5, maxAttempts: 2 },
        },
      );
      const gaveUp = waiter.next((event) => event.type === 'server-failed');
      await failureOf(run(source, 'once__crash'));
      const event = await gaveUp;
      expect(event.type === 'server-failed' && event.error.failure).toBe('gave-up');
      expect(source.registry.has('once__echo')).toBe(false);
      expect(source.registry.has('other__echo')).toBe(true);
      expect(source.failures().map((failure) => failure.server)).toEqual(['once']);
      expect(readFileSync(marker, 'utf8')).toBe('1');
    });

    it('times out a call that hangs, and tells the server to stop', async () => {
      const source = await connect([{ ...testServer('slow'), callTimeoutMs: 100 }]);
      const error = await failureOf(run(source, 'slow__hang'));
      expect(error).toMatchObject({ code: 'TIMEOUT', timeoutMs: 100 });
      expect(error.message).toContain('"hang" on server "slow" timed out after 100 ms');
      const state = JSON.parse((await run(source, 'slow__pid')) as string) as { cancelled: number };
      expect(state.cancelled).toBe(1);
    });

    it('cancels a call when its AbortSignal fires (notifications/cancelled)', async () => {
      const source = await connect([testServer('t')]);
      const controller = new AbortController();
      const pending = run(source, 't__hang', {}, controller.signal);
      // Aborted once the server runs the call: an abort before the request is sent cancels nothing there.
      const state = async () =>
        JSON.parse((await run(source, 't__pid')) as string) as { cancelled: number; hanging: number };
      await vi.waitFor(async () => expect((await state()).hanging).toBe(1), { timeout: 10_000 });
      controller.abort();
      const error = await failureOf(pending);
      expect(error).toMatchObject({ code: 'ABORTED' });
      expect((await state()).cancelled).toBe(1);
    });
  });

  describe('signals', () => {
    it('leaves no listener on a long-lived caller signal (the SDK would keep one per call)', async () => {
      const source = await connect([testServer('t')]);
      const agentLifetime = new AbortController();
      for (let index = 0; index < 20; index++) {
        expect(await run(source, 't__echo', { text: `call ${index}` }, agentLifetime.signal)).toBe(
          `call ${index}`,
        );
      }
      expect(getEventListeners(agentLifetime.signal, 'abort')).toHaveLength(0);
    });
  });

  describe('list_changed', () => {
    it('refreshes only the server that changed', async () => {
      const waiter = eventWaiter();
      const source = await connect([testServer('live'), testServer('other')], { onEvent: waiter.onEvent });
      const otherTool = source.registry.get('other__echo')!.tool;
      const liveTool = source.registry.get('live__echo')!.tool;
      const version = source.registry.version;
      const changed = waiter.next((event) => event.type === 'tools-changed' && event.server === 'live');
      await run(source, 'live__add_tool', { name: 'fresh_tool' });
      expect(await changed).toEqual({
        type: 'tools-changed',
        server: 'live',
        added: 1,
        removed: 0,
        total: 11,
      });
      expect(source.registry.has('live__fresh_tool')).toBe(true);
      expect(source.registry.version).toBe(version + 1);
      expect(source.registry.get('other__echo')!.tool).toBe(otherTool);
      expect(source.registry.get('live__echo')!.tool).toBe(liveTool);
    });
  });

  describe('options', () => {
    it('names the bad option and value', async () => {
      await expect(connectMcpServers([{ name: 'has space', command: 'x' }])).rejects.toThrow(
        'servers[0].name must be a name matching [a-zA-Z0-9_-]{1,32}, got "has space"',
      );
      await expect(
        connectMcpServers([
          { name: 'a', command: 'x' },
          { name: 'a', command: 'y' },
        ]),
      ).rejects.toThrow('servers[1].name must be unique, got "a"');
      await expect(connectMcpServers([{ name: 'a', url: 'not a url' }])).rejects.toThrow(
        'servers[0].url must be a URL, got "not a url"',
      );
      await expect(connectMcpServers([], { callTimeoutMs: -1 })).rejects.toMatchObject({
        code: 'INVALID_CONFIG',
        option: 'callTimeoutMs',
      });
    });
  });
});

/** A Streamable HTTP MCP server written with the SDK's high-level McpServer, one per request (stateless). */
async function startSdkHttpServer(): Promise<{ url: string; close(): Promise<void> }> {
  const http: HttpServer = createServer(async (request, response) => {
    const server = new McpServer({ name: 'sdk-http', version: '1.0.0' });
    server.registerTool(
      'add',
      {
        description: 'Add two numbers.',
        inputSchema: { a: z.number(), b: z.number() },
        outputSchema: { sum: z.number() },
        annotations: { readOnlyHint: true },
      },
      async ({ a, b }) => ({
        content: [{ type: 'text', text: String(a + b) }],
        structuredContent: { sum: a + b },
      }),
    );
    server.registerTool(
      'shout',
      {
        description: 'Upper-case a text.',
        inputSchema: { text: z.string() },
        annotations: { readOnlyHint: true },
      },
      async ({ text }) => ({ content: [{ type: 'text', text: text.toUpperCase() }] }),
    );
    const transport = new StreamableHTTPServerTransport({
      sessionIdGenerator: undefined,
      enableJsonResponse: true,
    });
    response.on('close', () => {
      void transport.close();
      void server.close();
    });
    await server.connect(transport);
    await transport.handleRequest(request, response);
  });
  await new Promise<void>((resolve) => http.listen(0, '127.0.0.1', resolve));
  const { port } = http.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}/mcp`,
    close: () =>
      new Promise<void>((resolve) => {
        http.close(() => resolve());
        http.closeAllConnections();
      }),
  };
}
