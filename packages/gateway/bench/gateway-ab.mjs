// CPU per request of two (or more) victor-gateway builds under the same load, in interleaved rounds: the
// steadiest figure on a shared machine. Each build runs as its own process against one loopback model;
// each round sends every build in turn (rotated) 300 sequential chats (latency at concurrency 1), then
// N non-streaming chats at concurrency 64, reading the build's CPU time from /proc (Linux only). Prints
// the c=1 p50 over all rounds, the median CPU per request with its range, and the median requests per
// second of each build.
// Usage: node bench/gateway-ab.mjs BIN... [--big] [--rounds R] [--requests N]
//   BIN      a bin/victor-gateway.mjs of a build (this package's own: bin/victor-gateway.mjs)
//   --big    a 120 KB chat body (40 messages) instead of a one-line one
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Pool } from 'undici';
import { hashApiKey } from '../dist/index.js';

const argv = process.argv.slice(2);
const option = (name, fallback) => {
  const index = argv.indexOf(name);
  return index >= 0 ? Number(argv[index + 1]) : fallback;
};
const bins = argv.filter((arg, index) => !arg.startsWith('--') && !argv[index - 1]?.startsWith('--r'));
const ROUNDS = option('--rounds', 6);
const N = option('--requests', 3_000);
const CONCURRENCY = 64;
if (bins.length === 0)
  throw new Error('usage: node bench/gateway-ab.mjs BIN... [--big] [--rounds R] [--requests N]');

function startChild(args, pattern) {
  return new Promise((resolvePromise, reject) => {
    const child = spawn(process.execPath, args, { stdio: ['ignore', 'pipe', 'inherit'] });
    let output = '';
    child.stdout.on('data', (text) => {
      output += text;
      const match = pattern.exec(output);
      if (match) resolvePromise({ child, url: match[1] });
    });
    child.once('exit', (code) => reject(new Error(`child exited with ${code}: ${output}`)));
  });
}
const cpuMicros = (pid) => {
  const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1].split(' ');
  return ((Number(fields[11]) + Number(fields[12])) * 1_000_000) / 100;
};

const model = await startChild(
  [
    '--input-type=module',
    '-e',
    `import { createLoopbackServer } from '@victor-ai/provider-pool/testing'; const s = await createLoopbackServer({ recordRequests: 0 }); console.log('loopback ' + s.baseURL);`,
  ],
  /loopback (http:\/\/\S+)/,
);
const configFile = join(mkdtempSync(join(tmpdir(), 'gateway-ab-')), 'gateway.json');
writeFileSync(
  configFile,
  JSON.stringify({
    endpoints: { model: { type: 'openai-compatible', baseURL: model.url, model: 'loopback-1' } },
    routes: [{ alias: 'bench', endpoints: ['model'] }],
    keys: [{ id: 'bench', hash: hashApiKey('sk-bench'), requestsPerMinute: 100_000_000 }],
    cache: { type: 'memory' },
    logging: { level: 'error' },
  }),
);
const gateways = [];
for (const bin of bins) {
  gateways.push(
    await startChild([bin, '--config', configFile, '--port', '0'], /listening on (http:\/\/[\d.:]+)/),
  );
}
const messages = argv.includes('--big')
  ? Array.from({ length: 40 }, (_, index) => ({
      role: index % 2 ? 'assistant' : 'user',
      content: 'lorem ipsum dolor sit amet, "quoted" text with words '.repeat(50),
    }))
  : [{ role: 'user', content: 'hello bench' }];
const body = JSON.stringify({ model: 'bench', temperature: 0.7, messages });
const pools = gateways.map((gateway) => new Pool(gateway.url, { connections: CONCURRENCY }));
async function load(index, count, concurrency = CONCURRENCY) {
  let left = count;
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (left-- > 0) {
        const response = await pools[index].request({
          method: 'POST',
          path: '/v1/chat/completions',
          headers: { 'content-type': 'application/json', authorization: 'Bearer sk-bench' },
          body,
        });
        await response.body.text();
        if (response.statusCode !== 200) throw new Error(`HTTP ${response.statusCode}`);
      }
    }),
  );
}
for (let index = 0; index < gateways.length; index++) await load(index, 2_000); // warm-up
const results = bins.map(() => []);
const latencies = bins.map(() => []);
for (let round = 0; round < ROUNDS; round++) {
  for (let offset = 0; offset < gateways.length; offset++) {
    const index = (offset + round) % gateways.length;
    for (let call = 0; call < 300; call++) {
      const start = performance.now();
      await load(index, 1, 1);
      latencies[index].push((performance.now() - start) * 1000);
    }
    const before = cpuMicros(gateways[index].child.pid);
    const start = performance.now();
    await load(index, N);
    results[index].push({
      cpu: (cpuMicros(gateways[index].child.pid) - before) / N,
      rps: N / ((performance.now() - start) / 1000),
    });
  }
}
const median = (values) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)];
bins.forEach((bin, index) => {
  const cpu = results[index].map((result) => result.cpu);
  console.log(
    `${bin}: c=1 p50 ${median(latencies[index]).toFixed(0)} us; c=${CONCURRENCY}: CPU per request ${median(cpu).toFixed(0)} us (rounds ${Math.min(...cpu).toFixed(0)}-${Math.max(...cpu).toFixed(0)}), ${median(results[index].map((result) => result.rps)).toFixed(0)} req/s`,
  );
});
for (const pool of pools) await pool.close();
for (const process_ of [...gateways, model]) {
  process_.child.removeAllListeners('exit');
  process_.child.kill('SIGTERM');
}
