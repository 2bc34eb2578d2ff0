import type { Clock, MetricsSink, Provider, StreamEvent } from '@victor-ai/core';
import { ConnectionError, HttpStatusError, InvalidResponseError, VictorError } from '@victor-ai/core';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { request, ScriptedProvider, unavailable } from './__fixtures__/scripted-provider.js';
import { createProviderPool, type ProviderPoolOptions } from './provider-pool.js';

const clock: Clock = { now: () => Date.now(), epochMs: () => Date.now() };

/** A pool over `a` then `b` (ordered selection, the test clock), with `options` on top. */
function orderedPool(a: Provider, b: Provider, options: Partial<ProviderPoolOptions> = {}) {
  return createProviderPool({
    endpoints: [{ provider: a }, { provider: b }],
    selection: 'ordered',
    clock,
    ...options,
  });
}

/** A pool over `provider` alone (the test clock, no circuit breaker), with `options` on top. */
function singleEndpointPool(provider: Provider, options: Partial<ProviderPoolOptions> = {}) {
  return createProviderPool({ endpoints: [{ provider }], clock, circuitBreaker: false, ...options });
}

function recordingSink(): MetricsSink & { events: Array<[string, string, unknown]> } {
  const events: Array<[string, string, unknown]> = [];
  return {
    events,
    increment: (name, labels) => events.push(['increment', name, labels]),
    gauge: (name, value, labels) => events.push(['gauge', name, { value, ...labels }]),
    observe: () => {},
  };
}

