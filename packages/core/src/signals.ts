import { invalidOption, TimeoutError } from './errors.js';

/** A signal that aborts when any input aborts or the timeout passes, and `dispose()` to free its timer. */
export interface CombinedSignal {
  signal: AbortSignal | undefined;
  /** Frees the timer and the listeners on the input signals. */
  dispose(): void;
  /** Stops the timeout only: the signal keeps following the input signals (a stream past its first event). */
  clearTimeout(): void;
}

const NOTHING: CombinedSignal = Object.freeze({ signal: undefined, dispose() {}, clearTimeout() {} });

/**
 * Combines optional signals and an optional timeout into one signal. A timeout aborts with a
 * `TimeoutError`. Returns `signal: undefined` and allocates nothing when there is nothing to combine.
 */
export function combineSignals(
  signals: ReadonlyArray<AbortSignal | undefined>,
  options: { timeoutMs?: number } = {},
): CombinedSignal {
  const { timeoutMs } = options;
  if (timeoutMs !== undefined && !(timeoutMs > 0 && Number.isFinite(timeoutMs))) {
    throw invalidOption('timeoutMs', 'a positive finite number', timeoutMs);
  }
  const present: AbortSignal[] = [];
  for (const signal of signals) if (signal) present.push(signal);
  if (timeoutMs === undefined) {
    if (present.length === 0) return NOTHING;
    if (present.length === 1) return { signal: present[0], dispose() {}, clearTimeout() {} };
  }
  const controller = new AbortController();
  const abort = (reason: unknown) => {
    if (!controller.signal.aborted) controller.abort(reason);
    dispose();
  };
  const listeners: Array<[AbortSignal, () => void]> = [];
  // The listeners reach the combination through this link only, cut by dispose(): an input signal that
  // outlives many combinations (an agent's close signal) may keep a removed listener's entry reachable for
  // a while, and it must not keep this controller and what listens to it alive.
  const link: AbortLink = { abort };
  let timer: ReturnType<typeof setTimeout> | undefined;
  function stopTimer() {
    if (timer !== undefined) clearTimeout(timer);
    timer = undefined;
  }
  function dispose() {
    stopTimer();
    link.abort = undefined;
    for (const [signal, listener] of listeners) signal.removeEventListener('abort', listener);
    listeners.length = 0;
  }
  for (const signal of present) {
    if (signal.aborted) {
      abort(signal.reason);
      return { signal: controller.signal, dispose, clearTimeout: stopTimer };
    }
    const listener = relayAbort(signal, link);
    signal.addEventListener('abort', listener, { once: true });
    listeners.push([signal, listener]);
  }
  if (timeoutMs !== undefined) {
    timer = setTimeout(() => abort(new TimeoutError({ timeoutMs })), timeoutMs);
    timer.unref?.();
  }
  return { signal: controller.signal, dispose, clearTimeout: stopTimer };
}

interface AbortLink {
  abort: ((reason: unknown) => void) | undefined;
}

/** A listener forwarding `signal`'s abort through `link` (a closure over these two only). */
function relayAbort(signal: AbortSignal, link: AbortLink): () => void {
  return () => link.abort?.(signal.reason);
}
