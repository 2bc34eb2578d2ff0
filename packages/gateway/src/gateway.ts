import type { IncomingMessage, ServerResponse } from 'node:http';
import { type EmbedRequest, InvalidConfigError, type Provider } from '@victor-ai/core';
import { createMetricsHandler, createPerformanceMonitor, type PerformanceMonitor } from '@victor-ai/metrics';
import { createMemoryRateLimitStore, type RateLimitStore } from '@victor-ai/middleware';
import {
  createAnthropicProvider,
  createOpenAICompatibleProvider,
  createProviderPool,
  type ProviderPool,
} from '@victor-ai/provider-pool';
import { createLoopbackServer, type LoopbackServer } from '@victor-ai/provider-pool/testing';
import { anthropicMessagesDialect } from './anthropic/messages-dialect.js';
import { anthropicErrorBody } from './anthropic/messages-wire.js';
import { apiKeyOf, hashApiKey } from './api-keys.js';
import type { EndpointConfig, GatewayConfig, KeyConfig } from './config/gateway-config.js';
import { type HardenedServer, openAIErrorBody, startHardenedServer } from './http/hardened-server.js';
import { HttpError } from './http/http-error.js';
import { createRedisRateLimitStore } from './limits/redis-rate-limit-store.js';
import {
  BUDGET_PERIOD_MS,
  type BudgetPeriod,
  createMemoryUsageBudgetStore,
  createRedisUsageBudgetStore,
  type UsageBudgetStore,
} from './limits/usage-budget.js';
import {
  type ChatCompletionsDependencies,
  handleChat,
  openAIChatDialect,
  providerFailure,
} from './openai/chat-completions-route.js';
import { fromEmbeddingsRequest, toEmbeddingsResponse } from './openai/embeddings-wire.js';
import { type GatewayRedisClient, openRedisConnection } from './redis-connection.js';
import {
  type CacheInvalidation,
  createGatewayResponseCache,
  type GatewayResponseCache,
  invalidateResponses,
  parseInvalidation,
} from './response-cache-admin.js';
import {
  DEFAULT_RESERVED_OUTPUT_TOKENS,
  estimateChatTokens,
  estimateEmbeddingTokens,
} from './token-estimate.js';

/** Options of `startGateway`. */
export interface StartGatewayOptions {
  config: GatewayConfig;
  /** Overrides `server.port` (0: a free port). */
  port?: number;
  /** Overrides `server.host`. */
  host?: string;
  /** Where `apiKeyEnv` and `redis.urlEnv` are read; default `process.env`. */
  env?: NodeJS.ProcessEnv;
  /** Log lines (`logging.level` info and error); default `console.error`. */
  log?: (line: string) => void;
}

/** A running gateway. */
export interface Gateway {
  /** `http://host:port`. */
  readonly url: string;
  readonly port: number;
  readonly monitor: PerformanceMonitor;
  readonly http: HardenedServer;
  /**
   * Drains: stops taking requests (new ones get 503), lets those in flight finish (streams included) for up
   * to `graceMs` (default `server.drainTimeoutMs`, else 10 s), then closes pools, loopback models and Redis.
   */
  close(graceMs?: number): Promise<void>;
  /**
   * Drops one API key's cached answers (`{ keyId }`) or all of them (`{ all: true }`) from the response
   * cache, in every process sharing it (`redis`, or `tiered` through Redis pub/sub); the same as
   * `POST /admin/cache/invalidate`. Resolves to how many entries went, when known.
   */
  invalidateCache(target: CacheInvalidation): Promise<number | undefined>;
}

interface Route {
  alias: string;
  model: string;
  pool: ProviderPool;
}

interface KeyState {
  config: KeyConfig;
  models: ReadonlySet<string> | undefined;
  /** The request bucket's limit, made once (undefined: no request limit). */
  requestLimit: { capacity: number; refillPerSecond: number } | undefined;
  /** The rate-limit store key of the request bucket. */
  requestBucket: string;
  /** The token windows checked before each request (empty: none). */
  tokenChecks: ReadonlyArray<{ period: 'minute' | 'hour' | 'day' | 'month'; tokens: number; what: string }>;
}

