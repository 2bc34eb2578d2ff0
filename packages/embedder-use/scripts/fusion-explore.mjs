#!/usr/bin/env node
// Measures fusion choices for hybrid tool selection with the real sentence encoder, on labelled sets:
// RRF k, linear weights, and splitting a multi-request query into its sentences before the semantic search.
// Every query and tool vector is kept in cache files, so a second run embeds nothing.
//
// Usage (after `pnpm --filter @victor-ai/tool-selection run build` and this package's build):
//   node scripts/fusion-explore.mjs --set NAME=TOOLS.json,QUERIES.jsonl [--set ...] [--cache-dir DIR] [--json]
import { readFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import {
  LexicalIndex,
  reciprocalRankFusion,
  SemanticIndex,
  splitSentences,
  ToolRegistry,
  toolEmbeddingText,
  toolText,
  weightedFusion,
} from '@victor-ai/tool-selection';
// The labelled-set helpers of tool-selection's evaluation scripts (a script of this repository, not published).
import { parseSetSpec, readJsonLines, toolRegistryOf } from '../../tool-selection/scripts/tool-sets.mjs';
import { createUseEmbedder } from '../dist/index.js';

const { values } = parseArgs({
  options: {
    set: { type: 'string', multiple: true, default: [] },
    'cache-dir': { type: 'string', default: '.cache' },
    json: { type: 'boolean', default: false },
    depth: { type: 'string', default: '50' },
  },
});
const depth = Number(values.depth);
const sets = values.set.map(parseSetSpec);

// One file for tool and query vectors: queries are marked `document` so that they are written too, only so
// that reruns of this script (and eval:toolsel --embedder use with the same file) embed nothing.
const embedder = createUseEmbedder({
  cacheFile: `${values['cache-dir']}/vectors.bin`,
  cacheMaxEntries: 100_000,
});

function normalize(vector) {
  let sum = 0;
  for (const value of vector) sum += value * value;
  const scale = sum > 0 ? 1 / Math.sqrt(sum) : 0;
  return vector.map((value) => value * scale);
}

/** Semantic hits of several query vectors: each document's best cosine over them. */
function maxOver(index, vectors, k) {
  const best = new Map();
  for (const vector of vectors) {
    const hits = index.search(vector, k);
    hits.documents.forEach((document, rank) => {
      const score = hits.scores[rank];
      if (!(best.get(document) >= score)) best.set(document, score);
    });
  }
  const sorted = [...best].sort((a, b) => b[1] - a[1] || a[0] - b[0]).slice(0, k);
  return { documents: sorted.map(([document]) => document), scores: sorted.map(([, score]) => score) };
}

/** Semantic hits taken in turn from each vector's list (whole query first), each document once. */
function interleave(index, vectors, k) {
  const lists = vectors.map((vector) => index.search(vector, k));
  const documents = [];
  const scores = [];
  const seen = new Set();
  for (let rank = 0; documents.length < k && lists.some((list) => rank < list.documents.length); rank++) {
    for (const list of lists) {
      const document = list.documents[rank];
      if (document === undefined || seen.has(document)) continue;
      seen.add(document);
      documents.push(document);
      scores.push(list.scores[rank]);
      if (documents.length >= k) break;
    }
  }
  return { documents, scores };
}

// Every set's tools first, so the tool vectors are on disk early.
const loaded = [];
for (const set of sets) {
  const queries = readJsonLines(set.queries);
  // Refused definitions are skipped; their queries count as misses, as in eval:toolsel.
  const listed = toolRegistryOf(ToolRegistry, JSON.parse(readFileSync(set.tools, 'utf8'))).list();
  const texts = listed.map(toolText);
  const names = listed.map((tool) => tool.definition.name);
  const start = performance.now();
  const semantic = await SemanticIndex.build(texts.map(toolEmbeddingText), embedder, { batchSize: 32 });
  console.error(`${set.name}: ${listed.length} tools (${(performance.now() - start).toFixed(0)} ms)`);
  loaded.push({ set, queries, texts, names, semantic });
}

const results = [];
for (const { set, queries, texts, names, semantic } of loaded) {
  const lexical = LexicalIndex.build(texts);
  const pieces = queries.map((item) => {
    const sentences = splitSentences(item.query)
      .map((sentence) => sentence.trim())
      .filter((sentence) => sentence.length > 0);
    return sentences.length > 1 ? sentences.slice(0, 8) : [];
  });
  const allTexts = [...new Set(queries.flatMap((item, i) => [item.query, ...pieces[i]]))];
  const start = performance.now();
  // In slices, so that each slice is on disk before the next (the file is written after each call).
  const vectors = [];
  for (let at = 0; at < allTexts.length; at += 256) {
    vectors.push(...(await embedder.embed(allTexts.slice(at, at + 256), { inputType: 'document' })));
  }
  const queryEmbedMs = performance.now() - start;
  const vectorOf = new Map(allTexts.map((text, i) => [text, normalize(vectors[i])]));
  console.error(`${set.name}: ${allTexts.length} query texts (${queryEmbedMs.toFixed(0)} ms)`);

  const variants = new Map();
  const add = (name, rank) => variants.set(name, rank);
  const lexicalOf = queries.map((item) => {
    const prepared = lexical.prepare(item.query);
    return { hits: lexical.search(prepared, depth), max: prepared.maxScore };
  });
  const semanticOf = {
    whole: queries.map((item) => semantic.search(vectorOf.get(item.query), depth)),
    'split-max': queries.map((item, i) =>
      maxOver(
        semantic,
        [item.query, ...pieces[i]].map((text) => vectorOf.get(text)),
        depth,
      ),
    ),
    'split-rr': queries.map((item, i) =>
      interleave(
        semantic,
        [item.query, ...pieces[i]].map((text) => vectorOf.get(text)),
        depth,
      ),
    ),
  };
  add('lexical', (i) => lexicalOf[i].hits.documents);
  for (const [mode, list] of Object.entries(semanticOf)) {
    add(`semantic ${mode}`, (i) => list[i].documents);
    for (const rrfK of [5, 10, 20, 60]) {
      add(`hybrid ${mode} rrf k${rrfK}`, (i) =>
        reciprocalRankFusion(lexicalOf[i].hits, list[i], 10, rrfK).map((hit) => hit.document),
      );
    }
    for (const weight of [0.5, 0.7, 0.8, 0.85, 0.9]) {
      add(`hybrid ${mode} weighted ${weight}`, (i) =>
        weightedFusion(lexicalOf[i].hits, lexicalOf[i].max, list[i], 10, weight).map((hit) => hit.document),
      );
    }
  }
  for (const [variant, rank] of variants) {
    const totals = { r1: 0, r5: 0, r10: 0, all5: 0, multiR5: 0, multi: 0 };
    queries.forEach((item, i) => {
      const ranked = rank(i).map((document) => names[document]);
      const recall = (n) =>
        item.expected.filter((name) => ranked.slice(0, n).includes(name)).length / item.expected.length;
      totals.r1 += recall(1);
      totals.r5 += recall(5);
      totals.r10 += recall(10);
      totals.all5 += recall(5) === 1 ? 1 : 0;
      if (item.expected.length > 1) {
        totals.multi++;
        totals.multiR5 += recall(5);
      }
    });
    const n = queries.length;
    results.push({
      set: set.name,
      variant,
      recallAt1: totals.r1 / n,
      recallAt5: totals.r5 / n,
      recallAt10: totals.r10 / n,
      allAt5: totals.all5 / n,
      multiToolRecallAt5: totals.multi ? totals.multiR5 / totals.multi : undefined,
    });
  }
}

if (values.json) console.log(JSON.stringify(results));
else {
  console.log('| set | variant | recall@1 | recall@5 | recall@10 | all@5 | recall@5, multi-tool queries |');
  console.log('|---|---|---|---|---|---|---|');
  for (const r of results) {
    console.log(
      `| ${r.set} | ${r.variant} | ${r.recallAt1.toFixed(3)} | ${r.recallAt5.toFixed(3)} | ${r.recallAt10.toFixed(3)} | ${r.allAt5.toFixed(3)} | ${r.multiToolRecallAt5?.toFixed(3) ?? '-'} |`,
    );
  }
}
