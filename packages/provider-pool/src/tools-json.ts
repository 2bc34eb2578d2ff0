import type { ToolDefinition } from '@victor-ai/core';

/**
 * Serialises each tool definition once and reuses the text in every request that offers the tool. Tool
 * schemas are most of a request's bytes, and `JSON.stringify` of them was most of the provider's time per
 * request. Arrays are joined each time (cheap): keying a cache by array would hold one short-lived entry
 * per selection, which costs the garbage collector more than the join.
 */
export class ToolsJsonCache {
  private readonly byDefinition = new WeakMap<ToolDefinition, string>();

  constructor(private readonly convert: (definition: ToolDefinition) => unknown) {}

  /** The JSON array text of the tools in the provider's wire format. */
  json(tools: readonly ToolDefinition[]): string {
    let text = '[';
    for (let i = 0; i < tools.length; i++) {
      const definition = tools[i]!;
      let one = this.byDefinition.get(definition);
      if (one === undefined) {
        one = JSON.stringify(this.convert(definition));
        this.byDefinition.set(definition, one);
      }
      text += i === 0 ? one : `,${one}`;
    }
    return `${text}]`;
  }
}

/** Adds `"key":<raw JSON>` as the last member of a serialised JSON object. */
export function appendRawMember(objectJson: string, key: string, rawJson: string): string {
  return `${objectJson.slice(0, -1)},${JSON.stringify(key)}:${rawJson}}`;
}
