import { abortReason } from '@victor-ai/core';

/** A counting semaphore with a FIFO wait list; acquiring honours an abort signal. */
export class Semaphore {
  private available: number;
  private readonly waiters: Array<{
    resolve: () => void;
    reject: (error: Error) => void;
    signal?: AbortSignal;
    onAbort?: () => void;
  }> = [];

  constructor(readonly limit: number) {
    this.available = limit;
  }

  /** Takes a slot at once when one is free (returns true), without allocating. */
  tryAcquire(): boolean {
    if (this.available > 0) {
      this.available--;
      return true;
    }
    return false;
  }

  /** Waits for a slot; rejects with the abort reason when the signal aborts first. */
  acquire(abortSignal?: AbortSignal): Promise<void> {
    if (this.tryAcquire()) return Promise.resolve();
    if (abortSignal?.aborted) return Promise.reject(abortReason(abortSignal));
    return new Promise<void>((resolve, reject) => {
      const waiter: (typeof this.waiters)[number] = { resolve, reject };
      if (abortSignal) {
        waiter.signal = abortSignal;
        waiter.onAbort = () => {
          const index = this.waiters.indexOf(waiter);
          if (index >= 0) this.waiters.splice(index, 1);
          reject(abortReason(abortSignal));
        };
        abortSignal.addEventListener('abort', waiter.onAbort, { once: true });
      }
      this.waiters.push(waiter);
    });
  }

  /** Gives a slot back, to the longest waiter if any. */
  release(): void {
    const waiter = this.waiters.shift();
    if (waiter === undefined) {
      this.available++;
      return;
    }
    if (waiter.signal && waiter.onAbort) waiter.signal.removeEventListener('abort', waiter.onAbort);
    waiter.resolve();
  }
}