/** Upstream TCP connections per endpoint unless it sets `connections`: the gateway's clients share them. */
const DEFAULT_UPSTREAM_CONNECTIONS = 64;

/** The connection pool options of an endpoint. */
function poolOptions(endpoint: { connections?: number | undefined; pipelining?: number | undefined }) {
  return {
    connections: endpoint.connections ?? DEFAULT_UPSTREAM_CONNECTIONS,
    ...(endpoint.pipelining === undefined ? {} : { pipelining: endpoint.pipelining }),
  };
}

/** Keys presented and found valid, by the presented text: a hash per request costs more than the rest of auth. */
const MAX_VERIFIED_KEYS = 1_024;

/** A provider that sends every request with `model` (an endpoint's fixed upstream model) and is closed by its owner. */
function withModel(provider: Provider, model: string | undefined): Provider {
  // The request is copied only when its model differs (a route over one endpoint already names it).
  return {
    id: provider.id,
    chat: (request) => provider.chat(model && request.model !== model ? { ...request, model } : request),
    stream: (request) => provider.stream(model && request.model !== model ? { ...request, model } : request),
    ...(provider.embed
      ? {
          embed: (request: EmbedRequest) =>
            provider.embed!(model && request.model !== model ? { ...request, model } : request),
        }
      : {}),
    close: async () => {},
  };
}

function isPromiseLike<T>(value: T | PromiseLike<T>): value is PromiseLike<T> {
  return typeof (value as { then?: unknown } | null)?.then === 'function';
}

function sendJson(response: ServerResponse, status: number, body: unknown): void {
  const text = `${JSON.stringify(body)}\n`;
  response.writeHead(status, {
    'content-type': 'application/json; charset=utf-8',
    'content-length': String(Buffer.byteLength(text)),
  });
  response.end(text);
}

/**
 * Starts the gateway a configuration describes: endpoints (OpenAI-compatible, Anthropic, or a loopback
 * model it starts itself), model routes over provider pools, API keys checked by hash with per-key
 * request and token limits and budgets (in memory or shared through Redis), the response cache scoped by
 * key, and the routes `POST /v1/chat/completions`, `GET /v1/models`, `/metrics`, `/health`, `/ready`.
 */
