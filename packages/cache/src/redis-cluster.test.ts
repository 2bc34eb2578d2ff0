import { Cluster, Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { findRedisBinaries, LocalRedisCluster } from '../../../tools/redis-cluster.mjs';
import { cacheBehaviourSuite, cachePairUnderTest } from './__fixtures__/cache-behaviour.js';
import {
  closedAfterEach,
  expectOneComputeForTwoInstances,
  quiet,
  redisCacheOpener,
  redisRequired,
  suiteConnection,
  uniqueNamespace,
} from './__fixtures__/redis.js';
import { clusterNodes, describeWithCluster } from './__fixtures__/redis-cluster.js';
import { MemoryCache } from './memory-cache.js';
import { RedisCache, type RedisCacheOptions } from './redis-cache.js';
import { TieredCache } from './tiered-cache.js';

// RedisCache and TieredCache on a 3-master Redis Cluster (the global setup starts one, or VICTOR_REDIS_CLUSTER
// names one): the same behaviour as on one Redis, keys on one hash-tagged slot per cache, locks and
// single-flight across instances, and invalidations that reach every instance through cluster pub/sub.

describe('RedisCache cluster options', () => {
  it.each([
    [{ name: 'r', cluster: [] }, 'cluster must be a non-empty list of "host:port" nodes, got an array of 0'],
    [
      { name: 'r', cluster: ['127.0.0.1'] },
      'cluster[0] must be a "host:port" node (port 1-65535), got "127.0.0.1"',
    ],
    [
      { name: 'r', cluster: ['a:1', 'b:70000'] },
      'cluster[1] must be a "host:port" node (port 1-65535), got "b:70000"',
    ],
    [{ name: 'r', cluster: [{ host: '', port: 1 }] }, 'cluster[0] must be a "host:port" node'],
    [{ name: 'r', cluster: ['a:1'], url: 'redis://x' }, 'cluster must be left out when url is given'],
  ])('refuses %j', (options, message) => {
    expect(() => new RedisCache(options as RedisCacheOptions)).toThrow(message);
  });

  it('gives the error the InvalidConfigError code', () => {
    expect(() => new RedisCache({ name: 'r', cluster: ['nope'] })).toThrow(
      expect.objectContaining({ code: 'INVALID_CONFIG' }),
    );
  });
});

describeWithCluster('RedisCache on a Redis Cluster', () => {
  const raw = suiteConnection(new Cluster(clusterNodes, { lazyConnect: true }));
  const open = redisCacheOpener(() => ({ name: 'c', cluster: clusterNodes, commandTimeoutMs: 5_000 }));

  describe('Cache behaviour', () => {
    cacheBehaviourSuite((clock) => {
      const options = { cluster: clusterNodes, namespace: uniqueNamespace(), clock, onWarning: quiet };
      return cachePairUnderTest(
        (name) => new RedisCache({ name, commandTimeoutMs: 5_000, ...options }),
        // Connected before the suite's concurrent calls, as a long-running process is.
        (cache) => cache.get('warm-up'),
      );
    });
  });

  it('keeps every key of one cache, tag sets and locks included, on one hash-tagged slot', async () => {
    const cache = open({ namespace: uniqueNamespace(), name: 'resp' });
    expect(cache.isCluster).toBe(true);
    expect(cache.prefix).toMatch(/^\{test-[0-9a-f]{8}:v1:resp\}:$/);
    await cache.set('a', 1, { tags: ['t'] });
    await cache.setMany([
      ['b', 2],
      ['c', 3],
    ]);
    const token = await cache.tryAcquireLock('lock:a', 5_000);
    expect(typeof token).toBe('string');
    const keys = [`${cache.prefix}a`, `${cache.prefix}b`, `${cache.prefix}tag:t`, `${cache.prefix}lock:a`];
    const slots = await Promise.all(keys.map((key) => raw.cluster('KEYSLOT', key)));
    expect(new Set(slots).size).toBe(1);
    expect(await cache.getMany(['a', 'b', 'missing', 'c'])).toEqual([1, 2, undefined, 3]);
    await cache.releaseLock('lock:a', token as string);
  });

  it('spreads different caches over the masters', async () => {
    const slots = new Set<number>();
    for (let index = 0; index < 12; index++) {
      const cache = open({ name: `spread${index}` });
      slots.add(Number(await raw.cluster('KEYSLOT', `${cache.prefix}k`)));
    }
    expect(slots.size).toBeGreaterThan(1);
  });

  it('removes tagged entries with the tag script, and clears only its own keys on every master', async () => {
    const namespace = uniqueNamespace();
    const cache = open({ namespace });
    const neighbour = open({ namespace, name: 'neighbour' });
    await cache.set('a', 'A', { tags: ['x'] });
    await cache.set('b', 'B', { tags: ['x', 'y'] });
    await cache.set('c', 'C', { tags: ['y'] });
    await neighbour.set('a', 'N');
    expect(await cache.invalidateTags(['x'])).toBe(2);
    expect(await cache.getMany(['a', 'b', 'c'])).toEqual([undefined, undefined, 'C']);
    await cache.clear();
    expect(await cache.get('c')).toBeUndefined();
    expect(await neighbour.get('a')).toBe('N');
  });

  it('computes once for two instances (two cluster connections) asking at once', async () => {
    const namespace = uniqueNamespace();
    await expectOneComputeForTwoInstances(open({ namespace }), open({ namespace }));
  });

  it('accepts a Cluster connection of your own and leaves it open', async () => {
    const client = new Cluster(clusterNodes, { enableOfflineQueue: true });
    const cache = new RedisCache({ name: 'own', client, namespace: uniqueNamespace(), onWarning: quiet });
    expect(cache.isCluster).toBe(true);
    await cache.set('k', 'v');
    expect(await cache.get('k')).toBe('v');
    await cache.close();
    expect(await client.ping()).toBe('PONG');
    await client.quit();
  });

  describe('TieredCache', () => {
    const opened = closedAfterEach<TieredCache>();
    function tiered(namespace: string, nodes: string[]): TieredCache {
      const cache = new TieredCache({
        maxStalenessMs: 10_000,
        memory: new MemoryCache({ name: 'tiered-memory' }),
        redis: new RedisCache({
          name: 'tiered',
          cluster: nodes,
          namespace,
          onWarning: quiet,
          commandTimeoutMs: 5_000,
        }),
      });
      opened.push(cache);
      return cache;
    }
    // Each instance lists the nodes in another order, so their subscriptions sit on different nodes.
    const rotated = (by: number) => [...clusterNodes.slice(by), ...clusterNodes.slice(0, by)];

    it('drops keys, tags and everything from the memory tier of every instance on an invalidation', async () => {
      const namespace = uniqueNamespace();
      const instances = [
        tiered(namespace, rotated(0)),
        tiered(namespace, rotated(1)),
        tiered(namespace, rotated(2)),
      ];
      await Promise.all(instances.map((cache) => cache.subscribed));
      const [writer, ...readers] = instances as [TieredCache, ...TieredCache[]];
      await writer.set('k', 'old', { tags: ['t'] });
      await writer.set('j', 'old');
      for (const reader of readers) {
        // A read that crosses the writer's own invalidation message is not promoted: read until one is.
        await vi.waitFor(
          async () => {
            expect(await reader.get('k')).toBe('old');
            expect(await reader.get('j')).toBe('old');
            expect(reader.memory.lookup('k')?.value).toBe('old');
            expect(reader.memory.lookup('j')?.value).toBe('old');
          },
          { timeout: 5_000 },
        );
      }
      await writer.set('k', 'new', { tags: ['t'] });
      for (const reader of readers) {
        await vi.waitFor(() => expect(reader.memory.lookup('k')).toBeUndefined(), { timeout: 5_000 });
        expect(await reader.get('k')).toBe('new');
      }
      await writer.invalidateTags(['t']);
      for (const reader of readers) {
        await vi.waitFor(() => expect(reader.memory.lookup('k')).toBeUndefined(), { timeout: 5_000 });
        expect(await reader.get('k')).toBeUndefined();
      }
      await writer.clear();
      for (const reader of readers) {
        await vi.waitFor(() => expect(reader.memory.lookup('j')).toBeUndefined(), { timeout: 5_000 });
      }
    });

    it('hears an invalidation published on any node of the cluster', async () => {
      const namespace = uniqueNamespace();
      const reader = tiered(namespace, rotated(0));
      await reader.subscribed;
      await reader.set('k', 'v');
      expect(reader.memory.lookup('k')?.value).toBe('v');
      for (const node of clusterNodes) {
        await reader.set('k', 'v');
        const [host, port] = node.split(':');
        const direct = new Redis({ host: host!, port: Number(port) });
        await direct.publish(reader.redis.channel, JSON.stringify({ origin: 'elsewhere', keys: ['k'] }));
        await direct.quit();
        await vi.waitFor(() => expect(reader.memory.lookup('k')).toBeUndefined(), { timeout: 5_000 });
      }
    });

    it('proves the channel with a PING on the subscription connection', async () => {
      const cache = tiered(uniqueNamespace(), rotated(1));
      await cache.subscribed;
      expect(await cache.redis.confirmSubscription(5_000)).toBe(true);
    });
  });
});

const binaries = findRedisBinaries();

// Without redis-server and redis-cli: skipped, unless Redis is required (then starting the cluster fails).
describe.skipIf(binaries.reason !== undefined && !redisRequired)(
  'TieredCache when the node it listens on is lost',
  () => {
    let cluster: LocalRedisCluster;
    const opened: Array<{ close(): Promise<void> }> = [];
    beforeAll(async () => {
      // A private cluster: killing a node of the shared one would disturb the other tests.
      cluster = await LocalRedisCluster.start();
    }, 60_000);
    afterAll(async () => {
      await Promise.all(opened.splice(0).map((cache) => cache.close()));
      await cluster?.stop();
    });

    async function subscribersOn(port: number): Promise<number> {
      const direct = new Redis({ host: '127.0.0.1', port, lazyConnect: true, retryStrategy: () => null });
      direct.on('error', () => {});
      try {
        await direct.connect();
        const reply = (await direct.call('PUBSUB', 'NUMSUB', channel)) as [string, number];
        return Number(reply[1]);
      } catch {
        return 0;
      } finally {
        direct.disconnect();
      }
    }
    let channel = '';

    it('moves its subscription to another node and keeps receiving invalidations', async () => {
      const namespace = uniqueNamespace();
      // The node holding the cache's slot stays up; the reader listens on another one, which is killed.
      const dataPort = await cluster.portOf(`{${namespace}:v1:tiered}:k`);
      const lost = cluster.ports.find((port) => port !== dataPort)!;
      const nodes = [`127.0.0.1:${lost}`, ...cluster.nodes.filter((node) => node !== `127.0.0.1:${lost}`)];
      const redis = () =>
        new RedisCache({
          name: 'tiered',
          cluster: nodes,
          namespace,
          onWarning: quiet,
          commandTimeoutMs: 5_000,
          maxReconnectDelayMs: 50,
        });
      const reader = new TieredCache({
        maxStalenessMs: 1_000,
        memory: new MemoryCache({ name: 'reader-memory' }),
        redis: redis(),
      });
      const writer = new TieredCache({
        subscribe: false,
        memory: new MemoryCache({ name: 'writer-memory' }),
        redis: redis(),
      });
      opened.push(reader, writer);
      channel = reader.redis.channel;
      await reader.subscribed;
      expect(await subscribersOn(lost)).toBe(1);

      await cluster.stopNode(lost);
      // The subscription moves to a node that is up (each reconnection attempt tries the next one).
      await vi.waitFor(
        async () => {
          const counts = await Promise.all(
            cluster.ports.filter((port) => port !== lost).map((port) => subscribersOn(port)),
          );
          expect(counts.reduce((sum, count) => sum + count, 0)).toBe(1);
        },
        { timeout: 15_000, interval: 100 },
      );
      await vi.waitFor(async () => expect(await reader.redis.confirmSubscription(1_000)).toBe(true), {
        timeout: 10_000,
      });
      // Promoted into the reader's memory tier, then replaced by the writer: only the message can tell it.
      await writer.set('k', 'v1');
      await vi.waitFor(
        async () => {
          expect(await reader.get('k')).toBe('v1');
          expect(reader.memory.lookup('k')?.value).toBe('v1');
        },
        { timeout: 5_000 },
      );
      await writer.set('k', 'v2');
      await vi.waitFor(() => expect(reader.memory.lookup('k')).toBeUndefined(), { timeout: 5_000 });
      expect(await reader.get('k')).toBe('v2');
      await cluster.restartNode(lost);
    }, 90_000);
  },
);
