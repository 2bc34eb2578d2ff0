import { setMaxListeners } from 'node:events';
import { ToolResultCache } from '@victor-ai/cache';
import type { Message, Provider, Tool, ToolDefinition, ToolMiddleware } from '@victor-ai/core';
import {
  AbortedError,
  AgentClosedError,
  combineSignals,
  InvalidArgumentsError,
  noopMetricsSink,
  systemClock,
} from '@victor-ai/core';
import { createToolMiddlewareChain } from '@victor-ai/middleware';
import { ToolRegistry, ToolSelector } from '@victor-ai/tool-selection';
import { ChatCoordinator } from './chat-coordinator.js';
import {
  type CompactionOptions,
  compactContext,
  MemoryToolResultStore,
  modelSummariser,
  RECALL_TOOL_NAME,
  recallTool,
} from './compaction.js';
import { type AgentConfig, checkAgentTools, parseAgentConfig } from './config.js';
import { ContextCoordinator } from './context-coordinator.js';
import { PromptCoordinator } from './prompt-coordinator.js';
import { ProviderCoordinator } from './provider-coordinator.js';
import { StickyToolSelection } from './sticky-selection.js';
import { loadTokenCounter, type TokenizerName, tokenizerFor } from './tokenizer.js';
import { ToolCoordinator } from './tool-coordinator.js';
import type { AgentStreamEvent, TurnOptions, TurnResult } from './turn.js';

/** Names of the parts an agent builds on first use. */
export type AgentPart =
  | 'chat'
  | 'context'
  | 'prompt'
  | 'registry'
  | 'selector'
  | 'middleware'
  | 'tools'
  | 'tool-result-cache'
  | 'sticky';

/** An agent: chat turns over a provider with tools, middleware, selection and caching. */
export interface Agent {
  /** Runs one turn. A string continues the stored conversation; an array of messages is used as is. */
  chat(input: string | readonly Message[], options?: TurnOptions): Promise<TurnResult>;
  /** Runs one turn as a stream of events; breaking out of the loop cancels the HTTP request. */
  stream(input: string | readonly Message[], options?: TurnOptions): AsyncIterable<AgentStreamEvent>;
  /** The stored history of a conversation. */
  history(conversationId?: string): readonly Message[];
  /** The provider coordinator: current provider and model, switching. */
  readonly providers: ProviderCoordinator;
  /** The parts built so far (they are built on first use). */
  built(): AgentPart[];
  /**
   * The tokenizer counting the context budget: `o200k_base` / `cl100k_base` for OpenAI model families once
   * loaded (on the first turn), `estimate` (characters / 4) otherwise or with `tokenCounting: 'estimate'`.
   */
  tokenizer(): TokenizerName;
  /**
   * Closes the agent: later turns reject, turns still running are aborted (their model requests are
   * cancelled, their tools' `abortSignal` fires, and they reject or end with an `ABORTED` error), then the
   * providers are closed (unless `closeProviders: false`). A tool that ignores its signal may still be
   * running when this resolves; its result is dropped. Caches and other objects passed in the config
   * belong to the caller.
   */
  close(): Promise<void>;
}

/**
 * Creates an agent. The configuration is validated here (errors name the field); coordinators, the tool
 * index and the middleware plan are built on first use, so what a turn never needs is never built.
 */
