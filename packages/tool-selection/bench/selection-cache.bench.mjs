// The selector's selection cache: the hand-written Map LRU it had before (delete + set to refresh, the
// first key evicted) against lru-cache 11, in the same run, on the selector's access pattern: hits on a
// warm cache, and misses that insert into a full cache (evicting the least recently used).
// Run: `node packages/tool-selection/bench/selection-cache.bench.mjs` (no build needed).
import { LRUCache } from 'lru-cache';
import { Bench } from 'tinybench';

const SIZE = 1000;
const keys = Array.from({ length: 4 * SIZE }, (_, i) => `lexical\u000010\u0000query number ${i} about tools`);
const value = { version: 1, selection: {} };

class MapLru {
  #map = new Map();
  get(key) {
    const entry = this.#map.get(key);
    if (entry === undefined) return undefined;
    this.#map.delete(key);
    this.#map.set(key, entry);
    return entry;
  }
  set(key, entry) {
    if (this.#map.size >= SIZE) this.#map.delete(this.#map.keys().next().value);
    this.#map.set(key, entry);
  }
}

const map = new MapLru();
const lru = new LRUCache({ max: SIZE });
for (let i = 0; i < SIZE; i++) {
  map.set(keys[i], value);
  lru.set(keys[i], value);
}
let h = 0;
let m = 0;
let n = 0;
let o = 0;
const bench = new Bench({ time: 1000, warmupTime: 300 });
bench
  .add('Map LRU: hit', () => map.get(keys[h++ % SIZE]))
  .add('lru-cache: hit', () => lru.get(keys[m++ % SIZE]))
  .add('Map LRU: miss + insert, full', () => {
    const key = keys[SIZE + (n++ % (3 * SIZE))];
    if (map.get(key) === undefined) map.set(key, value);
  })
  .add('lru-cache: miss + insert, full', () => {
    const key = keys[SIZE + (o++ % (3 * SIZE))];
    if (lru.get(key) === undefined) lru.set(key, value);
  });
await bench.run();
const p50 = Object.fromEntries(bench.tasks.map((task) => [task.name, task.result.latency.p50 * 1e6]));
console.log('operation | Map LRU p50 ns | lru-cache p50 ns | lru-cache / Map');
for (const op of ['hit', 'miss + insert, full']) {
  const a = p50[`Map LRU: ${op}`];
  const b = p50[`lru-cache: ${op}`];
  console.log(`${op} | ${a.toFixed(0)} | ${b.toFixed(0)} | ${(b / a).toFixed(2)}x`);
}
