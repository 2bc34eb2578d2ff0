import {
  AbortedError,
  type Embedder,
  InvalidResponseError,
  invalidOption,
  type Message,
  type MetricLabels,
  MetricNames,
  type MetricsSink,
  noopMetricsSink,
  type Tool,
  type ToolDefinition,
  VictorError,
  waitOrAbort,
} from '@victor-ai/core';
import { LRUCache } from 'lru-cache';
import { AdmissionFilter, hash32 } from './admission.js';
import { EmbeddingCache } from './embedding-cache.js';
import { type FusedHit, reciprocalRankFusion, weightedFusion } from './fusion.js';
import { type Bm25Options, LexicalIndex, type SearchHits, splitSentences } from './lexical-index.js';
import { type EmbedCallOptions, normalize, SemanticIndex } from './semantic-index.js';
import type { RegisteredTool, ToolRegistry } from './tool-registry.js';
import { type ToolText, toolEmbeddingText, toolText } from './tool-text.js';

/** How tools are ranked: BM25F only, embeddings only, or both fused. */
export type SelectionStrategy = 'lexical' | 'semantic' | 'hybrid';

/**
 * Which signal put a tool into the result; `prior` fills a selection up to `minTools` (tools used in the
 * conversation first, then read-only tools, then the rest, in registration order).
 */
export type SelectionSignal = 'lexical' | 'semantic' | 'hybrid' | 'always-include' | 'prior';

/** How hybrid ranking combines the lexical and semantic lists. */
export type FusionMethod = 'rrf' | 'weighted';

/** Options of a `ToolSelector`. */
export interface ToolSelectorOptions {
  /** The tools to choose from; the selector follows its changes. */
  registry: ToolRegistry;
  /** Turns tool texts and queries into vectors; needed for `semantic` and `hybrid`. */
  embedder?: Embedder;
  /** `hybrid` when an embedder is given, `lexical` otherwise. */
  strategy?: SelectionStrategy;
  /** Tools returned by default (besides always-included ones); 10 unless set. */
  k?: number;
  /**
   * Fewest tools a selection offers (always-included ones count), or every tool the call allows when fewer
   * are registered. When ranking finds fewer, the rest is filled by a prior (signal `prior`): tools used
   * in the conversation, then read-only tools, then the others. `k` unless set; 0 lets a selection be empty.
   */
  minTools?: number;
  /** BM25F parameters (k1, field weights, length normalisation). */
  bm25?: Bm25Options;
  /**
   * `weighted` (default) or `rrf`. With a real sentence encoder, weighted fusion at `lexicalWeight` 0.95
   * beat RRF on both evaluation sets (see the README's table).
   */
  fusion?: FusionMethod;
  /**
   * RRF constant; 10 unless set. Lower puts more weight on the first places of each list: with a real
   * sentence encoder, 10 beat 60 on both evaluation sets (see the README's table).
   */
  rrfK?: number;
  /** Share of the lexical score in `weighted` fusion, 0 to 1; 0.95 unless set. */
  lexicalWeight?: number;
  /**
   * Embeds each sentence of a query of several sentences (up to 8) besides the whole text, and takes the
   * semantic candidates from each in turn: one vector cannot stand for a request that asks for three
   * things. Costs one embedding per sentence, in one call. True unless set (it won on both evaluation sets);
   * a one-sentence query is embedded once either way.
   */
  splitQueries?: boolean;
  /** Candidates taken from each list before fusion; 50 unless set (at least `k`). */
  fusionDepth?: number;
  /**
   * Below this relevance (BM25 score over the query's best possible score, or cosine similarity) the
   * result says `noToolFits`. 0 unless set: only a query that matches nothing at all fits no tool.
   */
  minRelevance?: number;
  /** Selections kept in the result cache; 1,000 unless set, 0 turns caching off. */
  cacheSize?: number;
  /** Query vectors kept (semantic and hybrid); 1,000 unless set. */
  queryVectorCacheSize?: number;
  /** Where tool vectors are cached; share one across selectors that use the same embedder. */
  embeddingCache?: EmbeddingCache;
  /** Texts per embeddings call; 128 unless set. */
  embeddingBatchSize?: number;
  /** Weight of each conversation-context term against 1 for a query term; 0.3 unless set. */
  contextWeight?: number;
  /** Most recent context messages read; 4 unless set. */
  contextMessages?: number;
  metrics?: MetricsSink;
}

/** Options of one `select` call. */
export interface SelectOptions {
  /** Tools to return (besides always-included ones). */
  k?: number;
  /** Overrides the selector's `minTools` for this call. */
  minTools?: number;
  /** Names of tools to include whatever their rank (tools flagged `alwaysInclude` always are). */
  alwaysInclude?: readonly string[];
  /** Only tools in one of these categories are ranked. */
  categories?: readonly string[];
  /** Only tools with at least one of these tags are ranked. */
  tags?: readonly string[];
  /** Only read-only tools (true) or only tools with side effects (false). */
  readOnly?: boolean;
  /** Recent conversation; its words count at `contextWeight`. Strings or messages, oldest first. */
  context?: readonly (string | Message)[];
  /** Overrides the selector's strategy for this call. */
  strategy?: SelectionStrategy;
  /** Overrides the selector's `minRelevance`. */
  minRelevance?: number;
  abortSignal?: AbortSignal;
}

