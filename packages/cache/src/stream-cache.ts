import type { Cache, StreamEvent } from '@victor-ai/core';
import { abortReason } from '@victor-ai/core';
import type { CacheWriteOptions } from './types.js';

/**
 * Passes a stream's events through unchanged and, once it ends with a `finish` event and no `error`,
 * hands the complete list to `onComplete`. A stream that fails or that the consumer leaves early is not
 * handed over.
 */
export async function* recordStream(
  events: AsyncIterable<StreamEvent>,
  onComplete: (events: StreamEvent[]) => void | Promise<void>,
): AsyncGenerator<StreamEvent, void, undefined> {
  const recorded: StreamEvent[] = [];
  let failed = false;
  for await (const event of events) {
    recorded.push(event);
    if (event.type === 'error') failed = true;
    yield event;
  }
  if (!failed && recorded.at(-1)?.type === 'finish') await onComplete(recorded);
}

/** Replays recorded events as a stream of the same events, in order; stops early when the signal aborts. */
export async function* replayStream(
  events: readonly StreamEvent[],
  options: { abortSignal?: AbortSignal } = {},
): AsyncGenerator<StreamEvent, void, undefined> {
  for (const event of events) {
    if (options.abortSignal?.aborted) throw abortReason(options.abortSignal);
    yield event;
  }
}

/** Options of `cachedStream`: how to store a completed stream, and a signal for the lookup. */
export interface CachedStreamOptions extends CacheWriteOptions {
  abortSignal?: AbortSignal;
}

/**
 * A stream served from the cache when `key` holds a completed stream (replayed as the same events), or
 * else started with `start()` and stored once it completes with `finish`.
 */
export async function* cachedStream(
  cache: Cache<readonly StreamEvent[]>,
  key: string,
  start: () => AsyncIterable<StreamEvent>,
  options: CachedStreamOptions = {},
): AsyncGenerator<StreamEvent, void, undefined> {
  const { abortSignal, ...writeOptions } = options;
  if (abortSignal?.aborted) throw abortReason(abortSignal);
  const hit = await cache.get(key);
  if (hit !== undefined) {
    yield* replayStream(hit, { abortSignal });
    return;
  }
  yield* recordStream(start(), (events) => cache.set(key, events, writeOptions));
}
