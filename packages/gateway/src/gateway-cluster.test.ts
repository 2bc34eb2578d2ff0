import { randomUUID } from 'node:crypto';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { findRedisBinaries, LocalRedisCluster, redisRequired } from '../../../tools/redis-cluster.mjs';
import {
  chat,
  GatewayProcesses,
  invalidate,
  itEnforcesLimitsAcrossProcesses,
  withFailModeGateways,
} from './__fixtures__/gateway-processes.js';
import { hashApiKey } from './api-keys.js';
import { loadGatewayConfig } from './config/gateway-config.js';
import { type Gateway, startGateway } from './gateway.js';

// Four gateway processes on a 3-master Redis Cluster (the global setup starts one, or VICTOR_REDIS_CLUSTER
// names one): a per-key limit and a budget enforced across processes, a response cached by one process
// served by another, and an invalidation that reaches every process's memory tier (cache type `tiered`,
// pub/sub across the cluster). Then one node of a private cluster is killed mid-load: each gateway behaves
// as configured (fail open or closed), none crashes, and they recover when the node is back.

declare module 'vitest' {
  export interface ProvidedContext {
    redisClusterNodes: string;
    redisClusterUnavailableReason: string;
  }
}

const nodes = inject('redisClusterNodes');
const missing = nodes === '' ? inject('redisClusterUnavailableReason') || 'no Redis Cluster' : '';
if (missing !== '' && !redisRequired) {
  console.warn(`\n*** SKIPPING the gateway Redis Cluster tests: ${missing} ***\n`);
}
const binaries = findRedisBinaries();

const LIMITED = 'sk-cluster-limited';
const BUDGETED = 'sk-cluster-budget';
const CACHED = 'sk-cluster-cached';
const OTHER = 'sk-cluster-other';
const ADMIN = 'sk-cluster-admin';
const BUDGET_TOKENS = 400;
const EXAMPLE = fileURLToPath(new URL('../examples/gateway.cluster.json', import.meta.url));

describe.skipIf(missing !== '' && !redisRequired)(
  'four gateway processes on a 3-master Redis Cluster',
  () => {
    const processes = new GatewayProcesses();

    beforeAll(async () => {
      if (missing !== '') throw new Error(`a Redis Cluster is required (CI) but unavailable: ${missing}`);
      await processes.startMany(
        4,
        {
          // A long command timeout: this test checks counts on a loaded machine, not latency.
          redis: {
            clusterEnv: 'REDIS_CLUSTER',
            keyPrefix: `gw-cluster-${randomUUID()}`,
            commandTimeoutMs: 10_000,
          },
          keys: [
            { id: 'limited', hash: hashApiKey(LIMITED), requestsPerMinute: 100 },
            { id: 'budgeted', hash: hashApiKey(BUDGETED), budget: { tokens: BUDGET_TOKENS, period: 'hour' } },
            { id: 'cached', hash: hashApiKey(CACHED) },
            { id: 'other', hash: hashApiKey(OTHER) },
            { id: 'admin', hash: hashApiKey(ADMIN), admin: true },
          ],
          // A long staleness bound: a stalled loaded machine must not empty a memory tier this test looks into.
          cache: { type: 'tiered', maxStalenessMs: 30_000 },
          logging: { level: 'error' },
        },
        { REDIS_CLUSTER: nodes },
      );
    }, 60_000);

    afterAll(() => processes.stopAll());

    itEnforcesLimitsAcrossProcesses(processes, {
      limited: LIMITED,
      budgeted: BUDGETED,
      budgetTokens: BUDGET_TOKENS,
      slack: 2,
    });

    it('runs examples/gateway.cluster.json on the cluster, with its admin key', async () => {
      const gateway = await startGateway({
        config: loadGatewayConfig(EXAMPLE),
        port: 0,
        env: { REDIS_CLUSTER: nodes },
        log: () => {},
      });
      try {
        expect((await chat(gateway.url, 'sk-offline-demo', 'example', 0)).status).toBe(200);
        const reply = await invalidate(gateway.url, 'sk-offline-admin', { keyId: 'offline-demo' });
        expect(reply).toMatchObject({ status: 200, body: { reach: 'every process' } });
      } finally {
        await gateway.close(0);
      }
    });

    it('serves a response cached by one process from every other', async () => {
      expect((await chat(processes.urls[0]!, CACHED, 'shared answer', 0)).cache).toBe('miss');
      for (const url of processes.urls.slice(1))
        expect((await chat(url, CACHED, 'shared answer', 0)).cache).toBe('hit');
    });

    it('drops a key’s cached answers from every process’s memory tier on an invalidation', async () => {
      const [first, ...rest] = processes.urls as [string, ...string[]];
      // Cached everywhere: in Redis, and promoted into each process's memory tier by a read.
      await chat(first, CACHED, 'to invalidate', 0);
      await chat(first, OTHER, 'to keep', 0);
      const cachedEverywhere = async () => {
        for (const url of rest) {
          // The first process may answer before its write to Redis lands: ask until the others hit.
          for (const [key, content] of [
            [CACHED, 'to invalidate'],
            [OTHER, 'to keep'],
          ] as const) {
            await expect
              .poll(async () => (await chat(url, key, content, 0)).cache, { timeout: 5_000 })
              .toBe('hit');
          }
        }
      };
      await cachedEverywhere();
      expect(await invalidate(first, CACHED, { keyId: 'cached' })).toMatchObject({ status: 404 });
      for (const url of rest) {
        // Sent to the first process; each other one must drop its memory copy when the message arrives.
        const reply = await invalidate(first, ADMIN, { keyId: 'cached' });
        expect(reply.status).toBe(200);
        expect(reply.body.reach).toBe('every process');
        await expect
          .poll(async () => (await chat(url, CACHED, 'to invalidate', 0)).cache, { timeout: 5_000 })
          .toBe('miss');
        // Another key's answers stay.
        expect((await chat(url, OTHER, 'to keep', 0)).cache).toBe('hit');
      }
      expect((await invalidate(first, ADMIN, { keyId: 'nobody' })).status).toBe(404);
      expect((await invalidate(first, ADMIN, { key: 'cached' })).status).toBe(400);
      await cachedEverywhere();
      for (const url of rest) {
        expect((await invalidate(first, ADMIN, { all: true })).status).toBe(200);
        await expect
          .poll(async () => (await chat(url, OTHER, 'to keep', 0)).cache, { timeout: 5_000 })
          .toBe('miss');
      }
    }, 60_000);
  },
);

