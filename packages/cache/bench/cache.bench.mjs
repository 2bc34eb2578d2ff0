// Micro-benchmarks of @victor-ai/cache against raw baselines measured in the same run, then the standard
// agent trace (@victor-ai/agent-trace, documented in benchmarks/agent-trace/README.md). Build first:
// `pnpm --filter @victor-ai/cache build && pnpm --filter @victor-ai/cache bench`. Redis: VICTOR_REDIS_URL,
// else a redis-server started here on a free port, else the Redis rows are skipped (said so). Every
// headline number is a ratio to its baseline's p50.
import { generateTrace, ROOT_DIR, runTrace } from '@victor-ai/agent-trace';
import { Redis } from 'ioredis';
import { LRUCache } from 'lru-cache';
import { Bench } from 'tinybench';
import { LocalRedisServer } from '../../../tools/redis-cluster.mjs';
import { getOrCompute, MemoryCache, responseCacheKey, TieredCache, ToolResultCache } from '../dist/index.js';
import { RedisCache } from '../dist/redis.js';

const PASSES = Number(process.env.BENCH_PASSES ?? 7);
const TIME_MS = Number(process.env.BENCH_TIME_MS ?? 200);
const BATCH = 100;
const KEYS = Array.from({ length: 1_000 }, (_, i) => `key-${i}`);
const VALUE = { text: 'x'.repeat(200), tokens: [1, 2, 3] };
const compute = () => VALUE;

function median(values) {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)];
}

/** Runs the tasks PASSES times (each pass runs every task in turn, so drift hits all alike). */
async function measure(tasks, { batch = 1 } = {}) {
  const p50s = new Map(tasks.map(([name]) => [name, []]));
  const p99s = new Map(tasks.map(([name]) => [name, []]));
  for (let pass = 0; pass <= PASSES; pass++) {
    const bench = new Bench({ time: TIME_MS });
    for (const [name, fn] of tasks) bench.add(name, fn);
    await bench.run();
    if (pass === 0) continue; // warm-up pass
    for (const task of bench.tasks) {
      p50s.get(task.name).push((task.result.latency.p50 * 1_000_000) / batch);
      p99s.get(task.name).push((task.result.latency.p99 * 1_000_000) / batch);
    }
  }
  return tasks.map(([name]) => ({
    name,
    p50: median(p50s.get(name)),
    p99: median(p99s.get(name)),
    passes: p50s.get(name),
  }));
}

/** Ratio of each task's p50 to the baseline's p50 in the same pass, then the median over passes. */
function report(title, rows, baseline) {
  const base = rows.find((row) => row.name === baseline);
  console.log(
    `\n## ${title} (ns per operation; medians of ${PASSES} passes; ratio = p50 / ${baseline} p50 of the same pass)`,
  );
  console.log('| task | p50 ns | p99 ns | ratio | ratio per pass |');
  console.log('|---|---|---|---|---|');
  for (const row of rows) {
    const ratios = row.passes.map((p50, pass) => p50 / base.passes[pass]);
    row.ratio = median(ratios);
    console.log(
      `| ${row.name} | ${row.p50.toFixed(0)} | ${row.p99.toFixed(0)} | ${row.ratio.toFixed(2)}x | ${ratios.map((v) => v.toFixed(2)).join(', ')} |`,
    );
  }
}

async function memoryBench() {
  const lru = new LRUCache({ max: 10_000, ttl: 300_000 });
  const memory = new MemoryCache({ name: 'bench' });
  for (const key of KEYS) {
    lru.set(key, VALUE);
    memory.write(key, VALUE);
  }
  let i = 0;
  const rows = await measure(
    [
      [
        'raw lru-cache get',
        () => {
          for (let n = 0; n < BATCH; n++) lru.get(KEYS[i++ % KEYS.length]);
        },
      ],
      [
        'MemoryCache.lookup (sync)',
        () => {
          for (let n = 0; n < BATCH; n++) memory.lookup(KEYS[i++ % KEYS.length]);
        },
      ],
      [
        'MemoryCache.get (await)',
        async () => {
          for (let n = 0; n < BATCH; n++) await memory.get(KEYS[i++ % KEYS.length]);
        },
      ],
      [
        'MemoryCache.getOrCompute hit',
        async () => {
          for (let n = 0; n < BATCH; n++) await memory.getOrCompute(KEYS[i++ % KEYS.length], compute);
        },
      ],
      [
        'getOrCompute(memory) hit',
        async () => {
          for (let n = 0; n < BATCH; n++) await getOrCompute(memory, KEYS[i++ % KEYS.length], compute);
        },
      ],
    ],
    { batch: BATCH },
  );
  report('Memory tier hit', rows, 'raw lru-cache get');
  const get = rows.find((row) => row.name === 'MemoryCache.get (await)');
  const goc = rows.find((row) => row.name === 'MemoryCache.getOrCompute hit');
  const ratios = goc.passes.map((p50, pass) => p50 / get.passes[pass]);
  console.log(
    `MemoryCache.getOrCompute hit / MemoryCache.get, median of per-pass ratios: ${median(ratios).toFixed(2)}x`,
  );
}

