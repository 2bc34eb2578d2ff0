#!/usr/bin/env node
// Accuracy and latency of tool selection on labelled tool sets, each against two baselines computed by the
// same command on the same pool (run `pnpm build` first).
//
// Usage: node scripts/eval-toolsel.mjs --set NAME=TOOLS.json,QUERIES.jsonl [--set ...] [--k 5] [--json]
//        [--config NAME='{"coordination":0}' ...]   more lexical rows (Bm25Options as JSON) beside the default
//        [--bm25 '{"k1":0.9}']                      options of the default row itself
//        [--context]                                a row per set that passes each query's earlier messages
//                                                   (BFCL's `messages`) as conversation context
//        [--strategy lexical|hybrid|semantic] [--fusion rrf|weighted]
//        [--embeddings-url http://host:port/v1 --embeddings-model MODEL]   (hybrid with a real model)
//        [--embedder use [--embedding-cache FILE] [--timing-sample N]]      (the in-process sentence encoder of
//                                                   @victor-ai/embedder-use, built first; FILE keeps tool and
//                                                   query vectors for reruns; select p50/p99 embed each timed
//                                                   query with the model, on the first N queries, 200 unless set)
//        [--rrf-k 10] [--lexical-weight 0.5] [--split-queries | --whole-queries] (hybrid and semantic
//                                                   options; the selector's defaults unless given)
//        [--irrelevant QUERIES.jsonl --min-relevance 0.2]                  (no-tool-fits, first set only)
//        --tools TOOLS.json --queries QUERIES.jsonl is the same as one --set named after the folder.
// TOOLS.json: [{name, description, parameters}]; each query line: {query, expected: [names], category?,
// messages?}. Without --embeddings-url, hybrid and semantic use the deterministic hashing embedder: a smoke
// check of the code path, not a measure of semantic accuracy.
import { readFileSync } from 'node:fs';
import { basename, dirname } from 'node:path';
import { parseArgs } from 'node:util';
import { distFolder, parseSetSpec, readJsonLines, toolRegistryOf } from './tool-sets.mjs';

// TOOLSEL_DIST (a folder) lets a development build be measured without the full type-declaration build.
const { normalizeQuery, splitSentences, ToolRegistry, ToolSelector } = await import(
  new URL('index.js', distFolder).href
);
const { createDeterministicEmbedder } = await import(new URL('testing.js', distFolder).href);

const { values } = parseArgs({
  options: {
    set: { type: 'string', multiple: true, default: [] },
    tools: { type: 'string' },
    queries: { type: 'string' },
    config: { type: 'string', multiple: true, default: [] },
    k: { type: 'string', default: '5' },
    strategy: { type: 'string', default: 'lexical' },
    json: { type: 'boolean', default: false },
    context: { type: 'boolean', default: false },
    baselines: { type: 'boolean', default: true },
    'no-baselines': { type: 'boolean', default: false },
    irrelevant: { type: 'string' },
    'min-relevance': { type: 'string', default: '0.2' },
    'embeddings-url': { type: 'string' },
    'embeddings-model': { type: 'string' },
    fusion: { type: 'string' },
    embedder: { type: 'string' },
    'embedding-cache': { type: 'string' },
    'timing-sample': { type: 'string', default: '200' },
    'rrf-k': { type: 'string' },
    'lexical-weight': { type: 'string' },
    'split-queries': { type: 'boolean', default: false },
    'whole-queries': { type: 'boolean', default: false },
    bm25: { type: 'string' },
    'by-category': { type: 'boolean', default: false },
  },
});

const USAGE =
  'usage: eval-toolsel --set NAME=TOOLS.json,QUERIES.jsonl [--set ...] [--config NAME=JSON ...] [--k 5] [--json]';
