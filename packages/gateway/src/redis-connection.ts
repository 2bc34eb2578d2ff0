import { InvalidConfigError } from '@victor-ai/core';
import { Cluster, Redis } from 'ioredis';
import type { GatewayConfig } from './config/gateway-config.js';

/** A connection the gateway shares limits, budgets and the response cache through: one Redis or a Redis Cluster. */
export type GatewayRedisClient = Redis | Cluster;

/** An open connection and where it points (for logs). */
export interface GatewayRedisConnection {
  client: GatewayRedisClient;
  /** `redis://...` or `cluster 127.0.0.1:7000,...`. */
  where: string;
}

const NODE = /^\[?([^\s\]]+?)\]?:(\d{1,5})$/;

/**
 * `host:port` nodes of a comma-separated list (the value of `redis.clusterEnv`), checked; the error names
 * the variable and the bad node.
 */
export function parseClusterNodes(text: string, source: string): Array<{ host: string; port: number }> {
  const parts = text
    .split(',')
    .map((part) => part.trim())
    .filter((part) => part !== '');
  if (parts.length === 0) {
    throw new InvalidConfigError({
      option: source,
      message: `${source}: expected a comma-separated list of host:port nodes, got ${JSON.stringify(text)}`,
    });
  }
  return parts.map((part, index) => {
    const match = NODE.exec(part);
    const port = Number(match?.[2]);
    if (!match || port < 1 || port > 65_535) {
      throw new InvalidConfigError({
        option: source,
        message: `${source}: node ${index} ${JSON.stringify(part)} is not host:port (port 1-65535)`,
      });
    }
    return { host: match[1]!, port };
  });
}

/**
 * Opens the configured Redis (`redis.url`/`urlEnv`) or Redis Cluster (`redis.cluster`/`clusterEnv`), or
 * nothing when neither is set. Commands fail fast while it is down (no offline queue, `commandTimeoutMs`),
 * so the fail mode decides; it reconnects by itself. Waits up to 2 s for a first connection.
 */
export async function openRedisConnection(
  config: GatewayConfig['redis'],
  env: NodeJS.ProcessEnv,
): Promise<GatewayRedisConnection | undefined> {
  const commandTimeout = config?.commandTimeoutMs ?? 500;
  const clusterText = config?.clusterEnv ? env[config.clusterEnv] : undefined;
  const nodes =
    config?.cluster?.map((node) => parseClusterNodes(node, 'redis.cluster')[0]!) ??
    (clusterText ? parseClusterNodes(clusterText, `redis.clusterEnv (${config!.clusterEnv})`) : undefined);
  let connection: GatewayRedisConnection;
  if (nodes !== undefined) {
    const client = new Cluster(nodes, {
      enableOfflineQueue: false,
      // Commands issued in the same tick (the limiter's of concurrent requests) go out in one write per node.
      enableAutoPipelining: true,
      clusterRetryStrategy: (attempt) => Math.min(1_000, 50 * attempt),
      retryDelayOnFailover: 50,
      retryDelayOnClusterDown: 50,
      retryDelayOnTryAgain: 50,
      slotsRefreshTimeout: Math.max(1_000, commandTimeout),
      redisOptions: {
        maxRetriesPerRequest: 0,
        commandTimeout,
        connectTimeout: Math.max(1_000, commandTimeout),
      },
    });
    connection = { client, where: `cluster ${nodes.map((node) => `${node.host}:${node.port}`).join(',')}` };
  } else {
    const url = config?.url ?? (config?.urlEnv ? env[config.urlEnv] : undefined);
    if (!url) return undefined;
    const client = new Redis(url, {
      enableOfflineQueue: false,
      maxRetriesPerRequest: 0,
      commandTimeout,
      // Commands issued in the same tick (the limiter's of concurrent requests) go out in one write.
      enableAutoPipelining: true,
      retryStrategy: (attempt) => Math.min(1_000, 50 * attempt),
    });
    connection = { client, where: url };
  }
  const { client } = connection;
  client.on('error', () => {});
  await new Promise<void>((resolvePromise) => {
    const done = () => {
      clearTimeout(timer);
      client.off('ready', done);
      resolvePromise();
    };
    const timer = setTimeout(done, 2_000);
    client.once('ready', done);
  });
  return connection;
}
