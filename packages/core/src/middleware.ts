import type { ChatRequest, ChatResponse } from './chat.js';
import type { StreamEvent } from './stream.js';
import type { ToolCall, ToolContext, ToolDefinition, ToolResult } from './tools.js';

/** Named priorities; lower runs first, ties keep registration order. */
export const MiddlewarePriority = {
  critical: 0,
  high: 25,
  normal: 50,
  low: 75,
  deferred: 100,
} as const;

/** What a `before` hook decided: go on, go on with new arguments, or stop the call. */
export type MiddlewareDecision =
  | { type: 'pass' }
  | { type: 'rewrite'; arguments: Record<string, unknown> }
  | { type: 'block'; code: string; reason: string };

/** Which tools a middleware applies to; a tool matches when any given rule matches. No rule: all tools. */
export interface MiddlewareScope {
  names?: readonly string[];
  tags?: readonly string[];
  categories?: readonly string[];
  predicate?: (definition: ToolDefinition) => boolean;
}

/** What a tool middleware sees besides the call. */
export interface MiddlewareContext extends ToolContext {
  definition: ToolDefinition;
  /**
   * True when the chain runs a guard a second time, on arguments that a later middleware rewrote. A guard
   * that counts calls (a rate limit) should not count this one again.
   */
  recheck?: boolean;
}

/**
 * A check or transformation around tool calls. Guards (safety, validation, rate limits) fail closed when
 * they throw; observers (audit, metrics) fail open.
 */
export interface ToolMiddleware {
  name: string;
  /** Lower runs first; default `MiddlewarePriority.normal`. */
  priority?: number;
  /** Default `guard`. */
  kind?: 'guard' | 'observer';
  appliesTo?: MiddlewareScope;
  /**
   * Called once per tool when an agent is created with it (before any turn), so that per-tool work (such
   * as compiling the tool's schema) happens then rather than on the tool's first call. Must not throw.
   */
  prepare?(definition: ToolDefinition): void;
  before?(
    call: ToolCall,
    context: MiddlewareContext,
  ): MiddlewareDecision | undefined | Promise<MiddlewareDecision | undefined>;
  after?(
    call: ToolCall,
    result: ToolResult,
    context: MiddlewareContext,
  ): ToolResult | undefined | Promise<ToolResult | undefined>;
}

/** Middleware around model calls: transform the request, wrap `chat` and `stream`. */
export interface ModelMiddleware {
  name: string;
  transformRequest?(request: ChatRequest): ChatRequest | Promise<ChatRequest>;
  wrapChat?(
    next: (request: ChatRequest) => Promise<ChatResponse>,
    request: ChatRequest,
  ): Promise<ChatResponse>;
  wrapStream?(
    next: (request: ChatRequest) => AsyncIterable<StreamEvent>,
    request: ChatRequest,
  ): AsyncIterable<StreamEvent>;
}
