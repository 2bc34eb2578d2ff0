import type { ZodType } from 'zod';

/** A JSON Schema object, as providers expect tool parameters. */
export type JsonSchema = { [key: string]: unknown };

/** Describes a tool to the model and to the runtime. */
export interface ToolDefinition {
  /** Unique name, as the model calls it (`[a-zA-Z0-9_.-]{1,64}`). */
  name: string;
  description: string;
  /** Parameters as JSON Schema or a zod schema (converted to JSON Schema once, see `toJsonSchema`). */
  parameters: JsonSchema | ZodType;
  /** Group for selection and middleware (`filesystem`, `shell`, ...). */
  category?: string;
  tags?: readonly string[];
  /** The tool has no side effects: its results may be cached and it may run alongside anything. */
  readOnly?: boolean;
  /** The tool must run alone (no other tool call of the turn at the same time). */
  exclusive?: boolean;
  /** The tool burns CPU; executors may run it off the main thread. */
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
