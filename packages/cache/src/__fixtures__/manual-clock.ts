import type { Clock } from '@victor-ai/core';

/** A clock that moves only when told to: `now()` and `epochMs()` advance together. */
export class ManualClock implements Clock {
  // Starts above 0: lru-cache reads a start time of 0 as "no TTL".
  private offset = 1_000;
  private readonly start = Date.now();

  now(): number {
    return this.offset;
  }

  epochMs(): number {
    return this.start + this.offset - 1_000;
  }

  advance(ms: number): void {
    this.offset += ms;
  }
}
