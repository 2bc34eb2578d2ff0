export { EmbedderModelError, type EmbedderStage } from './errors.js';
export {
  createUseEmbedder,
  type EmbedInputType,
  USE_DIMENSIONS,
  USE_MODEL,
  type UseEmbedder,
  type UseEmbedderOptions,
  type UseEmbedderStats,
  type UseEmbedOptions,
} from './use-embedder.js';
export { VectorFile, type VectorFileOptions, type VectorFileStatus, vectorKey } from './vector-file.js';