/** One selected tool. */
export interface SelectedTool {
  readonly name: string;
  readonly definition: ToolDefinition;
  /** The executable tool, when the registry holds one. */
  readonly tool: Tool | undefined;
  /** The ranking score (BM25F, cosine, or fused); 0 for always-included tools that did not rank. */
  readonly score: number;
  /** Which signal put the tool here. */
  readonly signal: SelectionSignal;
  /** 0-based rank in the lexical list, or -1. */
  readonly lexicalRank: number;
  /** 0-based rank in the semantic list, or -1. */
  readonly semanticRank: number;
}

/** The answer of `select`. */
export interface ToolSelection {
  /** Always-included tools first, then the ranked ones, best first. */
  readonly tools: readonly SelectedTool[];
  /** True when no tool reached `minRelevance` (always-included tools aside). */
  readonly noToolFits: boolean;
  /** Relevance of the best ranked tool, 0 to 1 (see `minRelevance`). */
  readonly topRelevance: number;
  readonly strategy: SelectionStrategy;
  readonly registryVersion: number;
  /** True when served from the result cache. */
  readonly cached: boolean;
  /** Set when semantic ranking failed and the lexical ranking was used instead. */
  readonly semanticError?: unknown;
}

/** Sizes and timings of the current indexes. */
export interface ToolSelectorStats {
  registryVersion: number;
  tools: number;
  lexicalTerms: number;
  lexicalBuildMs: number;
  lexicalMemoryBytes: number;
  semanticMemoryBytes: number;
  cachedSelections: number;
}

/** Most sentences of one query embedded on their own when `splitQueries` is on. */
const MAX_QUERY_SENTENCES = 8;

/** Characters of one context message read for ranking. */
const CONTEXT_CHARS = 1_000;

interface VersionState {
  readonly version: number;
  readonly tools: readonly RegisteredTool[];
  readonly texts: readonly ToolText[];
  lexical: LexicalIndex | undefined;
  lexicalBuildMs: number;
  semantic: Promise<SemanticIndex> | undefined;
  semanticIndex: SemanticIndex | undefined;
  readonly alwaysIncluded: readonly number[];
  readonly indexByName: Map<string, number>;
  readonly masks: Map<string, Uint8Array>;
  /** Tool indexes in the order the prior fills a selection: read-only tools first; built when needed. */
  priorOrder: Uint32Array | undefined;
  /** Scratch mask of `#fillByPrior` (all zero between calls); built when needed. */
  taken: Uint8Array | undefined;
  /** The `SelectedTool` of each tool added by the prior, made when first needed. */
  priorTools: Array<SelectedTool | undefined> | undefined;
}

interface CacheEntry {
  readonly version: number;
  readonly selection: ToolSelection;
}

const EMPTY_OPTIONS: SelectOptions = Object.freeze({});
const STRATEGIES: readonly SelectionStrategy[] = ['lexical', 'semantic', 'hybrid'];
const WHITESPACE = /\s+/g;

function checkInteger(option: string, value: number | undefined, min: number, max: number): void {
  if (value !== undefined && !(Number.isInteger(value) && value >= min && value <= max)) {
    throw invalidOption(option, `an integer from ${min} to ${max}`, value);
  }
}

function checkFraction(option: string, value: number | undefined): void {
  if (value !== undefined && !(typeof value === 'number' && value >= 0 && value <= 1)) {
    throw invalidOption(option, 'a number from 0 to 1', value);
  }
}

/** Normalises a query for cache keys: trimmed, lower-case, runs of whitespace as one space. */
export function normalizeQuery(query: string): string {
  return query.trim().toLowerCase().replace(WHITESPACE, ' ');
}

/** A 53-bit string hash (cyrb53), enough to tell conversation contexts apart in a bounded cache. */
function digest(text: string): string {
  let h1 = 0xdeadbeef;
  let h2 = 0x41c6ce57;
  for (let i = 0; i < text.length; i++) {
    const char = text.charCodeAt(i);
    h1 = Math.imul(h1 ^ char, 2654435761);
    h2 = Math.imul(h2 ^ char, 1597334677);
  }
  h1 = Math.imul(h1 ^ (h1 >>> 16), 2246822507) ^ Math.imul(h2 ^ (h2 >>> 13), 3266489909);
  h2 = Math.imul(h2 ^ (h2 >>> 16), 2246822507) ^ Math.imul(h1 ^ (h1 >>> 13), 3266489909);
  return (4294967296 * (2097151 & h2) + (h1 >>> 0)).toString(36);
}

