import type {
  ChatRequest,
  ChatResponse,
  MetricLabels,
  MetricsSink,
  Provider,
  StreamEvent,
} from '@victor-ai/core';
import { combineSignals, invalidOption, noopMetricsSink, VictorError } from '@victor-ai/core';
import { type Dispatcher, Pool } from 'undici';
import { httpStatusError, toVictorError } from '../http-errors.js';
import { optionalDuration, parseBaseURL, positiveInteger } from '../options.js';
import { SseDecoder } from '../sse-decoder.js';
import { decodeChatResponse } from './decode-response.js';
import { OpenAIStreamDecoder } from './decode-stream.js';
import { buildChatBody } from './request-body.js';

/** Options of `createOpenAICompatibleProvider`. */
export interface OpenAICompatibleProviderOptions {
  /** Base URL including the version path, e.g. `https://api.openai.com/v1` or `http://127.0.0.1:11434/v1`. */
  baseURL: string;
  /** Sent as `Authorization: Bearer <apiKey>` when given. */
  apiKey?: string;
  /** Headers sent with every request. */
  headers?: Readonly<Record<string, string>>;
  /** Identifies the provider in metrics and errors; default `openai-compatible:<baseURL>`. */
  id?: string;
  /** Most TCP connections to the origin; default 32. */
  connections?: number;
  /** Requests pipelined per connection; default 1 (most model servers do not pipeline). */
  pipelining?: number;
  /** How long an idle connection is kept open; default 30,000 ms. */
  keepAliveTimeoutMs?: number;
  /** Most time to connect; default 10,000 ms. */
  connectTimeoutMs?: number;
  /** Most time to wait for response headers; default 120,000 ms (models think before they answer). */
  headersTimeoutMs?: number;
  /** Most time between two body chunks; default 120,000 ms. */
  bodyTimeoutMs?: number;
  /** Deadline of a whole request, streams included; none by default. */
  timeoutMs?: number;
  /** Ask for the usage-only last chunk (`stream_options.include_usage`); default true. */
  includeStreamUsage?: boolean;
  /** Where connection counts go; default none. */
  metrics?: MetricsSink;
  /** Use this undici dispatcher instead of creating a `Pool` (it is not closed by `close()`). */
  dispatcher?: Dispatcher;
}

const CONNECTIONS_OPENED = 'victor_provider_connections_opened_total';

/** A Chat Completions provider (OpenAI, Ollama, vLLM, llama.cpp, LM Studio, ...) over a keep-alive undici pool. */
export class OpenAICompatibleProvider implements Provider {
  readonly id: string;
  private readonly dispatcher: Dispatcher;
  private readonly ownsDispatcher: boolean;
  private readonly chatPath: string;
  private readonly url: string;
  private readonly headers: Record<string, string>;
  private readonly timeoutMs: number | undefined;
  private readonly includeStreamUsage: boolean;
  private closed = false;

  constructor(options: OpenAICompatibleProviderOptions) {
    if (typeof options !== 'object' || options === null) throw invalidOption('options', 'an object', options);
    const { origin, pathPrefix } = parseBaseURL('baseURL', options.baseURL);
    const connections = positiveInteger('connections', options.connections, 32);
    const pipelining = positiveInteger('pipelining', options.pipelining, 1);
    const keepAliveTimeout = optionalDuration('keepAliveTimeoutMs', options.keepAliveTimeoutMs) ?? 30_000;
    const connectTimeout = optionalDuration('connectTimeoutMs', options.connectTimeoutMs) ?? 10_000;
    const headersTimeout = optionalDuration('headersTimeoutMs', options.headersTimeoutMs) ?? 120_000;
    const bodyTimeout = optionalDuration('bodyTimeoutMs', options.bodyTimeoutMs) ?? 120_000;
    this.timeoutMs = optionalDuration('timeoutMs', options.timeoutMs);
    if (options.apiKey !== undefined && typeof options.apiKey !== 'string') {
      throw invalidOption('apiKey', 'a string', '(not a string)');
    }
    this.id = options.id ?? `openai-compatible:${origin}${pathPrefix}`;
    this.chatPath = `${pathPrefix}/chat/completions`;
    this.url = `${origin}${this.chatPath}`;
    this.includeStreamUsage = options.includeStreamUsage ?? true;
    this.headers = { 'content-type': 'application/json', accept: 'application/json', ...options.headers };
    if (options.apiKey) this.headers.authorization = `Bearer ${options.apiKey}`;

    if (options.dispatcher) {
      this.dispatcher = options.dispatcher;
      this.ownsDispatcher = false;
    } else {
      const pool = new Pool(origin, {
        connections,
        pipelining,
        keepAliveTimeout,
        headersTimeout,
        bodyTimeout,
        connect: { timeout: connectTimeout },
      });
      const metrics = options.metrics ?? noopMetricsSink;
      const labels: MetricLabels = { provider: this.id };
      pool.on('connect', () => metrics.increment(CONNECTIONS_OPENED, labels));
      this.dispatcher = pool;
      this.ownsDispatcher = true;
    }
  }

