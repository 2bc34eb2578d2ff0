import { isDeterministicRequest, responseCacheKey } from '@victor-ai/cache';
import type {
  AssistantMessage,
  Cache,
  ChatRequest,
  ChatResponse,
  Clock,
  Message,
  MetricsSink,
  Provider,
  ToolCall,
  ToolDefinition,
  ToolResult,
  Usage,
} from '@victor-ai/core';
import { InvalidArgumentsError, VictorError } from '@victor-ai/core';
import type { ToolSelection, ToolSelector } from '@victor-ai/tool-selection';
import type { ContextCoordinator } from './context-coordinator.js';
import { CoordinatorMetrics, stageLabel } from './metric-names.js';
import type { PromptCoordinator } from './prompt-coordinator.js';
import type { ProviderCoordinator } from './provider-coordinator.js';
import type { ToolCoordinator } from './tool-coordinator.js';
import { type AgentStreamEvent, addUsage, type TurnOptions, type TurnResult, toolMessage } from './turn.js';

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
  tools: () => ToolCoordinator;
  isReadOnly: (name: string) => boolean;
  responseCache: Cache<unknown> | undefined;
  responseCacheTtlMs: number | undefined;
  maxSteps: number;
  selectionK: number | undefined;
  temperature: number | undefined;
  maxTokens: number | undefined;
}

const EMPTY_OPTIONS: TurnOptions = Object.freeze({});
const SELECTION = stageLabel('selection');
const OUTCOME_OK = Object.freeze({ outcome: 'ok' });
const OUTCOME_ERROR = Object.freeze({ outcome: 'error' });
const OUTCOME_CACHED = Object.freeze({ outcome: 'cached' });
const RESPONSE_CACHE = Object.freeze({ cache: 'response' });

interface Prepared {
  request: ChatRequest;
  provider: Provider;
  history: readonly Message[];
  stateful: boolean;
  conversationId: string;
  hot: boolean;
  selectedTools: readonly string[];
  cacheKey: string | undefined;
}

// Tool arrays are kept per selection so that the same tools give the same array (providers and cache keys
// cache their work per array).
const definitionsBySelection = new WeakMap<ToolSelection, ToolDefinition[]>();
const namesByDefinitions = new WeakMap<readonly ToolDefinition[], readonly string[]>();

function namesOf(tools: readonly ToolDefinition[] | undefined): readonly string[] {
  if (tools === undefined) return [];
  let names = namesByDefinitions.get(tools);
  if (names === undefined) {
    names = tools.map((tool) => tool.name);
    namesByDefinitions.set(tools, names);
  }
  return names;
}

