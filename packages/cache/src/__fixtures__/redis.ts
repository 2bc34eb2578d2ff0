import { randomUUID } from 'node:crypto';
import type { Cluster, Redis } from 'ioredis';
import { afterAll, afterEach, beforeAll, describe, expect, inject, it } from 'vitest';
import { RedisCache, type RedisCacheOptions } from '../redis-cache.js';
import { RedisServerProcess } from './redis-server.js';
import { TcpProxy } from './tcp-proxy.js';

/** URL of the test Redis, or '' when none could be had. */
export const redisUrl = inject('redisUrl');
/** Path of redis-server for tests that start, stop and pause their own server, or ''. */
export const redisServerBinary = inject('redisServerBinary');
const reason = inject('redisUnavailableReason');
/** CI (VICTOR_REQUIRE_REDIS=1 or CI=true) must run the Redis suites: a missing Redis fails instead of skipping. */
export const redisRequired = process.env.VICTOR_REQUIRE_REDIS === '1' || process.env.CI === 'true';

/**
 * `describe` for suites that need a Redis: skipped, loudly, when there is none, except when Redis is
 * required, where one failing test says why.
 */
export function describeWithRedis(
  name: string,
  body: () => void,
  options: { needsBinary?: boolean } = {},
): void {
  const missing =
    redisUrl === ''
      ? reason
      : options.needsBinary && redisServerBinary === ''
        ? 'redis-server is not installed'
        : '';
  if (missing !== '' && redisRequired) {
    describe(name, () => {
      it('needs Redis, which CI requires', () => {
        throw new Error(`Redis is required (VICTOR_REQUIRE_REDIS=1 or CI=true) but unavailable: ${missing}`);
      });
    });
    return;
  }
  if (missing !== '') {
    console.warn(`\n*** SKIPPING "${name}": no Redis (${missing}) ***\n`);
  }
  describe.skipIf(missing !== '')(name, body);
}

/** A namespace no other test uses, so test files can share one Redis. */
export function uniqueNamespace(): string {
  return `test-${randomUUID().slice(0, 8)}`;
}

/** A warning handler that drops the warnings (outages are what these tests cause on purpose). */
export const quiet = (): void => {};

/** Something a test opens and must close. */
export interface Closable {
  close(): Promise<void>;
}

/** A list to push what a test opens onto: everything on it is closed after each test of the suite. */
export function closedAfterEach<T extends Closable>(): T[] {
  const opened: T[] = [];
  afterEach(async () => {
    await Promise.all(opened.splice(0).map((cache) => cache.close()));
  });
  return opened;
}

/**
 * A connection of the suite's own, to look into Redis with: give it `lazyConnect: true` (it connects on
 * its first command, so a skipped suite opens nothing); it is closed after the suite's tests.
 */
export function suiteConnection<Connection extends Redis | Cluster>(connection: Connection): Connection {
  afterAll(async () => {
    if (connection.status === 'ready') await connection.quit();
    else connection.disconnect();
  });
  return connection;
}

/**
 * Opens `RedisCache`s for the tests of a suite, each under a fresh namespace, with warnings dropped, then
 * `defaults()` (read when a cache is opened, so it may name a server started in `beforeAll`) and the
 * test's own options; every one is closed after the test that opened it.
 */
export function redisCacheOpener(
  defaults: () => RedisCacheOptions,
): (options?: Partial<RedisCacheOptions>) => RedisCache {
  const opened = closedAfterEach<RedisCache>();
  return (options = {}) => {
    const cache = new RedisCache({
      namespace: uniqueNamespace(),
      onWarning: quiet,
      ...defaults(),
      ...options,
    });
    opened.push(cache);
    return cache;
  };
}

/**
 * A redis-server of the suite's own, for tests that pause, stop and restart it: started before the
 * suite's tests, resumed and stopped after them (after the suite's own `afterAll` hooks).
 */
export function ownRedisServer(): RedisServerProcess {
  const server = new RedisServerProcess(redisServerBinary);
  beforeAll(() => server.listen());
  afterAll(async () => {
    server.resume();
    await server.stop();
  });
  return server;
}

/**
 * A `TcpProxy` in front of the test Redis, to break the network of the suite's tests: listening before
 * them, closed after them. Restore it after each test, before the caches it carries are closed.
 */
export function proxyToTestRedis(): TcpProxy {
  const proxy = new TcpProxy(Number(new URL(redisUrl || 'redis://127.0.0.1').port || 6379));
  beforeAll(() => proxy.listen());
  afterAll(() => proxy.close());
  return proxy;
}

/** Two instances of one cache (two connections) ask for one key at once: `compute` runs once for both. */
export async function expectOneComputeForTwoInstances(
  first: Pick<RedisCache, 'getOrCompute'>,
  second: Pick<RedisCache, 'getOrCompute'>,
): Promise<void> {
  let calls = 0;
  const compute = async () => {
    calls++;
    await new Promise((resolve) => setTimeout(resolve, 50));
    return 'value';
  };
  const results = await Promise.all([
    first.getOrCompute('k', compute, { lock: { pollMs: 5 } }),
    second.getOrCompute('k', compute, { lock: { pollMs: 5 } }),
  ]);
  expect(results).toEqual(['value', 'value']);
  expect(calls).toBe(1);
}
