import {
  type AnyTool,
  BlockedByMiddlewareError,
  InvalidArgumentsError,
  invalidOption,
  isZodSchema,
  TOOL_NAME_PATTERN,
  type Tool,
  type ToolCall,
  type ToolContext,
  type ToolResult,
  toJsonSchema,
  VictorError,
} from '@victor-ai/core';
import { type Tool as AISDKTool, asSchema, jsonSchema, type ToolExecutionOptions } from 'ai';

/** What `toAISDKTools` needs of a middleware chain; `createToolMiddlewareChain` from `@victor-ai/middleware` fits. */
export interface ToolChainLike {
  execute(tool: AnyTool, call: ToolCall, context?: ToolContext): ToolResult | Promise<ToolResult>;
}

/** Options of `toAISDKTools`. */
export interface ToAISDKToolsOptions {
  /** Every call runs through this chain (safety, validation, rate limits, audit, timeouts). */
  middleware?: ToolChainLike;
  /** Passed to every tool (tenant, user, metadata); the AI SDK's abort signal is added. */
  context?: Omit<ToolContext, 'abortSignal'>;
}

/** A set of AI SDK tools keyed by name, as `generateText({ tools })` takes it. */
export type AISDKToolSet = Record<string, AISDKTool>;

function failure(result: Extract<ToolResult, { ok: false }>): VictorError {
  const { code, message, middleware } = result.error;
  if (middleware !== undefined) {
    return new BlockedByMiddlewareError({ message: `${code}: ${message}`, middleware, reasonCode: code });
  }
  return new VictorError('TOOL_FAILED', { message: `${code}: ${message}` });
}

/**
 * Victor tools as AI SDK tools for `generateText`/`streamText`: the input schema is the tool's zod schema
 * (validated by the AI SDK) or its JSON Schema, and with `middleware` every call runs through Victor's
 * middleware chain; a blocked or failed call throws (the AI SDK hands the model a `tool-error`).
 */
export function toAISDKTools(tools: readonly AnyTool[], options: ToAISDKToolsOptions = {}): AISDKToolSet {
  if (!Array.isArray(tools)) throw invalidOption('tools', 'an array of Victor tools', tools);
  const { middleware, context } = options;
  if (middleware !== undefined && typeof middleware?.execute !== 'function') {
    throw invalidOption('middleware', 'a tool middleware chain (with execute)', middleware);
  }
  const set: AISDKToolSet = {};
  tools.forEach((tool, index) => {
    const definition = tool?.definition;
    if (typeof definition?.name !== 'string' || typeof tool.execute !== 'function') {
      throw invalidOption(`tools[${index}]`, 'a Victor tool (definition and execute)', tool);
    }
    const { name, parameters } = definition;
    if (Object.hasOwn(set, name))
      throw invalidOption(`tools[${index}].definition.name`, 'a unique name', name);
    const inputSchema = isZodSchema(parameters) ? parameters : jsonSchema(() => toJsonSchema(parameters));
    const execute = async (
      input: unknown,
      { toolCallId, abortSignal }: ToolExecutionOptions,
    ): Promise<unknown> => {
      const toolContext: ToolContext =
        abortSignal === undefined ? { ...context } : { ...context, abortSignal };
      const args = (input ?? {}) as Record<string, unknown>;
      if (middleware === undefined) return tool.execute(args, toolContext);
      const result = await middleware.execute(tool, { id: toolCallId, name, arguments: args }, toolContext);
      if (!result.ok) throw failure(result);
      return result.output;
    };
    set[name] = { description: definition.description, inputSchema, execute } as AISDKTool;
  });
  return set;
}

/** Options of `fromAISDKTools`: definition fields Victor has and the AI SDK has not, for every tool. */
export interface FromAISDKToolsOptions {
  category?: string;
  tags?: readonly string[];
  readOnly?: boolean;
}

function isAsyncIterable(value: unknown): value is AsyncIterable<unknown> {
  return typeof value === 'object' && value !== null && Symbol.asyncIterator in value;
}

let callCounter = 0;

/**
 * AI SDK tools (`tool()` with a zod, Standard or JSON Schema input) as Victor tools, so they run in
 * `createAgent` through Victor's middleware, selection and caches. Arguments are checked with the tool's
 * schema (an `InvalidArgumentsError` naming the tool when they do not fit); a streaming `execute` gives its
 * last value. Provider-executed tools and tools without `execute` have no Victor counterpart and are refused.
 */
export function fromAISDKTools(
  tools: Record<string, AISDKTool>,
  options: FromAISDKToolsOptions = {},
): Tool[] {
  if (typeof tools !== 'object' || tools === null)
    throw invalidOption('tools', 'an object of AI SDK tools', tools);
  const result: Tool[] = [];
  for (const [name, aiTool] of Object.entries(tools)) {
    if (!TOOL_NAME_PATTERN.test(name))
      throw invalidOption(`tools.${name}`, 'a name matching [a-zA-Z0-9_.-]{1,64}', name);
    if ((aiTool as { type?: unknown }).type === 'provider') {
      throw invalidOption(
        `tools.${name}`,
        'a function tool (provider-executed tools run at the provider)',
        aiTool,
      );
    }
    const run = aiTool.execute;
    if (typeof run !== 'function') throw invalidOption(`tools.${name}.execute`, 'a function', run);
    const schema = asSchema(aiTool.inputSchema);
    const parameters = schema.jsonSchema;
    if (typeof (parameters as { then?: unknown }).then === 'function') {
      throw invalidOption(
        `tools.${name}.inputSchema`,
        'a schema whose JSON Schema is known synchronously',
        parameters,
      );
    }
    const { $schema: _ignored, ...jsonParameters } = parameters as Record<string, unknown>;
    const validate = schema.validate?.bind(schema);
    result.push({
      definition: {
        name,
        description: aiTool.description ?? '',
        parameters: jsonParameters,
        ...(options.category === undefined ? {} : { category: options.category }),
        ...(options.tags === undefined ? {} : { tags: options.tags }),
        ...(options.readOnly === undefined ? {} : { readOnly: options.readOnly }),
      },
      async execute(args, context) {
        let input: unknown = args;
        if (validate !== undefined) {
          const checked = await validate(args);
          if (!checked.success) {
            throw new InvalidArgumentsError({
              message: `invalid arguments for tool ${JSON.stringify(name)}: ${checked.error.message}`,
              cause: checked.error,
            });
          }
          input = checked.value;
        }
        const output = await run(input, {
          toolCallId: `victor-${++callCounter}`,
          messages: [],
          abortSignal: context.abortSignal,
          experimental_context: context.metadata,
        });
        if (!isAsyncIterable(output)) return output;
        let last: unknown;
        for await (const value of output) last = value;
        return last;
      },
    });
  }
  return result;
}
