import { describe, expect, it } from 'vitest';
import {
  DEFAULT_RESERVED_OUTPUT_TOKENS,
  estimateChatTokens,
  estimateEmbeddingTokens,
} from './token-estimate.js';

describe('token estimates', () => {
  it('counts the prompt generously and adds max_tokens, else the default output reservation', () => {
    const request = { model: 'm', messages: [{ role: 'user' as const, content: 'x'.repeat(300) }] };
    expect(estimateChatTokens({ ...request, maxTokens: 50 })).toBe(Math.ceil(332 / 3) + 50);
    expect(estimateChatTokens(request)).toBe(Math.ceil(332 / 3) + DEFAULT_RESERVED_OUTPUT_TOKENS);
    expect(estimateChatTokens(request, 10)).toBe(Math.ceil(332 / 3) + 10);
  });

  it('counts tools and tool calls, and survives a schema that does not serialise', () => {
    const circular: Record<string, unknown> = {};
    circular.self = circular;
    const base = estimateChatTokens({ model: 'm', messages: [], maxTokens: 0 });
    const withTools = estimateChatTokens({
      model: 'm',
      maxTokens: 0,
      messages: [
        {
          role: 'assistant',
          content: '',
          toolCalls: [{ id: '1', name: 'f', arguments: { a: 'b'.repeat(90) } }],
        },
      ],
      tools: [{ name: 'g', description: 'd', parameters: circular as never }],
    });
    expect(base).toBe(0);
    expect(withTools).toBeGreaterThan(Math.ceil(4_096 / 3) + 30);
  });

  it('estimates embeddings from their inputs', () => {
    expect(estimateEmbeddingTokens(['abc', 'defghi'])).toBe(5);
  });
});
