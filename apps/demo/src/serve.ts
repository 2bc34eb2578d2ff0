import { randomUUID } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { isDeterministicRequest, MemoryCache, ResponseCache } from '@victor-ai/cache';
import { type Agent, createAgent } from '@victor-ai/coordinators';
import type { ChatRequest, Provider, StreamEvent } from '@victor-ai/core';
import { VictorError } from '@victor-ai/core';
import {
  HttpError,
  type HttpServerLimits,
  type RequestContext,
  startHardenedServer,
} from '@victor-ai/gateway';
import { createMetricsHandler, type PerformanceMonitor } from '@victor-ai/metrics';
import { modelCallTiming } from './instrumentation.js';
import { fromWireRequest, toWireCompletion, WireChunkEncoder, WireError } from './openai-wire.js';

/** Options of `startServe`. */
export interface ServeOptions {
  provider: Provider;
  /** The model used when a request names `victor` (or `default`); other names are passed through. */
  model: string;
  monitor: PerformanceMonitor;
  /** Default 0: a free port. */
  port?: number;
  /** Default `127.0.0.1`. */
  host?: string;
  /** TTL of cached answers (temperature-0 requests); default 5 minutes. */
  responseCacheTtlMs?: number;
  /**
   * Body size and JSON depth limits, timeouts, connection and in-flight caps, the Host allow-list and CORS
   * (`@victor-ai/gateway`'s `HttpServerLimits`); each has a safe default.
   */
  limits?: HttpServerLimits;
}

/** A running serve mode. */
export interface ServeHandle {
  /** `http://host:port`. */
  readonly url: string;
  readonly port: number;
  /** The agent whose model path (provider coordinator and model middleware) serves the requests. */
  readonly agent: Agent;
  /** Requests being answered right now. */
  readonly inFlight: number;
  /**
   * Stops accepting connections, lets the requests in flight finish (up to `graceMs`, default 10 s, then
   * they are cut), and closes the agent (not the provider: the caller owns it).
   */
  close(graceMs?: number): Promise<void>;
}

const MODEL_ALIASES = new Set(['victor', 'default']);

function sendJson(
  response: ServerResponse,
  status: number,
  body: unknown,
  headers: Record<string, string> = {},
): void {
  const text = `${JSON.stringify(body)}\n`;
  response.writeHead(status, {
    'content-type': 'application/json; charset=utf-8',
    'content-length': String(Buffer.byteLength(text)),
    ...headers,
  });
  response.end(text);
}

/** A provider failure as an HTTP status and OpenAI-style error body. */
function providerFailure(error: unknown): WireError {
  if (error instanceof WireError) return error;
  if (!VictorError.isInstance(error)) {
    return new WireError(500, error instanceof Error ? error.message : String(error), null, 'api_error');
  }
  const upstream = (error as { status?: unknown }).status;
  let status = 502;
  if (error.code === 'HTTP_STATUS' && typeof upstream === 'number' && upstream < 500) status = upstream;
  else if (error.code === 'INVALID_ARGUMENTS' || error.code === 'INVALID_CONFIG') status = 400;
  else if (error.code === 'TIMEOUT') status = 504;
  return new WireError(
    status,
    `${error.code}: ${error.message}`,
    null,
    status < 500 ? 'invalid_request_error' : 'api_error',
  );
}

/** A failure as the `HttpError` the hardened server answers with. */
function toHttpError(error: unknown): HttpError {
  if (HttpError.isHttpError(error)) return error;
  const failure = providerFailure(error);
  return new HttpError({
    status: failure.status,
    reason: failure.status < 500 ? 'invalid_request' : 'upstream_error',
    message: failure.message,
    param: failure.param,
    cause: error,
  });
}

/**
 * Starts an OpenAI-compatible server in front of the model: `POST /v1/chat/completions` (streaming SSE
 * and not) runs each request through an agent's model path (the provider coordinator with the model
 * middleware) and a response cache for temperature-0 requests; `GET /v1/models` lists the model;
 * `GET /metrics` is the monitor in the Prometheus text format (`?format=json` for JSON). The HTTP server is
 * `@victor-ai/gateway`'s hardened server: body and JSON depth limits, a Host allow-list, JSON-only POSTs,
 * timeouts and caps on connections and requests in flight. `X-Victor-Tenant` scopes the response cache
 * but is not authenticated: any client that sends a tenant's name reads that tenant's cached answers.
 */
