import { randomUUID } from 'node:crypto';
import {
  createServer,
  type Server as HttpServer,
  type IncomingMessage,
  type ServerResponse,
} from 'node:http';
import type { AddressInfo } from 'node:net';
// The low-level server: tools here carry JSON Schemas as they are and change at run time, which the
// high-level McpServer (zod shapes, tools registered one by one) is not made for. Loaded on first use, so
// that a program that only connects to MCP servers never loads the server side (and its HTTP stack).
import type { Server } from '@modelcontextprotocol/sdk/server/index.js';
import type { StreamableHTTPServerTransport } from '@modelcontextprotocol/sdk/server/streamableHttp.js';
import type { Transport } from '@modelcontextprotocol/sdk/shared/transport.js';
import {
  CallToolRequestSchema,
  type CallToolResult,
  ListToolsRequestSchema,
  type Tool as McpTool,
} from '@modelcontextprotocol/sdk/types.js';
import { ToolResultCache } from '@victor-ai/cache';
import {
  type Cache,
  invalidOption,
  type MetricsSink,
  type Tool,
  type ToolCall,
  type ToolContext,
  type ToolMiddleware,
  type ToolResult,
} from '@victor-ai/core';
import { createToolMiddlewareChain, type ToolMiddlewareChain } from '@victor-ai/middleware';
import { type RegisteredTool, ToolRegistry, ToolSelector } from '@victor-ai/tool-selection';

/** Options of `createMcpServer`. */
export interface CreateMcpServerOptions {
  /** The tools to serve; the server follows its changes and tells clients (`list_changed`). */
  registry: ToolRegistry;
  /** `all` lists every tool; `tool-search` lists `search_tools` and `call_tool` only. Default `all`. */
  mode?: 'all' | 'tool-search';
  /** Ranks tools for `search_tools`; a lexical `ToolSelector` over the registry unless given. */
  selector?: ToolSelector;
  /** Every call runs through these (safety, validation, rate limits, audit, approval). */
  middleware?: readonly ToolMiddleware[];
  /** Read-only tools' results are cached here (and writers invalidate them), as in the agent. */
  toolResultCache?: { cache: Cache<unknown>; ttlMs?: number; rootDir?: string };
  /** Timeout of each tool call; none unless set. */
  toolTimeoutMs?: number;
  /** Most tools `search_tools` returns; default 20. */
  maxSearchResults?: number;
  /** Server name and version in the MCP handshake; default `victor` and this package's version. */
  serverInfo?: { name: string; version: string };
  /** Told to clients in the handshake. */
  instructions?: string;
  metrics?: MetricsSink;
}

/** What `search_tools` returns for each tool. */
export interface ToolSearchHit {
  name: string;
  description: string;
  inputSchema: Record<string, unknown>;
  score: number;
}

/** A Streamable HTTP endpoint started by `listen`. */
export interface McpHttpEndpoint {
  /** `http://host:port/path`. */
  readonly url: string;
  readonly port: number;
  /** Stops accepting connections and closes every session. */
  close(): Promise<void>;
}

/** A registry served over MCP; any number of sessions (stdio, HTTP, or transports you pass) at once. */
export interface VictorMcpServer {
  /** Serves one session over a transport (for example the SDK's `InMemoryTransport`). */
  connect(transport: Transport): Promise<void>;
  /** Serves one session on this process's stdin and stdout. */
  serveStdio(): Promise<void>;
  /** Serves Streamable HTTP (with sessions, so `list_changed` reaches clients) at `path` (default `/mcp`). */
  listen(options?: { port?: number; host?: string; path?: string }): Promise<McpHttpEndpoint>;
  /** What `search_tools` answers, without MCP around it. */
  searchTools(query: string, k?: number): ToolSearchHit[];
  /** What `call_tool` (or a direct call in `all` mode) does: the middleware chain, the cache, the tool. */
  callTool(
    name: string,
    args: Record<string, unknown>,
    options?: { abortSignal?: AbortSignal },
  ): Promise<ToolResult>;
  /** Sessions open now. */
  readonly sessions: number;
  /** Closes every session and endpoint; the registry is left as it is. */
  close(): Promise<void>;
}

const SEARCH_TOOL: McpTool = {
  name: 'search_tools',
  title: 'Search tools',
  description:
    'Find the tools that fit a task among all the tools this server can run. Returns each tool with its name, description and input schema; run one with call_tool.',
  inputSchema: {
    type: 'object',
    properties: {
      query: { type: 'string', description: 'What you want to do, in a few words.' },
      k: { type: 'integer', minimum: 1, description: 'How many tools to return (default 5).' },
    },
    required: ['query'],
  },
  annotations: { readOnlyHint: true, openWorldHint: false },
};