export async function startGateway(options: StartGatewayOptions): Promise<Gateway> {
  const { config } = options;
  const env = options.env ?? process.env;
  const level = config.logging?.level ?? 'info';
  const log = options.log ?? ((line: string) => console.error(line));
  const info = (line: string) => {
    if (level === 'info') log(line);
  };
  const logError = (line: string) => {
    if (level !== 'silent') log(line);
  };
  const monitor = createPerformanceMonitor();
  const loopbacks: LoopbackServer[] = [];
  const providers = new Map<string, Provider>();
  const routes = new Map<string, Route>();
  let redis: GatewayRedisClient | undefined;
  let responseStore: GatewayResponseCache | undefined;
  const cleanup = async () => {
    await Promise.allSettled([...routes.values()].map((route) => route.pool.close()));
    await Promise.allSettled([...providers.values()].map((provider) => provider.close()));
    await Promise.allSettled(loopbacks.map((loopback) => loopback.close()));
    await responseStore?.close().catch(() => {});
    redis?.disconnect();
  };

  try {
    for (const [name, endpoint] of Object.entries(config.endpoints)) {
      providers.set(name, await openEndpoint(name, endpoint, env, loopbacks, monitor));
    }
    config.routes.forEach((route) => {
      const targets = route.endpoints.map((target) =>
        typeof target === 'string' ? { endpoint: target, weight: 1 } : { weight: 1, ...target },
      );
      const endpointModel = (name: string) => config.endpoints[name]?.model;
      const model = route.model ?? endpointModel(targets[0]!.endpoint) ?? route.alias;
      const poolEndpoint = (name: string, weight: number) => ({
        name,
        weight,
        provider: withModel(providers.get(name)!, route.model ? undefined : endpointModel(name)),
      });
      const primary = targets.map((target) => poolEndpoint(target.endpoint, target.weight));
      const fallbacks = (route.fallbacks ?? []).map((name) => poolEndpoint(name, 1));
      const pool = createProviderPool({
        id: `route:${route.alias}`,
        endpoints: [...primary, ...fallbacks],
        // Fallbacks come after the primaries: the order is the fallback order.
        selection: fallbacks.length > 0 ? 'ordered' : (route.selection ?? 'balanced'),
        closeEndpoints: false,
        metrics: monitor,
        ...(route.maxAttempts === undefined ? {} : { maxAttempts: route.maxAttempts }),
        ...(route.attemptTimeoutMs === undefined ? {} : { attemptTimeoutMs: route.attemptTimeoutMs }),
      });
      routes.set(route.alias, { alias: route.alias, model, pool });
    });

    const keyPrefix = config.redis?.keyPrefix ?? 'victor-gateway';
    const connection = await openRedisConnection(config.redis, env);
    if (connection) {
      redis = connection.client;
      info(
        `redis: ${redis.status === 'ready' ? 'connected' : `not ready (${redis.status})`} at ${connection.where}`,
      );
    }
    const failMode = config.rateLimits?.failMode ?? 'open';
    const reservedOutputTokens = config.rateLimits?.reserveOutputTokens ?? DEFAULT_RESERVED_OUTPUT_TOKENS;
    const storeKind = config.rateLimits?.store ?? (redis ? 'redis' : 'memory');
    let redisErrors = 0;
    const onRedisError = (error: unknown) => {
      if (redisErrors++ % 1_000 === 0) {
        logError(`redis: ${error instanceof Error ? error.message : String(error)} (failing ${failMode})`);
      }
    };
    // The rate limits and the budgets share one store choice and one Redis client, under their own prefixes.
    const redisStore =
      storeKind === 'redis' && redis ? { client: redis, failMode, onError: onRedisError } : undefined;
    const limiter: RateLimitStore = redisStore
      ? createRedisRateLimitStore({ ...redisStore, keyPrefix: `${keyPrefix}:rl` })
      : createMemoryRateLimitStore();
    const budgets: UsageBudgetStore = redisStore
      ? createRedisUsageBudgetStore({ ...redisStore, keyPrefix: `${keyPrefix}:budget` })
      : createMemoryUsageBudgetStore();

    responseStore = createGatewayResponseCache(
      config.cache ?? { type: 'none' },
      redis,
      keyPrefix,
      monitor,
      logError,
    );
    const responseCache = responseStore?.responses;
    const keyIds = new Set(config.keys.map((key) => key.id));

    const keys = new Map<string, KeyState>();
    for (const key of config.keys) {
      const tokenChecks: KeyState['tokenChecks'][number][] = [];
      if (key.tokensPerMinute !== undefined) {
        tokenChecks.push({ period: 'minute', tokens: key.tokensPerMinute, what: 'tokens per minute' });
      }
      if (key.budget) {
        // One counter per period: a per-minute budget and tokensPerMinute share it, the lower limit wins.
        const same = tokenChecks.find((check) => check.period === key.budget!.period);
        const budgetCheck = { ...key.budget, what: `tokens per ${key.budget.period} (budget)` };
        if (!same) tokenChecks.push(budgetCheck);
        else if (budgetCheck.tokens < same.tokens) tokenChecks[tokenChecks.indexOf(same)] = budgetCheck;
      }
      keys.set(key.hash, {
        config: key,
        models: key.models ? new Set(key.models) : undefined,
        requestLimit:
          key.requestsPerMinute === undefined
            ? undefined
            : { capacity: key.requestsPerMinute, refillPerSecond: key.requestsPerMinute / 60 },
        requestBucket: `${key.id}:requests`,
        tokenChecks,
      });
    }
    // Only keys that matched a configured hash are remembered (at most one text per configured key, in
    // practice), so unknown keys cannot grow it; they are hashed every time.
    const verified = new Map<string, KeyState>();
    const metricsHandler = config.metrics?.enabled === false ? undefined : createMetricsHandler(monitor);

    const authenticate = (request: IncomingMessage): KeyState => {
      const presented = apiKeyOf(request);
      let key = presented === undefined ? undefined : verified.get(presented);
      if (!key && presented !== undefined) {
        key = keys.get(hashApiKey(presented));
        if (key && verified.size < MAX_VERIFIED_KEYS) verified.set(presented, key);
      }
      if (!key) {
        throw new HttpError({
          status: 401,
          reason: 'unauthorized',
          message:
            presented === undefined
              ? 'no API key: send Authorization: Bearer KEY (or x-api-key: KEY)'
              : 'the API key is not valid',
        });
      }
      return key;
    };

    const admit = async (key: KeyState): Promise<void> => {
      const now = Date.now();
      const { requestLimit } = key;
      if (requestLimit !== undefined) {
        const requestsPerMinute = requestLimit.capacity;
        const taken = limiter.take(key.requestBucket, requestLimit, 1, now);
        // The memory store answers synchronously: no await (and no microtask hop) unless it is a promise.
        const verdict = isPromiseLike(taken) ? await taken : taken;
        if (!verdict.allowed && (verdict as { degraded?: boolean }).degraded) {
          throw new HttpError({
            status: 503,
            reason: 'overloaded',
            message: 'the rate limit store (Redis) is unavailable and rateLimits.failMode is "closed"',
            headers: { 'retry-after': '1' },
          });
        }
        if (!verdict.allowed) {
          throw new HttpError({
            status: 429,
            reason: 'rate_limited',
            message: `rate limit of ${requestsPerMinute} requests per minute reached for key "${key.config.id}"`,
            headers: { 'retry-after': String(Math.max(1, Math.ceil(verdict.retryAfterMs / 1000))) },
          });
        }
      }
    };

    // Token limits and budgets: each request reserves what it may spend before the model is called (one
    // atomic check-and-add per period, shared across processes through Redis) and settles with its real
    // usage after; so a window is never exceeded by more than one request's tokens, however many are in
    // flight, as long as the reservation is at least what the request spends.
    const reserveTokens = async (
      key: KeyState,
      estimate: number,
    ): Promise<(usedTokens: number | undefined) => void> => {
      const now = Date.now();
      const held: Array<{ period: BudgetPeriod; window: number }> = [];
      // Usage unknown (a stream cut before the model reported it): the reservation stays spent.
      const settleAll = (usedTokens: number | undefined) => {
        if (usedTokens === undefined) return;
        for (const reservation of held) {
          void budgets.settle(key.config.id, reservation.period, reservation.window, estimate, usedTokens);
        }
      };
      for (const check of key.tokenChecks) {
        const verdict = await budgets.reserve(key.config.id, check.period, check.tokens, estimate, now);
        if (!verdict.allowed) {
          settleAll(0);
          const periodMs = BUDGET_PERIOD_MS[check.period];
          const retryAfter = Math.max(1, Math.ceil((periodMs - (now % periodMs)) / 1000));
          throw new HttpError({
            status: 429,
            reason: check.what.endsWith('(budget)') ? 'budget_exceeded' : 'rate_limited',
            message: `limit of ${check.tokens} ${check.what} reached for key "${key.config.id}"`,
            headers: { 'retry-after': String(retryAfter) },
          });
        }
        held.push({ period: check.period, window: verdict.window });
      }
      return settleAll;
    };

    const ready = (): { ready: boolean; routes: Record<string, string[]>; redis?: string } => {
      const report: Record<string, string[]> = {};
      let every = true;
      for (const route of routes.values()) {
        const healthy = route.pool.endpoints
          .filter((endpoint) => endpoint.state !== 'open')
          .map((e) => e.name);
        report[route.alias] = healthy;
        if (healthy.length === 0) every = false;
      }
      const redisStatus = redis?.status;
      if (redis && failMode === 'closed' && redisStatus !== 'ready') every = false;
      return { ready: every, routes: report, ...(redisStatus ? { redis: redisStatus } : {}) };
    };

    const serverConfig = config.server ?? {};
    const http = await startHardenedServer({
      ...serverConfig.limits,
      host: options.host ?? serverConfig.host ?? '127.0.0.1',
      port: options.port ?? serverConfig.port ?? 8787,
      // Each API's own error format: Anthropic's for the Messages route, OpenAI's elsewhere.
      errorBody: (error, request) =>
        (request.url ?? '').startsWith('/v1/messages') ? anthropicErrorBody(error) : openAIErrorBody(error),
      handler: async (request, response, context) => {
        const { path } = context;
        if (path === '/health' && request.method === 'GET') {
          sendJson(response, 200, { status: 'ok' });
          return;
        }
        if (path === '/ready' && request.method === 'GET') {
          const state = ready();
          sendJson(response, state.ready && !http.draining ? 200 : 503, state);
          return;
        }
        if (path === '/metrics' && metricsHandler) {
          metricsHandler(request, response);
          return;
        }
        if (path === '/admin/cache/invalidate') {
          // Only keys with `admin: true` see the admin routes; to the others they do not exist.
          const key = authenticate(request);
          if (key.config.admin !== true) {
            throw new HttpError({
              status: 404,
              reason: 'not_found',
              message: `no route ${request.method} ${path}`,
            });
          }
          requirePost(request.method);
          const target = parseInvalidation(await context.readJson());
          const invalidated = await invalidateResponses(responseStore, target, keyIds);
          sendJson(response, 200, { invalidated: invalidated ?? null, reach: responseStore!.reach });
          return;
        }
        if (!path.startsWith('/v1/')) {
          throw new HttpError({
            status: 404,
            reason: 'not_found',
            message: `no route ${request.method} ${path}`,
          });
        }
        const key = authenticate(request);
        if (path === '/v1/models' && request.method === 'GET') {
          sendJson(response, 200, {
            object: 'list',
            data: [...routes.keys()]
              .filter((alias) => !key.models || key.models.has(alias))
              .map((alias) => ({ id: alias, object: 'model', created: 0, owned_by: 'victor-gateway' })),
          });
          return;
        }
        const routeFor = (model: string): Route => {
          const route = routes.get(model);
          if (!route || (key.models && !key.models.has(model))) {
            throw new HttpError({
              status: 404,
              reason: 'not_found',
              message: `the model ${JSON.stringify(model)} does not exist or this key may not use it`,
              param: 'model',
            });
          }
          return route;
        };
        if (path === '/v1/embeddings') {
          requirePost(request.method);
          await admit(key);
          const wire = fromEmbeddingsRequest(await context.readJson());
          const route = routeFor(wire.model);
          const settle =
            key.tokenChecks.length === 0
              ? undefined
              : await reserveTokens(key, estimateEmbeddingTokens(wire.inputs));
          const abort = new AbortController();
          response.on('close', () => {
            if (!response.writableFinished) abort.abort(new Error('the client went away'));
          });
          let result: Awaited<ReturnType<ProviderPool['embed']>>;
          try {
            result = await route.pool.embed({
              model: route.model,
              inputs: wire.inputs,
              abortSignal: abort.signal,
            });
          } catch (error) {
            settle?.(0);
            throw providerFailure(error);
          }
          settle?.(result.usage?.inputTokens ?? estimateEmbeddingTokens(wire.inputs));
          sendJson(response, 200, toEmbeddingsResponse(result, route.model, wire.encoding));
          return;
        }
        const dialect =
          path === '/v1/chat/completions'
            ? openAIChatDialect
            : path === '/v1/messages'
              ? anthropicMessagesDialect
              : undefined;
        if (dialect) {
          requirePost(request.method);
          await admit(key);
          const dependencies: ChatCompletionsDependencies = {
            resolve: (chat) => {
              const route = routeFor(chat.model);
              return { provider: route.pool, model: route.model };
            },
            responseCache,
            monitor,
            tenantId: key.config.id,
            maxJsonDepth: serverConfig.limits?.maxJsonDepth,
            reserve:
              key.tokenChecks.length === 0
                ? undefined
                : (chat) => reserveTokens(key, estimateChatTokens(chat, reservedOutputTokens)),
          };
          await handleChat(dialect, request, response, context, dependencies);
          return;
        }
        throw new HttpError({
          status: 404,
          reason: 'not_found',
          message: `no route ${request.method} ${path}`,
        });
      },
    });
    info(
      `victor-gateway listening on ${http.url} (routes: ${[...routes.keys()].join(', ')}; limits: ${storeKind})`,
    );
    let closing: Promise<void> | undefined;
    return {
      url: http.url,
      port: http.port,
      monitor,
      http,
      invalidateCache: (target) => invalidateResponses(responseStore, target, keyIds),
      close(graceMs) {
        closing ??= (async () => {
          await http.close(graceMs ?? serverConfig.drainTimeoutMs ?? 10_000);
          await cleanup();
        })();
        return closing;
      },
    };
  } catch (error) {
    await cleanup();
    throw error;
  }
}