async function memoryWriteBench() {
  const lru = new LRUCache({ max: 10_000, ttl: 300_000 });
  const defaults = new MemoryCache({ name: 'bench-write' });
  const sized = new MemoryCache({
    name: 'bench-write-sized',
    maxBytes: 64 * 1024 * 1024,
    sizeOf: () => 512,
  });
  let i = 0;
  const rows = await measure(
    [
      [
        'raw lru-cache set',
        () => {
          for (let n = 0; n < BATCH; n++) lru.set(KEYS[i++ % KEYS.length], VALUE);
        },
      ],
      [
        'MemoryCache.write (default options)',
        () => {
          for (let n = 0; n < BATCH; n++) defaults.write(KEYS[i++ % KEYS.length], VALUE);
        },
      ],
      [
        'MemoryCache.write (maxBytes, constant sizeOf)',
        () => {
          for (let n = 0; n < BATCH; n++) sized.write(KEYS[i++ % KEYS.length], VALUE);
        },
      ],
    ],
    { batch: BATCH },
  );
  report('Memory tier write (a 230-byte object)', rows, 'raw lru-cache set');
}

/** VICTOR_REDIS_URL, else a redis-server started here (tools/redis-cluster.mjs), else undefined. */
async function startRedis() {
  if (process.env.VICTOR_REDIS_URL) return { url: process.env.VICTOR_REDIS_URL, stop() {} };
  try {
    return await LocalRedisServer.start();
  } catch {
    return undefined;
  }
}

async function redisBench(url) {
  const namespace = `bench-${process.pid}`;
  const raw = new Redis(url);
  const redis = new RedisCache({ name: 'bench', url, namespace, commandTimeoutMs: 1_000 });
  const tiered = new TieredCache({
    memory: new MemoryCache({ name: 'bench-memory' }),
    redis: new RedisCache({ name: 'bench-tiered', url, namespace, commandTimeoutMs: 1_000 }),
  });
  await tiered.subscribed;
  for (const key of KEYS.slice(0, 100)) {
    await redis.set(key, VALUE);
    await tiered.set(key, VALUE);
    await raw.set(`raw:${namespace}:${key}`, JSON.stringify(VALUE));
  }
  let i = 0;
  const memory = new MemoryCache({ name: 'bench-memory-only' });
  for (const key of KEYS.slice(0, 100)) memory.write(key, VALUE);
  const rows = await measure([
    ['raw ioredis GET', () => raw.get(`raw:${namespace}:${KEYS[i++ % 100]}`)],
    [
      'raw ioredis GET + JSON.parse',
      async () => JSON.parse(await raw.get(`raw:${namespace}:${KEYS[i++ % 100]}`)),
    ],
    ['RedisCache.get', () => redis.get(KEYS[i++ % 100])],
    ['RedisCache.getOrCompute hit', () => redis.getOrCompute(KEYS[i++ % 100], compute)],
    ['MemoryCache.get (await)', () => memory.get(KEYS[i++ % 100])],
    ['TieredCache.get (memory hit)', () => tiered.get(KEYS[i++ % 100])],
  ]);
  report('Redis tier hit', rows, 'raw ioredis GET');
  const memoryGet = rows.find((row) => row.name === 'MemoryCache.get (await)');
  const tieredGet = rows.find((row) => row.name === 'TieredCache.get (memory hit)');
  const tieredRatios = tieredGet.passes.map((p50, pass) => p50 / memoryGet.passes[pass]);
  console.log(
    `TieredCache.get (memory hit) / MemoryCache.get, median of per-pass ratios: ${median(tieredRatios).toFixed(2)}x`,
  );
  await redis.clear();
  await tiered.clear();
  await raw.del(...KEYS.slice(0, 100).map((key) => `raw:${namespace}:${key}`));
  await Promise.all([raw.quit(), redis.close(), tiered.close()]);
}

