import type { Clock, Tool } from '@victor-ai/core';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { cacheBehaviourSuite, cachePairUnderTest } from './__fixtures__/cache-behaviour.js';
import { CacheProcess } from './__fixtures__/cache-process.js';
import { ManualClock } from './__fixtures__/manual-clock.js';
import {
  closedAfterEach,
  describeWithRedis,
  ownRedisServer,
  proxyToTestRedis,
  quiet,
  redisUrl,
  uniqueNamespace,
} from './__fixtures__/redis.js';
import { MemoryCache } from './memory-cache.js';
import { RedisCache, type RedisCacheOptions } from './redis-cache.js';
import { TieredCache, type TieredCacheOptions } from './tiered-cache.js';
import { ToolResultCache } from './tool-result-cache.js';

/**
 * A TieredCache over the test Redis (or `url`), under a fresh namespace unless one is given: a memory
 * tier `<name>-memory` and a Redis tier `name` (default `tiered`, 5 s command timeout), both on `clock`
 * when one is given. `redis` adds to the Redis tier's options; the rest are the TieredCache's.
 */
function tiered({
  url = redisUrl,
  namespace = uniqueNamespace(),
  name = 'tiered',
  clock,
  redis,
  ...options
}: Partial<Omit<TieredCacheOptions, 'memory' | 'redis'>> & {
  url?: string;
  namespace?: string;
  clock?: Clock;
  redis?: Partial<RedisCacheOptions>;
}): TieredCache {
  const clocked = clock === undefined ? {} : { clock };
  return new TieredCache({
    ...options,
    memory: new MemoryCache({ name: `${name}-memory`, ...clocked }),
    redis: new RedisCache({
      name,
      url,
      namespace,
      onWarning: quiet,
      commandTimeoutMs: 5_000,
      ...clocked,
      ...redis,
    }),
  });
}

/**
 * One "process": its own memory tier and its own Redis connections. The staleness bound is long here, so
 * that a stall of a loaded test machine cannot empty a memory tier these tests look into (the bound has
 * its own tests).
 */
function instance(
  url: string,
  namespace: string,
  commandTimeoutMs = 5_000,
  maxStalenessMs = 10_000,
): TieredCache {
  return tiered({ url, namespace, maxStalenessMs, redis: { commandTimeoutMs, maxReconnectDelayMs: 50 } });
}

