import { randomUUID } from 'node:crypto';
import { request } from 'undici';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { findRedisServer, LocalRedisServer, redisRequired } from '../../../tools/redis-cluster.mjs';
import {
  chat,
  GatewayProcesses,
  invalidate,
  itEnforcesLimitsAcrossProcesses,
  withFailModeGateways,
} from './__fixtures__/gateway-processes.js';
import { hashApiKey } from './api-keys.js';

// Several gateway processes on one Redis (a redis-server this test starts and kills): a per-key limit
// enforced across processes, a response cached by one process served by another, and the configured
// behaviour (fail open or closed) while Redis is down, then recovery when it is back.

const installed = findRedisServer() !== undefined;
if (!installed && !redisRequired)
  console.warn('\n*** SKIPPING the gateway Redis tests: redis-server is not installed ***\n');

const KEY = 'sk-multi-process';
const CACHED = 'sk-multi-cached';
const ADMIN = 'sk-multi-admin';
const BUDGETED = 'sk-multi-budget';
const BUDGET_TOKENS = 400;

const chatAs = (url: string, content: string, temperature?: number, key = KEY) =>
  chat(url, key, content, temperature);

describe.skipIf(!installed && !redisRequired)('the gateway on a shared Redis', () => {
  const processes = new GatewayProcesses();
  let redis: LocalRedisServer | undefined;

  beforeAll(async () => {
    if (!installed) throw new Error('redis-server is required (CI) but not installed');
    redis = await LocalRedisServer.start();
    await processes.startMany(
      4,
      {
        // A long command timeout: this test checks the count on a loaded machine, not latency.
        redis: { urlEnv: 'REDIS_URL', keyPrefix: `gw-test-${randomUUID()}`, commandTimeoutMs: 10_000 },
        keys: [
          { id: 'multi', hash: hashApiKey(KEY), requestsPerMinute: 100 },
          { id: 'cached', hash: hashApiKey(CACHED) },
          { id: 'admin', hash: hashApiKey(ADMIN), admin: true },
          { id: 'budgeted', hash: hashApiKey(BUDGETED), budget: { tokens: BUDGET_TOKENS, period: 'hour' } },
        ],
        // A memory tier per process in front of Redis; a long staleness bound, so that a stalled loaded
        // machine does not empty a memory tier this test looks into.
        cache: { type: 'tiered', maxStalenessMs: 30_000 },
        logging: { level: 'error' },
      },
      { REDIS_URL: redis.url },
    );
  }, 60_000);

  afterAll(async () => {
    await processes.stopAll();
    await redis?.stop();
  });

  itEnforcesLimitsAcrossProcesses(processes, {
    limited: KEY,
    budgeted: BUDGETED,
    budgetTokens: BUDGET_TOKENS,
    slack: 1,
  });

  it('drops a key’s cached answers from every process’s memory tier on an invalidation', async () => {
    const [first, ...rest] = processes.urls as [string, ...string[]];
    await chatAs(first, 'to invalidate', 0, CACHED);
    for (const url of rest) {
      // The first process may answer before its write to Redis lands: ask until the others hit (and keep
      // the answer in their memory tier).
      await expect.poll(async () => (await chatAs(url, 'to invalidate', 0, CACHED)).cache).toBe('hit');
    }
    for (const url of rest) {
      const reply = await invalidate(first, ADMIN, { keyId: 'cached' });
      expect(reply.status).toBe(200);
      expect(reply.body).toMatchObject({ reach: 'every process' });
      // Without the message over Redis pub/sub, this process would serve its memory copy for a minute.
      await expect.poll(async () => (await chatAs(url, 'to invalidate', 0, CACHED)).cache).toBe('miss');
    }
  }, 60_000);
});

describe.skipIf(!installed && !redisRequired)('the gateway while Redis is down', () => {
  const setup = withFailModeGateways({
    startRedis: () => LocalRedisServer.start(),
    redisConfig: (redis) => ({ url: redis.url, keyPrefix: `gw-outage-${randomUUID()}` }),
    key: KEY,
    requestsPerMinute: 1_000,
    timeoutMs: 30_000,
  });

  it('serves a response cached by one process from another', async () => {
    expect((await chatAs(setup.open.url, 'shared answer', 0)).cache).toBe('miss');
    expect((await chatAs(setup.closed.url, 'shared answer', 0)).cache).toBe('hit');
  });

  it('fails open or closed as configured, without crashing, and recovers when Redis is back', async () => {
    const { redis, open, closed } = setup;
    expect((await chatAs(closed.url, 'before')).status).toBe(200);
    await redis.stop();
    expect((await chatAs(open.url, 'during')).status).toBe(200);
    expect((await chatAs(closed.url, 'during')).status).toBe(503);
    const ready = await request(`${closed.url}/ready`);
    expect(ready.statusCode).toBe(503);
    await ready.body.dump();
    await redis.restart();
    await expect.poll(async () => (await chatAs(closed.url, 'after')).status, { timeout: 10_000 }).toBe(200);
  }, 30_000);
});
