import type { Cache, VictorErrorCode } from '@victor-ai/core';
import { abortReason, delay, VictorError, waitOrAbort } from '@victor-ai/core';
import { checkPositiveInteger } from './options.js';
import type { CacheLookup, CacheWriteOptions, ComputeLock, VictorCache } from './types.js';

/**
 * What `compute` is given: a signal that aborts once every caller waiting for it has given up. The signal
 * is made when `abortSignal` is first read, so a `compute` that never reads it costs no `AbortController`.
 */
export interface ComputeContext {
  key: string;
  readonly abortSignal: AbortSignal;
}

/** Produces the value for a key on a miss. */
export type ComputeFunction<Value> = (context: ComputeContext) => Value | Promise<Value>;

/** Options of `getOrCompute`: how to store the computed value, and how to wait. */
export interface GetOrComputeOptions extends CacheWriteOptions {
  /** Gives up waiting (rejects with `AbortedError` or the signal's reason); others keep waiting. */
  abortSignal?: AbortSignal;
  /**
   * Also cache a failure of `compute`, for `ttlMs`, and rethrow it as a `CachedComputeError` on later
   * calls. Off by default: failures are not cached.
   */
  cacheErrors?: false | { ttlMs: number };
  /**
   * The cross-process lock, for caches that offer one (Redis, tiered): one process computes, the others
   * poll the cache for its value and compute by themselves once `waitMs` has passed. `false` turns it off.
   */
  lock?: false | { ttlMs?: number; waitMs?: number; pollMs?: number };
  /** Called when a background refresh of a stale entry fails; the stale value was already served. */
  onRevalidateError?: (error: unknown) => void;
  /**
   * Which in-process computation a caller may join; default the key. Callers with the same key but a
   * different `flightKey` compute apart (the tool-result cache uses this so that a read begun after a
   * write never joins one begun before it).
   */
  flightKey?: string;
  /**
   * Asked after `compute`, with its value: `false` returns the value without storing it (it may already
   * be outdated, or too large).
   */
  shouldStore?: (value: unknown) => boolean;
}

/** A failure of `compute` that was cached (`cacheErrors`) and is replayed from the cache. */
export class CachedComputeError extends VictorError {
  /** The `name` of the original error. */
  readonly originalName: string;
  constructor(options: { code: VictorErrorCode; name: string; message: string }) {
    super(options.code, { message: options.message });
    this.name = 'CachedComputeError';
    this.originalName = options.name;
  }
}

const ERROR_MARK = '__victorCachedError';
const ERROR_KEY_SUFFIX = '\u0000error';
const DEFAULT_LOCK = { ttlMs: 10_000, waitMs: 5_000, pollMs: 25 };

/** One in-process computation (its cache, key, compute and options) and the callers waiting for it. */
class Flight<Value> {
  promise: Promise<Value> = undefined as unknown as Promise<Value>;
  waiters = 0;
  /** Made on first use: most computations never read their signal and nobody aborts them. */
  private controller: AbortController | undefined;
  constructor(
    private readonly flights: Map<string, Flight<Value>>,
    private readonly flightKey: string,
    readonly cache: Cache<Value>,
    readonly key: string,
    readonly compute: ComputeFunction<Value>,
    readonly options: GetOrComputeOptions,
  ) {}

  /** The signal given to `compute`, made on first read. */
  get signal(): AbortSignal {
    this.controller ??= new AbortController();
    return this.controller.signal;
  }

  /** Whether the computation was aborted (without making a signal when there is none yet). */
  get aborted(): boolean {
    return this.controller?.signal.aborted === true;
  }

  abort(reason: unknown): void {
    this.controller ??= new AbortController();
    this.controller.abort(reason);
  }

  /** Removes the flight from the map so that later callers start their own. */
  forget(): void {
    if (this.flights.get(this.flightKey) === this) this.flights.delete(this.flightKey);
  }
}

const flightsByCache = new WeakMap<object, Map<string, Flight<unknown>>>();

