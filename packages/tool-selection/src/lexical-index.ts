import { invalidOption } from '@victor-ai/core';
import { splitWords, termOf } from './tokenize.js';
import type { ToolText } from './tool-text.js';

/** The fields a tool is indexed under, in the order of `ToolText`. */
export const LEXICAL_FIELDS = [
  'name',
  'description',
  'parameterNames',
  'parameterDescriptions',
  'labels',
] as const;

/** One of the indexed fields. */
export type LexicalField = (typeof LEXICAL_FIELDS)[number];

/** BM25F parameters. */
export interface Bm25Options {
  /** Term-frequency saturation; 1.2 unless set. */
  k1?: number;
  /** Weight of each field's term frequency; see `DEFAULT_FIELD_WEIGHTS`. */
  fieldWeights?: Partial<Record<LexicalField, number>>;
  /** Length normalisation per field, 0 (none) to 1 (full); 0.75 for every field unless set. */
  fieldB?: Partial<Record<LexicalField, number>>;
  /**
   * Exponent of the coordination factor: a score is multiplied by (share of the query's term weight the
   * tool matches) ^ coordination, so tools matching more of the query rank higher. 0 turns it off; 0.5
   * unless set.
   */
  coordination?: number;
  /**
   * Added to a tool's score, as a share of the query's best possible score, when the query names the tool
   * verbatim (`use get_weather to ...`). Names without `_`, `.`, `-` or an inner capital are not matched,
   * so plain words are not mistaken for names. 0 turns it off; 0.5 unless set.
   */
  nameMentionBoost?: number;
  /** Porter-stem words (on unless false). */
  stemming?: boolean;
  /** Drop English function words (on unless false). */
  stopWords?: boolean;
  /**
   * Rank each sentence of a query on its own as well (on unless false): the best tool for each sentence is
   * placed right after the best tool overall, so a request for three things gets three tools near the
   * top. A tool's score is then the sum of its scores for each sentence, each with its own coordination
   * factor. One-sentence queries rank as without it.
   */
  sentences?: boolean;
  /**
   * In a query of several sentences, words found in more than this share of the tools are left out: they
   * say little about which tool fits, and scoring them again for each sentence costs the most. 0.5 unless
   * set; 1 keeps every word.
   */
  maxDocumentShare?: number;
}

/** Field weights used unless overridden: names and descriptions count most. */
export const DEFAULT_FIELD_WEIGHTS: Readonly<Record<LexicalField, number>> = Object.freeze({
  name: 3,
  description: 2,
  parameterNames: 1,
  parameterDescriptions: 0.5,
  labels: 1,
});

/** A weighted query: term ids with the weight of each. */
export interface LexicalQuery {
  readonly termIds: Uint32Array;
  readonly weights: Float32Array;
  /** The highest score any document could reach; scores divided by it lie in [0, 1). */
  readonly maxScore: number;
  /** Documents whose name the query mentions verbatim. */
  readonly mentioned: readonly number[];
  /**
   * For a query of several sentences: the terms of each segment (each sentence, then the context if any)
   * at `segmentTermIds[segmentStarts[s]]` to `segmentStarts[s + 1]`, with their weights.
   */
  readonly segmentStarts?: Uint32Array;
  readonly segmentTermIds?: Uint32Array;
  readonly segmentWeights?: Float32Array;
  /** How many of the segments are sentences of the query (the rest is context). */
  readonly sentenceCount?: number;
}

/**
 * Splits a query into sentences: after `.`, `!`, `?` or `;` followed by white space, and at line breaks.
 * `36.1 km` and `file.txt` stay whole.
 */
export function splitSentences(text: string): string[] {
  const sentences: string[] = [];
  let start = 0;
  const length = text.length;
  for (let index = 0; index < length; index++) {
    const code = text.charCodeAt(index);
    let end = -1;
    if (code === 10 || code === 13) end = index;
    else if (
      (code === 46 || code === 33 || code === 63 || code === 59) &&
      index + 1 < length &&
      isWhiteSpace(text.charCodeAt(index + 1))
    ) {
      end = index + 1;
    }
    if (end >= 0) {
      if (end > start) sentences.push(text.slice(start, end));
      start = end + 1;
    }
  }
  if (start < length) sentences.push(text.slice(start));
  return sentences;
}

/** Whether `splitSentences` may split `text`: one pass, and no array for the one-sentence queries. */
function mayHaveSentences(text: string): boolean {
  const length = text.length;
  for (let index = 0; index < length; index++) {
    const code = text.charCodeAt(index);
    if (code === 10 || code === 13) return true;
    if (
      (code === 46 || code === 33 || code === 63 || code === 59) &&
      index + 1 < length &&
      isWhiteSpace(text.charCodeAt(index + 1))
    )
      return true;
  }
  return false;
}

// The `mentioned` of a query that names no tool.
const NONE: readonly number[] = Object.freeze([]);

function isWhiteSpace(code: number): boolean {
  return code === 32 || code === 9 || code === 10 || code === 13;
}

/** Ranked documents: indexes into the document array the index was built from, best first. */
export interface SearchHits {
  readonly documents: number[];
  readonly scores: number[];
}

// Names worth matching verbatim: with a separator or an inner capital, so `search` is not one.
const NAME_LIKE = /^[A-Za-z0-9]+(?:[_.-][A-Za-z0-9]+)+$|^[a-z0-9]+[A-Z][A-Za-z0-9]*$/;

function isAsciiAlphanumeric(code: number): boolean {
  return (code >= 48 && code <= 57) || (code >= 65 && code <= 90) || (code >= 97 && code <= 122);
}

/**
 * Whether `nameCandidates` can find anything in `text`: a `_`, `.` or `-` between two letters or digits,
 * or a capital after a lower-case letter or digit. One pass over the characters; most queries are plain
 * sentences, and the regular expression costs more than this check.
 */