const CALL_TOOL: McpTool = {
  name: 'call_tool',
  title: 'Call a tool',
  description: 'Run a tool found with search_tools, with arguments that match its input schema.',
  inputSchema: {
    type: 'object',
    properties: {
      name: { type: 'string', description: 'The tool name search_tools returned.' },
      arguments: { type: 'object', description: 'The arguments, as the tool input schema describes them.' },
    },
    required: ['name'],
  },
};

const VERSION = '0.1.0';

let serverModules:
  | Promise<{
      Server: typeof import('@modelcontextprotocol/sdk/server/index.js').Server;
      StdioServerTransport: typeof import('@modelcontextprotocol/sdk/server/stdio.js').StdioServerTransport;
      StreamableHTTPServerTransport: typeof import('@modelcontextprotocol/sdk/server/streamableHttp.js').StreamableHTTPServerTransport;
    }>
  | undefined;

/** The SDK's server classes, imported once on first use. */
function loadServerModules() {
  serverModules ??= Promise.all([
    import('@modelcontextprotocol/sdk/server/index.js'),
    import('@modelcontextprotocol/sdk/server/stdio.js'),
    import('@modelcontextprotocol/sdk/server/streamableHttp.js'),
  ]).then(([server, stdio, http]) => ({
    Server: server.Server,
    StdioServerTransport: stdio.StdioServerTransport,
    StreamableHTTPServerTransport: http.StreamableHTTPServerTransport,
  }));
  return serverModules;
}

