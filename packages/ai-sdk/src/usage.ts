import type { LanguageModelV3FinishReason, LanguageModelV3Usage } from '@ai-sdk/provider';
import type { FinishReason, Usage } from '@victor-ai/core';

/**
 * The AI SDK usage of a Victor usage: `cachedInputTokens` is `inputTokens.cacheRead` (the rest `noCache`),
 * `reasoningTokens` is `outputTokens.reasoning` (the rest `text`).
 */
export function toLanguageModelUsage(usage: Usage): LanguageModelV3Usage {
  const cached = usage.cachedInputTokens;
  const reasoning = usage.reasoningTokens;
  return {
    inputTokens: {
      total: usage.inputTokens,
      noCache: cached === undefined ? usage.inputTokens : usage.inputTokens - cached,
      cacheRead: cached,
      cacheWrite: undefined,
    },
    outputTokens: {
      total: usage.outputTokens,
      text: reasoning === undefined ? usage.outputTokens : usage.outputTokens - reasoning,
      reasoning,
    },
  };
}

/**
 * The Victor usage of an AI SDK usage: unknown counts are 0, `cacheRead` is `cachedInputTokens`,
 * `outputTokens.reasoning` is `reasoningTokens`.
 */
export function fromLanguageModelUsage(usage: LanguageModelV3Usage | undefined): Usage {
  const result: Usage = {
    inputTokens: usage?.inputTokens.total ?? 0,
    outputTokens: usage?.outputTokens.total ?? 0,
  };
  const cached = usage?.inputTokens.cacheRead;
  if (cached !== undefined) result.cachedInputTokens = cached;
  const reasoning = usage?.outputTokens.reasoning;
  if (reasoning !== undefined) result.reasoningTokens = reasoning;
  return result;
}

/** The AI SDK finish reason of a Victor one (the same six values; no raw reason). */
export function toLanguageModelFinishReason(finishReason: FinishReason): LanguageModelV3FinishReason {
  return { unified: finishReason, raw: undefined };
}

const FINISH_REASONS = new Set<string>(['stop', 'length', 'tool-calls', 'content-filter', 'error', 'other']);

/** The Victor finish reason of an AI SDK one (also accepts the bare strings of older specifications). */
export function fromLanguageModelFinishReason(
  finishReason: LanguageModelV3FinishReason | string | undefined,
): FinishReason {
  const unified = typeof finishReason === 'string' ? finishReason : finishReason?.unified;
  return unified !== undefined && FINISH_REASONS.has(unified) ? (unified as FinishReason) : 'other';
}
