// Event-loop benchmark of @victor-ai/executor: main-thread event-loop delay p99 (perf_hooks
// monitorEventLoopDelay) and the latency of a concurrent cheap HTTP request, while 8 CPU-bound calls of
// about 50 ms each run (a) in the worker pool and (b) on the main thread, against (c) an idle baseline
// measured in the same run. Rounds interleave a, b, c; medians over rounds are reported.
//
//   pnpm --filter @victor-ai/executor build && pnpm --filter @victor-ai/executor bench
//
// Prints JSON { eventLoopP99MsWithPool, eventLoopP99MsWithoutPool, cheapRequestSlowdown, details }.
// `runEventLoopBenchmark(options)` returns the same object for the benchmark app.
import { fork } from 'node:child_process';
import { once } from 'node:events';
import { createServer } from 'node:http';
import { availableParallelism } from 'node:os';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';
import { defineWorkerTask } from '../dist/index.js';
import { createWorkerPool } from '../dist/workers.js';
import { burn } from './cpu-task.mjs';

const burnTask = defineWorkerTask(new URL('./cpu-task.mjs', import.meta.url), 'burn');
const yieldToLoop = () => new Promise((resolve) => setImmediate(resolve));

function percentile(sorted, p) {
  if (sorted.length === 0) return Number.NaN;
  const index = Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1));
  return sorted[index];
}

function median(values) {
  const sorted = [...values].sort((a, b) => a - b);
  const middle = sorted.length >> 1;
  return sorted.length % 2 === 1 ? sorted[middle] : (sorted[middle - 1] + sorted[middle]) / 2;
}

const round3 = (value) => Math.round(value * 1000) / 1000;

/**
 * Runs the benchmark and returns `{ eventLoopP99MsWithPool, eventLoopP99MsWithoutPool,
 * cheapRequestSlowdown, details }`. Options: `calls` (8), `workMs` (50), `rounds` (9), `poolSize`
 * (the pool's default), `requestIntervalMs` (2), `idleWindowMs` (400).
 */
export async function runEventLoopBenchmark(options = {}) {
  const calls = options.calls ?? 8;
  const workMs = options.workMs ?? 50;
  const rounds = options.rounds ?? 9;
  const requestIntervalMs = options.requestIntervalMs ?? 2;
  const idleWindowMs = options.idleWindowMs ?? 400;

  const server = createServer((_request, response) => {
    response.writeHead(200, { 'content-type': 'application/json', 'content-length': '11' });
    response.end('{"ok":true}');
  });
  server.keepAliveTimeout = 60_000;
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const { port } = server.address();

  const client = fork(fileURLToPath(new URL('./cheap-client.mjs', import.meta.url)), [], {
    stdio: 'inherit',
  });
  const nextMessage = (type) =>
    new Promise((resolve) => {
      const listener = (message) => {
        if (message.type === type) {
          client.off('message', listener);
          resolve(message);
        }
      };
      client.on('message', listener);
    });
  client.send({ type: 'config', port, intervalMs: requestIntervalMs });
  await nextMessage('ready');

  const pool = createWorkerPool(options.poolSize === undefined ? {} : { size: options.poolSize });
  try {
    // Warm up: JIT the burn loop on both threads, the HTTP path on both processes.
    for (let i = 0; i < 20; i++) burn({ ms: 5 });
    for (let i = 0; i < 20; i++) await pool.run(burnTask, { ms: 5 });
    client.send({ type: 'warm', requests: 3000 });
    await nextMessage('warmed');

    const scenarios = {
      idle: () => new Promise((resolve) => setTimeout(resolve, idleWindowMs)),
      withoutPool: async () => {
        // The kindest main-thread schedule: each call in its own macrotask, so I/O runs between calls.
        for (let i = 0; i < calls; i++) {
          await yieldToLoop();
          burn({ ms: workMs });
        }
      },
      withPool: () => Promise.all(Array.from({ length: calls }, () => pool.run(burnTask, { ms: workMs }))),
    };

    const perRound = [];
    for (let round = 0; round < rounds; round++) {
      const row = {};
      for (const [name, load] of Object.entries(scenarios)) {
        const histogram = monitorEventLoopDelay({ resolution: 1 });
        client.send({ type: 'start' });
        await yieldToLoop();
        histogram.enable();
        const started = performance.now();
        await load();
        const loadMs = performance.now() - started;
        histogram.disable();
        const reported = nextMessage('latencies');
        client.send({ type: 'stop' });
        const latencies = (await reported).latencies.sort((a, b) => a - b);
        row[name] = {
          eventLoopP99Ms: round3(histogram.percentile(99) / 1e6),
          eventLoopMaxMs: round3(histogram.max / 1e6),
          loadMs: round3(loadMs),
          requests: latencies.length,
          requestP50Ms: round3(percentile(latencies, 50)),
          requestP99Ms: round3(percentile(latencies, 99)),
          requestMeanMs: round3(latencies.reduce((sum, value) => sum + value, 0) / latencies.length),
        };
        await new Promise((resolve) => setTimeout(resolve, 50));
      }
      perRound.push(row);
    }

    const med = (scenario, field) => round3(median(perRound.map((row) => row[scenario][field])));
    const ratio = (scenario, field) =>
      round3(median(perRound.map((row) => row[scenario][field] / row.idle[field])));
    return {
      eventLoopP99MsWithPool: med('withPool', 'eventLoopP99Ms'),
      eventLoopP99MsWithoutPool: med('withoutPool', 'eventLoopP99Ms'),
      cheapRequestSlowdown: ratio('withPool', 'requestP50Ms'),
      details: {
        note:
          'medians over rounds; cheapRequestSlowdown = p50 latency of a loopback HTTP GET (sent by a child ' +
          'process every requestIntervalMs, open loop) during the pooled load / the same in the idle window ' +
          'of the same round; event-loop delay includes the 1 ms sampling resolution',
        node: process.version,
        cores: availableParallelism(),
        poolSize: pool.size,
        calls,
        workMsPerCall: workMs,
        rounds,
        requestIntervalMs,
        eventLoopP99MsIdle: med('idle', 'eventLoopP99Ms'),
        cheapRequestSlowdownWithoutPool: ratio('withoutPool', 'requestP50Ms'),
        cheapRequestP99SlowdownWithPool: ratio('withPool', 'requestP99Ms'),
        cheapRequestP99SlowdownWithoutPool: ratio('withoutPool', 'requestP99Ms'),
        requestP50Ms: {
          idle: med('idle', 'requestP50Ms'),
          withPool: med('withPool', 'requestP50Ms'),
          withoutPool: med('withoutPool', 'requestP50Ms'),
        },
        loadMs: { withPool: med('withPool', 'loadMs'), withoutPool: med('withoutPool', 'loadMs') },
        perRound,
      },
    };
  } finally {
    await pool.close();
    client.send({ type: 'exit' });
    await once(client, 'exit');
    server.close();
    server.closeAllConnections();
  }
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  const result = await runEventLoopBenchmark();
  console.log(JSON.stringify(result, null, 2));
}
