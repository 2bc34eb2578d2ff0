import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import { invalidOption } from '@victor-ai/core';
import { LoopbackPromptCache, type LoopbackPromptCacheOptions } from './prompt-cache-model.js';
import { lastResponsesUserText, responsesBody, responsesStreamEvents } from './responses-wire.js';

/** A tool call the scripted model makes. */
export interface LoopbackToolCall {
  id?: string;
  name: string;
  /** An object is sent as JSON; a string is sent as is (to script broken arguments). */
  arguments: Record<string, unknown> | string;
}

/** A normal answer: text, tool calls or both. */
export interface LoopbackMessageReply {
  kind?: 'message';
  text?: string;
  toolCalls?: LoopbackToolCall[];
  /** Wire finish reason; default `tool_calls` when there are tool calls, else `stop`. */
  finishReason?: string;
  /** `inputTokens` counts the whole input; `cachedTokens` / `cacheWriteTokens` the part read / written. */
  usage?: { inputTokens: number; outputTokens: number; cachedTokens?: number; cacheWriteTokens?: number };
  /** Characters of text per streamed chunk; default 16. */
  chunkSize?: number;
  /** Reasoning summary of the Responses route's reasoning item; default a fixed sentence. */
  reasoning?: string;
}

/** An injected fault. */
export type LoopbackFault =
  /** Answer with this status and body (JSON-encoded when not a string). */
  | { kind: 'status'; status: number; body?: unknown; headers?: Record<string, string> }
  /** Close the connection without answering. */
  | { kind: 'drop' }
  /** Stream `afterChunks` chunks of the reply, then close the connection. */
  | { kind: 'drop-mid-stream'; afterChunks: number; reply?: LoopbackMessageReply }
  /** Stream `afterChunks` chunks, then an event that is not JSON, then carry on. */
  | { kind: 'malformed'; afterChunks: number; reply?: LoopbackMessageReply }
  /** Accept the request and never answer. */
  | { kind: 'stall' }
  /** Stream `afterChunks` chunks, then the API's in-stream error event (`overloaded_error` by default). */
  | { kind: 'stream-error'; afterChunks: number; errorType?: string; reply?: LoopbackMessageReply };

/** A recorded or hand-written body served as is (status 200 unless given). */
export interface LoopbackRawReply {
  kind: 'raw';
  body: string;
  /** Default `text/event-stream` when the body starts like SSE, else `application/json`. */
  contentType?: string;
  status?: number;
}

/** What the loopback server answers to one request. */
export type LoopbackReply = LoopbackMessageReply | LoopbackFault | LoopbackRawReply;

/** Rates (0 to 1) of faults injected at random into requests that nothing scripted, drawn from a seeded generator. */
export interface LoopbackFaultRates {
  /** Seed of the generator; the same seed gives the same faults for the same request order. Default 1. */
  seed?: number;
  /** Answer 500, 502 or 503. */
  status5xx?: number;
  /** Answer 429 with `retry-after-ms` (and `retry-after`). */
  rateLimited?: number;
  /** Milliseconds put in `retry-after-ms` of injected 429s; default 50. */
  retryAfterMs?: number;
  /** Close the connection without answering. */
  reset?: number;
  /** Never answer. */
  stall?: number;
  /** Send a malformed event (a broken body for non-streaming requests) at a random point. */
  malformed?: number;
  /** Cut a stream at a random point (a broken body for non-streaming requests). */
  dropMidStream?: number;
}

/** A request as the loopback server saw it. */
export interface LoopbackRequest {
  /** 0-based count of requests this server has received. */
  index: number;
  method: string;
  path: string;
  headers: IncomingMessage['headers'];
  body: Record<string, unknown>;
  /** The API the path belongs to. */
  api: 'openai-chat' | 'anthropic' | 'openai-responses' | 'embeddings' | 'unknown';
  /** The kind of the reply given (`message`, `status`, `drop`, ...), set once answered. */
  replyKind?: string;
}

