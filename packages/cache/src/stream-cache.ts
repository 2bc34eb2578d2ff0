import type { Cache, StreamEvent } from '@victor-ai/core';
import { abortReason } from '@victor-ai/core';
import { checkPositiveInteger } from './options.js';
import { DEFAULT_MAX_ENTRY_BYTES, estimateSize } from './size.js';
import type { CacheWriteOptions } from './types.js';

/** Options of `recordStream`: a cap on what is kept, and what to call when a stream goes past it. */
export interface RecordStreamOptions {
  /**
   * Most bytes recorded, as `estimateSize` counts each event. A stream that goes past it
   * is still passed through, but no longer recorded nor handed over. Default 1 MiB.
   */
  maxBytes?: number;
  /** Called once when a stream goes past `maxBytes`. */
  onOversize?: () => void;
}

/**
 * Passes a stream's events through unchanged and, once it ends with a `finish` event and no `error`,
 * hands the complete list to `onComplete`. A stream that fails, that the consumer leaves early, or that
 * is larger than `maxBytes` is not handed over.
 */
export async function* recordStream(
  events: AsyncIterable<StreamEvent>,
  onComplete: (events: StreamEvent[]) => void | Promise<void>,
  options: RecordStreamOptions = {},
): AsyncGenerator<StreamEvent, void, undefined> {
  const maxBytes = checkPositiveInteger('maxBytes', options.maxBytes ?? DEFAULT_MAX_ENTRY_BYTES);
  let recorded: StreamEvent[] | undefined = [];
  let bytes = 0;
  let failed = false;
  let last: StreamEvent | undefined;
  for await (const event of events) {
    last = event;
    if (recorded !== undefined) {
      bytes += estimateSize(event);
      if (bytes > maxBytes) {
        // Too large to keep: let go of what was recorded so far.
        recorded = undefined;
        options.onOversize?.();
      } else {
        recorded.push(event);
      }
    }
    if (event.type === 'error') failed = true;
    yield event;
  }
  if (recorded !== undefined && !failed && last?.type === 'finish') await onComplete(recorded);
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

/** Options of `cachedStream`: how to store a completed stream, a cap on its size, and a signal for the lookup. */
export interface CachedStreamOptions extends CacheWriteOptions {
  abortSignal?: AbortSignal;
  /** A stream larger than this (estimated bytes) is passed through but not stored. Default 1 MiB. */
  maxEntryBytes?: number;
  /** Called when a stream is not stored because it is larger than `maxEntryBytes`. */
  onOversize?: () => void;
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
  const { abortSignal, maxEntryBytes, onOversize, ...writeOptions } = options;
  if (abortSignal?.aborted) throw abortReason(abortSignal);
  const hit = await cache.get(key);
  if (hit !== undefined) {
    yield* replayStream(hit, { abortSignal });
    return;
  }
  yield* recordStream(start(), (events) => cache.set(key, events, writeOptions), {
    ...(maxEntryBytes === undefined ? {} : { maxBytes: maxEntryBytes }),
    ...(onOversize === undefined ? {} : { onOversize }),
  });
}