export function mayNameATool(text: string): boolean {
  let previous = 0;
  for (let i = 0; i < text.length; i++) {
    const code = text.charCodeAt(i);
    if (code >= 65 && code <= 90) {
      if ((previous >= 97 && previous <= 122) || (previous >= 48 && previous <= 57)) return true;
    } else if (
      (code === 95 || code === 46 || code === 45) &&
      isAsciiAlphanumeric(previous) &&
      i + 1 < text.length &&
      isAsciiAlphanumeric(text.charCodeAt(i + 1))
    ) {
      return true;
    }
    previous = code;
  }
  return false;
}

function isSeparator(code: number): boolean {
  return code === 95 || code === 46 || code === 45;
}

/**
 * The words of `text` that may be tool names, lower-cased: runs of letters and digits joined by single
 * `_`, `.` or `-` (`get_weather.v2`), or with a capital after a lower-case letter or digit (`readFile`).
 * One pass over the characters; a regular expression cost a fifth of `prepare` on long queries.
 */
export function nameCandidates(text: string): string[] {
  const candidates: string[] = [];
  const length = text.length;
  let index = 0;
  while (index < length) {
    if (!isAsciiAlphanumeric(text.charCodeAt(index))) {
      index++;
      continue;
    }
    const start = index;
    let separated = false;
    let camel = false;
    let previous = 0;
    while (index < length) {
      const code = text.charCodeAt(index);
      if (isAsciiAlphanumeric(code)) {
        if (
          code >= 65 &&
          code <= 90 &&
          ((previous >= 97 && previous <= 122) || (previous >= 48 && previous <= 57))
        )
          camel = true;
      } else if (isSeparator(code) && index + 1 < length && isAsciiAlphanumeric(text.charCodeAt(index + 1))) {
        separated = true;
      } else break;
      previous = code;
      index++;
    }
    if (separated || camel) candidates.push(text.slice(start, index).toLowerCase());
  }
  return candidates;
}

function checkNumber(option: string, value: number | undefined, min: number, max: number): void {
  if (value !== undefined && !(typeof value === 'number' && value >= min && value <= max)) {
    throw invalidOption(option, `a number from ${min} to ${max}`, value);
  }
}

/**
 * Checked before a query touches the index's scratch weights: a bad context found half-way would leave
 * the query's terms counted there, and every later query would lose them.
 */
function checkQueryText(query: unknown, context: unknown, contextWeight: unknown): void {
  if (typeof query !== 'string') throw invalidOption('query', 'a string', query);
  if (context !== undefined && typeof context !== 'string')
    throw invalidOption('context', 'a string or undefined', context);
  if (!(typeof contextWeight === 'number' && contextWeight >= 0 && contextWeight <= 10))
    throw invalidOption('contextWeight', 'a number from 0 to 10', contextWeight);
}

function checkK(k: unknown): void {
  if (!(typeof k === 'number' && Number.isInteger(k) && k >= 1))
    throw invalidOption('k', 'a positive integer', k);
}

/**
 * A BM25F inverted index over tools, built once. Postings are stored as compressed-sparse-row typed arrays
 * (term -> document ids and precomputed impact scores), so a query is a few array scans with no allocation
 * beyond the result.
 */
export class LexicalIndex {
  readonly documentCount: number;
  readonly #terms: Map<string, number>;
  readonly #idf: Float32Array;
  readonly #postings: Postings;
  readonly #coordination: number;
  readonly #nameMentionBoost: number;
  readonly #documentsByName: Map<string, number>;
  readonly #analysis: QueryAnalysis;
  readonly #segmentScratch: SegmentScratch;
  // The total weight of each segment of the query being ranked, and the bound of each deferred segment.
  readonly #segmentWeight = new Float64Array(MAX_DEFERRED_SEGMENTS);
  readonly #segmentBound = new Float64Array(MAX_DEFERRED_SEGMENTS);
  // Common terms (see `DENSE_SHARE`): slot per term id (-1: none), impacts by slot * documentCount + document
  // (0: not in the document), and each slot's highest impact.
  readonly #denseSlot: Int32Array;
  readonly #denseImpacts: Float32Array;
  readonly #denseMax: Float32Array;
  // Written by `#settle`: documents in `#segmentScratch.touched`, and the best allowed document of the segment.
  #totalCount = 0;
  #best = -1;
  #bestScore = 0;
  // One segment's weight per term id while a query is prepared (zero between calls), and its term ids.
  readonly #segmentQueryWeights: Float64Array;
  readonly #segmentQueryTerms: number[] = [];
  // Scratch space reused by every search (JavaScript runs one search at a time): each document's score and
  // the query weight it matched (0: not touched yet).
  readonly #accumulator: Float32Array;
  readonly #matched: Float32Array;
  readonly #touched: Uint32Array;
  // Query words seen before, with their term id (-1: stop word or not in the index).
  readonly #termIdByWord = new Map<string, number>();
  // A query's weight per term id while it is prepared (zero between calls), and its term ids in order.
  readonly #queryWeights: Float64Array;
  readonly #queryTerms: number[] = [];
  // `searchText`'s query terms and weights (grown as needed), so a select allocates no prepared query.
  #textTermIds = new Uint32Array(16);
  #textWeights = new Float32Array(16);

