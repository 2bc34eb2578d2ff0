import type { Message, Tool, ToolContext, Usage } from '@victor-ai/core';
import { abortReason, InvalidArgumentsError, invalidOption } from '@victor-ai/core';
import { LRUCache } from 'lru-cache';
import { estimateTokens } from './context-coordinator.js';
import { positiveInteger, positiveNumber } from './options.js';

/** What a summariser returns: the summary text and, when it called a model, that call's usage. */
export interface CompactionSummary {
  text: string;
  usage?: Usage;
}

/** Summarises older turns, usually through a chat model; see `modelSummariser`. */
export type Summariser = (messages: readonly Message[], signal: AbortSignal) => Promise<CompactionSummary>;

/** Keeps large tool results out of the context; the model can ask to see one again by its reference. */
export interface ToolResultStore {
  /** Stores a tool result and returns its reference. */
  put(content: string): string;
  /** The stored result of a reference, or undefined. */
  get(reference: string): string | undefined;
}

/** Options of `MemoryToolResultStore`. */
export interface MemoryToolResultStoreOptions {
  /**
   * Bytes of stored results kept (UTF-16, two a character); the least recently used go first, and their
   * references then read as unknown. Default 64 MiB.
   */
  maxBytes?: number | undefined;
}

/**
 * An in-memory `ToolResultStore` bounded by `maxBytes` (least recently used results dropped first);
 * references are `result-<n>`, never reused.
 */
export class MemoryToolResultStore implements ToolResultStore {
  private readonly results: LRUCache<string, string>;
  private count = 0;

  constructor(options: MemoryToolResultStoreOptions = {}) {
    this.results = new LRUCache<string, string>({
      maxSize: positiveInteger('maxBytes', options.maxBytes, 64 * 1024 * 1024),
      sizeCalculation: (content) => Math.max(1, content.length * 2),
    });
  }

  /** Stores a result (one larger than `maxBytes` is not kept, and its reference reads as unknown). */
  put(content: string): string {
    const reference = `result-${++this.count}`;
    this.results.set(reference, content);
    return reference;
  }

  /** Reads a stored result. */
  get(reference: string): string | undefined {
    return this.results.get(reference);
  }
}

/** Options of `compactContext`. */
export interface CompactionOptions {
  /** Token budget of the whole context (system prompt included). */
  budgetTokens: number;
  /** Compact when the context exceeds this share of the budget; default 0.9. */
  triggerRatio?: number;
  /** Turns (a user message and all that follows it) kept verbatim at the end; default 4. */
  keepLastTurns?: number;
  /** Tool results of kept turns (the last one aside) above this many tokens become references; default 1,000. */
  maxToolResultTokens?: number;
  /** Where shortened tool results go; without one they are not shortened. */
  store?: ToolResultStore;
  /** Summarises the older turns; without one they are dropped. */
  summarise?: Summariser;
  /** Give up on the summariser after this long and drop instead; default 30,000 ms. */
  summaryTimeoutMs?: number;
  /** Token estimate of a message; default `estimateTokens` (characters / 4). */
  estimate?: (message: Message) => number;
  /** Aborts the summarising call; `compactContext` then rejects with the signal's reason. */
  abortSignal?: AbortSignal;
}

/** What `compactContext` did. */
export interface CompactionResult {
  /** The messages to keep: the system prompt, a summary (or nothing) of older turns, the last turns. */
  messages: Message[];
  /** False when nothing needed compacting (then `messages` is a copy of the input). */
  compacted: boolean;
  /** How the older turns went: summarised, dropped on purpose (no summariser), or dropped after a failure. */
  outcome: 'none' | 'summarised' | 'dropped' | 'summary-failed' | 'summary-timeout';
  /** The older messages replaced by the summary or dropped, for the caller to archive. */
  removed: Message[];
  /** References of the tool results moved to the store. */
  references: string[];
  /** Usage of the summarising call, to count its cost. */
  summaryUsage?: Usage;
  /** Token estimates before and after. */
  tokensBefore: number;
  tokensAfter: number;
}

const SUMMARY_PREFIX = 'Summary of the earlier conversation:\n';
const SUMMARY_ACKNOWLEDGEMENT = 'Noted.';

