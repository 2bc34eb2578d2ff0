import type { JsonSchema } from '@victor-ai/core';
import type { RegisteredTool } from './tool-registry.js';

/** The texts of a tool that the indexes read, one per field. */
export interface ToolText {
  /** The tool's name as registered; matched verbatim when a query mentions it. */
  fullName?: string;
  /** The name, split into words (`get_weatherForecast` -> `get weather Forecast`). */
  name: string;
  description: string;
  /** Parameter names (nested ones too), space-separated as written. */
  parameterNames: string;
  /** Parameter descriptions, enum values and titles. */
  parameterDescriptions: string;
  /** Category and tags. */
  labels: string;
}

const MAX_DEPTH = 4;

function walkSchema(schema: unknown, names: string[], descriptions: string[], depth: number): void {
  if (depth > MAX_DEPTH || typeof schema !== 'object' || schema === null) return;
  const record = schema as JsonSchema;
  if (depth > 0) {
    if (typeof record.description === 'string') descriptions.push(record.description);
    if (typeof record.title === 'string') descriptions.push(record.title);
    if (Array.isArray(record.enum)) {
      for (const value of record.enum) if (typeof value === 'string') descriptions.push(value);
    }
  }
  const properties = record.properties;
  if (typeof properties === 'object' && properties !== null) {
    for (const [key, value] of Object.entries(properties)) {
      // Raw: the tokenizer splits snake_case and camelCase itself, and embedding models read either.
      names.push(key);
      walkSchema(value, names, descriptions, depth + 1);
    }
  }
  if (record.items !== undefined) walkSchema(record.items, names, descriptions, depth + 1);
  for (const key of ['anyOf', 'oneOf', 'allOf'] as const) {
    const list = record[key];
    if (Array.isArray(list)) for (const item of list) walkSchema(item, names, descriptions, depth + 1);
  }
}

/** Extracts the indexed texts of a registered tool. */
export function toolText(tool: RegisteredTool): ToolText {
  const names: string[] = [];
  const descriptions: string[] = [];
  walkSchema(tool.parameters, names, descriptions, 0);
  const { definition } = tool;
  const labels = [definition.category ?? '', ...(definition.tags ?? [])].join(' ');
  return {
    fullName: definition.name,
    name: definition.name.replace(/[_.-]+/g, ' ').replace(/([a-z0-9])([A-Z])/g, '$1 $2'),
    description: definition.description,
    parameterNames: names.join(' '),
    parameterDescriptions: descriptions.join(' '),
    labels,
  };
}

/** The one text of a tool that is embedded: name words, description, then parameter names. */
export function toolEmbeddingText(text: ToolText): string {
  let out = `${text.name}: ${text.description}`;
  if (text.parameterNames !== '') out += ` (parameters: ${text.parameterNames})`;
  if (text.labels.trim() !== '') out += ` [${text.labels.trim()}]`;
  return out;
}
