import { describe, expect, it } from 'vitest';
import { decodeUsage } from './openai-compatible/decode-response.js';
import { decodeResponsesUsage } from './openai-responses/decode-response.js';

describe('OpenAI-style usage', () => {
  it.each([
    ['Chat Completions', decodeUsage],
    ['Responses', decodeResponsesUsage],
  ])('%s: a missing or non-object usage counts 0 tokens', (_api, decode) => {
    expect(decode(undefined)).toEqual({ inputTokens: 0, outputTokens: 0 });
    expect(decode(null)).toEqual({ inputTokens: 0, outputTokens: 0 });
    expect(decode('12')).toEqual({ inputTokens: 0, outputTokens: 0 });
  });

  it('Chat Completions: reads prompt, completion and cached tokens, leaving a missing cached count out', () => {
    expect(
      decodeUsage({ prompt_tokens: 10, completion_tokens: 4, prompt_tokens_details: { cached_tokens: 6 } }),
    ).toEqual({ inputTokens: 10, outputTokens: 4, cachedInputTokens: 6 });
    expect(decodeUsage({ prompt_tokens: 10, prompt_tokens_details: null })).toEqual({
      inputTokens: 10,
      outputTokens: 0,
    });
  });

  it('Responses: reads input, output, cached and reasoning tokens, leaving missing details out', () => {
    expect(
      decodeResponsesUsage({
        input_tokens: 10,
        output_tokens: 4,
        input_tokens_details: { cached_tokens: 6 },
        output_tokens_details: { reasoning_tokens: 3 },
      }),
    ).toEqual({ inputTokens: 10, outputTokens: 4, cachedInputTokens: 6, reasoningTokens: 3 });
    expect(
      decodeResponsesUsage({ output_tokens: 4, output_tokens_details: { reasoning_tokens: 'x' } }),
    ).toEqual({
      inputTokens: 0,
      outputTokens: 4,
    });
  });
});
