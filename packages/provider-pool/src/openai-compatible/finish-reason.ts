import type { FinishReason } from '@victor-ai/core';

/** Maps a Chat Completions `finish_reason` to core's `FinishReason`. */
export function mapFinishReason(reason: unknown): FinishReason {
  switch (reason) {
    case 'stop':
    case 'end_turn':
      return 'stop';
    case 'length':
      return 'length';
    case 'tool_calls':
    case 'function_call':
      return 'tool-calls';
    case 'content_filter':
      return 'content-filter';
    case 'error':
      return 'error';
    default:
      return 'other';
  }
}
