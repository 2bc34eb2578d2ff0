// Errors caused by the request itself (found in a review: a 5,000-level nested schema was retried 23 times and opened
// the breaker of a healthy endpoint): they are typed, never retried, and never count against an endpoint.
import type { ChatRequest, JsonSchema, ToolDefinition } from '@victor-ai/core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createAnthropicProvider } from './anthropic/provider.js';
import { createOpenAICompatibleProvider } from './openai-compatible/provider.js';
import { createProviderPool, type ProviderPool } from './provider-pool.js';
import { createLoopbackServer, type LoopbackServer } from './testing/loopback-server.js';

let server: LoopbackServer;
beforeAll(async () => {
  server = await createLoopbackServer({ recordRequests: 0 });
});
afterAll(async () => {
  await server.close();
});

function nested(depth: number): JsonSchema {
  let schema: JsonSchema = { type: 'string' };
  for (let i = 0; i < depth; i++) schema = { type: 'object', properties: { inner: schema } };
  return schema;
}

/** A pool whose breakers open on the first counted failure, over two endpoints of the same server. */
function sensitivePool(kind: 'openai' | 'anthropic'): ProviderPool {
  const make = (id: string) =>
    kind === 'openai'
      ? createOpenAICompatibleProvider({ baseURL: server.baseURL, id })
      : createAnthropicProvider({ baseURL: server.baseURL, id });
  return createProviderPool({
    endpoints: [{ provider: make('first') }, { provider: make('second') }],
    maxAttempts: 5,
    backoff: { initialDelayMs: 0 },
    circuitBreaker: { windowSize: 1, minimumCalls: 1, failureRateThreshold: 0.01 },
  });
}

async function drain(pool: ProviderPool, request: ChatRequest): Promise<void> {
  for await (const _event of pool.stream(request)) {
    // consumed
  }
}

describe.each(['openai', 'anthropic'] as const)('request errors through a pool (%s)', (kind) => {
  it('refuses a tool schema nested 5,000 levels deep with INVALID_REQUEST, sends nothing, retries nothing', async () => {
    const pool = sensitivePool(kind);
    const tool: ToolDefinition = { name: 'deep', description: 'too deep', parameters: nested(5_000) };
    const request: ChatRequest = {
      model: 'loopback-1',
      messages: [{ role: 'user', content: 'x' }],
      tools: [tool],
    };
    const before = server.requestCount;
    const chatError = await pool.chat(request).catch((error: unknown) => error);
    expect(chatError).toMatchObject({ code: 'INVALID_REQUEST', isRetryable: false });
    expect((chatError as Error).message).toMatch(/cannot be serialised: Maximum call stack size exceeded/);
    await expect(drain(pool, request)).rejects.toMatchObject({ code: 'INVALID_REQUEST' });
    expect(server.requestCount).toBe(before);
    expect(pool.endpoints.map((endpoint) => [endpoint.state, endpoint.inFlight])).toEqual([
      ['closed', 0],
      ['closed', 0],
    ]);
    await pool.close();
  });

  it('refuses tool-call arguments nested 5,000 levels deep the same way', async () => {
    const pool = sensitivePool(kind);
    let deep: Record<string, unknown> = {};
    for (let i = 0; i < 5_000; i++) deep = { a: deep };
    const request: ChatRequest = {
      model: 'loopback-1',
      messages: [
        { role: 'user', content: 'x' },
        { role: 'assistant', content: '', toolCalls: [{ id: 'c1', name: 'f', arguments: deep }] },
        { role: 'tool', toolCallId: 'c1', name: 'f', content: 'ok' },
      ],
    };
    const before = server.requestCount;
    await expect(pool.chat(request)).rejects.toMatchObject({ code: 'INVALID_REQUEST' });
    expect(server.requestCount).toBe(before);
    expect(pool.endpoints.every((endpoint) => endpoint.state === 'closed')).toBe(true);
    await pool.close();
  });

  it.each([400, 413, 422])(
    'passes a %i straight back: one request, no retry, breaker untouched',
    async (status) => {
      const pool = sensitivePool(kind);
      const request: ChatRequest = { model: 'loopback-1', messages: [{ role: 'user', content: 'x' }] };
      server.enqueue({ kind: 'status', status, body: { error: { message: `refused with ${status}` } } });
      let before = server.requestCount;
      await expect(pool.chat(request)).rejects.toMatchObject({
        code: 'HTTP_STATUS',
        status,
        isRetryable: false,
      });
      expect(server.requestCount - before).toBe(1);
      server.enqueue({ kind: 'status', status });
      before = server.requestCount;
      await expect(drain(pool, request)).rejects.toMatchObject({ code: 'HTTP_STATUS', status });
      expect(server.requestCount - before).toBe(1);
      expect(pool.endpoints.every((endpoint) => endpoint.state === 'closed')).toBe(true);
      // The endpoints are still used as healthy ones.
      await expect(pool.chat(request)).resolves.toMatchObject({ text: 'You said: x' });
      await pool.close();
    },
  );
});
