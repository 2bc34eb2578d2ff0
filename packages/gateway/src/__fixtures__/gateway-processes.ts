import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { request } from 'undici';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { hashApiKey } from '../api-keys.js';
import { type GatewayConfig, parseGatewayConfig } from '../config/gateway-config.js';
import { type Gateway, startGateway } from '../gateway.js';

const BIN = fileURLToPath(new URL('../../bin/victor-gateway.mjs', import.meta.url));

/** The one endpoint and route (`offline`, a loopback model) every multi-process test configures. */
const OFFLINE_ROUTE = {
  endpoints: { local: { type: 'loopback' } },
  routes: [{ alias: 'offline', endpoints: ['local'] }],
} as const;

/** Runs `send(0)` to `send(total - 1)` from `clients` concurrent clients, each taking the next index. */
async function spread(clients: number, total: number, send: (index: number) => Promise<unknown>) {
  let next = 0;
  await Promise.all(
    Array.from({ length: clients }, async () => {
      while (next < total) await send(next++);
    }),
  );
}

/** Gateway processes started from the built bin for the multi-process tests, with their stderr kept. */
export class GatewayProcesses {
  /** Every process started, in order. */
  readonly children: ChildProcess[] = [];
  /** The URLs of the processes `startMany` started. */
  urls: string[] = [];
  /** What every process wrote to stderr. */
  stderr = '';

  /** Starts `victor-gateway --config FILE --port 0` with extra environment; resolves with its URL. */
  start(configFile: string, env: Record<string, string>): Promise<string> {
    return new Promise((resolvePromise, reject) => {
      const child = spawn(process.execPath, [BIN, '--config', configFile, '--port', '0'], {
        env: { ...process.env, ...env },
        stdio: ['ignore', 'pipe', 'pipe'],
      });
      this.children.push(child);
      let output = '';
      child.stdout!.setEncoding('utf8');
      child.stdout!.on('data', (text: string) => {
        output += text;
        const match = /listening on (http:\/\/[\d.:]+)/.exec(output);
        if (match) resolvePromise(match[1]!);
      });
      child.stderr!.setEncoding('utf8');
      child.stderr!.on('data', (text: string) => {
        this.stderr += text;
      });
      child.once('exit', (code) => reject(new Error(`gateway exited with ${code}: ${output}${this.stderr}`)));
    });
  }

  /**
   * Writes `config` (with the `offline` loopback route) to a temporary file and starts `count` processes
   * on it at once; their URLs go to `urls`.
   */
  async startMany(count: number, config: object, env: Record<string, string>): Promise<void> {
    const file = join(mkdtempSync(join(tmpdir(), 'gateway-processes-')), 'gateway.json');
    writeFileSync(file, JSON.stringify({ ...OFFLINE_ROUTE, ...config }));
    this.urls = await Promise.all(Array.from({ length: count }, () => this.start(file, env)));
  }

  /** Sends SIGTERM to every process still running and waits for them to exit. */
  async stopAll(): Promise<void> {
    await Promise.all(
      this.children.map(
        (child) =>
          new Promise((resolvePromise) => {
            if (child.exitCode !== null) return resolvePromise(undefined);
            child.removeAllListeners('exit');
            child.once('exit', resolvePromise);
            child.kill('SIGTERM');
          }),
      ),
    );
  }

  /** The URL of the process that serves chat number `index` (round-robin). */
  urlFor(index: number): string {
    return this.urls[index % this.urls.length]!;
  }
}

/**
 * The two tests every multi-process suite runs on its processes, whatever the Redis: a per-key request
 * limit and a token budget, each enforced across the processes.
 */
