import type { MetricsSink } from '@victor-ai/core';
import { noopMetricsSink } from '@victor-ai/core';
import { oversizeCounter } from './cache-metrics.js';
import { checkName, checkPositiveInteger } from './options.js';

/** Default byte bound of a `MemoryCache`: 64 MiB, as `sizeOf` (or the estimate) counts them. */
export const DEFAULT_MAX_BYTES = 64 * 1024 * 1024;

/** Default cap on one entry (memory cache, response cache, tool-result cache, stream cache): 1 MiB. */
export const DEFAULT_MAX_ENTRY_BYTES = 1024 * 1024;

/** Most values (objects, arrays and leaves) walked before the estimate falls back to the JSON text. */
const WALK_BUDGET = 10_000;

/**
 * An estimate of the memory a value holds, in bytes, without serialising it: 2 per character of each
 * string (UTF-16) and of each property name, 8 per number, boolean, null or bigint digit group, 16 per
 * object or array. A value of more than 10,000 parts (or nested more than 1,000 deep) is measured by its
 * JSON text instead (2 bytes per character); a cycle is counted about 16 times over at most. Never throws.
 */
export function estimateSize(value: unknown): number {
  if (typeof value === 'string') return value.length * 2;
  const state: WalkState = { budget: WALK_BUDGET, path: undefined };
  const size = walk(value, state, 0);
  if (state.budget >= 0) return size;
  try {
    const text = JSON.stringify(value);
    if (text !== undefined) return Math.max(size, text.length * 2);
  } catch {
    // A cycle, a bigint or a value nested too deep: keep what the walk counted.
  }
  return size;
}

interface WalkState {
  budget: number;
  /** Objects on the path being walked, below `CYCLE_CHECK_DEPTH` (kept only for deep values). */
  path: Set<object> | undefined;
}

/** Depth from which the walk looks for cycles; shallower values (nearly all) allocate nothing. */
const CYCLE_CHECK_DEPTH = 16;
/** Deeper than this, the walk gives up and the JSON text is measured instead. */
const MAX_DEPTH = 1_000;

function walk(value: unknown, state: WalkState, depth: number): number {
  if (--state.budget < 0) return 0;
  switch (typeof value) {
    case 'string':
      return value.length * 2;
    case 'bigint':
      return 8 + Math.ceil(value.toString(16).length / 2);
    case 'object': {
      if (value === null) return 8;
      if (depth >= MAX_DEPTH) {
        state.budget = -1;
        return 0;
      }
      if (depth >= CYCLE_CHECK_DEPTH) {
        state.path ??= new Set();
        if (state.path.has(value)) return 8;
        state.path.add(value);
      }
      let size = 16;
      if (Array.isArray(value)) {
        for (let index = 0; index < value.length && state.budget >= 0; index++) {
          size += 8 + walk(value[index], state, depth + 1);
        }
      } else {
        for (const key of Object.keys(value)) {
          if (state.budget < 0) break;
          size += key.length * 2 + walk((value as Record<string, unknown>)[key], state, depth + 1);
        }
      }
      if (depth >= CYCLE_CHECK_DEPTH) state.path?.delete(value);
      return size;
    }
    default:
      return 8;
  }
}

/**
 * The size bound of a cache layer that stores whole values (answers, tool results): `maxEntryBytes`,
 * checked (default 1 MiB), and the count of values refused for it, as
 * `victor_cache_errors_total{cache=<name>,tier,operation="oversize"}` (`name` defaults to the tier).
 */
export class EntrySizeLimit {
  readonly maxEntryBytes: number;
  /** Counts one value refused for its size. */
  readonly countOversize: () => void;

  constructor(options: { maxEntryBytes?: number; name?: string; metrics?: MetricsSink }, tier: string) {
    this.maxEntryBytes = checkPositiveInteger(
      'maxEntryBytes',
      options.maxEntryBytes ?? DEFAULT_MAX_ENTRY_BYTES,
    );
    this.countOversize = oversizeCounter(
      options.metrics ?? noopMetricsSink,
      checkName(options.name ?? tier),
      tier,
    );
  }

  /** Whether `value` may be stored (its `estimateSize` is within the bound); counted when it may not. */
  readonly fits = (value: unknown): boolean => {
    if (estimateSize(value) <= this.maxEntryBytes) return true;
    this.countOversize();
    return false;
  };
}
