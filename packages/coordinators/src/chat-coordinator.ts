import { setMaxListeners } from 'node:events';
import { isDeterministicRequest, responseCacheKey } from '@victor-ai/cache';
import type {
  AssistantMessage,
  Cache,
  ChatRequest,
  ChatResponse,
  Clock,
  FinishReason,
  Message,
  MetricLabels,
  MetricsSink,
  Provider,
  ReasoningPart,
  SpanTracer,
  StreamEvent,
  ToolCall,
  ToolContext,
  ToolDefinition,
  ToolResult,
  TraceSpan,
  Usage,
  UserMessage,
} from '@victor-ai/core';
import { abortReason, InvalidArgumentsError, InvalidResponseError, MetricNames } from '@victor-ai/core';
import type {
  SelectionStrategy,
  SelectOptions,
  ToolSelection,
  ToolSelector,
} from '@victor-ai/tool-selection';
import type { CompactionResult } from './compaction.js';
import type { ContextCoordinator } from './context-coordinator.js';
import type { PromptCoordinator } from './prompt-coordinator.js';
import type { ProviderCoordinator } from './provider-coordinator.js';
import type { StickyToolSelection } from './sticky-selection.js';
import {
  endModelSpan,
  endTurnSpan,
  failSpan,
  ModelLabels,
  routeTurnSpan,
  stageLabel,
  startModelSpan,
  startTurnSpan,
} from './telemetry.js';
import type { TokenCounter, TokenizerName } from './tokenizer.js';
import type { ToolCoordinator } from './tool-coordinator.js';
import {
  type AgentStreamEvent,
  addUsage,
  type TurnCompaction,
  type TurnOptions,
  type TurnResult,
  toolMessage,
} from './turn.js';

/** The agent's context compaction, as the chat coordinator runs it on stored conversations. */
export interface ChatCompaction {
  /** Compact when the context passes this share of the budget. */
  triggerRatio: number;
  /** Compacts a stored history to `budgetTokens`; rejects only when the turn is aborted. */
  run(
    conversationId: string,
    history: readonly Message[],
    budgetTokens: number,
    estimate: (message: Message) => number,
    options: TurnOptions,
  ): Promise<CompactionResult>;
  /** The recall tool, once results were stored for the turn's tenant; it is offered after the others. */
  recall(options: TurnOptions): ToolDefinition | undefined;
}

/** What the chat coordinator composes; the agent builds each part lazily, on first use. */
export interface ChatParts {
  clock: Clock;
  metrics: MetricsSink;
  providers: ProviderCoordinator;
  context: () => ContextCoordinator;
  prompt: () => PromptCoordinator;
  /** Undefined when the agent has no tools. */
  toolDefinitions: () => readonly ToolDefinition[] | undefined;
  /** Undefined when selection is off or there are too few tools to need it. */
  selector: () => ToolSelector | undefined;
  /** `lexical` ranks synchronously; `semantic` and `hybrid` wait for the embedder. */
  selectionStrategy: SelectionStrategy;
  tools: () => ToolCoordinator;
  isReadOnly: (name: string) => boolean;
  /** True when a tool of that name is registered now; every name counts as registered unless given. */
  isRegistered?: (name: string) => boolean;
  responseCache: Cache<unknown> | undefined;
  responseCacheTtlMs: number | undefined;
  maxSteps: number;
  /** Unless true, a call naming a registered tool not offered on its turn gets `TOOL_NOT_OFFERED`, unrun. */
  allowUnofferedTools?: boolean;
  selectionK: number | undefined;
  /** Sticky selection in stored conversations; undefined (or returning undefined) re-ranks every turn. */
  sticky?: (() => StickyToolSelection | undefined) | undefined;
  /** Compaction of stored conversations near the budget; undefined drops the oldest messages instead. */
  compaction?: ChatCompaction | undefined;
  /** Loads the token counter of the model (a real tokenizer); the estimate is used until it resolves. */
  loadTokenCounter?: (() => Promise<TokenCounter>) | undefined;
  temperature: number | undefined;
  maxTokens: number | undefined;
}

const EMPTY_OPTIONS: TurnOptions = Object.freeze({});
const SELECTION = stageLabel('selection');
const PREPARE = stageLabel('prepare');
const OUTCOME_OK = Object.freeze({ outcome: 'ok' });
const OUTCOME_ERROR = Object.freeze({ outcome: 'error' });
const OUTCOME_CACHED = Object.freeze({ outcome: 'cached' });
// A response cache that throws (one that does not degrade by itself, as this repository's caches do).
const RESPONSE_CACHE_GET = Object.freeze({ cache: 'response', tier: 'agent', operation: 'get' });

