import type { Client } from '@modelcontextprotocol/sdk/client/index.js';
import type { Tool as McpTool } from '@modelcontextprotocol/sdk/types.js';
import {
  invalidOption,
  type JsonSchema,
  type MiddlewareContext,
  MiddlewarePriority,
  type Tool,
  type ToolCall,
  type ToolMiddleware,
} from '@victor-ai/core';
import { type ApprovalAnswer, createApprovalMiddleware } from '@victor-ai/middleware';
import { ToolRegistry } from '@victor-ai/tool-selection';
import { McpServerError, McpToolError } from './errors.js';
import { contentText, type McpMedia, type McpToolOutput, toToolOutput } from './results.js';
import {
  type ConnectionSettings,
  type McpProgress,
  type McpReconnectOptions,
  type McpServerConfig,
  type McpServerState,
  ServerConnection,
} from './server-connection.js';
import { assignToolNames, type ToolRename } from './tool-names.js';

/** Something that happened to a source's servers or tools, for logs and UIs. */
export type McpSourceEvent =
  | { type: 'server-connected'; server: string; tools: number }
  | { type: 'server-disconnected'; server: string; error: McpServerError }
  | { type: 'server-reconnecting'; server: string; attempt: number; delayMs: number }
  | { type: 'server-failed'; server: string; error: McpServerError }
  | { type: 'tools-changed'; server: string; added: number; removed: number; total: number }
  | { type: 'tool-skipped'; server: string; tool: string; reason: string }
  | { type: 'tool-renamed'; rename: ToolRename }
  | { type: 'tool-progress'; server: string; tool: string; progress: McpProgress };

/** Options of `connectMcpServers`. */
export interface ConnectMcpServersOptions {
  /** Registry the tools are added to (and removed from); a new one unless given. */
  registry?: ToolRegistry;
  /** Between a prefix and a tool's name; default `__` (`files__read_file`). */
  separator?: string;
  /** Timeout of each tool call (the SDK sends `notifications/cancelled` when it fires); default 60 s. */
  callTimeoutMs?: number;
  /** Timeout of the MCP handshake; default 10 s. */
  connectTimeoutMs?: number;
  /** Reconnection with exponential backoff after a server exits; `false` turns it off. */
  reconnect?: McpReconnectOptions | false;
  /**
   * Asked before a destructive tool runs (MCP `destructiveHint`, which the spec takes as true for a tool that
   * is not `readOnlyHint`). Without it, and without `allowDestructive`, destructive calls are refused.
   */
  approveDestructive?: (
    call: ToolCall,
    context: MiddlewareContext,
  ) => ApprovalAnswer | Promise<ApprovalAnswer>;
  /** Destructive tools run without approval. Default false. */
  allowDestructive?: boolean;
  /** Take `readOnlyHint` as core's `readOnly` (cached, run alongside others); default true. */
  trustReadOnlyHint?: boolean;
  /** Receives connection, listing, renaming and progress events. Must not throw. Without it, calls ask no progress of servers. */
  onEvent?: (event: McpSourceEvent) => void;
  /** Sent in the MCP handshake; default `victor` and this package's version. */
  clientInfo?: { name: string; version: string };
  /** Largest number of images and audio clips kept for `media()`; default 100. */
  maxMedia?: number;
}

/** One server's status. */
export interface McpServerStatus {
  readonly name: string;
  readonly state: McpServerState;
  /** Tools of this server in the registry. */
  readonly tools: number;
  readonly error?: McpServerError;
}

