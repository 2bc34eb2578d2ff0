import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { createServer, Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { request } from 'undici';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { chat, GatewayProcesses } from './__fixtures__/gateway-processes.js';
import { hashApiKey } from './api-keys.js';
import { parseGatewayConfig } from './config/gateway-config.js';
import { type Gateway, startGateway } from './gateway.js';

// Several gateway processes on one Redis (a redis-server this test starts and kills): a per-key limit
// enforced across processes, a response cached by one process served by another, and the configured
// behaviour (fail open or closed) while Redis is down, then recovery when it is back.

const required = process.env.VICTOR_REQUIRE_REDIS === '1' || process.env.CI === 'true';
const binary = (() => {
  const probe = spawnSync('sh', ['-c', 'command -v redis-server'], { encoding: 'utf8' });
  return probe.status === 0 ? probe.stdout.trim() : '';
})();
if (binary === '' && !required)
  console.warn('\n*** SKIPPING the gateway Redis tests: redis-server is not installed ***\n');

const KEY = 'sk-multi-process';
const CACHED = 'sk-multi-cached';
const ADMIN = 'sk-multi-admin';
const BUDGETED = 'sk-multi-budget';
const BUDGET_TOKENS = 400;

function freePort(): Promise<number> {
  return new Promise((resolvePromise, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() => resolvePromise(typeof address === 'object' && address ? address.port : 0));
    });
  });
}

async function waitForPong(port: number): Promise<void> {
  for (let attempt = 0; attempt < 200; attempt++) {
    const ok = await new Promise<boolean>((resolvePromise) => {
      const socket = new Socket();
      const finish = (value: boolean) => {
        socket.destroy();
        resolvePromise(value);
      };
      socket.once('error', () => finish(false));
      socket.connect(port, '127.0.0.1', () => socket.write('PING\r\n'));
      socket.once('data', (data) => finish(data.toString().startsWith('+PONG')));
    });
    if (ok) return;
    await new Promise((resolvePromise) => setTimeout(resolvePromise, 25));
  }
  throw new Error(`redis-server on port ${port} did not answer`);
}

let redisPort = 0;
let redisProcess: ChildProcess | undefined;
async function startRedis(): Promise<void> {
  redisProcess = spawn(
    binary,
    ['--bind', '127.0.0.1', '--port', String(redisPort), '--save', '', '--appendonly', 'no'],
    {
      stdio: 'ignore',
    },
  );
  await waitForPong(redisPort);
}
async function killRedis(): Promise<void> {
  const child = redisProcess;
  if (!child || child.exitCode !== null) return;
  const exited = new Promise((resolvePromise) => child.once('exit', resolvePromise));
  child.kill('SIGKILL');
  await exited;
}

const processes = new GatewayProcesses();
const gateways = processes.children;
const startGatewayProcess = (configFile: string, redisUrl: string) =>
  processes.start(configFile, { REDIS_URL: redisUrl });
const chatAs = (url: string, content: string, temperature?: number, key = KEY) =>
  chat(url, key, content, temperature);

