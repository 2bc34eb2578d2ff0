import { AbortedError, InvalidConfigError, type Tool } from '@victor-ai/core';
import { afterEach, describe, expect, it } from 'vitest';
// @ts-expect-error: a plain JS fixture without types
import { wordCountTool } from './__fixtures__/tasks.mjs';
import { createPooledTool } from './pooled-tool.js';
import { createWorkerPool, type WorkerPool } from './worker-pool.js';

const fixtures = new URL('./__fixtures__/tasks.mjs', import.meta.url);
const tool = wordCountTool as Tool<{ text: string }, { words: number; tenantId: string | null }>;

let pool: WorkerPool | undefined;
afterEach(async () => {
  await pool?.close({ force: true });
  pool = undefined;
});

describe('createPooledTool', () => {
  it('runs the tool in the pool with the same definition and passes tenant and user', async () => {
    pool = createWorkerPool({ size: 1 });
    const pooled = createPooledTool({ pool, tool, moduleUrl: fixtures, exportName: 'wordCountTool' });
    expect(pooled.definition).toBe(tool.definition);
    const output = await pooled.execute({ text: 'one two  three' }, { tenantId: 't1' });
    expect(output).toEqual({ words: 3, tenantId: 't1' });
    expect(await tool.execute({ text: 'one two  three' }, { tenantId: 't1' })).toEqual(output);
  });

  it('stops with the context abortSignal', async () => {
    pool = createWorkerPool({ size: 1 });
    const pooled = createPooledTool({ pool, tool, moduleUrl: fixtures, exportName: 'wordCountTool' });
    await expect(pooled.execute({ text: 'a' }, { abortSignal: AbortSignal.abort() })).rejects.toBeInstanceOf(
      AbortedError,
    );
  });

  it('refuses a tool that is not cpuBound, and a bad module or export', () => {
    pool = createWorkerPool({ size: 1 });
    const plain = { ...tool, definition: { ...tool.definition, cpuBound: false } };
    expect(() =>
      createPooledTool({ pool: pool!, tool: plain, moduleUrl: fixtures, exportName: 'x' }),
    ).toThrow(/tool must be a Tool whose definition says cpuBound: true, got "word_count"/);
    expect(() => createPooledTool({ pool: pool!, tool, moduleUrl: 'tasks.mjs', exportName: 'x' })).toThrow(
      InvalidConfigError,
    );
    expect(() => createPooledTool({ pool: pool!, tool, moduleUrl: fixtures, exportName: '1x' })).toThrow(
      /exportName/,
    );
  });
});
