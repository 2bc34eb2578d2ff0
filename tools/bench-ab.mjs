#!/usr/bin/env node
// Same-harness comparison of two builds: runs the benchmark app of each checkout in quick mode, alternated
// (A, B, A, B, ...), and prints the median (min to max) of each figure over the runs as a Markdown table.
//
//   node tools/bench-ab.mjs <checkout A> <checkout B> [--runs 5] [--out dir]
//   node tools/bench-ab.mjs <checkout A> <checkout B> --out dir --report-only   (the table of runs already in dir)
//
// Each checkout must be installed and built (`pnpm install`, `npx nx run-many -t build`). To compare the
// packages alone, give both checkouts the same benchmark app. The README's comparison with 8977478 was made
// with 8977478's app on both sides:
//
//   git worktree add /tmp/old 8977478 && (cd /tmp/old && pnpm install --frozen-lockfile && npx nx run-many -t build)
//   git worktree add /tmp/ab 8977478 && cd /tmp/ab && git checkout main -- packages tools benchmarks pnpm-lock.yaml
//   # 8977478's app imports createWorkerPool from the package root; it now lives on the ./workers entry:
//   sed -i "s#import { createWorkerPool, defineWorkerTask } from '@victor-ai/executor';#import { defineWorkerTask } from '@victor-ai/executor';\nimport { createWorkerPool } from '@victor-ai/executor/workers';#" apps/benchmark/src/extras.ts
//   pnpm install --no-frozen-lockfile && npx nx run-many -t build
//   node /path/to/main/tools/bench-ab.mjs /tmp/old /tmp/ab --runs 5
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';

const { values, positionals } = parseArgs({
  allowPositionals: true,
  options: {
    runs: { type: 'string', default: '5' },
    out: { type: 'string' },
    'report-only': { type: 'boolean', default: false },
  },
});
if (positionals.length !== 2) {
  console.error('usage: node tools/bench-ab.mjs <checkout A> <checkout B> [--runs 5] [--out dir]');
  process.exit(2);
}
const runs = Number(values.runs);
if (!Number.isInteger(runs) || runs < 1) {
  console.error(`--runs must be a positive integer, got ${JSON.stringify(values.runs)}`);
  process.exit(2);
}
const sides = positionals.map((dir) => resolve(dir));
const out = values.out ?? join(tmpdir(), `bench-ab-${process.pid}`);
mkdirSync(out, { recursive: true });

const FIGURES = {
  'agent turn added p50, us': (j) => j.overhead?.p50Us,
  'agent turn added p99, us': (j) => j.overhead?.p99Us,
  'agent throughput c=64 (ratio to raw)': (j) => j.throughput?.ratio,
  'agent client CPU, us/request': (j) => j.throughput?.stackCpuUsPerRequest,
  'raw client CPU, us/request': (j) => j.throughput?.rawCpuUsPerRequest,
  'agent added TTFT p50, us': (j) => j.streaming?.addedTtftP50Us,
  'slow provider (50 ms) overhead, %': (j) => j.adr005?.overheadPct,
  'cache hit rate (agent trace)': (j) => j.cache?.hitRate,
  'stale reads': (j) => j.cache?.staleReads,
  'heap idle, MB': (j) => j.memory?.idleHeapMB,
  'heap peak (200 turns), MB': (j) => j.memory?.peakHeapMB,
  'tool selection 55 tools p50, us': (j) => j.toolSelection?.['55']?.p50Us,
  'tool selection 1,000 tools p50, us': (j) => j.toolSelection?.['1000']?.p50Us,
  'tool selection 4,000 tools p50, us': (j) => j.toolSelection?.['4000']?.p50Us,
  'parallel tools speedup': (j) => j.parallelTools?.speedup,
  'event-loop p99 with worker pool, ms': (j) => j.executor?.eventLoopP99MsWithPool,
  'provider alone added p50, us': (j) => j.provider?.overhead?.p50Us,
  'provider alone added TTFT p50, us': (j) => j.provider?.streaming?.addedTtftP50Us,
};

const results = sides.map(() => []);
for (let run = 1; run <= runs && values['report-only']; run++) {
  sides.forEach((_, side) => {
    const json = join(out, `${side === 0 ? 'a' : 'b'}-${run}.json`);
    if (existsSync(json)) results[side].push(JSON.parse(readFileSync(json, 'utf8')));
  });
}
for (let run = 1; run <= runs && !values['report-only']; run++) {
  sides.forEach((dir, side) => {
    const json = join(out, `${side === 0 ? 'a' : 'b'}-${run}.json`);
    const child = spawnSync(
      process.execPath,
      ['--expose-gc', 'apps/benchmark/dist/main.js', '--quick', '--json', json],
      { cwd: dir, stdio: ['ignore', 'ignore', 'inherit'] },
    );
    if (child.status !== 0) {
      console.error(`run ${run} in ${dir} exited with ${child.status}; its JSON is left out`);
      return;
    }
    results[side].push(JSON.parse(readFileSync(json, 'utf8')));
    console.error(`run ${run}/${runs}: ${dir} done`);
  });
}

const median = (list) => {
  const s = [...list].sort((x, y) => x - y);
  const n = s.length;
  return n % 2 ? s[(n - 1) / 2] : (s[n / 2 - 1] + s[n / 2]) / 2;
};
const cell = (list) => {
  const numbers = list.filter((v) => typeof v === 'number');
  if (numbers.length === 0) return '-';
  const f = (v) => String(+v.toFixed(3));
  return `${f(median(numbers))} (${f(Math.min(...numbers))} to ${f(Math.max(...numbers))})`;
};
console.log(
  `runs: ${results[0].length} of ${sides[0]}, ${results[1].length} of ${sides[1]} (quick mode, alternated; JSON in ${out})`,
);
console.log(`| figure | A: ${sides[0]} | B: ${sides[1]} |\n|---|---|---|`);
for (const [name, get] of Object.entries(FIGURES)) {
  console.log(`| ${name} | ${cell(results[0].map(get))} | ${cell(results[1].map(get))} |`);
}