  private constructor(
    documentCount: number,
    terms: Map<string, number>,
    idf: Float32Array,
    postings: Postings,
    coordination: number,
    nameMentionBoost: number,
    documentsByName: Map<string, number>,
    analysis: QueryAnalysis,
  ) {
    this.documentCount = documentCount;
    this.#terms = terms;
    this.#idf = idf;
    this.#postings = postings;
    this.#coordination = coordination;
    this.#nameMentionBoost = nameMentionBoost;
    this.#documentsByName = documentsByName;
    this.#analysis = analysis;
    const { sentences, minQueryIdf } = analysis;
    const segmentDocuments = sentences ? documentCount : 0;
    this.#segmentScratch = {
      totals: new Float64Array(segmentDocuments),
      touched: new Uint32Array(segmentDocuments),
      seen: new Uint32Array(segmentDocuments),
    };
    const { offsets, documents: postingDocuments, impacts: postingImpacts } = postings;
    const termCount = terms.size;
    this.#denseSlot = new Int32Array(termCount).fill(-1);
    const minDense = Math.max(DENSE_MIN_DOCUMENTS, Math.ceil(documentCount * DENSE_SHARE));
    const common: number[] = [];
    if (sentences) {
      for (let termId = 0; termId < termCount; termId++) {
        if (offsets[termId + 1]! - offsets[termId]! >= minDense && idf[termId]! >= minQueryIdf)
          common.push(termId);
      }
    }
    // The most common first, at most MAX_DENSE_TERMS rows (memory: 4 bytes per tool per row).
    const length = (termId: number) => offsets[termId + 1]! - offsets[termId]!;
    common.sort((a, b) => length(b) - length(a) || a - b);
    const denseCount = Math.min(common.length, MAX_DENSE_TERMS);
    for (let slot = 0; slot < denseCount; slot++) this.#denseSlot[common[slot]!] = slot;
    this.#denseImpacts = new Float32Array(denseCount * documentCount);
    this.#denseMax = new Float32Array(denseCount);
    for (let termId = 0; termId < termCount; termId++) {
      const slot = this.#denseSlot[termId]!;
      if (slot < 0) continue;
      for (let posting = offsets[termId]!; posting < offsets[termId + 1]!; posting++) {
        const impact = postingImpacts[posting]!;
        this.#denseImpacts[slot * documentCount + postingDocuments[posting]!] = impact;
        if (impact > this.#denseMax[slot]!) this.#denseMax[slot] = impact;
      }
    }
    this.#segmentQueryWeights = new Float64Array(sentences ? terms.size : 0);
    this.#accumulator = new Float32Array(documentCount);
    this.#matched = new Float32Array(documentCount);
    this.#touched = new Uint32Array(documentCount);
    this.#queryWeights = new Float64Array(terms.size);
  }

  /** Builds the index over tool texts (document i is `texts[i]`). */
  static build(texts: readonly ToolText[], options: Bm25Options = {}): LexicalIndex {
    const k1 = options.k1 ?? 1.2;
    checkNumber('k1', options.k1, 0, 10);
    checkNumber('coordination', options.coordination, 0, 10);
    checkNumber('nameMentionBoost', options.nameMentionBoost, 0, 100);
    checkNumber('maxDocumentShare', options.maxDocumentShare, 0, 1);
    for (const option of ['stemming', 'stopWords', 'sentences'] as const) {
      const value = options[option];
      if (value !== undefined && typeof value !== 'boolean') throw invalidOption(option, 'a boolean', value);
    }
    const stemming = options.stemming !== false;
    const stopWords = options.stopWords !== false;
    const weights = LEXICAL_FIELDS.map((field) => {
      const weight = options.fieldWeights?.[field];
      checkNumber(`fieldWeights.${field}`, weight, 0, 100);
      return weight ?? DEFAULT_FIELD_WEIGHTS[field];
    });
    const bs = LEXICAL_FIELDS.map((field) => {
      const b = options.fieldB?.[field];
      checkNumber(`fieldB.${field}`, b, 0, 1);
      return b ?? 0.75;
    });
    const fieldCount = LEXICAL_FIELDS.length;
    const documentCount = texts.length;

    const terms = new Map<string, number>();
    const documentFrequency: number[] = [];
    // The document that last counted each term, so document frequency counts each document once.
    const lastDocument: number[] = [];
    const documentsByName = new Map<string, number>();
    // Term ids of each (document, field), at index document * fieldCount + field.
    const fieldTerms: Uint32Array[] = new Array(documentCount * fieldCount);
    const totalFieldLength = new Float64Array(fieldCount);
    // Tools repeat texts (parameter descriptions, labels): tokenize each distinct text once.
    const tokenized = new Map<string, Uint32Array>();
    // Words repeat far more than texts: each distinct word is filtered and stemmed once (-1 = dropped).
    const termIdByWord = new Map<string, number>();
    let scratch = new Uint32Array(256);

    for (let document = 0; document < documentCount; document++) {
      const text = texts[document]!;
      if (text.fullName !== undefined && NAME_LIKE.test(text.fullName)) {
        documentsByName.set(text.fullName.toLowerCase(), document);
      }
      for (let field = 0; field < fieldCount; field++) {
        // A field of weight 0 is not indexed at all (its terms must not count in document frequency).
        const source = weights[field] === 0 ? '' : text[LEXICAL_FIELDS[field]!];
        let ids = tokenized.get(source);
        if (ids === undefined) {
          const words = splitWords(source);
          if (scratch.length < words.length) scratch = new Uint32Array(words.length * 2);
          let count = 0;
          for (let i = 0; i < words.length; i++) {
            const word = words[i]!;
            let termId = termIdByWord.get(word);
            if (termId === undefined) {
              const term = termOf(word, stemming, stopWords);
              if (term === undefined) termId = -1;
              else {
                termId = terms.get(term);
                if (termId === undefined) {
                  termId = terms.size;
                  terms.set(term, termId);
                  documentFrequency.push(0);
                  lastDocument.push(-1);
                }
              }
              termIdByWord.set(word, termId);
            }
            if (termId >= 0) scratch[count++] = termId;
          }
          ids = scratch.slice(0, count);
          tokenized.set(source, ids);
        }
        fieldTerms[document * fieldCount + field] = ids;
        totalFieldLength[field]! += ids.length;
        for (let i = 0; i < ids.length; i++) {
          const termId = ids[i]!;
          if (lastDocument[termId] !== document) {
            lastDocument[termId] = document;
            documentFrequency[termId]!++;
          }
        }
      }
    }

    const termCount = terms.size;
    const idf = new Float32Array(termCount);
    for (let termId = 0; termId < termCount; termId++) {
      const df = documentFrequency[termId]!;
      idf[termId] = Math.log(1 + (documentCount - df + 0.5) / (df + 0.5));
    }
    const offsets = new Uint32Array(termCount + 1);
    for (let termId = 0; termId < termCount; termId++)
      offsets[termId + 1] = offsets[termId]! + documentFrequency[termId]!;
    const postingCount = offsets[termCount]!;
    const postingDocuments = new Uint32Array(postingCount);
    const postingImpacts = new Float32Array(postingCount);
    const cursor = offsets.slice(0, termCount);
    const averageFieldLength = Array.from(totalFieldLength, (total) =>
      documentCount > 0 ? total / documentCount || 1 : 1,
    );

    // BM25F: per document, the field-weighted, length-normalised term frequency of each term, saturated once.
    const pseudoFrequency = new Float64Array(termCount);
    const documentTerms = new Uint32Array(termCount);
    for (let document = 0; document < documentCount; document++) {
      let distinct = 0;
      for (let field = 0; field < fieldCount; field++) {
        const ids = fieldTerms[document * fieldCount + field]!;
        if (ids.length === 0 || weights[field] === 0) continue;
        const normaliser = 1 - bs[field]! + (bs[field]! * ids.length) / averageFieldLength[field]!;
        const increment = weights[field]! / normaliser;
        for (let i = 0; i < ids.length; i++) {
          const termId = ids[i]!;
          if (pseudoFrequency[termId] === 0) documentTerms[distinct++] = termId;
          pseudoFrequency[termId]! += increment;
        }
      }
      for (let i = 0; i < distinct; i++) {
        const termId = documentTerms[i]!;
        const frequency = pseudoFrequency[termId]!;
        pseudoFrequency[termId] = 0;
        const slot = cursor[termId]!++;
        postingDocuments[slot] = document;
        postingImpacts[slot] = (idf[termId]! * frequency * (k1 + 1)) / (k1 + frequency);
      }
    }
    const share = options.maxDocumentShare ?? 0.5;
    const cutoff = share * documentCount;
    const minQueryIdf = share >= 1 ? 0 : Math.log(1 + (documentCount - cutoff + 0.5) / (cutoff + 0.5));
    return new LexicalIndex(
      documentCount,
      terms,
      idf,
      { offsets, documents: postingDocuments, impacts: postingImpacts },
      options.coordination ?? 0.5,
      options.nameMentionBoost ?? 0.5,
      documentsByName,
      { k1, stemming, stopWords, sentences: options.sentences !== false, minQueryIdf },
    );
  }

