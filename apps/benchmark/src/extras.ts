import { dirname, join } from 'node:path';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { generateTrace, ROOT_DIR, runTrace } from '@victor-ai/agent-trace';
import { MemoryCache, responseCacheKey, ToolResultCache } from '@victor-ai/cache';
import { BatchProcessor, ToolCoordinator } from '@victor-ai/coordinators';
import type { Tool, ToolCall, ToolDefinition } from '@victor-ai/core';
import { defineWorkerTask } from '@victor-ai/executor';
import { createWorkerPool } from '@victor-ai/executor/workers';
import { createToolMiddlewareChain } from '@victor-ai/middleware';
import { createEmbedder, createOpenAICompatibleProvider } from '@victor-ai/provider-pool';
import { seededRandom } from '@victor-ai/provider-pool/testing';
import { ToolRegistry, ToolSelector } from '@victor-ai/tool-selection';
import { Pool } from 'undici';
import { AGENT_MESSAGES, createBenchAgent } from './agent-fixture.js';
import { burn } from './cpu-task.js';
import { percentile, round, sorted } from './stats.js';

const WORDS = (
  'account address alert archive audit backup balance batch branch browser bucket build cache calendar camera cart ' +
  'channel chart checkout city cluster comment config contact container contract coupon course customer dashboard ' +
  'database dataset deploy device document domain email employee event expense feed file flight folder forecast ' +
  'form image incident index inventory invoice issue job ledger lesson license log map meeting message metric ' +
  'model movie network note order package page payment photo pipeline playlist policy post price product profile ' +
  'project queue quote receipt record recipe release report repository request reservation review route schedule ' +
  'secret server service session shipment song stock subscription survey table task team ticket token topic trip ' +
  'user vendor video volume wallet weather webhook workflow'
).split(' ');
const VERBS =
  'get list create update delete search find send cancel book convert translate compute schedule check'.split(
    ' ',
  );

/** `count` synthetic tools with varied names, descriptions and parameters (same seed, same tools). */
export function syntheticTools(count: number, seed = 1): ToolDefinition[] {
  const next = seededRandom(seed);
  const pick = <T>(list: readonly T[]) => list[Math.floor(next() * list.length)]!;
  const tools: ToolDefinition[] = [];
  for (let i = 0; i < count; i++) {
    const verb = pick(VERBS);
    const noun = pick(WORDS);
    const other = pick(WORDS);
    tools.push({
      name: `${verb}_${noun}_${i}`,
      description: `${verb} the ${noun} of a ${other}, with its ${pick(WORDS)} and ${pick(WORDS)} details.`,
      parameters: {
        type: 'object',
        properties: {
          [`${noun}_id`]: { type: 'string', description: `id of the ${noun}` },
          [other]: { type: 'string' },
        },
      },
    });
  }
  return tools;
}

/** Uncached top-10 selection latency over `count` synthetic tools, in microseconds. */
export function toolSelectionLatency(
  count: number,
  quick: boolean,
): { p50Us: number; p99Us: number; buildMs: number } {
  const selector = new ToolSelector({
    registry: new ToolRegistry(syntheticTools(count)),
    strategy: 'lexical',
    cacheSize: 0,
  });
  const next = seededRandom(7);
  const queries = Array.from({ length: 200 }, () => {
    const pick = <T>(list: readonly T[]) => list[Math.floor(next() * list.length)]!;
    return `please ${pick(VERBS)} the ${pick(WORDS)} for my ${pick(WORDS)}`;
  });
  const buildStarted = performance.now();
  selector.selectSync(queries[0]!, { k: 10 });
  const buildMs = performance.now() - buildStarted;
  const warmup = quick ? 300 : 2000;
  for (let i = 0; i < warmup; i++) selector.selectSync(queries[i % queries.length]!, { k: 10 });
  const samples: number[] = [];
  const rounds = quick ? 1000 : 5000;
  for (let i = 0; i < rounds; i++) {
    const started = performance.now();
    selector.selectSync(queries[i % queries.length]!, { k: 10 });
    samples.push((performance.now() - started) * 1000);
  }
  const values = sorted(samples);
  return {
    p50Us: round(percentile(values, 50)),
    p99Us: round(percentile(values, 99)),
    buildMs: round(buildMs, 2),
  };
}

