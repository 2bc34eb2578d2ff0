import { afterEach, beforeEach, vi } from 'vitest';

/** Runs every test of the calling file (or `describe` block) on vitest's fake timers, real ones restored after. */
export function useFakeTimersInEachTest(): void {
  beforeEach(() => {
    vi.useFakeTimers();
  });
  afterEach(() => {
    vi.useRealTimers();
  });
}