/** Options of `createLoopbackServer`. */
export interface LoopbackServerOptions {
  /** Default `127.0.0.1`. */
  host?: string;
  /** Default 0: a free port. */
  port?: number;
  /** Delay before a non-streaming answer; default 0. */
  latencyMs?: number;
  /** Delay before the first streamed chunk; default 0. */
  ttftMs?: number;
  /** Delay between streamed chunks; default 0 (all chunks written at once). */
  chunkGapMs?: number;
  /** Model name put in answers; default `loopback-1`. */
  model?: string;
  /** Scripts the answer to each request; when it returns `undefined`, queued replies then the echo answer. */
  reply?: (request: LoopbackRequest) => LoopbackReply | undefined;
  /** Keep this many of the latest request bodies in `requests`; default 100. */
  recordRequests?: number;
  /**
   * Keep the latest requests in `requests` only while their raw bodies total at most this many bytes;
   * default 8 MiB (the latest request is always kept). Bounds the server's memory under large bodies.
   */
  recordBytes?: number;
  /** Faults injected at random into unscripted requests; none by default. */
  faults?: LoopbackFaultRates;
  /** Length of the deterministic vectors `/v1/embeddings` answers; default 8. */
  embeddingDimensions?: number;
  /**
   * Model the providers' prompt caches (`true` or options): unscripted usage then counts the request's
   * input (characters / 4) and reports the cached part as `cached_tokens` / `cache_read_input_tokens`
   * (and `cache_creation_input_tokens`). Off by default (input is then a fixed 10 tokens).
   */
  promptCache?: boolean | LoopbackPromptCacheOptions;
}

/** A running loopback server. */
export interface LoopbackServer {
  /** `http://127.0.0.1:<port>`. */
  readonly url: string;
  /** `http://127.0.0.1:<port>/v1`, what an OpenAI-compatible client takes as base URL. */
  readonly baseURL: string;
  readonly port: number;
  /** Requests received so far. */
  readonly requestCount: number;
  /** TCP connections accepted so far. */
  readonly connectionCount: number;
  /** Responses the client closed before the server finished them (cancelled streams and requests). */
  readonly cancelledCount: number;
  /** The latest requests, oldest first. */
  readonly requests: readonly LoopbackRequest[];
  /** How many replies of each kind were given (`message`, `status`, `drop`, `stall`, ...). */
  readonly replyCounts: Readonly<Record<string, number>>;
  /** Queues replies, used in order before the echo answer. */
  enqueue(...replies: LoopbackReply[]): void;
  /** Changes timing options while running. */
  configure(options: Pick<LoopbackServerOptions, 'latencyMs' | 'ttftMs' | 'chunkGapMs'>): void;
  /** Stops listening and destroys open connections. */
  close(): Promise<void>;
}

function nonNegative(option: string, value: unknown): number {
  if (value === undefined) return 0;
  if (typeof value !== 'number' || !Number.isFinite(value) || value < 0) {
    throw invalidOption(option, 'a non-negative finite number', value);
  }
  return value;
}

/** A user message's text: a string, or text blocks (one marked with `cache_control`) joined; else its JSON. */
function userContentText(content: unknown): string {
  if (typeof content === 'string') return content;
  if (
    Array.isArray(content) &&
    content.length > 0 &&
    content.every((block) => (block as { type?: unknown } | null)?.type === 'text')
  ) {
    return content.map((block) => (block as { text?: unknown }).text ?? '').join('');
  }
  return JSON.stringify(content);
}

function lastUserText(body: Record<string, unknown>): string {
  if (body.input !== undefined) return lastResponsesUserText(body);
  const messages = Array.isArray(body.messages)
    ? (body.messages as Array<{ role?: unknown; content?: unknown }>)
    : [];
  for (let i = messages.length - 1; i >= 0; i--) {
    const message = messages[i]!;
    if (message.role === 'user') return userContentText(message.content);
  }
  return '';
}

