// The Redis token-bucket limiter's take() on one Redis against a local 3-master Redis Cluster (both started
// here, torn down after): p50/p99 of sequential takes and takes per second at concurrency 64, one Redis measured
// before and after the cluster. Needs redis-server, redis-cli and a built dist: node bench/limiter-cluster.mjs
import { spawn } from 'node:child_process';
import { freeClusterPort, LocalRedisCluster } from '../../../tools/redis-cluster.mjs';
import { createRedisRateLimitStore, openRedisConnection } from '../dist/index.js';

const port = await freeClusterPort();
const single = spawn(
  'redis-server',
  ['--bind', '127.0.0.1', '--port', String(port), '--save', '', '--appendonly', 'no'],
  { stdio: 'ignore' },
);
await new Promise((r) => setTimeout(r, 500));
const cluster = await LocalRedisCluster.start();
const limit = { capacity: 1e9, refillPerSecond: 1e9 };
async function measure(label, redisConfig) {
  const { client } = await openRedisConnection(redisConfig, {});
  const store = createRedisRateLimitStore({ client, keyPrefix: 'bench' });
  for (let i = 0; i < 2000; i++) await store.take(`k${i % 64}`, limit, 1, 0);
  const samples = [];
  for (let i = 0; i < 5000; i++) {
    const t = process.hrtime.bigint();
    await store.take(`k${i % 64}`, limit, 1, 0);
    samples.push(Number(process.hrtime.bigint() - t) / 1000);
  }
  samples.sort((a, b) => a - b);
  const n = 50000;
  let next = 0;
  const t0 = performance.now();
  await Promise.all(
    Array.from({ length: 64 }, async (_, c) => {
      while (next++ < n) await store.take(`k${c}`, limit, 1, 0);
    }),
  );
  const rate = n / ((performance.now() - t0) / 1000);
  client.disconnect();
  return {
    label,
    p50us: samples[2500].toFixed(1),
    p99us: samples[4950].toFixed(1),
    takesPerSecondAt64: Math.round(rate),
  };
}
const a = await measure('one Redis', { url: `redis://127.0.0.1:${port}` });
const b = await measure('3-master cluster', { cluster: cluster.nodes });
const a2 = await measure('one Redis (again)', { url: `redis://127.0.0.1:${port}` });
console.table([a, b, a2]);
console.log(
  `cluster/one throughput ratio: ${(b.takesPerSecondAt64 / ((a.takesPerSecondAt64 + a2.takesPerSecondAt64) / 2)).toFixed(2)}x`,
);
single.kill('SIGKILL');
await cluster.stop();