let sets;
try {
  sets = values.set.map(parseSetSpec);
} catch (error) {
  console.error(error.message);
  process.exit(2);
}
if (values.tools || values.queries) {
  if (!values.tools || !values.queries) {
    console.error(USAGE);
    process.exit(2);
  }
  sets.push({ name: basename(dirname(values.tools)), tools: values.tools, queries: values.queries });
}
if (sets.length === 0) {
  console.error(USAGE);
  process.exit(2);
}
const k = Number(values.k);
const strategy = values.strategy;
if (!Number.isInteger(k) || k < 1) throw new Error(`--k must be a positive integer, got ${values.k}`);
if (!['lexical', 'hybrid', 'semantic'].includes(strategy))
  throw new Error(`--strategy must be lexical, hybrid or semantic, got ${strategy}`);

function parseJson(option, text) {
  try {
    return JSON.parse(text);
  } catch (error) {
    throw new Error(`${option} must be JSON, got ${JSON.stringify(text)}: ${error.message}`);
  }
}

// The two baselines of the issue, with the selector's own tokenizer (words split on camelCase and
// snake_case) but no stemming, no stop-word list, no coordination, no name mentions and no per-sentence
// ranking: plain BM25F with k1 1.2 and b 0.75 per field.
const PLAIN = { coordination: 0, nameMentionBoost: 0, stemming: false, stopWords: false, sentences: false };
const BASELINES = [
  {
    name: 'plain BM25 (name + description)',
    bm25: {
      ...PLAIN,
      fieldWeights: { name: 1, description: 1, parameterNames: 0, parameterDescriptions: 0, labels: 0 },
    },
  },
  {
    name: 'BM25F baseline (3 / 1 / 0.5 / 0.3)',
    bm25: {
      ...PLAIN,
      fieldWeights: { name: 3, description: 1, parameterNames: 0.5, parameterDescriptions: 0.3, labels: 0 },
    },
  },
];
const configs = [
  ...(values.baselines && !values['no-baselines'] ? BASELINES : []),
  { name: 'Victor default', bm25: values.bm25 ? parseJson('--bm25', values.bm25) : undefined, main: true },
  ...values.config.map((spec) => {
    const at = spec.indexOf('=');
    if (at < 1) throw new Error(`--config must look like NAME=JSON, got ${JSON.stringify(spec)}`);
    return { name: spec.slice(0, at), bm25: parseJson('--config', spec.slice(at + 1)) };
  }),
];
if (values.context) {
  configs.push(
    { name: 'Victor default, queries with earlier messages', subset: true },
    { name: 'the same, earlier messages as context', subset: true, context: true },
  );
}

if (values.embedder !== undefined && values.embedder !== 'use') {
  throw new Error(`--embedder must be use, got ${JSON.stringify(values.embedder)}`);
}
const timingSample = Number(values['timing-sample']);
if (!Number.isInteger(timingSample) || timingSample < 1) {
  throw new Error(`--timing-sample must be a positive integer, got ${values['timing-sample']}`);
}
const fusionOptions = {
  ...(values['rrf-k'] !== undefined ? { rrfK: Number(values['rrf-k']) } : {}),
  ...(values['lexical-weight'] !== undefined ? { lexicalWeight: Number(values['lexical-weight']) } : {}),
  ...(values['split-queries'] ? { splitQueries: true } : {}),
  ...(values['whole-queries'] ? { splitQueries: false } : {}),
};

/**
 * The sentence encoder of @victor-ai/embedder-use. Scoring reads every vector through the cache file (queries
 * too, so reruns embed nothing); timing embeds each query with the model, as a selector in production does.
 */
