// Tool selection latency, build time and memory for pools of 55, 1,000 and 4,000 synthetic tools, with
// MiniSearch 7.2 (same tokenizer and field boosts) as the baseline measured in the same run.
// Run after a build: `pnpm --filter @victor-ai/tool-selection bench` (`--json` for machine-readable output;
// `node --expose-gc bench/select.bench.mjs` to also measure retained heap).
import MiniSearch from 'minisearch';
import { Bench } from 'tinybench';
import {
  LEXICAL_FIELDS,
  LexicalIndex,
  ToolRegistry,
  ToolSelector,
  tokenize,
  toolText,
} from '../dist/index.js';
import { createDeterministicEmbedder } from '../dist/testing.js';
import { syntheticPool } from './synthetic-tools.mjs';

const json = process.argv.includes('--json');
const SIZES = (process.env.SIZES ?? '55,1000,4000').split(',').map(Number);
const BOOSTS = { name: 3, description: 2, parameterNames: 1, parameterDescriptions: 0.5, labels: 1 };
const gc = globalThis.gc;

function retainedBytes(create) {
  if (!gc) return undefined;
  gc();
  gc();
  // Typed arrays live outside the V8 heap: count their backing stores too.
  const used = () => {
    const usage = process.memoryUsage();
    return usage.heapUsed + usage.arrayBuffers;
  };
  const before = used();
  const kept = create();
  gc();
  gc();
  const after = used();
  if (kept === undefined) throw new Error('unreachable');
  return after - before;
}

function miniSearchIndex(texts) {
  const miniSearch = new MiniSearch({
    fields: [...LEXICAL_FIELDS],
    idField: 'id',
    // The same terms as our index: split identifiers, stop words out, Porter stems.
    tokenize: (text) => tokenize(text),
    processTerm: (term) => term,
    searchOptions: { boost: BOOSTS, tokenize: (text) => tokenize(text), processTerm: (term) => term },
  });
  miniSearch.addAll(texts.map((text, id) => ({ id, ...text })));
  return miniSearch;
}

const rows = [];
for (const size of SIZES) {
  const { tools, queries } = syntheticPool(size, { seed: size });
  const registry = new ToolRegistry(tools);
  const texts = registry.list().map(toolText);
  const uncached = new ToolSelector({ registry, cacheSize: 0 });
  const cached = new ToolSelector({ registry });
  // Hybrid with the hashing embedder (256 dimensions): query vectors come from the selector's query-vector
  // cache after the first pass, so this is search + fusion, not an embeddings round trip.
  const hybrid = new ToolSelector({ registry, embedder: createDeterministicEmbedder(), cacheSize: 0 });
  await hybrid.prepare();
  for (const { query } of queries) await hybrid.select(query);
  await uncached.prepare();
  await cached.prepare();
  for (const { query } of queries) cached.selectSync(query);
  const miniSearch = miniSearchIndex(texts);
  const index = LexicalIndex.build(texts);

  // Sanity: every path answers, and ours finds the source tool as often as MiniSearch does.
  let oursHits = 0;
  let miniHits = 0;
  for (const { query, expected } of queries) {
    if (uncached.selectSync(query, { k: 10 }).tools.some((tool) => tool.name === expected[0])) oursHits++;
    const top = miniSearch.search(query).slice(0, 10);
    if (top.some((result) => texts[result.id].fullName === expected[0])) miniHits++;
  }

  let q = 0;
  const nextQuery = () => queries[q++ % queries.length].query;
  const bench = new Bench({ time: 1500, warmupTime: 500 });
  bench
    .add(`select uncached k=10 (${size})`, () => {
      uncached.selectSync(nextQuery(), { k: 10 });
    })
    .add(`select cached k=10 (${size})`, () => {
      cached.selectSync(nextQuery());
    })
    .add(`hybrid select uncached k=10 (${size})`, async () => {
      await hybrid.select(nextQuery(), { k: 10 });
    })
    .add(`minisearch search top 10 (${size})`, () => {
      miniSearch.search(nextQuery()).slice(0, 10);
    })
    .add(`lexical index build (${size})`, () => {
      LexicalIndex.build(texts);
    })
    .add(`selector prepare: texts + index (${size})`, async () => {
      await new ToolSelector({ registry }).prepare();
    })
    .add(`minisearch build (${size})`, () => {
      miniSearchIndex(texts);
    });
  await bench.run();
  const stats = Object.fromEntries(
    bench.tasks.map((task) => [
      task.name.replace(/ \(\d+\)$/, ''),
      { p50Us: task.result.latency.p50 * 1000, p99Us: task.result.latency.p99 * 1000 },
    ]),
  );
  rows.push({
    tools: size,
    terms: index.termCount,
    selectUncachedP50Us: stats['select uncached k=10'].p50Us,
    selectUncachedP99Us: stats['select uncached k=10'].p99Us,
    selectCachedP50Us: stats['select cached k=10'].p50Us,
    selectCachedP99Us: stats['select cached k=10'].p99Us,
    hybridP50Us: stats['hybrid select uncached k=10'].p50Us,
    hybridP99Us: stats['hybrid select uncached k=10'].p99Us,
    miniSearchP50Us: stats['minisearch search top 10'].p50Us,
    miniSearchP99Us: stats['minisearch search top 10'].p99Us,
    buildP50Ms: stats['lexical index build'].p50Us / 1000,
    prepareP50Ms: stats['selector prepare: texts + index'].p50Us / 1000,
    miniSearchBuildP50Ms: stats['minisearch build'].p50Us / 1000,
    indexBytes: index.memoryBytes,
    retainedIndexBytes: retainedBytes(() => LexicalIndex.build(texts)),
    retainedMiniSearchBytes: retainedBytes(() => miniSearchIndex(texts)),
    top10FoundOurs: oursHits / queries.length,
    top10FoundMiniSearch: miniHits / queries.length,
  });
}

if (json) {
  console.log(JSON.stringify(rows));
} else {
  const f = (value, digits = 1) => (value === undefined ? '-' : value.toFixed(digits));
  console.log(
    'tools | select p50/p99 us (uncached) | cached p50/p99 us | hybrid uncached p50/p99 us | MiniSearch p50/p99 us | ratio p50 | build ms (ours / prepare / MiniSearch) | index KiB (typed arrays / retained heap / MiniSearch heap)',
  );
  for (const row of rows) {
    console.log(
      `${row.tools} | ${f(row.selectUncachedP50Us)} / ${f(row.selectUncachedP99Us)} | ${f(row.selectCachedP50Us, 2)} / ${f(row.selectCachedP99Us, 2)} | ${f(row.hybridP50Us)} / ${f(row.hybridP99Us)} | ${f(row.miniSearchP50Us)} / ${f(row.miniSearchP99Us)} | ${f(row.miniSearchP50Us / row.selectUncachedP50Us)}x | ${f(row.buildP50Ms)} / ${f(row.prepareP50Ms)} / ${f(row.miniSearchBuildP50Ms)} | ${f(row.indexBytes / 1024, 0)} / ${row.retainedIndexBytes === undefined ? '-' : f(row.retainedIndexBytes / 1024, 0)} / ${row.retainedMiniSearchBytes === undefined ? '-' : f(row.retainedMiniSearchBytes / 1024, 0)} | top-10 found: ours ${f(row.top10FoundOurs, 3)}, MiniSearch ${f(row.top10FoundMiniSearch, 3)}`,
    );
  }
}
