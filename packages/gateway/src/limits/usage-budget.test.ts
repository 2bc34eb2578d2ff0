import { randomUUID } from 'node:crypto';
import { Redis } from 'ioredis';
import { afterAll, describe, expect, it } from 'vitest';
import {
  createMemoryUsageBudgetStore,
  createRedisUsageBudgetStore,
  type UsageBudgetStore,
} from './usage-budget.js';

const REDIS_URL = process.env.VICTOR_REDIS_URL;
if (!REDIS_URL)
  console.warn('\n*** SKIPPING the Redis usage budget tests: VICTOR_REDIS_URL is not set ***\n');

const NOW = Date.UTC(2026, 0, 1, 12, 0, 30);

// The same behaviour from both stores: reservations count until settled, and a full window refuses.
function behaves(name: string, make: () => UsageBudgetStore) {
  describe(name, () => {
    it('reserves while the window is under its limit, then refuses', async () => {
      const store = make();
      const key = `k-${randomUUID()}`;
      const first = await store.reserve(key, 'hour', 100, 60, NOW);
      expect(first).toMatchObject({ allowed: true, spent: 60 });
      // 60 < 100: allowed, and the window may go past the limit by this one request.
      expect(await store.reserve(key, 'hour', 100, 60, NOW)).toMatchObject({ allowed: true, spent: 120 });
      expect(await store.reserve(key, 'hour', 100, 1, NOW)).toMatchObject({ allowed: false, spent: 120 });
      // Settling the first with its real usage (10 of the 60 reserved) frees room.
      await store.settle(key, 'hour', first.window, 60, 10);
      expect(await store.spent(key, 'hour', NOW)).toBe(70);
      expect((await store.reserve(key, 'hour', 100, 5, NOW)).allowed).toBe(true);
      expect(await store.spent(key, 'hour', NOW)).toBe(75);
    });

    it('settles a failed request with 0, and leaves a later window alone', async () => {
      const store = make();
      const key = `k-${randomUUID()}`;
      const held = await store.reserve(key, 'minute', 50, 40, NOW);
      await store.settle(key, 'minute', held.window, 40, 0);
      expect(await store.spent(key, 'minute', NOW)).toBe(0);
      const late = await store.reserve(key, 'minute', 50, 40, NOW);
      await store.add(key, 'minute', 7, NOW + 60_000);
      await store.settle(key, 'minute', late.window, 40, 30);
      expect(await store.spent(key, 'minute', NOW + 60_000)).toBe(7);
    });

    it('keeps many reservations in flight within one request of the limit', async () => {
      const store = make();
      const key = `k-${randomUUID()}`;
      const verdicts = await Promise.all(
        Array.from({ length: 200 }, () => store.reserve(key, 'day', 500, 10, NOW)),
      );
      expect(verdicts.filter((verdict) => verdict.allowed)).toHaveLength(50);
      expect(await store.spent(key, 'day', NOW)).toBe(500);
    });
  });
}

behaves('createMemoryUsageBudgetStore', createMemoryUsageBudgetStore);

describe.skipIf(!REDIS_URL)('createRedisUsageBudgetStore', () => {
  const clients: Redis[] = [];
  const client = () => {
    const redis = new Redis(REDIS_URL!, { lazyConnect: false });
    clients.push(redis);
    return redis;
  };
  const prefix = `budget-test-${randomUUID()}`;
  afterAll(async () => {
    const cleaner = client();
    const keys = await cleaner.keys(`${prefix}:*`);
    if (keys.length > 0) await cleaner.del(...keys);
    for (const redis of clients) redis.disconnect();
  });

  behaves('on one client', () => createRedisUsageBudgetStore({ client: client(), keyPrefix: prefix }));

  it('shares reservations across clients (as processes would): 50 of 200 through a 500-token limit', async () => {
    const stores = Array.from({ length: 4 }, () =>
      createRedisUsageBudgetStore({ client: client(), keyPrefix: prefix }),
    );
    const verdicts = await Promise.all(
      Array.from({ length: 200 }, (_, index) => stores[index % 4]!.reserve('shared', 'day', 500, 10, NOW)),
    );
    expect(verdicts.filter((verdict) => verdict.allowed)).toHaveLength(50);
  });

  it('fails open or closed as configured when Redis does not answer', async () => {
    const dead = new Redis('redis://127.0.0.1:1', {
      lazyConnect: true,
      enableOfflineQueue: false,
      maxRetriesPerRequest: 0,
      retryStrategy: () => null,
    });
    dead.on('error', () => {});
    const errors: unknown[] = [];
    const open = createRedisUsageBudgetStore({ client: dead, onError: (error) => errors.push(error) });
    expect((await open.reserve('k', 'hour', 10, 5, NOW)).allowed).toBe(true);
    const closed = createRedisUsageBudgetStore({ client: dead, failMode: 'closed' });
    expect(await closed.reserve('k', 'hour', 10, 5, NOW)).toMatchObject({ allowed: false, spent: Infinity });
    expect(errors.length).toBe(1);
    dead.disconnect();
  });
});
