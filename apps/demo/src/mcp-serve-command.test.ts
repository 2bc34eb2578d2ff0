import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StdioClientTransport } from '@modelcontextprotocol/sdk/client/stdio.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import type { CallToolResult } from '@modelcontextprotocol/sdk/types.js';
import { describe, expect, it } from 'vitest';
import { type AssistOutcome, assistCommand, type CommandIO } from './assist-command.js';
import { startMcpServe } from './mcp-serve-command.js';
import { mcpServerConfigs, splitCommandLine, takeMcpFlags, withMcpFlags } from './mcp-servers.js';

function bufferIO(): CommandIO & { out: string[]; err: string[] } {
  const out: string[] = [];
  const err: string[] = [];
  return {
    out,
    err,
    stdout: { write: (text: string) => out.push(text) },
    stderr: { write: (text: string) => err.push(text) },
    env: {},
  };
}

const text = (result: unknown) => ((result as CallToolResult).content[0] as { text: string }).text;
const MAIN = fileURLToPath(new URL('../dist/main.js', import.meta.url));
// `npm test` builds the demo before its tests (the test target depends on build); a bare vitest run may not.
if (!existsSync(MAIN)) console.warn(`skipping the spawned mcp-serve test: ${MAIN} is not built`);

describe('mcp flags', () => {
  it('splits command lines with quotes and escapes', () => {
    expect(splitCommandLine(`node "my server.js" --name 'a b' c\\ d`)).toEqual([
      'node',
      'my server.js',
      '--name',
      'a b',
      'c d',
    ]);
    expect(() => splitCommandLine('node "open')).toThrow('a " quote is not closed');
  });

  it('takes --mcp and --mcp-url out of the arguments', () => {
    expect(
      takeMcpFlags(['--mcp', 'memory', '--json', '--mcp-url=http://h:1/mcp', '--mcp=filesystem .']),
    ).toEqual({
      commands: ['memory', 'filesystem .'],
      urls: ['http://h:1/mcp'],
      rest: ['--json'],
    });
    expect(() => takeMcpFlags(['--mcp'])).toThrow('--mcp needs a value');
  });

  it('runs the bundled servers with this Node and names every server once', () => {
    const configs = mcpServerConfigs(
      ['filesystem', 'memory', 'node server.mjs', 'node other/server.mjs'],
      ['http://tools.local:9/mcp'],
      {
        defaultRoot: '/work/space',
      },
    );
    expect(configs.map((config) => config.name)).toEqual(['files', 'memory', 'server', 'server_2', 'tools']);
    const files = configs[0] as unknown as { command: string; args: string[] };
    expect(files.command).toBe(process.execPath);
    expect(files.args[0]).toMatch(/server-filesystem[/\\]dist[/\\]index\.js$/);
    expect(files.args[1]).toBe('/work/space');
    expect((configs[2] as { command: string }).command).toBe(process.execPath);
    expect(() => mcpServerConfigs([], ['nope'], { defaultRoot: '/' })).toThrow(
      '--mcp-url "nope" is not a URL',
    );
  });
});

describe('assist --mcp', () => {
  it('adds the MCP servers tools to the assistant and says which connected', {
    timeout: 60_000,
  }, async () => {
    const io = { ...bufferIO(), offlineTiming: { ttftMs: 0, chunkGapMs: 0 } };
    const { argv, io: withMcp } = withMcpFlags(
      [
        '--mcp',
        'filesystem',
        '--mcp',
        '/nonexistent/victor-server',
        '--json',
        '--ask',
        'Give me a quick tour of this project: list the files, then read the README and package.json.',
      ],
      io,
    );
    expect(await assistCommand(argv, withMcp)).toBe(0);
    const transcript = io.err.join('');
    expect(transcript).toMatch(/tools: list_files, .*files__read_text_file/);
    expect(transcript).toContain('mcp: files (14 tools)');
    expect(transcript).toContain(
      'failed: victor-server (MCP server "victor-server" (/nonexistent/victor-server) could not connect',
    );
    const outcome = JSON.parse(io.out.join('')) as AssistOutcome;
    expect(outcome.turns).toHaveLength(1);
  });
});

describe('mcp-serve', () => {
  it('serves the workspace tools and an MCP server tools over Streamable HTTP in tool-search mode', {
    timeout: 60_000,
  }, async () => {
    const io = bufferIO();
    const handle = (await startMcpServe(['--port', '0', '--tool-search', '--mcp', 'memory'], io))!;
    const client = new Client({ name: 'test', version: '1.0.0' });
    try {
      expect(io.out.join('')).toMatch(/serving MCP \(Streamable HTTP\) at http:\/\/127\.0\.0\.1:\d+\/mcp/);
      expect(io.err.join('')).toContain('mcp: memory (9 tools)');
      await client.connect(new StreamableHTTPClientTransport(new URL(handle.endpoint!.url)));
      expect((await client.listTools()).tools.map((tool) => tool.name)).toEqual([
        'search_tools',
        'call_tool',
      ]);

      const found = await client.callTool({
        name: 'search_tools',
        arguments: { query: 'read the contents of a file', k: 3 },
      });
      expect(
        (found.structuredContent as { tools: Array<{ name: string }> }).tools.map((tool) => tool.name),
      ).toContain('read_file');
      const readme = await client.callTool({
        name: 'call_tool',
        arguments: { name: 'read_file', arguments: { path: 'README.md' } },
      });
      expect(readme.isError).toBeUndefined();
      expect(text(readme)).toContain('tiny-tasks');
      const blocked = await client.callTool({
        name: 'call_tool',
        arguments: { name: 'run_shell', arguments: { command: 'rm -rf /' } },
      });
      expect(blocked.isError).toBe(true);
      expect(text(blocked)).toMatch(/^error [A-Z_]+:/);
      const graph = await client.callTool({
        name: 'call_tool',
        arguments: { name: 'memory__read_graph', arguments: {} },
      });
      expect(graph.isError).toBeUndefined();
      expect(io.err.join('')).toContain('audit: run_shell blocked');
    } finally {
      await client.close();
      await handle.close();
    }
  });

  it.skipIf(!existsSync(MAIN))(
    'serves every tool on stdio (the built demo, spawned)',
    { timeout: 60_000 },
    async () => {
      const client = new Client({ name: 'test', version: '1.0.0' });
      await client.connect(
        new StdioClientTransport({ command: process.execPath, args: [MAIN, 'mcp-serve'], stderr: 'pipe' }),
      );
      try {
        const names = (await client.listTools()).tools.map((tool) => tool.name);
        expect(names).toEqual([
          'list_files',
          'read_file',
          'search_text',
          'file_stats',
          'write_file',
          'run_shell',
        ]);
        expect(text(await client.callTool({ name: 'list_files', arguments: { path: '.' } }))).toContain(
          'package.json',
        );
      } finally {
        await client.close();
      }
    },
  );
});
