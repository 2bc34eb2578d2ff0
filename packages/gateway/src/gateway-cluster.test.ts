import { randomUUID } from 'node:crypto';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { findRedisBinaries, LocalRedisCluster, redisRequired } from '../../../tools/redis-cluster.mjs';
import { chat, GatewayProcesses, invalidate } from './__fixtures__/gateway-processes.js';
import { hashApiKey } from './api-keys.js';
import { loadGatewayConfig, parseGatewayConfig } from './config/gateway-config.js';
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
    const children = processes.children;
    let urls: string[] = [];
    const startProcess = (configFile: string) => processes.start(configFile, { REDIS_CLUSTER: nodes });

    beforeAll(async () => {
      if (missing !== '') throw new Error(`a Redis Cluster is required (CI) but unavailable: ${missing}`);
      const dir = mkdtempSync(join(tmpdir(), 'gateway-cluster-'));
      const configFile = join(dir, 'gateway.json');
      writeFileSync(
        configFile,
        JSON.stringify({
          // A long command timeout: this test checks counts on a loaded machine, not latency.
          redis: {
            clusterEnv: 'REDIS_CLUSTER',
            keyPrefix: `gw-cluster-${randomUUID()}`,
            commandTimeoutMs: 10_000,
          },
          endpoints: { local: { type: 'loopback' } },
          routes: [{ alias: 'offline', endpoints: ['local'] }],
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
        }),
      );
      urls = await Promise.all([0, 1, 2, 3].map(() => startProcess(configFile)));
    }, 60_000);

    afterAll(async () => {
      await Promise.all(
        children.map(
          (child) =>
            new Promise((resolvePromise) => {
              if (child.exitCode !== null) return resolvePromise(undefined);
              child.removeAllListeners('exit');
              child.once('exit', resolvePromise);
              child.kill('SIGTERM');
            }),
        ),
      );
    });

    it('lets a key limited to 100 requests a minute through 100 (±2%) times across four processes', async () => {
      const started = performance.now();
      let next = 0;
      const statuses: number[] = [];
      // 32 concurrent clients spread over the four processes, 240 requests in all.
      await Promise.all(
        Array.from({ length: 32 }, async () => {
          while (next < 240) {
            const index = next++;
            statuses.push((await chat(urls[index % 4]!, LIMITED, `limit ${index}`)).status);
          }
        }),
      );
      const elapsedSeconds = (performance.now() - started) / 1000;
      const ok = statuses.filter((status) => status === 200).length;
      // A Redis failure would fail open and let extra requests through: there must be none.
      expect(processes.stderr).not.toContain('redis:');
      expect(statuses.filter((status) => status !== 200 && status !== 429)).toEqual([]);
      // 100 from the full bucket, plus what refilled while the test ran (100 a minute).
      expect(ok).toBeGreaterThanOrEqual(98);
      expect(ok).toBeLessThanOrEqual(100 + Math.ceil((elapsedSeconds * 100) / 60) + 2);
    }, 60_000);

    it('stops a budget within one request’s tokens of its limit across four processes', async () => {
      let next = 0;
      let spent = 0;
      let largest = 0;
      const statuses: number[] = [];
      await Promise.all(
        Array.from({ length: 16 }, async () => {
          while (next < 200) {
            const index = next++;
            const { status, body } = await chat(urls[index % 4]!, BUDGETED, `budget ${index}`);
            statuses.push(status);
            if (status === 200) {
              spent += body.usage!.total_tokens;
              largest = Math.max(largest, body.usage!.total_tokens);
            }
          }
        }),
      );
      expect(statuses.filter((status) => status !== 200 && status !== 429)).toEqual([]);
      expect(statuses).toContain(429);
      expect(spent).toBeLessThanOrEqual(BUDGET_TOKENS + largest);
      // Then one at a time (no reservation in flight holds tokens back) until the budget refuses.
      let refusal: { status: number; body: unknown } | undefined;
      for (let index = 0; index < 200 && refusal === undefined; index++) {
        const reply = await chat(urls[index % 4]!, BUDGETED, `sequential ${index}`);
        if (reply.status === 200) {
          spent += reply.body.usage!.total_tokens;
          largest = Math.max(largest, reply.body.usage!.total_tokens);
        } else refusal = reply;
      }
      expect(refusal?.status).toBe(429);
      expect(JSON.stringify(refusal?.body)).toContain('budget');
      // (How close to the budget the refusal comes depends on the reservation estimate and on when the
      // last answer's real usage settled: only the upper bound is the contract.)
      expect(spent).toBeGreaterThan(0);
      expect(spent).toBeLessThanOrEqual(BUDGET_TOKENS + largest);
    }, 60_000);

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
      expect((await chat(urls[0]!, CACHED, 'shared answer', 0)).cache).toBe('miss');
      for (const url of urls.slice(1))
        expect((await chat(url, CACHED, 'shared answer', 0)).cache).toBe('hit');
    });

    it('drops a key’s cached answers from every process’s memory tier on an invalidation', async () => {
      const [first, ...rest] = urls as [string, ...string[]];
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
    let cluster: LocalRedisCluster;
    const keyPrefix = `gw-cluster-outage-${randomUUID().slice(0, 8)}`;
    const gateways: { open?: Gateway; closed?: Gateway } = {};

    beforeAll(async () => {
      // A private cluster: killing a node of the shared one would disturb the other tests.
      cluster = await LocalRedisCluster.start();
      const config = (failMode: 'open' | 'closed') =>
        parseGatewayConfig({
          redis: { cluster: cluster.nodes, keyPrefix, commandTimeoutMs: 500 },
          endpoints: { local: { type: 'loopback' } },
          routes: [{ alias: 'offline', endpoints: ['local'] }],
          keys: [{ id: 'k', hash: hashApiKey(LIMITED), requestsPerMinute: 100_000 }],
          rateLimits: { failMode },
          cache: { type: 'redis' },
          logging: { level: 'silent' },
        });
      gateways.open = await startGateway({ config: config('open'), port: 0 });
      gateways.closed = await startGateway({ config: config('closed'), port: 0 });
    }, 60_000);

    afterAll(async () => {
      await gateways.open?.close(0);
      await gateways.closed?.close(0);
      await cluster?.stop();
    });

    it('fails open or closed as configured under load, without crashing, and recovers', async () => {
      const open = gateways.open!;
      const closed = gateways.closed!;
      expect((await chat(closed.url, LIMITED, 'before')).status).toBe(200);
      // The node that holds the key's bucket (the hash tag puts it on one slot).
      const port = await cluster.portOf(`${keyPrefix}:rl:{k:requests}`);
      const statuses = { open: [] as number[], closed: [] as number[] };
      let stop = false;
      const load = (which: 'open' | 'closed') =>
        Promise.all(
          Array.from({ length: 4 }, async (_, client) => {
            for (let index = 0; !stop; index++) {
              statuses[which].push(
                (await chat(gateways[which]!.url, LIMITED, `load ${client} ${index}`)).status,
              );
            }
          }),
        );
      const running = Promise.all([load('open'), load('closed')]);
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
