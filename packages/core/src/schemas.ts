import { type ZodType, z } from 'zod/v4';
import { describeValue, InvalidArgumentsError, InvalidConfigError } from './errors.js';
import type { JsonSchema, StandardJsonSchema, ToolCall, ToolDefinition } from './tools.js';

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

/** True when the value is a Standard Schema that can describe itself as JSON Schema (and not zod 4). */
export function isStandardJsonSchema(value: unknown): value is StandardJsonSchema {
  if (typeof value !== 'object' || value === null || isZodSchema(value)) return false;
  const standard = (value as { '~standard'?: { jsonSchema?: { input?: unknown } } })['~standard'];
  return typeof standard?.jsonSchema?.input === 'function';
}

/** Why a value cannot be tool parameters (a schema object JSON Schema cannot be derived from); else undefined. */
function unusableSchema(value: unknown): string | undefined {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    return `must be a JSON Schema object, a zod 4 schema or a Standard JSON Schema, got ${describeValue(value)}`;
  }
  if (isZodSchema(value) || isStandardJsonSchema(value)) return undefined;
  const standard = (value as { '~standard'?: { vendor?: unknown } })['~standard'];
  const zod3 = '_def' in value && typeof (value as { safeParse?: unknown }).safeParse === 'function';
  if (standard === undefined && !zod3) return undefined;
  const vendor = zod3 ? 'zod 3' : String(standard?.vendor ?? 'unknown');
  return `is a ${vendor} schema without a JSON Schema form: pass a zod 4 schema, a Standard JSON Schema (such as valibot's toStandardJsonSchema(schema)) or a JSON Schema object`;
}

/**
 * Checks that a tool's parameters are usable: a JSON Schema object, a zod 4 schema or a Standard JSON
 * Schema. Throws `InvalidConfigError` naming the tool otherwise (zod 3 and plain valibot schemas: nothing
 * could tell the model what they accept, and they would never be validated).
 */
export function checkToolParameters(name: string, parameters: unknown, option = 'parameters'): void {
  const problem = unusableSchema(parameters);
  if (problem !== undefined) {
    throw new InvalidConfigError({
      option,
      message: `${option} of tool ${JSON.stringify(name)} ${problem}`,
    });
  }
}

const jsonSchemaCache = new WeakMap<object, JsonSchema>();

/**
 * The JSON Schema of a tool's parameters; a zod schema or Standard JSON Schema is converted once and the
 * result reused. Throws `InvalidConfigError` for a schema object no JSON Schema can be derived from.
 */
export function toJsonSchema(parameters: ToolDefinition['parameters']): JsonSchema {
  const zod = isZodSchema(parameters);
  if (!zod && !isStandardJsonSchema(parameters)) {
    if (unusableSchema(parameters) !== undefined) checkToolParameters('(unnamed)', parameters);
    return parameters as JsonSchema;
  }
  let cached = jsonSchemaCache.get(parameters);
  if (cached === undefined) {
    const converted = zod
      ? z.toJSONSchema(parameters, { io: 'input' })
      : parameters['~standard'].jsonSchema.input({ target: 'draft-2020-12' });
    const { $schema: _ignored, ...schema } = converted as JsonSchema;
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