function flightsOf(cache: object): Map<string, Flight<unknown>> {
  let flights = flightsByCache.get(cache);
  if (flights === undefined) {
    flights = new Map();
    flightsByCache.set(cache, flights);
  }
  return flights;
}

function hasGetEntry<Value>(cache: Cache<Value>): cache is VictorCache<Value> {
  return typeof (cache as Partial<VictorCache<Value>>).getEntry === 'function';
}

function hasLock(cache: object): cache is ComputeLock {
  return typeof (cache as Partial<ComputeLock>).tryAcquireLock === 'function';
}

/**
 * The cached value for `key` in any `Cache`, or the result of `compute` stored under it. Concurrent misses
 * for one key in this process run `compute` once (single-flight); with a cache that offers a lock
 * (Redis, tiered) other processes wait for that value too, up to `lock.waitMs`. A stale entry
 * (stale-while-revalidate) is returned at once and refreshed in the background. Failures of `compute`
 * reject every waiter and are not cached unless `cacheErrors` says so.
 */
export async function getOrCompute<Value>(
  cache: Cache<Value>,
  key: string,
  compute: ComputeFunction<Value>,
  options: GetOrComputeOptions = {},
): Promise<Value> {
  if (options.abortSignal?.aborted) throw abortReason(options.abortSignal);
  let entry: CacheLookup<Value> | undefined;
  if (hasGetEntry(cache)) {
    entry = await cache.getEntry(key);
    if (entry !== undefined && !entry.stale) return entry.value;
  } else {
    const value = await cache.get(key);
    if (value !== undefined) return value;
  }
  return getOrComputeAfterMiss(cache, key, compute, options, entry);
}

/** The part of `getOrCompute` after the first lookup found nothing fresh; `stale` is what it found. */
export function getOrComputeAfterMiss<Value>(
  cache: Cache<Value>,
  key: string,
  compute: ComputeFunction<Value>,
  options: GetOrComputeOptions,
  stale: CacheLookup<Value> | undefined,
): Promise<Value> {
  const flights = flightsOf(cache) as Map<string, Flight<Value>>;
  const flightKey = options.flightKey ?? key;
  if (stale !== undefined) {
    if (!flights.has(flightKey)) {
      const flight = startFlight(cache, key, flightKey, compute, options, flights);
      flight.promise.catch((error: unknown) => options.onRevalidateError?.(error));
    }
    return Promise.resolve(stale.value);
  }
  if (options.abortSignal?.aborted) return Promise.reject(abortReason(options.abortSignal));
  const flight = flights.get(flightKey) ?? startFlight(cache, key, flightKey, compute, options, flights);
  return join(flight, options.abortSignal);
}

function startFlight<Value>(
  cache: Cache<Value>,
  key: string,
  flightKey: string,
  compute: ComputeFunction<Value>,
  options: GetOrComputeOptions,
  flights: Map<string, Flight<Value>>,
): Flight<Value> {
  const flight = new Flight<Value>(flights, flightKey, cache, key, compute, options);
  flights.set(flightKey, flight);
  flight.promise = produce(flight);
  return flight;
}

function join<Value>(flight: Flight<Value>, abortSignal: AbortSignal | undefined): Promise<Value> {
  flight.waiters++;
  return waitOrAbort(flight.promise, abortSignal, () => {
    flight.waiters--;
    // The last caller gave up: tell compute, nobody wants the value any more, and let later callers
    // start afresh rather than join a computation that is being aborted.
    if (flight.waiters === 0) {
      flight.forget();
      flight.abort(abortSignal?.reason);
    }
  });
}

async function produce<Value>(flight: Flight<Value>): Promise<Value> {
  const { cache, key, options } = flight;
  try {
    // The common case (no cached errors, no cross-process lock): compute and store here, in this one
    // async function (no further frame or promise).
    if (!options.cacheErrors && (options.lock === false || !hasLock(cache))) {
      const value = await flight.compute(computeContext(key, flight));
      if (isToStore(options, value)) await cache.set(key, value, writeOptionsOf(options));
      return value;
    }
    return await produceGuarded(flight);
  } finally {
    flight.forget();
  }
}

