import type { ChatRequest, ChatResponse } from '@victor-ai/core';
import { describe, expect, it } from 'vitest';
import { RecordingMetrics } from './__fixtures__/recording-metrics.js';
import { collect, source, textEvents } from './__fixtures__/streams.js';
import { MemoryCache } from './memory-cache.js';
import { ResponseCache } from './response-cache.js';

const answer = (text: string): ChatResponse => ({
  message: { role: 'assistant', content: text },
  text,
  toolCalls: [],
  finishReason: 'stop',
  usage: { inputTokens: 1, outputTokens: 1 },
});

const request = (tenantId: string, temperature = 0): ChatRequest => ({
  model: 'm',
  temperature,
  messages: [{ role: 'user', content: 'hi' }],
  metadata: { tenantId },
});

describe('ResponseCache', () => {
  describe('size bound', () => {
    it('returns an answer over maxEntryBytes without storing it, and counts it', async () => {
      const metrics = new RecordingMetrics();
      const responses = new ResponseCache({
        cache: new MemoryCache({ name: 'response' }),
        maxEntryBytes: 10_000,
        metrics,
      });
      let calls = 0;
      const big = async () => answer(`${++calls}${'x'.repeat(10_000)}`);
      expect((await responses.chat(request('a'), big)).cached).toBe(false);
      expect((await responses.chat(request('a'), big)).cached).toBe(false);
      expect(calls).toBe(2);
      expect(
        metrics.total('victor_cache_errors_total', {
          cache: 'response',
          tier: 'response',
          operation: 'oversize',
        }),
      ).toBe(2);
    });

    it('stores nothing over 1 MiB by default, answers or streams', async () => {
      const responses = new ResponseCache({ cache: new MemoryCache({ name: 'response' }) });
      let calls = 0;
      const text = 'x'.repeat(600 * 1024);
      await responses.chat(request('a'), async () => answer(`${++calls}${text}`));
      expect((await responses.chat(request('a'), async () => answer(`${++calls}${text}`))).cached).toBe(
        false,
      );
      const counter = { started: 0 };
      const start = () => source(textEvents(text), counter);
      for (let i = 0; i < 2; i++) for await (const _ of responses.stream(request('a'), start));
      expect(counter.started).toBe(2);
    });

    it('refuses a maxEntryBytes that is not a positive integer, naming it', () => {
      expect(
        () => new ResponseCache({ cache: new MemoryCache({ name: 'response' }), maxEntryBytes: 0 }),
      ).toThrow('maxEntryBytes must be a positive integer, got 0');
    });
  });

  it('drops one tenant’s answers, answers and streams, with tagTenants, and leaves the others', async () => {
    const responses = new ResponseCache({ cache: new MemoryCache({ name: 'response' }), tagTenants: true });
    let calls = 0;
    const call = async () => answer(`answer ${++calls}`);
    await responses.chat(request('a'), call);
    await responses.chat(request('b'), call);
    const streams = { started: 0 };
    const start = () => source(textEvents('x'), streams);
    for await (const _ of responses.stream(request('a'), start)) void _;
    expect(await responses.invalidateTenant('a')).toBe(2);
    expect((await responses.chat(request('a'), call)).cached).toBe(false);
    expect((await responses.chat(request('b'), call)).cached).toBe(true);
    for await (const _ of responses.stream(request('a'), start)) void _;
    expect(streams.started).toBe(2);
    await responses.clear();
    expect((await responses.chat(request('b'), call)).cached).toBe(false);
  });

  it('refuses invalidateTenant without tagTenants, naming the option', () => {
    const responses = new ResponseCache({ cache: new MemoryCache({ name: 'response' }) });
    expect(() => responses.invalidateTenant('a')).toThrow('tagTenants must be true to invalidate by tenant');
  });

  it('calls the model once for a repeated deterministic request of one tenant', async () => {
    const responses = new ResponseCache({ cache: new MemoryCache({ name: 'response' }) });
    let calls = 0;
    const call = async () => answer(`answer ${++calls}`);
    expect(await responses.chat(request('a'), call)).toEqual({ response: answer('answer 1'), cached: false });
    expect(await responses.chat(request('a'), call)).toEqual({ response: answer('answer 1'), cached: true });
    expect(calls).toBe(1);
  });

  it('never serves one tenant the answer cached for another', async () => {
    const responses = new ResponseCache({ cache: new MemoryCache({ name: 'response' }) });
    await responses.chat(request('a'), async () => answer('for a'));
    expect(await responses.chat(request('b'), async () => answer('for b'))).toEqual({
      response: answer('for b'),
      cached: false,
    });
  });

  it('always asks the model for a request that is not deterministic', async () => {
    const responses = new ResponseCache({ cache: new MemoryCache({ name: 'response' }) });
    let calls = 0;
    await responses.chat(request('a', 0.7), async () => answer(`${++calls}`));
    await responses.chat(request('a', 0.7), async () => answer(`${++calls}`));
    expect(calls).toBe(2);
  });

  it('replays a completed stream as the same events', async () => {
    const responses = new ResponseCache({ cache: new MemoryCache({ name: 'response' }) });
    const events = textEvents('hi');
    const counter = { started: 0 };
    const read = () => collect(responses.stream(request('a'), () => source(events, counter)));
    expect(await read()).toEqual(events);
    expect(await read()).toEqual(events);
    expect(counter.started).toBe(1);
  });

  it('refuses a bad ttlMs, naming it', () => {
    expect(() => new ResponseCache({ cache: new MemoryCache({ name: 'r' }), ttlMs: 0 })).toThrow(
      'ttlMs must be a positive finite number of milliseconds, got 0',
    );
  });
});

describe('ResponseCache, shared calls', () => {
  it('sends a shared call with a signal that only aborts when every caller has left', async () => {
    const { MemoryCache } = await import('./memory-cache.js');
    const { ResponseCache } = await import('./response-cache.js');
    const responses = new ResponseCache({ cache: new MemoryCache<unknown>({ name: 'r' }) });
    const first = new AbortController();
    let release!: () => void;
    let seen: AbortSignal | undefined;
    const call = (abortSignal: AbortSignal | undefined) => {
      seen = abortSignal;
      return new Promise<import('@victor-ai/core').ChatResponse>((resolve) => {
        release = () =>
          resolve({
            message: { role: 'assistant', content: 'ok' },
            text: 'ok',
            toolCalls: [],
            finishReason: 'stop',
            usage: { inputTokens: 0, outputTokens: 0 },
          });
      });
    };
    const base = { model: 'm', temperature: 0, messages: [{ role: 'user' as const, content: 'same' }] };
    const leaving = responses.chat({ ...base, abortSignal: first.signal }, call);
    const staying = responses.chat(base, call);
    await new Promise((resolve) => setImmediate(resolve));
    first.abort();
    await expect(leaving).rejects.toMatchObject({ code: 'ABORTED' });
    expect(seen?.aborted).toBe(false);
    release();
    await expect(staying).resolves.toMatchObject({ cached: true, response: { text: 'ok' } });
  });
});