/** Whether `messages` is just the summary pair that an earlier compaction left. */
function isPreviousSummary(messages: readonly Message[]): boolean {
  const [first, second] = messages;
  return (
    messages.length === 2 &&
    first?.role === 'user' &&
    typeof first.content === 'string' &&
    first.content.startsWith(SUMMARY_PREFIX) &&
    second?.role === 'assistant' &&
    second.content === SUMMARY_ACKNOWLEDGEMENT
  );
}

/**
 * Compacts a conversation that nears its budget: keeps the leading system messages and the last
 * `keepLastTurns` turns verbatim (a turn starts at a user message, so a tool call never loses its result),
 * replaces the older turns by a model-written summary (or drops them when the summariser fails, times out
 * or is absent), and moves large tool results of the kept turns but the last to a store. The cut falls at a
 * turn boundary, so everything from the kept turns on is unchanged and stays cacheable from the next turn.
 */
export async function compactContext(
  messages: readonly Message[],
  options: CompactionOptions,
): Promise<CompactionResult> {
  const budget = positiveNumber('budgetTokens', options.budgetTokens, 0);
  const trigger = positiveNumber('triggerRatio', options.triggerRatio, 0.9);
  const keepTurns = positiveInteger('keepLastTurns', options.keepLastTurns, 4);
  const maxResult = positiveNumber('maxToolResultTokens', options.maxToolResultTokens, 1000);
  const timeoutMs = positiveNumber('summaryTimeoutMs', options.summaryTimeoutMs, 30_000);
  const estimate = options.estimate ?? estimateTokens;
  let tokensBefore = 0;
  for (const message of messages) tokensBefore += estimate(message);
  const unchanged: CompactionResult = {
    messages: [...messages],
    compacted: false,
    outcome: 'none',
    removed: [],
    references: [],
    tokensBefore,
    tokensAfter: tokensBefore,
  };
  if (tokensBefore <= budget * trigger) return unchanged;

  let head = 0;
  while (head < messages.length && messages[head]!.role === 'system') head++;
  const turnStarts: number[] = [];
  for (let i = head; i < messages.length; i++) if (messages[i]!.role === 'user') turnStarts.push(i);
  const lastTurn = turnStarts.length > 0 ? turnStarts[turnStarts.length - 1]! : messages.length;
  // A previous summary (user + acknowledgement) is folded into the next one.
  const cut = turnStarts.length > keepTurns ? turnStarts[turnStarts.length - keepTurns]! : head;
  const older = messages.slice(head, cut);
  const kept: Message[] = messages.slice(cut);
  const references: string[] = [];
  if (options.store !== undefined) {
    const lastStart = lastTurn - cut;
    for (let i = 0; i < kept.length && i < lastStart; i++) {
      const message = kept[i]!;
      if (message.role !== 'tool' || estimate(message) <= maxResult) continue;
      const reference = options.store.put(message.content);
      references.push(reference);
      kept[i] = {
        ...message,
        content: `[tool result of ${message.content.length} characters stored as ${reference}; call ${RECALL_TOOL_NAME} with this reference to see it again]\n${message.content.slice(0, 400)}`,
      };
    }
  }
  // Only the previous summary is older than the kept turns (the kept turns alone are over the trigger):
  // folding it again would pay a model call every turn for nothing new, so it stays as it is.
  const foldable = !isPreviousSummary(older);
  if ((older.length === 0 || !foldable) && references.length === 0) return unchanged;

  let outcome: CompactionResult['outcome'] = 'dropped';
  let summary: CompactionSummary | undefined;
  if (foldable && older.length > 0 && options.summarise !== undefined) {
    const controller = new AbortController();
    const outer = options.abortSignal;
    if (outer?.aborted) throw abortReason(outer);
    const onAbort = () => controller.abort();
    outer?.addEventListener('abort', onAbort, { once: true });
    let timer: ReturnType<typeof setTimeout> | undefined;
    const timeout = new Promise<'timeout'>((resolve) => {
      timer = setTimeout(() => {
        controller.abort();
        resolve('timeout');
      }, timeoutMs);
    });
    try {
      const result = await Promise.race([options.summarise(older, controller.signal), timeout]);
      if (result === 'timeout') outcome = 'summary-timeout';
      else if (typeof result?.text === 'string' && result.text.length > 0) {
        summary = result;
        outcome = 'summarised';
      } else outcome = 'summary-failed';
    } catch {
      outcome = controller.signal.aborted ? 'summary-timeout' : 'summary-failed';
    } finally {
      clearTimeout(timer);
      outer?.removeEventListener('abort', onAbort);
    }
    // The turn was cancelled: nothing is compacted.
    if (outer?.aborted) throw abortReason(outer);
  }
  const out: Message[] = messages.slice(0, head);
  if (summary !== undefined) {
    out.push(
      { role: 'user', content: `${SUMMARY_PREFIX}${summary.text}` },
      { role: 'assistant', content: SUMMARY_ACKNOWLEDGEMENT },
    );
  } else if (!foldable) out.push(...older);
  out.push(...kept);
  let tokensAfter = 0;
  for (const message of out) tokensAfter += estimate(message);
  const result: CompactionResult = {
    messages: out,
    compacted: true,
    outcome: older.length === 0 || !foldable ? 'none' : outcome,
    removed: foldable ? older : [],
    references,
    tokensBefore,
    tokensAfter,
  };
  if (summary?.usage !== undefined) result.summaryUsage = summary.usage;
  return result;
}

