export type { EmbedderStage } from './errors.js';
export { EmbedderModelError } from './errors.js';
export type {
  EmbedInputType,
  UseEmbedder,
  UseEmbedderOptions,
  UseEmbedderStats,
  UseEmbedOptions,
} from './use-embedder.js';
export { createUseEmbedder, USE_DIMENSIONS, USE_MODEL } from './use-embedder.js';
export type { VectorFileOptions, VectorFileStatus } from './vector-file.js';
export { VectorFile, vectorKey } from './vector-file.js';