interface Prepared {
  request: ChatRequest;
  provider: Provider;
  /** The provider's name, as the agent's configuration gives it. */
  providerName: string;
  /** `{ provider, model }` of the turn's metrics. */
  labels: MetricLabels;
  /** The user message of a string turn, stored with the answer when the turn succeeds. */
  pending: UserMessage | undefined;
  conversationId: string;
  hot: boolean;
  selectedTools: readonly string[];
  cacheKey: string | undefined;
  /** What compacting the stored conversation did before this turn. */
  compaction?: TurnCompaction;
}

/** What a turn's steps gathered. */
interface Progress {
  usage: Usage;
  added: Message[];
  toolResults: ToolResult[];
  sideEffects: boolean;
  providerMs: number;
  toolMs: number;
}

// A selection served from the selector's cache is the same object: keep its tool array with it, so the
// same tools give the same array (response-cache keys hash a tool set once per array). Fresh selections
// are not kept (one short-lived WeakMap entry per turn costs the garbage collector more than it saves).
const definitionsBySelection = new WeakMap<ToolSelection, ToolDefinition[]>();

function namesOf(tools: readonly ToolDefinition[] | undefined): readonly string[] {
  if (tools === undefined) return [];
  const names = new Array<string>(tools.length);
  for (let i = 0; i < tools.length; i++) names[i] = tools[i]!.name;
  return names;
}

function definitionsOf(selection: ToolSelection): ToolDefinition[] {
  let definitions = selection.cached ? definitionsBySelection.get(selection) : undefined;
  if (definitions === undefined) {
    definitions = selection.tools.map((tool) => tool.definition);
    if (selection.cached) definitionsBySelection.set(selection, definitions);
  }
  return definitions;
}

const NO_STEP_SIGNAL = Object.freeze({ signal: undefined, dispose() {} });

/** A signal of one step's tool calls that follows `parent`; `dispose()` stops following it. */
function stepSignal(parent: AbortSignal | undefined): { signal: AbortSignal | undefined; dispose(): void } {
  if (parent === undefined) return NO_STEP_SIGNAL;
  const controller = new AbortController();
  // As many tools (and their timeouts) as run at once may listen.
  setMaxListeners(0, controller.signal);
  if (parent.aborted) {
    controller.abort(parent.reason);
    return { signal: controller.signal, dispose() {} };
  }
  // The listener reaches the step through a link that dispose() cuts: the parent (usually the agent's close
  // signal, shared by every turn) may keep a removed listener's entry reachable for a while, and it must
  // not keep the step's controller and its tools' listeners alive.
  const link: { controller: AbortController | undefined } = { controller };
  const onAbort = () => link.controller?.abort(parent.reason);
  parent.addEventListener('abort', onAbort, { once: true });
  return {
    signal: controller.signal,
    dispose: () => {
      link.controller = undefined;
      parent.removeEventListener('abort', onAbort);
    },
  };
}

/**
 * The refusals of calls that name a tool the request did not offer (in the order of `calls`, undefined
 * for the calls that may run), or undefined when every call names an offered tool.
 */
function notOffered(
  calls: readonly ToolCall[],
  offered: readonly ToolDefinition[] | undefined,
  registered: ((name: string) => boolean) | undefined,
): Array<ToolResult | undefined> | undefined {
  let refused: Array<ToolResult | undefined> | undefined;
  for (let index = 0; index < calls.length; index++) {
    const call = calls[index]!;
    if (offered?.some((tool) => tool.name === call.name)) continue;
    if (registered !== undefined && !registered(call.name)) continue; // unknown: the tool coordinator answers TOOL_NOT_FOUND
    refused ??= new Array<ToolResult | undefined>(calls.length).fill(undefined);
    refused[index] = {
      toolCallId: call.id,
      name: call.name,
      ok: false,
      error: {
        code: 'TOOL_NOT_OFFERED',
        message: `the tool ${JSON.stringify(call.name)} was not offered on this turn; call one of the tools offered`,
      },
    };
  }
  return refused;
}

function throwIfAborted(signal: AbortSignal | undefined): void {
  if (signal?.aborted) throw abortReason(signal);
}

