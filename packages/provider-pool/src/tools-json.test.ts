import type { ToolDefinition } from '@victor-ai/core';
import { describe, expect, it, vi } from 'vitest';
import { appendRawMember, ToolsJsonCache } from './tools-json.js';

const tool = (name: string): ToolDefinition => ({
  name,
  description: `${name} tool`,
  parameters: { type: 'object' },
});

describe('ToolsJsonCache', () => {
  it('serialises each definition once', () => {
    const convert = vi.fn((definition: ToolDefinition) => ({ name: definition.name }));
    const cache = new ToolsJsonCache(convert);
    const a = tool('a');
    const b = tool('b');
    const tools = [a, b];
    expect(JSON.parse(cache.json(tools))).toEqual([{ name: 'a' }, { name: 'b' }]);
    expect(cache.json(tools)).toBe(cache.json([a, b]));
    expect(JSON.parse(cache.json([b]))).toEqual([{ name: 'b' }]);
    expect(convert).toHaveBeenCalledTimes(2);
  });
});

describe('appendRawMember', () => {
  it('adds a member holding raw JSON as the last member of an object', () => {
    expect(JSON.parse(appendRawMember('{"model":"m"}', 'tools', '[{"x":1}]'))).toEqual({
      model: 'm',
      tools: [{ x: 1 }],
    });
  });
});
