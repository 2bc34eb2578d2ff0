import { describe, expect, it } from 'vitest';
import { assignToolNames, fitToolName, PORTABLE_TOOL_NAME_PATTERN } from './tool-names.js';

describe('fitToolName', () => {
  it('replaces characters providers refuse and starts with a letter or _', () => {
    expect(fitToolName('files.read file')).toBe('files_read_file');
    expect(fitToolName('9lives')).toBe('_9lives');
  });

  it('cuts a long name to 64 characters with a hash of the whole name', () => {
    const long = `server__${'x'.repeat(100)}`;
    const fitted = fitToolName(long);
    expect(fitted).toHaveLength(64);
    expect(fitted).toMatch(PORTABLE_TOOL_NAME_PATTERN);
    expect(fitToolName(`${long}y`)).not.toBe(fitted);
  });
});

describe('assignToolNames', () => {
  it('prefixes, reports sanitised and cut names, and resolves collisions by order', () => {
    const { names, renames } = assignToolNames(
      [
        { server: 'a', prefix: 'p', original: 'get.item' },
        { server: 'a', prefix: 'p', original: 'get_item' },
        { server: 'b', prefix: 'p', original: 'get_item' },
        { server: 'b', prefix: '', original: 'plain' },
        { server: 'b', prefix: 'p', original: 'y'.repeat(80) },
      ],
      '__',
    );
    expect(names.slice(0, 4)).toEqual([
      'p__get_item',
      expect.stringMatching(/^p__get_item_[0-9a-f]{6}$/),
      expect.stringMatching(/^p__get_item_[0-9a-f]{6}$/),
      'plain',
    ]);
    expect(new Set(names).size).toBe(names.length);
    for (const name of names) expect(name).toMatch(PORTABLE_TOOL_NAME_PATTERN);
    expect(renames.map((rename) => [rename.server, rename.original.slice(0, 8), rename.reason])).toEqual([
      ['a', 'get.item', 'sanitized'],
      ['a', 'get_item', 'collision'],
      ['b', 'get_item', 'collision'],
      ['b', 'yyyyyyyy', 'truncated'],
    ]);
  });
});