/** MCP servers' tools in a tool registry; returned by `connectMcpServers`. */
export interface McpToolSource {
  /** Holds every connected server's tools, kept up to date on `list_changed` and reconnection. */
  readonly registry: ToolRegistry;
  /**
   * Put these in the agent's `middleware`: the guard that asks `approveDestructive` (or refuses) before a
   * destructive tool runs. Destructive tools check that it ran, so leaving it out makes them fail closed.
   */
  readonly middleware: readonly ToolMiddleware[];
  /** This source's executable tools now, in server order (pass to `createAgent({ tools })`). */
  tools(): Tool[];
  /** Every server's state. */
  servers(): McpServerStatus[];
  /** Servers that failed to start or have been given up on, with why. */
  failures(): McpServerError[];
  /** Tools whose names were sanitised, cut, or changed because of a collision. */
  renames(): readonly ToolRename[];
  /** The server name and MCP tool name behind an exposed tool name. */
  origin(name: string): { server: string; tool: string } | undefined;
  /**
   * The MCP SDK `Client` of a connected server, for what this package does not wrap (resources, prompts,
   * raw calls); undefined while the server is not connected.
   */
  client(server: string): Client | undefined;
  /** An image or audio clip a tool returned, by its `ref`. */
  media(ref: string): McpMedia | undefined;
  /** Lists one server's tools again (all servers when no name is given). */
  refresh(server?: string): Promise<void>;
  /** Closes every connection and stops the child processes; the tools are removed from the registry. */
  close(): Promise<void>;
}

interface Entry {
  readonly connection: ServerConnection;
  readonly mcp: McpTool;
  readonly tool: Tool;
}

const SERVER_NAME = /^[a-zA-Z0-9_-]{1,32}$/;
const DEFAULT_RECONNECT: Required<McpReconnectOptions> = {
  maxAttempts: 5,
  initialDelayMs: 500,
  maxDelayMs: 30_000,
};
const VERSION = '0.1.0';

function positive(option: string, value: number | undefined): void {
  if (value !== undefined && !(typeof value === 'number' && value > 0 && Number.isFinite(value)))
    throw invalidOption(option, 'a positive finite number of milliseconds', value);
}

function checkServers(servers: readonly McpServerConfig[]): void {
  if (!Array.isArray(servers))
    throw invalidOption('servers', 'an array of MCP server configurations', servers);
  const names = new Set<string>();
  servers.forEach((server, index) => {
    const at = `servers[${index}]`;
    if (typeof server !== 'object' || server === null) throw invalidOption(at, 'an object', server);
    if (typeof server.name !== 'string' || !SERVER_NAME.test(server.name))
      throw invalidOption(`${at}.name`, 'a name matching [a-zA-Z0-9_-]{1,32}', server.name);
    if (names.has(server.name)) throw invalidOption(`${at}.name`, 'unique', server.name);
    names.add(server.name);
    const kinds = ['command' in server, 'url' in server, 'transport' in server].filter(Boolean).length;
    if (kinds !== 1) throw invalidOption(at, 'exactly one of command, url or transport', server);
    if ('command' in server && (typeof server.command !== 'string' || server.command === ''))
      throw invalidOption(`${at}.command`, 'a non-empty string', server.command);
    if ('url' in server && !URL.canParse(server.url)) throw invalidOption(`${at}.url`, 'a URL', server.url);
    if ('transport' in server && typeof server.transport !== 'function')
      throw invalidOption(`${at}.transport`, 'a function returning a transport', server.transport);
    if (server.prefix !== undefined && typeof server.prefix !== 'string')
      throw invalidOption(`${at}.prefix`, 'a string', server.prefix);
    positive(`${at}.callTimeoutMs`, server.callTimeoutMs);
  });
}

function isObjectSchema(schema: unknown): schema is JsonSchema {
  return (
    typeof schema === 'object' &&
    schema !== null &&
    !Array.isArray(schema) &&
    (!('type' in schema) || (schema as { type?: unknown }).type === 'object')
  );
}

/**
 * Connects to MCP servers (stdio child processes, Streamable HTTP endpoints, or transports you make) and
 * puts their tools in a tool registry under portable, namespaced names. Resolves when every server has
 * connected or failed: a server that fails is reported in `failures()` and the others' tools are there.
 */
