import { readFileSync } from 'node:fs';
import { InvalidConfigError } from '@victor-ai/core';
import { isNode, LineCounter, parseDocument } from 'yaml';
import { z } from 'zod/v4';
import { locateJsonSyntaxError } from '../http/json-syntax-error.js';

const positiveInt = z.number().int().positive();
const name = z.string().regex(/^[A-Za-z0-9_.:-]{1,64}$/, 'must be 1 to 64 letters, digits or _ . : -');
const envName = z.string().regex(/^[A-Za-z_][A-Za-z0-9_]*$/, 'must be an environment variable name');

/** The connection options every endpoint type takes. */
const connectionFields = {
  /** Most TCP connections to the endpoint; default 64 (the gateway's clients share them). */
  connections: positiveInt.optional(),
  /** HTTP/1.1 requests sent on a connection before the first answer; default 1 (no pipelining). */
  pipelining: positiveInt.optional(),
};

/** The options of an endpoint that calls a remote provider (OpenAI-compatible or Anthropic). */
const remoteEndpointFields = {
  /** The upstream model name sent for every route through this endpoint; default the route's `model`. */
  model: z.string().min(1).optional(),
  ...connectionFields,
  maxInFlight: positiveInt.optional(),
  timeoutMs: positiveInt.optional(),
};

const endpointSchema = z.discriminatedUnion('type', [
  z.strictObject({
    type: z.literal('openai-compatible'),
    baseURL: z.url(),
    /** The environment variable holding the key; none for keyless local servers. */
    apiKeyEnv: envName.optional(),
    ...remoteEndpointFields,
  }),
  z.strictObject({
    type: z.literal('anthropic'),
    baseURL: z.url().optional(),
    apiKeyEnv: envName,
    ...remoteEndpointFields,
  }),
  z.strictObject({
    type: z.literal('loopback'),
    /** Model name the loopback model answers with; default `loopback-1`. */
    model: z.string().min(1).optional(),
    latencyMs: z.number().nonnegative().optional(),
    ttftMs: z.number().nonnegative().optional(),
    chunkGapMs: z.number().nonnegative().optional(),
    ...connectionFields,
  }),
]);

const routeTargetSchema = z.union([
  name,
  z.strictObject({ endpoint: name, weight: z.number().positive().optional() }),
]);

const routeSchema = z.strictObject({
  /** The model name clients send. */
  alias: z.string().min(1),
  /** The upstream model name; default the endpoint's `model`, else the alias. */
  model: z.string().min(1).optional(),
  endpoints: z.array(routeTargetSchema).min(1),
  /** Endpoints tried, in order, when every one of `endpoints` failed or has its circuit open. */
  fallbacks: z.array(name).optional(),
  selection: z.enum(['balanced', 'ordered']).optional(),
  maxAttempts: positiveInt.optional(),
  attemptTimeoutMs: positiveInt.optional(),
});

const keySchema = z.strictObject({
  /** Names the key in logs and metrics, and is its tenant (the response cache's scope). */
  id: name,
  /** `sha256:<64 hex digits>` of the key (`victor-gateway hash-key KEY` prints it); the key itself is never stored. */
  hash: z.string().regex(/^sha256:[0-9a-f]{64}$/, 'must be "sha256:" and 64 lower-case hex digits'),
  requestsPerMinute: positiveInt.optional(),
  tokensPerMinute: positiveInt.optional(),
  /** Tokens (prompt + completion, from the provider's usage) per period. */
  budget: z
    .strictObject({ tokens: positiveInt, period: z.enum(['minute', 'hour', 'day', 'month']) })
    .optional(),
  /** Aliases this key may use; default all. */
  models: z.array(z.string().min(1)).optional(),
  /** May call the admin routes (`POST /admin/cache/invalidate`); default false. */
  admin: z.boolean().optional(),
});

const limitsSchema = z.strictObject({
  maxBodyBytes: positiveInt.optional(),
  maxJsonDepth: positiveInt.optional(),
  headersTimeoutMs: positiveInt.optional(),
  requestTimeoutMs: positiveInt.optional(),
  keepAliveTimeoutMs: positiveInt.optional(),
  maxConnections: positiveInt.optional(),
  maxRequestsInFlight: positiveInt.optional(),
  retryAfterSeconds: positiveInt.optional(),
  allowedHosts: z.union([z.literal('*'), z.array(z.string().min(1))]).optional(),
  cors: z
    .strictObject({
      origins: z.union([z.literal('*'), z.array(z.string().min(1))]),
      maxAgeSeconds: positiveInt.optional(),
    })
    .optional(),
  closeLingerMs: positiveInt.optional(),
});