/** Splits a reply into the Chat Completions stream chunks that carry it. */
function openAIStreamChunks(
  reply: LoopbackMessageReply,
  id: string,
  model: string,
  created: number,
): string[] {
  const base = `{"id":${JSON.stringify(id)},"object":"chat.completion.chunk","created":${created},"model":${JSON.stringify(model)},"choices":`;
  const chunks: string[] = [
    `${base}[{"index":0,"delta":{"role":"assistant","content":""},"finish_reason":null}]}`,
  ];
  const text = reply.text ?? '';
  const size = Math.max(1, reply.chunkSize ?? 16);
  for (let offset = 0; offset < text.length; offset += size) {
    chunks.push(
      `${base}[{"index":0,"delta":{"content":${JSON.stringify(text.slice(offset, offset + size))}},"finish_reason":null}]}`,
    );
  }
  const toolCalls = reply.toolCalls ?? [];
  toolCalls.forEach((call, index) => {
    const args = typeof call.arguments === 'string' ? call.arguments : JSON.stringify(call.arguments);
    const id = call.id ?? `call_${index}`;
    chunks.push(
      `${base}[{"index":0,"delta":{"tool_calls":[{"index":${index},"id":${JSON.stringify(id)},"type":"function","function":{"name":${JSON.stringify(call.name)},"arguments":""}}]},"finish_reason":null}]}`,
    );
    const half = Math.ceil(args.length / 2);
    for (const part of [args.slice(0, half), args.slice(half)]) {
      if (part.length === 0) continue;
      chunks.push(
        `${base}[{"index":0,"delta":{"tool_calls":[{"index":${index},"function":{"arguments":${JSON.stringify(part)}}}]},"finish_reason":null}]}`,
      );
    }
  });
  const finish = reply.finishReason ?? (toolCalls.length > 0 ? 'tool_calls' : 'stop');
  chunks.push(`${base}[{"index":0,"delta":{},"finish_reason":${JSON.stringify(finish)}}]}`);
  const usage = reply.usage ?? { inputTokens: 10, outputTokens: Math.ceil(text.length / 4) };
  chunks.push(
    `${base}[],"usage":{"prompt_tokens":${usage.inputTokens},"completion_tokens":${usage.outputTokens},"total_tokens":${usage.inputTokens + usage.outputTokens}${usage.cachedTokens === undefined ? '' : `,"prompt_tokens_details":{"cached_tokens":${usage.cachedTokens}}`}}}`,
  );
  return chunks;
}

function completionBody(reply: LoopbackMessageReply, id: string, model: string, created: number): string {
  const toolCalls = (reply.toolCalls ?? []).map((call, index) => ({
    id: call.id ?? `call_${index}`,
    type: 'function',
    function: {
      name: call.name,
      arguments: typeof call.arguments === 'string' ? call.arguments : JSON.stringify(call.arguments),
    },
  }));
  const text = reply.text ?? '';
  const usage = reply.usage ?? { inputTokens: 10, outputTokens: Math.ceil(text.length / 4) };
  return JSON.stringify({
    id,
    object: 'chat.completion',
    created,
    model,
    choices: [
      {
        index: 0,
        message:
          toolCalls.length > 0
            ? { role: 'assistant', content: text || null, tool_calls: toolCalls }
            : { role: 'assistant', content: text },
        finish_reason: reply.finishReason ?? (toolCalls.length > 0 ? 'tool_calls' : 'stop'),
      },
    ],
    usage: {
      prompt_tokens: usage.inputTokens,
      completion_tokens: usage.outputTokens,
      total_tokens: usage.inputTokens + usage.outputTokens,
      ...(usage.cachedTokens === undefined
        ? {}
        : { prompt_tokens_details: { cached_tokens: usage.cachedTokens } }),
    },
  });
}

