#!/usr/bin/env node
// What the sentence encoder costs in one process: import, model load, memory, one query, a batch of tool
// texts, and reading a vector file back. Run after this package's build:
//   node --expose-gc scripts/cost.mjs [--tools TOOLS.json] [--queries QUERIES.jsonl] [--vector-file FILE]
import { readFileSync } from 'node:fs';
import { parseArgs } from 'node:util';

const { values } = parseArgs({
  options: {
    tools: { type: 'string' },
    queries: { type: 'string' },
    'vector-file': { type: 'string' },
    samples: { type: 'string', default: '100' },
    batch: { type: 'string', default: '256' },
  },
});
const mb = (bytes) => (bytes / 1024 / 1024).toFixed(0);
const rss = () => {
  globalThis.gc?.();
  return process.memoryUsage().rss;
};
const percentile = (sorted, p) => sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))];

const rssStart = rss();
let start = performance.now();
const { createUseEmbedder, VectorFile, USE_MODEL } = await import('../dist/index.js');
const importMs = performance.now() - start;
const embedder = createUseEmbedder({ batchSize: 32 });
start = performance.now();
await embedder.load();
const loadMs = performance.now() - start;
const rssLoaded = rss();

const queries = values.queries
  ? readFileSync(values.queries, 'utf8')
      .split('\n')
      .filter((line) => line.trim() !== '')
      .map((line) => JSON.parse(line).query)
  : Array.from({ length: 100 }, (_, i) => `what is the weather like in city number ${i} tomorrow?`);
const samples = queries.slice(0, Number(values.samples));
await embedder.embed([samples[0]]);
const times = [];
for (const query of samples) {
  const t = performance.now();
  await embedder.embed([query], { inputType: 'query' });
  times.push(performance.now() - t);
}
times.sort((a, b) => a - b);

const tools = values.tools ? JSON.parse(readFileSync(values.tools, 'utf8')) : [];
const toolTexts = tools
  .slice(0, Number(values.batch))
  .map((tool) => `${tool.name}: ${tool.description ?? ''}`);
let perTool;
if (toolTexts.length > 0) {
  const t = performance.now();
  await embedder.embed(toolTexts, { inputType: 'document' });
  perTool = (performance.now() - t) / toolTexts.length;
}
const rssAfter = rss();

let fileLoad;
if (values['vector-file']) {
  const file = new VectorFile({ path: values['vector-file'], model: USE_MODEL, maxEntries: 1_000_000 });
  const t = performance.now();
  const status = await file.load();
  fileLoad = { status, vectors: file.size, ms: performance.now() - t };
}

console.log(
  JSON.stringify(
    {
      model: USE_MODEL,
      importMs: Math.round(importMs),
      loadMs: Math.round(loadMs),
      rssStartMB: Number(mb(rssStart)),
      rssLoadedMB: Number(mb(rssLoaded)),
      rssAfterMB: Number(mb(rssAfter)),
      queryEmbed: {
        samples: times.length,
        p50Ms: Number(percentile(times, 50).toFixed(1)),
        p99Ms: Number(percentile(times, 99).toFixed(1)),
      },
      toolEmbed:
        perTool === undefined
          ? undefined
          : {
              texts: toolTexts.length,
              msPerText: Number(perTool.toFixed(1)),
              msFor4076: Math.round(perTool * 4076),
            },
      vectorFile: fileLoad && { ...fileLoad, ms: Math.round(fileLoad.ms) },
    },
    null,
    2,
  ),
);
await embedder.close();