function lastUserText(messages: readonly Message[], pending: UserMessage | undefined): string {
  if (pending !== undefined) return pending.content;
  for (let i = messages.length - 1; i >= 0; i--) {
    const message = messages[i]!;
    if (message.role === 'user') return message.content;
  }
  return '';
}

function checkInput(input: unknown): void {
  if (typeof input === 'string') return;
  if (!Array.isArray(input) || input.length === 0) {
    throw new InvalidArgumentsError({
      message: 'a turn takes a user message (string) or a non-empty array of messages',
    });
  }
  for (let i = 0; i < input.length; i++) {
    const role = (input[i] as { role?: unknown } | null)?.role;
    if (role !== 'system' && role !== 'user' && role !== 'assistant' && role !== 'tool') {
      throw new InvalidArgumentsError({
        message: `messages[${i}] has no valid role: ${JSON.stringify(input[i])?.slice(0, 80)}`,
      });
    }
  }
}

function isPromise<T>(value: T | Promise<T>): value is Promise<T> {
  return typeof (value as { then?: unknown } | null)?.then === 'function';
}

/**
 * Runs chat turns. The hot path (no tools, no response cache, history within budget: one O(1) check)
 * sends the history straight to the provider. The full path fits the context to the budget, selects
 * tools, assembles the prompt, consults the response cache, calls the model, runs its tool calls and goes
 * back to the model until it answers or `maxSteps` is reached.
 *
 * A string turn continues a stored conversation: its user message and the answer are stored together
 * when the turn succeeds (a failed or cancelled turn leaves the history as it was), and turns of one
 * conversation run one after the other.
 */
export class ChatCoordinator {
  private readonly turns = new Map<string, Promise<void>>();
  private readonly modelLabels = new ModelLabels();
  /** Present when the metrics sink traces: turns, model calls and tool calls then open spans. */
  private readonly tracer: SpanTracer | undefined;
  /** `null` until the first turn starts loading the token counter; undefined once loaded (or none). */
  private counterReady: Promise<void> | null | undefined;
  private counterName: TokenizerName = 'estimate';
  /** The tools offered with the recall tool appended, for the last tool list it was appended to. */
  private withRecall:
    | { base: readonly ToolDefinition[]; recall: ToolDefinition; list: ToolDefinition[] }
    | undefined;

  constructor(private readonly parts: ChatParts) {
    this.tracer = parts.metrics.tracer;
    this.counterReady = parts.loadTokenCounter === undefined ? undefined : null;
  }

  /** The tokenizer counting the context: `estimate` until a real one has loaded (see `tokenizerFor`). */
  get tokenizer(): TokenizerName {
    return this.counterName;
  }

  /** Starts loading the token counter; the context counts with it once loaded (the estimate if it fails). */
  private loadCounter(): Promise<void> {
    return this.parts.loadTokenCounter!().then(
      (counter) => {
        this.parts.context().useEstimate(counter.countMessage);
        this.counterName = counter.tokenizer;
        this.counterReady = undefined;
      },
      () => {
        this.counterReady = undefined;
      },
    );
  }

  /** Runs one turn to its end. */
  async chat(input: string | readonly Message[], options: TurnOptions = EMPTY_OPTIONS): Promise<TurnResult> {
    const release =
      typeof input === 'string' ? await this.enter(options.conversationId ?? 'default') : undefined;
    try {
      return await this.runChat(input, options);
    } finally {
      release?.();
    }
  }

  /** Runs one turn, yielding the provider's events as they arrive and the agent's own between steps. */
  stream(
    input: string | readonly Message[],
    options: TurnOptions = EMPTY_OPTIONS,
  ): AsyncGenerator<AgentStreamEvent, void, undefined> {
    // Only a stored conversation waits for its previous turn; messages given whole need no wrapper, so
    // every event crosses one generator less on its way to the caller.
    if (typeof input !== 'string') return this.runStream(input, options);
    return this.streamInTurn(input, options);
  }

  private async *streamInTurn(
    input: string,
    options: TurnOptions,
  ): AsyncGenerator<AgentStreamEvent, void, undefined> {
    const release = await this.enter(options.conversationId ?? 'default');
    try {
      yield* this.runStream(input, options);
    } finally {
      release();
    }
  }

  /** Waits for the conversation's previous turn; resolves to the function that lets the next one in. */
  private async enter(conversationId: string): Promise<() => void> {
    const previous = this.turns.get(conversationId);
    let release!: () => void;
    const current = new Promise<void>((resolve) => {
      release = resolve;
    });
    this.turns.set(conversationId, current);
    if (previous !== undefined) await previous;
    return () => {
      release();
      if (this.turns.get(conversationId) === current) this.turns.delete(conversationId);
    };
  }

