import type { FinishReason, Usage } from './chat.js';
import type { VictorError } from './errors.js';
import type { ReasoningPart } from './messages.js';
import type { ToolCall } from './tools.js';

/** The first event of a stream: the response's id and model, when the provider says them. */
export interface ResponseStartEvent {
  type: 'response-start';
  id?: string;
  model?: string;
}

/** A piece of the answer's text. */
export interface TextDeltaEvent {
  type: 'text-delta';
  delta: string;
}

/** The model began a tool call. `index` orders calls within the response. */
export interface ToolCallStartEvent {
  type: 'tool-call-start';
  index: number;
  id: string;
  name: string;
}

/** A fragment of a tool call's JSON arguments, as it arrived. */
export interface ToolCallDeltaEvent {
  type: 'tool-call-delta';
  index: number;
  id: string;
  argumentsDelta: string;
}

/** A tool call is complete; its arguments are parsed. */
export interface ToolCallEndEvent {
  type: 'tool-call-end';
  index: number;
  toolCall: ToolCall;
}

/** A piece of the model's readable reasoning (thinking text or summary), shown dimmed or hidden. */
export interface ReasoningDeltaEvent {
  type: 'reasoning-delta';
  delta: string;
}

/** A reasoning part is complete; it belongs in the assistant message, to be sent back next request. */
export interface ReasoningEndEvent {
  type: 'reasoning-end';
  reasoning: ReasoningPart;
}

/** The last event of a successful stream. */
export interface FinishEvent {
  type: 'finish';
  finishReason: FinishReason;
  usage: Usage;
  /** What the provider returned that Victor does not model, as `ChatResponse.providerMetadata`. */
  providerMetadata?: Readonly<Record<string, unknown>>;
}

/** The stream failed after it started; nothing follows this event. */
export interface ErrorEvent {
  type: 'error';
  error: VictorError;
}

/**
 * One event of a streamed chat response, discriminated by `type`.
 * Failures before the first event reject the iteration (so they can be retried); failures after it arrive
 * as an `error` event that ends the stream.
 */
export type StreamEvent =
  | ResponseStartEvent
  | TextDeltaEvent
  | ToolCallStartEvent
  | ToolCallDeltaEvent
  | ToolCallEndEvent
  | ReasoningDeltaEvent
  | ReasoningEndEvent
  | FinishEvent
  | ErrorEvent;