/**
 * Picks the few tools that fit a request out of a registry of any size. Indexes are built once per
 * registry version (lazily, or up front with `prepare()`); selections are cached by normalised query,
 * options, conversation context and registry version, and the cache is emptied when the registry changes.
 */
export class ToolSelector {
  readonly #registry: ToolRegistry;
  readonly #embedder: Embedder | undefined;
  readonly #strategy: SelectionStrategy;
  readonly #k: number;
  readonly #minTools: number | undefined;
  readonly #bm25: Bm25Options;
  readonly #fusion: FusionMethod;
  readonly #rrfK: number;
  readonly #lexicalWeight: number;
  readonly #fusionDepth: number;
  readonly #splitQueries: boolean;
  readonly #minRelevance: number;
  readonly #cacheSize: number;
  readonly #queryVectorCacheSize: number;
  readonly #embeddingCache: EmbeddingCache;
  readonly #embeddingBatchSize: number;
  readonly #contextWeight: number;
  readonly #contextMessages: number;
  readonly #metrics: MetricsSink;
  // Selections and query vectors: bounded LRUs (lru-cache; bench/selection-cache.bench.mjs measured it
  // against the Map-based LRU it replaced, in the same run). Undefined when their size is 0.
  readonly #cache: LRUCache<string, CacheEntry> | undefined;
  readonly #admission: AdmissionFilter | undefined;
  readonly #queryVectors: LRUCache<string, Float32Array> | undefined;
  // Queries whose vectors are being embedded in the background for selectSync.
  readonly #warming = new Set<string>();
  #state: VersionState | undefined;
  // Label objects reused on the hot path.
  readonly #hitLabels: MetricLabels;
  readonly #missLabels: MetricLabels;

  /** Creates a selector over a registry; options are checked here. */
  constructor(options: ToolSelectorOptions) {
    if (typeof options !== 'object' || options === null) throw invalidOption('options', 'an object', options);
    const { registry, embedder } = options;
    if (typeof registry !== 'object' || registry === null || typeof registry.list !== 'function') {
      throw invalidOption('registry', 'a ToolRegistry', registry);
    }
    if (embedder !== undefined && (typeof embedder !== 'object' || typeof embedder.embed !== 'function')) {
      throw invalidOption('embedder', 'an Embedder (id, model, embed())', embedder);
    }
    const strategy = options.strategy ?? (embedder ? 'hybrid' : 'lexical');
    if (!STRATEGIES.includes(strategy)) {
      throw invalidOption('strategy', '"lexical", "semantic" or "hybrid"', options.strategy);
    }
    if (strategy !== 'lexical' && embedder === undefined) {
      throw invalidOption('strategy', '"lexical" when no embedder is given', strategy);
    }
    if (options.fusion !== undefined && options.fusion !== 'rrf' && options.fusion !== 'weighted') {
      throw invalidOption('fusion', '"rrf" or "weighted"', options.fusion);
    }
    checkInteger('k', options.k, 1, 1000);
    checkInteger('minTools', options.minTools, 0, 1000);
    checkInteger('rrfK', options.rrfK, 1, 10_000);
    checkFraction('lexicalWeight', options.lexicalWeight);
    checkInteger('fusionDepth', options.fusionDepth, 1, 10_000);
    if (options.splitQueries !== undefined && typeof options.splitQueries !== 'boolean') {
      throw invalidOption('splitQueries', 'a boolean', options.splitQueries);
    }
    checkFraction('minRelevance', options.minRelevance);
    checkInteger('cacheSize', options.cacheSize, 0, 10_000_000);
    checkInteger('queryVectorCacheSize', options.queryVectorCacheSize, 0, 10_000_000);
    checkInteger('embeddingBatchSize', options.embeddingBatchSize, 1, 100_000);
    checkInteger('contextMessages', options.contextMessages, 0, 1000);
    if (options.contextWeight !== undefined && !(options.contextWeight >= 0 && options.contextWeight <= 10)) {
      throw invalidOption('contextWeight', 'a number from 0 to 10', options.contextWeight);
    }
    if (options.embeddingCache !== undefined && !(options.embeddingCache instanceof EmbeddingCache)) {
      throw invalidOption('embeddingCache', 'an EmbeddingCache', options.embeddingCache);
    }
    // Validate BM25 options now rather than at the first select.
    LexicalIndex.build([], options.bm25);

    this.#registry = registry;
    this.#embedder = embedder;
    this.#strategy = strategy;
    this.#k = options.k ?? 10;
    this.#minTools = options.minTools;
    this.#bm25 = options.bm25 ?? {};
    this.#fusion = options.fusion ?? 'weighted';
    this.#rrfK = options.rrfK ?? 10;
    this.#lexicalWeight = options.lexicalWeight ?? 0.95;
    this.#fusionDepth = options.fusionDepth ?? 50;
    this.#splitQueries = options.splitQueries ?? true;
    this.#minRelevance = options.minRelevance ?? 0;
    this.#cacheSize = options.cacheSize ?? 1000;
    this.#admission = this.#cacheSize > 0 ? new AdmissionFilter(this.#cacheSize) : undefined;
    this.#cache = this.#cacheSize > 0 ? new LRUCache({ max: this.#cacheSize }) : undefined;
    this.#queryVectorCacheSize = options.queryVectorCacheSize ?? 1000;
    this.#queryVectors =
      this.#queryVectorCacheSize > 0 ? new LRUCache({ max: this.#queryVectorCacheSize }) : undefined;
    this.#embeddingCache = options.embeddingCache ?? new EmbeddingCache();
    this.#embeddingBatchSize = options.embeddingBatchSize ?? 128;
    this.#contextWeight = options.contextWeight ?? 0.3;
    this.#contextMessages = options.contextMessages ?? 4;
    this.#metrics = options.metrics ?? noopMetricsSink;
    this.#hitLabels = Object.freeze({ cache: 'hit' });
    this.#missLabels = Object.freeze({ cache: 'miss' });
  }

