import { AbortedError, TimeoutError } from './errors.js';

/** Resolves after `ms`; rejects with `AbortedError` as soon as the signal aborts. Cleans up on every path. */
export function delay(ms: number, options: { abortSignal?: AbortSignal } = {}): Promise<void> {
  const { abortSignal } = options;
  if (abortSignal?.aborted) return Promise.reject(abortReason(abortSignal));
  return new Promise((resolve, reject) => {
    const onAbort = () => {
      clearTimeout(timer);
      reject(abortReason(abortSignal!));
    };
    const timer = setTimeout(() => {
      abortSignal?.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    abortSignal?.addEventListener('abort', onAbort, { once: true });
  });
}

/**
 * The error to throw for an aborted signal: its reason when that is a `VictorError` or another `Error`; a
 * `TimeoutError` for `AbortSignal.timeout()`'s DOMException; an `AbortedError` otherwise.
 */
export function abortReason(signal: AbortSignal): Error {
  const reason: unknown = signal.reason;
  if (reason instanceof Error) {
    if (reason.name === 'TimeoutError' && !('code' in reason && typeof reason.code === 'string')) {
      return new TimeoutError({ timeoutMs: 0, message: 'the signal timed out', cause: reason });
    }
    if (reason.name !== 'AbortError') return reason;
  }
  return new AbortedError({ cause: reason });
}

/**
 * Waits for a promise that others may share, giving up for this caller only when its signal aborts: rejects
 * with {@link abortReason} (after calling `onAbort`, e.g. to let a shared computation know one waiter left),
 * and removes its listener on every path. Without a signal it returns the promise itself.
 */
export function waitOrAbort<T>(
  promise: Promise<T>,
  abortSignal: AbortSignal | undefined,
  onAbort?: () => void,
): Promise<T> {
  if (abortSignal === undefined) return promise;
  if (abortSignal.aborted) {
    onAbort?.();
    return Promise.reject(abortReason(abortSignal));
  }
  return new Promise<T>((resolve, reject) => {
    const abort = () => {
      onAbort?.();
      reject(abortReason(abortSignal));
    };
    abortSignal.addEventListener('abort', abort, { once: true });
    promise.then(
      (value) => {
        abortSignal.removeEventListener('abort', abort);
        resolve(value);
      },
      (error: unknown) => {
        abortSignal.removeEventListener('abort', abort);
        reject(error);
      },
    );
  });
}
