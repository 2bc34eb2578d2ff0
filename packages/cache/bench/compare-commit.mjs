// This package's hot paths against the same package at an earlier commit, interleaved in one run: the
// ratio is new / old per pass, then the median of the passes. Build first (`pnpm --filter
// @victor-ai/cache build`); Redis from VICTOR_REDIS_URL (the TieredCache row needs it).
//   VICTOR_REDIS_URL=redis://127.0.0.1:6390 BASE_COMMIT=8977478 node bench/compare-commit.mjs
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Bench } from 'tinybench';
import { build } from 'tsup';
import * as newIndex from '../dist/index.js';
import * as newRedis from '../dist/redis.js';

const packageRoot = join(dirname(fileURLToPath(import.meta.url)), '..');
const base = process.env.BASE_COMMIT ?? '8977478';
const PASSES = Number(process.env.BENCH_PASSES ?? 7);
const BATCH = 100;
const url = process.env.VICTOR_REDIS_URL;

// The old source, bundled where its dependencies resolve from this package.
const sourceDir = join(packageRoot, 'node_modules', '.cache', `base-${base}`, 'src');
const outDir = join(packageRoot, 'node_modules', '.cache', `base-${base}`, 'dist');
mkdirSync(sourceDir, { recursive: true });
const git = (...args) => execFileSync('git', args, { cwd: packageRoot, encoding: 'utf8' });
for (const path of git('ls-tree', '--name-only', base, '--', 'src/').split('\n')) {
  if (!path.endsWith('.ts') || path.endsWith('.test.ts')) continue;
  writeFileSync(join(sourceDir, path.slice('src/'.length)), git('show', `${base}:packages/cache/${path}`));
}
// Since RedisCache moved to its own entry (`@victor-ai/cache/redis`), both entries are built when present.
const hasRedisEntry = existsSync(join(sourceDir, 'redis.ts'));
await build({
  entry: hasRedisEntry
    ? { index: join(sourceDir, 'index.ts'), redis: join(sourceDir, 'redis.ts') }
    : { index: join(sourceDir, 'index.ts') },
  format: ['esm'],
  outDir,
  platform: 'node',
  target: 'node20',
  dts: false,
  silent: true,
  config: false,
  outExtension: () => ({ js: '.js' }),
});
writeFileSync(join(outDir, 'package.json'), '{"type":"module"}\n');
const oldCache = {
  ...(await import(join(outDir, 'index.js'))),
  ...(hasRedisEntry ? await import(join(outDir, 'redis.js')) : {}),
};
const newCache = { ...newIndex, ...newRedis };

const KEYS = Array.from({ length: 100 }, (_, index) => `key-${index}`);
const VALUE = { text: 'x'.repeat(200), tokens: [1, 2, 3] };
const median = (values) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)];
const libraries = { old: oldCache, new: newCache };
const memory = Object.fromEntries(
  Object.entries(libraries).map(([which, lib]) => {
    const cache = new lib.MemoryCache({ name: `memory-${which}` });
    for (const key of KEYS) cache.write(key, VALUE);
    return [which, cache];
  }),
);
const tiered = {};
if (url) {
  for (const [which, lib] of Object.entries(libraries)) {
    tiered[which] = new lib.TieredCache({
      memory: new lib.MemoryCache({ name: `tiered-${which}-memory` }),
      redis: new lib.RedisCache({ name: `tiered-${which}`, url, namespace: `compare-${process.pid}` }),
    });
    await tiered[which].subscribed;
    for (const key of KEYS) await tiered[which].set(key, VALUE);
  }
}
let next = 0;
const tasks = {
  'MemoryCache.get (await)': (which) => async () => {
    for (let n = 0; n < BATCH; n++) await memory[which].get(KEYS[next++ % 100]);
  },
  'MemoryCache.write (default options, 230-byte object)': (which) => () => {
    for (let n = 0; n < BATCH; n++) memory[which].write(KEYS[next++ % 100], VALUE);
  },
  ...(url
    ? {
        'TieredCache.get (memory hit)': (which) => async () => {
          for (let n = 0; n < BATCH; n++) await tiered[which].get(KEYS[next++ % 100]);
        },
      }
    : {}),
};
const ratios = Object.fromEntries(Object.keys(tasks).map((name) => [name, []]));
const p50s = Object.fromEntries(Object.keys(tasks).map((name) => [name, { old: [], new: [] }]));
for (let pass = 0; pass <= PASSES; pass++) {
  const bench = new Bench({ time: 200 });
  for (const [name, make] of Object.entries(tasks)) {
    bench.add(`${name} old`, make('old'));
    bench.add(`${name} new`, make('new'));
  }
  await bench.run();
  if (pass === 0) continue; // warm-up pass
  const p50 = Object.fromEntries(
    bench.tasks.map((task) => [task.name, (task.result.latency.p50 * 1e6) / BATCH]),
  );
  for (const name of Object.keys(tasks)) {
    p50s[name].old.push(p50[`${name} old`]);
    p50s[name].new.push(p50[`${name} new`]);
    ratios[name].push(p50[`${name} new`] / p50[`${name} old`]);
  }
}
console.log(
  `# @victor-ai/cache: this build against ${base} (node ${process.version}, ${new Date().toISOString()})`,
);
if (!url) console.log('(no VICTOR_REDIS_URL: the TieredCache row is left out)');
console.log(`| task | ${base} p50 ns | new p50 ns | new / ${base} (median of per-pass ratios) | per pass |`);
console.log('|---|---|---|---|---|');
for (const name of Object.keys(tasks)) {
  console.log(
    `| ${name} | ${median(p50s[name].old).toFixed(0)} | ${median(p50s[name].new).toFixed(0)} | ` +
      `${median(ratios[name]).toFixed(2)}x | ${ratios[name].map((ratio) => ratio.toFixed(2)).join(', ')} |`,
  );
}
for (const cache of Object.values(tiered)) {
  await cache.clear();
  await cache.close();
}