  /** The strategy used when a call does not name one. */
  get strategy(): SelectionStrategy {
    return this.#strategy;
  }

  /** Builds the indexes for the registry's current version now (embedding tools when needed). */
  async prepare(options: { abortSignal?: AbortSignal } = {}): Promise<void> {
    const state = this.#current();
    this.#lexical(state);
    if (this.#strategy !== 'lexical') await this.#semantic(state, options.abortSignal);
  }

  /** Sizes and timings of the indexes for the current registry version. */
  stats(): ToolSelectorStats {
    const state = this.#current();
    const lexical = this.#lexical(state);
    return {
      registryVersion: state.version,
      tools: state.tools.length,
      lexicalTerms: lexical.termCount,
      lexicalBuildMs: state.lexicalBuildMs,
      lexicalMemoryBytes: lexical.memoryBytes,
      semanticMemoryBytes: state.semanticIndex?.memoryBytes ?? 0,
      cachedSelections: this.#cache?.size ?? 0,
    };
  }

  /**
   * The tools that fit `query`, without waiting. With the semantic or hybrid strategy it ranks that way
   * when the tool vectors and this query's vector are already at hand; otherwise it ranks lexically now
   * (the result's `strategy` says `lexical`, and it is not cached) and starts embedding in the background,
   * so that a later call for the same query gets the full ranking. For hot paths that must not await.
   */
  selectSync(query: string, options: SelectOptions = EMPTY_OPTIONS): ToolSelection {
    const strategy = options.strategy ?? this.#strategy;
    if (strategy === 'lexical') return this.#select(query, options, 'lexical', undefined);
    if (this.#embedder === undefined) {
      throw invalidOption('strategy', '"lexical" when the selector has no embedder', strategy);
    }
    if (typeof query !== 'string') throw invalidOption('query', 'a string', query);
    const state = this.#current();
    const texts = this.#queryTexts(query);
    const vectors = this.#cachedQueryVectors(texts);
    if (state.semanticIndex !== undefined && vectors !== undefined) {
      return this.#select(
        query,
        options,
        strategy,
        { index: state.semanticIndex, vectors },
        undefined,
        true,
        state,
      );
    }
    this.#warmInBackground(state, texts);
    return this.#select(query, options, 'lexical', undefined, undefined, false, state);
  }