describe('TieredCache', () => {
  it('refuses tiers of the wrong kind, naming them', () => {
    expect(() => new TieredCache({ memory: {} as MemoryCache, redis: {} as RedisCache })).toThrow(
      'memory must be a MemoryCache',
    );
  });

  describeWithRedis('against a real redis-server', () => {
    const opened = closedAfterEach<TieredCache>();
    function open(namespace: string): TieredCache {
      const cache = instance(redisUrl, namespace);
      opened.push(cache);
      return cache;
    }

    it('keeps an entry written without a TTL in memory no longer than the Redis tier’s default', async () => {
      const clock = new ManualClock();
      const cache = tiered({ name: 'ttl', clock, redis: { defaultTtlMs: 1_000 } });
      opened.push(cache);
      await cache.set('k', 'v1');
      expect(await cache.get('k')).toBe('v1');
      clock.advance(5_000);
      expect(await cache.get('k')).toBeUndefined();
    });

    describe('Cache behaviour', () => {
      cacheBehaviourSuite((clock) => {
        const namespace = uniqueNamespace();
        return cachePairUnderTest(
          (name) => tiered({ name, namespace, clock }),
          (cache) => cache.subscribed,
        );
      });
    });

    describe('maxStalenessMs', () => {
      it('refuses a bound that is not a positive integer, naming it', () => {
        expect(
          () =>
            new TieredCache({
              memory: new MemoryCache({ name: 'm' }),
              redis: new RedisCache({ name: 'r', url: redisUrl }),
              maxStalenessMs: 0,
              subscribe: false,
            }),
        ).toThrow('maxStalenessMs must be a positive integer, got 0');
      });

      it('skips the memory tier once the channel has not been proven for maxStalenessMs, and drops it when proven again', async () => {
        const clock = new ManualClock();
        const cache = tiered({ name: 'lease', clock, maxStalenessMs: 1_000 });
        opened.push(cache);
        await cache.subscribed;
        await cache.set('k', 1, { ttlMs: 60_000 });
        const redisReads = vi.spyOn(cache.redis, 'getEntry');
        expect(await cache.get('k')).toBe(1);
        expect(redisReads).not.toHaveBeenCalled();
        // No proof for maxStalenessMs (as if every PING since went unanswered): the read goes to Redis.
        clock.advance(1_000);
        expect(await cache.get('k')).toBe(1);
        expect(redisReads).toHaveBeenCalledTimes(1);
        // The next PING answers: whatever the memory tier held from before is dropped, not served again.
        await vi.waitFor(() => expect(cache.memory.size).toBe(0), { timeout: 5_000, interval: 5 });
        expect(await cache.get('k')).toBe(1);
        expect(redisReads).toHaveBeenCalledTimes(2);
        expect(await cache.get('k')).toBe(1);
        expect(redisReads).toHaveBeenCalledTimes(2);
      });

      it('serves the memory tier only once subscribed and proven', async () => {
        const cache = open(uniqueNamespace());
        const redisReads = vi.spyOn(cache.redis, 'getEntry');
        await cache.subscribed;
        await cache.set('k', 'v');
        expect(await cache.get('k')).toBe('v');
        expect(redisReads).not.toHaveBeenCalled();
      });

      it('serves the memory tier without proof when it does not subscribe', async () => {
        const cache = tiered({ name: 'alone', subscribe: false });
        opened.push(cache);
        await cache.set('k', 'v');
        const redisReads = vi.spyOn(cache.redis, 'getEntry');
        expect(await cache.get('k')).toBe('v');
        expect(redisReads).not.toHaveBeenCalled();
      });
    });

    it('promotes what it reads from Redis into the memory tier', async () => {
      const namespace = uniqueNamespace();
      const reader = open(namespace);
      await reader.subscribed;
      // Written by a plain RedisCache, so no invalidation message races the read below.
      const writer = new RedisCache({ name: 'tiered', url: redisUrl, namespace, commandTimeoutMs: 5_000 });
      await writer.set('k', 'v', { ttlMs: 10_000 });
      await writer.close();
      expect(reader.memory.lookup('k')).toBeUndefined();
      expect(await reader.get('k')).toBe('v');
      expect(reader.memory.lookup('k')?.value).toBe('v');
      const redisReads = vi.spyOn(reader.redis, 'getEntry');
      expect(await reader.get('k')).toBe('v');
      expect(redisReads).not.toHaveBeenCalled();
    });

    it('writes through to Redis', async () => {
      const cache = open(uniqueNamespace());
      await cache.subscribed;
      await cache.set('k', { a: 1 });
      expect(await cache.redis.get('k')).toEqual({ a: 1 });
      expect(cache.memory.lookup('k')?.value).toEqual({ a: 1 });
    });

    describe('invalidation across instances (two connections each, as two processes)', () => {
      async function pair(): Promise<[TieredCache, TieredCache]> {
        const namespace = uniqueNamespace();
        const first = open(namespace);
        const second = open(namespace);
        await Promise.all([first.subscribed, second.subscribed]);
        return [first, second];
      }

      it('a write in one drops the other memory copy, so it reads the new value', async () => {
        const [first, second] = await pair();
        await first.set('k', 'old');
        expect(await second.get('k')).toBe('old');
        await first.set('k', 'new');
        await vi.waitFor(() => expect(second.memory.lookup('k')).toBeUndefined(), {
          timeout: 2_000,
          interval: 2,
        });
        expect(await second.get('k')).toBe('new');
      });

      it('a delete in one reaches the other memory tier', async () => {
        const [first, second] = await pair();
        await first.set('k', 'v');
        await second.get('k');
        await first.delete('k');
        await vi.waitFor(async () => expect(await second.get('k')).toBeUndefined(), {
          timeout: 2_000,
          interval: 2,
        });
      });

      it('a tag invalidation in one reaches the other memory tier', async () => {
        const [first, second] = await pair();
        await first.set('a', 1, { tags: ['t'] });
        await first.set('b', 2);
        expect(await second.get('a')).toBe(1);
        expect(await second.get('b')).toBe(2);
        await first.invalidateTags(['t']);
        await vi.waitFor(() => expect(second.memory.lookup('a')).toBeUndefined(), {
          timeout: 2_000,
          interval: 2,
        });
        expect(await second.get('a')).toBeUndefined();
        expect(second.memory.lookup('b')?.value).toBe(2);
      });

      it('a writing tool run through one invalidates a read-only result cached through the other', async () => {
        const [first, second] = await pair();
        const files = new Map([['/repo/a.ts', 'v1']]);
        const read: Tool = {
          definition: { name: 'read_file', description: 'reads', parameters: {}, readOnly: true },
          execute: (args) => files.get(String(args.path)),
        };
        const write: Tool = {
          definition: { name: 'write_file', description: 'writes', parameters: {} },
          execute: (args) => void files.set(String(args.file), String(args.content)),
        };
        const onFirst = new ToolResultCache({ cache: first, rootDir: '/repo' });
        const onSecond = new ToolResultCache({ cache: second, rootDir: '/repo' });
        await onSecond.execute(read, { path: '/repo/a.ts' });
        expect(await onSecond.execute(read, { path: '/repo/a.ts' })).toEqual({ output: 'v1', cached: true });
        await onFirst.execute(write, { file: '/repo/a.ts', content: 'v2' });
        await vi.waitFor(
          async () =>
            expect(await onSecond.execute(read, { path: '/repo/a.ts' })).toEqual({
              output: 'v2',
              cached: false,
            }),
          { timeout: 2_000, interval: 2 },
        );
      });

      it('a clear in one empties the other memory tier', async () => {
        const [first, second] = await pair();
        await first.set('a', 1);
        await second.get('a');
        await first.clear();
        await vi.waitFor(() => expect(second.memory.size).toBe(0), { timeout: 2_000, interval: 2 });
      });
    });
  });

  describeWithRedis('invalidation across two OS processes', () => {
    let child: CacheProcess;
    let parent: TieredCache;
    beforeAll(async () => {
      const namespace = uniqueNamespace();
      child = await CacheProcess.start(redisUrl, namespace);
      parent = instance(redisUrl, namespace);
      await parent.subscribed;
    }, 60_000);
    afterAll(async () => {
      await child?.close();
      await parent?.close();
    });

    it("a write in this process reaches the other process's memory tier", async () => {
      await parent.set('k', 'old');
      expect(await child.get('k')).toBe('old');
      expect(await child.peek('k')).toBe('old');
      await parent.set('k', 'new');
      await vi.waitFor(async () => expect(await child.peek('k')).toBeUndefined(), {
        timeout: 2_000,
        interval: 2,
      });
      expect(await child.get('k')).toBe('new');
    });

    it("a tag invalidation in the other process reaches this process's memory tier", async () => {
      await child.set('x', 'tagged', ['t']);
      await vi.waitFor(
        async () => {
          expect(await parent.get('x')).toBe('tagged');
          expect(parent.memory.lookup('x')?.value).toBe('tagged');
        },
        { timeout: 2_000, interval: 2 },
      );
      expect(await child.invalidateTags(['t'])).toBe(1);
      await vi.waitFor(() => expect(parent.memory.lookup('x')).toBeUndefined(), {
        timeout: 2_000,
        interval: 2,
      });
      expect(await parent.get('x')).toBeUndefined();
    });
  });

  describeWithRedis('when one instance loses its connection', () => {
    const proxy = proxyToTestRedis();
    const opened = closedAfterEach<TieredCache>();
    // Runs before the caches are closed (vitest runs after-hooks last registered first).
    afterEach(() => {
      proxy.restore();
    });

    it('converges with the others once back: lost invalidations are published, local-only writes dropped', async () => {
      const namespace = uniqueNamespace();
      const cut = instance(proxy.url, namespace, 300);
      const other = instance(redisUrl, namespace);
      opened.push(cut, other);
      await Promise.all([cut.subscribed, other.subscribed]);
      await cut.set('k', 'old');
      await cut.set('x', 'tagged', { tags: ['t'] });
      expect(await other.get('k')).toBe('old');
      expect(await other.get('x')).toBe('tagged');

      proxy.blackhole();
      proxy.cut();
      await cut.set('k', 'new');
      await cut.invalidateTags(['t']);
      expect(await cut.get('k')).toBe('new');
      expect(other.memory.lookup('x')?.value).toBe('tagged');

      proxy.restore();
      await vi.waitFor(
        async () => {
          expect(await other.get('x')).toBeUndefined();
          expect(await cut.get('k')).toBe(await other.get('k'));
        },
        { timeout: 5_000, interval: 20 },
      );
    });
  });

  describeWithRedis(
    'when Redis fails',
    () => {
      const server = ownRedisServer();
      const opened = closedAfterEach<TieredCache>();

      it('keeps serving from the memory tier within maxStalenessMs while Redis is down, with no error to callers', async () => {
        // A long bound, so that a slow machine cannot run past it during the test.
        const cache = instance(server.url, uniqueNamespace(), 50, 60_000);
        opened.push(cache);
        await cache.subscribed;
        await cache.set('before', 1);
        await server.stop();
        await expect(cache.set('during', 2)).resolves.toBeUndefined();
        expect(await cache.get('before')).toBe(1);
        expect(await cache.get('during')).toBe(2);
        expect(await cache.get('absent')).toBeUndefined();
        await server.restart();
      });

      it('publishes an invalidation it could not send while Redis was frozen, once Redis answers again', async () => {
        const namespace = uniqueNamespace();
        const first = instance(server.url, namespace, 200);
        const second = instance(server.url, namespace, 200);
        opened.push(first, second);
        await Promise.all([first.subscribed, second.subscribed]);
        await first.set('x', 'tagged', { tags: ['t'] });
        await vi.waitFor(
          async () => {
            expect(await second.get('x')).toBe('tagged');
            expect(second.memory.lookup('x')?.value).toBe('tagged');
          },
          { timeout: 5_000, interval: 20 },
        );
        server.pause();
        await first.invalidateTags(['t']);
        server.resume();
        // Nobody calls the first instance again: its own probe must find Redis back and publish.
        await vi.waitFor(() => expect(second.memory.lookup('x')).toBeUndefined(), {
          timeout: 10_000,
          interval: 20,
        });
        expect(await second.get('x')).toBeUndefined();
      });

      it('empties its memory tier when the subscription comes back, since messages may be lost', async () => {
        const cache = instance(server.url, uniqueNamespace(), 50);
        opened.push(cache);
        await cache.subscribed;
        await cache.set('k', 1);
        await server.stop();
        expect(cache.memory.lookup('k')?.value).toBe(1);
        await server.restart();
        await vi.waitFor(() => expect(cache.memory.size).toBe(0), { timeout: 5_000, interval: 20 });
      });
    },
    { needsBinary: true },
  );
});
