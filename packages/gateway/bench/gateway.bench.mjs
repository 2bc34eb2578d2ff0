// Added latency and throughput of the gateway: the same chat request sent by an undici Pool straight to
// the loopback model, and through a victor-gateway process (rate-limited key, response cache on, the
// request not cacheable so every request reaches the model). The model and the gateway run in their own
// processes; every pass measures each target in turn, the order rotated by one each pass. Figures are
// from one run on whatever machine runs it: compare the ratios, not the absolute numbers.
// A third target, a plain Node proxy (node:http in, one undici Pool out, JSON parsed and re-serialised),
// is the floor any separate proxy process pays on the same machine. Every target is warmed up (JIT) at
// both concurrencies before the passes. On Linux the CPU time per request of the gateway (or proxy)
// process and of the model is read from /proc over the throughput runs: on a shared machine it is steadier
// than latency, which the scheduler dominates.
// `--baseline-bin FILE` adds a fourth target: another build's victor-gateway bin (the version before a
// change, say), measured in the same run and passes as the current one.
// Usage: node bench/gateway.bench.mjs [--json FILE] [--quick] [--baseline-bin FILE]
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Pool } from 'undici';
import { hashApiKey } from '../dist/index.js';

const quick = process.argv.includes('--quick');
const jsonIndex = process.argv.indexOf('--json');
const jsonFile = jsonIndex > 0 ? process.argv[jsonIndex + 1] : undefined;
const baselineIndex = process.argv.indexOf('--baseline-bin');
const baselineBin = baselineIndex > 0 ? process.argv[baselineIndex + 1] : undefined;
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
const proxyScript = `
import { createServer } from 'node:http';
import { Pool } from 'undici';
const origin = new URL(process.argv[1]).origin;
const upstream = new Pool(origin, { connections: 32 });
const server = createServer((request, response) => {
  const parts = [];
  request.on('data', (part) => parts.push(part));
  request.on('end', async () => {
    const body = JSON.parse(Buffer.concat(parts).toString('utf8'));
    body.model = 'loopback-1';
    const answer = await upstream.request({ method: 'POST', path: '/v1/chat/completions', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
    const text = JSON.stringify(JSON.parse(await answer.body.text()));
    response.writeHead(answer.statusCode, { 'content-type': 'application/json', 'content-length': String(Buffer.byteLength(text)) });
    response.end(text);
  });
});
server.listen(0, '127.0.0.1', () => console.log('proxy http://127.0.0.1:' + server.address().port));
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

const baseline = baselineBin
  ? await startChild(
      [baselineBin, '--config', configFile, '--port', '0'],
      {},
      /listening on (http:\/\/[\d.:]+)/,
    )
  : undefined;
const proxy = await startChild(
  ['--input-type=module', '-e', proxyScript, model.url],
  {},
  /proxy (http:\/\/[\d.:]+)/,
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
  proxy: {
    origin: proxy.url,
    path: '/v1/chat/completions',
    headers: { 'content-type': 'application/json' },
  },
  gateway: {
    origin: gateway.url,
    path: '/v1/chat/completions',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${KEY}` },
  },
  ...(baseline
    ? {
        baseline: {
          origin: baseline.url,
          path: '/v1/chat/completions',
          headers: { 'content-type': 'application/json', authorization: `Bearer ${KEY}` },
        },
      }
    : {}),
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

// CPU time (user + system, microseconds) a process has used, from /proc; undefined elsewhere.
function cpuMicros(pid) {
  const file = `/proc/${pid}/stat`;
  if (!existsSync(file)) return undefined;
  const fields = readFileSync(file, 'utf8').split(') ')[1].split(' ');
  return ((Number(fields[11]) + Number(fields[12])) * 1_000_000) / 100;
}
const serverOf = {
  direct: model.child,
  proxy: proxy.child,
  gateway: gateway.child,
  baseline: baseline?.child,
};

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
  const hop = name === 'direct' ? undefined : serverOf[name].pid;
  const hopStart = hop === undefined ? undefined : cpuMicros(hop);
  const modelStart = cpuMicros(model.child.pid);
  const until = performance.now() + CONCURRENT_MS;
  await Promise.all(
    Array.from({ length: CONCURRENCY }, async () => {
      while (performance.now() < until) {
        await once(name);
        done++;
      }
    }),
  );
  const hopEnd = hop === undefined ? undefined : cpuMicros(hop);
  const modelEnd = cpuMicros(model.child.pid);
  return {
    requestsPerSecond: done / (CONCURRENT_MS / 1000),
    ...(hopStart === undefined ? {} : { hopCpuUsPerRequest: (hopEnd - hopStart) / done }),
    ...(modelStart === undefined ? {} : { modelCpuUsPerRequest: (modelEnd - modelStart) / done }),
  };
}

