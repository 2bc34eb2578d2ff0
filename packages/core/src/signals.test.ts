import { describe, expect, it, vi } from 'vitest';
import { useFakeTimersInEachTest } from './__fixtures__/fake-timers.js';
import { delay } from './delay.js';
import { AbortedError, TimeoutError, VictorError } from './errors.js';
import { combineSignals } from './signals.js';

useFakeTimersInEachTest();

describe('delay', () => {
  it('resolves after the time passes', async () => {
    let done = false;
    const promise = delay(100).then(() => {
      done = true;
    });
    await vi.advanceTimersByTimeAsync(99);
    expect(done).toBe(false);
    await vi.advanceTimersByTimeAsync(1);
    await promise;
    expect(done).toBe(true);
  });

  it('rejects with AbortedError when aborted, and clears its timer', async () => {
    const controller = new AbortController();
    const promise = delay(1_000, { abortSignal: controller.signal });
    controller.abort();
    await expect(promise).rejects.toBeInstanceOf(AbortedError);
    expect(vi.getTimerCount()).toBe(0);
  });

  it('rejects at once for an already aborted signal', async () => {
    await expect(delay(10, { abortSignal: AbortSignal.abort() })).rejects.toSatisfy(VictorError.isInstance);
  });
});

describe('combineSignals', () => {
  it('returns no signal when there is nothing to combine', () => {
    expect(combineSignals([undefined]).signal).toBeUndefined();
  });

  it('aborts with a TimeoutError when the timeout passes', async () => {
    const { signal } = combineSignals([undefined], { timeoutMs: 50 });
    await vi.advanceTimersByTimeAsync(50);
    expect(signal?.aborted).toBe(true);
    expect(signal?.reason).toBeInstanceOf(TimeoutError);
  });

  it('aborts when any input aborts, with its reason', () => {
    const first = new AbortController();
    const second = new AbortController();
    const { signal } = combineSignals([first.signal, second.signal], { timeoutMs: 1_000 });
    second.abort('stop');
    expect(signal?.aborted).toBe(true);
    expect(signal?.reason).toBe('stop');
    expect(vi.getTimerCount()).toBe(0);
  });

  it('dispose clears the timer so nothing fires later', async () => {
    const { signal, dispose } = combineSignals([new AbortController().signal], { timeoutMs: 50 });
    dispose();
    expect(vi.getTimerCount()).toBe(0);
    await vi.advanceTimersByTimeAsync(100);
    expect(signal?.aborted).toBe(false);
  });

  it('after dispose, a listener an input still holds reaches nothing', () => {
    // An input that keeps every listener it was given, as a long-lived signal may keep a removed entry
    // reachable until the garbage collector visits it.
    const kept: Array<() => void> = [];
    const input = {
      aborted: false,
      reason: 'closed',
      addEventListener: (_type: string, listener: () => void) => kept.push(listener),
      removeEventListener: () => {},
    } as unknown as AbortSignal;
    const live = combineSignals([input, new AbortController().signal]);
    kept[0]!();
    expect(live.signal?.reason).toBe('closed');
    const disposed = combineSignals([input, new AbortController().signal]);
    disposed.dispose();
    kept[1]!();
    expect(disposed.signal?.aborted).toBe(false);
  });

  it('clearTimeout stops only the timeout: the inputs still abort the signal', async () => {
    const caller = new AbortController();
    const combined = combineSignals([caller.signal], { timeoutMs: 50 });
    combined.clearTimeout();
    await vi.advanceTimersByTimeAsync(100);
    expect(combined.signal?.aborted).toBe(false);
    caller.abort('stop');
    expect(combined.signal?.reason).toBe('stop');
    combined.dispose();
  });

  it('refuses a bad timeout, naming it', () => {
    expect(() => combineSignals([], { timeoutMs: -5 })).toThrow(
      'timeoutMs must be a positive finite number, got -5',
    );
  });
});

describe('abortReason', () => {
  it('turns AbortSignal.timeout()’s DOMException into a TimeoutError with a stable code', async () => {
    const { abortReason } = await import('./delay.js');
    // What AbortSignal.timeout() aborts with.
    const signal = AbortSignal.abort(new DOMException('The operation timed out.', 'TimeoutError'));
    const error = abortReason(signal);
    expect(error).toBeInstanceOf(TimeoutError);
    expect((error as TimeoutError).code).toBe('TIMEOUT');
  });

  it('passes a VictorError reason through', async () => {
    const { abortReason } = await import('./delay.js');
    const reason = new TimeoutError({ timeoutMs: 5 });
    expect(abortReason(AbortSignal.abort(reason))).toBe(reason);
  });
});
