// The promptCache scenario (issue 21): the standard 40-turn coding session replayed against the loopback
// server's prompt-cache model in three modes, counting what an Anthropic-style bill would charge.
import {
  generateCodingSession,
  SESSION_SYSTEM_PROMPT,
  SESSION_TOOLS,
  sessionToolResult,
} from '@victor-ai/agent-trace/session';
import {
  ContextCoordinator,
  compactContext,
  DEFAULT_SUMMARY_PROMPT,
  MemoryToolResultStore,
  modelSummariser,
  StickyToolSelection,
} from '@victor-ai/coordinators';
import type { Message, ToolDefinition, Usage } from '@victor-ai/core';
import { createAnthropicProvider } from '@victor-ai/provider-pool';
import {
  createLoopbackServer,
  type LoopbackReply,
  type LoopbackRequest,
} from '@victor-ai/provider-pool/testing';
import { ToolRegistry, ToolSelector } from '@victor-ai/tool-selection';

/** The three replay modes: today's behaviour, breakpoints + cache key (+ compaction), and sticky selection too. */
export type PromptCacheMode = 'baseline' | 'cacheControl' | 'sticky';

/** What one mode sent and would be billed. */
export interface PromptCacheModeResult {
  inputTokens: number;
  cachedTokens: number;
  cacheWriteTokens: number;
  /** Uncached input at 1, cache reads at 0.1, cache writes at 1.25 (Anthropic's prices relative to input). */
  billedInputEquivalent: number;
  /** Compactions (modes 2 and 3) or turns on which the window dropped the oldest messages (baseline). */
  compactions: number;
  /** Input tokens of the summarising calls (included in the figures above). */
  summaryInputTokens: number;
  /** Share of the turns' needed tools that were offered. */
  recall: number;
  requests: number;
}

/** Settings of the replay, written next to the results. */
export const PROMPT_CACHE_SETTINGS = {
  turns: 40,
  seed: 21,
  tools: 30,
  selectionK: 6,
  stickyMaxTools: 20,
  budgetTokens: 24_000,
  keepLastTurns: 4,
  tokenCount:
    'estimate: characters / 4 (no tokenizer); the loopback server bills characters / 4 of the JSON body',
} as const;

function sessionTools(): ToolDefinition[] {
  return SESSION_TOOLS.map((tool) => ({
    name: tool.name,
    description: tool.description,
    parameters: {
      type: 'object',
      properties: { target: { type: 'string', description: 'what to work on' }, step: { type: 'number' } },
      required: ['target'],
    },
  }));
}

function isSummaryRequest(body: Record<string, unknown>): boolean {
  const system = body.system;
  const text =
    typeof system === 'string' ? system : Array.isArray(system) ? (system[0] as { text?: string })?.text : '';
  return text === DEFAULT_SUMMARY_PROMPT;
}

