import type { Embedder } from '@victor-ai/core';
import { abortReason, QueueFullError } from '@victor-ai/core';
import { positiveInteger, positiveNumber } from './options.js';

/** Options of a `BatchProcessor`. */
export interface BatchProcessorOptions {
  /** Most inputs in one embeddings call; default 256. */
  maxBatchSize?: number;
  /** Longest time an input waits for others before its batch is sent, in ms; default 2. */
  maxWaitMs?: number;
  /** Most inputs waiting at once; beyond it `embed` rejects with `QueueFullError`. Default 10,000. */
  maxPending?: number;
}

interface PendingInput {
  text: string;
  resolve: (vector: Float32Array) => void;
  reject: (error: unknown) => void;
  /** Set once resolved, rejected or aborted. */
  settled: boolean;
}

/**
 * Saves provider calls: `coalesce` shares one in-flight call among identical requests, and
 * `batchEmbedder` gathers embedding inputs from concurrent callers into batched calls, within a short
 * window or a size limit, with a bound on what may wait.
 */
export class BatchProcessor {
  private readonly maxBatchSize: number;
  private readonly maxWaitMs: number;
  private readonly maxPending: number;
  private readonly inFlight = new Map<string, Promise<unknown>>();

  constructor(options: BatchProcessorOptions = {}) {
    this.maxBatchSize = positiveInteger('maxBatchSize', options.maxBatchSize, 256);
    this.maxWaitMs = positiveNumber('maxWaitMs', options.maxWaitMs, 2);
    this.maxPending = positiveInteger('maxPending', options.maxPending, 10_000);
  }

  /** Runs `run` once for all concurrent callers with the same key; they all get its result (or its error). */
  coalesce<Value>(key: string, run: () => Promise<Value>): Promise<Value> {
    const existing = this.inFlight.get(key);
    if (existing !== undefined) return existing as Promise<Value>;
    const promise = run().finally(() => this.inFlight.delete(key));
    this.inFlight.set(key, promise);
    return promise;
  }

  /** Calls in flight that `coalesce` is sharing. */
  get coalescing(): number {
    return this.inFlight.size;
  }

  /**
   * An `Embedder` that batches: inputs from concurrent `embed` calls are sent together when the batch is
   * full or `maxWaitMs` has passed since its first input.
   */
  batchEmbedder(embedder: Embedder): Embedder & { readonly pending: number } {
    const { maxBatchSize, maxWaitMs, maxPending } = this;
    const queue: PendingInput[] = [];
    let timer: ReturnType<typeof setTimeout> | undefined;
    let pending = 0;

    const settle = (batch: PendingInput[], vectors: Float32Array[] | undefined, error: unknown) => {
      for (let index = 0; index < batch.length; index++) {
        const input = batch[index]!;
        if (input.settled) continue;
        input.settled = true;
        pending--;
        const vector = vectors?.[index];
        if (vector) input.resolve(vector);
        else
          input.reject(
            error ??
              new Error(`the embedder returned ${vectors?.length ?? 0} vectors for ${batch.length} inputs`),
          );
      }
    };

    const flush = () => {
      if (timer !== undefined) clearTimeout(timer);
      timer = undefined;
      while (queue.length > 0) {
        const batch = queue.splice(0, maxBatchSize).filter((input) => !input.settled);
        if (batch.length === 0) continue;
        // Promise.resolve().then: an embedder that throws synchronously rejects its callers, not the timer.
        Promise.resolve()
          .then(() => embedder.embed(batch.map((input) => input.text)))
          .then(
            (vectors) => settle(batch, vectors, undefined),
            (error: unknown) => settle(batch, undefined, error),
          );
      }
    };

    return {
      id: embedder.id,
      model: embedder.model,
      get pending() {
        return pending;
      },
      embed(inputs, options = {}) {
        if (options.abortSignal?.aborted) return Promise.reject(abortReason(options.abortSignal));
        if (pending + inputs.length > maxPending) {
          return Promise.reject(
            new QueueFullError({
              message: `${pending} embedding inputs are waiting; maxPending is ${maxPending}`,
            }),
          );
        }
        pending += inputs.length;
        const { abortSignal } = options;
        const mine: PendingInput[] = [];
        const vectors = inputs.map(
          (text) =>
            new Promise<Float32Array>((resolve, reject) => {
              const input: PendingInput = { text, resolve, reject, settled: false };
              mine.push(input);
              queue.push(input);
            }),
        );
        if (abortSignal) {
          // An abort settles this call's inputs at once; a batch already sent still completes for the others.
          const onAbort = () => {
            for (const input of mine) {
              if (input.settled) continue;
              input.settled = true;
              pending--;
              input.reject(abortReason(abortSignal));
            }
          };
          abortSignal.addEventListener('abort', onAbort, { once: true });
          void Promise.allSettled(vectors).then(() => abortSignal.removeEventListener('abort', onAbort));
        }
        if (queue.length >= maxBatchSize) flush();
        else if (timer === undefined) {
          timer = setTimeout(flush, maxWaitMs);
          timer.unref?.();
        }
        return Promise.all(vectors);
      },
    };
  }
}