  private async runChat(input: string | readonly Message[], options: TurnOptions): Promise<TurnResult> {
    const { clock, metrics } = this.parts;
    const { tracer } = this;
    const started = clock.now();
    const span = tracer === undefined ? undefined : startTurnSpan(tracer, options.conversationId);
    try {
      const preparing = this.begin(input, options, span);
      const prepared = isPromise(preparing) ? await preparing : preparing;
      let { request } = prepared;
      if (prepared.cacheKey !== undefined) {
        const hit = await this.cached(prepared.cacheKey);
        if (hit !== undefined) return this.finishCached(prepared, hit, started, span);
      }
      const progress = this.progress();
      for (let step = 1; ; step++) {
        const providerStarted = clock.now();
        let response: ChatResponse;
        if (tracer === undefined) {
          response = await prepared.provider.chat(request);
        } else {
          const modelSpan = startModelSpan(tracer, span, prepared.providerName, request);
          try {
            response = await prepared.provider.chat(request);
          } catch (error) {
            failSpan(modelSpan, error);
            throw error;
          }
          endModelSpan(modelSpan, response);
        }
        progress.providerMs += clock.now() - providerStarted;
        addUsage(progress.usage, response.usage);
        if (response.toolCalls.length === 0 || step >= this.parts.maxSteps) {
          return this.finish(prepared, response, progress, step, started, false, span);
        }
        request = await this.runTools(request, response.message, response.toolCalls, progress, options, span);
        // An aborted turn does not go back to the model.
        throwIfAborted(options.abortSignal);
      }
    } catch (error) {
      metrics.increment(MetricNames.chatRequests, OUTCOME_ERROR);
      if (span !== undefined) failSpan(span, error);
      throw error;
    }
  }