// Warm-up: every target's code paths compiled before anything is measured.
for (const name of Object.keys(targets)) {
  for (let i = 0; i < (quick ? 200 : 1_000); i++) await once(name);
  await Promise.all(
    Array.from({ length: CONCURRENCY }, async () => {
      for (let i = 0; i < (quick ? 10 : 40); i++) await once(name);
    }),
  );
}

const passes = [];
const PASSES = 3;
for (let pass = 0; pass < PASSES; pass++) {
  const result = {};
  // The order rotates each pass: no target is always measured first or last.
  const names = Object.keys(targets);
  for (const name of [...names.slice(pass % names.length), ...names.slice(0, pass % names.length)]) {
    result[name] = { ...(await sequential(name)), ...(await throughput(name)) };
  }
  passes.push(result);
}
// The median of the passes: one pass disturbed by another job on the machine does not move it.
const figure = (name, key) => {
  const values = passes.map((pass) => pass[name][key]).filter((value) => value !== undefined);
  if (values.length === 0) return undefined;
  values.sort((a, b) => a - b);
  return values[Math.floor(values.length / 2)];
};
const summaryOf = (name) => ({
  p50Us: figure(name, 'p50'),
  p99Us: figure(name, 'p99'),
  requestsPerSecond: figure(name, 'requestsPerSecond'),
  hopCpuUsPerRequest: figure(name, 'hopCpuUsPerRequest'),
  modelCpuUsPerRequest: figure(name, 'modelCpuUsPerRequest'),
});
const summary = {
  sequentialRequests: SEQUENTIAL,
  concurrency: CONCURRENCY,
  direct: summaryOf('direct'),
  proxy: summaryOf('proxy'),
  gateway: summaryOf('gateway'),
  ...(baseline ? { baseline: summaryOf('baseline') } : {}),
  passes,
};
summary.proxyAddedP50Us = summary.proxy.p50Us - summary.direct.p50Us;
summary.proxyThroughputRatio = summary.proxy.requestsPerSecond / summary.direct.requestsPerSecond;
summary.addedP50Us = summary.gateway.p50Us - summary.direct.p50Us;
summary.addedP99Us = summary.gateway.p99Us - summary.direct.p99Us;
summary.throughputRatio = summary.gateway.requestsPerSecond / summary.direct.requestsPerSecond;
const cpu = (name) =>
  summary[name].hopCpuUsPerRequest === undefined
    ? ''
    : `\n  c=${CONCURRENCY} CPU per request: ${name} process ${summary[name].hopCpuUsPerRequest.toFixed(0)} us, model ${summary[name].modelCpuUsPerRequest.toFixed(0)} us`;
console.log(
  `gateway bench (non-streaming chat, rate-limited key, cache on but bypassed; median of ${PASSES} passes, order rotated)\n` +
    `  c=1 p50: direct ${summary.direct.p50Us.toFixed(1)} us, gateway ${summary.gateway.p50Us.toFixed(1)} us, added ${summary.addedP50Us.toFixed(1)} us\n` +
    `  c=1 p99: direct ${summary.direct.p99Us.toFixed(1)} us, gateway ${summary.gateway.p99Us.toFixed(1)} us, added ${summary.addedP99Us.toFixed(1)} us\n` +
    `  c=${CONCURRENCY} throughput: direct ${summary.direct.requestsPerSecond.toFixed(0)} req/s, gateway ${summary.gateway.requestsPerSecond.toFixed(0)} req/s, ratio ${summary.throughputRatio.toFixed(2)}x` +
    cpu('gateway') +
    `\n  plain node proxy (the floor of any proxy process): c=1 p50 added ${summary.proxyAddedP50Us.toFixed(1)} us, c=${CONCURRENCY} ratio ${summary.proxyThroughputRatio.toFixed(2)}x` +
    cpu('proxy') +
    (baseline
      ? `\n  baseline build (${baselineBin}): c=1 p50 added ${(summary.baseline.p50Us - summary.direct.p50Us).toFixed(1)} us, p99 added ${(summary.baseline.p99Us - summary.direct.p99Us).toFixed(1)} us, c=${CONCURRENCY} ratio ${(summary.baseline.requestsPerSecond / summary.direct.requestsPerSecond).toFixed(2)}x${cpu('baseline')}`
      : ''),
);
if (jsonFile) writeFileSync(jsonFile, `${JSON.stringify(summary, null, 2)}\n`);
for (const pool of Object.values(pools)) await pool.close();
gateway.child.removeAllListeners('exit');
model.child.removeAllListeners('exit');
proxy.child.removeAllListeners('exit');
proxy.child.kill('SIGTERM');
if (baseline) {
  baseline.child.removeAllListeners('exit');
  baseline.child.kill('SIGTERM');
}
gateway.child.kill('SIGTERM');
model.child.kill('SIGTERM');
