import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import { invalidOption } from '@victor-ai/core';

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
  usage?: { inputTokens: number; outputTokens: number };
  /** Characters of text per streamed chunk; default 16. */
  chunkSize?: number;
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
  | { kind: 'stall' };

/** What the loopback server answers to one request. */
export type LoopbackReply = LoopbackMessageReply | LoopbackFault;

/** A request as the loopback server saw it. */
export interface LoopbackRequest {
  /** 0-based count of requests this server has received. */
  index: number;
  method: string;
  path: string;
  headers: IncomingMessage['headers'];
  body: Record<string, unknown>;
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

function lastUserText(body: Record<string, unknown>): string {
  const messages = Array.isArray(body.messages)
    ? (body.messages as Array<{ role?: unknown; content?: unknown }>)
    : [];
  for (let i = messages.length - 1; i >= 0; i--) {
    const message = messages[i]!;
    if (message.role === 'user')
      return typeof message.content === 'string' ? message.content : JSON.stringify(message.content);
  }
  return '';
}

/** Splits a reply into the Chat Completions stream chunks that carry it. */
function streamChunks(reply: LoopbackMessageReply, id: string, model: string, created: number): string[] {
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
    `${base}[],"usage":{"prompt_tokens":${usage.inputTokens},"completion_tokens":${usage.outputTokens},"total_tokens":${usage.inputTokens + usage.outputTokens}}}`,
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
    },
  });
}

/**
 * Starts an OpenAI-compatible Chat Completions server on loopback: scripted replies (text and tool calls),
 * configurable latency, time to first token and gap between chunks, and injected faults. By default it
 * echoes the last user message. What the tests, the demo's offline mode and the benchmarks run against.
 */
export async function createLoopbackServer(options: LoopbackServerOptions = {}): Promise<LoopbackServer> {
  let latencyMs = nonNegative('latencyMs', options.latencyMs);
  let ttftMs = nonNegative('ttftMs', options.ttftMs);
  let chunkGapMs = nonNegative('chunkGapMs', options.chunkGapMs);
  const model = options.model ?? 'loopback-1';
  const keep = options.recordRequests ?? 100;
  const queue: LoopbackReply[] = [];
  const requests: LoopbackRequest[] = [];
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

  const answer = (request: LoopbackRequest, response: ServerResponse) => {
    const reply: LoopbackReply = options.reply?.(request) ??
      queue.shift() ?? { text: `You said: ${lastUserText(request.body)}` };
    const id = `chatcmpl-loopback-${request.index}`;
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
      case 'drop':
        later(latencyMs, () => response.socket?.destroy());
        return;
      case 'stall':
        return;
      default:
        break;
    }
    const message: LoopbackMessageReply =
      reply.kind === 'drop-mid-stream' || reply.kind === 'malformed'
        ? (reply.reply ?? { text: 'partial answer that will not finish' })
        : reply;
    if (!stream) {
      later(latencyMs, () => {
        if (reply.kind === 'drop-mid-stream') {
          response.writeHead(200, { 'content-type': 'application/json' });
          response.write(completionBody(message, id, model, created).slice(0, 20));
          response.socket?.destroy();
          return;
        }
        const body =
          reply.kind === 'malformed' ? '{"id": "broken' : completionBody(message, id, model, created);
        response.writeHead(200, {
          'content-type': 'application/json',
          'content-length': Buffer.byteLength(body),
        });
        response.end(body);
      });
      return;
    }
    let chunks = streamChunks(message, id, model, created).map((chunk) => `data: ${chunk}\n\n`);
    if (reply.kind === 'malformed')
      chunks.splice(
        Math.min(reply.afterChunks, chunks.length),
        0,
        'data: {"choices": [{"delta": {"content"\n\n',
      );
    const cutAfter = reply.kind === 'drop-mid-stream' ? reply.afterChunks : undefined;
    if (cutAfter !== undefined) chunks = chunks.slice(0, cutAfter);
    else chunks.push('data: [DONE]\n\n');
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
        method: incoming.method ?? 'GET',
        path,
        headers: incoming.headers,
        body,
      };
      if (keep > 0) {
        requests.push(request);
        if (requests.length > keep) requests.shift();
      }
      if (incoming.method === 'POST' && path.endsWith('/chat/completions')) {
        answer(request, response);
        return;
      }
      response.writeHead(404, { 'content-type': 'application/json' });
      response.end(
        JSON.stringify({ error: { message: `no route for ${incoming.method} ${path}`, type: 'not_found' } }),
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