describe('ProviderPool', () => {
  beforeEach(() => {
    vi.useFakeTimers();
  });
  afterEach(() => {
    vi.useRealTimers();
  });

  describe('retries', () => {
    it('retries a retryable failure on the other endpoint without waiting', async () => {
      const a = new ScriptedProvider('a', [unavailable()]);
      const b = new ScriptedProvider('b');
      const pool = orderedPool(a, b);
      await expect(pool.chat(request)).resolves.toMatchObject({ text: 'b' });
      expect([a.calls, b.calls]).toEqual([1, 1]);
    });

    it('never retries a non-retryable error', async () => {
      const a = new ScriptedProvider('a', [new HttpStatusError({ status: 400, url: 'u', responseBody: '' })]);
      const b = new ScriptedProvider('b');
      const pool = orderedPool(a, b);
      await expect(pool.chat(request)).rejects.toMatchObject({ status: 400 });
      expect(b.calls).toBe(0);
    });

    it('never retries an abort', async () => {
      const a = new ScriptedProvider('a', ['stall']);
      const b = new ScriptedProvider('b');
      const pool = orderedPool(a, b);
      const controller = new AbortController();
      const pending = pool.chat({ ...request, abortSignal: controller.signal });
      controller.abort();
      await expect(pending).rejects.toMatchObject({ code: 'ABORTED' });
      expect(b.calls).toBe(0);
    });

    it('backs off with full jitter between attempts on the same endpoint', async () => {
      const a = new ScriptedProvider('a', [
        new ConnectionError({ message: 'x' }),
        new ConnectionError({ message: 'y' }),
      ]);
      const pool = singleEndpointPool(a, {
        backoff: { initialDelayMs: 100, maxDelayMs: 1000 },
        random: () => 0.5,
      });
      const pending = pool.chat(request);
      await vi.advanceTimersByTimeAsync(0);
      expect(a.calls).toBe(1);
      await vi.advanceTimersByTimeAsync(49);
      expect(a.calls).toBe(1);
      await vi.advanceTimersByTimeAsync(1); // 0.5 x 100
      expect(a.calls).toBe(2);
      await vi.advanceTimersByTimeAsync(99);
      expect(a.calls).toBe(2);
      await vi.advanceTimersByTimeAsync(1); // 0.5 x 200
      await expect(pending).resolves.toMatchObject({ text: 'a' });
      expect(a.calls).toBe(3);
    });

    it('waits at least Retry-After before calling the same endpoint again', async () => {
      const limited = new HttpStatusError({ status: 429, url: 'u', responseBody: '', retryAfterMs: 700 });
      const a = new ScriptedProvider('a', [limited]);
      const pool = singleEndpointPool(a, {
        random: () => 0,
      });
      const pending = pool.chat(request);
      await vi.advanceTimersByTimeAsync(699);
      expect(a.calls).toBe(1);
      await vi.advanceTimersByTimeAsync(1);
      await expect(pending).resolves.toMatchObject({ text: 'a' });
    });

    it('prefers an endpoint whose Retry-After has not been given over one that asked to wait', async () => {
      const limited = new HttpStatusError({ status: 429, url: 'u', responseBody: '', retryAfterMs: 10_000 });
      const a = new ScriptedProvider('a', [limited]);
      const b = new ScriptedProvider('b');
      const pool = orderedPool(a, b);
      await pool.chat(request);
      await pool.chat(request);
      expect([a.calls, b.calls]).toEqual([1, 2]);
    });

    it('stops at maxAttempts with the last error', async () => {
      const a = new ScriptedProvider('a', [], unavailable());
      const pool = singleEndpointPool(a, {
        maxAttempts: 2,
        random: () => 0,
      });
      await expect(pool.chat(request)).rejects.toMatchObject({ status: 503 });
      expect(a.calls).toBe(2);
    });

    it('gives up at the total deadline with the failure that led there', async () => {
      const a = new ScriptedProvider('a', [], unavailable());
      const pool = singleEndpointPool(a, {
        maxAttempts: 10,
        deadlineMs: 250,
        backoff: { initialDelayMs: 100 },
        random: () => 1,
      });
      const pending = pool.chat(request).catch((error: unknown) => error);
      await vi.advanceTimersByTimeAsync(1_000);
      expect(await pending).toMatchObject({ status: 503 });
      expect(a.calls).toBeLessThan(4);
    });

    it('times out a stalled attempt and retries it elsewhere', async () => {
      const a = new ScriptedProvider('a', ['stall']);
      const b = new ScriptedProvider('b');
      const pool = orderedPool(a, b, {
        attemptTimeoutMs: 100,
      });
      const pending = pool.chat(request);
      await vi.advanceTimersByTimeAsync(100);
      await expect(pending).resolves.toMatchObject({ text: 'b' });
    });

    it('falls back to another endpoint on an undecodable response', async () => {
      const broken = new InvalidResponseError({ message: 'garbage' });
      const a = new ScriptedProvider('a', [broken]);
      const b = new ScriptedProvider('b');
      const pool = orderedPool(a, b, {
        circuitBreaker: false,
      });
      await expect(pool.chat(request)).resolves.toMatchObject({ text: 'b' });
      expect([a.calls, b.calls]).toEqual([1, 1]);
    });

    it('retries the same endpoint after backoff on an undecodable response once every endpoint was tried', async () => {
      const broken = new InvalidResponseError({ message: 'garbage' });
      const a = new ScriptedProvider('a', [broken]);
      const b = new ScriptedProvider('b', [broken]);
      const pool = orderedPool(a, b, {
        maxAttempts: 3,
        backoff: { initialDelayMs: 100, maxDelayMs: 100 },
        random: () => 0.5,
        circuitBreaker: false,
      });
      await expect(pool.chat(request)).resolves.toMatchObject({ text: 'a' });
      expect([a.calls, b.calls]).toEqual([2, 1]);

      const only = new ScriptedProvider('only', [broken]);
      const single = createProviderPool({
        endpoints: [{ provider: only }],
        backoff: { initialDelayMs: 100, maxDelayMs: 100 },
        random: () => 0.5,
        clock,
      });
      const pending = single.chat(request);
      await vi.advanceTimersByTimeAsync(49);
      expect(only.calls).toBe(1);
      await vi.advanceTimersByTimeAsync(1);
      await expect(pending).resolves.toMatchObject({ text: 'only' });
      expect(only.calls).toBe(2);
    });

    it('gives up on undecodable responses when the attempts run out', async () => {
      const broken = new InvalidResponseError({ message: 'garbage' });
      const a = new ScriptedProvider('a', [], broken);
      const pool = singleEndpointPool(a, {
        maxAttempts: 2,
        backoff: { initialDelayMs: 0 },
      });
      await expect(pool.chat(request)).rejects.toMatchObject({ code: 'INVALID_RESPONSE' });
      expect(a.calls).toBe(2);
    });
  });

  describe('stream', () => {
    it('retries a stream that failed before its first event', async () => {
      const a = new ScriptedProvider('a', [unavailable()]);
      const b = new ScriptedProvider('b');
      const pool = orderedPool(a, b);
      const events: StreamEvent[] = [];
      for await (const event of pool.stream(request)) events.push(event);
      expect(events.map((event) => event.type)).toEqual(['response-start', 'text-delta', 'finish']);
      expect(events[0]).toMatchObject({ id: 'b' });
    });

    it('never retries once an event reached the caller', async () => {
      const partial: Provider = {
        id: 'partial',
        chat: () => Promise.reject(new Error('unused')),
        async *stream() {
          yield { type: 'response-start' } as StreamEvent;
          yield { type: 'error', error: new ConnectionError({ message: 'cut' }) } as StreamEvent;
        },
        close: async () => {},
      };
      const b = new ScriptedProvider('b');
      const pool = createProviderPool({
        endpoints: [{ provider: partial }, { provider: b }],
        selection: 'ordered',
        clock,
      });
      const events: StreamEvent[] = [];
      for await (const event of pool.stream(request)) events.push(event);
      expect(events.map((event) => event.type)).toEqual(['response-start', 'error']);
      expect(b.streamCalls).toBe(0);
    });
  });

  describe('selection', () => {
    it('spreads load by weight when latencies are equal', async () => {
      const a = new ScriptedProvider('a', [], { delayMs: 10 });
      const b = new ScriptedProvider('b', [], { delayMs: 10 });
      const pool = createProviderPool({
        endpoints: [
          { provider: a, weight: 3 },
          { provider: b, weight: 1 },
        ],
        clock,
      });
      const pending = Array.from({ length: 40 }, () => pool.chat(request));
      await vi.advanceTimersByTimeAsync(10);
      await Promise.all(pending);
      expect(a.calls).toBe(30);
      expect(b.calls).toBe(10);
    });

    it('sends more load to the endpoint with the lower EWMA latency', async () => {
      const slow = new ScriptedProvider('slow', [], { delayMs: 50 });
      const fast = new ScriptedProvider('fast', [], { delayMs: 5 });
      const pool = createProviderPool({ endpoints: [{ provider: slow }, { provider: fast }], clock });
      for (let i = 0; i < 20; i++) {
        const pending = pool.chat(request);
        await vi.advanceTimersByTimeAsync(50);
        await pending;
      }
      expect(fast.calls).toBeGreaterThan(slow.calls * 3);
      expect(pool.endpoints.map((endpoint) => endpoint.name)).toEqual(['slow', 'fast']);
    });

    it('uses the given fallback order with selection "ordered"', async () => {
      const a = new ScriptedProvider('a');
      const b = new ScriptedProvider('b');
      const pool = orderedPool(a, b);
      for (let i = 0; i < 5; i++) await pool.chat(request);
      expect([a.calls, b.calls]).toEqual([5, 0]);
    });
  });

  describe('latency decay', () => {
    it('tries a failed endpoint again once its penalised latency has decayed', async () => {
      const a = new ScriptedProvider('a', [unavailable()], { delayMs: 1 });
      const b = new ScriptedProvider('b', [], { delayMs: 1 });
      const pool = createProviderPool({
        endpoints: [{ provider: a }, { provider: b }],
        latencyHalfLifeMs: 100,
        circuitBreaker: false,
        clock,
      });
      const run = async () => {
        const pending = pool.chat(request);
        await vi.advanceTimersByTimeAsync(1);
        await pending;
      };
      await run(); // a fails (penalised), b answers
      const callsToA = a.calls;
      for (let i = 0; i < 5; i++) await run();
      expect(a.calls).toBe(callsToA);
      await vi.advanceTimersByTimeAsync(5_000);
      for (let i = 0; i < 5; i++) await run();
      expect(a.calls).toBeGreaterThan(callsToA);
    });
  });

  describe('embed', () => {
    it('embeds on endpoints that can, falling back on failure', async () => {
      const vectors = [Float32Array.of(1, 0)];
      const failing = Object.assign(new ScriptedProvider('no-embed'), {});
      const flaky = Object.assign(new ScriptedProvider('flaky'), {
        embed: vi.fn().mockRejectedValueOnce(unavailable()),
      });
      const good = Object.assign(new ScriptedProvider('good'), {
        embed: vi.fn().mockResolvedValue({ embeddings: vectors }),
      });
      const pool = createProviderPool({
        endpoints: [{ provider: failing }, { provider: flaky }, { provider: good }],
        selection: 'ordered',
        clock,
      });
      await expect(pool.embed({ inputs: ['x'] })).resolves.toEqual({ embeddings: vectors });
      expect(flaky.embed).toHaveBeenCalledTimes(1);
    });

    it('refuses embed() when no endpoint can embed', async () => {
      const pool = createProviderPool({ endpoints: [{ provider: new ScriptedProvider('chat-only') }] });
      await expect(pool.embed({ inputs: ['x'] })).rejects.toMatchObject({ code: 'INVALID_CONFIG' });
    });
  });

  describe('circuit breaker', () => {
    it('opens on failures, reports the change, routes around the endpoint, and closes after probes', async () => {
      const metrics = recordingSink();
      const a = new ScriptedProvider('a', Array.from({ length: 4 }, unavailable));
      const b = new ScriptedProvider('b');
      const pool = orderedPool(a, b, {
        circuitBreaker: {
          windowSize: 4,
          minimumCalls: 4,
          failureRateThreshold: 0.5,
          openDurationMs: 1_000,
          halfOpenProbes: 1,
        },
        metrics,
      });
      for (let i = 0; i < 4; i++) await pool.chat(request);
      expect(pool.endpoints[0]!.state).toBe('open');
      expect(metrics.events).toContainEqual([
        'increment',
        'victor_provider_circuit_transitions_total',
        { endpoint: 'a', from: 'closed', to: 'open' },
      ]);
      await pool.chat(request);
      expect(a.calls).toBe(4);
      await vi.advanceTimersByTimeAsync(1_000);
      expect(pool.endpoints[0]!.state).toBe('half-open');
      await pool.chat(request);
      expect(a.calls).toBe(5);
      expect(pool.endpoints[0]!.state).toBe('closed');
    });

    it('fails fast with CIRCUIT_OPEN when every circuit is open, by default', async () => {
      const a = new ScriptedProvider('a', [], unavailable());
      const pool = singleEndpointPool(a, {
        maxAttempts: 1,
        circuitBreaker: { windowSize: 2, minimumCalls: 2 },
      });
      await pool.chat(request).catch(() => {});
      await pool.chat(request).catch(() => {});
      const error = await pool.chat(request).catch((caught: unknown) => caught);
      expect(error).toMatchObject({ code: 'CIRCUIT_OPEN', isRetryable: true });
      expect(a.calls).toBe(2);
    });

    it('fails a stream fast too, and lets a half-open endpoint have its probes', async () => {
      const a = new ScriptedProvider('a', [unavailable(), unavailable()]);
      const b = new ScriptedProvider('b', [unavailable(), unavailable()]);
      const pool = createProviderPool({
        endpoints: [
          { provider: a, circuitBreaker: { openDurationMs: 1_000 } },
          { provider: b, circuitBreaker: { openDurationMs: 5_000 } },
        ],
        maxAttempts: 1,
        selection: 'ordered',
        circuitBreaker: { windowSize: 2, minimumCalls: 2, halfOpenProbes: 1 },
        clock,
      });
      for (let i = 0; i < 4; i++) await pool.chat(request).catch(() => {});
      expect(pool.endpoints.map((endpoint) => endpoint.state)).toEqual(['open', 'open']);
      const streamed = async () => {
        const types: string[] = [];
        for await (const event of pool.stream(request)) types.push(event.type);
        return types;
      };
      await expect(streamed()).rejects.toMatchObject({ code: 'CIRCUIT_OPEN', retryAtMs: expect.any(Number) });
      expect([a.calls + a.streamCalls, b.calls + b.streamCalls]).toEqual([2, 2]);
      // Once `a` half-opens, its one probe goes through (and closes it); the pool sends nothing to `b`.
      await vi.advanceTimersByTimeAsync(1_000);
      await expect(streamed()).resolves.toEqual(['response-start', 'text-delta', 'finish']);
      expect(pool.endpoints.map((endpoint) => endpoint.state)).toEqual(['closed', 'open']);
      expect(b.calls + b.streamCalls).toBe(2);
    });

    it('still tries the best endpoint when every circuit is open with failFastWhenAllOpen: false (panic mode)', async () => {
      const a = new ScriptedProvider('a', [unavailable(), unavailable()]);
      const pool = singleEndpointPool(a, {
        maxAttempts: 1,
        failFastWhenAllOpen: false,
        circuitBreaker: { windowSize: 2, minimumCalls: 2 },
      });
      await pool.chat(request).catch(() => {});
      await pool.chat(request).catch(() => {});
      expect(pool.endpoints[0]!.state).toBe('open');
      await expect(pool.chat(request)).resolves.toMatchObject({ text: 'a' });
    });
  });

  describe('in-flight accounting', () => {
    it('counts an attempt while it runs and returns to 0 after success, failure, retry, abort and early stream exit', async () => {
      const a = new ScriptedProvider('a', [{ delayMs: 10 }, unavailable(), 'stall'], 'ok');
      const b = new ScriptedProvider('b');
      const pool = orderedPool(a, b);
      const inFlight = () => pool.endpoints.map((endpoint) => endpoint.inFlight);
      const slow = pool.chat(request);
      expect(inFlight()).toEqual([1, 0]);
      await vi.advanceTimersByTimeAsync(10);
      await slow;
      expect(inFlight()).toEqual([0, 0]);
      await pool.chat(request); // a fails, b answers
      expect(inFlight()).toEqual([0, 0]);
      const controller = new AbortController();
      const stalled = pool.chat({ ...request, abortSignal: controller.signal });
      controller.abort();
      await stalled.catch(() => {});
      expect(inFlight()).toEqual([0, 0]);
      for await (const event of pool.stream(request)) {
        expect(event.type).toBe('response-start');
        expect(inFlight()).toEqual([1, 0]);
        break;
      }
      expect(inFlight()).toEqual([0, 0]);
    });
  });

  describe('lifecycle and options', () => {
    it('closes its endpoints and refuses later calls', async () => {
      const a = new ScriptedProvider('a');
      const pool = createProviderPool({ endpoints: [{ provider: a }] });
      await pool.close();
      expect(a.closed).toBe(true);
      await expect(pool.chat(request)).rejects.toMatchObject({ code: 'INVALID_CONFIG' });
    });

    it.each([
      [{ endpoints: [] }, 'endpoints must be a non-empty array'],
      [{ endpoints: [{ provider: {} }] }, 'endpoints[0].provider must be a Provider'],
      [
        { endpoints: [{ provider: new ScriptedProvider('a'), weight: 0 }] },
        'endpoints[0].weight must be a positive finite number, got 0',
      ],
      [
        { endpoints: [{ provider: new ScriptedProvider('a') }], maxAttempts: 0 },
        'maxAttempts must be a positive integer, got 0',
      ],
      [
        { endpoints: [{ provider: new ScriptedProvider('a') }], selection: 'random' },
        'selection must be "balanced" or "ordered"',
      ],
    ])('refuses %j', (options, message) => {
      expect(() => createProviderPool(options as never)).toThrow(message);
    });

    it('reports errors as Victor errors', async () => {
      const a = new ScriptedProvider('a', [new Error('plain')]);
      const pool = createProviderPool({ endpoints: [{ provider: a }], maxAttempts: 1 });
      const error = await pool.chat(request).catch((caught: unknown) => caught);
      expect(VictorError.isInstance(error)).toBe(true);
    });
  });
});

