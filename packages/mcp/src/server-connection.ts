import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StdioClientTransport } from '@modelcontextprotocol/sdk/client/stdio.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import type { RequestOptions } from '@modelcontextprotocol/sdk/shared/protocol.js';
import type { Transport } from '@modelcontextprotocol/sdk/shared/transport.js';
import {
  type CallToolResult,
  ErrorCode,
  McpError,
  type Tool as McpTool,
  ToolListChangedNotificationSchema,
} from '@modelcontextprotocol/sdk/types.js';
import { AbortedError, delay, TimeoutError, VictorError } from '@victor-ai/core';
import { McpServerError, type McpServerFailure } from './errors.js';

/** A server the package starts as a child process and talks to over stdio. */
export interface McpStdioServerConfig {
  /** Unique name: `[a-zA-Z0-9_-]{1,32}`; the default tool-name prefix. */
  name: string;
  /** The executable, e.g. `process.execPath` to run a script with this Node. */
  command: string;
  args?: readonly string[];
  /** Environment of the child; the MCP SDK's safe default (PATH, HOME, ...) when not given. */
  env?: Record<string, string>;
  cwd?: string;
  /** Tool names are `prefix + separator + tool`; default the server's name, `''` for none. */
  prefix?: string;
  /** Overrides `callTimeoutMs` for this server's tools. */
  callTimeoutMs?: number;
}

/** A server reached over Streamable HTTP. */
export interface McpHttpServerConfig {
  name: string;
  /** The server's MCP endpoint, e.g. `http://127.0.0.1:3000/mcp`. */
  url: string;
  /** Sent with every request (for example `authorization`). */
  headers?: Record<string, string>;
  prefix?: string;
  callTimeoutMs?: number;
}

/** A server reached over a transport you make (the SDK's `InMemoryTransport`, WebSocket, ...). */
export interface McpTransportServerConfig {
  name: string;
  /** Called for every connection attempt, so it must return a fresh transport each time. */
  transport: () => Transport;
  prefix?: string;
  callTimeoutMs?: number;
}

/** Where an MCP server is and how to reach it. */
export type McpServerConfig = McpStdioServerConfig | McpHttpServerConfig | McpTransportServerConfig;

/** Reconnection after a server exits or its connection drops. */
export interface McpReconnectOptions {
  /** Attempts before giving up; default 5. */
  maxAttempts?: number;
  /** Wait before the first attempt; default 500 ms, doubled each time. */
  initialDelayMs?: number;
  /** Longest wait between attempts; default 30 s. */
  maxDelayMs?: number;
}

/** Connection state of one server. */
export type McpServerState = 'connecting' | 'connected' | 'reconnecting' | 'failed' | 'closed';

/** A progress notification of a running tool call. */
export interface McpProgress {
  progress: number;
  total?: number;
  message?: string;
}

/** One tool's call settings, from `ServerConnection.prepare`. */
export interface PreparedCall {
  /** The tool's MCP name. */
  readonly tool: string;
  readonly timeoutMs: number;
  /** The SDK request options of a call without a caller signal. */
  readonly options: RequestOptions;
}

/** What the connection tells its owner. */
export interface ConnectionHooks {
  toolsListed(connection: ServerConnection, tools: readonly McpTool[]): void;
  stateChanged(connection: ServerConnection, state: McpServerState, error?: McpServerError): void;
  reconnecting(connection: ServerConnection, attempt: number, delayMs: number): void;
}

/** Settings shared by every connection of a source. */
export interface ConnectionSettings {
  clientName: string;
  clientVersion: string;
  callTimeoutMs: number;
  connectTimeoutMs: number;
  reconnect: Required<McpReconnectOptions> | false;
}

const STDERR_TAIL = 2_000;

/**
 * What the SDK's `request()` reads of its signal (`aborted`, `reason`, `throwIfAborted`, one `abort`
 * listener), as a plain object: a real `AbortSignal` per call costs tens of microseconds here, more than
 * the rest of the call path. The SDK version is pinned, and the cancellation tests check it still works.
 */
class CallSignal {
  aborted = false;
  reason: unknown = undefined;
  #listener: (() => void) | undefined;

  addEventListener(_type: 'abort', listener: () => void): void {
    this.#listener = listener;
  }

  removeEventListener(): void {
    this.#listener = undefined;
  }

  throwIfAborted(): void {
    if (this.aborted) throw this.reason;
  }

  abort(reason: unknown): void {
    if (this.aborted) return;
    this.aborted = true;
    this.reason = reason;
    const listener = this.#listener;
    this.#listener = undefined;
    listener?.();
  }
}

/** The caller's abort reason as a Victor error (a timeout stays a timeout). */
function abortError(signal: AbortSignal): VictorError {
  const reason: unknown = signal.reason;
  return VictorError.isInstance(reason) ? reason : new AbortedError({ cause: reason });
}

function describeCommand(config: McpStdioServerConfig): string {
  return [config.command, ...(config.args ?? [])].join(' ');
}

/**
 * One MCP server: the SDK client over its transport, the listing of its tools (every page), calls with a
 * timeout and cancellation, `list_changed` handling, and reconnection with backoff.
 */
