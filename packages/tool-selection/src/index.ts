export { embedderFromProvider } from './embedder-from-provider.js';
export type { EmbeddingCacheOptions } from './embedding-cache.js';
export { EmbeddingCache, textHash } from './embedding-cache.js';
export type { FusedHit } from './fusion.js';
export { reciprocalRankFusion, weightedFusion } from './fusion.js';
export type { Bm25Options, LexicalField, LexicalQuery, SearchHits } from './lexical-index.js';
export { DEFAULT_FIELD_WEIGHTS, LEXICAL_FIELDS, LexicalIndex, splitSentences } from './lexical-index.js';
export { porterStem } from './porter-stemmer.js';
export type { EmbedCallOptions, EmbedInputType, SemanticIndexOptions } from './semantic-index.js';
export { normalize, SemanticIndex } from './semantic-index.js';
export { splitWords, stem, tokenize } from './tokenize.js';
export type { RegisteredTool, RegistryListener } from './tool-registry.js';
export { ToolRegistry } from './tool-registry.js';
export type {
  FusionMethod,
  SelectedTool,
  SelectionSignal,
  SelectionStrategy,
  SelectOptions,
  ToolSelection,
  ToolSelectorOptions,
  ToolSelectorStats,
} from './tool-selector.js';
export { normalizeQuery, ToolSelector } from './tool-selector.js';
export type { ToolText } from './tool-text.js';
export { toolEmbeddingText, toolText } from './tool-text.js';