function lastUserText(messages: readonly Message[]): string {
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

/**
 * Runs chat turns. The hot path (no tools, no response cache, history within budget: one O(1) check)
 * sends the history straight to the provider. The full path fits the context to the budget, selects
 * tools, assembles the prompt, consults the response cache, calls the model, runs its tool calls and goes
 * back to the model until it answers or `maxSteps` is reached.
 */
export class ChatCoordinator {
  constructor(private readonly parts: ChatParts) {}

  /** Runs one turn to its end. */
  async chat(input: string | readonly Message[], options: TurnOptions = EMPTY_OPTIONS): Promise<TurnResult> {
    const { clock, metrics } = this.parts;
    const started = clock.now();
    let providerMs = 0;
    let toolMs = 0;
    try {
      const prepared = this.prepare(input, options);
      let { request } = prepared;
      if (prepared.cacheKey !== undefined) {
        const hit = (await this.parts.responseCache!.get(prepared.cacheKey)) as ChatResponse | undefined;
        if (hit !== undefined) {
          metrics.increment(CoordinatorMetrics.cacheHits, RESPONSE_CACHE);
          return this.finish(prepared, hit, [], [], { ...hit.usage }, 1, false, started, 0, 0, true);
        }
        metrics.increment(CoordinatorMetrics.cacheMisses, RESPONSE_CACHE);
      }
      const usage: Usage = { inputTokens: 0, outputTokens: 0 };
      const added: Message[] = [];
      const toolResults: ToolResult[] = [];
      let sideEffects = false;
      for (let step = 1; ; step++) {
        const providerStarted = clock.now();
        const response = await prepared.provider.chat(request);
        providerMs += clock.now() - providerStarted;
        addUsage(usage, response.usage);
        if (response.toolCalls.length === 0 || step >= this.parts.maxSteps) {
          return this.finish(
            prepared,
            response,
            added,
            toolResults,
            usage,
            step,
            response.toolCalls.length > 0,
            started,
            providerMs,
            toolMs,
            false,
            sideEffects,
          );
        }
        const toolsStarted = clock.now();
        const results = await this.parts.tools().run(response.toolCalls, this.toolContext(options));
        toolMs += clock.now() - toolsStarted;
        sideEffects ||= response.toolCalls.some((call) => !this.parts.isReadOnly(call.name));
        toolResults.push(...results);
        added.push(response.message, ...results.map(toolMessage));
        request = {
          ...request,
          messages: [...request.messages, response.message, ...results.map(toolMessage)],
        };
      }
    } catch (error) {
      metrics.increment(CoordinatorMetrics.chatRequests, OUTCOME_ERROR);
      throw error;
    }
  }

  /** Runs one turn, yielding the provider's events as they arrive and the agent's own between steps. */
  async *stream(
    input: string | readonly Message[],
    options: TurnOptions = EMPTY_OPTIONS,
  ): AsyncGenerator<AgentStreamEvent, void, undefined> {
    const { clock, metrics } = this.parts;
    const started = clock.now();
    let providerMs = 0;
    let toolMs = 0;
    let ttftMs: number | undefined;
    let succeeded = false;
    try {
      const prepared = this.prepare(input, options);
      let { request } = prepared;
      if (prepared.cacheKey !== undefined) {
        const hit = (await this.parts.responseCache!.get(prepared.cacheKey)) as ChatResponse | undefined;
        if (hit !== undefined) {
          metrics.increment(CoordinatorMetrics.cacheHits, RESPONSE_CACHE);
          yield {
            type: 'response-start',
            ...(hit.id ? { id: hit.id } : {}),
            ...(hit.model ? { model: hit.model } : {}),
          };
          if (hit.text) yield { type: 'text-delta', delta: hit.text };
          yield { type: 'finish', finishReason: hit.finishReason, usage: hit.usage };
          succeeded = true;
          yield {
            type: 'turn-finish',
            result: this.finish(prepared, hit, [], [], { ...hit.usage }, 1, false, started, 0, 0, true),
          };
          return;
        }
        metrics.increment(CoordinatorMetrics.cacheMisses, RESPONSE_CACHE);
      }
      const usage: Usage = { inputTokens: 0, outputTokens: 0 };
      const added: Message[] = [];
      const toolResults: ToolResult[] = [];
      let sideEffects = false;
      for (let step = 1; ; step++) {
        let text = '';
        const calls: ToolCall[] = [];
        let finish: Extract<AgentStreamEvent, { type: 'finish' }> | undefined;
        const providerStarted = clock.now();
        try {
          for await (const event of prepared.provider.stream(request)) {
            switch (event.type) {
              case 'text-delta':
                if (ttftMs === undefined) ttftMs = clock.now() - started;
                text += event.delta;
                break;
              case 'tool-call-end':
                calls.push(event.toolCall);
                break;
              case 'finish':
                finish = event;
                break;
              case 'error':
                // The stream failed after it started: pass the error on and end the turn.
                yield event;
                return;
              default:
                break;
            }
            yield event;
          }
        } finally {
          providerMs += clock.now() - providerStarted;
        }
        if (finish === undefined) {
          throw new VictorError('INVALID_RESPONSE', { message: 'the stream ended without a finish event' });
        }
        addUsage(usage, finish.usage);
        const message: AssistantMessage =
          calls.length > 0
            ? { role: 'assistant', content: text, toolCalls: calls }
            : { role: 'assistant', content: text };
        yield { type: 'step-finish', step, finishReason: finish.finishReason };
        const response: ChatResponse = {
          message,
          text,
          toolCalls: calls,
          finishReason: finish.finishReason,
          usage: finish.usage,
        };
        if (calls.length === 0 || step >= this.parts.maxSteps) {
          succeeded = true;
          const result = this.finish(
            prepared,
            response,
            added,
            toolResults,
            usage,
            step,
            calls.length > 0,
            started,
            providerMs,
            toolMs,
            false,
            sideEffects,
          );
          if (ttftMs !== undefined) result.timing.ttftMs = ttftMs;
          yield { type: 'turn-finish', result };
          return;
        }
        const toolsStarted = clock.now();
        const results = await this.parts.tools().run(calls, this.toolContext(options));
        toolMs += clock.now() - toolsStarted;
        sideEffects ||= calls.some((call) => !this.parts.isReadOnly(call.name));
        for (const result of results) yield { type: 'tool-result', result };
        toolResults.push(...results);
        const toolMessages = results.map(toolMessage);
        added.push(message, ...toolMessages);
        request = { ...request, messages: [...request.messages, message, ...toolMessages] };
      }
    } finally {
      if (!succeeded) metrics.increment(CoordinatorMetrics.chatRequests, OUTCOME_ERROR);
    }
  }

  private toolContext(options: TurnOptions) {
    return {
      ...(options.abortSignal ? { abortSignal: options.abortSignal } : {}),
      ...(options.tenantId !== undefined ? { tenantId: options.tenantId } : {}),
      ...(options.userId !== undefined ? { userId: options.userId } : {}),
    };
  }

  private prepare(input: string | readonly Message[], options: TurnOptions): Prepared {
    checkInput(input);
    const { parts } = this;
    const conversationId = options.conversationId ?? 'default';
    const stateful = typeof input === 'string';
    const context = parts.context();
    let history: readonly Message[];
    let knownTokens: number | undefined;
    if (stateful) {
      context.append(conversationId, { role: 'user', content: input });
      history = context.history(conversationId);
      knownTokens = context.tokens(conversationId);
    } else {
      history = input;
    }
    const allTools = parts.toolDefinitions();
    const prompt = parts.prompt();
    const hot =
      allTools === undefined &&
      parts.responseCache === undefined &&
      knownTokens !== undefined &&
      knownTokens + prompt.systemTokens <= context.budgetTokens;

    let tools: readonly ToolDefinition[] | undefined = allTools;
    let window: readonly Message[] = history;
    if (!hot) {
      window = context.window(history, prompt.systemTokens, knownTokens);
      const selector = allTools !== undefined && options.toolChoice !== 'none' ? parts.selector() : undefined;
      if (selector !== undefined) {
        const selectionStarted = parts.clock.now();
        // Recent turns help rank follow-ups ("now open it"); the selector reads only the last few.
        const selection = selector.selectSync(
          lastUserText(window),
          parts.selectionK !== undefined ? { k: parts.selectionK, context: window } : { context: window },
        );
        let definitions = definitionsBySelection.get(selection);
        if (definitions === undefined) {
          definitions = selection.tools.map((tool) => tool.definition);
          definitionsBySelection.set(selection, definitions);
        }
        tools = definitions;
        const seconds = (parts.clock.now() - selectionStarted) / 1000;
        parts.metrics.observe(CoordinatorMetrics.toolSelectionDuration, seconds);
        parts.metrics.observe(CoordinatorMetrics.chatStageDuration, seconds, SELECTION);
      }
      if (options.toolChoice === 'none') tools = undefined;
    }
    const messages = prompt.build(window, tools);
    const request: ChatRequest = { model: '', messages };
    if (tools !== undefined && tools.length > 0) request.tools = tools;
    if (options.toolChoice !== undefined && options.toolChoice !== 'none')
      request.toolChoice = options.toolChoice;
    const temperature = options.temperature ?? parts.temperature;
    if (temperature !== undefined) request.temperature = temperature;
    const maxTokens = options.maxTokens ?? parts.maxTokens;
    if (maxTokens !== undefined) request.maxTokens = maxTokens;
    if (options.tenantId !== undefined || options.userId !== undefined) {
      request.metadata = {};
      if (options.tenantId !== undefined) request.metadata.tenantId = options.tenantId;
      if (options.userId !== undefined) request.metadata.userId = options.userId;
    }
    if (options.abortSignal) request.abortSignal = options.abortSignal;
    const choice = parts.providers.resolve(request);
    request.model = choice.model;
    const cacheKey =
      parts.responseCache !== undefined && isDeterministicRequest(request)
        ? responseCacheKey(request)
        : undefined;
    return {
      request,
      provider: choice.provider,
      history,
      stateful,
      conversationId,
      hot,
      selectedTools: namesOf(request.tools),
      cacheKey,
    };
  }

  private finish(
    prepared: Prepared,
    response: ChatResponse,
    added: Message[],
    toolResults: ToolResult[],
    usage: Usage,
    steps: number,
    maxStepsReached: boolean,
    started: number,
    providerMs: number,
    toolMs: number,
    cached: boolean,
    sideEffects = false,
  ): TurnResult {
    const { parts } = this;
    added.push(response.message);
    if (prepared.stateful) parts.context().append(prepared.conversationId, ...added);
    if (
      !cached &&
      prepared.cacheKey !== undefined &&
      !sideEffects &&
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
    const totalMs = parts.clock.now() - started;
    const overheadMs = Math.max(0, totalMs - providerMs - toolMs);
    const { metrics } = parts;
    metrics.increment(CoordinatorMetrics.chatRequests, cached ? OUTCOME_CACHED : OUTCOME_OK);
    metrics.observe(CoordinatorMetrics.chatDuration, totalMs / 1000);
    if (!cached) metrics.observe(CoordinatorMetrics.providerDuration, providerMs / 1000);
    metrics.observe(CoordinatorMetrics.runtimeOverhead, overheadMs / 1000);
    return {
      text: response.text,
      message: response.message,
      finishReason: response.finishReason,
      usage,
      steps,
      toolResults,
      selectedTools: prepared.selectedTools,
      path: prepared.hot ? 'hot' : 'full',
      cached,
      maxStepsReached,
      messages: added,
      timing: { totalMs, providerMs, toolMs, overheadMs },
    };
  }
}