function anthropicStopReason(reply: LoopbackMessageReply, hasToolCalls: boolean): string {
  switch (reply.finishReason) {
    case undefined:
      return hasToolCalls ? 'tool_use' : 'end_turn';
    case 'stop':
      return 'end_turn';
    case 'tool_calls':
      return 'tool_use';
    case 'length':
      return 'max_tokens';
    default:
      return reply.finishReason;
  }
}

function anthropicEvent(type: string, payload: string): string {
  return `event: ${type}\ndata: ${payload}\n\n`;
}

/** Splits a reply into the Messages API stream events that carry it (each a complete SSE event). */
function anthropicStreamEvents(reply: LoopbackMessageReply, id: string, model: string): string[] {
  const text = reply.text ?? '';
  const toolCalls = reply.toolCalls ?? [];
  const usage = reply.usage ?? { inputTokens: 10, outputTokens: Math.ceil(text.length / 4) };
  const events: string[] = [
    anthropicEvent(
      'message_start',
      `{"type":"message_start","message":{"id":${JSON.stringify(id)},"type":"message","role":"assistant","model":${JSON.stringify(model)},"content":[],"stop_reason":null,"stop_sequence":null,"usage":${anthropicInputUsage(usage, 1)}}}`,
    ),
  ];
  let block = 0;
  if (text.length > 0 || toolCalls.length === 0) {
    events.push(
      anthropicEvent(
        'content_block_start',
        `{"type":"content_block_start","index":${block},"content_block":{"type":"text","text":""}}`,
      ),
    );
    events.push(anthropicEvent('ping', '{"type": "ping"}'));
    const size = Math.max(1, reply.chunkSize ?? 16);
    for (let offset = 0; offset < text.length; offset += size) {
      events.push(
        anthropicEvent(
          'content_block_delta',
          `{"type":"content_block_delta","index":${block},"delta":{"type":"text_delta","text":${JSON.stringify(text.slice(offset, offset + size))}}}`,
        ),
      );
    }
    events.push(anthropicEvent('content_block_stop', `{"type":"content_block_stop","index":${block}}`));
    block++;
  }
  toolCalls.forEach((call, index) => {
    const args = typeof call.arguments === 'string' ? call.arguments : JSON.stringify(call.arguments);
    events.push(
      anthropicEvent(
        'content_block_start',
        `{"type":"content_block_start","index":${block},"content_block":{"type":"tool_use","id":${JSON.stringify(call.id ?? `toolu_${index}`)},"name":${JSON.stringify(call.name)},"input":{}}}`,
      ),
    );
    // An empty input is sent as no fragment at all, as the API does for tools without arguments.
    const body = args === '{}' ? '' : args;
    const half = Math.ceil(body.length / 2);
    for (const part of [body.slice(0, half), body.slice(half)]) {
      if (part.length === 0) continue;
      events.push(
        anthropicEvent(
          'content_block_delta',
          `{"type":"content_block_delta","index":${block},"delta":{"type":"input_json_delta","partial_json":${JSON.stringify(part)}}}`,
        ),
      );
    }
    events.push(anthropicEvent('content_block_stop', `{"type":"content_block_stop","index":${block}}`));
    block++;
  });
  events.push(
    anthropicEvent(
      'message_delta',
      `{"type":"message_delta","delta":{"stop_reason":${JSON.stringify(anthropicStopReason(reply, toolCalls.length > 0))},"stop_sequence":null},"usage":{"output_tokens":${usage.outputTokens}}}`,
    ),
  );
  events.push(anthropicEvent('message_stop', '{"type":"message_stop"}'));
  return events;
}

// Anthropic's input_tokens leaves out cache reads and writes, which get their own counts.
function anthropicInputUsage(
  usage: NonNullable<LoopbackMessageReply['usage']>,
  outputTokens: number,
): string {
  const read = usage.cachedTokens ?? 0;
  const written = usage.cacheWriteTokens ?? 0;
  const cache =
    usage.cachedTokens === undefined && usage.cacheWriteTokens === undefined
      ? ''
      : `,"cache_read_input_tokens":${read},"cache_creation_input_tokens":${written}`;
  return `{"input_tokens":${Math.max(0, usage.inputTokens - read - written)},"output_tokens":${outputTokens}${cache}}`;
}

