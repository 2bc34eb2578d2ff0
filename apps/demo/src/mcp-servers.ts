import { createRequire } from 'node:module';
import { basename } from 'node:path';
import type { Tool, ToolMiddleware } from '@victor-ai/core';
import {
  type ConnectMcpServersOptions,
  connectMcpServers,
  type McpServerConfig,
  type McpToolSource,
} from '@victor-ai/mcp';
import { UsageError } from './args.js';
import type { CommandIO } from './assist-command.js';

const require = createRequire(import.meta.url);

/** MCP servers installed with the demo, by the names `--mcp` accepts for them (no download at run time). */
export const BUNDLED_MCP_SERVERS: Readonly<Record<string, { name: string; script: () => string }>> = {
  filesystem: {
    name: 'files',
    script: () => require.resolve('@modelcontextprotocol/server-filesystem/dist/index.js'),
  },
  'mcp-server-filesystem': {
    name: 'files',
    script: () => require.resolve('@modelcontextprotocol/server-filesystem/dist/index.js'),
  },
  memory: {
    name: 'memory',
    script: () => require.resolve('@modelcontextprotocol/server-memory/dist/index.js'),
  },
  'mcp-server-memory': {
    name: 'memory',
    script: () => require.resolve('@modelcontextprotocol/server-memory/dist/index.js'),
  },
};

/** Splits a command line into words: spaces separate, single and double quotes group, `\` escapes. */
export function splitCommandLine(line: string): string[] {
  const words: string[] = [];
  let current = '';
  let quote: '"' | "'" | undefined;
  let started = false;
  for (let index = 0; index < line.length; index++) {
    const char = line[index]!;
    if (quote !== undefined) {
      if (char === quote) quote = undefined;
      else if (char === '\\' && quote === '"' && index + 1 < line.length) current += line[++index];
      else current += char;
    } else if (char === '"' || char === "'") {
      quote = char;
      started = true;
    } else if (char === '\\' && index + 1 < line.length) {
      current += line[++index];
      started = true;
    } else if (/\s/.test(char)) {
      if (started) words.push(current);
      current = '';
      started = false;
    } else {
      current += char;
      started = true;
    }
  }
  if (quote !== undefined)
    throw new UsageError(`--mcp ${JSON.stringify(line)}: a ${quote} quote is not closed`);
  if (started) words.push(current);
  return words;
}

/**
 * The server configurations of `--mcp "<command line>"` and `--mcp-url URL` flags. `filesystem [dir...]`
 * and `memory` run the servers installed with the demo (filesystem defaults to `defaultRoot`); `node` runs
 * with this Node; any other command is started as given.
 */
export function mcpServerConfigs(
  commands: readonly string[],
  urls: readonly string[],
  options: { defaultRoot: string },
): McpServerConfig[] {
  const configs: McpServerConfig[] = [];
  const used = new Set<string>();
  const unique = (wanted: string) => {
    const base = wanted.replace(/[^a-zA-Z0-9_-]/g, '_').slice(0, 28) || 'server';
    let name = base;
    for (let count = 2; used.has(name); count++) name = `${base}_${count}`;
    used.add(name);
    return name;
  };
  for (const line of commands) {
    const [command, ...args] = splitCommandLine(line);
    if (command === undefined) throw new UsageError('--mcp needs a command line');
    const bundled = BUNDLED_MCP_SERVERS[command];
    if (bundled !== undefined) {
      const extra = bundled.name === 'files' && args.length === 0 ? [options.defaultRoot] : args;
      configs.push({
        name: unique(bundled.name),
        command: process.execPath,
        args: [bundled.script(), ...extra],
      });
    } else {
      // `node server.mjs` is named after its script, anything else after its command.
      const isNode = command === 'node' || command === process.execPath;
      const named = (isNode ? args.find((arg) => !arg.startsWith('-')) : undefined) ?? command;
      configs.push({
        name: unique(basename(named).replace(/\.[cm]?[jt]s$/, '')),
        command: command === 'node' ? process.execPath : command,
        args,
      });
    }
  }
  for (const url of urls) {
    if (!URL.canParse(url)) throw new UsageError(`--mcp-url ${JSON.stringify(url)} is not a URL`);
    configs.push({ name: unique(new URL(url).hostname.split('.')[0] || 'remote'), url });
  }
  return configs;
}

/** MCP tools for a demo command: what to add to the agent, and a line saying what was connected. */
export interface DemoMcp {
  source: McpToolSource;
  tools: Tool[];
  middleware: readonly ToolMiddleware[];
  /** `mcp: files (14 tools), memory (9 tools); failed: x (why)`. */
  summary: string;
}

/** Connects the servers of the `--mcp` and `--mcp-url` flags; a server that fails is reported, not fatal. */
export async function connectDemoMcp(
  configs: readonly McpServerConfig[],
  options: ConnectMcpServersOptions = {},
): Promise<DemoMcp> {
  const source = await connectMcpServers(configs, { connectTimeoutMs: 20_000, ...options });
  const parts = source
    .servers()
    .filter((server) => server.state !== 'failed')
    .map((server) => `${server.name} (${server.tools} tools)`);
  const failed = source.failures().map((failure) => `${failure.server} (${failure.message})`);
  const destructive = source.tools().filter((tool) => tool.definition.tags?.includes('destructive')).length;
  const summary =
    `mcp: ${parts.join(', ') || 'no server connected'}` +
    (destructive > 0 && options.approveDestructive === undefined && options.allowDestructive !== true
      ? `; ${destructive} destructive tools are refused (MCP destructiveHint)`
      : '') +
    (failed.length > 0 ? `; failed: ${failed.join(', ')}` : '');
  return { source, tools: source.tools(), middleware: source.middleware, summary };
}

/** Takes `--mcp` and `--mcp-url` out of a command's arguments, so the command parses the rest. */
export function takeMcpFlags(argv: readonly string[]): {
  commands: string[];
  urls: string[];
  rest: string[];
} {
  const commands: string[] = [];
  const urls: string[] = [];
  const rest: string[] = [];
  for (let index = 0; index < argv.length; index++) {
    const arg = argv[index]!;
    const match = /^--(mcp|mcp-url)(?:=(.*))?$/s.exec(arg);
    if (match === null) {
      rest.push(arg);
      continue;
    }
    const value = match[2] ?? argv[++index];
    if (value === undefined || value === '') throw new UsageError(`--${match[1]} needs a value`);
    (match[1] === 'mcp' ? commands : urls).push(value);
  }
  return { commands, urls, rest };
}

/** The `assist` command's arguments without the MCP flags, and its IO with the servers they name. */
export function withMcpFlags(argv: readonly string[], io: CommandIO): { argv: string[]; io: CommandIO } {
  const { commands, urls, rest } = takeMcpFlags(argv);
  if (commands.length === 0 && urls.length === 0) return { argv: rest, io };
  // Checked now, so a bad flag is a usage error before anything starts.
  mcpServerConfigs(commands, urls, { defaultRoot: process.cwd() });
  return {
    argv: rest,
    io: { ...io, mcp: (root) => connectDemoMcp(mcpServerConfigs(commands, urls, { defaultRoot: root })) },
  };
}
