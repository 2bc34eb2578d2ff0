import { randomUUID } from 'node:crypto';
import { createLoopbackServer, type LoopbackServer } from '@victor-ai/provider-pool/testing';
import { request } from 'undici';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { hashApiKey } from './api-keys.js';
import { parseGatewayConfig } from './config/gateway-config.js';
import { type Gateway, startGateway } from './gateway.js';

// Budgets with many requests in flight: every request reserves an estimate before the model is called
// and settles with its real usage after, so the budget ends within one request's tokens of its limit.
// Counting usage only after the answers (what the gateway did before) lets all 60 through here.

const REDIS_URL = process.env.VICTOR_REDIS_URL;
if (!REDIS_URL) console.warn('\n*** SKIPPING the two-gateway budget test: VICTOR_REDIS_URL is not set ***\n');

const KEY = 'sk-budget-in-flight';
const BUDGET = 200;
let upstream: LoopbackServer;

beforeAll(async () => {
  // 30 ms per answer: the 60 requests below are all in flight at once.
  upstream = await createLoopbackServer({ latencyMs: 30, recordRequests: 0 });
});
afterAll(async () => {
  await upstream.close();
});

async function startOne(redisPrefix?: string): Promise<Gateway> {
  const config = parseGatewayConfig({
    ...(redisPrefix ? { redis: { url: REDIS_URL, keyPrefix: redisPrefix } } : {}),
    endpoints: { model: { type: 'openai-compatible', baseURL: upstream.baseURL, model: 'loopback-1' } },
    routes: [{ alias: 'm', endpoints: ['model'], maxAttempts: 1 }],
    keys: [{ id: 'budgeted', hash: hashApiKey(KEY), budget: { tokens: BUDGET, period: 'day' } }],
    logging: { level: 'silent' },
  });
  return startGateway({ config, port: 0 });
}

async function spendConcurrently(urls: readonly string[], count: number) {
  const results = await Promise.all(
    Array.from({ length: count }, async (_, index) => {
      const response = await request(`${urls[index % urls.length]}/v1/chat/completions`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', authorization: `Bearer ${KEY}` },
        body: JSON.stringify({
          model: 'm',
          max_tokens: 16,
          messages: [{ role: 'user', content: `spend ${index}` }],
        }),
      });
      const body = (await response.body.json()) as { usage?: { total_tokens: number } };
      return { status: response.statusCode, tokens: body.usage?.total_tokens ?? 0 };
    }),
  );
  const ok = results.filter((result) => result.status === 200);
  return {
    statuses: new Set(results.map((result) => result.status)),
    spent: ok.reduce((sum, result) => sum + result.tokens, 0),
    largest: Math.max(...ok.map((result) => result.tokens)),
    answered: ok.length,
  };
}

describe('token budgets with requests in flight', () => {
  it('one gateway (memory store): 60 concurrent requests end within one request of the budget', async () => {
    const gateway = await startOne();
    try {
      const { statuses, spent, largest, answered } = await spendConcurrently([gateway.url], 60);
      expect([...statuses].sort()).toEqual([200, 429]);
      expect(answered).toBeGreaterThan(0);
      expect(spent).toBeLessThanOrEqual(BUDGET + largest);
    } finally {
      await gateway.close(0);
    }
  });

  it('keeps the reservation of a stream the client cut before the model reported its usage', async () => {
    const slow = await createLoopbackServer({
      chunkGapMs: 20,
      recordRequests: 0,
      reply: () => ({ text: 'word '.repeat(200), chunkSize: 10 }),
    });
    const config = parseGatewayConfig({
      endpoints: { model: { type: 'openai-compatible', baseURL: slow.baseURL, model: 'loopback-1' } },
      routes: [{ alias: 'm', endpoints: ['model'], maxAttempts: 1 }],
      // A request reserves about 13 + 60 tokens: the first one fits, the budget then holds its reservation.
      keys: [{ id: 'cut', hash: hashApiKey(KEY), budget: { tokens: 70, period: 'day' } }],
      logging: { level: 'silent' },
    });
    const gateway = await startGateway({ config, port: 0 });
    const send = (stream: boolean) =>
      request(`${gateway.url}/v1/chat/completions`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', authorization: `Bearer ${KEY}` },
        body: JSON.stringify({
          model: 'm',
          stream,
          max_tokens: 60,
          messages: [{ role: 'user', content: 'go' }],
        }),
      });
    try {
      const streamed = await send(true);
      expect(streamed.statusCode).toBe(200);
      for await (const _chunk of streamed.body) break; // the first bytes, then the client goes away
      const next = await send(false);
      expect(next.statusCode).toBe(429);
      expect(await next.body.text()).toContain('budget');
    } finally {
      await gateway.close(0);
      await slow.close();
    }
  });

  it.skipIf(!REDIS_URL)('two gateways on one Redis: the same bound across processes', async () => {
    const prefix = `gw-budget-${randomUUID()}`;
    const gateways = [await startOne(prefix), await startOne(prefix)];
    try {
      const { statuses, spent, largest } = await spendConcurrently(
        gateways.map((gateway) => gateway.url),
        60,
      );
      expect([...statuses].sort()).toEqual([200, 429]);
      expect(spent).toBeLessThanOrEqual(BUDGET + largest);
    } finally {
      await Promise.all(gateways.map((gateway) => gateway.close(0)));
    }
  });
});
