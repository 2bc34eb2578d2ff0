// The shared half of embedding-cache.bench.mjs and selection-cache.bench.mjs: a hand-written Map LRU
// against lru-cache 11, in the same run, on hits on a warm cache and misses that insert into a full cache
// (evicting the least recently used), then a table of the p50s and the ratio lru-cache / Map.
import { LRUCache } from 'lru-cache';
import { Bench } from 'tinybench';

/**
 * Runs the comparison. `keys` holds `size` keys that are filled in first, then the keys the misses insert;
 * `createMapLru(size)` makes the Map LRU under test; `extra` adds operations measured before the others,
 * each `{ op, map, lru }` with one task function per side.
 */
export async function compareWithLruCache({ size, keys, value, createMapLru, extra = [] }) {
  const map = createMapLru(size);
  const lru = new LRUCache({ max: size });
  for (let i = 0; i < size; i++) {
    map.set(keys[i], value);
    lru.set(keys[i], value);
  }
  const hits = (cache) => {
    let i = 0;
    return () => cache.get(keys[i++ % size]);
  };
  const missesThatInsert = (cache) => {
    let i = 0;
    return () => {
      const key = keys[size + (i++ % (keys.length - size))];
      if (cache.get(key) === undefined) cache.set(key, value);
    };
  };
  const operations = [
    ...extra,
    { op: 'hit', map: hits(map), lru: hits(lru) },
    { op: 'miss + insert, full', map: missesThatInsert(map), lru: missesThatInsert(lru) },
  ];
  const bench = new Bench({ time: 1000, warmupTime: 300 });
  for (const { op, map: onMap, lru: onLru } of operations) {
    bench.add(`Map LRU: ${op}`, onMap).add(`lru-cache: ${op}`, onLru);
  }
  await bench.run();
  const p50 = Object.fromEntries(bench.tasks.map((task) => [task.name, task.result.latency.p50 * 1e6]));
  console.log('operation | Map LRU p50 ns | lru-cache p50 ns | lru-cache / Map');
  for (const { op } of operations) {
    const a = p50[`Map LRU: ${op}`];
    const b = p50[`lru-cache: ${op}`];
    console.log(`${op} | ${a.toFixed(0)} | ${b.toFixed(0)} | ${(b / a).toFixed(2)}x`);
  }
}
