import type { ToolDefinition } from '@victor-ai/core';
import { describe, expect, it } from 'vitest';
import { z } from 'zod/v4';
import { StickyToolSelection } from './sticky-selection.js';

const tool = (name: string): ToolDefinition => ({ name, description: name, parameters: z.object({}) });
const names = (tools: readonly ToolDefinition[]) => tools.map((t) => t.name);
const pick = (...list: string[]) => list.map(tool);

describe('StickyToolSelection', () => {
  it('keeps the tools offered before in their order and appends new ones at the end', () => {
    const sticky = new StickyToolSelection({ maxTools: 6 });
    expect(names(sticky.apply('c', pick('read', 'grep')).tools)).toEqual(['read', 'grep']);
    // The ranking changed order and brought a new tool: the old order stays, the new one goes last.
    const second = sticky.apply('c', pick('write', 'grep', 'read'));
    expect(names(second.tools)).toEqual(['read', 'grep', 'write']);
    expect(second).toMatchObject({ added: ['write'], removed: [], prefixKept: true });
    // A turn that needs fewer tools keeps offering the others.
    expect(names(sticky.apply('c', pick('read')).tools)).toEqual(['read', 'grep', 'write']);
  });

  it('still adds a needed tool when full, removing the least recently needed one', () => {
    const sticky = new StickyToolSelection({ maxTools: 3 });
    sticky.apply('c', pick('a', 'b', 'c'));
    sticky.apply('c', pick('a', 'c'));
    const full = sticky.apply('c', pick('d'));
    expect(names(full.tools)).toEqual(['a', 'c', 'd']);
    expect(full).toMatchObject({ added: ['d'], removed: ['b'], prefixKept: false });
  });

  it('keeps conversations apart, and takes the newest definition of a kept tool', () => {
    const sticky = new StickyToolSelection();
    sticky.apply('one', pick('a'));
    expect(names(sticky.apply('two', pick('b')).tools)).toEqual(['b']);
    const newer = tool('a');
    expect(sticky.apply('one', [newer]).tools[0]).toBe(newer);
    sticky.clear('one');
    expect(sticky.offered('one')).toEqual([]);
    expect(() => new StickyToolSelection({ maxTools: 0 })).toThrow(/maxTools/);
  });
});
