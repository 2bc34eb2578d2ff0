import { type ZodType, z } from 'zod';
import { InvalidArgumentsError } from './errors.js';
import type { JsonSchema, ToolCall, ToolDefinition } from './tools.js';

/** Tool names providers accept: letters, digits, `_`, `.`, `-`, at most 64 characters. */
export const TOOL_NAME_PATTERN = /^[a-zA-Z0-9_.-]{1,64}$/;

/** Validates a tool definition that arrives as data (config files, MCP servers). */
export const toolDefinitionSchema = z.object({
  name: z.string().regex(TOOL_NAME_PATTERN, 'tool name must match [a-zA-Z0-9_.-]{1,64}'),
  description: z.string(),
  parameters: z.record(z.string(), z.unknown()),
  category: z.string().optional(),
  tags: z.array(z.string()).optional(),
  readOnly: z.boolean().optional(),
  exclusive: z.boolean().optional(),
  cpuBound: z.boolean().optional(),
  alwaysInclude: z.boolean().optional(),
});

/** True when the value is a zod schema rather than a JSON Schema object. */
export function isZodSchema(value: unknown): value is ZodType {
  return typeof value === 'object' && value !== null && '_zod' in value;
}

const jsonSchemaCache = new WeakMap<object, JsonSchema>();

/** The JSON Schema of a tool's parameters; a zod schema is converted once and the result reused. */
export function toJsonSchema(parameters: ToolDefinition['parameters']): JsonSchema {
  if (!isZodSchema(parameters)) return parameters;
  let cached = jsonSchemaCache.get(parameters);
  if (cached === undefined) {
    const { $schema: _ignored, ...schema } = z.toJSONSchema(parameters, { io: 'input' }) as JsonSchema;
    cached = schema;
    jsonSchemaCache.set(parameters, cached);
  }
  return cached;
}

/** Parses a tool call's JSON arguments; `""` is `{}`. Throws `InvalidArgumentsError` naming the tool. */
export function parseToolArguments(name: string, text: string): ToolCall['arguments'] {
  if (text.trim() === '') return {};
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (error) {
    throw new InvalidArgumentsError({
      message: `arguments of tool ${JSON.stringify(name)} are not valid JSON: ${JSON.stringify(text.slice(0, 120))}`,
      cause: error,
    });
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw new InvalidArgumentsError({
      message: `arguments of tool ${JSON.stringify(name)} must be a JSON object, got ${JSON.stringify(text.slice(0, 120))}`,
    });
  }
  return value as ToolCall['arguments'];
}
