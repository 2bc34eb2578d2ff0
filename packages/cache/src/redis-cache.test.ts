import { Redis } from 'ioredis';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { cacheBehaviourSuite, cachePairUnderTest } from './__fixtures__/cache-behaviour.js';
import { ManualClock } from './__fixtures__/manual-clock.js';
import { RecordingMetrics } from './__fixtures__/recording-metrics.js';
import {
  describeWithRedis,
  expectOneComputeForTwoInstances,
  ownRedisServer,
  proxyToTestRedis,
  quiet,
  redisCacheOpener,
  redisUrl,
  suiteConnection,
  uniqueNamespace,
} from './__fixtures__/redis.js';
import { getOrCompute } from './get-or-compute.js';
import { RedisCache } from './redis-cache.js';

/** Opens caches named `name` on `url()`, which the suite breaks: short command timeouts, fast reconnection. */
function breakableCacheOpener(name: string, url: () => string, commandTimeoutMs: number) {
  return redisCacheOpener(() => ({ name, url: url(), commandTimeoutMs, maxReconnectDelayMs: 50 }));
}

describe('RedisCache', () => {
  describe('options', () => {
    it.each([
      [{ name: 'r', url: 'http://x' }, 'url must be a redis:// or rediss:// URL, got "http://x"'],
      [{ name: 'r', commandTimeoutMs: 0 }, 'commandTimeoutMs must be a positive integer, got 0'],
      [{ name: 'r', namespace: 'a b' }, 'namespace must be'],
      [{ name: 'r', version: 'x/y' }, 'version must be'],
      [
        { name: 'r', defaultTtlMs: Number.POSITIVE_INFINITY },
        'defaultTtlMs must be a positive finite number',
      ],
    ])('refuses %j with a message naming the option', (options, message) => {
      expect(() => new RedisCache(options)).toThrow(message);
    });
  });

  describeWithRedis('against a real redis-server', () => {
    const raw = suiteConnection(new Redis(redisUrl, { lazyConnect: true }));
    const open = redisCacheOpener(() => ({ name: 'c', url: redisUrl, commandTimeoutMs: 5_000 }));

    describe('Cache behaviour', () => {
      cacheBehaviourSuite((clock) => {
        const namespace = uniqueNamespace();
        // Generous timeouts: a loaded CI machine must not turn a slow write into a skipped one here.
        return cachePairUnderTest(
          (name) =>
            new RedisCache({
              name,
              url: redisUrl,
              namespace,
              clock,
              onWarning: quiet,
              commandTimeoutMs: 5_000,
            }),
        );
      });
    });

    it('writes keys under <namespace>:v<version>:<name>: with the TTL as PX', async () => {
      const cache = open({ namespace: 'layout-test', version: 7, name: 'resp' });
      await cache.set('k', { a: 1 }, { ttlMs: 5_000, staleWhileRevalidateMs: 1_000 });
      const pttl = await raw.pttl('layout-test:v7:resp:k');
      expect(pttl).toBeGreaterThan(5_000);
      expect(pttl).toBeLessThanOrEqual(6_000);
      await cache.clear();
    });

    it('does not read entries written under another version', async () => {
      const namespace = uniqueNamespace();
      const v1 = open({ namespace, version: 1 });
      const v2 = open({ namespace, version: 2 });
      await v1.set('k', 'one');
      expect(await v2.get('k')).toBeUndefined();
      expect(await v1.get('k')).toBe('one');
    });

    it('reads many keys in one MGET and writes many in one pipeline', async () => {
      const cache = open();
      await cache.setMany([
        ['a', 1],
        ['b', 2],
      ]);
      const spy = vi.spyOn(cache.client, 'mget');
      expect(await cache.getMany(['a', 'missing', 'b'])).toEqual([1, undefined, 2]);
      expect(spy).toHaveBeenCalledTimes(1);
      expect(await cache.getMany([])).toEqual([]);
    });

    it('stores the other entries of a setMany whose one value has no JSON form, and stays available', async () => {
      const metrics = new RecordingMetrics();
      const warnings: string[] = [];
      const cache = open({ name: 'many', metrics, onWarning: (message) => warnings.push(message) });
      await cache.set('big', 'old');
      const stored = await cache.setMany([
        ['a', 1],
        ['big', 10n],
        ['b', 2],
      ]);
      expect(cache.available).toBe(true);
      // The old value of the entry that could not be written is gone, not left behind.
      expect(await cache.getMany(['a', 'big', 'b'])).toEqual([1, undefined, 2]);
      expect(stored).toBe(2);
      expect(metrics.total('victor_cache_errors_total', { operation: 'encode' })).toBe(1);
      expect(metrics.total('victor_cache_errors_total', { operation: 'set' })).toBe(0);
      expect(warnings).toHaveLength(1);
      expect(warnings[0]).toContain('["big"]');
    });

    it('deletes the old value of a set whose value has no JSON form', async () => {
      const cache = open();
      await cache.set('k', 'old');
      expect(await cache.store('k', { n: 1n })).toBe(false);
      expect(await cache.get('k')).toBeUndefined();
      expect(cache.available).toBe(true);
    });

    it('gives a lock to one holder at a time, and back after release', async () => {
      const first = open();
      const second = open({ namespace: first.prefix.split(':')[0] });
      const token = await first.tryAcquireLock('lock:k', 5_000);
      expect(typeof token).toBe('string');
      expect(await second.tryAcquireLock('lock:k', 5_000)).toBe(false);
      await second.releaseLock('lock:k', 'not-the-token');
      expect(await second.tryAcquireLock('lock:k', 5_000)).toBe(false);
      await first.releaseLock('lock:k', token as string);
      expect(typeof (await second.tryAcquireLock('lock:k', 5_000))).toBe('string');
    });

    describe('getOrCompute across instances', () => {
      it('computes once for two instances (two connections) asking at once', async () => {
        const namespace = uniqueNamespace();
        await expectOneComputeForTwoInstances(open({ namespace }), open({ namespace }));
      });

      it('computes by itself once the lock holder takes longer than waitMs', async () => {
        const namespace = uniqueNamespace();
        const holder = open({ namespace });
        const waiter = open({ namespace });
        await holder.tryAcquireLock('lock:k', 60_000);
        let calls = 0;
        const value = await getOrCompute(waiter, 'k', () => ++calls, { lock: { waitMs: 30, pollMs: 5 } });
        expect(value).toBe(1);
        expect(calls).toBe(1);
      });

      it('takes over when the holder lets go of the lock without a value', async () => {
        const namespace = uniqueNamespace();
        const holder = open({ namespace });
        const waiter = open({ namespace });
        const token = await holder.tryAcquireLock('lock:k', 60_000);
        const waiting = getOrCompute(waiter, 'k', () => 'mine', { lock: { waitMs: 10_000, pollMs: 5 } });
        await new Promise((resolve) => setTimeout(resolve, 20));
        await holder.releaseLock('lock:k', token as string);
        await expect(waiting).resolves.toBe('mine');
      });
    });
  });

  describeWithRedis(
    'when Redis fails',
    () => {
      const server = ownRedisServer();
      const open = breakableCacheOpener('fault', () => server.url, 50);
      // Runs before the caches are closed (vitest runs after-hooks last registered first).
      afterEach(() => {
        server.resume();
      });

      it('resolves misses and skips writes against a closed port, with one warning and an error metric', async () => {
        const warnings: string[] = [];
        const metrics = new RecordingMetrics();
        const cache = open({
          url: 'redis://127.0.0.1:1',
          onWarning: (message) => warnings.push(message),
          metrics,
        });
        for (let i = 0; i < 5; i++) {
          await expect(cache.set('k', i)).resolves.toBeUndefined();
          await expect(cache.get('k')).resolves.toBeUndefined();
          await expect(cache.getMany(['k'])).resolves.toEqual([undefined]);
          await expect(cache.invalidateTags(['t'])).resolves.toBe(0);
          await expect(cache.delete('k')).resolves.toBe(false);
        }
        expect(warnings).toHaveLength(1);
        expect(warnings[0]).toContain('"fault" is unavailable');
        expect(
          metrics.total('victor_cache_errors_total', { cache: 'fault', tier: 'redis' }),
        ).toBeGreaterThanOrEqual(25);
        expect(metrics.gauges.get('victor_cache_available{cache="fault",tier="redis"}')).toBe(0);
        expect(cache.available).toBe(false);
      });

      /** Writes until the entry reads back: on a loaded machine a 50 ms command can time out. */
      async function ensure(cache: RedisCache, key: string, value: unknown, tags?: string[]): Promise<void> {
        await vi.waitFor(
          async () => {
            await cache.set(key, value, tags ? { tags } : {});
            expect(await cache.get(key)).toEqual(value);
          },
          { timeout: 5_000, interval: 10 },
        );
      }

      it('times out commands on a frozen server and answers as misses', async () => {
        const metrics = new RecordingMetrics();
        const cache = open({ metrics, commandTimeoutMs: 200 });
        await ensure(cache, 'k', 'v');
        const errorsBefore = metrics.total('victor_cache_errors_total');
        server.pause();
        await expect(cache.get('k')).resolves.toBeUndefined();
        await expect(cache.set('k2', 'v')).resolves.toBeUndefined();
        expect(metrics.total('victor_cache_errors_total', { operation: 'get' })).toBeGreaterThanOrEqual(1);
        expect(metrics.total('victor_cache_errors_total', { operation: 'set' })).toBeGreaterThanOrEqual(1);
        expect(metrics.total('victor_cache_errors_total') - errorsBefore).toBe(2);
        server.resume();
        await vi.waitFor(async () => expect(await cache.get('k')).toBe('v'), {
          timeout: 5_000,
          interval: 20,
        });
      });

      it('lets no error reach callers while Redis stops mid-run, and hits again once it is back', async () => {
        const cache = open();
        const errors: unknown[] = [];
        const run = async (round: number) => {
          try {
            await cache.set(`k${round % 5}`, round);
            await cache.get(`k${round % 5}`);
            await cache.getOrCompute(`c${round % 3}`, () => round);
            await cache.invalidateTags([`t${round}`]);
          } catch (error) {
            errors.push(error);
          }
        };
        for (let round = 0; round < 20; round++) await run(round);
        await server.stop();
        for (let round = 20; round < 40; round++) await run(round);
        expect(await cache.get('k0')).toBeUndefined();
        await server.restart();
        await vi.waitFor(
          async () => {
            await cache.set('back', 'yes');
            expect(await cache.get('back')).toBe('yes');
          },
          { timeout: 5_000, interval: 25 },
        );
        expect(errors).toEqual([]);
        expect(cache.available).toBe(true);
      });

      it('sends deletes and tag invalidations made while Redis was away once it is back', async () => {
        const cache = open();
        await ensure(cache, 'k', 'old', ['t']);
        await ensure(cache, 'j', 'old');
        server.pause();
        await cache.invalidateTags(['t']);
        await cache.delete('j');
        // The server was only frozen, so the entries are still in it; the lost commands must be sent again.
        server.resume();
        await vi.waitFor(
          async () => {
            expect(await cache.get('k')).toBeUndefined();
            expect(await cache.get('j')).toBeUndefined();
          },
          { timeout: 5_000, interval: 20 },
        );
      });
    },
    { needsBinary: true },
  );

  describeWithRedis('when the network to Redis breaks', () => {
    const raw = suiteConnection(new Redis(redisUrl, { lazyConnect: true }));
    const proxy = proxyToTestRedis();
    const open = breakableCacheOpener('network', () => proxy.url, 300);
    // Runs before the caches are closed (vitest runs after-hooks last registered first).
    afterEach(() => {
      proxy.restore();
    });

    it('sends deletes and tag invalidations lost with the connection before anything else once back', async () => {
      const cache = open({ failFastMs: 0 });
      await cache.set('k', 'old', { tags: ['t'] });
      await cache.set('j', 'old');
      expect(await cache.get('k')).toBe('old');
      proxy.blackhole();
      expect(await cache.invalidateTags(['t'])).toBe(0);
      expect(await cache.delete('j')).toBe(false);
      proxy.cut();
      // The commands never reached Redis: the entries are still there.
      expect(await raw.exists(`${cache.prefix}k`, `${cache.prefix}j`)).toBe(2);
      // Let the client see the cut before the network comes back; otherwise a read may still go out on the
      // old, dead socket (and rightly fail as a miss) before the client notices and reconnects.
      await vi.waitFor(() => expect(cache.client.status).not.toBe('ready'), { timeout: 5_000, interval: 5 });
      proxy.restore();
      await vi.waitFor(() => expect(cache.client.status).toBe('ready'), { timeout: 5_000, interval: 10 });
      // The first read after the reconnection already sees them gone.
      expect(await cache.get('k')).toBeUndefined();
      expect(await cache.get('j')).toBeUndefined();
      expect(await raw.exists(`${cache.prefix}k`, `${cache.prefix}j`)).toBe(0);
    });

    it('deletes the old values of a setMany lost with the connection before anything else once back', async () => {
      const cache = open({ failFastMs: 0 });
      await cache.set('a', 'old');
      await cache.set('b', 'old');
      proxy.blackhole();
      const stored = await cache.setMany([
        ['a', 'new'],
        ['b', 'new'],
      ]);
      proxy.cut();
      expect(await raw.exists(`${cache.prefix}a`, `${cache.prefix}b`)).toBe(2);
      await vi.waitFor(() => expect(cache.client.status).not.toBe('ready'), { timeout: 5_000, interval: 5 });
      proxy.restore();
      await vi.waitFor(() => expect(cache.client.status).toBe('ready'), { timeout: 5_000, interval: 10 });
      expect(await cache.getMany(['a', 'b'])).toEqual([undefined, undefined]);
      expect(await raw.exists(`${cache.prefix}a`, `${cache.prefix}b`)).toBe(0);
      expect(stored).toBe(0);
    });

    it('answers at once for failFastMs after a timeout instead of sending more commands', async () => {
      const cache = open({ failFastMs: 60_000 });
      await cache.set('k', 'v');
      proxy.blackhole();
      expect(await cache.get('k')).toBeUndefined();
      proxy.restore();
      const sent = vi.spyOn(cache.client, 'get');
      expect(await cache.get('k')).toBeUndefined();
      expect(sent).not.toHaveBeenCalled();
      expect(cache.stats().errors).toBe(2);
    });
  });

  describe('clock', () => {
    it('judges freshness by epochMs of its clock', () => {
      const clock = new ManualClock();
      expect(clock.epochMs()).toBeGreaterThan(0);
    });
  });
});

describeWithRedis('RedisCache stats', () => {
  it('counts hits, misses and stale hits under tier="redis"', async () => {
    const clock = new ManualClock();
    const metrics = new RecordingMetrics();
    const cache = new RedisCache({
      name: 'stats',
      url: redisUrl,
      namespace: uniqueNamespace(),
      clock,
      metrics,
      commandTimeoutMs: 5_000,
      onWarning: quiet,
    });
    try {
      await cache.set('k', 1, { ttlMs: 10, staleWhileRevalidateMs: 10_000 });
      await cache.get('k');
      await cache.get('absent');
      clock.advance(20);
      await cache.get('k');
      await cache.getEntry('k');
      expect(cache.stats()).toEqual({ hits: 1, misses: 2, staleHits: 1, evictions: 0, errors: 0 });
      expect(metrics.counters.get('victor_cache_hits_total{cache="stats",tier="redis"}')).toBe(1);
      expect(metrics.counters.get('victor_cache_stale_hits_total{cache="stats",tier="redis"}')).toBe(1);
    } finally {
      await cache.clear();
      await cache.close();
    }
  });
});
