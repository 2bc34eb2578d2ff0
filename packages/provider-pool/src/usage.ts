import type { Usage } from '@victor-ai/core';

/** Where an OpenAI-style `usage` object keeps each count: top-level keys, and `[details, key]` pairs for the parts. */
export interface OpenAIUsageFields {
  readonly input: string;
  readonly output: string;
  readonly cached: readonly [details: string, key: string];
  readonly reasoning?: readonly [details: string, key: string];
}

/**
 * Reads an OpenAI-style `usage` object (Chat Completions or Responses, told apart by `fields`): missing
 * input and output counts are 0, missing cached and reasoning counts are left out.
 */
export function decodeOpenAIStyleUsage(usage: unknown, fields: OpenAIUsageFields): Usage {
  if (typeof usage !== 'object' || usage === null) return { inputTokens: 0, outputTokens: 0 };
  const record = usage as Record<string, unknown>;
  const result: Usage = {
    inputTokens: countOrZero(record[fields.input]),
    outputTokens: countOrZero(record[fields.output]),
  };
  const cached = detailCount(record, fields.cached);
  if (cached !== undefined) result.cachedInputTokens = cached;
  if (fields.reasoning !== undefined) {
    const reasoning = detailCount(record, fields.reasoning);
    if (reasoning !== undefined) result.reasoningTokens = reasoning;
  }
  return result;
}

function countOrZero(value: unknown): number {
  return typeof value === 'number' ? value : 0;
}

/** `record[details][key]` when it is a number. */
function detailCount(
  record: Record<string, unknown>,
  [details, key]: readonly [string, string],
): number | undefined {
  const parts = record[details];
  if (typeof parts !== 'object' || parts === null) return undefined;
  const value = (parts as Record<string, unknown>)[key];
  return typeof value === 'number' ? value : undefined;
}