function anthropicMessageBody(reply: LoopbackMessageReply, id: string, model: string): string {
  const text = reply.text ?? '';
  const toolCalls = reply.toolCalls ?? [];
  const usage = reply.usage ?? { inputTokens: 10, outputTokens: Math.ceil(text.length / 4) };
  const content: unknown[] = [];
  if (text.length > 0) content.push({ type: 'text', text });
  toolCalls.forEach((call, index) => {
    let input: unknown = call.arguments;
    if (typeof input === 'string') {
      try {
        input = JSON.parse(input);
      } catch {
        input = {};
      }
    }
    content.push({ type: 'tool_use', id: call.id ?? `toolu_${index}`, name: call.name, input });
  });
  return JSON.stringify({
    id,
    type: 'message',
    role: 'assistant',
    model,
    content,
    stop_reason: anthropicStopReason(reply, toolCalls.length > 0),
    stop_sequence: null,
    usage: JSON.parse(anthropicInputUsage(usage, usage.outputTokens)),
  });
}

/** A deterministic unit vector for a text: the same text always gives the same vector. */
export function loopbackEmbedding(text: string, dimensions: number): Float32Array {
  const vector = new Float32Array(dimensions);
  let hash = 2166136261;
  for (let i = 0; i < text.length; i++) hash = Math.imul(hash ^ text.charCodeAt(i), 16777619);
  const random = seededRandom(hash >>> 0);
  let norm = 0;
  for (let i = 0; i < dimensions; i++) {
    const value = random() * 2 - 1;
    vector[i] = value;
    norm += value * value;
  }
  norm = Math.sqrt(norm) || 1;
  for (let i = 0; i < dimensions; i++) vector[i] = vector[i]! / norm;
  return vector;
}

function embeddingsBody(body: Record<string, unknown>, model: string, dimensions: number): string {
  const inputs = Array.isArray(body.input) ? body.input : [body.input];
  const base64 = body.encoding_format === 'base64';
  let tokens = 0;
  const data = inputs.map((input, index) => {
    const text = typeof input === 'string' ? input : JSON.stringify(input);
    tokens += Math.ceil(text.length / 4);
    const vector = loopbackEmbedding(text, dimensions);
    return {
      object: 'embedding',
      index,
      embedding: base64
        ? Buffer.from(vector.buffer, vector.byteOffset, vector.byteLength).toString('base64')
        : Array.from(vector),
    };
  });
  return JSON.stringify({
    object: 'list',
    data,
    model: typeof body.model === 'string' ? body.model : model,
    usage: { prompt_tokens: tokens, total_tokens: tokens },
  });
}