  private async *runStream(
    input: string | readonly Message[],
    options: TurnOptions,
  ): AsyncGenerator<AgentStreamEvent, void, undefined> {
    const { clock, metrics } = this.parts;
    const { tracer } = this;
    const started = clock.now();
    let succeeded = false;
    const span = tracer === undefined ? undefined : startTurnSpan(tracer, options.conversationId);
    let modelSpan: TraceSpan | undefined;
    let failure: unknown;
    try {
      const preparing = this.begin(input, options, span);
      const prepared = isPromise(preparing) ? await preparing : preparing;
      const hit = prepared.cacheKey === undefined ? undefined : await this.cached(prepared.cacheKey);
      if (hit !== undefined) {
        const start: StreamEvent = { type: 'response-start' };
        if (hit.id !== undefined) start.id = hit.id;
        if (hit.model !== undefined) start.model = hit.model;
        yield start;
        if (hit.text) yield { type: 'text-delta', delta: hit.text };
        yield { type: 'finish', finishReason: hit.finishReason, usage: hit.usage };
        succeeded = true;
        yield { type: 'turn-finish', result: this.finishCached(prepared, hit, started, span) };
        return;
      }
      let { request } = prepared;
      const progress = this.progress();
      let ttftMs: number | undefined;
      let ttftObserved = false;
      for (let step = 1; ; step++) {
        let text = '';
        const calls: ToolCall[] = [];
        // Reasoning parts go back to the provider in the next request of the loop (Anthropic refuses a
        // follow-up after tool use without its signed thinking blocks).
        let reasoning: ReasoningPart[] | undefined;
        let finishReason: FinishReason | undefined;
        let stepUsage: Usage | undefined;
        // Provider time is the time spent waiting for the next event, not the consumer's time at `yield`.
        if (tracer !== undefined) modelSpan = startModelSpan(tracer, span, prepared.providerName, request);
        const iterator = prepared.provider.stream(request)[Symbol.asyncIterator]();
        let responseId: string | undefined;
        let responseModel: string | undefined;
        try {
          for (;;) {
            const waitStarted = clock.now();
            const next = await iterator.next();
            const received = clock.now();
            progress.providerMs += received - waitStarted;
            if (next.done) break;
            const event = next.value;
            if (event.type === 'text-delta') {
              text += event.delta;
              if (ttftMs === undefined) {
                ttftMs = received - started;
                // The metric is recorded once the caller has its first token, not before.
                yield event;
                ttftObserved = true;
                metrics.observe(MetricNames.chatTimeToFirstToken, ttftMs / 1000, prepared.labels);
                continue;
              }
            } else if (event.type === 'tool-call-end') {
              calls.push(event.toolCall);
            } else if (event.type === 'reasoning-end') {
              if (reasoning === undefined) reasoning = [event.reasoning];
              else reasoning.push(event.reasoning);
            } else if (event.type === 'finish') {
              finishReason = event.finishReason;
              stepUsage = event.usage;
            } else if (event.type === 'response-start') {
              responseId = event.id;
              responseModel = event.model;
            } else if (event.type === 'error') {
              // The stream failed after it started: pass the error on and end the turn.
              failure = event.error;
              yield event;
              return;
            }
            yield event;
          }
        } finally {
          // A caller that stopped at its first token still counts in the time-to-first-token metric.
          if (ttftMs !== undefined && !ttftObserved) {
            ttftObserved = true;
            metrics.observe(MetricNames.chatTimeToFirstToken, ttftMs / 1000, prepared.labels);
          }
          // Stopping early (consumer break, abort, error) cancels the provider's request.
          if (finishReason === undefined) await iterator.return?.();
        }
        if (finishReason === undefined || stepUsage === undefined) {
          throw new InvalidResponseError({ message: 'the stream ended without a finish event' });
        }
        if (modelSpan !== undefined) {
          endModelSpan(modelSpan, { id: responseId, model: responseModel, finishReason, usage: stepUsage });
          modelSpan = undefined;
        }
        addUsage(progress.usage, stepUsage);
        const message: AssistantMessage =
          calls.length > 0
            ? { role: 'assistant', content: text, toolCalls: calls }
            : { role: 'assistant', content: text };
        if (reasoning !== undefined) message.reasoning = reasoning;
        yield { type: 'step-finish', step, finishReason };
        const response: ChatResponse = { message, text, toolCalls: calls, finishReason, usage: stepUsage };
        if (calls.length === 0 || step >= this.parts.maxSteps) {
          succeeded = true;
          const result = this.finish(prepared, response, progress, step, started, false, span);
          if (ttftMs !== undefined) result.timing.ttftMs = ttftMs;
          yield { type: 'turn-finish', result };
          return;
        }
        const before = progress.toolResults.length;
        request = await this.runTools(request, message, calls, progress, options, span);
        for (let i = before; i < progress.toolResults.length; i++) {
          yield { type: 'tool-result', result: progress.toolResults[i]! };
        }
        // The results of tools that ran are passed on; an aborted turn then ends here.
        throwIfAborted(options.abortSignal);
      }
    } catch (error) {
      failure = error;
      throw error;
    } finally {
      if (!succeeded) {
        metrics.increment(MetricNames.chatRequests, OUTCOME_ERROR);
        // A stream the consumer left early is not an error of the model: its spans end as cancelled.
        const reason = failure ?? new Error('the stream was closed before the turn finished');
        if (modelSpan !== undefined) failSpan(modelSpan, reason);
        if (span !== undefined) failSpan(span, reason);
      }
    }
  }

  /** Starts a turn: refuses one aborted before it started, prepares it, names its provider on its span. */
  private begin(
    input: string | readonly Message[],
    options: TurnOptions,
    span: TraceSpan | undefined,
  ): Prepared | Promise<Prepared> {
    // A turn aborted before it started (by its caller, or by the agent's close) does nothing.
    throwIfAborted(options.abortSignal);
    const preparing = this.prepare(input, options);
    if (span === undefined) return preparing;
    const route = (prepared: Prepared) => {
      routeTurnSpan(span, prepared.providerName, prepared.request.model);
      return prepared;
    };
    return isPromise(preparing) ? preparing.then(route) : route(preparing);
  }

  private progress(): Progress {
    return {
      usage: { inputTokens: 0, outputTokens: 0 },
      added: [],
      toolResults: [],
      sideEffects: false,
      providerMs: 0,
      toolMs: 0,
    };
  }

