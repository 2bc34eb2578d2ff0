/** A source of time, replaceable in tests. */
export interface Clock {
  /** Monotonic milliseconds with sub-millisecond resolution, for durations. */
  now(): number;
  /** Wall-clock milliseconds since the epoch, for expiry times shared between processes. */
  epochMs(): number;
}

/** The real clock: `performance.now()` and `Date.now()`. */
export const systemClock: Clock = Object.freeze({
  now: () => performance.now(),
  epochMs: () => Date.now(),
});
