import { describe, expectTypeOf, it } from 'vitest';
import { z } from 'zod';
import type { StandardMetricName } from './metric-names.js';
import { MetricNames } from './metric-names.js';
import type { MetricsSink, SpanTracer } from './metrics.js';
import { type AnyTool, defineTool, type StandardJsonSchema, type Tool, type ToolArguments } from './tools.js';

describe('defineTool', () => {
  it('gives execute the argument type of a zod schema', () => {
    const read = defineTool({
      definition: {
        name: 'read_file',
        description: 'read a file',
        parameters: z.object({ path: z.string(), limit: z.number().optional() }),
      },
      execute: (args) => {
        expectTypeOf(args).toEqualTypeOf<{ path: string; limit?: number | undefined }>();
        return args.path.length;
      },
    });
    expectTypeOf(read).toEqualTypeOf<Tool<{ path: string; limit?: number | undefined }, number>>();
  });

  it('catches an execute that does not fit the schema', () => {
    defineTool({
      definition: { name: 'read_file', description: 'read', parameters: z.object({ path: z.string() }) },
      // @ts-expect-error path is a string, not a number
      execute: (args: { path: number }) => args.path,
    });
  });

  it('takes arguments declared as an interface, with a JSON Schema', () => {
    interface ReadArguments {
      path: string;
    }
    const read = defineTool<ReadArguments>({
      definition: { name: 'read_file', description: 'read', parameters: { type: 'object' } },
      execute: (args) => {
        expectTypeOf(args).toEqualTypeOf<ReadArguments>();
        return args.path;
      },
    });
    const plain: Tool<ReadArguments> = {
      definition: { name: 'read_plain', description: 'read', parameters: { type: 'object' } },
      execute: (args) => args.path,
    };
    // A collection of tools holds tools of any argument type.
    expectTypeOf([read, plain]).toExtend<AnyTool[]>();
  });

  it('infers the input type of a Standard JSON Schema', () => {
    type Schema = StandardJsonSchema<{ query: string }>;
    expectTypeOf<ToolArguments<Schema>>().toEqualTypeOf<{ query: string }>();
    expectTypeOf<ToolArguments<{ type: 'object' }>>().toEqualTypeOf<Record<string, unknown>>();
  });
});

describe('MetricNames', () => {
  it('holds the literal names', () => {
    expectTypeOf(MetricNames.chatDuration).toEqualTypeOf<'victor_chat_duration_seconds'>();
    expectTypeOf<'victor_tool_calls_total'>().toExtend<StandardMetricName>();
    expectTypeOf<'victor_no_such_metric'>().not.toExtend<StandardMetricName>();
  });
});

describe('MetricsSink', () => {
  it('has an optional tracer', () => {
    expectTypeOf<MetricsSink['tracer']>().toEqualTypeOf<SpanTracer | undefined>();
  });
});
