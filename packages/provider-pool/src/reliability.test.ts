// The reliability check: two endpoints, one of them faulty, 5,000 requests at concurrency 256.
import type { ChatRequest, Provider, StreamEvent } from '@victor-ai/core';
import { VictorError } from '@victor-ai/core';
import { afterAll, describe, expect, it } from 'vitest';
import { createAnthropicProvider } from './anthropic/provider.js';
import { createOpenAICompatibleProvider } from './openai-compatible/provider.js';
import { createProviderPool } from './provider-pool.js';
import { createLoopbackServer } from './testing/loopback-server.js';

const TOTAL = 5_000;
const CONCURRENCY = 256;

interface Attempt {
  id: string;
  startedAt: number;
  firstEventAt: number | undefined;
}

/** Wraps a provider to record, per logical request, when each attempt started and produced its first event. */
function tracing(inner: Provider, attempts: Attempt[], clock: { tick: number }): Provider {
  return {
    id: inner.id,
    chat: (request) => inner.chat(request),
    async *stream(request: ChatRequest) {
      const attempt: Attempt = {
        id: request.headers?.['x-request-id'] ?? '',
        startedAt: clock.tick++,
        firstEventAt: undefined,
      };
      attempts.push(attempt);
      for await (const event of inner.stream(request)) {
        attempt.firstEventAt ??= clock.tick++;
        yield event;
      }
    },
    close: () => inner.close(),
  };
}

function openHandles(): { sockets: number; timers: number } {
  const resources = process.getActiveResourcesInfo();
  return {
    sockets: resources.filter((name) => name === 'TCPSocketWrap' || name === 'TCPServerWrap').length,
    timers: resources.filter((name) => name === 'Timeout').length,
  };
}

const unhandled: unknown[] = [];
const onUnhandled = (reason: unknown) => unhandled.push(reason);
process.on('unhandledRejection', onUnhandled);
afterAll(() => {
  process.off('unhandledRejection', onUnhandled);
});

describe('ProviderPool reliability', () => {
  it('serves 5,000 requests at concurrency 256 through a faulty endpoint: >= 99.5% succeed, all typed, nothing left open', async () => {
    const before = openHandles();
    const healthy = await createLoopbackServer({ recordRequests: 0 });
    const faulty = await createLoopbackServer({
      recordRequests: 0,
      faults: {
        seed: 42,
        status5xx: 0.1,
        reset: 0.05,
        stall: 0.05,
        malformed: 0.02,
        rateLimited: 0.03,
        retryAfterMs: 20,
      },
    });
    const attempts: Attempt[] = [];
    const clock = { tick: 0 };
    const pool = createProviderPool({
      endpoints: [
        {
          name: 'faulty',
          provider: tracing(
            createOpenAICompatibleProvider({ baseURL: faulty.baseURL, connections: 64 }),
            attempts,
            clock,
          ),
        },
        {
          name: 'healthy',
          provider: tracing(
            createAnthropicProvider({ baseURL: healthy.baseURL, connections: 64 }),
            attempts,
            clock,
          ),
        },
      ],
      maxAttempts: 5,
      attemptTimeoutMs: 3_000,
      deadlineMs: 20_000,
      backoff: { initialDelayMs: 5, maxDelayMs: 100 },
      circuitBreaker: { windowSize: 50, minimumCalls: 20, failureRateThreshold: 0.15, openDurationMs: 200 },
      // Breakers this sensitive open the healthy endpoint too on a loaded machine (attempt timeouts of the
      // in-process server); this test is about riding out faults, which is what panic mode is for.
      failFastWhenAllOpen: false,
    });

    let succeeded = 0;
    let typedFailures = 0;
    let untypedFailures = 0;
    const failureCodes: Record<string, number> = {};
    let next = 0;
    const worker = async () => {
      while (next < TOTAL) {
        const index = next++;
        const request: ChatRequest = {
          model: 'loopback-1',
          messages: [{ role: 'user', content: `request ${index}` }],
          headers: { 'x-request-id': String(index) },
        };
        try {
          if (index % 2 === 0) {
            const response = await pool.chat(request);
            if (response.text === `You said: request ${index}`) succeeded++;
          } else {
            let last: StreamEvent | undefined;
            let text = '';
            for await (const event of pool.stream(request)) {
              last = event;
              if (event.type === 'text-delta') text += event.delta;
            }
            if (last?.type === 'finish' && text === `You said: request ${index}`) succeeded++;
            else if (last?.type === 'error') {
              typedFailures++;
              failureCodes[last.error.code] = (failureCodes[last.error.code] ?? 0) + 1;
            } else untypedFailures++;
          }
        } catch (error) {
          if (VictorError.isInstance(error)) {
            typedFailures++;
            failureCodes[error.code] = (failureCodes[error.code] ?? 0) + 1;
          } else untypedFailures++;
        }
      }
    };
    await Promise.all(Array.from({ length: CONCURRENCY }, worker));

    if (process.env.VICTOR_RELIABILITY_REPORT) {
      process.stderr.write(
        `${JSON.stringify({ succeeded, failureCodes, faulty: faulty.replyCounts, healthyRequests: healthy.requestCount, faultyRequests: faulty.requestCount, endpoints: pool.endpoints })}\n`,
      );
    }
    expect(succeeded + typedFailures + untypedFailures).toBe(TOTAL);
    expect(untypedFailures).toBe(0);
    expect(succeeded / TOTAL, JSON.stringify({ succeeded, failureCodes })).toBeGreaterThanOrEqual(0.995);
    expect(unhandled).toEqual([]);
    // The faulty endpoint did fail (the test would prove nothing otherwise).
    expect(faulty.replyCounts.status ?? 0).toBeGreaterThan(0);
    expect(faulty.replyCounts.stall ?? 0).toBeGreaterThan(0);

    // No stream attempt started after another attempt of the same request produced an event.
    const byRequest = new Map<string, Attempt[]>();
    for (const attempt of attempts) {
      const list = byRequest.get(attempt.id) ?? [];
      list.push(attempt);
      byRequest.set(attempt.id, list);
    }
    let retriedAfterDelivery = 0;
    let retriedStreams = 0;
    for (const list of byRequest.values()) {
      if (list.length > 1) retriedStreams++;
      for (const delivered of list) {
        if (delivered.firstEventAt === undefined) continue;
        if (list.some((other) => other !== delivered && other.startedAt > delivered.firstEventAt!)) {
          retriedAfterDelivery++;
        }
      }
    }
    expect(retriedStreams).toBeGreaterThan(0);
    expect(retriedAfterDelivery).toBe(0);

    await pool.close();
    await healthy.close();
    await faulty.close();
    await expect
      .poll(() => {
        const after = openHandles();
        return after.sockets <= before.sockets && after.timers <= before.timers;
      })
      .toBe(true);
  }, 60_000);
});