export function createAgent(config: AgentConfig): Agent {
  const options = parseAgentConfig(config);
  const clock = options.clock ?? systemClock;
  const metrics = options.metrics ?? noopMetricsSink;
  const providersByName: Record<string, Provider> = options.provider
    ? { [options.defaultProvider ?? 'default']: options.provider }
    : { ...options.providers };
  const providers = new ProviderCoordinator({
    providers: providersByName,
    model: options.model,
    ...(options.defaultProvider !== undefined ? { defaultProvider: options.defaultProvider } : {}),
    ...(options.modelMiddleware ? { modelMiddleware: options.modelMiddleware } : {}),
    ...(options.route ? { route: options.route } : {}),
  });
  const tools = (options.tools ?? []) as readonly Tool[];
  checkAgentTools(tools);
  // A registry given in the config is read live: its tools (validated by the registry as they are added)
  // may change between turns.
  const liveRegistry = options.registry;
  const built = new Set<AgentPart>();
  let closed = false;
  prepareMiddleware(options.middleware, liveRegistry ? registeredTools(liveRegistry) : tools, () => closed);
  // One signal for every turn, aborted by close(). A turn without a signal of its own gets it as it is (no
  // allocation); a turn with one gets both combined, and the combination is undone when the turn ends.
  const closing = new AbortController();
  // Each running request and tool may listen to it (and stops when done): any number may run at once.
  setMaxListeners(0, closing.signal);
  const closeOnlyOptions: TurnOptions = Object.freeze({ abortSignal: closing.signal });
  const ownSignal = (turnOptions: TurnOptions | undefined): AbortSignal | undefined => {
    const signal = turnOptions?.abortSignal ?? undefined;
    if (signal !== undefined && !isAbortSignal(signal)) {
      throw new InvalidArgumentsError({
        message: `abortSignal must be an AbortSignal, got ${describeValue(signal)}`,
      });
    }
    return signal;
  };
  const withCloseSignal = (turnOptions: TurnOptions | undefined): TurnOptions =>
    turnOptions === undefined ? closeOnlyOptions : { ...turnOptions, abortSignal: closing.signal };
  async function* streamWithOwnSignal(
    input: string | readonly Message[],
    turnOptions: TurnOptions,
    own: AbortSignal,
  ): AsyncGenerator<AgentStreamEvent, void, undefined> {
    // Combined on the first next(), so a stream that is never read attaches nothing.
    const combined = combineSignals([own, closing.signal]);
    try {
      yield* chat().stream(input, { ...turnOptions, abortSignal: combined.signal! });
    } finally {
      combined.dispose();
    }
  }

  const lazy = <T>(part: AgentPart, create: () => T): (() => T) => {
    let value: T | undefined;
    let ready = false;
    return () => {
      if (!ready) {
        value = create();
        ready = true;
        built.add(part);
      }
      return value as T;
    };
  };

  const context = lazy(
    'context',
    () =>
      new ContextCoordinator(
        options.contextBudgetTokens !== undefined ? { budgetTokens: options.contextBudgetTokens } : {},
      ),
  );
  const prompt = lazy(
    'prompt',
    () =>
      new PromptCoordinator({
        ...(options.systemPrompt !== undefined ? { systemPrompt: options.systemPrompt } : {}),
        ...(options.listToolsInPrompt !== undefined ? { listTools: options.listToolsInPrompt } : {}),
      }),
  );
  const registry = liveRegistry
    ? lazy('registry', () => liveRegistry)
    : lazy('registry', () => new ToolRegistry(tools));
  // The definitions offered when selection does not run: the same array until the registry changes.
  let definitionsVersion = -1;
  let definitionsList: readonly ToolDefinition[] | undefined;
  const definitions = (): readonly ToolDefinition[] | undefined => {
    if (liveRegistry === undefined && tools.length === 0) return undefined;
    const current = registry();
    if (current.version !== definitionsVersion) {
      definitionsVersion = current.version;
      definitionsList = current.size === 0 ? undefined : current.list().map((entry) => entry.definition);
    }
    return definitionsList;
  };
  const selection = options.toolSelection ?? {};
  const minTools = selection.minTools ?? 12;
  const selectionEnabled =
    selection.enabled !== false && (liveRegistry !== undefined || tools.length > minTools);
  const selectorOf = lazy('selector', () =>
    selectionEnabled
      ? new ToolSelector({
          registry: registry(),
          metrics,
          // A selection never offers fewer than min(minTools, registered) tools (the selector's limit: 1,000).
          minTools: Math.min(minTools, 1000),
          ...(selection.embedder ? { embedder: selection.embedder } : {}),
          ...(selection.strategy ? { strategy: selection.strategy } : { strategy: 'lexical' as const }),
          ...(selection.k !== undefined ? { k: selection.k } : {}),
          ...(selection.cacheSize !== undefined ? { cacheSize: selection.cacheSize } : {}),
        })
      : undefined,
  );
  // With a live registry, selection runs on the turns when it holds more than minTools tools.
  const selector = (): ToolSelector | undefined =>
    liveRegistry !== undefined && liveRegistry.size <= minTools ? undefined : selectorOf();
  // Sticky selection is the default in a conversation (measured: the prompt cache serves far more of it).
  const stickyOption = selection.sticky ?? true;
  const sticky =
    stickyOption === false
      ? undefined
      : lazy(
          'sticky',
          () =>
            new StickyToolSelection({
              maxTools: Math.max(
                (typeof stickyOption === 'object' ? stickyOption.maxTools : undefined) ?? 20,
                Math.min(minTools, 1000),
              ),
            }),
        );
  // Compaction is the default near the budget: older turns summarised by the model, large results stored.
  const compactionOption = options.compaction ?? {};
  const resultStore =
    compactionOption === false ? undefined : (compactionOption.store ?? new MemoryToolResultStore());
  // Which tenant stored each reference: the recall tool shows a result to its own tenant only.
  const referenceTenants = new Map<string, string | undefined>();
  const recall = resultStore
    ? recallTool(resultStore, (reference, toolContext) => {
        return referenceTenants.has(reference) && referenceTenants.get(reference) === toolContext.tenantId;
      })
    : undefined;
  const storedTenants = new Set<string | undefined>();
  const compaction =
    compactionOption === false
      ? undefined
      : {
          triggerRatio: compactionOption.triggerRatio ?? 0.9,
          recall: (turnOptions: TurnOptions) =>
            storedTenants.has(turnOptions.tenantId) ? recall!.definition : undefined,
          async run(
            conversationId: string,
            history: readonly Message[],
            budgetTokens: number,
            estimate: (message: Message) => number,
            turnOptions: TurnOptions,
          ) {
            const summary = compactionOption.summary ?? {};
            const compactOptions: CompactionOptions = {
              budgetTokens: Math.max(1, budgetTokens),
              estimate,
              store: resultStore!,
            };
            if (compactionOption.triggerRatio !== undefined)
              compactOptions.triggerRatio = compactionOption.triggerRatio;
            if (compactionOption.keepLastTurns !== undefined)
              compactOptions.keepLastTurns = compactionOption.keepLastTurns;
            if (compactionOption.maxToolResultTokens !== undefined)
              compactOptions.maxToolResultTokens = compactionOption.maxToolResultTokens;
            if (turnOptions.abortSignal) compactOptions.abortSignal = turnOptions.abortSignal;
            if (summary !== false) {
              if (summary.timeoutMs !== undefined) compactOptions.summaryTimeoutMs = summary.timeoutMs;
              const current = providers.choice;
              compactOptions.summarise = modelSummariser({
                model: summary.model ?? current.model,
                ...(summary.prompt !== undefined ? { prompt: summary.prompt } : {}),
                ...(summary.maxTokens !== undefined ? { maxTokens: summary.maxTokens } : {}),
                // A one-off prompt: no cache breakpoints (a write would never be read).
                chat: (request) =>
                  current.provider.chat({
                    ...request,
                    ...(turnOptions.tenantId !== undefined
                      ? { metadata: { tenantId: turnOptions.tenantId } }
                      : {}),
                    providerOptions: { anthropic: { cacheControl: false } },
                  }),
              });
            }
            const result = await compactContext(history, compactOptions);
            for (const reference of result.references) referenceTenants.set(reference, turnOptions.tenantId);
            if (result.references.length > 0) storedTenants.add(turnOptions.tenantId);
            if (result.compacted) compactionOption.onCompact?.(conversationId, result);
            return result;
          },
        };
  const counting = options.tokenCounting ?? 'auto';
  const loadCounter =
    counting === 'auto' && tokenizerFor(options.model) !== 'estimate'
      ? () => loadTokenCounter(options.model)
      : undefined;
  const lookupTool = (name: string): Tool | undefined => {
    const found = registry().get(name)?.tool;
    if (found === undefined && name === RECALL_TOOL_NAME && recall !== undefined && storedTenants.size > 0)
      return recall as unknown as Tool;
    return found;
  };
  const chain = lazy('middleware', () =>
    createToolMiddlewareChain(options.middleware ?? [], {
      metrics,
      clock,
      ...(options.toolTimeoutMs !== undefined ? { timeoutMs: options.toolTimeoutMs } : {}),
    }),
  );
  const resultCache = lazy('tool-result-cache', () =>
    options.toolResultCache
      ? new ToolResultCache({
          cache: options.toolResultCache.cache,
          ...(options.toolResultCache.ttlMs !== undefined ? { ttlMs: options.toolResultCache.ttlMs } : {}),
          ...(options.workspaceRoot !== undefined ? { rootDir: options.workspaceRoot } : {}),
        })
      : undefined,
  );
  const toolCoordinator = lazy('tools', () => {
    const cache = resultCache();
    return new ToolCoordinator({
      lookup: lookupTool,
      chain: chain(),
      metrics,
      clock,
      ...(options.toolConcurrency !== undefined ? { concurrency: options.toolConcurrency } : {}),
      ...(options.workspaceRoot !== undefined ? { rootDir: options.workspaceRoot } : {}),
      ...(cache ? { resultCache: cache } : {}),
      ...(options.dependsOn ? { dependsOn: options.dependsOn } : {}),
    });
  });
  const chat = lazy(
    'chat',
    () =>
      new ChatCoordinator({
        clock,
        metrics,
        providers,
        context,
        prompt,
        toolDefinitions: definitions,
        selector,
        tools: toolCoordinator,
        isReadOnly: (name) => lookupTool(name)?.definition.readOnly === true,
        isRegistered: (name) => registry().has(name) || lookupTool(name) !== undefined,
        responseCache: options.responseCache?.cache,
        responseCacheTtlMs: options.responseCache?.ttlMs,
        maxSteps: options.maxSteps ?? 8,
        allowUnofferedTools: selection.allowUnofferedTools === true,
        selectionK: selection.k,
        selectionStrategy: selection.strategy ?? 'lexical',
        sticky,
        compaction,
        loadTokenCounter: loadCounter,
        temperature: options.temperature,
        maxTokens: options.maxTokens,
      }),
  );
  const closedError = () => new AgentClosedError();
  const failedStream = (error: unknown): AsyncIterable<AgentStreamEvent> => ({
    [Symbol.asyncIterator]: () => ({ next: () => Promise.reject(error) }),
  });
  const closedStream = (): AsyncIterable<AgentStreamEvent> => failedStream(closedError());

  return {
    providers,
    chat(input, turnOptions) {
      if (closed) return Promise.reject(closedError());
      let own: AbortSignal | undefined;
      try {
        own = ownSignal(turnOptions);
      } catch (error) {
        return Promise.reject(error);
      }
      if (own === undefined) return chat().chat(input, withCloseSignal(turnOptions));
      const combined = combineSignals([own, closing.signal]);
      return chat()
        .chat(input, { ...turnOptions, abortSignal: combined.signal! })
        .finally(combined.dispose);
    },
    stream(input, turnOptions) {
      if (closed) return closedStream();
      let own: AbortSignal | undefined;
      try {
        own = ownSignal(turnOptions);
      } catch (error) {
        return failedStream(error);
      }
      if (own === undefined) return chat().stream(input, withCloseSignal(turnOptions));
      return streamWithOwnSignal(input, turnOptions!, own);
    },
    history(conversationId = 'default') {
      return built.has('context') ? context().history(conversationId) : [];
    },
    built() {
      return [...built];
    },
    tokenizer() {
      return built.has('chat') ? chat().tokenizer : 'estimate';
    },
    async close() {
      if (closed) return;
      closed = true;
      closing.abort(new AbortedError({ message: 'the agent was closed' }));
      if (options.closeProviders !== false) await providers.close();
    },
  };
}