export async function connectMcpServers(
  servers: readonly McpServerConfig[],
  options: ConnectMcpServersOptions = {},
): Promise<McpToolSource> {
  checkServers(servers);
  if (typeof options !== 'object' || options === null) throw invalidOption('options', 'an object', options);
  positive('callTimeoutMs', options.callTimeoutMs);
  positive('connectTimeoutMs', options.connectTimeoutMs);
  const separator = options.separator ?? '__';
  if (typeof separator !== 'string' || !/^[a-zA-Z0-9_-]{0,4}$/.test(separator))
    throw invalidOption('separator', 'up to 4 characters of [a-zA-Z0-9_-]', separator);
  if (options.approveDestructive !== undefined && typeof options.approveDestructive !== 'function')
    throw invalidOption('approveDestructive', 'a function', options.approveDestructive);
  const reconnect =
    options.reconnect === false ? false : { ...DEFAULT_RECONNECT, ...(options.reconnect ?? {}) };
  if (reconnect !== false) {
    if (!Number.isInteger(reconnect.maxAttempts) || reconnect.maxAttempts < 1)
      throw invalidOption('reconnect.maxAttempts', 'a positive integer', reconnect.maxAttempts);
    positive('reconnect.initialDelayMs', reconnect.initialDelayMs);
    positive('reconnect.maxDelayMs', reconnect.maxDelayMs);
  }
  const maxMedia = options.maxMedia ?? 100;
  if (!Number.isInteger(maxMedia) || maxMedia < 0)
    throw invalidOption('maxMedia', 'an integer >= 0', maxMedia);
  const registry = options.registry ?? new ToolRegistry();
  if (!(registry instanceof ToolRegistry)) throw invalidOption('registry', 'a ToolRegistry', registry);
  const trustReadOnly = options.trustReadOnlyHint ?? true;
  const allowDestructive = options.allowDestructive === true;
  const listening = options.onEvent !== undefined;
  const onEvent = options.onEvent ?? (() => undefined);
  const emit = (event: McpSourceEvent) => {
    try {
      onEvent(event);
    } catch {
      // An observer's failure must not break a connection.
    }
  };

  const settings: ConnectionSettings = {
    clientName: options.clientInfo?.name ?? 'victor',
    clientVersion: options.clientInfo?.version ?? VERSION,
    callTimeoutMs: options.callTimeoutMs ?? 60_000,
    connectTimeoutMs: options.connectTimeoutMs ?? 10_000,
    reconnect,
  };

  // Per server, its tools as last listed; names are assigned over all servers in configuration order.
  const listed = new Map<ServerConnection, readonly McpTool[]>();
  const byName = new Map<string, Entry>();
  const media = new Map<string, McpMedia>();
  let currentRenames: readonly ToolRename[] = [];
  let closed = false;
  let starting = false;
  // Argument objects the approval guard let through; destructive tools refuse any other.
  const approved = new WeakSet<object>();

  const storeMedia = (ref: string, item: McpMedia) => {
    media.delete(ref);
    media.set(ref, item);
    while (media.size > maxMedia) media.delete(media.keys().next().value as string);
  };

  function makeTool(connection: ServerConnection, mcp: McpTool, name: string): Tool {
    const annotations = mcp.annotations ?? {};
    const readOnly = trustReadOnly && annotations.readOnlyHint === true;
    const destructive = annotations.readOnlyHint !== true && annotations.destructiveHint !== false;
    const tags = ['mcp', `mcp:${connection.name}`];
    if (annotations.readOnlyHint === true) tags.push('read-only');
    if (destructive) tags.push('destructive');
    const description = mcp.description ?? mcp.title ?? annotations.title ?? '';
    // Made once here, not per call. Progress is asked for only when someone listens (`onEvent`).
    const prepared = connection.prepare(
      mcp.name,
      listening
        ? (progress) => emit({ type: 'tool-progress', server: connection.name, tool: name, progress })
        : undefined,
    );
    const tool: Tool = {
      definition: {
        name,
        description,
        parameters: mcp.inputSchema as JsonSchema,
        category: connection.name,
        tags,
        ...(readOnly ? { readOnly: true } : {}),
      },
      async execute(args, context) {
        if (destructive && !allowDestructive && !approved.has(args)) {
          throw new McpToolError({
            server: connection.name,
            tool: mcp.name,
            message: `tool ${JSON.stringify(name)} is destructive (MCP destructiveHint) and runs only after approval: add the MCP source's middleware to the agent, or connect with allowDestructive: true`,
          });
        }
        const result = await connection.call(prepared, args, context.abortSignal);
        if (result.isError === true) {
          throw new McpToolError({
            server: connection.name,
            tool: mcp.name,
            message: contentText(result.content) || `MCP tool ${JSON.stringify(mcp.name)} reported an error`,
          });
        }
        return toToolOutput(connection.name, result, storeMedia) as string | McpToolOutput;
      },
    };
    return tool;
  }

  /** Recomputes every name and updates the registry with only what changed. */
  function sync(changed: ServerConnection | undefined): void {
    // While starting, listings are only stored: one sync at the end names every server's tools once.
    if (closed || starting) return;
    const requests: Array<{ server: string; prefix: string; original: string }> = [];
    const sources: Array<{ connection: ServerConnection; mcp: McpTool }> = [];
    for (const connection of connections) {
      const tools = listed.get(connection);
      if (tools === undefined) continue;
      const prefix = connection.config.prefix ?? connection.name;
      for (const mcp of tools) {
        if (!isObjectSchema(mcp.inputSchema)) {
          if (changed === undefined || connection === changed)
            emit({
              type: 'tool-skipped',
              server: connection.name,
              tool: mcp.name,
              reason: 'inputSchema is not an object schema',
            });
          continue;
        }
        requests.push({ server: connection.name, prefix, original: mcp.name });
        sources.push({ connection, mcp });
      }
    }
    const { names, renames } = assignToolNames(requests, separator);
    const next = new Map<string, Entry>();
    const added: Tool[] = [];
    const perServer = new Map<string, { added: number; removed: number }>();
    const count = (server: string, field: 'added' | 'removed') => {
      const counts = perServer.get(server) ?? { added: 0, removed: 0 };
      counts[field]++;
      perServer.set(server, counts);
    };
    for (let index = 0; index < names.length; index++) {
      const name = names[index]!;
      const { connection, mcp } = sources[index]!;
      const previous = byName.get(name);
      if (previous !== undefined && previous.connection === connection && previous.mcp === mcp) {
        next.set(name, previous);
        continue;
      }
      // Same server, same listing content: keep the tool object, so caches and plans stay valid.
      if (
        previous !== undefined &&
        previous.connection === connection &&
        JSON.stringify(previous.mcp) === JSON.stringify(mcp)
      ) {
        next.set(name, { connection, mcp, tool: previous.tool });
        continue;
      }
      const tool = makeTool(connection, mcp, name);
      next.set(name, { connection, mcp, tool });
      added.push(tool);
      count(connection.name, 'added');
    }
    const replaced = new Set(added.map((tool) => tool.definition.name));
    const gone: string[] = [];
    for (const [name, entry] of byName) {
      if (!next.has(name) && !replaced.has(name)) {
        gone.push(name);
        count(entry.connection.name, 'removed');
      }
    }
    byName.clear();
    for (const [name, entry] of next) byName.set(name, entry);
    const known = new Set(
      currentRenames.map((rename) => `${rename.server}\u0000${rename.original}\u0000${rename.name}`),
    );
    for (const rename of renames) {
      if (!known.has(`${rename.server}\u0000${rename.original}\u0000${rename.name}`))
        emit({ type: 'tool-renamed', rename });
    }
    currentRenames = Object.freeze(renames);
    if (gone.length > 0) registry.remove(gone);
    if (added.length > 0) registry.add(added);
    if (perServer.size === 0) return;
    const totals = new Map<string, number>();
    for (const entry of byName.values())
      totals.set(entry.connection.name, (totals.get(entry.connection.name) ?? 0) + 1);
    for (const [server, counts] of perServer) {
      emit({ type: 'tools-changed', server, ...counts, total: totals.get(server) ?? 0 });
    }
  }

  const connections: ServerConnection[] = servers.map(
    (config, index) =>
      new ServerConnection(config, index, settings, {
        toolsListed(connection, tools) {
          listed.set(connection, tools);
          sync(connection);
        },
        stateChanged(connection, state, error) {
          if (state === 'connected') {
            emit({
              type: 'server-connected',
              server: connection.name,
              tools: listed.get(connection)?.length ?? 0,
            });
          } else if (state === 'reconnecting' && error) {
            emit({ type: 'server-disconnected', server: connection.name, error });
          } else if (state === 'failed' && error) {
            listed.delete(connection);
            sync(connection);
            emit({ type: 'server-failed', server: connection.name, error });
          }
        },
        reconnecting(connection, attempt, delayMs) {
          emit({ type: 'server-reconnecting', server: connection.name, attempt, delayMs });
        },
      }),
  );
  const startFailures = new Map<ServerConnection, McpServerError>();
  starting = true;
  await Promise.all(
    connections.map((connection) =>
      connection.start().catch((error: unknown) => {
        const failure = McpServerError.isInstance(error)
          ? error
          : new McpServerError({
              server: connection.name,
              failure: 'start-failed',
              message: String(error),
              cause: error,
            });
        startFailures.set(connection, failure);
        emit({ type: 'server-failed', server: connection.name, error: failure });
      }),
    ),
  );
  starting = false;
  sync(undefined);

  const approval = createApprovalMiddleware({
    name: 'mcp-destructive-approval',
    // Last, so the arguments it records are the ones the tool receives.
    priority: MiddlewarePriority.deferred,
    approve: async (call, context) => {
      if (allowDestructive) return true;
      if (options.approveDestructive === undefined) {
        return {
          approved: false,
          reason:
            'destructive MCP tools need approveDestructive (or allowDestructive: true) in connectMcpServers',
        };
      }
      return options.approveDestructive(call, context);
    },
  });
  const guard: ToolMiddleware = {
    ...approval,
    before(call, context) {
      const decision = approval.before!(call, context);
      const record = (value: Awaited<typeof decision>) => {
        if (value === undefined || value.type !== 'block') approved.add(call.arguments);
        return value;
      };
      return decision instanceof Promise
        ? decision.then(record)
        : record(decision as Awaited<typeof decision>);
    },
  };
  // The scope's rules are alternatives: only the predicate (tag and ownership together) must decide.
  guard.appliesTo = {
    predicate: (definition) =>
      definition.tags?.includes('destructive') === true &&
      byName.get(definition.name)?.tool.definition === definition,
  };

  return {
    registry,
    middleware: Object.freeze([guard]),
    tools() {
      return [...byName.values()].map((entry) => entry.tool);
    },
    servers() {
      return connections.map((connection) => {
        const error = startFailures.get(connection) ?? connection.error;
        let tools = 0;
        for (const entry of byName.values()) if (entry.connection === connection) tools++;
        const state: McpServerState = startFailures.has(connection) ? 'failed' : connection.state;
        return { name: connection.name, state, tools, ...(error ? { error } : {}) };
      });
    },
    failures() {
      return connections
        .map(
          (connection) =>
            startFailures.get(connection) ?? (connection.state === 'failed' ? connection.error : undefined),
        )
        .filter((error): error is McpServerError => error !== undefined);
    },
    renames() {
      return currentRenames;
    },
    origin(name) {
      const entry = byName.get(name);
      return entry ? { server: entry.connection.name, tool: entry.mcp.name } : undefined;
    },
    client(server) {
      return connections.find((connection) => connection.name === server)?.client;
    },
    media(ref) {
      return media.get(ref);
    },
    async refresh(server) {
      const targets = connections.filter((connection) => server === undefined || connection.name === server);
      if (server !== undefined && targets.length === 0)
        throw invalidOption('server', 'the name of a connected server', server);
      await Promise.all(targets.map((connection) => connection.refresh()));
    },
    async close() {
      if (closed) return;
      await Promise.all(connections.map((connection) => connection.close()));
      closed = true;
      const names = [...byName.keys()];
      byName.clear();
      if (names.length > 0) registry.remove(names);
    },
  };
}
