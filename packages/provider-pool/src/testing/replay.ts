import type { Provider, StreamEvent, ToolCall } from '@victor-ai/core';
import { invalidOption, VictorError } from '@victor-ai/core';
import { createAnthropicProvider } from '../anthropic/provider.js';
import { createOpenAICompatibleProvider } from '../openai-compatible/provider.js';
import { createLoopbackServer, type LoopbackRawReply } from './loopback-server.js';

/** The wire format a recording is in. */
export type RecordingApi = 'openai-chat' | 'anthropic';

/** A recorded response body: raw SSE text, one JSON event payload per line, or a whole JSON body. */
export interface Recording {
  /** Names the recording in the result (a file path, usually). */
  file: string;
  content: string;
}

/** What a recording decoded to through the real provider. */
export interface ReplayResult {
  file: string;
  text: string;
  toolCalls: ToolCall[];
  finishReason: string | null;
  usage: { inputTokens: number; outputTokens: number } | null;
  /** `null` unless decoding failed; then the Victor error code and message. */
  error: { code: string; message: string } | null;
}

/** How a recording is served: the loopback reply, and whether the provider should `stream()` or `chat()` it. */
export interface ServedRecording {
  reply: LoopbackRawReply;
  mode: 'stream' | 'chat';
}

/**
 * Works out how to serve a recording: raw SSE as is; one JSON payload per line as SSE (`event:` lines for
 * Anthropic, a closing `[DONE]` for OpenAI); a whole JSON body as a non-streaming answer (an `{error}` body
 * with status 400, since it was recorded from an error answer).
 */
export function serveRecording(api: RecordingApi, content: string): ServedRecording {
  const trimmed = content.trim();
  if (/^(data|event|id|retry):/m.test(trimmed.split('\n', 1)[0] ?? '') || trimmed.startsWith(':')) {
    return { reply: { kind: 'raw', body: content, contentType: 'text/event-stream' }, mode: 'stream' };
  }
  if (trimmed.startsWith('{')) {
    try {
      const body = JSON.parse(trimmed) as Record<string, unknown>;
      const isError = body.error !== undefined && body.choices === undefined && body.content === undefined;
      return {
        reply: { kind: 'raw', body: trimmed, contentType: 'application/json', status: isError ? 400 : 200 },
        mode: 'chat',
      };
    } catch {
      // Not one JSON document: one payload per line.
    }
  }
  const lines = trimmed.split(/\r?\n/).filter((line) => line.trim().length > 0);
  let body = '';
  for (const line of lines) {
    if (api === 'anthropic') {
      let type = 'message';
      try {
        const parsed = JSON.parse(line) as { type?: unknown };
        if (typeof parsed.type === 'string') type = parsed.type;
      } catch {
        // Sent as is: the decoder reports it.
      }
      body += `event: ${type}\ndata: ${line}\n\n`;
    } else {
      body += `data: ${line}\n\n`;
    }
  }
  if (api === 'openai-chat') body += 'data: [DONE]\n\n';
  return { reply: { kind: 'raw', body, contentType: 'text/event-stream' }, mode: 'stream' };
}

function errorOf(error: unknown): { code: string; message: string } {
  if (VictorError.isInstance(error)) return { code: error.code, message: error.message };
  return { code: 'UNKNOWN', message: error instanceof Error ? error.message : String(error) };
}

async function replayOne(provider: Provider, file: string, mode: 'stream' | 'chat'): Promise<ReplayResult> {
  const result: ReplayResult = {
    file,
    text: '',
    toolCalls: [],
    finishReason: null,
    usage: null,
    error: null,
  };
  const request = { model: 'replay', messages: [{ role: 'user' as const, content: 'replay' }] };
  try {
    if (mode === 'chat') {
      const response = await provider.chat(request);
      result.text = response.text;
      result.toolCalls = response.toolCalls;
      result.finishReason = response.finishReason;
      result.usage = { inputTokens: response.usage.inputTokens, outputTokens: response.usage.outputTokens };
      return result;
    }
    for await (const event of provider.stream(request) as AsyncIterable<StreamEvent>) {
      if (event.type === 'text-delta') result.text += event.delta;
      else if (event.type === 'tool-call-end') result.toolCalls.push(event.toolCall);
      else if (event.type === 'finish') {
        result.finishReason = event.finishReason;
        result.usage = { inputTokens: event.usage.inputTokens, outputTokens: event.usage.outputTokens };
      } else if (event.type === 'error') result.error = errorOf(event.error);
    }
  } catch (error) {
    result.error = errorOf(error);
  }
  return result;
}

/**
 * Serves each recording from a loopback server and decodes it through the real provider for `api`, in
 * order; one result per recording. Everything it opens is closed before it returns.
 */
export async function replayRecordings(
  api: RecordingApi,
  recordings: readonly Recording[],
): Promise<ReplayResult[]> {
  if (api !== 'openai-chat' && api !== 'anthropic')
    throw invalidOption('api', '"openai-chat" or "anthropic"', api);
  const server = await createLoopbackServer({ recordRequests: 0 });
  const provider =
    api === 'anthropic'
      ? createAnthropicProvider({ baseURL: server.baseURL })
      : createOpenAICompatibleProvider({ baseURL: server.baseURL });
  try {
    const results: ReplayResult[] = [];
    for (const recording of recordings) {
      const served = serveRecording(api, recording.content);
      server.enqueue(served.reply);
      results.push(await replayOne(provider, recording.file, served.mode));
    }
    return results;
  } finally {
    await provider.close();
    await server.close();
  }
}