/**
 * The standard agent trace (`@victor-ai/agent-trace`, seed 42, 5,000 turns: tool selections, deterministic
 * prompts, read-only tool calls with path and path-less writes interleaved) through `MemoryCache`s and a
 * `ToolResultCache`. Every cached answer is checked against the truth at that moment: a stale read is one
 * that differs. The oracle hit rate is what a perfect cache reaches on the same trace.
 */
export async function cacheTrace(): Promise<{
  hitRate: number;
  oracleHitRate: number;
  toolResultHitRate: number;
  staleReads: number;
  lookups: number;
  reportingShellHitRate: number;
  reportingShellStaleReads: number;
}> {
  const run = (shellReportsChanges: boolean) => {
    const caches = {
      selection: new MemoryCache<unknown>({ name: 'selection' }),
      response: new MemoryCache<unknown>({ name: 'response' }),
      toolResults: new ToolResultCache({
        cache: new MemoryCache<unknown>({ name: 'tool-result' }),
        rootDir: ROOT_DIR,
        ttlMs: 600_000,
      }),
    };
    return runTrace(generateTrace({ seed: 42, turns: 5_000 }), () => caches, {
      responseKey: (request, tenantId) => responseCacheKey(request, { tenantId }),
      shellReportsChanges,
    });
  };
  const result = await run(false);
  // The same trace with a shell tool that reports the file it changed (`context.reportChangedPaths`).
  const reporting = await run(true);
  return {
    hitRate: round(result.hitRate, 3),
    oracleHitRate: round(result.oracleHitRate, 3),
    toolResultHitRate: round(result.toolResultHitRate, 3),
    staleReads: result.staleReads,
    lookups: result.lookups,
    reportingShellHitRate: round(reporting.hitRate, 3),
    reportingShellStaleReads: reporting.staleReads,
  };
}

/** Time of 8 independent 20 ms tool calls run one at a time over run at once. */
export async function parallelTools(): Promise<{
  speedup: number;
  sequentialMs: number;
  parallelMs: number;
}> {
  const slow: Tool = {
    definition: { name: 'fetch_doc', description: '', parameters: {}, readOnly: true },
    execute: () => new Promise((resolve) => setTimeout(() => resolve('ok'), 20)),
  };
  const calls: ToolCall[] = Array.from({ length: 8 }, (_, index) => ({
    id: `c${index}`,
    name: 'fetch_doc',
    arguments: { path: `doc${index}` },
  }));
  const chain = createToolMiddlewareChain([]);
  const time = async (concurrency: number) => {
    const coordinator = new ToolCoordinator({ lookup: () => slow, chain, concurrency });
    const started = performance.now();
    const results = await coordinator.run(calls);
    if (results.some((result) => !result.ok)) throw new Error('parallel tools: a call failed');
    return performance.now() - started;
  };
  await time(8);
  const sequentialMs = await time(1);
  const parallelMs = await time(8);
  return {
    speedup: round(sequentialMs / parallelMs, 2),
    sequentialMs: round(sequentialMs),
    parallelMs: round(parallelMs),
  };
}

/** HTTP requests made for 256 concurrent single-input embedding calls through the batch processor. */
export async function batching(
  baseURL: string,
  requestCount: () => Promise<number>,
): Promise<{ requestsPer256: number; unbatchedRequestsPer256: number }> {
  const provider = createOpenAICompatibleProvider({ baseURL });
  try {
    const embedder = createEmbedder(provider, { model: 'loopback-embed' });
    const batched = new BatchProcessor({ maxBatchSize: 256, maxWaitMs: 5 }).batchEmbedder(embedder);
    const count = async (embed: (text: string) => Promise<unknown>) => {
      const before = await requestCount();
      await Promise.all(Array.from({ length: 256 }, (_, index) => embed(`text number ${index}`)));
      return (await requestCount()) - before;
    };
    const unbatchedRequestsPer256 = await count((text) => embedder.embed([text]));
    const requestsPer256 = await count((text) => batched.embed([text]));
    return { requestsPer256, unbatchedRequestsPer256 };
  } finally {
    await provider.close();
  }
}

/**
 * Heap of an agent with 55 tools, over a bare process (run with --expose-gc): idle after creation and one
 * turn, and the peak during 200 concurrent turns.
 */
