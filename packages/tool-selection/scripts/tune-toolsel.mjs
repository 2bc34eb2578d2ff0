#!/usr/bin/env node
// Two-fold cross-validation of the BM25F field weights over several labelled tool sets at once (run
// `pnpm build` first). Each set's queries are split into two halves; weights are chosen on one half of
// every set (the highest mean recall@5 across sets) and scored on the other half, then the halves swap.
// Usage: node scripts/tune-toolsel.mjs --set NAME=TOOLS.json,QUERIES.jsonl [--set ...] [--bm25 JSON]
import { readFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { distFolder, parseSetSpec, readJsonLines, toolRegistryOf } from './tool-sets.mjs';

const { DEFAULT_FIELD_WEIGHTS, LexicalIndex, ToolRegistry, toolText } = await import(
  new URL('index.js', distFolder).href
);

const { values } = parseArgs({
  options: { set: { type: 'string', multiple: true, default: [] }, bm25: { type: 'string' } },
});
if (values.set.length === 0) {
  console.error('usage: tune-toolsel --set NAME=TOOLS.json,QUERIES.jsonl [--set ...] [--bm25 JSON]');
  process.exit(2);
}
const base = values.bm25 ? JSON.parse(values.bm25) : {};
const GRID = {
  name: [2, 3, 4],
  description: [1, 2, 3],
  parameterNames: [0.5, 1],
  parameterDescriptions: [0.25, 0.5, 1],
};

const sets = values.set.map((spec) => {
  const set = parseSetSpec(spec);
  const tools = toolRegistryOf(ToolRegistry, JSON.parse(readFileSync(set.tools, 'utf8'))).list();
  return {
    name: set.name,
    names: tools.map((tool) => tool.definition.name),
    texts: tools.map(toolText),
    queries: readJsonLines(set.queries),
  };
});

/** recall@5 of one weighting on each fold (0: even query positions, 1: odd) of one set. */
function foldRecalls(set, fieldWeights) {
  const index = LexicalIndex.build(set.texts, {
    ...base,
    fieldWeights: { ...base.fieldWeights, ...fieldWeights },
  });
  const sums = [0, 0];
  const counts = [0, 0];
  set.queries.forEach((item, position) => {
    const top = index.search(index.prepare(item.query), 5).documents.map((document) => set.names[document]);
    const fold = position % 2;
    sums[fold] += item.expected.filter((name) => top.includes(name)).length / item.expected.length;
    counts[fold]++;
  });
  return [sums[0] / counts[0], sums[1] / counts[1]];
}

const candidates = [];
for (const name of GRID.name)
  for (const description of GRID.description)
    for (const parameterNames of GRID.parameterNames)
      for (const parameterDescriptions of GRID.parameterDescriptions)
        candidates.push({ name, description, parameterNames, parameterDescriptions });
const current = {
  name: DEFAULT_FIELD_WEIGHTS.name,
  description: DEFAULT_FIELD_WEIGHTS.description,
  parameterNames: DEFAULT_FIELD_WEIGHTS.parameterNames,
  parameterDescriptions: DEFAULT_FIELD_WEIGHTS.parameterDescriptions,
};
const scored = candidates.map((weights) => ({
  weights,
  recalls: sets.map((set) => foldRecalls(set, weights)),
}));
const defaultRecalls = sets.map((set) => foldRecalls(set, current));
const format = (weights) =>
  `name ${weights.name}, description ${weights.description}, parameter names ${weights.parameterNames}, parameter descriptions ${weights.parameterDescriptions}`;
for (const fold of [0, 1]) {
  const train = 1 - fold;
  const mean = (entry) => entry.recalls.reduce((sum, recalls) => sum + recalls[train], 0) / sets.length;
  const best = scored.reduce((a, b) => (mean(b) > mean(a) ? b : a));
  console.log(`chosen on fold ${train} (mean recall@5 ${mean(best).toFixed(4)}): ${format(best.weights)}`);
  for (let s = 0; s < sets.length; s++) {
    console.log(
      `  ${sets[s].name.padEnd(16)} held-out fold ${fold}: recall@5 ${best.recalls[s][fold].toFixed(4)} (default weights ${defaultRecalls[s][fold].toFixed(4)})`,
    );
  }
}
