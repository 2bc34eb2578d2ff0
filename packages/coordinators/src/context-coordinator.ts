import type { Message } from '@victor-ai/core';
import { LRUCache } from 'lru-cache';
import { positiveInteger } from './options.js';

/** Estimates a message's tokens: about four characters a token, plus a few for the envelope. */
export function estimateTokens(message: Message): number {
  let characters = message.content.length;
  if (message.role === 'assistant' && message.toolCalls) {
    for (const call of message.toolCalls)
      characters += call.name.length + JSON.stringify(call.arguments).length;
  }
  return 4 + Math.ceil(characters / 4);
}

/** Options of a `ContextCoordinator`. */
export interface ContextCoordinatorOptions {
  /** Token budget of the history sent to the model; default 100,000. */
  budgetTokens?: number;
  /** Token estimate of one message; default `estimateTokens` (characters / 4). */
  estimate?: (message: Message) => number;
  /** Conversations kept; the least recently used is dropped beyond this. Default 1,000. */
  maxConversations?: number;
}

interface Conversation {
  messages: Message[];
  tokens: number;
}

/**
 * Keeps conversation histories and fits them into a token budget. The running token count makes the
 * "fits already" check O(1); trimming drops the oldest messages, never leaves a tool result without the
 * call that asked for it, and always keeps the latest user message.
 */
export class ContextCoordinator {
  private readonly budget: number;
  private estimateMessage: (message: Message) => number;
  // Least recently appended to goes first when there are more than maxConversations; reads (peek) do not
  // count as use, so that a turn's many reads cost a Map lookup each.
  private readonly conversations: LRUCache<string, Conversation>;

  constructor(options: ContextCoordinatorOptions = {}) {
    this.budget = positiveInteger('budgetTokens', options.budgetTokens, 100_000);
    this.estimateMessage = options.estimate ?? estimateTokens;
    this.conversations = new LRUCache({
      max: positiveInteger('maxConversations', options.maxConversations, 1000),
    });
  }

  /** The token budget. */
  get budgetTokens(): number {
    return this.budget;
  }

  /** The stored history of a conversation (empty when unknown). Do not mutate it; use `append`. */
  history(conversationId: string): readonly Message[] {
    return this.conversations.peek(conversationId)?.messages ?? [];
  }

  /** Appends messages to a conversation, creating it when new. */
  append(conversationId: string, ...messages: Message[]): void {
    let conversation = this.conversations.get(conversationId);
    if (conversation === undefined) {
      conversation = { messages: [], tokens: 0 };
      this.conversations.set(conversationId, conversation);
    }
    for (const message of messages) {
      conversation.messages.push(message);
      conversation.tokens += this.estimateMessage(message);
    }
  }

  /** True when the conversation's stored history fits the budget as it is (O(1)). */
  fits(conversationId: string): boolean {
    return (this.conversations.peek(conversationId)?.tokens ?? 0) <= this.budget;
  }

  /** The token estimate of one message. */
  estimate(message: Message): number {
    return this.estimateMessage(message);
  }

  /** Drops the `count` oldest messages of a stored conversation, keeping its token count right. */
  dropOldest(conversationId: string, count: number): void {
    const conversation = this.conversations.peek(conversationId);
    if (conversation === undefined || count <= 0) return;
    const dropped = conversation.messages.splice(0, count);
    for (const message of dropped) conversation.tokens -= this.estimateMessage(message);
  }

  /** Replaces a stored conversation's messages (after compaction), keeping its token count right. */
  replace(conversationId: string, messages: readonly Message[]): void {
    const conversation = this.conversations.peek(conversationId);
    if (conversation === undefined) return;
    conversation.messages = [...messages];
    conversation.tokens = 0;
    for (const message of messages) conversation.tokens += this.estimateMessage(message);
  }

  /** Counts tokens with `estimate` from now on; the stored conversations are counted again with it. */
  useEstimate(estimate: (message: Message) => number): void {
    this.estimateMessage = estimate;
    this.conversations.forEach((conversation) => {
      conversation.tokens = 0;
      for (const message of conversation.messages) conversation.tokens += estimate(message);
    });
  }

  /** Forgets a conversation. */
  clear(conversationId: string): void {
    this.conversations.delete(conversationId);
  }

  /**
   * The messages to send: `messages` itself when it fits the budget (no copy), else its newest part that
   * fits, starting at a user message (the Messages API requires one first; a tool result never loses its
   * call). `reservedTokens` is room kept for the system prompt and the new user message; `knownTokens` is
   * the messages' token count when the caller knows it. When no user message is left in the part that
   * fits, the last message is kept (the caller's turn), or nothing with `keepLast: false` (a stored
   * history, whose new user message comes after it).
   */
  window(
    messages: readonly Message[],
    reservedTokens = 0,
    knownTokens?: number,
    keepLast = true,
  ): readonly Message[] {
    const budget = this.budget - reservedTokens;
    let total = knownTokens ?? 0;
    if (knownTokens === undefined) for (const message of messages) total += this.estimateMessage(message);
    if (total <= budget) return messages;
    let start = 0;
    while (start < messages.length - 1 && total > budget) {
      total -= this.estimateMessage(messages[start]!);
      start++;
    }
    if (!keepLast && total > budget) start = messages.length;
    let userStart = start;
    while (userStart < messages.length && messages[userStart]!.role !== 'user') userStart++;
    if (userStart < messages.length || !keepLast) return messages.slice(userStart);
    // No user message left: keep the last messages, but never an orphan tool result first.
    while (start < messages.length - 1 && messages[start]!.role === 'tool') start++;
    return messages.slice(start);
  }

  /** Running token count of a stored conversation. */
  tokens(conversationId: string): number {
    return this.conversations.peek(conversationId)?.tokens ?? 0;
  }
}
