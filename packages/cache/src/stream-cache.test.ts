import type { StreamEvent } from '@victor-ai/core';
import { ConnectionError } from '@victor-ai/core';
import { describe, expect, it } from 'vitest';
import { collect, source } from './__fixtures__/streams.js';
import { MemoryCache } from './memory-cache.js';
import { cachedStream, recordStream, replayStream } from './stream-cache.js';

const events: StreamEvent[] = [
  { type: 'response-start', id: 'r1', model: 'm' },
  { type: 'text-delta', delta: 'Hel' },
  { type: 'text-delta', delta: 'lo' },
  { type: 'tool-call-start', index: 0, id: 'c1', name: 'read' },
  { type: 'tool-call-delta', index: 0, id: 'c1', argumentsDelta: '{"path":"a"}' },
  { type: 'tool-call-end', index: 0, toolCall: { id: 'c1', name: 'read', arguments: { path: 'a' } } },
  { type: 'finish', finishReason: 'tool-calls', usage: { inputTokens: 3, outputTokens: 2 } },
];

describe('cachedStream', () => {
  it('passes a stream over maxEntryBytes through whole, but neither keeps nor stores it', async () => {
    const cache = new MemoryCache<readonly StreamEvent[]>({ name: 'streams' });
    const long: StreamEvent[] = [
      ...Array.from({ length: 100 }, (): StreamEvent => ({ type: 'text-delta', delta: 'x'.repeat(100) })),
      { type: 'finish', finishReason: 'stop', usage: { inputTokens: 1, outputTokens: 1 } },
    ];
    let oversize = 0;
    const counter = { started: 0 };
    const options = { maxEntryBytes: 5_000, onOversize: () => oversize++ };
    expect(await collect(cachedStream(cache, 'k', () => source(long, counter), options))).toEqual(long);
    expect(await collect(cachedStream(cache, 'k', () => source(long, counter), options))).toEqual(long);
    expect(counter.started).toBe(2);
    expect(oversize).toBe(2);
    expect(await cache.get('k')).toBeUndefined();
  });

  it('stores a completed stream and replays it on a hit as the same events', async () => {
    const cache = new MemoryCache<readonly StreamEvent[]>({ name: 'streams' });
    const counter = { started: 0 };
    const first = await collect(cachedStream(cache, 'k', () => source(events, counter)));
    const second = await collect(cachedStream(cache, 'k', () => source(events, counter)));
    expect(first).toEqual(events);
    expect(second).toEqual(events);
    expect(counter.started).toBe(1);
  });

  it('does not store a stream that ends in an error', async () => {
    const cache = new MemoryCache<readonly StreamEvent[]>({ name: 'streams' });
    const failed: StreamEvent[] = [
      events[0]!,
      { type: 'error', error: new ConnectionError({ message: 'reset' }) },
    ];
    await collect(cachedStream(cache, 'k', () => source(failed)));
    expect(await cache.get('k')).toBeUndefined();
  });

  it('does not store a stream the consumer left early', async () => {
    const cache = new MemoryCache<readonly StreamEvent[]>({ name: 'streams' });
    for await (const event of cachedStream(cache, 'k', () => source(events))) {
      if (event.type === 'text-delta') break;
    }
    expect(await cache.get('k')).toBeUndefined();
  });

  it('stops replaying when the signal aborts', async () => {
    const cache = new MemoryCache<readonly StreamEvent[]>({ name: 'streams' });
    await cache.set('k', events);
    const controller = new AbortController();
    const seen: StreamEvent[] = [];
    await expect(async () => {
      for await (const event of cachedStream(cache, 'k', () => source(events), {
        abortSignal: controller.signal,
      })) {
        seen.push(event);
        controller.abort();
      }
    }).rejects.toMatchObject({ code: 'ABORTED' });
    expect(seen).toHaveLength(1);
  });
});

describe('recordStream', () => {
  it('passes every event through and hands over the complete list once', async () => {
    const handed: StreamEvent[][] = [];
    expect(await collect(recordStream(source(events), (list) => void handed.push(list)))).toEqual(events);
    expect(handed).toEqual([events]);
  });
});

describe('replayStream', () => {
  it('yields the recorded events in order', async () => {
    expect(await collect(replayStream(events))).toEqual(events);
  });
});