const redisSchema = z.strictObject({
  /** A Redis URL, or the environment variable holding one (`urlEnv`); without either, Redis is off. */
  url: z
    .string()
    .regex(/^rediss?:\/\//, 'must start with redis:// or rediss://')
    .optional(),
  urlEnv: envName.optional(),
  /**
   * Redis Cluster nodes (`host:port`, a few masters are enough), or the environment variable holding a
   * comma-separated list of them (`clusterEnv`), instead of `url`/`urlEnv`.
   */
  cluster: z
    .array(z.string().regex(/^\[?[^\s\]]+?\]?:\d{1,5}$/, 'must be host:port'))
    .min(1)
    .optional(),
  clusterEnv: envName.optional(),
  /** First part of every key; default `victor-gateway`. */
  keyPrefix: z.string().min(1).optional(),
  /** Longest wait for one Redis command before the fail mode decides; default 500 ms. */
  commandTimeoutMs: positiveInt.optional(),
});

/** The gateway configuration file, validated. */
export const gatewayConfigSchema = z
  .strictObject({
    server: z
      .strictObject({
        host: z.string().min(1).optional(),
        port: z.number().int().min(0).max(65_535).optional(),
        /** How long SIGTERM waits for requests in flight (streams included); default 10,000 ms. */
        drainTimeoutMs: positiveInt.optional(),
        limits: limitsSchema.optional(),
      })
      .optional(),
    redis: redisSchema.optional(),
    endpoints: z.record(name, endpointSchema),
    routes: z.array(routeSchema).min(1),
    /** API keys; without any, every request is refused with 401. */
    keys: z.array(keySchema),
    rateLimits: z
      .strictObject({
        /** `redis` shares limits and budgets across processes; default `redis` when Redis is configured. */
        store: z.enum(['memory', 'redis']).optional(),
        /** When Redis is down: `open` lets requests through, `closed` refuses them with 503; default `open`. */
        failMode: z.enum(['open', 'closed']).optional(),
        /**
         * Output tokens a request without `max_tokens` reserves against token limits and budgets until its
         * usage is known; default 4,096.
         */
        reserveOutputTokens: positiveInt.optional(),
      })
      .optional(),
    cache: z
      .strictObject({
        /** `tiered`: a memory tier per process in front of Redis, invalidated across processes by pub/sub. */
        type: z.enum(['none', 'memory', 'redis', 'tiered']),
        ttlMs: positiveInt.optional(),
        maxEntries: positiveInt.optional(),
        /** `tiered`: longest time a memory tier is served without proof that invalidations arrive; default 1,000 ms. */
        maxStalenessMs: positiveInt.optional(),
      })
      .optional(),
    metrics: z.strictObject({ enabled: z.boolean().optional() }).optional(),
    logging: z.strictObject({ level: z.enum(['silent', 'error', 'info']).optional() }).optional(),
  })
  .superRefine((config, context) => {
    const refuse = (path: Array<string | number>, message: string) =>
      context.addIssue({ code: 'custom', path, message });
    const endpoints = new Set(Object.keys(config.endpoints));
    const knownEndpoint = (endpoint: string, path: Array<string | number>) => {
      if (!endpoints.has(endpoint)) refuse(path, `unknown endpoint "${endpoint}"`);
    };
    const aliases = new Set<string>();
    config.routes.forEach((route, index) => {
      if (aliases.has(route.alias)) refuse(['routes', index, 'alias'], `duplicate alias "${route.alias}"`);
      aliases.add(route.alias);
      route.endpoints.forEach((target, targetIndex) => {
        const endpoint = typeof target === 'string' ? target : target.endpoint;
        knownEndpoint(endpoint, ['routes', index, 'endpoints', targetIndex]);
      });
      (route.fallbacks ?? []).forEach((endpoint, fallbackIndex) => {
        knownEndpoint(endpoint, ['routes', index, 'fallbacks', fallbackIndex]);
      });
    });
    const ids = new Set<string>();
    const hashes = new Set<string>();
    config.keys.forEach((key, index) => {
      if (ids.has(key.id)) refuse(['keys', index, 'id'], `duplicate key id "${key.id}"`);
      if (hashes.has(key.hash)) refuse(['keys', index, 'hash'], 'duplicate key hash');
      ids.add(key.id);
      hashes.add(key.hash);
      (key.models ?? []).forEach((model, modelIndex) => {
        if (!aliases.has(model))
          refuse(['keys', index, 'models', modelIndex], `unknown route alias "${model}"`);
      });
    });
    const redisNeeded =
      config.rateLimits?.store === 'redis' ||
      config.cache?.type === 'redis' ||
      config.cache?.type === 'tiered'
        ? config.rateLimits?.store === 'redis'
          ? ['rateLimits', 'store']
          : ['cache', 'type']
        : undefined;
    const redis = config.redis;
    const hasCluster = redis?.cluster !== undefined || redis?.clusterEnv !== undefined;
    if (redisNeeded && !redis?.url && !redis?.urlEnv && !hasCluster) {
      refuse(
        redisNeeded,
        `"${config.cache?.type === 'tiered' && redisNeeded[0] === 'cache' ? 'tiered' : 'redis'}" needs redis.url or redis.urlEnv (one Redis), or redis.cluster or redis.clusterEnv (a Redis Cluster)`,
      );
    }
    if (hasCluster && (redis?.url !== undefined || redis?.urlEnv !== undefined)) {
      refuse(
        ['redis', redis?.cluster !== undefined ? 'cluster' : 'clusterEnv'],
        'give either redis.url/urlEnv (one Redis) or redis.cluster/clusterEnv (a Redis Cluster), not both',
      );
    }
    if (redis?.cluster !== undefined && redis.clusterEnv !== undefined) {
      refuse(['redis', 'clusterEnv'], 'give either redis.cluster or redis.clusterEnv, not both');
    }
  });

