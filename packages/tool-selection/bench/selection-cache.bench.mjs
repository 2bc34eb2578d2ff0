// The selector's selection cache: the hand-written Map LRU it had before (delete + set to refresh, the
// first key evicted) against lru-cache 11, in the same run, on the selector's access pattern: hits on a
// warm cache, and misses that insert into a full cache (evicting the least recently used).
// Run: `node packages/tool-selection/bench/selection-cache.bench.mjs` (no build needed).
import { compareWithLruCache } from './lru-compare.mjs';

const SIZE = 1000;

class MapLru {
  #map = new Map();
  #max;
  constructor(max) {
    this.#max = max;
  }
  get(key) {
    const entry = this.#map.get(key);
    if (entry === undefined) return undefined;
    this.#map.delete(key);
    this.#map.set(key, entry);
    return entry;
  }
  set(key, entry) {
    if (this.#map.size >= this.#max) this.#map.delete(this.#map.keys().next().value);
    this.#map.set(key, entry);
  }
}

await compareWithLruCache({
  size: SIZE,
  keys: Array.from({ length: 4 * SIZE }, (_, i) => `lexical\u000010\u0000query number ${i} about tools`),
  value: { version: 1, selection: {} },
  createMapLru: (max) => new MapLru(max),
});
