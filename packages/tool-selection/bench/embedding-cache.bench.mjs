// EmbeddingCache (the built one: a hand-written Map LRU, delete + set to refresh, the first key evicted) against
// lru-cache 11, in the same run, on its access pattern: creating a cache with the default bound (100,000
// vectors; `SemanticIndex.build` makes one when it is given none), hits on a warm cache, and misses that
// insert into a full cache. Keys are `EmbeddingCache.key` strings (embedder, model, SHA-256 of the text).
// Run after a build: `node packages/tool-selection/bench/embedding-cache.bench.mjs`.
import { createHash } from 'node:crypto';
import { LRUCache } from 'lru-cache';
import { EmbeddingCache } from '../dist/index.js';
import { compareWithLruCache } from './lru-compare.mjs';

const DEFAULT_MAX = 100_000;
const SIZE = 1000;
const key = (i) => `hash:v1\u0000model\u0000${createHash('sha256').update(`tool ${i}`).digest('base64url')}`;

let sink;
await compareWithLruCache({
  size: SIZE,
  keys: Array.from({ length: 4 * SIZE }, (_, i) => key(i)),
  value: new Float32Array(256),
  createMapLru: (max) => new EmbeddingCache({ maxEntries: max }),
  extra: [
    {
      op: 'create (max 100,000)',
      map: () => {
        sink = new EmbeddingCache({ maxEntries: DEFAULT_MAX });
      },
      lru: () => {
        sink = new LRUCache({ max: DEFAULT_MAX });
      },
    },
  ],
});
void sink;
