import type { ChatRequest, ChatResponse, Provider, StreamEvent } from '@victor-ai/core';
import { AbortedError, HttpStatusError } from '@victor-ai/core';

/** What a scripted call does: answer, fail with the error, stall until aborted, or answer after a delay. */
export type Outcome = 'ok' | Error | 'stall' | { delayMs: number };

/** A provider that answers from a script of outcomes and counts its calls. */
export class ScriptedProvider implements Provider {
  calls = 0;
  streamCalls = 0;
  closed = false;
  constructor(
    readonly id: string,
    private readonly script: Outcome[] = [],
    private readonly fallback: Outcome = 'ok',
  ) {}

  private next(): Outcome {
    return this.script.shift() ?? this.fallback;
  }

  async chat(request: ChatRequest): Promise<ChatResponse> {
    this.calls++;
    const outcome = this.next();
    await this.play(outcome, request.abortSignal);
    return {
      text: this.id,
      message: { role: 'assistant', content: this.id },
      toolCalls: [],
      finishReason: 'stop',
      usage: { inputTokens: 1, outputTokens: 1 },
    };
  }

  async *stream(request: ChatRequest): AsyncGenerator<StreamEvent> {
    this.streamCalls++;
    const outcome = this.next();
    await this.play(outcome, request.abortSignal);
    yield { type: 'response-start', id: this.id };
    yield { type: 'text-delta', delta: this.id };
    yield { type: 'finish', finishReason: 'stop', usage: { inputTokens: 1, outputTokens: 1 } };
  }

  async close(): Promise<void> {
    this.closed = true;
  }

  private play(outcome: Outcome, abortSignal: AbortSignal | undefined): Promise<void> {
    if (outcome === 'ok') return Promise.resolve();
    if (outcome instanceof Error) return Promise.reject(outcome);
    if (abortSignal?.aborted) return Promise.reject(abortSignal.reason);
    return new Promise((resolve, reject) => {
      const timer =
        outcome === 'stall' ? undefined : setTimeout(resolve, (outcome as { delayMs: number }).delayMs);
      abortSignal?.addEventListener('abort', () => {
        clearTimeout(timer);
        reject(abortSignal.reason instanceof Error ? abortSignal.reason : new AbortedError());
      });
    });
  }
}

/** A one-message request. */
export const request: ChatRequest = { model: 'm', messages: [{ role: 'user', content: 'hi' }] };
/** A fresh retryable failure (503). */
export const unavailable = () => new HttpStatusError({ status: 503, url: 'u', responseBody: '' });