  /** Starts embedding the tools and a query without anyone waiting; failures are counted, not thrown. */
  #warmInBackground(state: VersionState, texts: readonly string[]): void {
    const normalizedQuery = texts[0]!;
    if (this.#warming.has(normalizedQuery)) return;
    const done = Promise.all([this.#semantic(state, undefined), this.#queryVectorList(texts, undefined)]);
    this.#warming.add(normalizedQuery);
    done.then(
      () => this.#warming.delete(normalizedQuery),
      () => {
        this.#warming.delete(normalizedQuery);
        this.#metrics.increment(MetricNames.toolSelectionSemanticFailures);
      },
    );
  }

  /** The tools that fit `query`: top k with scores and the signal that ranked each. */
  async select(query: string, options: SelectOptions = EMPTY_OPTIONS): Promise<ToolSelection> {
    const strategy = options.strategy ?? this.#strategy;
    if (strategy === 'lexical') return this.#select(query, options, strategy, undefined);
    if (this.#embedder === undefined) {
      throw invalidOption('strategy', '"lexical" when the selector has no embedder', strategy);
    }
    // Bad arguments are the caller's error, not an embedder failure to fall back from: check them first.
    if (typeof query !== 'string') throw invalidOption('query', 'a string', query);
    if (options.k !== undefined) checkInteger('k', options.k, 1, 1000);
    if (options.minRelevance !== undefined) checkFraction('minRelevance', options.minRelevance);
    if (options.abortSignal?.aborted) throw new AbortedError({ cause: options.abortSignal.reason });
    const state = this.#current();
    const key = this.#key(query, options, strategy);
    const hit = this.#fromCache(key, state.version);
    if (hit !== undefined) return hit;
    try {
      const semanticIndex = await this.#semantic(state, options.abortSignal);
      const vectors = await this.#queryVectorList(this.#queryTexts(query), options.abortSignal);
      // The registry may have changed while embedding: rank within the version the vectors belong to.
      return this.#select(query, options, strategy, { index: semanticIndex, vectors }, key, true, state);
    } catch (error) {
      if (VictorError.isInstance(error) && error.code === 'ABORTED') throw error;
      if (options.abortSignal?.aborted) throw new AbortedError({ cause: options.abortSignal.reason });
      this.#metrics.increment(MetricNames.toolSelectionSemanticFailures);
      const fallback = this.#select(query, options, 'lexical', undefined, undefined, false, state);
      return Object.freeze({ ...fallback, semanticError: error });
    }
  }

  #current(): VersionState {
    const version = this.#registry.version;
    let state = this.#state;
    if (state === undefined || state.version !== version) {
      const tools = this.#registry.list();
      const indexByName = new Map<string, number>();
      const alwaysIncluded: number[] = [];
      tools.forEach((tool, index) => {
        indexByName.set(tool.definition.name, index);
        if (tool.definition.alwaysInclude === true) alwaysIncluded.push(index);
      });
      state = {
        version,
        tools,
        texts: tools.map(toolText),
        lexical: undefined,
        lexicalBuildMs: 0,
        semantic: undefined,
        semanticIndex: undefined,
        alwaysIncluded,
        indexByName,
        masks: new Map(),
        priorOrder: undefined,
        taken: undefined,
        priorTools: undefined,
      };
      this.#state = state;
      this.#cache?.clear();
      this.#metrics.gauge(MetricNames.toolSelectionTools, tools.length);
    }
    return state;
  }

  #lexical(state: VersionState): LexicalIndex {
    if (state.lexical === undefined) {
      const start = performance.now();
      state.lexical = LexicalIndex.build(state.texts, this.#bm25);
      state.lexicalBuildMs = performance.now() - start;
      this.#metrics.observe(MetricNames.toolSelectionIndexBuild, state.lexicalBuildMs / 1000, {
        index: 'lexical',
      });
    }
    return state.lexical;
  }

  #semantic(state: VersionState, abortSignal: AbortSignal | undefined): Promise<SemanticIndex> {
    if (state.semantic === undefined) {
      const start = performance.now();
      // The build is shared by every caller: it runs without any one caller's signal, and each caller
      // stops waiting on its own signal (below).
      const built = SemanticIndex.build(state.texts.map(toolEmbeddingText), this.#embedder!, {
        cache: this.#embeddingCache,
        batchSize: this.#embeddingBatchSize,
      });
      state.semantic = built;
      built.then(
        (index) => {
          state.semanticIndex = index;
          this.#metrics.observe(MetricNames.toolSelectionIndexBuild, (performance.now() - start) / 1000, {
            index: 'semantic',
          });
        },
        () => {
          // A failed build is retried by the next call.
          if (state.semantic === built) state.semantic = undefined;
        },
      );
    }
    return waitOrAbort(state.semantic, abortSignal);
  }

  /** The normalised texts a query is embedded as: the whole query, then each sentence when split. */
  #queryTexts(query: string): string[] {
    const whole = normalizeQuery(query);
    if (!this.#splitQueries) return [whole];
    const texts = [whole];
    for (const sentence of splitSentences(query)) {
      const text = normalizeQuery(sentence);
      if (text !== '' && text !== whole && !texts.includes(text)) texts.push(text);
      if (texts.length > MAX_QUERY_SENTENCES) break;
    }
    return texts;
  }

  /** The vectors of every text from the query-vector cache, or undefined when one is missing. */
  #cachedQueryVectors(texts: readonly string[]): Float32Array[] | undefined {
    const vectors: Float32Array[] = [];
    for (const text of texts) {
      const vector = this.#queryVectors?.get(text);
      if (vector === undefined) return undefined;
      vectors.push(vector);
    }
    return vectors;
  }

  /** Unit vectors of the texts, embedding those not cached in one call. */
  async #queryVectorList(
    texts: readonly string[],
    abortSignal: AbortSignal | undefined,
  ): Promise<Float32Array[]> {
    const embedder = this.#embedder!;
    const vectors: Array<Float32Array | undefined> = texts.map((text) => this.#queryVectors?.get(text));
    const missing = texts.filter((_, i) => vectors[i] === undefined);
    if (missing.length === 0) return vectors as Float32Array[];
    const embedOptions: EmbedCallOptions = abortSignal
      ? { abortSignal, inputType: 'query' }
      : { inputType: 'query' };
    const embedded = await embedder.embed(missing, embedOptions);
    if (abortSignal?.aborted) throw new AbortedError({ cause: abortSignal.reason });
    let next = 0;
    for (let i = 0; i < texts.length; i++) {
      if (vectors[i] !== undefined) continue;
      const raw = Array.isArray(embedded) ? embedded[next++] : undefined;
      if (!(raw instanceof Float32Array) && !Array.isArray(raw)) {
        throw new InvalidResponseError({
          message: `embedder ${embedder.id} returned no vector for the query`,
        });
      }
      const vector = normalize(Float32Array.from(raw));
      this.#queryVectors?.set(texts[i]!, vector);
      vectors[i] = vector;
    }
    return vectors as Float32Array[];
  }

  #contextText(context: readonly (string | Message)[] | undefined): string {
    if (context === undefined || context.length === 0 || this.#contextMessages === 0) return '';
    let text = '';
    for (let i = Math.max(0, context.length - this.#contextMessages); i < context.length; i++) {
      const item = context[i]!;
      if (typeof item === 'string') text += ` ${item.slice(0, CONTEXT_CHARS)}`;
      else if (item.role === 'tool') {
        // A tool's output (a whole file, a listing) says little about the next tool; its name says more.
        if (item.name) text += ` ${item.name}`;
      } else if (item.role !== 'system') {
        text += ` ${item.content.slice(0, CONTEXT_CHARS)}`;
        if (item.role === 'assistant' && item.toolCalls)
          for (const call of item.toolCalls) text += ` ${call.name}`;
      }
    }
    return text;
  }

  #key(query: string, options: SelectOptions, strategy: SelectionStrategy): string {
    let key = `${strategy}\u0000${options.k ?? this.#k}\u0000${normalizeQuery(query)}`;
    if (options === EMPTY_OPTIONS) return key;
    if (options.context !== undefined && options.context.length > 0) {
      key += `\u0000c${digest(this.#contextText(options.context))}`;
    }
    if (options.categories !== undefined) key += `\u0000g${options.categories.join('\u0001')}`;
    if (options.tags !== undefined) key += `\u0000t${options.tags.join('\u0001')}`;
    if (options.readOnly !== undefined) key += `\u0000r${options.readOnly}`;
    if (options.alwaysInclude !== undefined) key += `\u0000a${options.alwaysInclude.join('\u0001')}`;
    if (options.minRelevance !== undefined) key += `\u0000m${options.minRelevance}`;
    if (options.minTools !== undefined) key += `\u0000n${options.minTools}`;
    return key;
  }

  #fromCache(key: string, version: number): ToolSelection | undefined {
    // A hit becomes the most recently used entry.
    const entry = this.#cache?.get(key);
    if (entry === undefined || entry.version !== version) return undefined;
    this.#metrics.increment(MetricNames.toolSelectionCache, this.#hitLabels);
    return entry.selection;
  }

  /**
   * Keeps a computed selection. A full cache takes it, in place of its least recently used entry, only
   * when its query was looked up before (see `AdmissionFilter`). A selection made for a registry version
   * that is no longer current (a slow semantic select) is not kept: it could never be served.
   */
  #store(key: string, repeated: boolean, version: number, selection: ToolSelection): void {
    const cache = this.#cache;
    if (cache === undefined || (this.#state !== undefined && version !== this.#state.version)) return;
    // Full: only a repeated query gets in, and lru-cache evicts the least recently used entry for it.
    if (cache.size >= this.#cacheSize && !repeated) return;
    cache.set(key, { version, selection: Object.freeze({ ...selection, cached: true }) });
  }

  #mask(state: VersionState, options: SelectOptions): Uint8Array | undefined {
    const { categories, tags, readOnly } = options;
    if (categories === undefined && tags === undefined && readOnly === undefined) return undefined;
    const maskKey = `${categories?.join('\u0001') ?? '\u0002'}\u0000${tags?.join('\u0001') ?? '\u0002'}\u0000${readOnly}`;
    let mask = state.masks.get(maskKey);
    if (mask === undefined) {
      mask = new Uint8Array(state.tools.length);
      const categorySet = categories ? new Set(categories) : undefined;
      const tagSet = tags ? new Set(tags) : undefined;
      state.tools.forEach(({ definition }, index) => {
        if (categorySet && (definition.category === undefined || !categorySet.has(definition.category)))
          return;
        if (tagSet && !(definition.tags ?? []).some((tag) => tagSet.has(tag))) return;
        if (readOnly !== undefined && (definition.readOnly === true) !== readOnly) return;
        mask![index] = 1;
      });
      if (state.masks.size >= 256) state.masks.clear();
      state.masks.set(maskKey, mask);
    }
    return mask;
  }

  #select(
    query: string,
    options: SelectOptions,
    strategy: SelectionStrategy,
    semantic: { index: SemanticIndex; vectors: Float32Array[] } | undefined,
    knownKey?: string,
    useCache = true,
    pinnedState?: VersionState,
  ): ToolSelection {
    // No clock reads for the default sink: each allocates, and a select allocates little else (README).
    const timed = this.#metrics !== noopMetricsSink;
    const start = timed ? performance.now() : 0;
    if (typeof query !== 'string') throw invalidOption('query', 'a string', query);
    if (options.abortSignal?.aborted) throw new AbortedError({ cause: options.abortSignal.reason });
    const k = options.k ?? this.#k;
    if (options.k !== undefined) checkInteger('k', options.k, 1, 1000);
    if (options.minTools !== undefined) checkInteger('minTools', options.minTools, 0, 1000);
    const minRelevance = options.minRelevance ?? this.#minRelevance;
    if (options.minRelevance !== undefined) checkFraction('minRelevance', options.minRelevance);
    const state = pinnedState ?? this.#current();
    const cacheable = useCache && this.#cacheSize > 0;
    const key = cacheable ? (knownKey ?? this.#key(query, options, strategy)) : '';
    let repeated = false;
    if (cacheable) {
      repeated = this.#admission!.lookedUpBefore(hash32(key));
      const hit = this.#fromCache(key, state.version);
      if (hit !== undefined) {
        if (timed)
          this.#metrics.observe(
            MetricNames.toolSelectionDuration,
            (performance.now() - start) / 1000,
            this.#hitLabels,
          );
        return hit;
      }
      this.#metrics.increment(MetricNames.toolSelectionCache, this.#missLabels);
    }

    const mask = this.#mask(state, options);
    const ranked: SelectedTool[] = [];
    let topRelevance = 0;
    const depth = strategy === 'hybrid' ? Math.max(k, this.#fusionDepth) : k;
    let lexicalHits: SearchHits | undefined;
    let lexicalMax = 0;
    if (strategy !== 'semantic') {
      const lexical = this.#lexical(state);
      // `searchText` is prepare + search without allocating the prepared query.
      const hits = lexical.searchText(
        query,
        depth,
        mask,
        this.#contextText(options.context),
        this.#contextWeight,
      );
      lexicalHits = hits;
      lexicalMax = hits.maxScore;
      if (lexicalHits.documents.length > 0 && lexicalMax > 0)
        topRelevance = lexicalHits.scores[0]! / lexicalMax;
    }
    let semanticHits: SearchHits | undefined;
    if (strategy !== 'lexical' && semantic !== undefined) {
      semanticHits = semantic.index.searchEach(semantic.vectors, depth, mask);
      if (semanticHits.documents.length > 0) {
        topRelevance = Math.max(topRelevance, semanticHits.scores[0]!);
      }
    }
    if (strategy === 'hybrid' && lexicalHits && semanticHits) {
      const fused: FusedHit[] =
        this.#fusion === 'rrf'
          ? reciprocalRankFusion(lexicalHits, semanticHits, k, this.#rrfK)
          : weightedFusion(lexicalHits, lexicalMax, semanticHits, k, this.#lexicalWeight);
      for (const hit of fused) {
        const signal: SelectionSignal =
          hit.lexicalRank >= 0 && hit.semanticRank >= 0
            ? 'hybrid'
            : hit.lexicalRank >= 0
              ? 'lexical'
              : 'semantic';
        ranked.push(
          this.#selected(state, hit.document, hit.score, signal, hit.lexicalRank, hit.semanticRank),
        );
      }
    } else {
      const hits = (strategy === 'semantic' ? semanticHits : lexicalHits) ?? { documents: [], scores: [] };
      const signal: SelectionSignal = strategy === 'semantic' ? 'semantic' : 'lexical';
      for (let rank = 0; rank < hits.documents.length; rank++) {
        ranked.push(
          this.#selected(
            state,
            hits.documents[rank]!,
            hits.scores[rank]!,
            signal,
            signal === 'lexical' ? rank : -1,
            signal === 'semantic' ? rank : -1,
          ),
        );
      }
    }

    const noToolFits = ranked.length === 0 || topRelevance < minRelevance || topRelevance === 0;
    const tools = this.#withAlwaysIncluded(state, options, noToolFits ? [] : ranked);
    const minTools = options.minTools ?? this.#minTools ?? k;
    if (tools.length < minTools && tools.length < state.tools.length) {
      this.#fillByPrior(state, options.context, mask, tools, minTools);
    }
    const selection: ToolSelection = Object.freeze({
      tools: Object.freeze(tools),
      noToolFits,
      topRelevance,
      strategy,
      registryVersion: state.version,
      cached: false,
    });
    if (cacheable) this.#store(key, repeated, state.version, selection);
    if (timed)
      this.#metrics.observe(
        MetricNames.toolSelectionDuration,
        (performance.now() - start) / 1000,
        this.#missLabels,
      );
    return selection;
  }

  #selected(
    state: VersionState,
    index: number,
    score: number,
    signal: SelectionSignal,
    lexicalRank: number,
    semanticRank: number,
  ): SelectedTool {
    const tool = state.tools[index]!;
    return Object.freeze({
      name: tool.definition.name,
      definition: tool.definition,
      tool: tool.tool,
      score,
      signal,
      lexicalRank,
      semanticRank,
    });
  }

  /**
   * A tool added by the prior: always the same (score 0, no rank), so one frozen object per tool and
   * registry version is kept and shared by every selection, instead of one allocated per select.
   */
  #prior(state: VersionState, index: number): SelectedTool {
    let priorTools = state.priorTools;
    if (priorTools === undefined) {
      priorTools = new Array<SelectedTool | undefined>(state.tools.length);
      state.priorTools = priorTools;
    }
    let tool = priorTools[index];
    if (tool === undefined) {
      tool = this.#selected(state, index, 0, 'prior', -1, -1);
      priorTools[index] = tool;
    }
    return tool;
  }

  /**
   * Appends tools by the prior until `tools` holds `minTools` or every allowed tool: tools named in the
   * conversation (most used first), then read-only tools, then the rest, each in registration order.
   */
  #fillByPrior(
    state: VersionState,
    context: SelectOptions['context'],
    mask: Uint8Array | undefined,
    tools: SelectedTool[],
    minTools: number,
  ): void {
    // Tools already in the selection, by index (names are unique in a registry): a scratch mask kept on the
    // version and cleared on the way out, so a fill allocates nothing but the tools it adds.
    let taken = state.taken;
    if (taken === undefined) {
      taken = new Uint8Array(state.tools.length);
      state.taken = taken;
    }
    for (const tool of tools) {
      const index = state.indexByName.get(tool.name);
      if (index !== undefined) taken[index] = 1;
    }
    try {
      this.#fillFrom(state, context, mask, tools, minTools, taken);
    } finally {
      for (const tool of tools) {
        const index = state.indexByName.get(tool.name);
        if (index !== undefined) taken[index] = 0;
      }
    }
  }

  /** `#fillByPrior` once the tools already selected are marked in `taken`. */
  #fillFrom(
    state: VersionState,
    context: SelectOptions['context'],
    mask: Uint8Array | undefined,
    tools: SelectedTool[],
    minTools: number,
    taken: Uint8Array,
  ): void {
    if (context !== undefined && context.length > 0) {
      const take = (index: number): boolean => {
        if (taken[index] === 1 || (mask !== undefined && mask[index] === 0)) return false;
        taken[index] = 1;
        tools.push(this.#prior(state, index));
        return tools.length >= minTools;
      };
      const uses = new Map<number, number>();
      const count = (name: string | undefined) => {
        const index = name === undefined ? undefined : state.indexByName.get(name);
        if (index !== undefined) uses.set(index, (uses.get(index) ?? 0) + 1);
      };
      for (const message of context) {
        if (typeof message === 'string') continue;
        if (message.role === 'tool') count(message.name);
        else if (message.role === 'assistant' && message.toolCalls) {
          for (const call of message.toolCalls) count(call.name);
        }
      }
      const used = [...uses].sort((a, b) => b[1] - a[1] || a[0] - b[0]);
      for (const [index] of used) if (take(index)) return;
    }
    if (state.priorOrder === undefined) {
      const readOnly: number[] = [];
      const others: number[] = [];
      state.tools.forEach((tool, index) => {
        (tool.definition.readOnly === true ? readOnly : others).push(index);
      });
      state.priorOrder = Uint32Array.from([...readOnly, ...others]);
    }
    const order = state.priorOrder;
    for (let i = 0; i < order.length; i++) {
      const index = order[i]!;
      if (taken[index] === 1 || (mask !== undefined && mask[index] === 0)) continue;
      taken[index] = 1;
      tools.push(this.#prior(state, index));
      if (tools.length >= minTools) return;
    }
  }

  #withAlwaysIncluded(state: VersionState, options: SelectOptions, ranked: SelectedTool[]): SelectedTool[] {
    const extra = options.alwaysInclude;
    if (state.alwaysIncluded.length === 0 && (extra === undefined || extra.length === 0)) return ranked;
    const included = new Set<number>(state.alwaysIncluded);
    if (extra) {
      for (const name of extra) {
        const index = state.indexByName.get(name);
        if (index !== undefined) included.add(index);
      }
    }
    const out: SelectedTool[] = [];
    for (const index of included) {
      const rankedTool = ranked.find((tool) => tool.name === state.tools[index]!.definition.name);
      out.push(rankedTool ?? this.#selected(state, index, 0, 'always-include', -1, -1));
    }
    for (const tool of ranked) if (!out.includes(tool)) out.push(tool);
    return out;
  }
}