export async function startServe(options: ServeOptions): Promise<ServeHandle> {
  const { monitor } = options;
  const agent = createAgent({
    provider: options.provider,
    model: options.model,
    modelMiddleware: [modelCallTiming(monitor)],
    metrics: monitor,
    closeProviders: false,
  });
  const responseCache = new ResponseCache({
    cache: new MemoryCache<unknown>({ name: 'responses', maxEntries: 5_000, metrics: monitor }),
    ttlMs: options.responseCacheTtlMs ?? 5 * 60_000,
  });
  const metricsHandler = createMetricsHandler(monitor);
  const created = () => Math.floor(Date.now() / 1000);

  async function completions(
    request: IncomingMessage,
    response: ServerResponse,
    context: RequestContext,
  ): Promise<void> {
    const maxJsonDepth = options.limits?.maxJsonDepth;
    const {
      request: chat,
      stream,
      includeUsage,
    } = fromWireRequest(await context.readJson(), maxJsonDepth === undefined ? {} : { maxJsonDepth });
    if (MODEL_ALIASES.has(chat.model)) chat.model = '';
    const tenant = request.headers['x-victor-tenant'];
    if (typeof tenant === 'string' && tenant !== '') chat.metadata = { ...chat.metadata, tenantId: tenant };
    const choice = agent.providers.resolve(chat);
    if (chat.model === '') chat.model = choice.model;
    const abort = new AbortController();
    response.on('close', () => {
      if (!response.writableFinished) abort.abort(new Error('the client went away'));
    });
    const routed: ChatRequest = { ...chat, abortSignal: abort.signal };
    const id = `chatcmpl-${randomUUID().replace(/-/g, '')}`;
    const cacheable = isDeterministicRequest(routed);
    const timer = monitor.startRequest();
    let calledModel = false;
    if (!stream) {
      try {
        // A shared call is sent with the signal that aborts only when every client waiting for it left.
        const { response: answer, cached } = await responseCache.chat(routed, (abortSignal) => {
          calledModel = true;
          timer.providerStart();
          const shared: ChatRequest = { ...routed };
          if (abortSignal) shared.abortSignal = abortSignal;
          else delete shared.abortSignal;
          return choice.provider.chat(shared).finally(() => timer.providerEnd());
        });
        timer.end(cached ? 'cached' : 'ok');
        sendJson(response, 200, toWireCompletion(answer, id, chat.model, created()), {
          'x-victor-cache': !cacheable ? 'bypass' : cached ? 'hit' : 'miss',
        });
      } catch (error) {
        timer.end('error');
        throw error;
      }
      return;
    }
    const encoder = new WireChunkEncoder(id, chat.model, created(), includeUsage);
    const events = responseCache.stream(routed, () => {
      calledModel = true;
      timer.providerStart();
      return choice.provider.stream(routed);
    });
    let headersSent = false;
    let outcome = 'ok';
    try {
      for await (const event of events as AsyncIterable<StreamEvent>) {
        if (!headersSent) {
          response.writeHead(200, {
            'content-type': 'text/event-stream; charset=utf-8',
            'cache-control': 'no-cache',
            'x-victor-cache': !cacheable ? 'bypass' : calledModel ? 'miss' : 'hit',
          });
          headersSent = true;
        }
        if (event.type === 'text-delta') timer.firstToken();
        if (event.type === 'error') {
          outcome = 'error';
          const failure = providerFailure(event.error);
          response.write(`data: ${JSON.stringify(failure.body())}\n\n`);
          break;
        }
        for (const chunk of encoder.encode(event)) response.write(`data: ${JSON.stringify(chunk)}\n\n`);
      }
      if (outcome === 'ok') response.write('data: [DONE]\n\n');
      response.end();
    } catch (error) {
      outcome = 'error';
      if (!headersSent) throw error;
      // The stream had started: report in-band, as OpenAI does, then end it.
      if (!response.destroyed) {
        response.write(`data: ${JSON.stringify(providerFailure(error).body())}\n\n`);
        response.end();
      }
    } finally {
      if (calledModel) timer.providerEnd();
      timer.end(calledModel ? outcome : outcome === 'ok' ? 'cached' : outcome);
    }
  }

  const server = await startHardenedServer({
    ...options.limits,
    port: options.port ?? 0,
    host: options.host ?? '127.0.0.1',
    handler: async (request, response, context) => {
      const { path } = context;
      if (path === '/metrics') {
        metricsHandler(request, response);
        return;
      }
      if (path === '/health' && request.method === 'GET') {
        sendJson(response, 200, { status: 'ok' });
        return;
      }
      if (path === '/v1/models' && request.method === 'GET') {
        sendJson(response, 200, {
          object: 'list',
          data: [...new Set([options.model, 'victor'])].map((model) => ({
            id: model,
            object: 'model',
            created: 0,
            owned_by: 'victor',
          })),
        });
        return;
      }
      if (path !== '/v1/chat/completions') {
        throw new HttpError({
          status: 404,
          reason: 'not_found',
          message: `no route ${request.method} ${path}`,
        });
      }
      if (request.method !== 'POST') {
        throw new HttpError({
          status: 405,
          reason: 'method_not_allowed',
          message: 'use POST',
          headers: { allow: 'POST' },
        });
      }
      try {
        await completions(request, response, context);
      } catch (error) {
        throw toHttpError(error);
      }
    },
  });
  let closing: Promise<void> | undefined;

  return {
    url: server.url,
    port: server.port,
    agent,
    get inFlight() {
      return server.inFlight;
    },
    close(graceMs = 10_000) {
      closing ??= (async () => {
        await server.close(graceMs);
        await agent.close();
      })();
      return closing;
    },
  };
}
