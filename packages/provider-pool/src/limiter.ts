import { AbortedError, abortReason, invalidOption, PoolExhaustedError } from '@victor-ai/core';
import { nonNegativeInteger, optionalDuration, positiveInteger } from './options.js';

/** Options of `InFlightLimiter`. */
export interface InFlightLimiterOptions {
  /** Most requests in flight at once; default `Infinity` (no limit). */
  maxInFlight?: number | undefined;
  /** Most callers waiting for a slot; beyond it `acquire` fails at once. Default 1,024. */
  maxQueued?: number | undefined;
  /** Longest wait for a slot; default none (the caller's `abortSignal` still applies). */
  queueTimeoutMs?: number | undefined;
  /** Names the endpoint in error messages. */
  name?: string | undefined;
}

interface Waiter {
  resolve: () => void;
  reject: (error: Error) => void;
  timer: ReturnType<typeof setTimeout> | undefined;
  abortSignal: AbortSignal | undefined;
  onAbort: (() => void) | undefined;
  settled: boolean;
}

/**
 * Bounds the requests in flight to one endpoint, with a bounded FIFO wait queue. `acquire` resolves
 * synchronously (returns `undefined`) when a slot is free, otherwise returns a promise that settles when a
 * slot frees, the queue timeout passes (`PoolExhaustedError`) or the signal aborts (`AbortedError`). It
 * never hangs: a full queue fails at once, and `close()` rejects every waiter.
 */
export class InFlightLimiter {
  readonly maxInFlight: number;
  readonly maxQueued: number;
  private readonly queueTimeoutMs: number | undefined;
  private readonly name: string;
  private active = 0;
  private readonly waiters: Waiter[] = [];
  private head = 0;
  private waiting = 0;
  private closed = false;

  constructor(options: InFlightLimiterOptions = {}) {
    this.maxInFlight =
      options.maxInFlight === Number.POSITIVE_INFINITY || options.maxInFlight === undefined
        ? Number.POSITIVE_INFINITY
        : positiveInteger('maxInFlight', options.maxInFlight, 1);
    this.maxQueued = nonNegativeInteger('maxQueued', options.maxQueued, 1024);
    this.queueTimeoutMs = optionalDuration('queueTimeoutMs', options.queueTimeoutMs);
    this.name = options.name ?? 'endpoint';
  }

  /** Requests holding a slot now. */
  get inFlight(): number {
    return this.active;
  }

  /** Callers waiting for a slot now. */
  get queued(): number {
    return this.waiting;
  }

  /**
   * Takes a slot. Returns `undefined` when one was free (no promise on the fast path), else a promise for
   * the slot. Every successful acquire must be paired with one `release()`.
   */
  acquire(abortSignal?: AbortSignal): Promise<void> | undefined {
    if (this.closed) throw invalidOption('limiter', 'open (close() was called)', this.name);
    if (abortSignal?.aborted) throw abortReason(abortSignal);
    if (this.active < this.maxInFlight && this.queued === 0) {
      this.active++;
      return undefined;
    }
    if (this.queued >= this.maxQueued) {
      throw new PoolExhaustedError({
        message: `${this.name}: ${this.active} requests in flight and ${this.queued} waiting (maxQueued ${this.maxQueued})`,
      });
    }
    return new Promise<void>((resolve, reject) => {
      const waiter: Waiter = {
        resolve,
        reject,
        timer: undefined,
        abortSignal,
        onAbort: undefined,
        settled: false,
      };
      if (this.queueTimeoutMs !== undefined) {
        const timeoutMs = this.queueTimeoutMs;
        waiter.timer = setTimeout(() => {
          this.settle(
            waiter,
            new PoolExhaustedError({
              message: `${this.name}: no free slot within ${timeoutMs} ms (${this.active} in flight)`,
            }),
          );
        }, timeoutMs);
      }
      if (abortSignal) {
        waiter.onAbort = () => this.settle(waiter, abortReason(abortSignal));
        abortSignal.addEventListener('abort', waiter.onAbort, { once: true });
      }
      this.waiters.push(waiter);
      this.waiting++;
    });
  }

  /** Gives a slot back, handing it straight to the next waiter if there is one. */
  release(): void {
    while (this.head < this.waiters.length) {
      const waiter = this.waiters[this.head]!;
      this.waiters[this.head] = undefined as unknown as Waiter;
      this.head++;
      this.compact();
      if (waiter.settled) continue;
      // The slot passes to the waiter: `active` stays the same.
      this.settle(waiter, undefined);
      return;
    }
    if (this.active > 0) this.active--;
  }

  /** Rejects every waiter; later `acquire` calls throw. Slots in use are left to their holders. */
  close(): void {
    this.closed = true;
    while (this.head < this.waiters.length) {
      const waiter = this.waiters[this.head++]!;
      if (!waiter.settled) this.settle(waiter, new AbortedError({ message: `${this.name} was closed` }));
    }
    this.waiters.length = 0;
    this.head = 0;
  }

  private settle(waiter: Waiter, error: Error | undefined): void {
    if (waiter.settled) return;
    waiter.settled = true;
    this.waiting--;
    if (waiter.timer !== undefined) clearTimeout(waiter.timer);
    if (waiter.onAbort) waiter.abortSignal!.removeEventListener('abort', waiter.onAbort);
    if (error === undefined) waiter.resolve();
    else waiter.reject(error);
  }

  private compact(): void {
    if (this.head > 64 && this.head * 2 > this.waiters.length) {
      this.waiters.splice(0, this.head);
      this.head = 0;
    }
  }
}
