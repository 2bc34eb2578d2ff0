import type { AnyTool, ChatRequest, Tool } from '@victor-ai/core';
import { defineTool } from '@victor-ai/core';
import { describe, expectTypeOf, it } from 'vitest';
import { z } from 'zod';
import type { Agent } from './agent.js';
import type { CompactionResult } from './compaction.js';
import type { AgentConfig } from './config.js';
import type { TokenizerName } from './tokenizer.js';
import type { TurnCompaction, TurnOptions, TurnResult } from './turn.js';

describe('AgentConfig', () => {
  it('takes tools of any argument type: zod-typed, interface-typed and plain', () => {
    interface ReadArguments {
      path: string;
    }
    const zodTool = defineTool({
      definition: { name: 'search', description: 'search', parameters: z.object({ query: z.string() }) },
      execute: ({ query }) => query,
    });
    const interfaceTool: Tool<ReadArguments> = {
      definition: { name: 'read', description: 'read', parameters: { type: 'object' } },
      execute: ({ path }) => path,
    };
    expectTypeOf([zodTool, interfaceTool]).toExtend<NonNullable<AgentConfig['tools']>>();
    expectTypeOf<NonNullable<AgentConfig['tools']>[number]>().toEqualTypeOf<AnyTool>();
  });

  it('types route with the request it routes', () => {
    type Route = NonNullable<AgentConfig['route']>;
    expectTypeOf<Parameters<Route>[0]>().toEqualTypeOf<ChatRequest>();
    expectTypeOf<ReturnType<Route>>().toEqualTypeOf<
      { provider: string; model?: string | undefined } | undefined
    >();
  });

  it('accepts undefined for optional fields, as an unset environment variable gives', () => {
    const fromEnvironment: string | undefined = process.env.VICTOR_SYSTEM_PROMPT;
    expectTypeOf({ systemPrompt: fromEnvironment }).toExtend<Pick<AgentConfig, 'systemPrompt'>>();
    expectTypeOf({ tenantId: fromEnvironment, userId: fromEnvironment }).toExtend<TurnOptions>();
  });
});

describe('long-session options', () => {
  it('switch each default off, and type the compaction callback', () => {
    expectTypeOf({
      toolSelection: { sticky: false },
      compaction: false,
      tokenCounting: 'estimate',
    } as const).toExtend<Pick<AgentConfig, 'toolSelection' | 'compaction' | 'tokenCounting'>>();
    type Compaction = Exclude<NonNullable<AgentConfig['compaction']>, false>;
    expectTypeOf<Parameters<NonNullable<Compaction['onCompact']>>>().toEqualTypeOf<
      [conversationId: string, result: CompactionResult]
    >();
    expectTypeOf<TurnResult['compaction']>().toEqualTypeOf<TurnCompaction | undefined>();
    expectTypeOf<ReturnType<Agent['tokenizer']>>().toEqualTypeOf<TokenizerName>();
  });
});

describe('Agent', () => {
  it('answers a turn with a TurnResult', () => {
    expectTypeOf<Agent['chat']>().returns.toEqualTypeOf<Promise<TurnResult>>();
    expectTypeOf<TurnResult['selectedTools']>().toEqualTypeOf<readonly string[]>();
  });
});
