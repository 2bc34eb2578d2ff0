import type { ZodType, z } from 'zod/v4';

/** A JSON Schema object, as providers expect tool parameters. */
export type JsonSchema = { [key: string]: unknown };

/**
 * A Standard Schema that can also describe itself as JSON Schema (the Standard JSON Schema interface:
 * `~standard.jsonSchema.input({ target })`), such as valibot's `toStandardJsonSchema(schema)` or arktype.
 * Its JSON Schema is what the model sees; its `validate` is not used (the validation middleware checks the
 * JSON Schema).
 */
export interface StandardJsonSchema<Input = unknown> {
  readonly '~standard': {
    readonly version: 1;
    readonly vendor: string;
    readonly validate: (value: unknown) => unknown;
    readonly jsonSchema: {
      readonly input: (options: { readonly target: string }) => Record<string, unknown>;
    };
    readonly types?: { readonly input: Input; readonly output: unknown } | undefined;
  };
}

/** What a tool's parameters may be: JSON Schema, a zod 4 schema, or a Standard JSON Schema. */
export type ToolParameters = JsonSchema | ZodType | StandardJsonSchema;

/** Describes a tool to the model and to the runtime. */
export interface ToolDefinition {
  /** Unique name, as the model calls it (`[a-zA-Z0-9_.-]{1,64}`). */
  name: string;
  description: string;
  /**
   * Parameters as JSON Schema, a zod 4 schema or a Standard JSON Schema (converted to JSON Schema once, see
   * `toJsonSchema`). Other schema objects (zod 3, a plain valibot schema) are refused by `createAgent`
   * with `INVALID_CONFIG`: nothing could tell the model what they accept.
   */
  parameters: ToolParameters;
  /** Group for selection and middleware (`filesystem`, `shell`, ...). */
  category?: string;
  tags?: readonly string[];
  /** The tool has no side effects: its results may be cached and it may run alongside anything. */
  readOnly?: boolean;
  /** The tool must run alone (no other tool call of the turn at the same time). */
  exclusive?: boolean;
  /**
   * The tool burns CPU and is meant for a worker pool: `createPooledTool` from `@victor-ai/executor`
   * requires it. The agent does not move a tool by itself (a worker needs a module to load, not a closure).
   */
  cpuBound?: boolean;
  /** Always offered to the model, whatever the selector ranks. */
  alwaysInclude?: boolean;
  /**
   * The tool writes, and whenever it returns it has reported every file it created, changed or deleted
   * through `ToolContext.reportChangedPaths`. A tool-result cache then keeps the other cached reads while
   * it runs and after, instead of dropping all of them (as it must for a writing tool that names no path).
   */
  reportsChangedPaths?: boolean;
}

/** A model's request to run a tool, with its arguments parsed. */
export interface ToolCall {
  id: string;
  name: string;
  arguments: Record<string, unknown>;
}

/** What a tool is given besides its arguments. */
export interface ToolContext {
  abortSignal?: AbortSignal;
  tenantId?: string;
  userId?: string;
  /** Free-form data the caller passes through the turn. */
  metadata?: Readonly<Record<string, unknown>>;
  /**
   * Present when a tool-result cache runs a tool that writes. A tool that knows exactly which files it
   * created, changed or deleted (absolute, or relative to the cache's root) reports them here, in one call
   * or several before it returns; an empty list says that nothing changed. With `reportsChangedPaths` in
   * its definition, only the cached reads those paths affect are dropped, instead of all of them for a
   * tool with no path argument (such as a shell). Paths reported after the tool returned are dropped at once.
   */
  reportChangedPaths?: (paths: readonly string[]) => void;
}

/** The outcome of one tool call; failures are results too, so the model can read them. */
export type ToolResult =
  | { toolCallId: string; name: string; ok: true; output: unknown; durationMs?: number; cached?: boolean }
  | {
      toolCallId: string;
      name: string;
      ok: false;
      error: { code: string; message: string; middleware?: string };
      durationMs?: number;
    };

/** A tool: its definition and the function that runs it. */
export interface Tool<Arguments = Record<string, unknown>, Output = unknown> {
  definition: ToolDefinition;
  execute(args: Arguments, context: ToolContext): Output | Promise<Output>;
}

/**
 * Any tool, whatever its argument type: what a collection of tools (an agent's, a registry's) holds. Each
 * tool's `execute` is checked against its own arguments where it is defined (see {@link defineTool}).
 */
// biome-ignore lint/suspicious/noExplicitAny: the argument types of a collection's tools differ; each is checked where the tool is defined
export type AnyTool = Tool<any, unknown>;

/** The argument type a tool's parameters describe: the zod or Standard Schema input, else `Fallback`. */
export type ToolArguments<Parameters, Fallback = Record<string, unknown>> = Parameters extends ZodType
  ? z.output<Parameters>
  : Parameters extends StandardJsonSchema<infer Input>
    ? unknown extends Input
      ? Fallback
      : Input
    : Fallback;

/**
 * Defines a tool with its argument type inferred from a zod (or Standard JSON Schema) `parameters`, so
 * that `execute` is checked against it; with a JSON Schema, give the type: `defineTool<{ path: string }>(...)`.
 * Returns the tool as it is.
 */
export function defineTool<
  Arguments = never,
  Output = unknown,
  const Parameters extends ToolParameters = ToolParameters,
>(tool: {
  definition: ToolDefinition & { parameters: Parameters };
  execute(
    // NoInfer: the arguments come from the schema (or the explicit type), never from execute's annotation.
    args: NoInfer<[Arguments] extends [never] ? ToolArguments<Parameters> : Arguments>,
    context: ToolContext,
  ): Output | Promise<Output>;
}): Tool<[Arguments] extends [never] ? ToolArguments<Parameters> : Arguments, Output> {
  return tool;
}