async function useEmbedder() {
  const dist =
    process.env.EMBEDDER_USE_DIST ?? new URL('../../embedder-use/dist/index.js', import.meta.url).href;
  const { createUseEmbedder } = await import(dist);
  const cached = createUseEmbedder({
    ...(values['embedding-cache'] ? { cacheFile: values['embedding-cache'], cacheMaxEntries: 100_000 } : {}),
  });
  const live = createUseEmbedder();
  const embedder = {
    id: cached.id,
    model: cached.model,
    timing: false,
    /** Embeds the texts the selector will ask for, in large batches (one file write per batch). */
    async warm(queries) {
      const texts = new Set();
      for (const item of queries) {
        texts.add(normalizeQuery(item.query));
        if (!values['whole-queries']) {
          for (const sentence of splitSentences(item.query).slice(0, 9)) {
            const text = normalizeQuery(sentence);
            if (text !== '') texts.add(text);
          }
        }
      }
      const list = [...texts];
      for (let at = 0; at < list.length; at += 256) {
        await cached.embed(list.slice(at, at + 256), { inputType: 'document' });
      }
    },
    embed(inputs, options) {
      if (embedder.timing) return live.embed(inputs, options);
      return cached.embed(inputs, { ...options, inputType: 'document' });
    },
  };
  return embedder;
}

/** A minimal OpenAI-compatible embeddings client for this script (the package takes any core Embedder). */
function openAiCompatibleEmbedder(baseUrl, model) {
  const url = `${baseUrl.replace(/\/$/, '')}/embeddings`;
  return {
    id: `openai-compatible:${baseUrl}`,
    model,
    async embed(inputs, options) {
      const response = await fetch(url, {
        method: 'POST',
        headers: {
          'content-type': 'application/json',
          ...(process.env.EMBEDDINGS_API_KEY
            ? { authorization: `Bearer ${process.env.EMBEDDINGS_API_KEY}` }
            : {}),
        },
        body: JSON.stringify({ model, input: inputs }),
        signal: options?.abortSignal,
      });
      if (!response.ok) throw new Error(`embeddings: HTTP ${response.status} ${await response.text()}`);
      const body = await response.json();
      return body.data.sort((a, b) => a.index - b.index).map((item) => Float32Array.from(item.embedding));
    },
  };
}

/**
 * The messages before the query's own (the last user message), as selector context. A system message is
 * passed as a plain string: the selector leaves out messages with the system role.
 */
function earlierMessages(item) {
  if (!Array.isArray(item.messages)) return undefined;
  let last = item.messages.length - 1;
  while (last >= 0 && item.messages[last].role !== 'user') last--;
  const earlier = item.messages
    .slice(0, Math.max(0, last))
    .map((message) =>
      message.role === 'system'
        ? String(message.content ?? '')
        : { role: message.role, content: message.content ?? '' },
    );
  return earlier.length > 0 ? earlier : undefined;
}

const round = (value, digits = 4) => Number(value.toFixed(digits));
const results = [];