  /** Runs one step's tool calls and returns the next request, with the call and its results appended. */
  private async runTools(
    request: ChatRequest,
    message: AssistantMessage,
    calls: readonly ToolCall[],
    progress: Progress,
    options: TurnOptions,
    span: TraceSpan | undefined,
  ): Promise<ChatRequest> {
    // Built only when the model calls tools: most turns never need it. The tools get a signal of this
    // step's own, so that a listener a tool forgets to remove dies with the step, not with the agent.
    const signal = stepSignal(options.abortSignal);
    const context = this.toolContext(options, signal.signal);
    const { clock } = this.parts;
    const started = clock.now();
    let results: ToolResult[];
    try {
      const refused =
        this.parts.allowUnofferedTools === true
          ? undefined
          : notOffered(calls, request.tools, this.parts.isRegistered);
      if (refused === undefined) results = await this.parts.tools().run(calls, context, span);
      else {
        const ran = await this.parts.tools().run(
          calls.filter((_, index) => refused[index] === undefined),
          context,
          span,
        );
        let next = 0;
        results = refused.map((result) => result ?? ran[next++]!);
      }
    } finally {
      signal.dispose();
    }
    progress.toolMs += clock.now() - started;
    if (!progress.sideEffects) progress.sideEffects = calls.some((call) => !this.parts.isReadOnly(call.name));
    progress.toolResults.push(...results);
    const toolMessages = results.map(toolMessage);
    progress.added.push(message, ...toolMessages);
    return { ...request, messages: [...request.messages, message, ...toolMessages] };
  }

  /** A response-cache read that never fails the turn: an unavailable cache is a miss. */
  private async cached(key: string): Promise<ChatResponse | undefined> {
    const { metrics } = this.parts;
    let hit: ChatResponse | undefined;
    try {
      hit = (await this.parts.responseCache!.get(key)) as ChatResponse | undefined;
    } catch {
      metrics.increment(MetricNames.cacheErrors, RESPONSE_CACHE_GET);
    }
    // Hits and misses are the cache's own to count (this repository's caches do, under their name); the
    // turns it answered are `victor_chat_requests_total{outcome="cached"}`.
    return hit;
  }

  private toolContext(options: TurnOptions, abortSignal: AbortSignal | undefined): ToolContext {
    const context: ToolContext = {};
    if (abortSignal) context.abortSignal = abortSignal;
    if (options.tenantId !== undefined) context.tenantId = options.tenantId;
    if (options.userId !== undefined) context.userId = options.userId;
    return context;
  }

  private prepare(input: string | readonly Message[], options: TurnOptions): Prepared | Promise<Prepared> {
    if (this.counterReady !== undefined) {
      // The first turn of a model with a real tokenizer waits for it to load (once per agent).
      this.counterReady ??= this.loadCounter();
      return this.counterReady.then(() => this.prepare(input, options));
    }
    checkInput(input);
    const { parts } = this;
    const conversationId = options.conversationId ?? 'default';
    const context = parts.context();
    const prompt = parts.prompt();
    let history: readonly Message[];
    let pending: UserMessage | undefined;
    let historyTokens: number | undefined;
    let pendingTokens = 0;
    if (typeof input === 'string') {
      pending = { role: 'user', content: input };
      pendingTokens = context.estimate(pending);
      history = context.history(conversationId);
      historyTokens = context.tokens(conversationId);
    } else {
      history = input;
    }
    const allTools = parts.toolDefinitions();
    const { compaction } = parts;
    const limit =
      compaction === undefined ? context.budgetTokens : context.budgetTokens * compaction.triggerRatio;
    const hot =
      allTools === undefined &&
      parts.responseCache === undefined &&
      historyTokens !== undefined &&
      historyTokens + pendingTokens + prompt.systemTokens <= limit;
    if (hot) return this.assemble(history, pending, undefined, options, conversationId, true);

    const prepareStarted = parts.clock.now();
    if (
      compaction !== undefined &&
      pending !== undefined &&
      historyTokens !== undefined &&
      historyTokens + pendingTokens + prompt.systemTokens > limit
    ) {
      // A stored conversation near its budget: compact it (its older turns summarised), then go on.
      // The new user message is the last turn (kept verbatim): compacted with the history, stored after it.
      return compaction
        .run(
          conversationId,
          [...history, pending!],
          context.budgetTokens - prompt.systemTokens,
          (message) => context.estimate(message),
          options,
        )
        .then((result) => {
          let report: TurnCompaction | undefined;
          if (result.compacted) {
            context.replace(conversationId, result.messages.slice(0, -1));
            report = {
              outcome: result.outcome,
              removedMessages: result.removed.length,
              references: result.references,
              tokensBefore: result.tokensBefore,
              tokensAfter: result.tokensAfter,
            };
            if (result.summaryUsage !== undefined) report.summaryUsage = result.summaryUsage;
          }
          const compacted = context.history(conversationId);
          return this.prepareFull(
            compacted,
            pending,
            context.tokens(conversationId),
            pendingTokens,
            allTools,
            options,
            conversationId,
            prepareStarted,
            report,
          );
        });
    }
    return this.prepareFull(
      history,
      pending,
      historyTokens,
      pendingTokens,
      allTools,
      options,
      conversationId,
      prepareStarted,
      undefined,
    );
  }