/** A ToolResultCache over `cache` for the trace's repository. */
function traceToolResultCache(cache) {
  return new ToolResultCache({ cache, rootDir: ROOT_DIR, ttlMs: 600_000 });
}

/** A fresh set of in-process caches for one run of the trace. */
function memoryCaches() {
  return {
    selection: new MemoryCache({ name: 'selection' }),
    response: new MemoryCache({ name: 'response' }),
    toolResults: traceToolResultCache(new MemoryCache({ name: 'tool-result' })),
  };
}

const traceOptions = { responseKey: (request, tenantId) => responseCacheKey(request, { tenantId }) };

function printTrace(label, result) {
  const pct = (n, d) => `${((100 * n) / d).toFixed(1)}%`;
  console.log(
    `| ${label} | ${pct(result.hits, result.lookups)} | ${pct(result.oracleHits, result.lookups)} | ` +
      `${pct(result.selection.hits, result.selection.lookups)} | ${pct(result.response.hits, result.response.lookups)} | ` +
      `${pct(result.toolResult.hits, result.toolResult.lookups)} | ${pct(result.toolResult.oracleHits, result.toolResult.lookups)} | ` +
      `${result.staleReads} | ${result.writes} (${result.pathlessWrites} path-less) |`,
  );
}

async function traceBench(url) {
  const trace = generateTrace({ seed: 42, turns: 5_000 });
  console.log('\n## Standard agent trace (seed 42, 5,000 turns; @victor-ai/agent-trace)');
  console.log(
    '| caches | hit rate | oracle hit rate | selection | response | tool results | tool results, oracle | stale reads | writes |',
  );
  console.log('|---|---|---|---|---|---|---|---|---|');
  const memory = memoryCaches();
  printTrace('MemoryCache, one process', await runTrace(trace, () => memory, traceOptions));
  // The same trace with a shell tool that reports the file it changed (`context.reportChangedPaths`).
  const reporting = memoryCaches();
  printTrace(
    'MemoryCache, the shell tool reporting what it changed',
    await runTrace(trace, () => reporting, { ...traceOptions, shellReportsChanges: true }),
  );
  // The same turns without their path-less shell writes: what those writes cost.
  const withoutShell = trace.map((turn) => ({
    ...turn,
    calls: turn.calls.filter((call) => call.name !== 'shell'),
  }));
  const fresh = memoryCaches();
  printTrace(
    'MemoryCache, the trace without its shell calls',
    await runTrace(withoutShell, () => fresh, traceOptions),
  );
  if (url === undefined) return;
  // Two TieredCache instances with their own connections and memory tiers take turns, as two processes
  // serving one conversation would; writes in one must invalidate the other's memory tier.
  const namespace = `trace-${process.pid}`;
  const instances = [0, 1].map(() => {
    const tiered = (name) =>
      new TieredCache({
        memory: new MemoryCache({ name: `${name}-memory` }),
        redis: new RedisCache({ name, url, namespace, commandTimeoutMs: 1_000 }),
      });
    return { selection: tiered('selection'), response: tiered('response'), toolCache: tiered('tool-result') };
  });
  await Promise.all(
    instances.flatMap((set) => [set.selection.subscribed, set.response.subscribed, set.toolCache.subscribed]),
  );
  const sets = instances.map((set) => ({ ...set, toolResults: traceToolResultCache(set.toolCache) }));
  const result = await runTrace(trace, (turn) => sets[turn % 2], {
    ...traceOptions,
    // Agent turns are milliseconds apart; one event-loop turn lets the invalidation message arrive.
    betweenTurns: () => new Promise((resolve) => setTimeout(resolve, 1)),
  });
  printTrace('TieredCache, two instances alternating', result);
  for (const set of instances) {
    for (const cache of [set.selection, set.response, set.toolCache]) {
      await cache.clear();
      await cache.close();
    }
  }
}

console.log(`# @victor-ai/cache benchmarks (node ${process.version}, ${new Date().toISOString()})`);
await memoryBench();
await memoryWriteBench();
const redis = await startRedis();
if (redis === undefined)
  console.log('\n(no Redis: set VICTOR_REDIS_URL or install redis-server; Redis rows skipped)');
else await redisBench(redis.url);
await traceBench(redis?.url);
await redis?.stop();