export function itEnforcesLimitsAcrossProcesses(
  processes: GatewayProcesses,
  keys: { limited: string; budgeted: string; budgetTokens: number; slack: number },
): void {
  it(`lets a key limited to 100 requests a minute through 100 (+${keys.slack}) times across the processes`, async () => {
    const started = performance.now();
    const statuses: number[] = [];
    // 32 concurrent clients spread over the processes, 240 requests in all.
    await spread(32, 240, async (index) => {
      statuses.push((await chat(processes.urlFor(index), keys.limited, `limit ${index}`)).status);
    });
    const elapsedSeconds = (performance.now() - started) / 1000;
    const ok = statuses.filter((status) => status === 200).length;
    // A Redis failure would fail open and let extra requests through: there must be none.
    expect(processes.stderr).not.toContain('redis:');
    expect(statuses.filter((status) => status !== 200 && status !== 429)).toEqual([]);
    // 100 from the full bucket, plus what refilled while the test ran (100 a minute).
    expect(ok).toBeGreaterThanOrEqual(98);
    expect(ok).toBeLessThanOrEqual(100 + Math.ceil((elapsedSeconds * 100) / 60) + keys.slack);
  }, 60_000);

  it('stops a budget within one request’s tokens of its limit across the processes', async () => {
    let spent = 0;
    let largest = 0;
    const statuses: number[] = [];
    const ask = async (index: number) => {
      const reply = await chat(processes.urlFor(index), keys.budgeted, `budget ${index}`);
      statuses.push(reply.status);
      if (reply.status === 200) {
        spent += reply.body.usage!.total_tokens;
        largest = Math.max(largest, reply.body.usage!.total_tokens);
      }
      return reply;
    };
    // 16 concurrent clients, 200 requests in all.
    await spread(16, 200, ask);
    expect(statuses.filter((status) => status !== 200 && status !== 429)).toEqual([]);
    expect(statuses).toContain(429);
    expect(spent).toBeLessThanOrEqual(keys.budgetTokens + largest);
    // Then one at a time (no reservation in flight holds tokens back) until the budget refuses.
    let refusal: Awaited<ReturnType<typeof chat>> | undefined;
    for (let index = 200; index < 400 && refusal === undefined; index++) {
      const reply = await ask(index);
      if (reply.status !== 200) refusal = reply;
    }
    expect(statuses.filter((status) => status !== 200 && status !== 429)).toEqual([]);
    expect(statuses.at(-1)).toBe(429);
    expect(JSON.stringify(refusal?.body)).toContain('budget');
    // (How close to the budget the refusal comes depends on the reservation estimate and on when the
    // last answer's real usage settled: only the upper bound is the contract.)
    expect(spent).toBeGreaterThan(0);
    expect(spent).toBeLessThanOrEqual(keys.budgetTokens + largest);
  }, 60_000);
}

/** What `withFailModeGateways` started, set once its `beforeAll` has run. */
export interface FailModeSetup<R> {
  /** The Redis (a server or a cluster) the gateways use. */
  redis: R;
  /** The gateway that fails open while Redis is down. */
  open: Gateway;
  /** The gateway that fails closed (503) while Redis is down. */
  closed: Gateway;
}

/**
 * For the outage tests: registers hooks that start a Redis (`startRedis`) and two in-process gateways on it,
 * one failing open and one failing closed, that let `key` (id `k`) through `requestsPerMinute` times and
 * cache in Redis only; and that close them all after the enclosing describe's tests.
 */
export function withFailModeGateways<R extends { stop(): Promise<void> }>(options: {
  startRedis: () => Promise<R>;
  redisConfig: (redis: R) => NonNullable<GatewayConfig['redis']>;
  key: string;
  requestsPerMinute: number;
  timeoutMs: number;
}): FailModeSetup<R> {
  const setup = {} as FailModeSetup<R>;
  beforeAll(async () => {
    setup.redis = await options.startRedis();
    // One Redis configuration (and key prefix) for both gateways: they share the limits and the cache.
    const redis = options.redisConfig(setup.redis);
    const config = (failMode: 'open' | 'closed') =>
      parseGatewayConfig({
        redis,
        ...OFFLINE_ROUTE,
        keys: [{ id: 'k', hash: hashApiKey(options.key), requestsPerMinute: options.requestsPerMinute }],
        rateLimits: { failMode },
        cache: { type: 'redis' },
        logging: { level: 'silent' },
      });
    setup.open = await startGateway({ config: config('open'), port: 0 });
    setup.closed = await startGateway({ config: config('closed'), port: 0 });
  }, options.timeoutMs);
  afterAll(async () => {
    await setup.open?.close(0);
    await setup.closed?.close(0);
    await setup.redis?.stop();
  });
  return setup;
}

/** One non-streaming chat through a gateway, with the cache header and the parsed body. */
export async function chat(url: string, key: string, content: string, temperature?: number) {
  const response = await request(`${url}/v1/chat/completions`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${key}` },
    body: JSON.stringify({
      model: 'offline',
      messages: [{ role: 'user', content }],
      ...(temperature === undefined ? {} : { temperature }),
    }),
  });
  const body = (await response.body.json()) as {
    usage?: { total_tokens: number };
    error?: { code?: string };
  };
  return { status: response.statusCode, cache: response.headers['x-victor-cache'], body };
}

/** `POST /admin/cache/invalidate` with a key and a target. */
export async function invalidate(url: string, key: string, target: unknown) {
  const response = await request(`${url}/admin/cache/invalidate`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${key}` },
    body: JSON.stringify(target),
  });
  return { status: response.statusCode, body: (await response.body.json()) as Record<string, unknown> };
}
