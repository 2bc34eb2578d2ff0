import type { FinishReason } from '@victor-ai/core';
import { describe, expect, it } from 'vitest';
import { mapStopReason } from './anthropic/stop-reason.js';
import { mapFinishReason } from './openai-compatible/finish-reason.js';

// Each API's way of saying why a model stopped, mapped to core's FinishReason: one table for both mappings.
const mappings: Record<string, (reason: unknown) => FinishReason> = {
  'anthropic stop_reason': mapStopReason,
  'chat completions finish_reason': mapFinishReason,
};

describe('finish reasons', () => {
  it.each([
    ['anthropic stop_reason', 'end_turn', 'stop'],
    ['anthropic stop_reason', 'stop_sequence', 'stop'],
    ['anthropic stop_reason', 'max_tokens', 'length'],
    ['anthropic stop_reason', 'tool_use', 'tool-calls'],
    ['anthropic stop_reason', 'refusal', 'content-filter'],
    ['anthropic stop_reason', 'pause_turn', 'other'],
    ['chat completions finish_reason', 'stop', 'stop'],
    ['chat completions finish_reason', 'length', 'length'],
    ['chat completions finish_reason', 'tool_calls', 'tool-calls'],
    ['chat completions finish_reason', 'content_filter', 'content-filter'],
    ['chat completions finish_reason', 'error', 'error'],
  ])('%s %s -> %s', (api, wire, reason) => {
    expect(mappings[api]!(wire)).toBe(reason);
  });
});
