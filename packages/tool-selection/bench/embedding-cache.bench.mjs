// EmbeddingCache: the hand-written Map LRU it is (delete + set to refresh, the first key evicted) against
// lru-cache 11, in the same run, on its access pattern: creating a cache with the default bound (100,000
// vectors; `SemanticIndex.build` makes one when it is given none), hits on a warm cache, and misses that
// insert into a full cache. Keys are `EmbeddingCache.key` strings (embedder, model, SHA-256 of the text).
// Run: `node packages/tool-selection/bench/embedding-cache.bench.mjs` (no build needed).
import { createHash } from 'node:crypto';
import { LRUCache } from 'lru-cache';
import { Bench } from 'tinybench';

const DEFAULT_MAX = 100_000;
const SIZE = 1000;
const key = (i) => `hash:v1\u0000model\u0000${createHash('sha256').update(`tool ${i}`).digest('base64url')}`;
const keys = Array.from({ length: 4 * SIZE }, (_, i) => key(i));
const vector = new Float32Array(256);

class MapLru {
  #map = new Map();
  #max;
  constructor(max) {
    this.#max = max;
  }
  get(k) {
    const v = this.#map.get(k);
    if (v !== undefined) {
      this.#map.delete(k);
      this.#map.set(k, v);
    }
    return v;
  }
  set(k, v) {
    this.#map.delete(k);
    this.#map.set(k, v);
    if (this.#map.size > this.#max) this.#map.delete(this.#map.keys().next().value);
  }
}

const map = new MapLru(SIZE);
const lru = new LRUCache({ max: SIZE });
for (let i = 0; i < SIZE; i++) {
  map.set(keys[i], vector);
  lru.set(keys[i], vector);
}
let h = 0;
let m = 0;
let n = 0;
let o = 0;
let sink;
const bench = new Bench({ time: 1000, warmupTime: 300 });
bench
  .add('Map LRU: create (max 100,000)', () => {
    sink = new MapLru(DEFAULT_MAX);
  })
  .add('lru-cache: create (max 100,000)', () => {
    sink = new LRUCache({ max: DEFAULT_MAX });
  })
  .add('Map LRU: hit', () => map.get(keys[h++ % SIZE]))
  .add('lru-cache: hit', () => lru.get(keys[m++ % SIZE]))
  .add('Map LRU: miss + insert, full', () => {
    const k = keys[SIZE + (n++ % (3 * SIZE))];
    if (map.get(k) === undefined) map.set(k, vector);
  })
  .add('lru-cache: miss + insert, full', () => {
    const k = keys[SIZE + (o++ % (3 * SIZE))];
    if (lru.get(k) === undefined) lru.set(k, vector);
  });
await bench.run();
void sink;
const p50 = Object.fromEntries(bench.tasks.map((task) => [task.name, task.result.latency.p50 * 1e6]));
console.log('operation | Map LRU p50 ns | lru-cache p50 ns | lru-cache / Map');
for (const op of ['create (max 100,000)', 'hit', 'miss + insert, full']) {
  const a = p50[`Map LRU: ${op}`];
  const b = p50[`lru-cache: ${op}`];
  console.log(`${op} | ${a.toFixed(0)} | ${b.toFixed(0)} | ${(b / a).toFixed(2)}x`);
}