function mcpTool(entry: RegisteredTool): McpTool {
  const definition = entry.definition;
  const annotations: NonNullable<McpTool['annotations']> = {};
  if (definition.readOnly === true) annotations.readOnlyHint = true;
  if (definition.tags?.includes('destructive') === true) annotations.destructiveHint = true;
  return {
    name: definition.name,
    description: definition.description,
    inputSchema: entry.parameters as McpTool['inputSchema'],
    ...(Object.keys(annotations).length > 0 ? { annotations } : {}),
  };
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** A tool result as MCP content: text (JSON for objects), structured content for objects, `isError` for failures. */
export function toCallToolResult(result: ToolResult): CallToolResult {
  if (!result.ok) {
    return {
      isError: true,
      content: [{ type: 'text', text: `error ${result.error.code}: ${result.error.message}` }],
    };
  }
  const output = result.output;
  if (typeof output === 'string') return { content: [{ type: 'text', text: output }] };
  const text = JSON.stringify(output ?? null);
  return isPlainObject(output)
    ? { content: [{ type: 'text', text }], structuredContent: output }
    : { content: [{ type: 'text', text }] };
}

/**
 * Serves a tool registry over MCP (stdio, Streamable HTTP, or any SDK transport), in one of two modes:
 * every tool as it is, or `tool-search`, where a client sees two tools (`search_tools`, ranked by Victor's
 * selection, and `call_tool`) and reaches thousands without putting them in its prompt. Every call runs
 * through the middleware chain and the tool-result cache.
 */
export function createMcpServer(options: CreateMcpServerOptions): VictorMcpServer {
  if (typeof options !== 'object' || options === null) throw invalidOption('options', 'an object', options);
  const { registry } = options;
  if (!(registry instanceof ToolRegistry)) throw invalidOption('registry', 'a ToolRegistry', registry);
  const mode = options.mode ?? 'all';
  if (mode !== 'all' && mode !== 'tool-search') throw invalidOption('mode', '"all" or "tool-search"', mode);
  const maxSearchResults = options.maxSearchResults ?? 20;
  if (!Number.isInteger(maxSearchResults) || maxSearchResults < 1)
    throw invalidOption('maxSearchResults', 'a positive integer', maxSearchResults);
  if (options.middleware !== undefined && !Array.isArray(options.middleware))
    throw invalidOption('middleware', 'an array of tool middlewares', options.middleware);
  const serverInfo = options.serverInfo ?? { name: 'victor', version: VERSION };

  let selector: ToolSelector | undefined = options.selector;
  const chain: ToolMiddlewareChain = createToolMiddlewareChain(options.middleware ?? [], {
    ...(options.toolTimeoutMs !== undefined ? { timeoutMs: options.toolTimeoutMs } : {}),
    ...(options.metrics ? { metrics: options.metrics } : {}),
  });
  const resultCache = options.toolResultCache
    ? new ToolResultCache({
        cache: options.toolResultCache.cache,
        ...(options.toolResultCache.ttlMs !== undefined ? { ttlMs: options.toolResultCache.ttlMs } : {}),
        ...(options.toolResultCache.rootDir !== undefined
          ? { rootDir: options.toolResultCache.rootDir }
          : {}),
      })
    : undefined;
  const throughCache = new WeakMap<Tool, Tool>();

  function cached(tool: Tool): Tool {
    if (resultCache === undefined) return tool;
    let wrapped = throughCache.get(tool);
    if (wrapped === undefined) {
      wrapped = {
        definition: tool.definition,
        execute: async (args, context) => (await resultCache.execute(tool, args, context)).output,
      };
      throughCache.set(tool, wrapped);
    }
    return wrapped;
  }

  let callCount = 0;
  async function callTool(
    name: string,
    args: Record<string, unknown>,
    callOptions: { abortSignal?: AbortSignal } = {},
  ): Promise<ToolResult> {
    const call: ToolCall = { id: `mcp-${++callCount}`, name, arguments: args };
    const tool = registry.get(name)?.tool;
    if (tool === undefined) {
      return {
        toolCallId: call.id,
        name,
        ok: false,
        error: {
          code: 'TOOL_NOT_FOUND',
          message: `there is no tool named ${JSON.stringify(name)}${mode === 'tool-search' ? ' (find one with search_tools)' : ''}`,
        },
      };
    }
    const context: ToolContext = callOptions.abortSignal ? { abortSignal: callOptions.abortSignal } : {};
    return chain.execute(cached(tool), call, context);
  }

  function searchTools(query: string, k = 5): ToolSearchHit[] {
    if (typeof query !== 'string') throw invalidOption('query', 'a string', query);
    if (!Number.isInteger(k) || k < 1) throw invalidOption('k', 'a positive integer', k);
    selector ??= new ToolSelector({ registry, strategy: 'lexical' });
    const selection = selector.selectSync(query, { k: Math.min(k, maxSearchResults) });
    return selection.tools.map((selected) => ({
      name: selected.name,
      description: selected.definition.description,
      inputSchema: registry.get(selected.name)?.parameters ?? {},
      score: selected.score,
    }));
  }

  // The tools list in `all` mode, rebuilt once per registry version.
  let listVersion = -1;
  let listed: McpTool[] = [];
  const listTools = (): McpTool[] => {
    if (mode === 'tool-search') return [SEARCH_TOOL, CALL_TOOL];
    if (listVersion !== registry.version) {
      listed = registry.list().map(mcpTool);
      listVersion = registry.version;
    }
    return listed;
  };

  const servers = new Set<Server>();
  async function newSession(): Promise<Server> {
    const { Server } = await loadServerModules();
    const server = new Server(serverInfo, {
      capabilities: { tools: { listChanged: true } },
      ...(options.instructions !== undefined ? { instructions: options.instructions } : {}),
    });
    server.setRequestHandler(ListToolsRequestSchema, () => ({ tools: listTools() }));
    server.setRequestHandler(CallToolRequestSchema, async (request, extra) => {
      const { name } = request.params;
      const args = isPlainObject(request.params.arguments) ? request.params.arguments : {};
      if (mode === 'tool-search') {
        if (name === 'search_tools') {
          const query = args.query;
          const k = args.k ?? 5;
          if (typeof query !== 'string' || !Number.isInteger(k) || (k as number) < 1) {
            return {
              isError: true,
              content: [{ type: 'text', text: 'search_tools needs a string query and a positive integer k' }],
            };
          }
          const tools = searchTools(query, k as number);
          return { content: [{ type: 'text', text: JSON.stringify(tools) }], structuredContent: { tools } };
        }
        if (name === 'call_tool') {
          const target = args.name;
          const inner = args.arguments ?? {};
          if (typeof target !== 'string' || !isPlainObject(inner)) {
            return {
              isError: true,
              content: [{ type: 'text', text: 'call_tool needs a string name and an object of arguments' }],
            };
          }
          return toCallToolResult(await callTool(target, inner, { abortSignal: extra.signal }));
        }
        return {
          isError: true,
          content: [
            { type: 'text', text: `unknown tool ${JSON.stringify(name)}: use search_tools and call_tool` },
          ],
        };
      }
      return toCallToolResult(await callTool(name, args, { abortSignal: extra.signal }));
    });
    server.onclose = () => {
      servers.delete(server);
    };
    servers.add(server);
    return server;
  }

  // Registry changes come in bursts (a server's tools removed, then added): one notification per burst.
  let notifyScheduled = false;
  const unsubscribe = registry.subscribe(() => {
    if (notifyScheduled) return;
    notifyScheduled = true;
    setImmediate(() => {
      notifyScheduled = false;
      for (const server of servers) {
        server.sendToolListChanged().catch(() => undefined);
      }
    });
  });

  const endpoints = new Set<HttpServer>();
  // Every endpoint's sessions, by session id (an endpoint closes only its own).
  const allTransports = new Set<Map<string, StreamableHTTPServerTransport>>();

  async function handleHttp(
    request: IncomingMessage,
    response: ServerResponse,
    path: string,
    allowedHosts: string[] | undefined,
    transports: Map<string, StreamableHTTPServerTransport>,
  ) {
    const url = new URL(request.url ?? '/', 'http://localhost');
    if (url.pathname !== path) {
      response
        .writeHead(404, { 'content-type': 'text/plain' })
        .end(`not found: the MCP endpoint is ${path}\n`);
      return;
    }
    const sessionId = request.headers['mcp-session-id'];
    if (typeof sessionId === 'string') {
      const transport = transports.get(sessionId);
      if (transport === undefined) {
        response.writeHead(404, { 'content-type': 'application/json' }).end(
          JSON.stringify({
            jsonrpc: '2.0',
            error: { code: -32001, message: 'session not found' },
            id: null,
          }),
        );
        return;
      }
      await transport.handleRequest(request, response);
      return;
    }
    // No session yet: the request must be an initialize; the transport answers 400 to anything else.
    const { StreamableHTTPServerTransport } = await loadServerModules();
    const transport = new StreamableHTTPServerTransport({
      sessionIdGenerator: () => randomUUID(),
      onsessioninitialized: (id) => {
        transports.set(id, transport);
      },
      ...(allowedHosts ? { allowedHosts, enableDnsRebindingProtection: true } : {}),
    });
    transport.onclose = () => {
      if (transport.sessionId !== undefined) transports.delete(transport.sessionId);
    };
    const server = await newSession();
    await server.connect(transport);
    await transport.handleRequest(request, response);
    if (transport.sessionId === undefined) await server.close();
  }

  return {
    async connect(transport) {
      await (await newSession()).connect(transport);
    },
    async serveStdio() {
      const { StdioServerTransport } = await loadServerModules();
      await (await newSession()).connect(new StdioServerTransport());
    },
    listen(listenOptions = {}) {
      const host = listenOptions.host ?? '127.0.0.1';
      const path = listenOptions.path ?? '/mcp';
      const port = listenOptions.port ?? 0;
      if (!Number.isInteger(port) || port < 0 || port > 65_535)
        throw invalidOption('port', 'a port number', port);
      const loopback = host === '127.0.0.1' || host === 'localhost' || host === '::1';
      return new Promise((resolve, reject) => {
        let allowedHosts: string[] | undefined;
        const transports = new Map<string, StreamableHTTPServerTransport>();
        allTransports.add(transports);
        const http = createServer((request, response) => {
          handleHttp(request, response, path, allowedHosts, transports).catch((error: unknown) => {
            if (!response.headersSent) response.writeHead(500, { 'content-type': 'text/plain' });
            response.end(`${error instanceof Error ? error.message : String(error)}\n`);
          });
        });
        http.once('error', reject);
        http.listen(port, host, () => {
          http.off('error', reject);
          endpoints.add(http);
          const bound = (http.address() as AddressInfo).port;
          // A server on loopback answers only requests addressed to loopback (DNS rebinding protection).
          if (loopback) allowedHosts = [`127.0.0.1:${bound}`, `localhost:${bound}`, `[::1]:${bound}`];
          const displayHost = host.includes(':') ? `[${host}]` : host;
          resolve({
            url: `http://${displayHost}:${bound}${path}`,
            port: bound,
            close: async () => {
              endpoints.delete(http);
              allTransports.delete(transports);
              await Promise.all(
                [...transports.values()].map((transport) => transport.close().catch(() => undefined)),
              );
              await new Promise<void>((done) => {
                http.close(() => done());
                http.closeAllConnections();
              });
            },
          });
        });
      });
    },
    searchTools,
    callTool,
    get sessions() {
      return servers.size;
    },
    async close() {
      unsubscribe();
      await Promise.all([...servers].map((server) => server.close().catch(() => undefined)));
      await Promise.all(
        [...endpoints].map(
          (http) =>
            new Promise<void>((done) => {
              http.close(() => done());
              http.closeAllConnections();
            }),
        ),
      );
      endpoints.clear();
      for (const transports of allTransports) {
        await Promise.all(
          [...transports.values()].map((transport) => transport.close().catch(() => undefined)),
        );
        transports.clear();
      }
      allTransports.clear();
    },
  };
}
