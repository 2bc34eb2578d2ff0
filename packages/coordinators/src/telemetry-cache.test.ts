import type { TraceSpan } from '@victor-ai/core';
import { describe, expect, it } from 'vitest';
import { endModelSpan, endTurnSpan } from './telemetry.js';

function recordingSpan(): { span: TraceSpan; attributes: Record<string, unknown> } {
  const attributes: Record<string, unknown> = {};
  const span = {
    setAttribute: (key: string, value: unknown) => {
      attributes[key] = value;
    },
    end: () => {},
  } as unknown as TraceSpan;
  return { span, attributes };
}

describe('prompt-cache usage on spans', () => {
  it('records cache reads and writes of a model call and of a turn, and nothing when unknown', () => {
    const model = recordingSpan();
    endModelSpan(model.span, {
      finishReason: 'stop',
      usage: { inputTokens: 100, outputTokens: 5, cachedInputTokens: 80, cacheWriteInputTokens: 15 },
    });
    expect(model.attributes).toMatchObject({
      'gen_ai.usage.input_tokens': 100,
      'gen_ai.usage.cache_read.input_tokens': 80,
      'gen_ai.usage.cache_creation.input_tokens': 15,
    });
    const turn = recordingSpan();
    endTurnSpan(turn.span, { inputTokens: 10, outputTokens: 1 }, false);
    expect(turn.attributes).not.toHaveProperty('gen_ai.usage.cache_read.input_tokens');
  });
});
