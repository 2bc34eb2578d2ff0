import type { Provider, StreamEvent, ToolCall, Usage } from '@victor-ai/core';
import { invalidOption, VictorError } from '@victor-ai/core';
import { createAnthropicProvider } from '../anthropic/provider.js';
import { createOpenAICompatibleProvider } from '../openai-compatible/provider.js';
import { createOpenAIResponsesProvider } from '../openai-responses/provider.js';
import { createLoopbackServer, type LoopbackRawReply } from './loopback-server.js';

/** The wire format a recording is in. */
export type RecordingApi = 'openai-chat' | 'anthropic' | 'openai-responses';

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
  usage: {
    inputTokens: number;
    outputTokens: number;
    cachedInputTokens?: number;
    reasoningTokens?: number;
  } | null;
  /** Readable reasoning (thinking text or summaries), when the recording had any. */
  reasoning?: string;
  /** Types of the output items passed through as provider metadata (Responses only). */
  passedThrough?: string[];
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
 * Anthropic and Responses, a closing `[DONE]` for Chat Completions); a whole JSON body as a non-streaming answer (an `{error}` body
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
      const isError =
        body.error != null &&
        body.choices === undefined &&
        body.content === undefined &&
        body.output === undefined;
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
    if (api === 'anthropic' || api === 'openai-responses') {
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

function usageOf(usage: Usage): NonNullable<ReplayResult['usage']> {
  const result: NonNullable<ReplayResult['usage']> = {
    inputTokens: usage.inputTokens,
    outputTokens: usage.outputTokens,
  };
  if (usage.cachedInputTokens !== undefined) result.cachedInputTokens = usage.cachedInputTokens;
  if (usage.reasoningTokens !== undefined) result.reasoningTokens = usage.reasoningTokens;
  return result;
}

function passedThroughOf(metadata: Readonly<Record<string, unknown>> | undefined): string[] {
  const items =
    (metadata?.['openai-responses'] as { outputItems?: unknown[] } | undefined)?.outputItems ?? [];
  return items.map((item) => String((item as { type?: unknown }).type));
}

async function replayOne(
  provider: Provider,
  file: string,
  mode: 'stream' | 'chat',
  api: RecordingApi,
): Promise<ReplayResult> {
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
      result.usage = usageOf(response.usage);
      const reasoning = response.message.reasoning?.map((part) => part.text).join('\n\n') ?? '';
      if (reasoning.length > 0) result.reasoning = reasoning;
      if (api === 'openai-responses') result.passedThrough = passedThroughOf(response.providerMetadata);
      return result;
    }
    if (api === 'openai-responses') result.passedThrough = [];
    for await (const event of provider.stream(request) as AsyncIterable<StreamEvent>) {
      if (event.type === 'text-delta') result.text += event.delta;
      else if (event.type === 'tool-call-end') result.toolCalls.push(event.toolCall);
      else if (event.type === 'reasoning-delta') result.reasoning = (result.reasoning ?? '') + event.delta;
      else if (event.type === 'finish') {
        result.finishReason = event.finishReason;
        result.usage = usageOf(event.usage);
        if (api === 'openai-responses') result.passedThrough = passedThroughOf(event.providerMetadata);
      } else if (event.type === 'error') result.error = errorOf(event.error);
    }
  } catch (error) {
    result.error = errorOf(error);
  }
  return result;
}

/**
 * Splits a Responses recording of one payload per line that holds several responses back to back (a tool
 * loop recorded as one file) at each `response.created`, so that each response is served on its own.
 */
export function responsesSegments(content: string): string[] {
  const trimmed = content.trim();
  if (!trimmed.startsWith('{') || /^(data|event):/m.test(trimmed)) return [content];
  const segments: string[] = [];
  let current: string[] = [];
  for (const line of trimmed.split(/\r?\n/)) {
    if (/^\{\s*"type"\s*:\s*"response\.created"/.test(line) && current.length > 0) {
      segments.push(current.join('\n'));
      current = [];
    }
    current.push(line);
  }
  segments.push(current.join('\n'));
  return segments;
}

/** One result for the responses of a multi-response recording: everything in order, the last usage. */
function mergeResults(parts: ReplayResult[]): ReplayResult {
  const merged: ReplayResult = { ...parts[parts.length - 1]!, text: '', toolCalls: [], error: null };
  const passedThrough: string[] = [];
  let reasoning = '';
  for (const part of parts) {
    merged.text += part.text;
    merged.toolCalls.push(...part.toolCalls);
    merged.error ??= part.error;
    if (part.reasoning) reasoning += part.reasoning;
    passedThrough.push(...(part.passedThrough ?? []));
  }
  if (reasoning.length > 0) merged.reasoning = reasoning;
  merged.passedThrough = passedThrough;
  return merged;
}

/**
 * Serves each recording from a loopback server and decodes it through the real provider for `api`, in
 * order; one result per recording (a Responses recording of several responses is replayed response by
 * response and merged). Everything it opens is closed before it returns.
 */
export async function replayRecordings(
  api: RecordingApi,
  recordings: readonly Recording[],
): Promise<ReplayResult[]> {
  if (api !== 'openai-chat' && api !== 'anthropic' && api !== 'openai-responses')
    throw invalidOption('api', '"openai-chat", "anthropic" or "openai-responses"', api);
  const server = await createLoopbackServer({ recordRequests: 0 });
  const provider =
    api === 'anthropic'
      ? createAnthropicProvider({ baseURL: server.baseURL })
      : api === 'openai-responses'
        ? createOpenAIResponsesProvider({ baseURL: server.baseURL })
        : createOpenAICompatibleProvider({ baseURL: server.baseURL });
  try {
    const results: ReplayResult[] = [];
    for (const recording of recordings) {
      const parts: ReplayResult[] = [];
      for (const segment of api === 'openai-responses'
        ? responsesSegments(recording.content)
        : [recording.content]) {
        const served = serveRecording(api, segment);
        server.enqueue(served.reply);
        parts.push(await replayOne(provider, recording.file, served.mode, api));
      }
      results.push(parts.length === 1 ? parts[0]! : mergeResults(parts));
    }
    return results;
  } finally {
    await provider.close();
    await server.close();
  }
}
