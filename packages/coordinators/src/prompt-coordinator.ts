import type { Message, SystemMessage, ToolDefinition } from '@victor-ai/core';
import { LRUCache } from 'lru-cache';

/** Options of a `PromptCoordinator`. */
export interface PromptCoordinatorOptions {
  /** The system prompt; none when left out. */
  systemPrompt?: string;
  /** Append a line naming the selected tools to the system prompt; default false (the tools go in `tools`). */
  listTools?: boolean;
}

/**
 * Assembles what the model sees: the system prompt (built once, and once per distinct tool selection when
 * `listTools` is on) followed by the conversation window.
 */
export class PromptCoordinator {
  private readonly system: SystemMessage | undefined;
  private readonly listTools: boolean;
  // The system message per set of tool names: a selection repeats few sets, and a churning one evicts.
  private readonly withTools = new LRUCache<string, SystemMessage>({ max: 1000 });

  constructor(options: PromptCoordinatorOptions = {}) {
    this.system = options.systemPrompt ? { role: 'system', content: options.systemPrompt } : undefined;
    this.listTools = options.listTools ?? false;
  }

  /** Estimated tokens the system prompt takes (characters / 4). */
  get systemTokens(): number {
    return this.system ? 4 + Math.ceil(this.system.content.length / 4) : 0;
  }

  /** The system message for a set of tools. */
  systemMessage(tools: readonly ToolDefinition[] | undefined): SystemMessage | undefined {
    if (!this.listTools || !tools || tools.length === 0) return this.system;
    const names = tools.map((tool) => tool.name).join(', ');
    let message = this.withTools.get(names);
    if (message === undefined) {
      const base = this.system ? `${this.system.content}\n\n` : '';
      message = { role: 'system', content: `${base}Tools you can call: ${names}.` };
      this.withTools.set(names, message);
    }
    return message;
  }

  /**
   * The messages of a request, in a new array: system prompt, the window (which must not hold a system
   * message of its own), then the new user message when there is one. The stored history is never sent
   * as is, so nothing that keeps the request sees later turns.
   */
  build(
    window: readonly Message[],
    tools: readonly ToolDefinition[] | undefined,
    pending?: Message,
  ): Message[] {
    const system = this.systemMessage(tools);
    const offset = system === undefined ? 0 : 1;
    const messages = new Array<Message>(window.length + offset + (pending === undefined ? 0 : 1));
    if (system !== undefined) messages[0] = system;
    for (let i = 0; i < window.length; i++) messages[i + offset] = window[i]!;
    if (pending !== undefined) messages[messages.length - 1] = pending;
    return messages;
  }
}