export class ServerConnection {
  readonly config: McpServerConfig;
  readonly index: number;
  #client: Client | undefined;
  #state: McpServerState = 'connecting';
  #error: McpServerError | undefined;
  #stderr = '';
  #closed = new AbortController();
  #listing: Promise<void> | undefined;
  #listAgain = false;
  readonly #settings: ConnectionSettings;
  readonly #hooks: ConnectionHooks;

  constructor(config: McpServerConfig, index: number, settings: ConnectionSettings, hooks: ConnectionHooks) {
    this.config = config;
    this.index = index;
    this.#settings = settings;
    this.#hooks = hooks;
  }

  get name(): string {
    return this.config.name;
  }

  get state(): McpServerState {
    return this.#state;
  }

  /** The last failure, while the server is not connected. */
  get error(): McpServerError | undefined {
    return this.#error;
  }

  /** The SDK client while connected (for what this package does not wrap, such as resources). */
  get client(): Client | undefined {
    return this.#state === 'connected' ? this.#client : undefined;
  }

  /** Connects and lists the tools; rejects with `McpServerError` (`start-failed` or `list-failed`). */
  async start(): Promise<void> {
    await this.#connect('start-failed');
  }

  async #connect(failure: McpServerFailure): Promise<void> {
    const client = new Client(
      { name: this.#settings.clientName, version: this.#settings.clientVersion },
      { capabilities: {} },
    );
    this.#stderr = '';
    let transport: Transport;
    try {
      transport = this.#transport();
      await client.connect(transport, {
        timeout: this.#settings.connectTimeoutMs,
        signal: this.#closed.signal,
      });
    } catch (error) {
      await client.close().catch(() => undefined);
      throw this.#failure(failure, 'could not connect', error);
    }
    if (this.#closed.signal.aborted) {
      await client.close().catch(() => undefined);
      return;
    }
    this.#client = client;
    client.setNotificationHandler(ToolListChangedNotificationSchema, () => {
      void this.refresh().catch(() => undefined);
    });
    try {
      const tools = await this.#listAll(client);
      this.#hooks.toolsListed(this, tools);
    } catch (error) {
      this.#client = undefined;
      await client.close().catch(() => undefined);
      throw this.#failure('list-failed', 'could not list its tools', error);
    }
    // Set after the listing, so a server that dies while listing goes through the failure path above.
    client.onclose = () => this.#lost(client);
    this.#setState('connected');
  }