describe.skipIf(!binaries.server || !binaries.cli ? !redisRequired : false)(
  'gateways while one node of a Redis Cluster is down',
  () => {
    const keyPrefix = `gw-cluster-outage-${randomUUID().slice(0, 8)}`;
    const setup = withFailModeGateways({
      // A private cluster: killing a node of the shared one would disturb the other tests.
      startRedis: () => LocalRedisCluster.start(),
      redisConfig: (cluster) => ({ cluster: cluster.nodes, keyPrefix, commandTimeoutMs: 500 }),
      key: LIMITED,
      requestsPerMinute: 100_000,
      timeoutMs: 60_000,
    });

    it('fails open or closed as configured under load, without crashing, and recovers', async () => {
      const { redis: cluster, open, closed } = setup;
      expect((await chat(closed.url, LIMITED, 'before')).status).toBe(200);
      // The node that holds the key's bucket (the hash tag puts it on one slot).
      const port = await cluster.portOf(`${keyPrefix}:rl:{k:requests}`);
      const statuses = { open: [] as number[], closed: [] as number[] };
      let stop = false;
      const load = (gateway: Gateway, into: number[]) =>
        Promise.all(
          Array.from({ length: 4 }, async (_, client) => {
            for (let index = 0; !stop; index++) {
              into.push((await chat(gateway.url, LIMITED, `load ${client} ${index}`)).status);
            }
          }),
        );
      const running = Promise.all([load(open, statuses.open), load(closed, statuses.closed)]);
      await expect
        .poll(() => statuses.open.length + statuses.closed.length, { timeout: 10_000 })
        .toBeGreaterThan(20);
      await cluster.stopNode(port);
      // While the node is down: open lets requests through, closed refuses them with 503.
      await expect
        .poll(async () => (await chat(closed.url, LIMITED, 'during')).status, { timeout: 10_000 })
        .toBe(503);
      expect((await chat(open.url, LIMITED, 'during')).status).toBe(200);
      await cluster.restartNode(port);
      await expect
        .poll(async () => (await chat(closed.url, LIMITED, 'after')).status, { timeout: 20_000 })
        .toBe(200);
      stop = true;
      await running;
      // Only the configured answers, never a crash or a 500.
      expect(statuses.open.filter((status) => status !== 200)).toEqual([]);
      expect(statuses.closed.filter((status) => status !== 200 && status !== 503)).toEqual([]);
      expect(statuses.closed).toContain(503);
      expect((await chat(open.url, LIMITED, 'after')).status).toBe(200);
    }, 90_000);
  },
);
