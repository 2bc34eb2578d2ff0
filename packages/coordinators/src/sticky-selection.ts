import type { ToolDefinition } from '@victor-ai/core';
import { LRUCache } from 'lru-cache';
import { positiveInteger } from './options.js';

/** Options of a `StickyToolSelection`. */
export interface StickyToolSelectionOptions {
  /** Most tools offered at once in a conversation; default 12. Beyond it, the least recently needed leave. */
  maxTools?: number;
  /** Conversations remembered; the least recently used is forgotten beyond this. Default 1,000. */
  maxConversations?: number;
}

/** The tools to offer on one turn, and what changed against the previous turn. */
export interface StickyToolChoice {
  /** Tools offered before, in their order, then the newly selected ones at the end. */
  readonly tools: readonly ToolDefinition[];
  /** Names newly appended this turn. */
  readonly added: readonly string[];
  /** Names that had to leave this turn (the only thing that changes the prompt's prefix). */
  readonly removed: readonly string[];
  /** True when the tools offered last turn are still the start of this turn's list, in the same order. */
  readonly prefixKept: boolean;
}

interface Offered {
  tools: ToolDefinition[];
  // Turn at which each tool (by name) was last in a fresh selection.
  lastNeeded: Map<string, number>;
  turn: number;
  /** The choice of a turn that changes nothing (same tools array); undefined before the first turn. */
  unchanged: StickyToolChoice | undefined;
}

/**
 * A selection policy that keeps the prompt's prefix stable: the tools already offered in a conversation
 * stay, in their order, and newly selected tools are appended at the end. A tool leaves only when the list
 * would exceed `maxTools`; then the least recently needed go, latest-placed first among equals, so that
 * as much of the list as possible (and of the provider's cached prefix) stays unchanged.
 */
export class StickyToolSelection {
  private readonly maxTools: number;
  private readonly conversations: LRUCache<string, Offered>;

  constructor(options: StickyToolSelectionOptions = {}) {
    this.maxTools = positiveInteger('maxTools', options.maxTools, 12);
    this.conversations = new LRUCache({
      max: positiveInteger('maxConversations', options.maxConversations, 1000),
    });
  }

  /** Merges this turn's fresh selection (best first) into what the conversation was offered before. */
  apply(conversationId: string, selected: readonly ToolDefinition[]): StickyToolChoice {
    let offered = this.conversations.get(conversationId);
    if (offered === undefined) {
      offered = { tools: [], lastNeeded: new Map(), turn: 0, unchanged: undefined };
      this.conversations.set(conversationId, offered);
    }
    const turn = ++offered.turn;
    const fresh = selected.length > this.maxTools ? selected.slice(0, this.maxTools) : selected;
    // The common turn: every tool selected is offered already, as the same definition. Nothing changes,
    // and the same array is returned (no allocation; response-cache keys hash a tool array once).
    let known = offered.unchanged !== undefined;
    for (let i = 0; i < fresh.length; i++) {
      const tool = fresh[i]!;
      offered.lastNeeded.set(tool.name, turn);
      if (known && !offered.tools.includes(tool)) known = false;
    }
    if (known) return offered.unchanged!;
    const byName = new Map(fresh.map((tool) => [tool.name, tool]));
    const previous = offered.tools.map((tool) => tool.name);
    // A tool re-registered with a new definition is replaced in place.
    const kept = offered.tools.map((tool) => byName.get(tool.name) ?? tool);
    const keptNames = new Set(previous);
    const added = fresh.filter((tool) => !keptNames.has(tool.name));
    const removed: string[] = [];
    let over = kept.length + added.length - this.maxTools;
    if (over > 0) {
      const candidates = kept
        .map((tool, position) => ({ tool, position, last: offered!.lastNeeded.get(tool.name) ?? 0 }))
        .filter((entry) => !byName.has(entry.tool.name))
        .sort((a, b) => a.last - b.last || b.position - a.position);
      const leaving = new Set<string>();
      for (const entry of candidates) {
        if (over <= 0) break;
        leaving.add(entry.tool.name);
        removed.push(entry.tool.name);
        over--;
      }
      for (let i = kept.length - 1; i >= 0; i--) if (leaving.has(kept[i]!.name)) kept.splice(i, 1);
      for (const name of leaving) offered.lastNeeded.delete(name);
    }
    const tools = [...kept, ...added];
    offered.tools = tools;
    offered.unchanged = { tools, added: [], removed: [], prefixKept: true };
    let prefixKept = true;
    for (let i = 0; i < previous.length; i++) {
      if (tools[i]?.name !== previous[i]) {
        prefixKept = false;
        break;
      }
    }
    return { tools, added: added.map((tool) => tool.name), removed, prefixKept };
  }

  /** The tools offered last in a conversation (empty when unknown). */
  offered(conversationId: string): readonly ToolDefinition[] {
    return this.conversations.peek(conversationId)?.tools ?? [];
  }

  /** Forgets a conversation. */
  clear(conversationId: string): void {
    this.conversations.delete(conversationId);
  }
}