async function openEndpoint(
  name: string,
  endpoint: EndpointConfig,
  env: NodeJS.ProcessEnv,
  loopbacks: LoopbackServer[],
  monitor: PerformanceMonitor,
): Promise<Provider> {
  const keyOf = (variable: string | undefined): string | undefined => {
    if (variable === undefined) return undefined;
    const value = env[variable];
    if (value === undefined || value === '') {
      throw new InvalidConfigError({
        option: `endpoints.${name}.apiKeyEnv`,
        message: `endpoints.${name}.apiKeyEnv: the environment variable ${variable} is not set`,
      });
    }
    return value;
  };
  // The provider options an OpenAI-compatible and an Anthropic endpoint share.
  const remoteOptions = (remote: Extract<EndpointConfig, { apiKeyEnv?: string }>) => {
    const apiKey = keyOf(remote.apiKeyEnv);
    return {
      id: name,
      metrics: monitor,
      ...poolOptions(remote),
      ...(apiKey ? { apiKey } : {}),
      ...(remote.maxInFlight ? { maxInFlight: remote.maxInFlight } : {}),
      ...(remote.timeoutMs ? { timeoutMs: remote.timeoutMs } : {}),
    };
  };
  switch (endpoint.type) {
    case 'loopback': {
      const loopback = await createLoopbackServer({
        recordRequests: 0,
        ...(endpoint.model ? { model: endpoint.model } : {}),
        ...(endpoint.latencyMs === undefined ? {} : { latencyMs: endpoint.latencyMs }),
        ...(endpoint.ttftMs === undefined ? {} : { ttftMs: endpoint.ttftMs }),
        ...(endpoint.chunkGapMs === undefined ? {} : { chunkGapMs: endpoint.chunkGapMs }),
      });
      loopbacks.push(loopback);
      return createOpenAICompatibleProvider({
        baseURL: loopback.baseURL,
        id: name,
        metrics: monitor,
        ...poolOptions(endpoint),
      });
    }
    case 'openai-compatible':
      return createOpenAICompatibleProvider({ baseURL: endpoint.baseURL, ...remoteOptions(endpoint) });
    case 'anthropic':
      return createAnthropicProvider({
        ...(endpoint.baseURL ? { baseURL: endpoint.baseURL } : {}),
        ...remoteOptions(endpoint),
      });
  }
}

/** Refuses a route's request unless it is a POST, with 405 and `Allow: POST`. */
function requirePost(method: string | undefined): void {
  if (method === 'POST') return;
  throw new HttpError({
    status: 405,
    reason: 'method_not_allowed',
    message: 'use POST',
    headers: { allow: 'POST' },
  });
}