export async function agentMemory(baseURL: string): Promise<{ idleHeapMB: number; peakHeapMB: number }> {
  const gc = (globalThis as { gc?: () => void }).gc;
  if (!gc) throw new Error('memory scenario needs node --expose-gc');
  gc();
  const bare = process.memoryUsage().heapUsed;
  const agent = createBenchAgent(baseURL, 16);
  await agent.chat(AGENT_MESSAGES);
  gc();
  const idle = process.memoryUsage().heapUsed - bare;
  let peak = idle;
  const sample = setInterval(() => {
    peak = Math.max(peak, process.memoryUsage().heapUsed - bare);
  }, 1);
  await Promise.all(Array.from({ length: 200 }, () => agent.chat(AGENT_MESSAGES)));
  clearInterval(sample);
  peak = Math.max(peak, process.memoryUsage().heapUsed - bare);
  await agent.close();
  const mb = (bytes: number) => round(bytes / 2 ** 20, 2);
  return { idleHeapMB: mb(idle), peakHeapMB: mb(peak) };
}

/**
 * Event-loop delay p99 of this thread while 8 CPU-bound calls of 50 ms run on it or in the worker pool,
 * and the p50 latency of a cheap HTTP request (one every 2 ms to the loopback server) during the pooled
 * load over the same in an idle window of the same round. Medians over rounds.
 */
export async function executorScenario(
  serverURL: string,
  quick: boolean,
): Promise<{
  eventLoopP99MsWithPool: number;
  eventLoopP99MsWithoutPool: number;
  cheapRequestSlowdown: number;
}> {
  const here = dirname(fileURLToPath(import.meta.url));
  const burnTask = defineWorkerTask(pathToFileURL(join(here, 'cpu-task.js')), 'burn');
  const pool = createWorkerPool({});
  const http = new Pool(serverURL, { connections: 64 });
  const ping = async () => {
    const started = performance.now();
    const response = await http.request({ path: '/ping', method: 'GET' });
    await response.body.text();
    return performance.now() - started;
  };
  const yieldToLoop = () => new Promise((resolve) => setImmediate(resolve));
  try {
    for (let i = 0; i < 10; i++) await pool.run(burnTask, { ms: 5 });
    for (let i = 0; i < 10; i++) burn({ ms: 5 });
    for (let i = 0; i < 500; i++) await ping();
    const loads: Record<string, () => Promise<unknown>> = {
      idle: () => new Promise((resolve) => setTimeout(resolve, 400)),
      withoutPool: async () => {
        for (let i = 0; i < 8; i++) {
          await yieldToLoop();
          burn({ ms: 50 });
        }
      },
      withPool: () => Promise.all(Array.from({ length: 8 }, () => pool.run(burnTask, { ms: 50 }))),
    };
    const rows: Array<Record<string, { loopP99Ms: number; requestP50Ms: number }>> = [];
    for (let round = 0; round < (quick ? 3 : 7); round++) {
      const row: Record<string, { loopP99Ms: number; requestP50Ms: number }> = {};
      for (const [name, load] of Object.entries(loads)) {
        const latencies: Array<Promise<number>> = [];
        const timer = setInterval(() => latencies.push(ping()), 2);
        const histogram = monitorEventLoopDelay({ resolution: 1 });
        histogram.enable();
        await load();
        histogram.disable();
        clearInterval(timer);
        const values = sorted(await Promise.all(latencies));
        row[name] = { loopP99Ms: histogram.percentile(99) / 1e6, requestP50Ms: percentile(values, 50) };
      }
      rows.push(row);
    }
    const medianOf = (pick: (row: (typeof rows)[number]) => number) => percentile(sorted(rows.map(pick)), 50);
    return {
      eventLoopP99MsWithPool: round(
        medianOf((row) => row.withPool!.loopP99Ms),
        2,
      ),
      eventLoopP99MsWithoutPool: round(
        medianOf((row) => row.withoutPool!.loopP99Ms),
        2,
      ),
      cheapRequestSlowdown: round(
        medianOf((row) => row.withPool!.requestP50Ms / row.idle!.requestP50Ms),
        3,
      ),
    };
  } finally {
    await http.close();
    await pool.close();
  }
}