  /** Sends a non-streaming chat request and decodes the whole answer. */
  async chat(request: ChatRequest): Promise<ChatResponse> {
    this.assertOpen();
    const combined = combineSignals(
      [request.abortSignal],
      this.timeoutMs ? { timeoutMs: this.timeoutMs } : {},
    );
    try {
      const response = await this.dispatcher.request({
        path: this.chatPath,
        method: 'POST',
        headers: request.headers ? { ...this.headers, ...request.headers } : this.headers,
        body: buildChatBody(request, false, false),
        signal: combined.signal ?? null,
      });
      if (response.statusCode >= 300) {
        const text = await response.body.text();
        throw httpStatusError(response.statusCode, this.url, text, response.headers);
      }
      return decodeChatResponse(await response.body.json());
    } catch (error) {
      throw toVictorError(error, this.url, combined.signal);
    } finally {
      combined.dispose();
    }
  }

  /**
   * Streams a chat response. Request failures reject the first `next()`; failures after the first event
   * arrive as an `error` event. Breaking out of the loop or aborting cancels the HTTP request.
   */
  async *stream(request: ChatRequest): AsyncGenerator<StreamEvent, void, undefined> {
    this.assertOpen();
    const combined = combineSignals(
      [request.abortSignal],
      this.timeoutMs ? { timeoutMs: this.timeoutMs } : {},
    );
    let body: Dispatcher.ResponseData['body'] | undefined;
    let completed = false;
    let yielded = false;
    try {
      const response = await this.dispatcher.request({
        path: this.chatPath,
        method: 'POST',
        headers: request.headers ? { ...this.headers, ...request.headers } : this.headers,
        body: buildChatBody(request, true, this.includeStreamUsage),
        signal: combined.signal ?? null,
      });
      body = response.body;
      if (response.statusCode >= 300) {
        const text = await body.text();
        completed = true;
        throw httpStatusError(response.statusCode, this.url, text, response.headers);
      }
      const sse = new SseDecoder();
      const decoder = new OpenAIStreamDecoder();
      const out: StreamEvent[] = [];
      for await (const chunk of body) {
        if (decoder.done) continue; // drain to the end so the connection can be reused
        const events = sse.push(chunk as Uint8Array);
        for (let i = 0; i < events.length; i++) decoder.push(events[i]!.data, out);
        if (decoder.done) continue;
        for (let i = 0; i < out.length; i++) {
          yielded = true;
          yield out[i]!;
        }
        out.length = 0;
      }
      completed = true;
      if (!decoder.done) {
        const events = sse.end();
        for (let i = 0; i < events.length; i++) decoder.push(events[i]!.data, out);
        decoder.end(out);
      }
      for (let i = 0; i < out.length; i++) {
        yielded = true;
        yield out[i]!;
      }
    } catch (error) {
      const victorError = toVictorError(error, this.url, combined.signal);
      if (!yielded || victorError.code === 'ABORTED' || !VictorError.isInstance(victorError))
        throw victorError;
      yield { type: 'error', error: victorError };
    } finally {
      if (!completed && body && !body.destroyed) body.destroy();
      combined.dispose();
    }
  }

  /** Closes the connection pool; requests after this fail with `INVALID_CONFIG`. */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    if (this.ownsDispatcher) await this.dispatcher.close();
  }

  private assertOpen(): void {
    if (this.closed) throw invalidOption('provider', 'open (close() was called)', this.id);
  }
}

/** Creates an OpenAI-compatible Chat Completions provider; options are checked here. */
export function createOpenAICompatibleProvider(
  options: OpenAICompatibleProviderOptions,
): OpenAICompatibleProvider {
  return new OpenAICompatibleProvider(options);
}
