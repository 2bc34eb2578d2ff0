import { describe, expect, it, vi } from 'vitest';
import { waitOrAbort } from './delay.js';
import { AbortedError } from './errors.js';

describe('waitOrAbort', () => {
  it('returns the promise itself without a signal', () => {
    const promise = Promise.resolve(1);
    expect(waitOrAbort(promise, undefined)).toBe(promise);
  });

  it('resolves and rejects as the promise does, and removes its listener', async () => {
    const controller = new AbortController();
    const remove = vi.spyOn(controller.signal, 'removeEventListener');
    await expect(waitOrAbort(Promise.resolve('v'), controller.signal)).resolves.toBe('v');
    const failure = new Error('compute failed');
    await expect(waitOrAbort(Promise.reject(failure), controller.signal)).rejects.toBe(failure);
    expect(remove).toHaveBeenCalledTimes(2);
  });

  it('gives up for this caller when the signal aborts, calling onAbort first; the shared promise goes on', async () => {
    const controller = new AbortController();
    let settle!: (value: string) => void;
    const shared = new Promise<string>((resolve) => {
      settle = resolve;
    });
    const onAbort = vi.fn();
    const waiting = waitOrAbort(shared, controller.signal, onAbort);
    controller.abort();
    await expect(waiting).rejects.toBeInstanceOf(AbortedError);
    expect(onAbort).toHaveBeenCalledTimes(1);
    settle('late');
    await expect(shared).resolves.toBe('late');
  });

  it('rejects at once with the reason of a signal aborted before, after onAbort', async () => {
    const reason = new Error('caller went away');
    const onAbort = vi.fn();
    await expect(waitOrAbort(new Promise(() => {}), AbortSignal.abort(reason), onAbort)).rejects.toBe(reason);
    expect(onAbort).toHaveBeenCalledTimes(1);
  });
});