/** Options of `modelSummariser`. */
export interface ModelSummariserOptions {
  /** Calls the model, e.g. `(request) => provider.chat(request)`. */
  chat: (request: {
    model: string;
    messages: Message[];
    maxTokens: number;
    abortSignal: AbortSignal;
  }) => Promise<{ text: string; usage: Usage }>;
  /** The summarising model. */
  model: string;
  /** Instructions of the summary; default a prompt asking for decisions, files, open tasks and facts. */
  prompt?: string;
  /** Longest summary, in tokens; default 1,024. */
  maxTokens?: number;
}

/** The default instructions of `modelSummariser`. */
export const DEFAULT_SUMMARY_PROMPT =
  'Summarise the conversation so far for your own later use: the goal, decisions taken, files and identifiers involved, tool results that still matter (with their stored references), and open tasks. Be brief and factual.';

/** A `Summariser` that asks a chat model; its usage is returned so that the caller counts its cost. */
export function modelSummariser(options: ModelSummariserOptions): Summariser {
  if (typeof options.model !== 'string' || options.model.length === 0)
    throw invalidOption('model', 'a non-empty string', options.model);
  const prompt = options.prompt ?? DEFAULT_SUMMARY_PROMPT;
  const maxTokens = options.maxTokens ?? 1024;
  return async (older, signal) => {
    const transcript = older
      .map((message) =>
        message.role === 'assistant' && message.toolCalls?.length
          ? `assistant: ${message.content} [called ${message.toolCalls.map((call) => `${call.name}(${JSON.stringify(call.arguments)})`).join(', ')}]`
          : `${message.role}: ${message.content}`,
      )
      .join('\n');
    const response = await options.chat({
      model: options.model,
      messages: [
        { role: 'system', content: prompt },
        { role: 'user', content: transcript },
      ],
      maxTokens,
      abortSignal: signal,
    });
    return { text: response.text, usage: response.usage };
  };
}

/** The name of the tool that reads a stored tool result back (see `recallTool`). */
export const RECALL_TOOL_NAME = 'recall_tool_result';

/**
 * The tool that shows the model a tool result compaction moved to `store`, by its reference. `allowed`
 * (when given) decides whether a call's context may read a reference (the agent keeps tenants apart).
 */
export function recallTool(
  store: ToolResultStore,
  allowed?: (reference: string, context: ToolContext) => boolean,
): Tool<{ reference: string }, string> {
  return {
    definition: {
      name: RECALL_TOOL_NAME,
      description:
        'Shows a tool result again in full that was shortened to a stored reference (such as result-3) to save context.',
      parameters: {
        type: 'object',
        properties: { reference: { type: 'string', description: 'the reference, e.g. result-3' } },
        required: ['reference'],
        additionalProperties: false,
      },
      readOnly: true,
    },
    execute({ reference }, context) {
      const content = allowed === undefined || allowed(reference, context) ? store.get(reference) : undefined;
      if (content === undefined) {
        throw new InvalidArgumentsError({
          message: `no stored tool result has the reference ${JSON.stringify(reference)}`,
        });
      }
      return content;
    },
  };
}
