import type {
  ChatRequest,
  ChatResponse,
  MetricLabels,
  MetricsSink,
  Provider,
  StreamEvent,
} from '@victor-ai/core';
import {
  combineSignals,
  InvalidRequestError,
  InvalidResponseError,
  invalidOption,
  MetricNames,
  noopMetricsSink,
  VictorError,
} from '@victor-ai/core';
import { type Dispatcher, Pool } from 'undici';
import { httpStatusError, toVictorError } from './http-errors.js';
import { InFlightLimiter } from './limiter.js';
import { optionalDuration, parseBaseURL, positiveInteger } from './options.js';
import { ResponseStream } from './response-stream.js';
import { SseDecoder } from './sse-decoder.js';

/** Options every HTTP provider takes: where, how to authenticate, and how to pool connections. */
export interface HttpProviderOptions {
  /** Base URL including the version path, e.g. `https://api.openai.com/v1`. */
  baseURL: string;
  /** The API key; how it is sent depends on the provider. `undefined` (an unset `process.env.X`) sends none. */
  apiKey?: string | undefined;
  /** Headers sent with every request. */
  headers?: Readonly<Record<string, string>>;
  /** Identifies the provider in metrics and errors; default `<kind>:<baseURL>`. */
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
  /** Most requests in flight to this endpoint; more wait in a queue. Default: no limit. */
  maxInFlight?: number;
  /** Most requests waiting for a slot; beyond it requests fail with `POOL_EXHAUSTED`. Default 1,024. */
  maxQueued?: number;
  /** Longest wait for a slot before `POOL_EXHAUSTED`; default none. */
  queueTimeoutMs?: number;
  /** Where connection counts go; default none. */
  metrics?: MetricsSink;
  /** Use this undici dispatcher instead of creating a `Pool` (it is not closed by `close()`). */
  dispatcher?: Dispatcher;
}

/** Turns the `data` payloads of one streamed response into core stream events. */
export interface StreamDecoder {
  /** True once the response finished or failed; later payloads are ignored. */
  readonly done: boolean;
  /** Decodes one SSE `data` payload, pushing the events it yields onto `out`. */
  push(data: string, out: StreamEvent[]): void;
  /** Called when the body ended; a stream cut short pushes an `error` event. */
  end(out: StreamEvent[]): void;
}

/** Name of the counter of TCP connections opened, labelled by `provider`: an alias of core's `MetricNames.providerConnectionsOpened`. */
export const CONNECTIONS_OPENED = MetricNames.providerConnectionsOpened;

/**
 * The transport shared by the HTTP providers: a keep-alive undici `Pool` per origin, a per-endpoint
 * in-flight limit with a bounded wait queue, deadlines, typed errors, and the SSE read loop.
 */
export abstract class HttpProvider implements Provider {
  readonly id: string;
  /** The endpoint's in-flight limiter (`inFlight`, `queued`). */
  readonly limiter: InFlightLimiter;
  protected readonly origin: string;
  protected readonly pathPrefix: string;
  protected readonly headers: Record<string, string>;
  private readonly dispatcher: Dispatcher;
  private readonly ownsDispatcher: boolean;
  private readonly timeoutMs: number | undefined;
  private closed = false;