describe.skipIf(binary === '' && !required)('the gateway on a shared Redis', () => {
  let urls: string[] = [];
  const prefix = `gw-test-${randomUUID()}`;

  beforeAll(async () => {
    if (binary === '') throw new Error('redis-server is required (CI) but not installed');
    redisPort = await freePort();
    await startRedis();
    const dir = mkdtempSync(join(tmpdir(), 'gateway-redis-'));
    const configFile = join(dir, 'gateway.json');
    writeFileSync(
      configFile,
      JSON.stringify({
        // A long command timeout: this test checks the count on a loaded machine, not latency.
        redis: { urlEnv: 'REDIS_URL', keyPrefix: prefix, commandTimeoutMs: 10_000 },
        endpoints: { local: { type: 'loopback' } },
        routes: [{ alias: 'offline', endpoints: ['local'] }],
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
      }),
    );
    urls = await Promise.all(
      [0, 1, 2, 3].map(() => startGatewayProcess(configFile, `redis://127.0.0.1:${redisPort}`)),
    );
  }, 60_000);

  afterAll(async () => {
    await Promise.all(
      gateways.map(
        (child) =>
          new Promise((resolvePromise) => {
            if (child.exitCode !== null) return resolvePromise(undefined);
            child.removeAllListeners('exit');
            child.once('exit', resolvePromise);
            child.kill('SIGTERM');
          }),
      ),
    );
    await killRedis();
  });

  it('lets a key limited to 100 requests a minute through about 100 times across four processes', async () => {
    const started = performance.now();
    let next = 0;
    const statuses: number[] = [];
    // 32 concurrent clients spread over the four processes, 240 requests in all.
    await Promise.all(
      Array.from({ length: 32 }, async () => {
        while (next < 240) {
          const index = next++;
          statuses.push((await chatAs(urls[index % 4]!, `limit ${index}`)).status);
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
    expect(ok).toBeLessThanOrEqual(100 + Math.ceil((elapsedSeconds * 100) / 60) + 1);
  }, 60_000);

  it('stops a budget within one request’s tokens of its limit across four processes', async () => {
    let next = 0;
    let spent = 0;
    let largest = 0;
    const statuses: number[] = [];
    const ask = async (index: number) => {
      const { status, body } = await chatAs(urls[index % 4]!, `budget ${index}`, undefined, BUDGETED);
      statuses.push(status);
      if (status === 200) {
        spent += body.usage!.total_tokens;
        largest = Math.max(largest, body.usage!.total_tokens);
      }
      return status;
    };
    // 16 concurrent clients, then one at a time until the budget refuses.
    await Promise.all(
      Array.from({ length: 16 }, async () => {
        while (next < 200) await ask(next++);
      }),
    );
    while (next < 400 && (await ask(next++)) === 200);
    expect(statuses.filter((status) => status !== 200 && status !== 429)).toEqual([]);
    expect(statuses.at(-1)).toBe(429);
    expect(spent).toBeGreaterThan(0);
    expect(spent).toBeLessThanOrEqual(BUDGET_TOKENS + largest);
  }, 60_000);

  it('drops a key’s cached answers from every process’s memory tier on an invalidation', async () => {
    const [first, ...rest] = urls as [string, ...string[]];
    await chatAs(first, 'to invalidate', 0, CACHED);
    for (const url of rest) {
      // The first process may answer before its write to Redis lands: ask until the others hit (and keep
      // the answer in their memory tier).
      await expect.poll(async () => (await chatAs(url, 'to invalidate', 0, CACHED)).cache).toBe('hit');
    }
    for (const url of rest) {
      const response = await request(`${first}/admin/cache/invalidate`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', authorization: `Bearer ${ADMIN}` },
        body: JSON.stringify({ keyId: 'cached' }),
      });
      expect(response.statusCode).toBe(200);
      expect(await response.body.json()).toMatchObject({ reach: 'every process' });
      // Without the message over Redis pub/sub, this process would serve its memory copy for a minute.
      await expect.poll(async () => (await chatAs(url, 'to invalidate', 0, CACHED)).cache).toBe('miss');
    }
  }, 60_000);
});

describe.skipIf(binary === '' && !required)('the gateway while Redis is down', () => {
  const open: { gateway?: Gateway } = {};
  const closed: { gateway?: Gateway } = {};

  beforeAll(async () => {
    redisPort = await freePort();
    await startRedis();
    const keyPrefix = `gw-outage-${randomUUID()}`;
    const config = (failMode: 'open' | 'closed') =>
      parseGatewayConfig({
        redis: { url: `redis://127.0.0.1:${redisPort}`, keyPrefix },
        endpoints: { local: { type: 'loopback' } },
        routes: [{ alias: 'offline', endpoints: ['local'] }],
        keys: [{ id: 'k', hash: hashApiKey(KEY), requestsPerMinute: 1_000 }],
        rateLimits: { failMode },
        cache: { type: 'redis' },
        logging: { level: 'silent' },
      });
    open.gateway = await startGateway({ config: config('open'), port: 0 });
    closed.gateway = await startGateway({ config: config('closed'), port: 0 });
  }, 30_000);

  afterAll(async () => {
    await open.gateway?.close(0);
    await closed.gateway?.close(0);
    await killRedis();
  });

  it('serves a response cached by one process from another', async () => {
    expect((await chatAs(open.gateway!.url, 'shared answer', 0)).cache).toBe('miss');
    expect((await chatAs(closed.gateway!.url, 'shared answer', 0)).cache).toBe('hit');
  });

  it('fails open or closed as configured, without crashing, and recovers when Redis is back', async () => {
    expect((await chatAs(closed.gateway!.url, 'before')).status).toBe(200);
    await killRedis();
    expect((await chatAs(open.gateway!.url, 'during')).status).toBe(200);
    expect((await chatAs(closed.gateway!.url, 'during')).status).toBe(503);
    const ready = await request(`${closed.gateway!.url}/ready`);
    expect(ready.statusCode).toBe(503);
    await ready.body.dump();
    await startRedis();
    await expect
      .poll(async () => (await chatAs(closed.gateway!.url, 'after')).status, { timeout: 10_000 })
      .toBe(200);
  }, 30_000);
});