  /** The full path of `prepare`: fits the history to the budget, selects tools and assembles the request. */
  private prepareFull(
    history: readonly Message[],
    pending: UserMessage | undefined,
    historyTokens: number | undefined,
    pendingTokens: number,
    allTools: readonly ToolDefinition[] | undefined,
    options: TurnOptions,
    conversationId: string,
    prepareStarted: number,
    compacted: TurnCompaction | undefined,
  ): Prepared | Promise<Prepared> {
    const { parts } = this;
    const context = parts.context();
    const prompt = parts.prompt();
    let window = context.window(
      history,
      prompt.systemTokens + pendingTokens,
      historyTokens,
      pending === undefined,
    );
    if (pending !== undefined && window !== history) {
      // Keep the stored history to what the budget holds, so it stops growing and trimming stays cheap.
      context.dropOldest(conversationId, history.length - window.length);
      window = context.history(conversationId);
    }
    const recall = options.toolChoice === 'none' ? undefined : parts.compaction?.recall(options);
    const selector = allTools !== undefined && options.toolChoice !== 'none' ? parts.selector() : undefined;
    if (selector === undefined) {
      let tools = options.toolChoice === 'none' ? undefined : allTools;
      if (recall !== undefined) tools = this.appendRecall(tools ?? [], recall);
      return this.assemble(window, pending, tools, options, conversationId, false, prepareStarted, compacted);
    }
    // Sticky selection keeps a stored conversation's tools (a conversation named by the caller counts too).
    const sticky =
      pending !== undefined || options.conversationId !== undefined ? parts.sticky?.() : undefined;
    // Earlier turns help rank follow-ups ("now open it"); a first message is its own context.
    const selectOptions: SelectOptions = {};
    if (window.length > (pending === undefined ? 1 : 0)) selectOptions.context = window;
    if (parts.selectionK !== undefined) selectOptions.k = parts.selectionK;
    const toolChoice = options.toolChoice;
    // A tool the caller names must be offered, whatever the ranking says.
    if (typeof toolChoice === 'object') selectOptions.alwaysInclude = [toolChoice.name];
    const query = lastUserText(window, pending);
    const selectionStarted = parts.clock.now();
    const done = (selection: ToolSelection) => {
      // The selector itself records victor_tool_selection_duration_seconds{cache}; this is the stage.
      const seconds = (parts.clock.now() - selectionStarted) / 1000;
      parts.metrics.observe(MetricNames.chatStageDuration, seconds, SELECTION);
      let tools: readonly ToolDefinition[] = definitionsOf(selection);
      if (recall !== undefined) tools = [...tools, recall];
      if (sticky !== undefined) tools = sticky.apply(conversationId, tools).tools;
      return this.assemble(window, pending, tools, options, conversationId, false, prepareStarted, compacted);
    };
    if (parts.selectionStrategy === 'lexical') return done(selector.selectSync(query, selectOptions));
    if (options.abortSignal) selectOptions.abortSignal = options.abortSignal;
    return selector.select(query, selectOptions).then(done);
  }

  /** `tools` with the recall tool at the end: the same array while `tools` stays the same. */
  private appendRecall(tools: readonly ToolDefinition[], recall: ToolDefinition): readonly ToolDefinition[] {
    const last = this.withRecall;
    if (last !== undefined && last.base === tools && last.recall === recall) return last.list;
    const list = [...tools, recall];
    this.withRecall = { base: tools, recall, list };
    return list;
  }

