export type { DeterministicEmbedder, DeterministicEmbedderOptions } from './deterministic-embedder.js';
export { createDeterministicEmbedder } from './deterministic-embedder.js';
