import type { ServerResponse } from 'node:http';
import { MemoryCache, ResponseCache } from '@victor-ai/cache';
import { type Agent, createAgent } from '@victor-ai/coordinators';
import type { Provider } from '@victor-ai/core';
import {
  HttpError,
  type HttpServerLimits,
  handleChatCompletions,
  startHardenedServer,
} from '@victor-ai/gateway';
import { createMetricsHandler, type PerformanceMonitor } from '@victor-ai/metrics';
import { modelCallTiming } from './instrumentation.js';

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
      const tenant = request.headers['x-victor-tenant'];
      await handleChatCompletions(request, response, context, {
        resolve: (chat) => {
          if (MODEL_ALIASES.has(chat.model)) chat.model = '';
          const choice = agent.providers.resolve(chat);
          return { provider: choice.provider, model: chat.model === '' ? choice.model : chat.model };
        },
        responseCache,
        monitor,
        // Not authenticated: see the doc comment of startServe.
        tenantId: typeof tenant === 'string' && tenant !== '' ? tenant : undefined,
        maxJsonDepth: options.limits?.maxJsonDepth,
      });
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
