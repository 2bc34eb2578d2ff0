import { existsSync, statSync } from 'node:fs';
import { resolve } from 'node:path';
import { MemoryCache } from '@victor-ai/cache';
import { createMcpServer, type McpHttpEndpoint, type VictorMcpServer } from '@victor-ai/mcp';
import {
  createAuditMiddleware,
  createSafetyMiddleware,
  createValidationMiddleware,
} from '@victor-ai/middleware';
import { ToolRegistry } from '@victor-ai/tool-selection';
import { parseFlags, UsageError } from './args.js';
import type { CommandIO } from './assist-command.js';
import { connectDemoMcp, type DemoMcp, mcpServerConfigs } from './mcp-servers.js';
import { createWorkspaceTools } from './tools.js';
import { copySampleWorkspace, Workspace } from './workspace.js';

/** `--help` text of `mcp-serve`. */
export const MCP_SERVE_USAGE = `npm run demo -- mcp-serve [--port N] [--tool-search] [--workspace DIR] [--mcp "<command line>"]... [--mcp-url URL]...

Serves the demo's workspace tools (list, read, search, stats, write, shell), plus the tools of the MCP
servers it connects to, as one MCP server. Every call goes through the safety, validation and audit
middleware and the tool-result cache; the audit log goes to stderr.

  --port N           Streamable HTTP at http://127.0.0.1:N/mcp (0: any free port); without it, stdio
  --tool-search      list two tools, search_tools and call_tool, instead of every tool
  --workspace DIR    the folder the workspace tools work in (default: a fresh copy of the sample project)
  --mcp "<cmd>"      also serve this MCP server's tools (repeatable); "filesystem [DIR...]" and "memory"
                     run the servers installed with the demo
  --mcp-url URL      also serve the tools of this Streamable HTTP MCP server (repeatable)`;

/** A running `mcp-serve`: what tests need to reach and stop it. */
export interface McpServeHandle {
  server: VictorMcpServer;
  endpoint: McpHttpEndpoint | undefined;
  registry: ToolRegistry;
  mcp: DemoMcp | undefined;
  close(): Promise<void>;
}

/** Starts `mcp-serve` and resolves once it is serving; `mcpServeCommand` waits for a signal after this. */
export async function startMcpServe(
  argv: readonly string[],
  io: CommandIO,
): Promise<McpServeHandle | undefined> {
  const flags = parseFlags(argv, {
    values: ['port', 'workspace'],
    lists: ['mcp', 'mcp-url'],
    booleans: ['tool-search', 'help'],
  });
  if (flags.booleans.has('help')) {
    io.stdout.write(`${MCP_SERVE_USAGE}\n`);
    return undefined;
  }
  const portText = flags.values.get('port');
  const port = portText === undefined ? undefined : Number(portText);
  if (port !== undefined && !(Number.isInteger(port) && port >= 0 && port <= 65_535)) {
    throw new UsageError(`--port must be a port number (0 to 65535), got ${JSON.stringify(portText)}`);
  }
  const given = flags.values.get('workspace');
  if (given !== undefined && (!existsSync(given) || !statSync(given).isDirectory())) {
    throw new UsageError(`--workspace ${JSON.stringify(given)} is not a folder`);
  }
  const sample = given === undefined ? copySampleWorkspace() : undefined;
  const workspace = new Workspace(given === undefined ? sample!.root : resolve(given));
  // On stdio, stdout carries the protocol: everything for people goes to stderr.
  const log = io.stderr;

  const registry = new ToolRegistry(createWorkspaceTools(workspace).tools);
  const configs = mcpServerConfigs(flags.lists.get('mcp') ?? [], flags.lists.get('mcp-url') ?? [], {
    defaultRoot: workspace.root,
  });
  const mcp = configs.length > 0 ? await connectDemoMcp(configs, { registry }) : undefined;
  const cache = new MemoryCache<unknown>({ name: 'mcp-serve-results', maxEntries: 1_000 });
  const server = createMcpServer({
    registry,
    mode: flags.booleans.has('tool-search') ? 'tool-search' : 'all',
    middleware: [
      createAuditMiddleware({
        log: (entry) =>
          log.write(
            `audit: ${entry.tool} ${entry.outcome}${entry.errorCode ? ` ${entry.errorCode}` : ''}${
              entry.durationMs !== undefined ? ` ${entry.durationMs.toFixed(1)} ms` : ''
            }\n`,
          ),
      }),
      createSafetyMiddleware({ workspaceRoot: workspace.root }),
      createValidationMiddleware(),
      ...(mcp?.middleware ?? []),
    ],
    toolResultCache: { cache, ttlMs: 5 * 60_000, rootDir: workspace.root },
    toolTimeoutMs: 30_000,
    serverInfo: { name: 'victor-demo', version: '0.0.0' },
  });
  const mode = flags.booleans.has('tool-search') ? 'tool-search (search_tools, call_tool)' : 'all tools';
  log.write(
    `victor mcp-serve: ${registry.size} tools, ${mode}; workspace ${workspace.root}${sample ? ' (a fresh copy of the sample project)' : ''}\n`,
  );
  if (mcp) log.write(`${mcp.summary}\n`);
  let endpoint: McpHttpEndpoint | undefined;
  if (port === undefined) {
    await server.serveStdio();
    log.write('serving MCP on stdio\n');
  } else {
    endpoint = await server.listen({ port });
    io.stdout.write(`serving MCP (Streamable HTTP) at ${endpoint.url}\n`);
  }
  let closed = false;
  return {
    server,
    endpoint,
    registry,
    mcp,
    async close() {
      if (closed) return;
      closed = true;
      await endpoint?.close();
      await server.close();
      await mcp?.source.close();
      await cache.close();
      sample?.remove();
    },
  };
}

/** `mcp-serve`: serves until SIGINT or SIGTERM (or, on stdio, until the client closes stdin). */
export async function mcpServeCommand(argv: readonly string[], io: CommandIO): Promise<number> {
  const handle = await startMcpServe(argv, io);
  if (handle === undefined) return 0;
  await new Promise<void>((done) => {
    process.once('SIGINT', done);
    process.once('SIGTERM', done);
    if (handle.endpoint === undefined) process.stdin.once('end', done);
  });
  await handle.close();
  return 0;
}
