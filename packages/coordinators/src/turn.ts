import type {
  AssistantMessage,
  FinishReason,
  Message,
  StreamEvent,
  ToolChoice,
  ToolResult,
  Usage,
} from '@victor-ai/core';

/** Per-turn options; each may be `undefined` (an unset environment variable, a missing header). */
export interface TurnOptions {
  /** Which stored conversation a string input continues; default `default`. */
  conversationId?: string | undefined;
  /** Scopes the response cache and the tool-result cache; passed to tools and providers. */
  tenantId?: string | undefined;
  userId?: string | undefined;
  abortSignal?: AbortSignal | undefined;
  temperature?: number | undefined;
  maxTokens?: number | undefined;
  toolChoice?: ToolChoice | undefined;
}

/** Where a turn's time went, in milliseconds. `overheadMs` = total - provider - tools: the runtime's own time. */
export interface TurnTiming {
  totalMs: number;
  providerMs: number;
  toolMs: number;
  overheadMs: number;
  /** Streams only: start of the turn to its first text. */
  ttftMs?: number;
}

/** What compacting the stored conversation did before a turn (see the agent's `compaction` option). */
export interface TurnCompaction {
  /** `summarised`, or `dropped` / `summary-failed` / `summary-timeout` when the older turns were dropped. */
  outcome: 'none' | 'summarised' | 'dropped' | 'summary-failed' | 'summary-timeout';
  /** Older messages replaced by the summary or dropped (given to `onCompact` to archive). */
  removedMessages: number;
  /** References of the tool results moved to the store (readable with `recall_tool_result`). */
  references: string[];
  /** Token counts of the stored history before and after. */
  tokensBefore: number;
  tokensAfter: number;
  /** The summarising call's usage; it is included in the turn's `usage`. */
  summaryUsage?: Usage;
}

/** The outcome of one agent turn. */
export interface TurnResult {
  text: string;
  message: AssistantMessage;
  finishReason: FinishReason;
  /** Summed over the turn's model calls. */
  usage: Usage;
  /** Model calls made (1 + one per round of tool calls). */
  steps: number;
  /** Results of every tool call of the turn, in order. */
  toolResults: ToolResult[];
  /** Names of the tools offered to the model (after selection). */
  selectedTools: readonly string[];
  /** `hot`: no tools, cache or context work was needed; `full`: the whole path ran. */
  path: 'hot' | 'full';
  /** True when the answer came from the response cache. */
  cached: boolean;
  /** True when the model still asked for tools at `maxSteps`. */
  maxStepsReached: boolean;
  /** Messages the turn added (assistant, tool, final assistant), already stored for string input. */
  messages: Message[];
  timing: TurnTiming;
  /** Present when the stored conversation was compacted before this turn. */
  compaction?: TurnCompaction;
}

/** What `agent.stream()` yields: the provider's events as they arrive, plus the agent's own. */
export type AgentStreamEvent =
  | StreamEvent
  | { type: 'tool-result'; result: ToolResult }
  | { type: 'step-finish'; step: number; finishReason: FinishReason }
  | { type: 'turn-finish'; result: TurnResult };

/** Adds `next` to `total` in place. */
export function addUsage(total: Usage, next: Usage): void {
  total.inputTokens += next.inputTokens;
  total.outputTokens += next.outputTokens;
  if (next.cachedInputTokens !== undefined)
    total.cachedInputTokens = (total.cachedInputTokens ?? 0) + next.cachedInputTokens;
  if (next.cacheWriteInputTokens !== undefined)
    total.cacheWriteInputTokens = (total.cacheWriteInputTokens ?? 0) + next.cacheWriteInputTokens;
}

/** The message that hands a tool result back to the model. */
export function toolMessage(result: ToolResult): Message {
  if (result.ok) {
    const content = typeof result.output === 'string' ? result.output : JSON.stringify(result.output ?? null);
    return { role: 'tool', toolCallId: result.toolCallId, name: result.name, content };
  }
  return {
    role: 'tool',
    toolCallId: result.toolCallId,
    name: result.name,
    content: `error ${result.error.code}: ${result.error.message}`,
    isError: true,
  };
}
