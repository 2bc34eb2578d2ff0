// The promptCache scenario: the standard 40-turn coding session replayed against the loopback
// server's prompt-cache model in three modes, counting what an Anthropic-style bill would charge.
import {
  generateCodingSession,
  SESSION_SYSTEM_PROMPT,
  SESSION_TOOLS,
  sessionToolResult,
} from '@victor-ai/agent-trace/session';
import { createAgent, DEFAULT_SUMMARY_PROMPT } from '@victor-ai/coordinators';
import type { Tool } from '@victor-ai/core';
import { type AnthropicCacheControl, createAnthropicProvider } from '@victor-ai/provider-pool';
import {
  createLoopbackServer,
  type LoopbackReply,
  type LoopbackRequest,
} from '@victor-ai/provider-pool/testing';

/**
 * The three replay modes, each written out in full so that a change of the agent's defaults does not change
 * what a mode measures: `baseline` (the behaviour before the long-session defaults, docs/decisions.md: no breakpoints, re-ranked tools, a window
 * that drops the oldest messages), `cacheControl` (breakpoints + compaction, tools still re-ranked) and
 * `sticky` (breakpoints + compaction + sticky selection: the agent's defaults now).
 */
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
    'the agent counts its budget with the estimate (characters / 4: a Claude model has no public tokenizer); the loopback server bills characters / 4 of the JSON body',
} as const;

/** The agent and provider settings of each mode, written out explicitly (not left to the defaults). */
export const PROMPT_CACHE_MODES: Record<
  PromptCacheMode,
  {
    cacheControl: AnthropicCacheControl | false;
    sticky: false | { maxTools: number };
    compaction: false | { keepLastTurns: number; triggerRatio: number };
  }
> = {
  baseline: { cacheControl: false, sticky: false, compaction: false },
  cacheControl: {
    cacheControl: { minStability: 0.3 },
    sticky: false,
    compaction: { keepLastTurns: PROMPT_CACHE_SETTINGS.keepLastTurns, triggerRatio: 0.9 },
  },
  sticky: {
    cacheControl: { minStability: 0.3 },
    sticky: { maxTools: PROMPT_CACHE_SETTINGS.stickyMaxTools },
    compaction: { keepLastTurns: PROMPT_CACHE_SETTINGS.keepLastTurns, triggerRatio: 0.9 },
  },
};

function isSummaryRequest(body: Record<string, unknown>): boolean {
  const system = body.system;
  const text =
    typeof system === 'string' ? system : Array.isArray(system) ? (system[0] as { text?: string })?.text : '';
  return text === DEFAULT_SUMMARY_PROMPT;
}

/**
 * Replays the session through `createAgent` in one mode against a fresh loopback server. With
 * `agentDefaults`, the mode's cache, selection and compaction settings are left out: the agent's and the
 * provider's defaults apply (the test checks that they are mode 3's).
 */
export async function replayPromptCacheMode(
  mode: PromptCacheMode,
  agentDefaults = false,
): Promise<PromptCacheModeResult> {
  const settings = PROMPT_CACHE_MODES[mode];
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
  const provider = createAnthropicProvider({
    baseURL: server.url,
    ...(agentDefaults ? {} : { cacheControl: settings.cacheControl }),
  });
  // Each tool answers with the session's result of the current turn's call (same name and step).
  const tools: Tool[] = SESSION_TOOLS.map((definition) => ({
    definition: {
      name: definition.name,
      description: definition.description,
      parameters: {
        type: 'object',
        properties: { target: { type: 'string', description: 'what to work on' }, step: { type: 'number' } },
        required: ['target'],
      },
    },
    execute: (args: Record<string, unknown>) => {
      const call = session[turnIndex]!.calls.find(
        (candidate) => candidate.name === definition.name && candidate.args.step === args.step,
      );
      return call === undefined ? 'no result' : sessionToolResult(call);
    },
  }));
  const agent = createAgent({
    provider,
    model: 'claude-sonnet-4-5',
    systemPrompt: SESSION_SYSTEM_PROMPT,
    tools,
    contextBudgetTokens: PROMPT_CACHE_SETTINGS.budgetTokens,
    // The trace's calls run whatever was offered, so every mode sends the same tool results; what
    // selection missed shows in `recall`.
    toolSelection: {
      k: PROMPT_CACHE_SETTINGS.selectionK,
      minTools: PROMPT_CACHE_SETTINGS.selectionK,
      cacheSize: 0,
      allowUnofferedTools: true,
      ...(agentDefaults ? {} : { sticky: settings.sticky }),
    },
    ...(agentDefaults ? {} : { compaction: settings.compaction, tokenCounting: 'estimate' as const }),
  });
  const totals = { input: 0, cached: 0, written: 0, summaryInput: 0, requests: 0 };
  let compactions = 0;
  let needed = 0;
  let offered = 0;
  try {
    for (turnIndex = 0; turnIndex < session.length; turnIndex++) {
      const turn = session[turnIndex]!;
      const before = agent.history('session').length;
      const result = await agent.chat(turn.query, { conversationId: 'session' });
      const { usage } = result;
      totals.input += usage.inputTokens;
      totals.cached += usage.cachedInputTokens ?? 0;
      totals.written += usage.cacheWriteInputTokens ?? 0;
      totals.requests += result.steps + (result.compaction?.summaryUsage !== undefined ? 1 : 0);
      if (result.compaction !== undefined) {
        compactions++;
        totals.summaryInput += result.compaction.summaryUsage?.inputTokens ?? 0;
      } else if (agent.history('session').length < before + 1 + result.messages.length) {
        compactions++; // the window dropped the oldest messages
      }
      const names = new Set(result.selectedTools);
      needed += turn.needed.length;
      offered += turn.needed.filter((name) => names.has(name)).length;
    }
  } finally {
    await agent.close();
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
    modeSettings: PROMPT_CACHE_MODES,
  };
}

// `node dist/prompt-cache.js` (or tsx src/prompt-cache.ts) prints the scenario alone.
if (process.argv[1]?.endsWith('prompt-cache.ts') || process.argv[1]?.endsWith('prompt-cache.js')) {
  promptCacheScenario().then((result) => console.log(JSON.stringify(result, null, 2)));
}
