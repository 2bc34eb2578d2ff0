export { embedderFromProvider } from './embedder-from-provider.js';
export { EmbeddingCache, type EmbeddingCacheOptions, textHash } from './embedding-cache.js';
export { type FusedHit, reciprocalRankFusion, weightedFusion } from './fusion.js';
export {
  type Bm25Options,
  DEFAULT_FIELD_WEIGHTS,
  LEXICAL_FIELDS,
  type LexicalField,
  LexicalIndex,
  type LexicalQuery,
  type SearchHits,
  splitSentences,
} from './lexical-index.js';
export { porterStem } from './porter-stemmer.js';
export {
  type EmbedCallOptions,
  type EmbedInputType,
  normalize,
  SemanticIndex,
  type SemanticIndexOptions,
} from './semantic-index.js';
export { splitWords, stem, tokenize } from './tokenize.js';
export { type RegisteredTool, type RegistryListener, ToolRegistry } from './tool-registry.js';
export {
  type FusionMethod,
  normalizeQuery,
  type SelectedTool,
  type SelectionSignal,
  type SelectionStrategy,
  type SelectOptions,
  type ToolSelection,
  ToolSelector,
  type ToolSelectorOptions,
  type ToolSelectorStats,
} from './tool-selector.js';
export { type ToolText, toolEmbeddingText, toolText } from './tool-text.js';