describe('ProviderPool, long Retry-After', () => {
  it('passes a 429 that asks for more than maxRetryWaitMs straight back instead of holding the request', async () => {
    const tooLong = new HttpStatusError({ status: 429, url: 'u', responseBody: '', retryAfterMs: 3_600_000 });
    const only = new ScriptedProvider('only', [tooLong]);
    const pool = createProviderPool({ endpoints: [{ provider: only }], clock, maxRetryWaitMs: 1_000 });
    // Had the pool waited the hour, this test would time out.
    await expect(pool.chat({ model: 'm', messages: [{ role: 'user', content: 'x' }] })).rejects.toBe(tooLong);
    expect(only.calls).toBe(1);
  });

  it('still falls back to another endpoint at once', async () => {
    const tooLong = new HttpStatusError({ status: 429, url: 'u', responseBody: '', retryAfterMs: 3_600_000 });
    const busy = new ScriptedProvider('busy', [tooLong]);
    const spare = new ScriptedProvider('spare');
    const pool = createProviderPool({
      endpoints: [{ provider: busy }, { provider: spare }],
      selection: 'ordered',
      clock,
    });
    await expect(
      pool.chat({ model: 'm', messages: [{ role: 'user', content: 'x' }] }),
    ).resolves.toMatchObject({ text: 'spare' });
  });
});