  /** Number of distinct terms. */
  get termCount(): number {
    return this.#terms.size;
  }

  /** Approximate bytes held by the postings, dictionary and scratch arrays. */
  get memoryBytes(): number {
    let dictionary = 0;
    // A Map entry costs roughly 40 bytes plus the key string (2 bytes per char, ~16 bytes header).
    for (const term of this.#terms.keys()) dictionary += 56 + term.length * 2;
    const { offsets, documents, impacts } = this.#postings;
    const { totals, touched, seen } = this.#segmentScratch;
    const arrays = [
      this.#idf,
      offsets,
      documents,
      impacts,
      this.#accumulator,
      this.#touched,
      this.#queryWeights,
      totals,
      touched,
      seen,
      this.#denseSlot,
      this.#denseImpacts,
      this.#denseMax,
      this.#segmentQueryWeights,
    ];
    let bytes = dictionary;
    for (const array of arrays) bytes += array.byteLength;
    return bytes;
  }

  /**
   * Turns query text into weighted terms known to the index. `context` (recent conversation) adds its
   * terms at `contextWeight` each.
   */
  prepare(query: string, context?: string, contextWeight = 0.3): LexicalQuery {
    checkQueryText(query, context, contextWeight);
    const terms = this.#queryTerms;
    const queryWeights = this.#queryWeights;
    terms.length = 0;
    const hasContext = context !== undefined && context !== '' && contextWeight > 0;
    const { k1, sentences: splitsSentences } = this.#analysis;
    const sentences = splitsSentences && mayHaveSentences(query) ? splitSentences(query) : undefined;
    let segments: Segments | undefined;
    if (sentences !== undefined && sentences.length > 1) {
      segments = this.#addSegments(sentences, hasContext ? context : undefined, contextWeight);
    } else {
      this.#addTerms(query, 1, queryWeights, terms);
      if (hasContext) this.#addTerms(context, contextWeight, queryWeights, terms);
    }
    const termIds = new Uint32Array(terms.length);
    const weights = new Float32Array(terms.length);
    let maxScore = 0;
    for (let index = 0; index < terms.length; index++) {
      const termId = terms[index]!;
      const weight = queryWeights[termId]!;
      queryWeights[termId] = 0;
      termIds[index] = termId;
      weights[index] = weight;
      maxScore += weight * this.#idf[termId]! * (k1 + 1);
    }
    const mentioned = this.#mentioned(query);
    if (segments === undefined) return { termIds, weights, maxScore, mentioned };
    return {
      termIds,
      weights,
      maxScore,
      mentioned,
      // `new` with an array copies it directly; `from` goes through the iterator protocol.
      segmentStarts: new Uint32Array(segments.starts),
      segmentTermIds: new Uint32Array(segments.termIds),
      segmentWeights: new Float32Array(segments.weights),
      sentenceCount: segments.sentenceCount,
    };
  }

  /**
   * Adds the terms of each sentence (and of the context, as one more segment) to the query, and returns
   * the segments; `undefined` when fewer than two sentences hold a known term.
   */
  #addSegments(
    sentences: readonly string[],
    context: string | undefined,
    contextWeight: number,
  ): Segments | undefined {
    const segmentWeights = this.#segmentQueryWeights;
    const segmentTerms = this.#segmentQueryTerms;
    const queryWeights = this.#queryWeights;
    const terms = this.#queryTerms;
    const segments: Segments = { starts: [0], termIds: [], weights: [], sentenceCount: 0 };
    const texts = context === undefined ? sentences : [...sentences, context];
    for (let s = 0; s < texts.length; s++) {
      segmentTerms.length = 0;
      const isContext = s === sentences.length;
      this.#addTerms(
        texts[s]!,
        isContext ? contextWeight : 1,
        segmentWeights,
        segmentTerms,
        this.#analysis.minQueryIdf,
      );
      if (segmentTerms.length === 0) continue;
      for (const termId of segmentTerms) {
        const weight = segmentWeights[termId]!;
        segmentWeights[termId] = 0;
        segments.termIds.push(termId);
        segments.weights.push(weight);
        if (queryWeights[termId] === 0) terms.push(termId);
        queryWeights[termId]! += weight;
      }
      segments.starts.push(segments.termIds.length);
      if (!isContext) segments.sentenceCount++;
    }
    return segments.sentenceCount > 1 ? segments : undefined;
  }

  #addTerms(text: string, weight: number, queryWeights: Float64Array, terms: number[], minIdf = 0): void {
    const idf = this.#idf;
    for (const word of splitWords(text)) {
      const termId = this.#termIdOf(word);
      if (termId >= 0 && idf[termId]! >= minIdf) {
        if (queryWeights[termId] === 0) terms.push(termId);
        queryWeights[termId]! += weight;
      }
    }
  }

  /** A query word's term id, -1 for a stop word or a word not in the index; memoised. */
  #termIdOf(word: string): number {
    const termIdByWord = this.#termIdByWord;
    let termId = termIdByWord.get(word);
    if (termId === undefined) {
      const term = termOf(word, this.#analysis.stemming, this.#analysis.stopWords);
      termId = term === undefined ? -1 : (this.#terms.get(term) ?? -1);
      // Bounded: queries bring new words forever.
      if (termIdByWord.size >= 100_000) termIdByWord.clear();
      termIdByWord.set(word, termId);
    }
    return termId;
  }

  /**
   * `#addTerms` for `searchText`: new term ids go to `#textTermIds` from `count` on (grown as needed),
   * not to an array that is emptied and grown again for every query. Returns the new count.
   */
  #collectTerms(text: string, weight: number, count: number): number {
    const queryWeights = this.#queryWeights;
    const words = splitWords(text);
    for (let w = 0; w < words.length; w++) {
      const termId = this.#termIdOf(words[w]!);
      if (termId < 0) continue;
      if (queryWeights[termId] === 0) {
        if (count === this.#textTermIds.length) {
          const termIds = new Uint32Array(count * 2);
          termIds.set(this.#textTermIds);
          this.#textTermIds = termIds;
          this.#textWeights = new Float32Array(count * 2);
        }
        this.#textTermIds[count++] = termId;
      }
      queryWeights[termId]! += weight;
    }
    return count;
  }

  /** Documents whose name `query` mentions verbatim (a shared empty array when none). */
  #mentioned(query: string): readonly number[] {
    if (this.#nameMentionBoost === 0 || this.#documentsByName.size === 0 || !mayNameATool(query)) return NONE;
    const mentioned: number[] = [];
    for (const candidate of nameCandidates(query)) {
      // `nameCandidates` lower-cases already.
      const document = this.#documentsByName.get(candidate);
      if (document !== undefined && !mentioned.includes(document)) mentioned.push(document);
    }
    return mentioned.length === 0 ? NONE : mentioned;
  }

  /**
   * `search(prepare(query, context, contextWeight), k, allowed)` with the query's best possible score, the
   * same ranking. A one-sentence query is prepared into scratch space that is reused by every call, so no
   * prepared query is allocated: what a select allocates decides how often it touches fresh memory (see
   * the README's note on page faults).
   */
  searchText(
    query: string,
    k: number,
    allowed?: Uint8Array,
    context?: string,
    contextWeight = 0.3,
  ): SearchHits & { readonly maxScore: number } {
    checkQueryText(query, context, contextWeight);
    checkK(k);
    if (this.#analysis.sentences && mayHaveSentences(query)) {
      const prepared = this.prepare(query, context, contextWeight);
      const { documents, scores } = this.search(prepared, k, allowed);
      return { documents, scores, maxScore: prepared.maxScore };
    }
    const queryWeights = this.#queryWeights;
    let count = this.#collectTerms(query, 1, 0);
    if (context !== undefined && context !== '' && contextWeight > 0)
      count = this.#collectTerms(context, contextWeight, count);
    const termIds = this.#textTermIds;
    const weights = this.#textWeights;
    const k1 = this.#analysis.k1;
    let maxScore = 0;
    for (let index = 0; index < count; index++) {
      const termId = termIds[index]!;
      const weight = queryWeights[termId]!;
      queryWeights[termId] = 0;
      weights[index] = weight;
      // As `prepare` computes it, so relevance (score over maxScore) is the same.
      maxScore += weight * this.#idf[termId]! * (k1 + 1);
    }
    const { documents, scores } = this.#searchTerms(
      termIds,
      weights,
      count,
      maxScore,
      this.#mentioned(query),
      k,
      allowed,
    );
    return { documents, scores, maxScore };
  }

  /**
   * The `k` best documents for a prepared query. `allowed`, when given, is a mask by document index (1 =
   * may be returned). Documents with no query term are never returned.
   */
  search(query: LexicalQuery, k: number, allowed?: Uint8Array): SearchHits {
    checkK(k);
    if (query.segmentStarts !== undefined && this.#segmentScratch.totals.length > 0) {
      return this.#searchSegments(query, k, allowed);
    }
    const { termIds, weights } = query;
    return this.#searchTerms(termIds, weights, termIds.length, query.maxScore, query.mentioned, k, allowed);
  }

  /** `search` over the first `count` terms of `termIds` / `weights`, ranked as one segment. */
  #searchTerms(
    termIds: Uint32Array,
    weights: Float32Array,
    count: number,
    maxScore: number,
    mentioned: readonly number[],
    k: number,
    allowed: Uint8Array | undefined,
  ): SearchHits {
    const touched = this.#touched;
    let touchedCount = this.#accumulate(termIds, weights, 0, count);
    const totalWeight = sumOf(weights, 0, count);
    for (let m = 0; m < mentioned.length; m++) {
      const document = mentioned[m]!;
      if (this.#matched[document] === 0) {
        touched[touchedCount++] = document;
        this.#matched[document] = totalWeight;
      }
    }
    const boost = this.#nameMentionBoost * maxScore + Number.MIN_VALUE;
    const documents: number[] = [];
    const scores: number[] = [];
    const accumulator = this.#accumulator;
    const matchedWeight = this.#matched;
    const coordination = this.#coordination;
    let threshold = -1;
    for (let t = 0; t < touchedCount; t++) {
      const document = touched[t]!;
      // `#takeScore`, written out: until this function is optimized, a call per document costs more
      // than the rest of the loop.
      let score = accumulator[document]!;
      const matched = matchedWeight[document]!;
      accumulator[document] = 0;
      matchedWeight[document] = 0;
      if (coordination > 0 && matched < totalWeight) {
        score *= coordinationFactor(matched / totalWeight, coordination);
      }
      if (mentioned.length > 0 && mentioned.includes(document)) score += boost;
      if (score < threshold || (allowed !== undefined && allowed[document] === 0)) continue;
      insertTopK(documents, scores, document, score, k);
      if (scores.length === k) threshold = scores[k - 1]!;
    }
    return { documents, scores };
  }

  /**
   * Adds the postings of `termIds[from]` to `termIds[to - 1]`, each times its weight, into the accumulator;
   * returns how many documents were touched (listed in `#touched`). `terms` picks all of them, only those
   * without a dense row (`SPARSE`) or only those with one (`DENSE`); `unseen`, when not 0, skips the
   * documents with that bit in `#segmentScratch.seen`.
   */
  #accumulate(
    termIds: Uint32Array,
    weights: Float32Array,
    from: number,
    to: number,
    terms = ALL_TERMS,
    unseen = 0,
  ): number {
    const accumulator = this.#accumulator;
    const matched = this.#matched;
    const touched = this.#touched;
    const { offsets, documents: postingDocuments, impacts: postingImpacts } = this.#postings;
    const denseSlot = this.#denseSlot;
    const seen = this.#segmentScratch.seen;
    let touchedCount = 0;
    for (let q = from; q < to; q++) {
      const termId = termIds[q]!;
      if (terms !== ALL_TERMS && denseSlot[termId]! >= 0 !== (terms === DENSE_TERMS)) continue;
      const weight = weights[q]!;
      const end = offsets[termId + 1]!;
      for (let posting = offsets[termId]!; posting < end; posting++) {
        const document = postingDocuments[posting]!;
        if (unseen !== 0 && (seen[document]! & unseen) !== 0) continue;
        if (matched[document] === 0) touched[touchedCount++] = document;
        accumulator[document]! += weight * postingImpacts[posting]!;
        matched[document]! += weight;
      }
    }
    return touchedCount;
  }

  /** A touched document's score times its coordination factor; clears its accumulator slots. */
  #takeScore(document: number, totalWeight: number): number {
    let score = this.#accumulator[document]!;
    const matched = this.#matched[document]!;
    this.#accumulator[document] = 0;
    this.#matched[document] = 0;
    if (this.#coordination > 0 && matched < totalWeight) {
      score *= coordinationFactor(matched / totalWeight, this.#coordination);
    }
    return score;
  }

  /**
   * `search` for a query of several sentences: each segment is scored on its own (with its own
   * coordination factor) and the scores are summed; the best document of each sentence then follows the
   * best document overall. Common terms are looked up rather than scanned where that is proven exact
   * (see `#rankSegments`).
   */
  #searchSegments(query: LexicalQuery, k: number, allowed: Uint8Array | undefined): SearchHits {
    const segmentCount = query.segmentStarts!.length - 1;
    const defer = this.#denseImpacts.length > 0 && segmentCount <= MAX_DEFERRED_SEGMENTS;
    return this.#rankSegments(query, k, allowed, defer);
  }

  /**
   * Ranks a query of several segments. With `defer`, a segment's common terms (those with a dense impact
   * row) are scored only for the documents its other terms touched, by looking their impacts up; a
   * document that only common terms match can score at most the segment's bound (the sum of those terms'
   * highest impacts, times the coordination factor of matching only them). A segment whose best document
   * does not beat that bound is scored in full at once. The documents left out of a deferred segment get
   * their share for it at the end if they are candidates anyway; any other document totals at most the sum
   * of the deferred segments' bounds, so the result is exact when the k-th best candidate is above that
   * sum. Otherwise the deferred segments' common terms are scanned for the documents still missing them
   * before ranking.
   */
  #rankSegments(query: LexicalQuery, k: number, allowed: Uint8Array | undefined, defer: boolean): SearchHits {
    const { totals, touched: totalTouched, seen } = this.#segmentScratch;
    const segmentWeight = this.#segmentWeight;
    const denseSlot = this.#denseSlot;
    const denseMax = this.#denseMax;
    const starts = query.segmentStarts!;
    const segmentTermIds = query.segmentTermIds!;
    const segmentWeights = query.segmentWeights!;
    const sentenceCount = query.sentenceCount ?? starts.length - 1;
    this.#totalCount = 0;
    let deferred = 0;
    let bound = 0;
    // The best document of each sentence, in sentence order.
    const picks: number[] = [];
    for (let segment = 0; segment + 1 < starts.length; segment++) {
      const from = starts[segment]!;
      const to = starts[segment + 1]!;
      const totalWeight = sumOf(segmentWeights, from, to);
      let denseWeight = 0;
      let denseBound = 0;
      if (defer) {
        segmentWeight[segment] = totalWeight;
        for (let q = from; q < to; q++) {
          const slot = denseSlot[segmentTermIds[q]!]!;
          if (slot < 0) continue;
          denseWeight += segmentWeights[q]!;
          denseBound += segmentWeights[q]! * denseMax[slot]!;
        }
      }
      const bit = defer ? 1 << segment : 0;
      this.#best = -1;
      this.#bestScore = 0;
      if (denseWeight === 0) {
        this.#settle(this.#accumulate(segmentTermIds, segmentWeights, from, to), totalWeight, bit, allowed);
      } else {
        const touchedCount = this.#accumulate(segmentTermIds, segmentWeights, from, to, SPARSE_TERMS);
        this.#addDense(segmentTermIds, segmentWeights, from, to, touchedCount);
        this.#settle(touchedCount, totalWeight, bit, allowed);
        if (this.#coordination > 0)
          denseBound *= coordinationFactor(denseWeight / totalWeight, this.#coordination);
        if (this.#best >= 0 && this.#bestScore > denseBound) {
          deferred |= bit;
          bound += denseBound;
          this.#segmentBound[segment] = denseBound;
        } else {
          // No proof that the best document is among those touched: score the other documents now.
          const rest = this.#accumulate(segmentTermIds, segmentWeights, from, to, DENSE_TERMS, bit);
          this.#settle(rest, totalWeight, bit, allowed);
        }
      }
      if (segment < sentenceCount && this.#best >= 0 && !picks.includes(this.#best)) picks.push(this.#best);
    }
    let totalCount = this.#totalCount;
    for (const document of query.mentioned) {
      if (totals[document] === 0) totalTouched[totalCount++] = document;
      totals[document]! += this.#nameMentionBoost * query.maxScore + Number.MIN_VALUE;
    }
    // The picks' totals are reported: complete them first.
    if (deferred !== 0) for (const document of picks) this.#complete(document, query, deferred);
    const pickScores: number[] = [];
    for (const document of picks) pickScores.push(totals[document]!);
    // Totals so far are lower bounds, so their k-th best is one too: a candidate whose total plus the
    // bounds of the segments it is missing stays below it cannot make the top k, and is not completed.
    let floor = -1;
    if (deferred !== 0) {
      const lower: number[] = [];
      const lowerDocuments: number[] = [];
      for (let t = 0; t < totalCount; t++) {
        const document = totalTouched[t]!;
        if (allowed !== undefined && allowed[document] === 0) continue;
        const score = totals[document]!;
        if (score < floor) continue;
        insertTopK(lowerDocuments, lower, document, score, k);
        if (lower.length === k) floor = lower[k - 1]!;
      }
    }
    let ranked: number[] = [];
    let rankedScores: number[] = [];
    let threshold = -1;
    for (let t = 0; t < totalCount; t++) {
      const document = totalTouched[t]!;
      if (deferred !== 0 && (allowed === undefined || allowed[document] === 1)) {
        const missing = deferred & ~seen[document]!;
        if (missing !== 0 && totals[document]! + this.#boundOf(missing) >= floor) {
          this.#complete(document, query, missing);
        }
      }
      const score = totals[document]!;
      if (score < threshold || (allowed !== undefined && allowed[document] === 0)) continue;
      insertTopK(ranked, rankedScores, document, score, k);
      if (rankedScores.length === k) threshold = rankedScores[k - 1]!;
    }
    // A document no segment touched totals at most `bound`: exact only if the k-th best is above it.
    // Otherwise the deferred segments' common terms are scanned for every document still missing them
    // (those that got their share already are skipped), and the totals, now all exact, ranked again.
    if (deferred !== 0 && !(ranked.length === k && threshold > bound)) {
      this.#totalCount = totalCount;
      for (let rest = deferred; rest !== 0; rest &= rest - 1) {
        const segment = 31 - Math.clz32(rest & -rest);
        const bit = 1 << segment;
        const from = starts[segment]!;
        const to = starts[segment + 1]!;
        const touchedCount = this.#accumulate(segmentTermIds, segmentWeights, from, to, DENSE_TERMS, bit);
        this.#settle(touchedCount, segmentWeight[segment]!, bit, allowed);
      }
      totalCount = this.#totalCount;
      ranked = [];
      rankedScores = [];
      threshold = -1;
      for (let t = 0; t < totalCount; t++) {
        const document = totalTouched[t]!;
        const score = totals[document]!;
        if (score < threshold || (allowed !== undefined && allowed[document] === 0)) continue;
        insertTopK(ranked, rankedScores, document, score, k);
        if (rankedScores.length === k) threshold = rankedScores[k - 1]!;
      }
    }
    for (let t = 0; t < totalCount; t++) {
      const document = totalTouched[t]!;
      totals[document] = 0;
      seen[document] = 0;
    }
    if (ranked.length === 0) return { documents: ranked, scores: rankedScores };
    const documents = [ranked[0]!];
    const scores = [rankedScores[0]!];
    for (let p = 0; p < picks.length && documents.length < k; p++) {
      if (documents.includes(picks[p]!)) continue;
      documents.push(picks[p]!);
      scores.push(pickScores[p]!);
    }
    for (let r = 1; r < ranked.length && documents.length < k; r++) {
      if (documents.includes(ranked[r]!)) continue;
      documents.push(ranked[r]!);
      scores.push(rankedScores[r]!);
    }
    return { documents, scores };
  }

  /**
   * Moves one segment's scores of the `touchedCount` touched documents into the totals (marking bit `bit`
   * of each as seen), and keeps the best allowed one in `#best` / `#bestScore`.
   */
  #settle(touchedCount: number, totalWeight: number, bit: number, allowed: Uint8Array | undefined): void {
    const touched = this.#touched;
    const { totals, touched: totalTouched, seen } = this.#segmentScratch;
    let totalCount = this.#totalCount;
    let best = this.#best;
    let bestScore = this.#bestScore;
    for (let t = 0; t < touchedCount; t++) {
      const document = touched[t]!;
      const score = this.#takeScore(document, totalWeight);
      if (totals[document] === 0) totalTouched[totalCount++] = document;
      totals[document]! += score;
      if (bit !== 0) seen[document]! |= bit;
      if (
        (score > bestScore || (score === bestScore && document < best)) &&
        (allowed === undefined || allowed[document] === 1)
      ) {
        best = document;
        bestScore = score;
      }
    }
    this.#totalCount = totalCount;
    this.#best = best;
    this.#bestScore = bestScore;
  }

  /** Adds the common terms' impacts of a segment to the `touchedCount` documents its other terms touched. */
  #addDense(
    termIds: Uint32Array,
    weights: Float32Array,
    from: number,
    to: number,
    touchedCount: number,
  ): void {
    const accumulator = this.#accumulator;
    const matched = this.#matched;
    const touched = this.#touched;
    const denseImpacts = this.#denseImpacts;
    const documentCount = this.documentCount;
    for (let q = from; q < to; q++) {
      const slot = this.#denseSlot[termIds[q]!]!;
      if (slot < 0) continue;
      const weight = weights[q]!;
      const row = slot * documentCount;
      for (let t = 0; t < touchedCount; t++) {
        const document = touched[t]!;
        const impact = denseImpacts[row + document]!;
        if (impact === 0) continue;
        accumulator[document]! += weight * impact;
        matched[document]! += weight;
      }
    }
  }

  /** Adds a document's scores for the deferred segments in `segments` that it has not been seen in. */
  #complete(document: number, query: LexicalQuery, segments: number): void {
    const starts = query.segmentStarts!;
    const { totals, seen } = this.#segmentScratch;
    let missing = segments & ~seen[document]!;
    seen[document]! |= segments;
    while (missing !== 0) {
      const segment = 31 - Math.clz32(missing & -missing);
      missing &= missing - 1;
      totals[document]! += this.#denseScore(
        document,
        query.segmentTermIds!,
        query.segmentWeights!,
        starts[segment]!,
        starts[segment + 1]!,
        this.#segmentWeight[segment]!,
      );
    }
  }

  /** The sum of the bounds of the deferred segments in `segments`. */
  #boundOf(segments: number): number {
    let bound = 0;
    let rest = segments;
    while (rest !== 0) {
      bound += this.#segmentBound[31 - Math.clz32(rest & -rest)]!;
      rest &= rest - 1;
    }
    return bound;
  }

  /** A document's score for the common terms of one segment (those alone matched it there). */
  #denseScore(
    document: number,
    termIds: Uint32Array,
    weights: Float32Array,
    from: number,
    to: number,
    totalWeight: number,
  ): number {
    let score = 0;
    let matched = 0;
    for (let q = from; q < to; q++) {
      const slot = this.#denseSlot[termIds[q]!]!;
      if (slot < 0) continue;
      const impact = this.#denseImpacts[slot * this.documentCount + document]!;
      if (impact === 0) continue;
      score += weights[q]! * impact;
      matched += weights[q]!;
    }
    if (score === 0 || this.#coordination === 0 || matched >= totalWeight) return score;
    return score * coordinationFactor(matched / totalWeight, this.#coordination);
  }
}

/** The sum of `values[from]` to `values[to - 1]`. */
function sumOf(values: Float32Array, from: number, to: number): number {
  let sum = 0;
  for (let i = from; i < to; i++) sum += values[i]!;
  return sum;
}

// A term found in at least this share of the tools (and `DENSE_MIN_DOCUMENTS`) also gets a dense row of
// impacts, so a query of several sentences can look it up for the documents other terms found instead of
// scanning its long postings list for every sentence.
const DENSE_SHARE = 1 / 8;
const DENSE_MIN_DOCUMENTS = 128;
const MAX_DENSE_TERMS = 64;
// Which terms `#accumulate` scans.
const ALL_TERMS = 0;
const SPARSE_TERMS = 1;
const DENSE_TERMS = 2;
// Segments are tracked in a 32-bit mask; longer queries are ranked without deferring.
const MAX_DEFERRED_SEGMENTS = 32;

/** share ^ exponent; the default exponent 0.5 takes `Math.sqrt`, several times faster than `**`. */
function coordinationFactor(share: number, exponent: number): number {
  if (share >= 1) return 1;
  return exponent === 0.5 ? Math.sqrt(share) : share ** exponent;
}

interface Segments {
  starts: number[];
  termIds: number[];
  weights: number[];
  sentenceCount: number;
}

/**
 * The postings as compressed sparse rows: term t's documents and their precomputed impact scores are at
 * `offsets[t]` to `offsets[t + 1] - 1`.
 */
interface Postings {
  readonly offsets: Uint32Array;
  readonly documents: Uint32Array;
  readonly impacts: Float32Array;
}

/** How a query's text becomes terms, as the index was built (and BM25's k1, for a query's best score). */
interface QueryAnalysis {
  readonly k1: number;
  readonly stemming: boolean;
  readonly stopWords: boolean;
  readonly sentences: boolean;
  // Query terms with a lower IDF than this (found in more than `maxDocumentShare` of the tools) are left out.
  readonly minQueryIdf: number;
}

/** Scratch space of a query of several sentences (empty arrays when the index does not split sentences). */
interface SegmentScratch {
  // Per-document sum of the segments' scores, and the documents it holds.
  readonly totals: Float64Array;
  readonly touched: Uint32Array;
  // Bit s set: the document's score for segment s is in `totals` (see `#rankSegments`).
  readonly seen: Uint32Array;
}

/** Keeps the `k` best (score desc, then document asc) in two parallel sorted arrays. */
export function insertTopK(
  documents: number[],
  scores: number[],
  document: number,
  score: number,
  k: number,
): void {
  let position = scores.length;
  if (position === k) {
    const last = scores[k - 1]!;
    if (score < last || (score === last && document > documents[k - 1]!)) return;
  }
  while (
    position > 0 &&
    (scores[position - 1]! < score || (scores[position - 1] === score && documents[position - 1]! > document))
  ) {
    position--;
  }
  // Shifted by hand: `splice` allocates an array of the removed items on every call, and a select inserts
  // dozens of times (see the README's note on page faults).
  let last = scores.length;
  if (last < k) {
    documents.push(document);
    scores.push(score);
  } else last = k - 1;
  for (let i = last; i > position; i--) {
    documents[i] = documents[i - 1]!;
    scores[i] = scores[i - 1]!;
  }
  documents[position] = document;
  scores[position] = score;
}