/** `produce` with a cached error to replay, or the cross-process lock to take first. */
async function produceGuarded<Value>(flight: Flight<Value>): Promise<Value> {
  const { cache, key, options } = flight;
  const errorKey = options.cacheErrors ? key + ERROR_KEY_SUFFIX : undefined;
  if (errorKey !== undefined) {
    const cached = (await cache.get(errorKey)) as unknown;
    if (isCachedErrorRecord(cached)) throw new CachedComputeError(cached[ERROR_MARK]);
  }
  if (options.lock !== false && hasLock(cache)) {
    const lock = { ...DEFAULT_LOCK, ...(options.lock ?? {}) };
    checkPositiveInteger('lock.ttlMs', lock.ttlMs);
    checkPositiveInteger('lock.waitMs', lock.waitMs);
    checkPositiveInteger('lock.pollMs', lock.pollMs);
    // A NUL separates the lock from data keys: no user key `lock:x` can collide with the lock of `x`.
    const lockKey = `\u0000lock:${key}`;
    let token = await cache.tryAcquireLock(lockKey, lock.ttlMs);
    // Another process holds the lock: poll for its value, retaking the lock if it is let go without one.
    for (let waited = 0; token === false && waited < lock.waitMs; waited += lock.pollMs) {
      await delay(lock.pollMs, { abortSignal: flight.signal });
      const value = await cache.get(key);
      if (value !== undefined) return value;
      token = await cache.tryAcquireLock(lockKey, lock.ttlMs);
    }
    if (typeof token === 'string') {
      try {
        // Double-checked: the process that held the lock may have stored the value and let go between
        // this caller's miss and its taking the lock.
        const value = await cache.get(key);
        if (value !== undefined) return value;
        return await computeAndStore(flight, errorKey);
      } finally {
        await cache.releaseLock(lockKey, token);
      }
    }
  }
  return computeAndStore(flight, errorKey);
}

async function computeAndStore<Value>(flight: Flight<Value>, errorKey: string | undefined): Promise<Value> {
  const { cache, key, options } = flight;
  let value: Value;
  try {
    value = await flight.compute(computeContext(key, flight));
  } catch (error) {
    if (errorKey !== undefined && options.cacheErrors && !flight.aborted) {
      await cache.set(errorKey, toErrorRecord(error) as Value, { ttlMs: options.cacheErrors.ttlMs });
    }
    throw error;
  }
  if (isToStore(options, value)) await cache.set(key, value, writeOptionsOf(options));
  return value;
}

/** Whether a computed value is stored: not `undefined`, and not refused by `shouldStore`. */
function isToStore(options: GetOrComputeOptions, value: unknown): boolean {
  return value !== undefined && (options.shouldStore === undefined || options.shouldStore(value));
}

/** What `compute` is given; its signal is made on first read. */
function computeContext<Value>(key: string, flight: Flight<Value>): ComputeContext {
  return {
    key,
    get abortSignal() {
      return flight.signal;
    },
  };
}

function writeOptionsOf(options: GetOrComputeOptions): CacheWriteOptions {
  const write: CacheWriteOptions = {};
  if (options.ttlMs !== undefined) write.ttlMs = options.ttlMs;
  if (options.tags !== undefined) write.tags = options.tags;
  if (options.staleWhileRevalidateMs !== undefined)
    write.staleWhileRevalidateMs = options.staleWhileRevalidateMs;
  return write;
}

interface CachedErrorRecord {
  [ERROR_MARK]: { code: VictorErrorCode; name: string; message: string };
}

function isCachedErrorRecord(value: unknown): value is CachedErrorRecord {
  return typeof value === 'object' && value !== null && ERROR_MARK in value;
}

function toErrorRecord(error: unknown): CachedErrorRecord {
  const code: VictorErrorCode = VictorError.isInstance(error) ? error.code : 'COMPUTE_FAILED';
  const name = error instanceof Error ? error.name : typeof error;
  const message = error instanceof Error ? error.message : String(error);
  return { [ERROR_MARK]: { code, name, message } };
}
