import type { Tool } from '@victor-ai/core';
import { defineTool } from '@victor-ai/core';
import { describe, expectTypeOf, it } from 'vitest';
import type { Executor } from './executor.js';
import { createPooledTool } from './pooled-tool.js';
import type { WorkerPool } from './worker-pool.js';
import type { WorkerTask } from './worker-task.js';

describe('Executor.run', () => {
  it('resolves to what the job returns, awaited', () => {
    const executor = {} as Executor;
    expectTypeOf(executor.run(async () => 42)).toEqualTypeOf<Promise<number>>();
    expectTypeOf(executor.run(() => 'now')).toEqualTypeOf<Promise<string>>();
  });
});

describe('WorkerPool.run', () => {
  it('takes the argument and gives the result a task declares', () => {
    const pool = {} as WorkerPool;
    const task = {} as WorkerTask<{ text: string }, number>;
    expectTypeOf(pool.run(task, { text: 'a' })).toEqualTypeOf<Promise<number>>();
    // @ts-expect-error the task takes { text: string }
    void pool.run(task, { words: 1 });
  });
});

describe('createPooledTool', () => {
  it('keeps the tool argument and output types', () => {
    const tool = defineTool<{ text: string }, number>({
      definition: {
        name: 'word_count',
        description: 'count words',
        parameters: { type: 'object' },
        cpuBound: true,
      },
      execute: ({ text }) => text.split(/\s+/).length,
    });
    const pooled = createPooledTool({
      pool: {} as WorkerPool,
      tool,
      moduleUrl: '/tools/word-count.js',
      exportName: 'wordCount',
    });
    expectTypeOf(pooled).toEqualTypeOf<Tool<{ text: string }, number>>();
  });
});