/** A small seeded generator (mulberry32) of numbers in [0, 1): the same seed gives the same sequence, for reproducible test data and fault rates. */
export function seededRandom(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

function routeOf(method: string, path: string): LoopbackRequest['api'] {
  if (method !== 'POST') return 'unknown';
  const bare = path.split('?')[0]!;
  if (bare.endsWith('/chat/completions')) return 'openai-chat';
  if (bare.endsWith('/messages')) return 'anthropic';
  if (bare.endsWith('/responses')) return 'openai-responses';
  if (bare.endsWith('/embeddings')) return 'embeddings';
  return 'unknown';
}

function checkFaultRates(faults: LoopbackFaultRates | undefined): LoopbackFaultRates | undefined {
  if (faults === undefined) return undefined;
  for (const key of ['status5xx', 'rateLimited', 'reset', 'stall', 'malformed', 'dropMidStream'] as const) {
    const value = faults[key];
    if (value !== undefined && !(typeof value === 'number' && value >= 0 && value <= 1)) {
      throw invalidOption(`faults.${key}`, 'a number from 0 to 1', value);
    }
  }
  return faults;
}

/**
 * Starts a model server on loopback that speaks OpenAI Chat Completions (`/v1/chat/completions`),
 * Anthropic Messages (`/v1/messages`) and OpenAI embeddings (`/v1/embeddings`, deterministic vectors):
 * scripted replies (text and tool calls), raw recorded bodies, configurable latency, time to first token
 * and gap between chunks, and injected faults, scripted per request or at random rates with a seed. By
 * default it echoes the last user message. What the tests, the demo's offline mode and the benchmarks
 * run against.
 */
export async function createLoopbackServer(options: LoopbackServerOptions = {}): Promise<LoopbackServer> {
  let latencyMs = nonNegative('latencyMs', options.latencyMs);
  let ttftMs = nonNegative('ttftMs', options.ttftMs);
  let chunkGapMs = nonNegative('chunkGapMs', options.chunkGapMs);
  const model = options.model ?? 'loopback-1';
  const keep = options.recordRequests ?? 100;
  const keepBytes = nonNegative('recordBytes', options.recordBytes ?? 8 * 1024 * 1024);
  const faults = checkFaultRates(options.faults);
  const random = seededRandom(faults?.seed ?? 1);
  const dimensions = options.embeddingDimensions ?? 8;
  const promptCache =
    options.promptCache === undefined || options.promptCache === false
      ? undefined
      : new LoopbackPromptCache(options.promptCache === true ? {} : options.promptCache);
  if (!Number.isInteger(dimensions) || dimensions <= 0) {
    throw invalidOption('embeddingDimensions', 'a positive integer', dimensions);
  }
  const queue: LoopbackReply[] = [];
  const requests: LoopbackRequest[] = [];
  // Raw body sizes of `requests`, in the same order.
  const recordedSizes: number[] = [];
  let recordedBytes = 0;
  const replyCounts: Record<string, number> = {};
  const sockets = new Set<Socket>();
  const timers = new Set<ReturnType<typeof setTimeout>>();
  let requestCount = 0;
  let connectionCount = 0;
  let cancelledCount = 0;

  const later = (ms: number, fn: () => void) => {
    if (ms <= 0) {
      fn();
      return;
    }
    const timer = setTimeout(() => {
      timers.delete(timer);
      fn();
    }, ms);
    timers.add(timer);
  };

  const randomFault = (): LoopbackReply | undefined => {
    if (faults === undefined) return undefined;
    let draw = random();
    const pick = (rateValue: number | undefined) => {
      const value = rateValue ?? 0;
      if (draw < value) return true;
      draw -= value;
      return false;
    };
    const at = () => 1 + Math.floor(random() * 4);
    if (pick(faults.status5xx)) return { kind: 'status', status: [500, 502, 503][Math.floor(random() * 3)]! };
    if (pick(faults.rateLimited)) {
      const after = faults.retryAfterMs ?? 50;
      return {
        kind: 'status',
        status: 429,
        headers: { 'retry-after-ms': String(after), 'retry-after': String(Math.ceil(after / 1000)) },
      };
    }
    if (pick(faults.reset)) return { kind: 'drop' };
    if (pick(faults.stall)) return { kind: 'stall' };
    if (pick(faults.malformed)) return { kind: 'malformed', afterChunks: at() };
    if (pick(faults.dropMidStream)) return { kind: 'drop-mid-stream', afterChunks: at() };
    return undefined;
  };

  const answer = (request: LoopbackRequest, response: ServerResponse) => {
    const reply: LoopbackReply = options.reply?.(request) ??
      queue.shift() ??
      randomFault() ?? { text: `You said: ${lastUserText(request.body)}` };
    const kind = reply.kind ?? 'message';
    request.replyKind = kind;
    replyCounts[kind] = (replyCounts[kind] ?? 0) + 1;
    const id =
      request.api === 'anthropic'
        ? `msg_loopback_${request.index}`
        : request.api === 'openai-responses'
          ? `resp_loopback_${request.index}`
          : `chatcmpl-loopback-${request.index}`;
    const created = Math.floor(Date.now() / 1000);
    const stream = request.body.stream === true;
    switch (reply.kind) {
      case 'status': {
        const body =
          typeof reply.body === 'string'
            ? reply.body
            : JSON.stringify(
                reply.body ?? {
                  error: { message: `injected status ${reply.status}`, type: 'loopback_fault' },
                },
              );
        later(latencyMs, () => {
          response.writeHead(reply.status, { 'content-type': 'application/json', ...reply.headers });
          response.end(body);
        });
        return;
      }
      case 'raw': {
        const trimmed = reply.body.trimStart();
        const contentType =
          reply.contentType ??
          (trimmed.startsWith('data:') || trimmed.startsWith('event:') || trimmed.startsWith(':')
            ? 'text/event-stream'
            : 'application/json');
        later(latencyMs, () => {
          response.writeHead(reply.status ?? 200, {
            'content-type': contentType,
            'content-length': Buffer.byteLength(reply.body),
          });
          response.end(reply.body);
        });
        return;
      }
      case 'drop':
        later(latencyMs, () => response.socket?.destroy());
        return;
      case 'stall':
        return;
      default:
        break;
    }
    let message: LoopbackMessageReply =
      reply.kind === 'drop-mid-stream' || reply.kind === 'malformed' || reply.kind === 'stream-error'
        ? (reply.reply ?? { text: 'partial answer that will not finish' })
        : reply;
    if (promptCache !== undefined && message.usage === undefined && request.api !== 'embeddings') {
      const billed =
        request.api === 'anthropic' ? promptCache.anthropic(request.body) : promptCache.openAI(request.body);
      const outputTokens = Math.ceil((message.text ?? '').length / 4);
      message = { ...message, usage: { ...billed, outputTokens } };
    }
    if (request.api === 'embeddings' || !stream) {
      later(latencyMs, () => {
        if (reply.kind === 'drop-mid-stream') {
          response.writeHead(200, { 'content-type': 'application/json' });
          response.write('{"id": "cut');
          response.socket?.destroy();
          return;
        }
        const body =
          reply.kind === 'malformed'
            ? '{"id": "broken'
            : request.api === 'embeddings'
              ? embeddingsBody(request.body, model, dimensions)
              : request.api === 'anthropic'
                ? anthropicMessageBody(message, id, model)
                : request.api === 'openai-responses'
                  ? responsesBody(message, request.body, request.index, id, model)
                  : completionBody(message, id, model, created);
        response.writeHead(200, {
          'content-type': 'application/json',
          'content-length': Buffer.byteLength(body),
        });
        response.end(body);
      });
      return;
    }
    // The Responses API sends named events like Anthropic's, and no [DONE].
    const anthropic = request.api === 'anthropic' || request.api === 'openai-responses';
    let chunks =
      request.api === 'anthropic'
        ? anthropicStreamEvents(message, id, model)
        : request.api === 'openai-responses'
          ? responsesStreamEvents(message, request.body, request.index, id, model)
          : openAIStreamChunks(message, id, model, created).map((chunk) => `data: ${chunk}\n\n`);
    if (reply.kind === 'malformed')
      chunks.splice(
        Math.min(reply.afterChunks, chunks.length),
        0,
        anthropic
          ? 'event: content_block_delta\ndata: {"type": "content_block_delta", "delta": {"text"\n\n'
          : 'data: {"choices": [{"delta": {"content"\n\n',
      );
    if (reply.kind === 'stream-error') {
      const type = reply.errorType ?? 'overloaded_error';
      chunks = chunks.slice(0, reply.afterChunks);
      chunks.push(
        anthropic
          ? anthropicEvent(
              'error',
              `{"type":"error","error":{"type":${JSON.stringify(type)},"message":"injected"}}`,
            )
          : `data: {"error":{"type":${JSON.stringify(type)},"message":"injected"}}\n\n`,
      );
    }
    const cutAfter = reply.kind === 'drop-mid-stream' ? reply.afterChunks : undefined;
    if (cutAfter !== undefined) chunks = chunks.slice(0, cutAfter);
    else if (!anthropic) chunks.push('data: [DONE]\n\n');
    later(ttftMs, () => {
      response.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-cache' });
      const finish = () => {
        if (cutAfter !== undefined) response.socket?.destroy();
        else response.end();
      };
      if (chunkGapMs <= 0) {
        response.write(chunks.join(''));
        finish();
        return;
      }
      let index = 0;
      const next = () => {
        if (response.destroyed) return;
        response.write(chunks[index++]!);
        if (index < chunks.length) later(chunkGapMs, next);
        else finish();
      };
      next();
    });
  };

  const server: Server = createServer((incoming, response) => {
    response.on('close', () => {
      if (!response.writableFinished) cancelledCount++;
    });
    const parts: Buffer[] = [];
    incoming.on('data', (part: Buffer) => parts.push(part));
    incoming.on('end', () => {
      const index = requestCount++;
      const path = incoming.url ?? '/';
      const method = incoming.method ?? 'GET';
      let body: Record<string, unknown> = {};
      try {
        if (parts.length > 0) body = JSON.parse(Buffer.concat(parts).toString('utf8'));
      } catch {
        response.writeHead(400, { 'content-type': 'application/json' });
        response.end(
          JSON.stringify({ error: { message: 'request body is not JSON', type: 'invalid_request_error' } }),
        );
        return;
      }
      const request: LoopbackRequest = {
        index,
        method,
        path,
        headers: incoming.headers,
        body,
        api: routeOf(method, path),
      };
      if (keep > 0) {
        const size = parts.reduce((total, part) => total + part.length, 0);
        requests.push(request);
        recordedSizes.push(size);
        recordedBytes += size;
        while (requests.length > keep || (recordedBytes > keepBytes && requests.length > 1)) {
          requests.shift();
          recordedBytes -= recordedSizes.shift()!;
        }
      }
      if (request.api !== 'unknown') {
        answer(request, response);
        return;
      }
      response.writeHead(404, { 'content-type': 'application/json' });
      response.end(
        JSON.stringify({ error: { message: `no route for ${method} ${path}`, type: 'not_found' } }),
      );
    });
  });
  server.keepAliveTimeout = 65_000;
  server.on('connection', (socket) => {
    connectionCount++;
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, options.host ?? '127.0.0.1', () => {
      server.off('error', reject);
      resolve();
    });
  });
  const address = server.address() as AddressInfo;
  const host = address.family === 'IPv6' ? `[${address.address}]` : address.address;
  const url = `http://${host}:${address.port}`;

  return {
    url,
    baseURL: `${url}/v1`,
    port: address.port,
    get requestCount() {
      return requestCount;
    },
    get connectionCount() {
      return connectionCount;
    },
    get cancelledCount() {
      return cancelledCount;
    },
    requests,
    replyCounts,
    enqueue(...replies) {
      queue.push(...replies);
    },
    configure(timing) {
      if (timing.latencyMs !== undefined) latencyMs = nonNegative('latencyMs', timing.latencyMs);
      if (timing.ttftMs !== undefined) ttftMs = nonNegative('ttftMs', timing.ttftMs);
      if (timing.chunkGapMs !== undefined) chunkGapMs = nonNegative('chunkGapMs', timing.chunkGapMs);
    },
    close() {
      for (const timer of timers) clearTimeout(timer);
      timers.clear();
      return new Promise<void>((resolve) => {
        server.close(() => resolve());
        for (const socket of sockets) socket.destroy();
      });
    },
  };
}
