import type { TestProject } from 'vitest/node';
import { findRedisServer } from '../../../../tools/redis-cluster.mjs';
import { RedisServerProcess } from './redis-server.js';

declare module 'vitest' {
  export interface ProvidedContext {
    /** URL of the Redis the tests use, or '' when there is none. */
    redisUrl: string;
    /** Why there is no Redis, when there is none. */
    redisUnavailableReason: string;
    /** Path of redis-server, or '' (fault tests start their own server with it). */
    redisServerBinary: string;
  }
}

/** Provides a Redis URL: VICTOR_REDIS_URL (or REDIS_URL), or a redis-server started here and stopped after the run. */
export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  const binary = findRedisServer() ?? '';
  project.provide('redisServerBinary', binary);
  const fromEnvironment = process.env.VICTOR_REDIS_URL ?? process.env.REDIS_URL;
  if (fromEnvironment) {
    project.provide('redisUrl', fromEnvironment);
    project.provide('redisUnavailableReason', '');
    return async () => {};
  }
  if (binary === '') {
    project.provide('redisUrl', '');
    project.provide(
      'redisUnavailableReason',
      'VICTOR_REDIS_URL is not set and redis-server is not installed (apt-get install redis-server)',
    );
    return async () => {};
  }
  let server: RedisServerProcess;
  try {
    server = await RedisServerProcess.start(binary);
  } catch (error) {
    project.provide('redisUrl', '');
    project.provide('redisUnavailableReason', `could not start redis-server: ${String(error)}`);
    return async () => {};
  }
  project.provide('redisUrl', server.url);
  project.provide('redisUnavailableReason', '');
  return () => server.stop();
}
