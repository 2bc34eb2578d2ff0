import {
  InvalidConfigError,
  isZodSchema,
  type JsonSchema,
  TOOL_NAME_PATTERN,
  type Tool,
  type ToolDefinition,
  toJsonSchema,
} from '@victor-ai/core';

/** A registered tool: its definition and its parameters already as JSON Schema. */
export interface RegisteredTool {
  readonly definition: ToolDefinition;
  /** `definition.parameters` as JSON Schema (zod converted once, at registration). */
  readonly parameters: JsonSchema;
  /** The executable tool, when one was registered rather than a bare definition. */
  readonly tool: Tool | undefined;
}

/** Called after every change of the registry with the new version. */
export type RegistryListener = (version: number) => void;

function invalidTool(name: unknown, detail: string): InvalidConfigError {
  const label = typeof name === 'string' ? JSON.stringify(name) : '(unnamed)';
  return new InvalidConfigError({ option: 'tool', message: `tool ${label}: ${detail}` });
}

function isTool(value: ToolDefinition | Tool): value is Tool {
  return typeof (value as Tool).execute === 'function' && typeof (value as Tool).definition === 'object';
}

/** Checks a definition and returns its parameters as JSON Schema; throws `InvalidConfigError` naming the tool. */
function validateDefinition(definition: unknown): JsonSchema {
  if (typeof definition !== 'object' || definition === null) {
    throw invalidTool(undefined, `a tool definition must be an object, got ${typeof definition}`);
  }
  const record = definition as Record<string, unknown>;
  const { name } = record;
  if (typeof name !== 'string' || !TOOL_NAME_PATTERN.test(name)) {
    throw invalidTool(name, `name must match ${TOOL_NAME_PATTERN.source}, got ${JSON.stringify(name)}`);
  }
  if (typeof record.description !== 'string') {
    throw invalidTool(name, `description must be a string, got ${typeof record.description}`);
  }
  const { parameters } = record;
  if (
    typeof parameters !== 'object' ||
    parameters === null ||
    Array.isArray(parameters) ||
    (!isZodSchema(parameters) && 'type' in parameters && parameters.type !== 'object')
  ) {
    throw invalidTool(name, 'parameters must be a JSON Schema object (type "object") or a zod schema');
  }
  if (record.category !== undefined && typeof record.category !== 'string') {
    throw invalidTool(name, `category must be a string, got ${typeof record.category}`);
  }
  if (
    record.tags !== undefined &&
    (!Array.isArray(record.tags) || record.tags.some((tag) => typeof tag !== 'string'))
  ) {
    throw invalidTool(name, 'tags must be an array of strings');
  }
  for (const flag of ['readOnly', 'exclusive', 'cpuBound', 'alwaysInclude'] as const) {
    if (record[flag] !== undefined && typeof record[flag] !== 'boolean') {
      throw invalidTool(name, `${flag} must be a boolean, got ${typeof record[flag]}`);
    }
  }
  try {
    return toJsonSchema(parameters as ToolDefinition['parameters']);
  } catch (error) {
    const converted = invalidTool(name, 'parameters could not be converted to JSON Schema');
    (converted as { cause?: unknown }).cause = error;
    throw converted;
  }
}

/**
 * The set of tools a selector chooses from. Tools are added and removed at run time; `version` changes
 * with every change, so indexes and caches built for one version are known to be stale.
 */
export class ToolRegistry {
  readonly #tools = new Map<string, RegisteredTool>();
  readonly #listeners = new Set<RegistryListener>();
  #version = 0;
  #snapshot: readonly RegisteredTool[] | undefined;

  /** Creates a registry, optionally with tools (or bare definitions) to start with. */
  constructor(tools: Iterable<ToolDefinition | Tool> = []) {
    const batch = [...tools];
    if (batch.length > 0) this.add(batch);
  }

  /** Increases by one with each `add`, `remove` or `clear` that changed the set. */
  get version(): number {
    return this.#version;
  }

  /** Number of registered tools. */
  get size(): number {
    return this.#tools.size;
  }

  /**
   * Adds tools or definitions; a tool with a name already registered replaces it. All are validated
   * first: on a bad definition nothing is added and an `InvalidConfigError` names the tool.
   */
  add(tools: ToolDefinition | Tool | Iterable<ToolDefinition | Tool>): this {
    const list: Array<ToolDefinition | Tool> =
      Symbol.iterator in Object(tools) && !isTool(tools as Tool)
        ? [...(tools as Iterable<ToolDefinition | Tool>)]
        : [tools as ToolDefinition | Tool];
    const entries: RegisteredTool[] = [];
    const seen = new Set<string>();
    for (const item of list) {
      const tool = typeof item === 'object' && item !== null && isTool(item) ? item : undefined;
      const definition = tool ? tool.definition : (item as ToolDefinition);
      const parameters = validateDefinition(definition);
      if (seen.has(definition.name)) {
        throw invalidTool(definition.name, 'the name appears twice in one add()');
      }
      seen.add(definition.name);
      entries.push(Object.freeze({ definition, parameters, tool }));
    }
    if (entries.length === 0) return this;
    for (const entry of entries) this.#tools.set(entry.definition.name, entry);
    this.#changed();
    return this;
  }

  /** Removes tools by name; returns how many were there. */
  remove(names: string | Iterable<string>): number {
    let removed = 0;
    for (const name of typeof names === 'string' ? [names] : names) {
      if (this.#tools.delete(name)) removed++;
    }
    if (removed > 0) this.#changed();
    return removed;
  }

  /** Removes every tool. */
  clear(): void {
    if (this.#tools.size === 0) return;
    this.#tools.clear();
    this.#changed();
  }

  /** The registered tool of that name, if any. */
  get(name: string): RegisteredTool | undefined {
    return this.#tools.get(name);
  }

  /** True when a tool of that name is registered. */
  has(name: string): boolean {
    return this.#tools.has(name);
  }

  /** Every registered tool in registration order; the same frozen array until the next change. */
  list(): readonly RegisteredTool[] {
    if (this.#snapshot === undefined) this.#snapshot = Object.freeze([...this.#tools.values()]);
    return this.#snapshot;
  }

  /** Calls `listener` after every change; returns a function that stops it. */
  subscribe(listener: RegistryListener): () => void {
    this.#listeners.add(listener);
    return () => {
      this.#listeners.delete(listener);
    };
  }

  #changed(): void {
    this.#version++;
    this.#snapshot = undefined;
    for (const listener of this.#listeners) listener(this.#version);
  }
}