  private assemble(
    window: readonly Message[],
    pending: UserMessage | undefined,
    tools: readonly ToolDefinition[] | undefined,
    options: TurnOptions,
    conversationId: string,
    hot: boolean,
    prepareStarted?: number,
    compacted?: TurnCompaction,
  ): Prepared {
    const { parts } = this;
    const request: ChatRequest = { model: '', messages: parts.prompt().build(window, tools, pending) };
    if (tools !== undefined && tools.length > 0) request.tools = tools;
    if (options.toolChoice !== undefined && options.toolChoice !== 'none')
      request.toolChoice = options.toolChoice;
    const temperature = options.temperature ?? parts.temperature;
    if (temperature !== undefined) request.temperature = temperature;
    const maxTokens = options.maxTokens ?? parts.maxTokens;
    if (maxTokens !== undefined) request.maxTokens = maxTokens;
    // OpenAI providers derive `prompt_cache_key` from the tenant and the conversation (`default` unless
    // named), and the Anthropic provider tells a conversation's changing prefix from a stable one by it.
    request.metadata = { conversationId };
    if (options.tenantId !== undefined) request.metadata.tenantId = options.tenantId;
    if (options.userId !== undefined) request.metadata.userId = options.userId;
    if (options.abortSignal) request.abortSignal = options.abortSignal;
    const choice = parts.providers.resolve(request);
    request.model = choice.model;
    const cacheKey =
      parts.responseCache !== undefined && isDeterministicRequest(request)
        ? responseCacheKey(request)
        : undefined;
    if (prepareStarted !== undefined) {
      parts.metrics.observe(
        MetricNames.chatStageDuration,
        (parts.clock.now() - prepareStarted) / 1000,
        PREPARE,
      );
    }
    const prepared: Prepared = {
      request,
      provider: choice.provider,
      providerName: choice.name,
      labels: this.modelLabels.ofChoice(choice),
      pending,
      conversationId,
      hot,
      selectedTools: namesOf(request.tools),
      cacheKey,
    };
    if (compacted !== undefined) prepared.compaction = compacted;
    return prepared;
  }

  private finishCached(
    prepared: Prepared,
    hit: ChatResponse,
    started: number,
    span: TraceSpan | undefined,
  ): TurnResult {
    const progress = this.progress();
    addUsage(progress.usage, hit.usage);
    return this.finish(prepared, hit, progress, 1, started, true, span);
  }

  private finish(
    prepared: Prepared,
    response: ChatResponse,
    progress: Progress,
    steps: number,
    started: number,
    cached: boolean,
    span: TraceSpan | undefined,
  ): TurnResult {
    const { parts } = this;
    const maxStepsReached = response.toolCalls.length > 0;
    const { added } = progress;
    added.push(response.message);
    if (prepared.pending !== undefined) {
      // Tool calls that never ran must not reach the next request: providers refuse a call without results.
      const stored: Message = maxStepsReached
        ? { role: 'assistant', content: response.text }
        : response.message;
      parts.context().append(prepared.conversationId, prepared.pending, ...added.slice(0, -1), stored);
    }
    if (
      !cached &&
      prepared.cacheKey !== undefined &&
      !progress.sideEffects &&
      !maxStepsReached &&
      response.finishReason === 'stop'
    ) {
      const entry: ChatResponse = {
        message: response.message,
        text: response.text,
        toolCalls: [],
        finishReason: 'stop',
        usage: response.usage,
      };
      if (response.id !== undefined) entry.id = response.id;
      if (response.model !== undefined) entry.model = response.model;
      // A cache that fails must not fail the turn: the cache degrades by itself and reports it.
      parts
        .responseCache!.set(
          prepared.cacheKey,
          entry,
          parts.responseCacheTtlMs !== undefined ? { ttlMs: parts.responseCacheTtlMs } : undefined,
        )
        .catch(() => {});
    }
    // The summarising call's cost is the turn's.
    if (prepared.compaction?.summaryUsage !== undefined)
      addUsage(progress.usage, prepared.compaction.summaryUsage);
    const totalMs = parts.clock.now() - started;
    const overheadMs = Math.max(0, totalMs - progress.providerMs - progress.toolMs);
    const { metrics } = parts;
    const { labels } = prepared;
    metrics.increment(MetricNames.chatRequests, cached ? OUTCOME_CACHED : OUTCOME_OK);
    metrics.observe(MetricNames.chatDuration, totalMs / 1000, labels);
    if (!cached) metrics.observe(MetricNames.providerDuration, progress.providerMs / 1000, labels);
    metrics.observe(MetricNames.runtimeOverhead, overheadMs / 1000, labels);
    if (span !== undefined) endTurnSpan(span, progress.usage, cached);
    const result: TurnResult = {
      text: response.text,
      message: response.message,
      finishReason: response.finishReason,
      usage: progress.usage,
      steps,
      toolResults: progress.toolResults,
      selectedTools: prepared.selectedTools,
      path: prepared.hot ? 'hot' : 'full',
      cached,
      maxStepsReached,
      messages: added,
      timing: { totalMs, providerMs: progress.providerMs, toolMs: progress.toolMs, overheadMs },
    };
    if (prepared.compaction !== undefined) result.compaction = prepared.compaction;
    return result;
  }
}
