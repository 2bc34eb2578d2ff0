// A behaviour suite every HTTP `Provider` of this package must pass, run against the loopback server
// (the way undici runs one cache-store suite over every store). Not shipped: see package.json `files`.
import type { ChatRequest, Provider, StreamEvent } from '@victor-ai/core';
import { MetricNames, VictorError } from '@victor-ai/core';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { HttpProviderOptions } from './http-provider.js';
import { collectEvents } from './testing/collect-events.js';
import { createLoopbackServer, type LoopbackServer } from './testing/loopback-server.js';

/** Builds the provider under test against a loopback base URL. */
export type ProviderFactory = (baseURL: string, options?: Partial<HttpProviderOptions>) => Provider;

const request = (content: string, extra: Partial<ChatRequest> = {}): ChatRequest => ({
  model: 'loopback-1',
  messages: [{ role: 'user', content }],
  ...extra,
});

/** Registers the shared `Provider` behaviour tests for one provider. */
export function providerBehaviourSuite(name: string, create: ProviderFactory): void {
  describe(`${name} (Provider behaviour)`, () => {
    let server: LoopbackServer;
    let provider: Provider;

    beforeAll(async () => {
      // Stalls are scripted by content, not queued: a request aborted before it reached the server must
      // not leave a queued stall behind for the next test.
      server = await createLoopbackServer({
        reply: (seen) => {
          const messages = seen.body.messages as Array<{ content?: unknown }> | undefined;
          const content = messages?.at(-1)?.content;
          // An Anthropic message marked with a cache breakpoint is a text block.
          const text = Array.isArray(content)
            ? (content[0] as { text?: unknown } | undefined)?.text
            : content;
          return text === 'stall' ? { kind: 'stall' } : undefined;
        },
      });
      provider = create(server.baseURL);
    });
    afterAll(async () => {
      await provider.close();
      await server.close();
    });
    afterEach(() => {
      server.configure({ latencyMs: 0, ttftMs: 0, chunkGapMs: 0 });
    });

    describe('chat', () => {
      it('returns text, finish reason, usage and model', async () => {
        server.enqueue({ text: 'Hello there', usage: { inputTokens: 7, outputTokens: 3 } });
        const response = await provider.chat(request('hi'));
        expect(response).toMatchObject({
          text: 'Hello there',
          message: { role: 'assistant', content: 'Hello there' },
          finishReason: 'stop',
          usage: { inputTokens: 7, outputTokens: 3 },
          model: 'loopback-1',
          toolCalls: [],
        });
      });

      it('returns parsed tool calls with finish reason tool-calls', async () => {
        server.enqueue({
          toolCalls: [
            { id: 'c1', name: 'read_file', arguments: { path: 'a.ts' } },
            { id: 'c2', name: 'list_dir', arguments: {} },
          ],
        });
        const response = await provider.chat(request('read a.ts'));
        expect(response.finishReason).toBe('tool-calls');
        expect(response.toolCalls).toEqual([
          { id: 'c1', name: 'read_file', arguments: { path: 'a.ts' } },
          { id: 'c2', name: 'list_dir', arguments: {} },
        ]);
      });

      it('turns an HTTP error into a typed, retryable error with Retry-After', async () => {
        server.enqueue({
          kind: 'status',
          status: 429,
          body: { error: { message: 'slow down' } },
          headers: { 'retry-after-ms': '1500' },
        });
        const error = await provider.chat(request('x')).catch((caught: unknown) => caught);
        expect(VictorError.isInstance(error)).toBe(true);
        expect(error).toMatchObject({
          code: 'HTTP_STATUS',
          status: 429,
          isRetryable: true,
          retryAfterMs: 1500,
        });
        expect((error as Error).message).toContain('slow down');
      });

      it('reports a dropped connection as CONNECTION_FAILED', async () => {
        server.enqueue({ kind: 'drop' });
        await expect(provider.chat(request('x'))).rejects.toMatchObject({
          code: 'CONNECTION_FAILED',
          isRetryable: true,
        });
      });

      it('reports a body that is not JSON as INVALID_RESPONSE', async () => {
        server.enqueue({ kind: 'malformed', afterChunks: 0 });
        await expect(provider.chat(request('x'))).rejects.toMatchObject({ code: 'INVALID_RESPONSE' });
      });

      it('aborts with ABORTED, not retryable', async () => {
        const controller = new AbortController();
        const pending = provider.chat(request('stall', { abortSignal: controller.signal }));
        setTimeout(() => controller.abort(), 10);
        await expect(pending).rejects.toMatchObject({ code: 'ABORTED', isRetryable: false });
      });

      it('enforces its deadline with TIMEOUT', async () => {
        const strict = create(server.baseURL, { timeoutMs: 30 });
        await expect(strict.chat(request('stall'))).rejects.toMatchObject({ code: 'TIMEOUT' });
        await strict.close();
      });

      it('opens no connection in steady state', async () => {
        const fresh = create(server.baseURL);
        for (let i = 0; i < 5; i++) await fresh.chat(request(`warm${i}`));
        const warmed = server.connectionCount;
        for (let i = 0; i < 20; i++) await fresh.chat(request(`n${i}`));
        expect(server.connectionCount).toBe(warmed);
        await fresh.close();
      });

      it('reports each TCP connection it opens through MetricsSink, and none in steady state', async () => {
        const opened: string[] = [];
        const metrics = {
          increment: (name: string, labels?: Readonly<Record<string, string>>) => {
            if (name === MetricNames.providerConnectionsOpened) opened.push(labels?.provider ?? '');
          },
          gauge() {},
          observe() {},
        };
        const counted = create(server.baseURL, { metrics });
        for (let i = 0; i < 5; i++) await counted.chat(request(`warm${i}`));
        expect(opened.length).toBeGreaterThan(0);
        expect(opened[0]).toBe(counted.id);
        const warmed = opened.length;
        for (let i = 0; i < 20; i++) await collectEvents(counted.stream(request(`n${i}`)));
        expect(opened.length).toBe(warmed);
        await counted.close();
      });

      it('holds an in-flight slot for a stream until it ends or the consumer stops', async () => {
        const limited = create(server.baseURL, { maxInFlight: 1, queueTimeoutMs: 50 });
        server.configure({ chunkGapMs: 5 });
        server.enqueue({ text: 'abcdefgh', chunkSize: 1 });
        const iterator = limited.stream(request('x'))[Symbol.asyncIterator]();
        await iterator.next();
        await expect(limited.chat(request('blocked'))).rejects.toMatchObject({ code: 'POOL_EXHAUSTED' });
        await iterator.return?.(undefined);
        await expect(limited.chat(request('free'))).resolves.toMatchObject({ text: 'You said: free' });
        await limited.close();
      });

      it('fails with POOL_EXHAUSTED when the in-flight limit and queue timeout are reached', async () => {
        const limited = create(server.baseURL, { maxInFlight: 1, queueTimeoutMs: 20 });
        const controller = new AbortController();
        const first = limited
          .chat(request('stall', { abortSignal: controller.signal }))
          .catch((error) => error);
        await expect(limited.chat(request('b'))).rejects.toMatchObject({ code: 'POOL_EXHAUSTED' });
        controller.abort();
        await expect(first).resolves.toMatchObject({ code: 'ABORTED' });
        await limited.close();
      });

      it('refuses calls after close()', async () => {
        const closed = create(server.baseURL);
        await closed.close();
        await expect(closed.chat(request('x'))).rejects.toMatchObject({ code: 'INVALID_CONFIG' });
      });
    });

    describe('stream', () => {
      it('yields start, text deltas in order, and finish with usage', async () => {
        server.enqueue({ text: 'abcdefghij', chunkSize: 4, usage: { inputTokens: 5, outputTokens: 2 } });
        const events = await collectEvents(provider.stream(request('hi')));
        expect(events[0]).toMatchObject({ type: 'response-start', model: 'loopback-1' });
        expect(events.filter((event) => event.type === 'text-delta')).toEqual([
          { type: 'text-delta', delta: 'abcd' },
          { type: 'text-delta', delta: 'efgh' },
          { type: 'text-delta', delta: 'ij' },
        ]);
        expect(events.at(-1)).toEqual({
          type: 'finish',
          finishReason: 'stop',
          usage: { inputTokens: 5, outputTokens: 2 },
        });
      });

      it('assembles tool-call fragments into parsed calls; no arguments is {}', async () => {
        server.enqueue({
          toolCalls: [
            { id: 'a', name: 'read_file', arguments: { path: 'src/index.ts', limit: 10 } },
            { id: 'b', name: 'list_dir', arguments: {} },
          ],
        });
        const events = await collectEvents(provider.stream(request('x')));
        expect(events.filter((event) => event.type === 'tool-call-start')).toHaveLength(2);
        expect(events.filter((event) => event.type === 'tool-call-end')).toEqual([
          {
            type: 'tool-call-end',
            index: 0,
            toolCall: { id: 'a', name: 'read_file', arguments: { path: 'src/index.ts', limit: 10 } },
          },
          { type: 'tool-call-end', index: 1, toolCall: { id: 'b', name: 'list_dir', arguments: {} } },
        ]);
        expect(events.at(-1)).toMatchObject({ type: 'finish', finishReason: 'tool-calls' });
      });

      it('rejects the first next() on an HTTP error, so a pool can retry', async () => {
        server.enqueue({ kind: 'status', status: 503 });
        await expect(collectEvents(provider.stream(request('x')))).rejects.toMatchObject({
          code: 'HTTP_STATUS',
          status: 503,
        });
      });

      it('rejects the first next() when the very first event is malformed', async () => {
        server.enqueue({ kind: 'malformed', afterChunks: 0 });
        await expect(collectEvents(provider.stream(request('x')))).rejects.toMatchObject({
          code: 'INVALID_RESPONSE',
        });
      });

      it('ends with one error event when a malformed event arrives mid-stream', async () => {
        server.enqueue({ kind: 'malformed', afterChunks: 3, reply: { text: 'abcdefgh', chunkSize: 2 } });
        const events = await collectEvents(provider.stream(request('x')));
        expect(events[0]).toMatchObject({ type: 'response-start' });
        expect(events.at(-1)).toMatchObject({ type: 'error', error: { code: 'INVALID_RESPONSE' } });
        expect(events.filter((event) => event.type === 'error' || event.type === 'finish')).toHaveLength(1);
      });

      it('ends with a CONNECTION_FAILED error event when the connection drops mid-stream', async () => {
        server.configure({ chunkGapMs: 2 });
        server.enqueue({
          kind: 'drop-mid-stream',
          afterChunks: 3,
          reply: { text: 'abcdefgh', chunkSize: 2 },
        });
        const events = await collectEvents(provider.stream(request('x')));
        expect(events[0]).toMatchObject({ type: 'response-start' });
        expect(events.at(-1)).toMatchObject({ type: 'error', error: { code: 'CONNECTION_FAILED' } });
      });

      it('turns an in-stream provider error into an error event', async () => {
        server.enqueue({ kind: 'stream-error', afterChunks: 2, reply: { text: 'abcdefgh', chunkSize: 2 } });
        const events = await collectEvents(provider.stream(request('x')));
        const last = events.at(-1) as { type: string; error: VictorError };
        expect(last.type).toBe('error');
        expect(VictorError.isInstance(last.error)).toBe(true);
        expect(last.error.message).toContain('overloaded_error');
      });

      it('rejects the first next() with a retryable error when the provider reports overload before any event', async () => {
        server.enqueue({ kind: 'stream-error', afterChunks: 0 });
        await expect(collectEvents(provider.stream(request('x')))).rejects.toMatchObject({
          code: 'HTTP_STATUS',
          status: 529,
          isRetryable: true,
        });
      });

      it('reports tool JSON cut off by max tokens as a typed INVALID_RESPONSE, not a crash', async () => {
        server.enqueue({
          toolCalls: [{ name: 'write_file', arguments: '{"path":"a.ts","content":"unfini' }],
          finishReason: 'length',
        });
        const events = await collectEvents(provider.stream(request('x')));
        const last = events.at(-1) as { type: string; error: Error };
        expect(last).toMatchObject({ type: 'error', error: { code: 'INVALID_RESPONSE' } });
        expect(last.error.message).toContain('max tokens');
        expect(last.error.message).toContain('write_file');
        expect(events.some((event) => event.type === 'tool-call-end')).toBe(false);
      });

      it('cancels the HTTP request when the consumer breaks out', async () => {
        server.configure({ chunkGapMs: 20 });
        server.enqueue({ text: 'x'.repeat(400), chunkSize: 1 });
        const before = server.cancelledCount;
        let seen = 0;
        for await (const event of provider.stream(request('x'))) {
          if (event.type === 'text-delta' && ++seen === 2) break;
        }
        expect(seen).toBe(2);
        await expect.poll(() => server.cancelledCount).toBe(before + 1);
      });

      it('throws ABORTED when aborted mid-stream', async () => {
        server.configure({ chunkGapMs: 20 });
        server.enqueue({ text: 'x'.repeat(100), chunkSize: 1 });
        const controller = new AbortController();
        const events: StreamEvent[] = [];
        const run = async () => {
          for await (const event of provider.stream(request('x', { abortSignal: controller.signal }))) {
            events.push(event);
            if (events.length === 3) controller.abort();
          }
        };
        await expect(run()).rejects.toMatchObject({ code: 'ABORTED' });
        expect(events.length).toBeLessThan(10);
      });

      it('keeps its connection after complete streams', async () => {
        const fresh = create(server.baseURL);
        for (let i = 0; i < 5; i++) await collectEvents(fresh.stream(request(`warm${i}`)));
        const warmed = server.connectionCount;
        for (let i = 0; i < 20; i++) await collectEvents(fresh.stream(request(`n${i}`)));
        expect(server.connectionCount).toBe(warmed);
        await fresh.close();
      });
    });
  });
}