  protected constructor(kind: string, options: HttpProviderOptions, authHeaders: Record<string, string>) {
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
    this.id = options.id ?? `${kind}:${origin}${pathPrefix}`;
    this.origin = origin;
    this.pathPrefix = pathPrefix;
    this.headers = {
      'content-type': 'application/json',
      accept: 'application/json',
      ...options.headers,
      ...authHeaders,
    };
    this.limiter = new InFlightLimiter({
      maxInFlight: options.maxInFlight,
      maxQueued: options.maxQueued,
      queueTimeoutMs: options.queueTimeoutMs,
      name: this.id,
    });
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

  /** Path of the chat endpoint, prefix included. */
  protected abstract readonly chatPath: string;
  /** The JSON body of a chat request. */
  protected abstract buildBody(request: ChatRequest, stream: boolean): string;
  /** Decodes a whole chat response body. */
  protected abstract decodeResponse(body: unknown): ChatResponse;
  /** A fresh decoder for one streamed response. */
  protected abstract createStreamDecoder(): StreamDecoder;

  /** Sends a non-streaming chat request and decodes the whole answer. */
  async chat(request: ChatRequest): Promise<ChatResponse> {
    return this.decodeResponse(
      await this.postJson(
        this.chatPath,
        this.serialise(request, false),
        request.headers,
        request.abortSignal,
      ),
    );
  }

  /** POSTs a JSON body and returns the parsed JSON answer; non-2xx answers throw `HttpStatusError`. */
  protected async postJson(
    path: string,
    body: string,
    headers: Readonly<Record<string, string>> | undefined,
    abortSignal: AbortSignal | undefined,
  ): Promise<unknown> {
    this.assertOpen();
    const url = `${this.origin}${path}`;
    const combined = combineSignals([abortSignal], this.timeoutMs ? { timeoutMs: this.timeoutMs } : {});
    let acquired = false;
    let response: ResponseStream | undefined;
    try {
      const waiting = this.limiter.acquire(combined.signal);
      if (waiting !== undefined) await waiting;
      acquired = true;
      response = this.post(path, body, headers, combined.signal);
      await response.response();
      if (response.statusCode >= 300) {
        const text = await response.text();
        throw httpStatusError(response.statusCode, url, text, response.headers);
      }
      const text = await response.text();
      try {
        return JSON.parse(text);
      } catch (error) {
        throw new InvalidResponseError({
          message: `response from ${url} is not JSON: ${JSON.stringify(text.slice(0, 120))}`,
          cause: error,
        });
      }
    } catch (error) {
      throw this.toError(error, url, combined.signal);
    } finally {
      response?.detach();
      if (acquired) this.limiter.release();
      combined.dispose();
    }
  }

  /**
   * Sends a POST through the dispatcher with a `ResponseStream` as its handler (no `Readable` body), which
   * an abort of `signal` cancels until `detach()`.
   */
  private post(
    path: string,
    body: string,
    headers: Readonly<Record<string, string>> | undefined,
    signal: AbortSignal | undefined,
  ): ResponseStream {
    const response = new ResponseStream();
    if (signal !== undefined) {
      signal.throwIfAborted();
      response.attach(signal);
    }
    this.dispatcher.dispatch(
      {
        origin: this.origin,
        path,
        method: 'POST',
        headers: headers ? { ...this.headers, ...headers } : this.headers,
        body,
      },
      response,
    );
    return response;
  }

  /**
   * Streams a chat response. Failures before the first event reject the first `next()` (so they can be
   * retried); failures after it arrive as one `error` event. Breaking out of the loop or aborting cancels
   * the HTTP request.
   */
  async *stream(request: ChatRequest): AsyncGenerator<StreamEvent, void, undefined> {
    this.assertOpen();
    const url = `${this.origin}${this.chatPath}`;
    const combined = combineSignals(
      [request.abortSignal],
      this.timeoutMs ? { timeoutMs: this.timeoutMs } : {},
    );
    let response: ResponseStream | undefined;
    let decoder: StreamDecoder | undefined;
    let completed = false;
    let yielded = false;
    let acquired = false;
    try {
      const waiting = this.limiter.acquire(combined.signal);
      if (waiting !== undefined) await waiting;
      acquired = true;
      // Read through a dispatch handler rather than request()'s Readable body: each chunk reaches the SSE
      // decoder from the socket's own callback, with no stream or async iterator in between.
      const current = this.post(
        this.chatPath,
        this.serialise(request, true),
        request.headers,
        combined.signal,
      );
      response = current;
      await current.response();
      if (current.statusCode >= 300) {
        const text = await current.text();
        completed = true;
        throw httpStatusError(current.statusCode, url, text, current.headers);
      }
      const sse = new SseDecoder();
      decoder = this.createStreamDecoder();
      const out: StreamEvent[] = [];
      for (;;) {
        // A chunk already buffered is taken without a promise in between.
        const chunk = current.read() ?? (await current.next());
        if (chunk === undefined) break;
        // After the answer is complete the rest of the body ([DONE], the end) is read and dropped, so the
        // socket goes back to the pool.
        if (decoder.done) continue;
        sse.write(chunk);
        // Each SSE event is parsed, decoded and handed over before the next one is looked for, so the
        // first event of a chunk holding a whole answer does not wait for the rest of it.
        for (let sseEvent = sse.next(); sseEvent !== undefined; sseEvent = sse.next()) {
          decoder.push(sseEvent.data, out);
          for (let j = 0; j < out.length; j++) {
            const event = out[j]!;
            if (event.type === 'error' && !yielded) throw event.error;
            yielded = true;
            yield event;
          }
          out.length = 0;
          if (decoder.done) break;
        }
      }
      completed = true;
      if (!decoder.done) {
        const events = sse.end();
        for (let i = 0; i < events.length; i++) decoder.push(events[i]!.data, out);
        decoder.end(out);
      }
      for (let i = 0; i < out.length; i++) {
        const event = out[i]!;
        if (event.type === 'error' && !yielded) throw event.error;
        yielded = true;
        yield event;
      }
    } catch (error) {
      const victorError = this.toError(error, url, combined.signal);
      if (!yielded || victorError.code === 'ABORTED') throw victorError;
      yield { type: 'error', error: victorError };
    } finally {
      if (!completed && response !== undefined && !response.finished) {
        // The consumer stopped after a complete answer: read what little is left so the socket can be
        // reused. Stopped earlier: cancel the request.
        if (decoder?.done) await response.dump(64 * 1024);
        else response.abort(new Error('the stream was closed before its end'));
      }
      response?.detach();
      if (acquired) this.limiter.release();
      combined.dispose();
    }
  }

  /** Closes the connection pool and rejects queued requests; calls after this fail with `INVALID_CONFIG`. */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    this.limiter.close();
    if (this.ownsDispatcher) await this.dispatcher.close();
  }

  /**
   * The request body, or an `InvalidRequestError` when the request cannot be serialised (nested too deep
   * for the stack, a bigint, a cycle): the request's fault, so never retried nor counted against the
   * endpoint.
   */
  protected serialise(request: ChatRequest, stream: boolean): string {
    try {
      return this.buildBody(request, stream);
    } catch (error) {
      if (VictorError.isInstance(error)) throw error;
      const reason = error instanceof Error ? error.message : String(error);
      throw new InvalidRequestError({
        message: `${this.id}: the request to ${request.model} cannot be serialised: ${reason}`,
        cause: error,
      });
    }
  }

  protected assertOpen(): void {
    if (this.closed) throw invalidOption('provider', 'open (close() was called)', this.id);
  }

  private toError(error: unknown, url: string, signal: AbortSignal | undefined): VictorError {
    return toVictorError(error, url, signal);
  }
}
