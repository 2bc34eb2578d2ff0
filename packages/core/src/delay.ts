import { AbortedError } from './errors.js';

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

/** The error to throw for an aborted signal: its reason when that is an Error, else an `AbortedError`. */
export function abortReason(signal: AbortSignal): Error {
  const reason: unknown = signal.reason;
  if (reason instanceof Error && reason.name !== 'AbortError') return reason;
  return new AbortedError({ cause: reason });
}
