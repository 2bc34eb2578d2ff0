#!/usr/bin/env node
// Probe of a candidate that was measured and dropped (tool-selection README): a bonus for each pair of consecutive query
// terms that is also a pair of consecutive terms of a tool's name (`triangle area` in
// `calculate_triangle_area`), re-ranking the default ranking's top 30. The bonus is WEIGHT x (query's best
// possible score / its number of terms) per pair. Queries of several sentences keep the default order
// (re-sorting them by score undoes per-sentence placement; `--all` re-sorts them too).
// Usage: node scripts/probe-name-phrase.mjs --set NAME=TOOLS.json,QUERIES.jsonl [--set ...] [--all]
// (run `pnpm build` first)
import { readFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { distFolder, parseSetSpec, readJsonLines, toolRegistryOf } from './tool-sets.mjs';

const { ToolRegistry, LexicalIndex, toolText, tokenize } = await import(new URL('index.js', distFolder).href);
const { values } = parseArgs({
  options: { set: { type: 'string', multiple: true, default: [] }, all: { type: 'boolean', default: false } },
});
const pairs = (terms) => {
  const out = new Set();
  for (let i = 0; i + 1 < terms.length; i++) out.add(`${terms[i]} ${terms[i + 1]}`);
  return out;
};
for (const spec of values.set) {
  const { name, tools: toolsPath, queries: queriesPath } = parseSetSpec(spec);
  const tools = toolRegistryOf(ToolRegistry, JSON.parse(readFileSync(toolsPath, 'utf8'))).list();
  const texts = tools.map(toolText);
  const names = tools.map((tool) => tool.definition.name);
  const namePairs = texts.map((text) => pairs(tokenize(text.name)));
  const index = LexicalIndex.build(texts, {});
  const queries = readJsonLines(queriesPath);
  for (const weight of [0, 0.05, 0.1, 0.2, 0.4, 0.8]) {
    let recall = 0;
    for (const item of queries) {
      const prepared = index.prepare(item.query);
      const hits = index.search(prepared, 30);
      const queryTerms = tokenize(item.query);
      const queryPairs = pairs(queryTerms);
      const keep = weight === 0 || (prepared.segmentStarts !== undefined && !values.all);
      const order = keep
        ? hits.documents
        : hits.documents
            .map((document, rank) => {
              let shared = 0;
              for (const pair of namePairs[document]) if (queryPairs.has(pair)) shared++;
              const bonus = (weight * shared * prepared.maxScore) / Math.max(1, queryTerms.length);
              return { document, rank, score: hits.scores[rank] + bonus };
            })
            .sort((a, b) => b.score - a.score || a.rank - b.rank)
            .map((hit) => hit.document);
      const top = order.slice(0, 5).map((document) => names[document]);
      recall += item.expected.filter((expected) => top.includes(expected)).length / item.expected.length;
    }
    console.log(`${name}: name-phrase weight ${weight}: recall@5 ${(recall / queries.length).toFixed(4)}`);
  }
}