for (const set of sets) {
  const tools = parseJson(set.tools, readFileSync(set.tools, 'utf8'));
  const allQueries = readJsonLines(set.queries);
  // Definitions the registry refuses are skipped (said on stderr) and their queries count as misses.
  let skipped = 0;
  const registry = toolRegistryOf(ToolRegistry, tools, (error) => {
    skipped++;
    if (skipped <= 5) console.error(`${set.name}: skipped: ${error.message}`);
  });
  if (skipped > 0) console.error(`${set.name}: skipped ${skipped} of ${tools.length} tool definitions`);

  for (const config of configs) {
    const main = config.main === true;
    const queries = config.subset
      ? allQueries.filter((item) => earlierMessages(item) !== undefined)
      : allQueries;
    if (queries.length === 0) continue;
    const rowStrategy = main ? strategy : 'lexical';
    let embedder;
    if (rowStrategy !== 'lexical') {
      embedder =
        values.embedder === 'use'
          ? await useEmbedder()
          : values['embeddings-url']
            ? openAiCompatibleEmbedder(
                values['embeddings-url'],
                values['embeddings-model'] ?? 'text-embedding-3-small',
              )
            : createDeterministicEmbedder();
    }
    const depth = Math.max(k, 10);
    const selector = new ToolSelector({
      registry,
      embedder,
      strategy: rowStrategy,
      k: depth,
      cacheSize: 0,
      ...(values.fusion !== undefined ? { fusion: values.fusion } : {}),
      bm25: config.bm25,
      minTools: 0,
      ...(rowStrategy !== 'lexical' ? fusionOptions : {}),
      // With the in-process encoder, timed selects embed their query (no query-vector cache).
      ...(embedder?.timing === false ? { queryVectorCacheSize: 0 } : {}),
    });
    if (embedder?.warm) await embedder.warm(queries);
    const buildStart = performance.now();
    await selector.prepare();
    const buildMs = performance.now() - buildStart;
    const stats = selector.stats();
    const optionsOf = (item) => {
      if (!config.context) return undefined;
      const context = earlierMessages(item);
      return context ? { context } : undefined;
    };
    const select =
      rowStrategy === 'lexical'
        ? async (item) => selector.selectSync(item.query, optionsOf(item))
        : (item) => selector.select(item.query, optionsOf(item));

    // Pass 1 ranks and scores; pass 2 times each query again, warm (the selector's result cache is off).
    const totals = { recallAt1: 0, recallAt5: 0, recallAt10: 0, recallAtK: 0, allAt5: 0, mrr: 0 };
    const byCategory = new Map();
    const relevances = [];
    for (const item of queries) {
      const selection = await select(item);
      const ranked = selection.tools
        .filter((tool) => tool.signal !== 'always-include' && tool.signal !== 'prior')
        .map((tool) => tool.name);
      const expected = item.expected;
      const recall = (n) =>
        expected.filter((name) => ranked.slice(0, n).includes(name)).length / expected.length;
      const first = ranked.findIndex((name) => expected.includes(name));
      totals.recallAt1 += recall(1);
      totals.recallAt5 += recall(5);
      totals.recallAt10 += recall(10);
      totals.recallAtK += recall(k);
      totals.allAt5 += recall(5) === 1 ? 1 : 0;
      totals.mrr += first >= 0 ? 1 / (first + 1) : 0;
      relevances.push(selection.topRelevance);
      const category = item.category ?? item.difficulty;
      if (category !== undefined) {
        const entry = byCategory.get(category) ?? { queries: 0, recallAt5: 0 };
        entry.queries++;
        entry.recallAt5 += recall(5);
        byCategory.set(category, entry);
      }
    }
    const timed = embedder?.timing === false ? Math.min(timingSample, queries.length) : queries.length;
    if (embedder?.timing === false) {
      embedder.timing = true;
      // The first call of the model pays its warm-up; selects in a running process do not.
      await embedder.embed([queries[0].query]);
    }
    const samples = new Float64Array(timed);
    for (let i = 0; i < timed; i++) {
      const start = performance.now();
      await select(queries[i]);
      samples[i] = (performance.now() - start) * 1000;
    }
    samples.sort();
    if (embedder?.timing === true) embedder.timing = false;
    const percentile = (p) => samples[Math.min(samples.length - 1, Math.floor((p / 100) * samples.length))];
    const count = queries.length;
    const result = {
      set: set.name,
      config: config.name,
      pool: stats.tools,
      skippedTools: skipped,
      queries: count,
      recallAt1: round(totals.recallAt1 / count),
      recallAt5: round(totals.recallAt5 / count),
      recallAt10: round(totals.recallAt10 / count),
      allAt5: round(totals.allAt5 / count),
      mrr: round(totals.mrr / count),
      p50Us: round(percentile(50), 1),
      p99Us: round(percentile(99), 1),
      buildMs: round(buildMs, 1),
      k,
      recallAtK: round(totals.recallAtK / count),
      strategy: rowStrategy,
      fusion: rowStrategy === 'hybrid' ? (values.fusion ?? 'default') : undefined,
      fusionOptions: rowStrategy !== 'lexical' ? fusionOptions : undefined,
      timedQueries: timed,
      bm25: config.bm25,
      embedder: embedder ? `${embedder.id}/${embedder.model}` : undefined,
      lexicalMemoryBytes: stats.lexicalMemoryBytes,
      semanticMemoryBytes: stats.semanticMemoryBytes,
      byCategory: Object.fromEntries(
        [...byCategory].map(([category, entry]) => [
          category,
          { queries: entry.queries, recallAt5: round(entry.recallAt5 / entry.queries) },
        ]),
      ),
    };
    if (values.irrelevant && main && set === sets[0]) {
      const minRelevance = Number(values['min-relevance']);
      let flagged = 0;
      const irrelevant = readJsonLines(values.irrelevant);
      for (const item of irrelevant) {
        if ((await selector.select(item.query, { minRelevance })).noToolFits) flagged++;
      }
      const keptRelevant = relevances.filter((relevance) => relevance >= minRelevance).length;
      result.minRelevance = minRelevance;
      result.irrelevantQueries = irrelevant.length;
      result.irrelevantFlagged = round(flagged / irrelevant.length);
      result.relevantKept = round(keptRelevant / count);
    }
    results.push(result);
    if (!values.json) console.error(`${set.name}: ${config.name} done`);
  }
}

