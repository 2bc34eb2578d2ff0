// Added latency and throughput of the gateway: the same chat request sent by an undici Pool straight to
// the loopback model, and through a victor-gateway process (rate-limited key, response cache on, the
// request not cacheable so every request reaches the model). The model and the gateway run in their own
// processes; passes alternate (direct, gateway, direct, gateway). Figures are from one run on whatever
// machine runs it: compare the ratios, not the absolute numbers.
// Usage: node bench/gateway.bench.mjs [--json FILE] [--quick]
import { spawn } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Pool } from 'undici';
import { hashApiKey } from '../dist/index.js';

const quick = process.argv.includes('--quick');
const jsonIndex = process.argv.indexOf('--json');
const jsonFile = jsonIndex > 0 ? process.argv[jsonIndex + 1] : undefined;
const SEQUENTIAL = quick ? 500 : 3_000;
const CONCURRENT_MS = quick ? 1_500 : 4_000;
const CONCURRENCY = 64;
const KEY = 'sk-bench';

function startChild(args, env, pattern) {
  return new Promise((resolvePromise, reject) => {
    const child = spawn(process.execPath, args, {
      env: { ...process.env, ...env },
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    let output = '';
    child.stdout.setEncoding('utf8');
    child.stdout.on('data', (text) => {
      output += text;
      const match = pattern.exec(output);
      if (match) resolvePromise({ child, url: match[1] });
    });
    child.once('exit', (code) => reject(new Error(`child exited with ${code}: ${output}`)));
  });
}

const loopbackScript = `
import { createLoopbackServer } from '@victor-ai/provider-pool/testing';
const server = await createLoopbackServer({ recordRequests: 0 });
console.log('loopback ' + server.baseURL);
`;
const here = fileURLToPath(new URL('.', import.meta.url));
const model = await startChild(['--input-type=module', '-e', loopbackScript], {}, /loopback (http:\/\/\S+)/);
const dir = mkdtempSync(join(tmpdir(), 'gateway-bench-'));
const configFile = join(dir, 'gateway.json');
writeFileSync(
  configFile,
  JSON.stringify({
    endpoints: { model: { type: 'openai-compatible', baseURL: model.url, model: 'loopback-1' } },
    routes: [{ alias: 'bench', endpoints: ['model'] }],
    keys: [{ id: 'bench', hash: hashApiKey(KEY), requestsPerMinute: 100_000_000 }],
    cache: { type: 'memory' },
    logging: { level: 'error' },
  }),
);
const gateway = await startChild(
  [join(here, '../bin/victor-gateway.mjs'), '--config', configFile, '--port', '0'],
  {},
  /listening on (http:\/\/[\d.:]+)/,
);

const body = JSON.stringify({
  model: 'bench',
  temperature: 0.7,
  messages: [{ role: 'user', content: 'hello bench' }],
});
const targets = {
  direct: {
    origin: new URL(model.url).origin,
    path: '/v1/chat/completions',
    headers: { 'content-type': 'application/json' },
  },
  gateway: {
    origin: gateway.url,
    path: '/v1/chat/completions',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${KEY}` },
  },
};
const pools = Object.fromEntries(
  Object.entries(targets).map(([name, target]) => [
    name,
    new Pool(target.origin, { connections: CONCURRENCY }),
  ]),
);

async function once(name) {
  const target = targets[name];
  const response = await pools[name].request({
    method: 'POST',
    path: target.path,
    headers: target.headers,
    body,
  });
  await response.body.text();
  if (response.statusCode !== 200) throw new Error(`${name}: HTTP ${response.statusCode}`);
}

const quantile = (sorted, q) => sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))];

async function sequential(name) {
  for (let i = 0; i < 100; i++) await once(name);
  const samples = [];
  for (let i = 0; i < SEQUENTIAL; i++) {
    const start = process.hrtime.bigint();
    await once(name);
    samples.push(Number(process.hrtime.bigint() - start) / 1_000);
  }
  samples.sort((a, b) => a - b);
  return { p50: quantile(samples, 0.5), p99: quantile(samples, 0.99) };
}

async function throughput(name) {
  let done = 0;
  const until = performance.now() + CONCURRENT_MS;
  await Promise.all(
    Array.from({ length: CONCURRENCY }, async () => {
      while (performance.now() < until) {
        await once(name);
        done++;
      }
    }),
  );
  return done / (CONCURRENT_MS / 1000);
}

const passes = [];
for (let pass = 0; pass < 2; pass++) {
  const result = {};
  for (const name of ['direct', 'gateway']) {
    result[name] = { ...(await sequential(name)), requestsPerSecond: await throughput(name) };
  }
  passes.push(result);
}
const figure = (name, key) =>
  passes.map((pass) => pass[name][key]).reduce((a, b) => a + b, 0) / passes.length;
const summary = {
  sequentialRequests: SEQUENTIAL,
  concurrency: CONCURRENCY,
  direct: {
    p50Us: figure('direct', 'p50'),
    p99Us: figure('direct', 'p99'),
    requestsPerSecond: figure('direct', 'requestsPerSecond'),
  },
  gateway: {
    p50Us: figure('gateway', 'p50'),
    p99Us: figure('gateway', 'p99'),
    requestsPerSecond: figure('gateway', 'requestsPerSecond'),
  },
  passes,
};
summary.addedP50Us = summary.gateway.p50Us - summary.direct.p50Us;
summary.addedP99Us = summary.gateway.p99Us - summary.direct.p99Us;
summary.throughputRatio = summary.gateway.requestsPerSecond / summary.direct.requestsPerSecond;
console.log(
  `gateway bench (non-streaming chat, rate-limited key, cache on but bypassed; mean of 2 alternating passes)\n` +
    `  c=1 p50: direct ${summary.direct.p50Us.toFixed(1)} us, gateway ${summary.gateway.p50Us.toFixed(1)} us, added ${summary.addedP50Us.toFixed(1)} us\n` +
    `  c=1 p99: direct ${summary.direct.p99Us.toFixed(1)} us, gateway ${summary.gateway.p99Us.toFixed(1)} us, added ${summary.addedP99Us.toFixed(1)} us\n` +
    `  c=${CONCURRENCY} throughput: direct ${summary.direct.requestsPerSecond.toFixed(0)} req/s, gateway ${summary.gateway.requestsPerSecond.toFixed(0)} req/s, ratio ${summary.throughputRatio.toFixed(2)}x`,
);
if (jsonFile) writeFileSync(jsonFile, `${JSON.stringify(summary, null, 2)}\n`);
for (const pool of Object.values(pools)) await pool.close();
gateway.child.removeAllListeners('exit');
model.child.removeAllListeners('exit');
gateway.child.kill('SIGTERM');
model.child.kill('SIGTERM');
