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

/** What the model answered: text, tool calls, or both. */
export interface AssistantMessage {
  role: 'assistant';
  content: string;
  toolCalls?: ToolCall[];
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