  #transport(): Transport {
    const config = this.config;
    if ('transport' in config) return config.transport();
    if ('url' in config) {
      return new StreamableHTTPClientTransport(
        new URL(config.url),
        config.headers ? { requestInit: { headers: config.headers } } : undefined,
      );
    }
    const transport = new StdioClientTransport({
      command: config.command,
      ...(config.args ? { args: [...config.args] } : {}),
      ...(config.env ? { env: config.env } : {}),
      ...(config.cwd ? { cwd: config.cwd } : {}),
      stderr: 'pipe',
    });
    // Kept for error messages; a server's log lines would otherwise land in the user's terminal.
    transport.stderr?.on('data', (chunk: Buffer) => {
      this.#stderr = (this.#stderr + chunk.toString('utf8')).slice(-STDERR_TAIL);
    });
    return transport;
  }

  #where(): string {
    const config = this.config;
    if ('url' in config) return ` at ${config.url}`;
    if ('command' in config) return ` (${describeCommand(config)})`;
    return '';
  }

  #failure(failure: McpServerFailure, what: string, cause: unknown): McpServerError {
    if (McpServerError.isInstance(cause)) return cause;
    const detail = cause instanceof Error ? cause.message : String(cause);
    const stderr = this.#stderr.trim();
    return new McpServerError({
      server: this.name,
      failure,
      message: `MCP server ${JSON.stringify(this.name)}${this.#where()} ${what}: ${detail}${
        stderr ? `; its stderr ended with: ${stderr.slice(-300)}` : ''
      }`,
      cause,
    });
  }

  async #listAll(client: Client): Promise<McpTool[]> {
    const tools: McpTool[] = [];
    const cursors = new Set<string>();
    let cursor: string | undefined;
    do {
      const page = await client.listTools(cursor === undefined ? {} : { cursor }, {
        timeout: this.#settings.callTimeoutMs,
      });
      tools.push(...page.tools);
      cursor = page.nextCursor;
      if (cursor !== undefined) {
        if (cursors.has(cursor)) throw new Error(`tools/list repeated the cursor ${JSON.stringify(cursor)}`);
        cursors.add(cursor);
      }
    } while (cursor !== undefined);
    return tools;
  }

  /** Lists the tools again (as on `list_changed`); concurrent refreshes are coalesced. */
  refresh(): Promise<void> {
    if (this.#listing !== undefined) {
      this.#listAgain = true;
      return this.#listing;
    }
    const client = this.#client;
    if (client === undefined || this.#state !== 'connected') return Promise.resolve();
    this.#listing = (async () => {
      try {
        do {
          this.#listAgain = false;
          const tools = await this.#listAll(client);
          if (this.#client !== client) return;
          this.#hooks.toolsListed(this, tools);
        } while (this.#listAgain);
      } finally {
        this.#listing = undefined;
      }
    })();
    return this.#listing;
  }

  /**
   * What every call of one tool shares, made once when the tool is registered: its name, timeout, progress
   * handler and the SDK request options of a call without a caller signal (the same object every call).
   * Progress is asked for only when there is a handler; without one the request carries no progress token.
   */
  prepare(tool: string, onProgress?: (progress: McpProgress) => void): PreparedCall {
    const timeoutMs = this.config.callTimeoutMs ?? this.#settings.callTimeoutMs;
    const options: RequestOptions = Object.freeze(
      onProgress === undefined
        ? { timeout: timeoutMs }
        : { timeout: timeoutMs, onprogress: onProgress, resetTimeoutOnProgress: false },
    );
    return Object.freeze({ tool, timeoutMs, options });
  }

  /** Calls a prepared tool; `abortSignal` cancels it (the server gets `notifications/cancelled`); SDK errors become Victor errors. */
  async call(
    prepared: PreparedCall,
    args: Record<string, unknown>,
    abortSignal?: AbortSignal,
  ): Promise<CallToolResult> {
    const { tool, timeoutMs } = prepared;
    const client = this.#client;
    if (client === undefined || this.#state !== 'connected') {
      throw (
        this.#error ??
        new McpServerError({
          server: this.name,
          failure: 'disconnected',
          message: `MCP server ${JSON.stringify(this.name)} is ${this.#state}: tool ${JSON.stringify(tool)} was not called`,
        })
      );
    }
    // The SDK never removes the abort listener it adds to a request's signal, and an agent's signal lives
    // as long as the agent: the SDK gets a signal of this call's own, forwarding the caller's abort.
    let options = prepared.options;
    let forward: (() => void) | undefined;
    if (abortSignal !== undefined) {
      if (abortSignal.aborted) throw abortError(abortSignal);
      const signal = new CallSignal();
      forward = () => signal.abort(abortSignal.reason);
      abortSignal.addEventListener('abort', forward, { once: true });
      options = { ...options, signal: signal as unknown as AbortSignal };
    }
    try {
      return (await client.callTool({ name: tool, arguments: args }, undefined, options)) as CallToolResult;
    } catch (error) {
      if (abortSignal?.aborted) throw abortError(abortSignal);
      if (error instanceof McpError && error.code === ErrorCode.RequestTimeout) {
        throw new TimeoutError({
          timeoutMs,
          message: `MCP tool ${JSON.stringify(tool)} on server ${JSON.stringify(this.name)} timed out after ${timeoutMs} ms`,
          cause: error,
        });
      }
      if (error instanceof McpError && error.code === ErrorCode.ConnectionClosed) {
        throw this.#failure(
          'disconnected',
          `closed the connection during a call to ${JSON.stringify(tool)}`,
          error,
        );
      }
      throw error;
    } finally {
      if (forward !== undefined) abortSignal!.removeEventListener('abort', forward);
    }
  }

  #setState(state: McpServerState, error?: McpServerError): void {
    this.#state = state;
    this.#error = state === 'connected' ? undefined : error;
    this.#hooks.stateChanged(this, state, error);
  }

  #lost(client: Client): void {
    if (this.#client !== client || this.#closed.signal.aborted) return;
    this.#client = undefined;
    const error = this.#failure('disconnected', 'exited or closed the connection', 'connection closed');
    if (this.#settings.reconnect === false) {
      this.#setState('failed', error);
      return;
    }
    this.#setState('reconnecting', error);
    void this.#reconnect(this.#settings.reconnect);
  }

  async #reconnect(policy: Required<McpReconnectOptions>): Promise<void> {
    let wait = policy.initialDelayMs;
    let last: unknown;
    for (let attempt = 1; attempt <= policy.maxAttempts; attempt++) {
      this.#hooks.reconnecting(this, attempt, wait);
      try {
        await delay(wait, { abortSignal: this.#closed.signal });
      } catch {
        return;
      }
      try {
        await this.#connect('disconnected');
        return;
      } catch (error) {
        if (this.#closed.signal.aborted) return;
        last = error;
        wait = Math.min(wait * 2, policy.maxDelayMs);
      }
    }
    const detail = last instanceof Error ? last.message : String(last);
    this.#setState(
      'failed',
      new McpServerError({
        server: this.name,
        failure: 'gave-up',
        message: `MCP server ${JSON.stringify(this.name)} could not be reconnected after ${policy.maxAttempts} attempts: ${detail}`,
        cause: last,
      }),
    );
  }

  /** Closes the connection (and stops the child process); no reconnection after this. */
  async close(): Promise<void> {
    if (this.#closed.signal.aborted) return;
    this.#closed.abort(new AbortedError({ message: `MCP server ${JSON.stringify(this.name)} was closed` }));
    const client = this.#client;
    this.#client = undefined;
    this.#state = 'closed';
    await client?.close().catch(() => undefined);
  }
}