if (values.json) {
  console.log(JSON.stringify(results));
} else {
  const header = [
    'set',
    'ranking',
    'tools',
    'queries',
    'recall@1',
    'recall@5',
    'recall@10',
    'all@5',
    'MRR',
    'select p50 us',
    'select p99 us',
    'build ms',
    'index KiB',
  ];
  const rows = results.map((result) => [
    result.set,
    result.config + (result.strategy !== 'lexical' ? ` (${result.strategy})` : ''),
    String(result.pool),
    String(result.queries),
    result.recallAt1.toFixed(3),
    result.recallAt5.toFixed(3),
    result.recallAt10.toFixed(3),
    result.allAt5.toFixed(3),
    result.mrr.toFixed(3),
    result.p50Us.toFixed(1),
    result.p99Us.toFixed(1),
    result.buildMs.toFixed(0),
    ((result.lexicalMemoryBytes + result.semanticMemoryBytes) / 1024).toFixed(0),
  ]);
  const widths = header.map((title, column) =>
    Math.max(title.length, ...rows.map((row) => row[column].length)),
  );
  const line = (cells) => `| ${cells.map((cell, column) => cell.padEnd(widths[column])).join(' | ')} |`;
  console.log(line(header));
  console.log(`|${widths.map((width) => '-'.repeat(width + 2)).join('|')}|`);
  for (const row of rows) console.log(line(row));
  console.log(
    `k ${k}; select p50/p99 are uncached selectSync calls after a first pass; build ms is the index's first build in this process.`,
  );
  for (const result of results) {
    if (values['by-category'] && Object.keys(result.byCategory).length > 0) {
      console.log(`${result.set}, ${result.config}, recall@5 by category:`);
      for (const [category, entry] of Object.entries(result.byCategory)) {
        console.log(
          `  ${category.padEnd(24)} ${String(entry.queries).padStart(5)} queries  ${entry.recallAt5}`,
        );
      }
    }
    if (result.irrelevantQueries !== undefined) {
      console.log(
        `no-tool-fits at minRelevance ${result.minRelevance}: ${result.irrelevantFlagged} of ${result.irrelevantQueries} irrelevant queries flagged, ${result.relevantKept} of relevant queries kept`,
      );
    }
  }
  if (strategy !== 'lexical' && values.embedder === 'use') {
    console.log(
      `note: ${strategy} rows use the in-process sentence encoder (${JSON.stringify(fusionOptions)}); their select p50/p99 embed the query with the model, over the first ${timingSample} queries of each set.`,
    );
  }
  if (strategy !== 'lexical' && !values['embeddings-url'] && values.embedder !== 'use') {
    console.log(
      'note: deterministic hashing embedder; this checks the hybrid path, not semantic accuracy (that needs a real model).',
    );
  }
}