/** A gateway configuration, as `loadGatewayConfig` returns it. */
export type GatewayConfig = z.infer<typeof gatewayConfigSchema>;

/** One endpoint of the configuration. */
export type EndpointConfig = GatewayConfig['endpoints'][string];

/** One route of the configuration. */
export type RouteConfig = GatewayConfig['routes'][number];

/** One API key of the configuration. */
export type KeyConfig = GatewayConfig['keys'][number];

/** `routes[2].fallbacks[0]` for zod's `['routes', 2, 'fallbacks', 0]`. */
export function formatConfigPath(path: readonly PropertyKey[]): string {
  let text = '';
  for (const part of path) {
    if (typeof part === 'number') text += `[${part}]`;
    else text += text === '' ? String(part) : `.${String(part)}`;
  }
  return text === '' ? '(the file)' : text;
}

/**
 * Validates a parsed configuration; throws `InvalidConfigError` whose message lists every problem as
 * `path: problem` (`routes[2].fallbacks[0]: unknown endpoint "x"`). `locate`, when given, adds where a
 * path is in the source (` (line 12, column 5)`).
 */
export function parseGatewayConfig(
  value: unknown,
  source = 'the configuration',
  locate?: (path: readonly PropertyKey[]) => string,
): GatewayConfig {
  const parsed = gatewayConfigSchema.safeParse(value);
  if (parsed.success) return parsed.data;
  const problems = parsed.error.issues.map(
    (issue) => `${formatConfigPath(issue.path)}: ${issue.message}${locate ? locate(issue.path) : ''}`,
  );
  throw new InvalidConfigError({
    option: formatConfigPath(parsed.error.issues[0]!.path),
    message: `${source} is not valid:\n  ${problems.join('\n  ')}`,
  });
}

/** True when `file` names a YAML file (`.yaml` or `.yml`); every other name is read as JSON. */
export function isYamlConfigFile(file: string): boolean {
  return /\.ya?ml$/i.test(file);
}

/**
 * Parses and validates a YAML configuration text (YAML 1.2, one document, no custom tags): a syntax
 * error throws `InvalidConfigError` with its line and column; a schema error names the path, and the line.
 */
export function parseGatewayConfigYaml(text: string, source = 'the configuration'): GatewayConfig {
  const lineCounter = new LineCounter();
  const document = parseDocument(text, { lineCounter, prettyErrors: false, uniqueKeys: true });
  const firstError = document.errors[0];
  if (firstError) {
    const where = lineCounter.linePos(firstError.pos[0]);
    const detail = firstError.message.split('\n')[0];
    throw new InvalidConfigError({
      option: 'config',
      message: `${source} is not valid YAML: ${detail} at line ${where.line}, column ${where.col}`,
      cause: firstError,
    });
  }
  const locate = (path: readonly PropertyKey[]): string => {
    // The deepest node of the path that exists (a missing key points at its parent).
    for (let length = path.length; length >= 0; length--) {
      const node = length === 0 ? document.contents : document.getIn(path.slice(0, length), true);
      if (isNode(node) && node.range) {
        const where = lineCounter.linePos(node.range[0]);
        return ` (line ${where.line}, column ${where.col})`;
      }
    }
    return '';
  };
  let value: unknown;
  try {
    value = document.toJS({ maxAliasCount: 100 });
  } catch (error) {
    // yaml resolves aliases here, not while parsing: an alias to no anchor, or more alias expansions than
    // `maxAliasCount` (a "billion laughs" text), throws a plain ReferenceError.
    throw new InvalidConfigError({
      option: 'config',
      message: `${source} is not valid YAML: ${error instanceof Error ? error.message : String(error)}`,
      cause: error,
    });
  }
  return parseGatewayConfig(value, source, locate);
}

/**
 * Reads and validates a configuration file, JSON or YAML (by its extension, `.yaml`/`.yml`); throws
 * `InvalidConfigError` naming the file and the path (and for YAML, the line).
 */
export function loadGatewayConfig(file: string): GatewayConfig {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (error) {
    throw new InvalidConfigError({
      option: 'config',
      message: `cannot read the configuration file ${file}: ${error instanceof Error ? error.message : String(error)}`,
      cause: error,
    });
  }
  if (isYamlConfigFile(file)) return parseGatewayConfigYaml(text, file);
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (error) {
    const where = locateJsonSyntaxError(text);
    const detail = where
      ? `expected ${where.expected} at line ${where.line}, column ${where.column}`
      : error instanceof Error
        ? error.message
        : String(error);
    throw new InvalidConfigError({
      option: 'config',
      message: `${file} is not valid JSON: ${detail}`,
      cause: error,
    });
  }
  return parseGatewayConfig(value, file);
}
