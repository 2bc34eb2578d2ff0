#!/usr/bin/env node
// Accuracy and latency of tool selection on a labelled tool set (run `pnpm build` first).
// Usage: node scripts/eval-toolsel.mjs --tools TOOLS.json --queries QUERIES.jsonl [--k 5]
//        [--strategy lexical|hybrid|semantic] [--json] [--irrelevant QUERIES.jsonl] [--min-relevance 0.2]
//        [--fusion rrf|weighted] [--bm25 '{"k1":0.9,"coordination":0}'] [--embeddings-url http://host:port/v1 --embeddings-model MODEL] (hybrid with a real model)
// TOOLS.json: [{name, description, parameters}]; each query line: {query, expected: [names], category?}.
// Without --embeddings-url, hybrid and semantic use the deterministic hashing embedder: a smoke check of
// the code path, not a measure of semantic accuracy.
import { readFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { ToolRegistry, ToolSelector } from '../dist/index.js';
import { createDeterministicEmbedder } from '../dist/testing.js';

const { values } = parseArgs({
  options: {
    tools: { type: 'string' },
    queries: { type: 'string' },
    k: { type: 'string', default: '5' },
    strategy: { type: 'string', default: 'lexical' },
    json: { type: 'boolean', default: false },
    irrelevant: { type: 'string' },
    'min-relevance': { type: 'string', default: '0.2' },
    'embeddings-url': { type: 'string' },
    'embeddings-model': { type: 'string' },
    fusion: { type: 'string', default: 'rrf' },
    bm25: { type: 'string' },
  },
});
if (!values.tools || !values.queries) {
  console.error(
    'usage: eval-toolsel --tools TOOLS.json --queries QUERIES.jsonl [--k 5] [--strategy lexical|hybrid] [--json]',
  );
  process.exit(2);
}
const k = Number(values.k);
const strategy = values.strategy;
if (!Number.isInteger(k) || k < 1) throw new Error(`--k must be a positive integer, got ${values.k}`);
if (!['lexical', 'hybrid', 'semantic'].includes(strategy))
  throw new Error(`--strategy must be lexical, hybrid or semantic, got ${strategy}`);

function readJsonLines(path) {
  return readFileSync(path, 'utf8')
    .split('\n')
    .filter((line) => line.trim() !== '')
    .map((line) => JSON.parse(line));
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

const tools = JSON.parse(readFileSync(values.tools, 'utf8'));
const queries = readJsonLines(values.queries);
// Tool sets from the wild may hold definitions the registry refuses (names outside [a-zA-Z0-9_.-]{1,64},
// non-object parameters): skip those, say so on stderr, and count their queries as misses.
const registry = new ToolRegistry();
let skipped = 0;
for (const tool of tools) {
  try {
    registry.add({ ...tool, parameters: tool.parameters ?? { type: 'object', properties: {} } });
  } catch (error) {
    skipped++;
    if (skipped <= 5) console.error(`skipped: ${error.message}`);
  }
}
if (skipped > 0) console.error(`skipped ${skipped} of ${tools.length} tool definitions`);
let embedder;
if (strategy !== 'lexical') {
  embedder = values['embeddings-url']
    ? openAiCompatibleEmbedder(
        values['embeddings-url'],
        values['embeddings-model'] ?? 'text-embedding-3-small',
      )
    : createDeterministicEmbedder();
}
const depth = Math.max(k, 10);
const bm25 = values.bm25 ? JSON.parse(values.bm25) : undefined;
const selector = new ToolSelector({
  registry,
  embedder,
  strategy,
  k: depth,
  cacheSize: 0,
  fusion: values.fusion,
  bm25,
});

const buildStart = performance.now();
await selector.prepare();
const buildMs = performance.now() - buildStart;
const stats = selector.stats();

const select =
  strategy === 'lexical' ? async (query) => selector.selectSync(query) : (query) => selector.select(query);

// Pass 1 ranks and scores; pass 2 times each query again, warm (the selector's result cache is off).
const totals = { recallAt1: 0, recallAt5: 0, recallAt10: 0, recallAtK: 0, allAt5: 0, mrr: 0 };
const byCategory = new Map();
const relevances = [];
for (const item of queries) {
  const selection = await select(item.query);
  const ranked = selection.tools.filter((tool) => tool.signal !== 'always-include').map((tool) => tool.name);
  const expected = item.expected;
  const recall = (n) => expected.filter((name) => ranked.slice(0, n).includes(name)).length / expected.length;
  const first = ranked.findIndex((name) => expected.includes(name));
  totals.recallAt1 += recall(1);
  totals.recallAt5 += recall(5);
  totals.recallAt10 += recall(10);
  totals.recallAtK += recall(k);
  totals.allAt5 += recall(5) === 1 ? 1 : 0;
  totals.mrr += first >= 0 ? 1 / (first + 1) : 0;
  relevances.push(selection.topRelevance);
  if (item.category !== undefined) {
    const entry = byCategory.get(item.category) ?? { queries: 0, recallAt5: 0 };
    entry.queries++;
    entry.recallAt5 += recall(5);
    byCategory.set(item.category, entry);
  }
}
const samples = new Float64Array(queries.length);
for (let i = 0; i < queries.length; i++) {
  const start = performance.now();
  await select(queries[i].query);
  samples[i] = (performance.now() - start) * 1000;
}
samples.sort();
const percentile = (p) => samples[Math.min(samples.length - 1, Math.floor((p / 100) * samples.length))];
const count = queries.length;
const round = (value, digits = 4) => Number(value.toFixed(digits));
const result = {
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
  strategy,
  fusion: strategy === 'hybrid' ? values.fusion : undefined,
  bm25,
  embedder: embedder ? `${embedder.id}/${embedder.model}` : undefined,
  lexicalMemoryBytes: stats.lexicalMemoryBytes,
  semanticMemoryBytes: stats.semanticMemoryBytes,
};

if (values.irrelevant) {
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

if (values.json) {
  console.log(JSON.stringify(result));
} else {
  console.log(
    `pool ${result.pool} tools, ${result.queries} queries, strategy ${strategy}${result.embedder ? ` (${result.embedder})` : ''}`,
  );
  console.log(
    `recall@1 ${result.recallAt1}  recall@5 ${result.recallAt5}  recall@10 ${result.recallAt10}  recall@${k} ${result.recallAtK}`,
  );
  console.log(`all expected in top 5: ${result.allAt5}  MRR ${result.mrr}`);
  console.log(
    `select (uncached) p50 ${result.p50Us} us  p99 ${result.p99Us} us;  index build ${result.buildMs} ms (first, cold)`,
  );
  console.log(
    `lexical index ${(result.lexicalMemoryBytes / 1024).toFixed(0)} KiB, semantic ${(result.semanticMemoryBytes / 1024).toFixed(0)} KiB`,
  );
  if (byCategory.size > 0) {
    for (const [category, entry] of byCategory) {
      console.log(
        `  ${category.padEnd(24)} ${String(entry.queries).padStart(5)} queries  recall@5 ${(entry.recallAt5 / entry.queries).toFixed(3)}`,
      );
    }
  }
  if (values.irrelevant) {
    console.log(
      `no-tool-fits at minRelevance ${result.minRelevance}: ${result.irrelevantFlagged} of ${result.irrelevantQueries} irrelevant queries flagged, ${result.relevantKept} of relevant queries kept`,
    );
  }
  if (strategy !== 'lexical' && !values['embeddings-url']) {
    console.log(
      'note: deterministic hashing embedder; this checks the hybrid path, not semantic accuracy (that needs a real model).',
    );
  }
}
