export { cosineSimilarity } from './cosine.js';
export {
  createDeterministicEmbedder,
  type DeterministicEmbedder,
  type DeterministicEmbedderOptions,
} from './deterministic-embedder.js';