/** Replays the session in one mode against a fresh loopback server. */
export async function replayPromptCacheMode(mode: PromptCacheMode): Promise<PromptCacheModeResult> {
  const session = generateCodingSession({
    seed: PROMPT_CACHE_SETTINGS.seed,
    turns: PROMPT_CACHE_SETTINGS.turns,
  });
  let turnIndex = 0;
  const reply = (request: LoopbackRequest): LoopbackReply => {
    if (isSummaryRequest(request.body))
      return {
        text: `Earlier work: ${'edited files, ran tests, reviewed diffs; results stored by reference. '.repeat(10)}`,
      };
    const turn = session[turnIndex]!;
    const messages = request.body.messages as Array<{ content: unknown }>;
    const last = messages[messages.length - 1]!.content;
    const afterTools =
      Array.isArray(last) && (last[0] as { type?: string } | undefined)?.type === 'tool_result';
    if (afterTools) return { text: turn.answer };
    return { toolCalls: turn.calls.map((call) => ({ id: call.id, name: call.name, arguments: call.args })) };
  };
  const server = await createLoopbackServer({ promptCache: true, reply, recordRequests: 0 });
  const provider = createAnthropicProvider({ baseURL: server.url, cacheControl: mode !== 'baseline' });
  const tools = sessionTools();
  const selector = new ToolSelector({ registry: new ToolRegistry(tools), strategy: 'lexical', cacheSize: 0 });
  const sticky = new StickyToolSelection({ maxTools: PROMPT_CACHE_SETTINGS.stickyMaxTools });
  const window = new ContextCoordinator({ budgetTokens: PROMPT_CACHE_SETTINGS.budgetTokens });
  const store = new MemoryToolResultStore();
  const system: Message = { role: 'system', content: SESSION_SYSTEM_PROMPT };
  const totals = { input: 0, cached: 0, written: 0, summaryInput: 0, requests: 0 };
  const count = (usage: Usage) => {
    totals.input += usage.inputTokens;
    totals.cached += usage.cachedInputTokens ?? 0;
    totals.written += usage.cacheWriteInputTokens ?? 0;
    totals.requests++;
  };
  const summarise = modelSummariser({
    model: 'summariser',
    chat: (request) => provider.chat({ ...request, providerOptions: { anthropic: { cacheControl: false } } }),
  });
  let history: Message[] = [];
  let compactions = 0;
  let needed = 0;
  let offered = 0;
  const systemTokens = window.estimate(system);
  const contextOf = async (): Promise<Message[]> => {
    if (mode === 'baseline') {
      const kept = window.window(history, systemTokens);
      if (kept !== history) {
        compactions++;
        history = [...kept];
      }
      return [system, ...history];
    }
    const result = await compactContext([system, ...history], {
      budgetTokens: PROMPT_CACHE_SETTINGS.budgetTokens,
      keepLastTurns: PROMPT_CACHE_SETTINGS.keepLastTurns,
      store,
      summarise,
    });
    if (result.compacted) {
      compactions++;
      if (result.summaryUsage) {
        count(result.summaryUsage);
        totals.summaryInput += result.summaryUsage.inputTokens;
      }
      history = result.messages.slice(1);
    }
    return result.messages;
  };
  try {
    for (turnIndex = 0; turnIndex < session.length; turnIndex++) {
      const turn = session[turnIndex]!;
      history.push({ role: 'user', content: turn.query });
      const fresh = selector
        .selectSync(turn.query, { k: PROMPT_CACHE_SETTINGS.selectionK })
        .tools.map((selected) => selected.definition);
      const offeredTools = mode === 'sticky' ? sticky.apply('session', fresh).tools : fresh;
      const names = new Set(offeredTools.map((tool) => tool.name));
      needed += turn.needed.length;
      offered += turn.needed.filter((name) => names.has(name)).length;
      const first = await provider.chat({
        model: 'loopback',
        messages: await contextOf(),
        tools: offeredTools,
      });
      count(first.usage);
      history.push(first.message);
      for (const call of turn.calls) {
        history.push({
          role: 'tool',
          toolCallId: call.id,
          name: call.name,
          content: sessionToolResult(call),
        });
      }
      const second = await provider.chat({
        model: 'loopback',
        messages: await contextOf(),
        tools: offeredTools,
      });
      count(second.usage);
      history.push(second.message);
    }
  } finally {
    await provider.close?.();
    await server.close();
  }
  const uncached = totals.input - totals.cached - totals.written;
  return {
    inputTokens: totals.input,
    cachedTokens: totals.cached,
    cacheWriteTokens: totals.written,
    billedInputEquivalent: Math.round(uncached + 0.1 * totals.cached + 1.25 * totals.written),
    compactions,
    summaryInputTokens: totals.summaryInput,
    recall: Math.round((offered / needed) * 1000) / 1000,
    requests: totals.requests,
  };
}

/** The promptCache scenario: the three modes, and mode 3's bill as a share of mode 1's. */
export async function promptCacheScenario(): Promise<Record<string, unknown>> {
  const modes = {
    baseline: await replayPromptCacheMode('baseline'),
    cacheControl: await replayPromptCacheMode('cacheControl'),
    sticky: await replayPromptCacheMode('sticky'),
  };
  return {
    modes,
    stickyBilledShare:
      Math.round((modes.sticky.billedInputEquivalent / modes.baseline.billedInputEquivalent) * 1000) / 1000,
    settings: PROMPT_CACHE_SETTINGS,
  };
}

// `node dist/prompt-cache.js` (or tsx src/prompt-cache.ts) prints the scenario alone.
if (process.argv[1]?.endsWith('prompt-cache.ts') || process.argv[1]?.endsWith('prompt-cache.js')) {
  promptCacheScenario().then((result) => console.log(JSON.stringify(result, null, 2)));
}