function isAbortSignal(value: unknown): value is AbortSignal {
  return (
    typeof value === 'object' &&
    value !== null &&
    typeof (value as AbortSignal).aborted === 'boolean' &&
    typeof (value as AbortSignal).addEventListener === 'function'
  );
}

function describeValue(value: unknown): string {
  if (typeof value === 'string') return JSON.stringify(value);
  if (typeof value === 'object' && value !== null) return value.constructor?.name ?? 'an object';
  return String(value);
}

/** The executable tools of a registry (bare definitions have none). */
function registeredTools(registry: ToolRegistry): Tool[] {
  const found: Tool[] = [];
  for (const entry of registry.list()) if (entry.tool !== undefined) found.push(entry.tool);
  return found;
}

/**
 * Gives middlewares with a `prepare` hook each tool once, in the next turn of the event loop: out of
 * `createAgent`, and usually done while the first turn waits for the model, so that turn's first tool
 * calls find their per-tool work (such as compiled schemas) done.
 */
function prepareMiddleware(
  middlewares: readonly ToolMiddleware[] | undefined,
  tools: readonly Tool[],
  closed: () => boolean,
): void {
  const preparing = middlewares?.filter((middleware) => typeof middleware.prepare === 'function') ?? [];
  if (preparing.length === 0 || tools.length === 0) return;
  setImmediate(() => {
    for (const middleware of preparing) {
      for (const tool of tools) {
        if (closed()) return;
        try {
          middleware.prepare!(tool.definition);
        } catch {
          // Preparing is an optimisation: a failure shows again, and is reported, on the tool's call.
        }
      }
    }
  }).unref();
}
