import type { ToolCall } from './tools.js';

/** Who wrote a message. */
export type Role = 'system' | 'user' | 'assistant' | 'tool';

/** Instructions for the model. */
export interface SystemMessage {
  role: 'system';
  content: string;
}

/** What the user said. */
export interface UserMessage {
  role: 'user';
  content: string;
}

/**
 * Reasoning the model did before it answered (OpenAI Responses' reasoning items, Anthropic's thinking
 * blocks), kept in the assistant message so that the provider can receive it back on the next request of a
 * tool loop. Only the provider named in `provider` reads `providerData`; every other package and provider
 * passes the part along untouched.
 */
export interface ReasoningPart {
  type: 'reasoning';
  /** The provider whose wire format `providerData` is in: `openai-responses` or `anthropic`. */
  provider: string;
  /** The readable reasoning (thinking text or summary); empty when it is redacted or encrypted only. */
  text: string;
  /** Opaque: what the provider sends back unchanged (the reasoning item, the signed thinking block). */
  providerData: unknown;
}

/** What the model answered: text, tool calls, or both, and the reasoning that led there. */
export interface AssistantMessage {
  role: 'assistant';
  content: string;
  toolCalls?: ToolCall[];
  /** Reasoning to send back with this message, in the order the model produced it. */
  reasoning?: ReasoningPart[];
}

/** The result of one tool call, handed back to the model. */
export interface ToolMessage {
  role: 'tool';
  toolCallId: string;
  /** The tool's name; Anthropic does not need it, some OpenAI-compatible servers do. */
  name?: string;
  content: string;
  isError?: boolean;
}

/** One message of a conversation, discriminated by `role`. */
export type Message = SystemMessage | UserMessage | AssistantMessage | ToolMessage;
